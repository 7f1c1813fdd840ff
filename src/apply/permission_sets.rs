//! The permission-set phase of `apply`: a plan into another instance (or after a Region move)
//! creates the baseline's missing permission sets and provisions them before its first
//! assignment write.
//!
//! - Creations run first; a provisioning waits for its permission set's creation. At most
//!   three provisionings run at once (the ProvisionPermissionSet limit).
//! - Journaled like assignment writes (`permission_set_intent`, `..._requested` with the new
//!   ARN or the request id, `..._outcome`), in the plan's journal: a rerun settles and resumes.
//! - A permission set is found by its name (unique in an instance). One that exists with
//!   something the plan's definition does not hold is never changed: the operation fails with
//!   the differing fields. One that lacks parts is completed only when this plan's journal says
//!   cutover created it (an earlier run stopped half way); anybody else's is left alone.

use super::executor::Control;
use super::journal::{JournalError, JournalWriter, OpState, OpStatus, Record};
use crate::backend::{PermissionSetWriter, WriteError, WriteErrorKind, WriteStatus};
use crate::model::{PermissionSetArn, PermissionSetDefinition};
use crate::plan::file::{PermissionSetKind, PermissionSetOperation, PlanFile};
use chrono::Utc;
use futures::stream::{self, StreamExt};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// AWS runs at most this many ProvisionPermissionSet requests at once.
pub const MAX_CONCURRENT_PROVISIONING: usize = 3;

/// What the journal says about the permission-set operations of a plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PermissionSetState {
    pub ops: Vec<OpState>,
    /// Baseline ARN → the ARN of the permission set created for it (creation done).
    pub created: BTreeMap<PermissionSetArn, PermissionSetArn>,
    /// Baseline ARN → the ARN AWS answered to this plan's CreatePermissionSet, done or not: a
    /// permission set with this ARN is this plan's to complete.
    pub answered: BTreeMap<PermissionSetArn, PermissionSetArn>,
}

impl PermissionSetState {
    pub fn all_done(&self) -> bool {
        self.ops.iter().all(|s| *s == OpState::Done)
    }

    pub fn done(&self) -> usize {
        self.ops.iter().filter(|s| **s == OpState::Done).count()
    }
}

/// Replays the permission-set records of `records` for `plan`.
pub fn replay(
    path: &Path,
    records: &[Record],
    plan: &PlanFile,
) -> Result<PermissionSetState, JournalError> {
    let ops = &plan.body.permission_set_operations;
    let mut state = PermissionSetState {
        ops: vec![OpState::NotStarted; ops.len()],
        created: BTreeMap::new(),
        answered: BTreeMap::new(),
    };
    for record in records {
        let (ps_op, name) = match record {
            Record::PermissionSetIntent { ps_op, name, .. }
            | Record::PermissionSetRequested { ps_op, name, .. }
            | Record::PermissionSetOutcome { ps_op, name, .. } => (*ps_op, name),
            _ => continue,
        };
        let index = (ps_op as usize)
            .checked_sub(1)
            .filter(|&i| ops.get(i).is_some_and(|op| op.name == *name))
            .ok_or_else(|| JournalError::UnknownOperation {
                path: path.to_owned(),
                op: ps_op,
            })?;
        let op = &ops[index];
        state.ops[index] = match record {
            Record::PermissionSetIntent { .. } => OpState::Unknown { request_id: None },
            Record::PermissionSetRequested {
                permission_set_arn,
                request_id,
                ..
            } => {
                if let Some(arn) = permission_set_arn {
                    state.answered.insert(op.baseline_arn.clone(), arn.clone());
                }
                OpState::Unknown {
                    request_id: request_id.clone(),
                }
            }
            Record::PermissionSetOutcome {
                status,
                permission_set_arn,
                request_id,
                code,
                message,
                ..
            } => {
                if let Some(arn) = permission_set_arn {
                    state.answered.insert(op.baseline_arn.clone(), arn.clone());
                }
                match status {
                    OpStatus::Succeeded | OpStatus::AlreadyDone => OpState::Done,
                    OpStatus::Failed => OpState::Failed {
                        code: code.clone(),
                        message: message.clone(),
                    },
                    OpStatus::Unknown | OpStatus::HeldBack => OpState::Unknown {
                        request_id: request_id.clone(),
                    },
                }
            }
            _ => unreachable!("filtered above"),
        };
    }
    // Only a finished creation makes a permission set usable.
    for (index, op) in ops.iter().enumerate() {
        if op.kind == PermissionSetKind::CreatePermissionSet && state.ops[index] == OpState::Done {
            if let Some(arn) = state.answered.get(&op.baseline_arn) {
                state.created.insert(op.baseline_arn.clone(), arn.clone());
            }
        }
    }
    Ok(state)
}

/// How polling a provisioning goes.
#[derive(Clone, Debug)]
pub struct PermissionSetOptions {
    pub max_in_flight: usize,
    pub poll_budget: u32,
    pub poll_interval: Duration,
}

/// One operation reached an outcome (for the front end's log).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionSetEvent {
    pub ps_op: u32,
    pub state: OpState,
}

struct Phase<'a, W> {
    writer: &'a W,
    ops: &'a [PermissionSetOperation],
    journal: Mutex<&'a mut JournalWriter>,
    states: Mutex<Vec<OpState>>,
    created: Mutex<BTreeMap<PermissionSetArn, PermissionSetArn>>,
    answered: BTreeMap<PermissionSetArn, PermissionSetArn>,
    options: &'a PermissionSetOptions,
    control: &'a Control,
    on_event: &'a (dyn Fn(PermissionSetEvent) + Send + Sync),
}

/// Runs the plan's permission-set operations that are not done; returns the state after.
pub async fn run<W: PermissionSetWriter>(
    writer: &W,
    plan: &PlanFile,
    journal: &mut JournalWriter,
    prior: PermissionSetState,
    options: &PermissionSetOptions,
    control: &Control,
    on_event: &(dyn Fn(PermissionSetEvent) + Send + Sync),
) -> Result<PermissionSetState, JournalError> {
    let ops = &plan.body.permission_set_operations;
    let phase = Phase {
        writer,
        ops,
        journal: Mutex::new(journal),
        states: Mutex::new(prior.ops),
        created: Mutex::new(prior.created),
        answered: prior.answered,
        options,
        control,
        on_event,
    };
    let pending = |kind: PermissionSetKind| -> Vec<usize> {
        (0..ops.len())
            .filter(|&i| ops[i].kind == kind && phase.state(i) != OpState::Done)
            .collect()
    };
    let creations = pending(PermissionSetKind::CreatePermissionSet);
    let results: Vec<Result<(), JournalError>> = stream::iter(creations)
        .map(|index| phase.create(index))
        .buffer_unordered(options.max_in_flight.max(1))
        .collect()
        .await;
    results.into_iter().collect::<Result<(), _>>()?;
    let provisionings = pending(PermissionSetKind::ProvisionPermissionSet);
    let results: Vec<Result<(), JournalError>> = stream::iter(provisionings)
        .map(|index| phase.provision(index))
        .buffer_unordered(MAX_CONCURRENT_PROVISIONING)
        .collect()
        .await;
    results.into_iter().collect::<Result<(), _>>()?;
    let created = phase
        .created
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    let mut answered = phase.answered;
    answered.extend(created.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(PermissionSetState {
        ops: phase.states.into_inner().unwrap_or_else(|e| e.into_inner()),
        created,
        answered,
    })
}

/// Reads the journal at `path` (none there: nothing done yet) and replays its permission-set
/// records for `plan`.
pub fn read(path: &Path, plan: &PlanFile) -> Result<PermissionSetState, JournalError> {
    replay(path, &super::journal::read(path)?.records, plan)
}

impl<W: PermissionSetWriter> Phase<'_, W> {
    fn state(&self, index: usize) -> OpState {
        self.states.lock().unwrap_or_else(|e| e.into_inner())[index].clone()
    }

    fn append(&self, record: Record) -> Result<(), JournalError> {
        self.journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .append(&record)
    }

    fn intent(&self, index: usize) -> Result<(), JournalError> {
        self.append(Record::PermissionSetIntent {
            at: Utc::now(),
            ps_op: self.ops[index].id,
            name: self.ops[index].name.clone(),
        })?;
        self.states.lock().unwrap_or_else(|e| e.into_inner())[index] =
            OpState::Unknown { request_id: None };
        Ok(())
    }

    fn requested(
        &self,
        index: usize,
        permission_set_arn: Option<PermissionSetArn>,
        request_id: Option<String>,
    ) -> Result<(), JournalError> {
        self.append(Record::PermissionSetRequested {
            at: Utc::now(),
            ps_op: self.ops[index].id,
            name: self.ops[index].name.clone(),
            permission_set_arn,
            request_id,
        })
    }

    fn outcome(
        &self,
        index: usize,
        status: OpStatus,
        permission_set_arn: Option<PermissionSetArn>,
        request_id: Option<String>,
        error: Option<(Option<String>, String)>,
    ) -> Result<(), JournalError> {
        let op = &self.ops[index];
        let (code, message) = match error {
            Some((code, message)) => (code, Some(message)),
            None => (None, None),
        };
        self.append(Record::PermissionSetOutcome {
            at: Utc::now(),
            ps_op: op.id,
            name: op.name.clone(),
            status,
            permission_set_arn: permission_set_arn.clone(),
            request_id: request_id.clone(),
            code: code.clone(),
            message: message.clone(),
        })?;
        let state = match status {
            OpStatus::Succeeded | OpStatus::AlreadyDone => OpState::Done,
            OpStatus::Failed => OpState::Failed { code, message },
            OpStatus::Unknown | OpStatus::HeldBack => OpState::Unknown { request_id },
        };
        if state == OpState::Done && op.kind == PermissionSetKind::CreatePermissionSet {
            if let Some(arn) = permission_set_arn {
                self.created
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(op.baseline_arn.clone(), arn);
            }
        }
        self.states.lock().unwrap_or_else(|e| e.into_inner())[index] = state.clone();
        (self.on_event)(PermissionSetEvent {
            ps_op: op.id,
            state,
        });
        Ok(())
    }

    fn failed(&self, index: usize, error: &WriteError) -> Result<(), JournalError> {
        if error.kind == WriteErrorKind::Credentials {
            self.control.stop();
        }
        self.outcome(
            index,
            OpStatus::Failed,
            None,
            None,
            Some((
                error.code.clone(),
                format!("{}: {}", error.action, error.message),
            )),
        )
    }

    async fn create(&self, index: usize) -> Result<(), JournalError> {
        if self.control.is_stopped() {
            return Ok(());
        }
        let op = &self.ops[index];
        let Some(definition) = &op.definition else {
            return Ok(());
        };
        // An earlier run of this plan sent the creation, or may have: look first. The
        // permission set of this name is ours to complete when AWS gave this plan its ARN, or
        // when the run stopped between sending the creation and journaling the answer.
        let before = self.state(index);
        if before != OpState::NotStarted {
            match self.writer.find_permission_set(&op.name).await {
                Ok(Some((arn, existing))) => {
                    let ours = matches!(before, OpState::Unknown { .. })
                        || self.answered.get(&op.baseline_arn) == Some(&arn);
                    return self.complete(index, definition, arn, &existing, ours).await;
                }
                Ok(None) => {}
                Err(error) => return self.failed(index, &error),
            }
        }
        self.intent(index)?;
        let arn = match self.writer.create_permission_set(definition).await {
            Ok(arn) => arn,
            // The name is taken (created since the plan was made): look at what is there.
            Err(error) if error.code.as_deref() == Some("ConflictException") => {
                return match self.writer.find_permission_set(&op.name).await {
                    Ok(Some((arn, existing))) => {
                        self.complete(index, definition, arn, &existing, false)
                            .await
                    }
                    Ok(None) => self.failed(index, &error),
                    Err(lookup) => self.failed(index, &lookup),
                };
            }
            Err(error) => return self.failed(index, &error),
        };
        self.requested(index, Some(arn.clone()), None)?;
        for part in definition.parts() {
            if let Err(error) = self.writer.add_to_permission_set(&arn, &part).await {
                return self.failed(index, &error);
            }
        }
        self.outcome(index, OpStatus::Succeeded, Some(arn), None, None)
    }

    /// Completes an existing permission set of the plan's name, or refuses to touch it.
    async fn complete(
        &self,
        index: usize,
        definition: &PermissionSetDefinition,
        arn: PermissionSetArn,
        existing: &PermissionSetDefinition,
        ours: bool,
    ) -> Result<(), JournalError> {
        let name = &self.ops[index].name;
        let refuse = |detail: String| {
            self.outcome(index, OpStatus::Failed, None, None, Some((None, detail)))
        };
        match definition.completion_of(existing) {
            Ok(parts) if parts.is_empty() => {
                self.outcome(index, OpStatus::AlreadyDone, Some(arn), None, None)
            }
            Ok(parts) if ours => {
                self.requested(index, Some(arn.clone()), None)?;
                for part in &parts {
                    if let Err(error) = self.writer.add_to_permission_set(&arn, part).await {
                        return self.failed(index, &error);
                    }
                }
                self.outcome(index, OpStatus::Succeeded, Some(arn), None, None)
            }
            Ok(parts) => refuse(format!(
                "a permission set named {name} was created by someone else since the plan was made and lacks {} part{} of the plan's definition; cutover does not change permission sets it did not create: align it by hand or delete it, then plan again",
                parts.len(),
                if parts.len() == 1 { "" } else { "s" }
            )),
            Err(differences) => refuse(format!(
                "a permission set named {name} exists with another definition ({}); cutover never overwrites a permission set: align it by hand, then plan again",
                differences
                    .iter()
                    .map(|d| d.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    async fn provision(&self, index: usize) -> Result<(), JournalError> {
        if self.control.is_stopped() {
            return Ok(());
        }
        let op = &self.ops[index];
        let Some(account) = &op.account_id else {
            return Ok(());
        };
        let Some(arn) = self
            .created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&op.baseline_arn)
            .cloned()
        else {
            // Its creation is not done: the provisioning waits for the next run.
            return Ok(());
        };
        // A provisioning an earlier run started: ask how it ended. Provisioning again is
        // harmless (it applies the same definition), so a lost request id is simply redone.
        if let OpState::Unknown {
            request_id: Some(request_id),
        } = self.state(index)
        {
            match self.poll(index, &request_id).await? {
                PollEnd::Settled => return Ok(()),
                PollEnd::Running => return self.still_running(index, request_id),
                PollEnd::Unreadable => {}
            }
        }
        self.intent(index)?;
        let started = match self.writer.provision(&arn, account).await {
            Ok(started) => started,
            Err(error) => return self.failed(index, &error),
        };
        if let Some(request_id) = &started.request_id {
            self.requested(index, None, Some(request_id.clone()))?;
        }
        match (started.status, started.request_id) {
            (WriteStatus::Succeeded, request_id) => {
                self.outcome(index, OpStatus::Succeeded, None, request_id, None)
            }
            (WriteStatus::Failed { reason }, request_id) => self.outcome(
                index,
                OpStatus::Failed,
                None,
                request_id,
                Some((None, reason)),
            ),
            (WriteStatus::InProgress, Some(request_id)) => {
                match self.poll(index, &request_id).await? {
                    PollEnd::Settled => Ok(()),
                    PollEnd::Running | PollEnd::Unreadable => self.still_running(index, request_id),
                }
            }
            (WriteStatus::InProgress, None) => self.outcome(
                index,
                OpStatus::Unknown,
                None,
                None,
                Some((
                    None,
                    "AWS answered IN_PROGRESS without a request id; the next run provisions again"
                        .to_owned(),
                )),
            ),
        }
    }

    fn still_running(&self, index: usize, request_id: String) -> Result<(), JournalError> {
        self.outcome(
            index,
            OpStatus::Unknown,
            None,
            Some(request_id),
            Some((
                None,
                format!(
                    "still IN_PROGRESS after {} polls; the next run asks again",
                    self.options.poll_budget
                ),
            )),
        )
    }

    /// Polls a provisioning within the budget; its outcome is journaled once AWS gives one.
    async fn poll(&self, index: usize, request_id: &str) -> Result<PollEnd, JournalError> {
        for _ in 0..self.options.poll_budget.max(1) {
            if !self.options.poll_interval.is_zero() {
                tokio::time::sleep(self.options.poll_interval).await;
            }
            match self.writer.provisioning_status(request_id).await {
                Ok(WriteStatus::InProgress) => continue,
                Ok(WriteStatus::Succeeded) => {
                    self.outcome(
                        index,
                        OpStatus::Succeeded,
                        None,
                        Some(request_id.to_owned()),
                        None,
                    )?;
                    return Ok(PollEnd::Settled);
                }
                Ok(WriteStatus::Failed { reason }) => {
                    self.outcome(
                        index,
                        OpStatus::Failed,
                        None,
                        Some(request_id.to_owned()),
                        Some((None, reason)),
                    )?;
                    return Ok(PollEnd::Settled);
                }
                Err(error) if error.kind == WriteErrorKind::GaveUp => continue,
                Err(_) => return Ok(PollEnd::Unreadable),
            }
        }
        Ok(PollEnd::Running)
    }
}

enum PollEnd {
    /// AWS said how it ended; the outcome is journaled.
    Settled,
    /// Still IN_PROGRESS when the budget ran out.
    Running,
    /// The status could not be read (an unknown request id): provisioning again is safe.
    Unreadable,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::journal;
    use crate::backend::sim_permission_sets::{SimPermissionSetFaults, SimPermissionSets};
    use crate::model::{AccountId, DefinitionPart, PermissionSetDefinition, Snapshot};
    use crate::plan::carry_tests::{admin, baseline, carried_plan, carrying_plan, empty_instance};

    fn options() -> PermissionSetOptions {
        PermissionSetOptions {
            max_in_flight: 10,
            poll_budget: 10,
            poll_interval: Duration::ZERO,
        }
    }

    /// Runs the phase once against `sim`, with the journal at `path` (read first, as `apply`
    /// does).
    async fn run_once(sim: &SimPermissionSets, plan: &PlanFile, path: &Path) -> PermissionSetState {
        let prior = replay(path, &journal::read(path).unwrap().records, plan).unwrap();
        let mut writer = JournalWriter::open(path).unwrap();
        run(
            sim,
            plan,
            &mut writer,
            prior,
            &options(),
            &Control::default(),
            &|_| {},
        )
        .await
        .unwrap()
    }

    fn planned(plan: &PlanFile, name: &str) -> PermissionSetDefinition {
        plan.permission_set_creations()
            .find(|op| op.name == name)
            .and_then(|op| op.definition.clone())
            .unwrap()
    }

    #[tokio::test]
    async fn permission_sets_are_created_whole_then_provisioned_and_a_rerun_does_nothing() {
        let plan = carried_plan();
        let sim = SimPermissionSets::new(&empty_instance(&[]), SimPermissionSetFaults::default());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.journal.jsonl");
        let state = run_once(&sim, &plan, &path).await;
        assert!(state.all_done(), "{:?}", state.ops);
        let sets = sim.definitions();
        for name in ["Admin", "ReadOnly"] {
            assert_eq!(sets[name].1, planned(&plan, name), "{name}");
        }
        // Every assignment can now name its permission set in current.
        assert_eq!(plan.waiting_for_permission_sets(&state.created), 0);
        assert_eq!(state.created.len(), 2);
        let provisioned = sim.provisioned();
        assert!(provisioned.contains(&(
            sets["Admin"].0.clone(),
            AccountId::from(crate::plan::carry_tests::OLD_ACCOUNT)
        )));
        let log = sim.log();
        assert_eq!(log.creates, ["Admin", "ReadOnly"]);

        // The journal alone says everything is done: nothing is sent again.
        let again = run_once(&sim, &plan, &path).await;
        assert!(again.all_done());
        assert_eq!(again.created, state.created);
        assert_eq!(sim.log(), log);
    }

    /// A plan that provisions `permission_sets` permission sets to each of `accounts` accounts.
    fn wide_plan(accounts: usize) -> PlanFile {
        let mut b = baseline();
        let ids: Vec<String> = (0..accounts).map(|i| format!("2000000000{i:02}")).collect();
        for id in &ids {
            b.account_assignments.push(crate::model::AccountAssignment {
                account_id: id.as_str().into(),
                permission_set_arn: "arn:old/ps-admin".into(),
                principal_type: crate::model::PrincipalType::User,
                principal_id: "u-ana".into(),
            });
        }
        b.normalize();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        carrying_plan(&b, &empty_instance(&refs))
    }

    #[tokio::test]
    async fn at_most_three_provisionings_run_at_once() {
        let plan = wide_plan(9);
        assert_eq!(plan.body.summary.provisionings, 9);
        let sim = SimPermissionSets::new(
            &Snapshot::empty(Default::default(), crate::fixture::captured_at()),
            SimPermissionSetFaults {
                provisioning_polls: 3,
                ..SimPermissionSetFaults::default()
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let state = run_once(&sim, &plan, &dir.path().join("j.jsonl")).await;
        assert!(state.all_done(), "{:?}", state.ops);
        assert_eq!(sim.log().provisionings.len(), 9);
        assert_eq!(
            sim.log().max_outstanding_provisionings,
            MAX_CONCURRENT_PROVISIONING
        );
    }

    #[tokio::test]
    async fn a_creation_stopped_half_way_is_completed_on_the_next_run_not_made_twice() {
        let plan = carried_plan();
        let policy = DefinitionPart::ManagedPolicy {
            arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
        };
        let sim = SimPermissionSets::new(
            &empty_instance(&[]),
            SimPermissionSetFaults {
                fail_part_once: Some(policy),
                ..SimPermissionSetFaults::default()
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let first = run_once(&sim, &plan, &path).await;
        assert!(
            matches!(first.ops[0], OpState::Failed { .. }),
            "{:?}",
            first.ops
        );
        // Its provisioning waited; the other permission set went through.
        assert_eq!(first.ops[1], OpState::Done);
        assert_eq!(first.ops[2], OpState::NotStarted);
        assert_ne!(sim.definitions()["Admin"].1, planned(&plan, "Admin"));

        let second = run_once(&sim, &plan, &path).await;
        assert!(second.all_done(), "{:?}", second.ops);
        assert_eq!(sim.definitions()["Admin"].1, planned(&plan, "Admin"));
        assert_eq!(
            sim.log().creates,
            ["Admin", "ReadOnly"],
            "created once each"
        );
    }

    #[tokio::test]
    async fn a_permission_set_someone_else_made_under_the_name_is_never_touched() {
        let plan = carried_plan();
        let mut theirs = empty_instance(&[]);
        let mut other = admin("arn:theirs/ps-admin");
        other.description = Some("not ours".into());
        theirs.permission_sets.push(other);
        let sim = SimPermissionSets::new(&theirs, SimPermissionSetFaults::default());
        let dir = tempfile::tempdir().unwrap();
        let state = run_once(&sim, &plan, &dir.path().join("j.jsonl")).await;
        match &state.ops[0] {
            OpState::Failed { message, .. } => {
                let message = message.as_deref().unwrap_or("");
                assert!(message.contains("never overwrites"), "{message}");
                assert!(message.contains("description"), "{message}");
            }
            other => panic!("expected a failure, got {other:?}"),
        }
        assert_eq!(
            sim.definitions()["Admin"].1.description.as_deref(),
            Some("not ours")
        );
        assert!(!sim
            .log()
            .parts_added
            .iter()
            .any(|(name, _)| name == "Admin"));
        assert_eq!(state.ops[2], OpState::NotStarted, "its provisioning waits");
        assert!(!state.all_done());
    }
}
