//! [`SimPermissionSets`]: the permission-set writes of the in-memory simulation, for dry runs
//! and for testing the permission-set phase of `apply` (ordering, the provisioning limit,
//! resuming after a half-made permission set) without a network.

use super::write::{PermissionSetWriter, Provisioning, WriteError, WriteErrorKind, WriteStatus};
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// How the simulation misbehaves.
#[derive(Clone, Debug, Default)]
pub struct SimPermissionSetFaults {
    /// Adding this part fails once (the first time it is tried), as a crash or a refusal half
    /// way through a creation would leave things.
    pub fail_part_once: Option<DefinitionPart>,
    /// Each provisioning answers IN_PROGRESS for this many status polls.
    pub provisioning_polls: u32,
    /// Provisioning to these accounts FAILS (e.g. a customer managed policy missing there).
    pub failing_accounts: Vec<AccountId>,
}

/// What the simulation saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimPermissionSetLog {
    pub creates: Vec<String>,
    pub parts_added: Vec<(String, DefinitionPart)>,
    pub provisionings: Vec<(String, AccountId)>,
    /// The most provisionings outstanding (started, not yet polled to an outcome) at once.
    pub max_outstanding_provisionings: usize,
}

struct Request {
    polls_left: u32,
    outcome: WriteStatus,
}

#[derive(Default)]
struct State {
    /// By name: ARN and definition.
    sets: BTreeMap<String, (PermissionSetArn, PermissionSetDefinition)>,
    provisioned: BTreeSet<(PermissionSetArn, AccountId)>,
    requests: HashMap<String, Request>,
    outstanding: usize,
    failed_once: bool,
    next: u64,
    log: SimPermissionSetLog,
}

pub struct SimPermissionSets {
    state: Mutex<State>,
    faults: SimPermissionSetFaults,
}

impl SimPermissionSets {
    /// An instance holding `snapshot`'s permission sets.
    pub fn new(snapshot: &Snapshot, faults: SimPermissionSetFaults) -> Self {
        let mut state = State::default();
        for p in &snapshot.permission_sets {
            state.sets.insert(
                p.name.clone(),
                (p.permission_set_arn.clone(), PermissionSetDefinition::of(p)),
            );
            for account in &p.provisioned_account_ids {
                state
                    .provisioned
                    .insert((p.permission_set_arn.clone(), account.clone()));
            }
        }
        SimPermissionSets {
            state: Mutex::new(state),
            faults,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn log(&self) -> SimPermissionSetLog {
        self.lock().log.clone()
    }

    /// Every permission set by name.
    pub fn definitions(&self) -> BTreeMap<String, (PermissionSetArn, PermissionSetDefinition)> {
        self.lock().sets.clone()
    }

    pub fn provisioned(&self) -> BTreeSet<(PermissionSetArn, AccountId)> {
        self.lock().provisioned.clone()
    }

    /// Puts `snapshot`'s permission sets (with their provisioning) in the simulation's state.
    pub fn snapshot_from(&self, snapshot: &Snapshot) -> Snapshot {
        let state = self.lock();
        let mut out = snapshot.clone();
        out.permission_sets = state
            .sets
            .values()
            .map(|(arn, d)| PermissionSet {
                permission_set_arn: arn.clone(),
                name: d.name.clone(),
                description: d.description.clone(),
                session_duration: d.session_duration.clone(),
                relay_state: d.relay_state.clone(),
                managed_policies: d
                    .managed_policy_arns
                    .iter()
                    .map(|a| ManagedPolicy {
                        arn: a.clone(),
                        name: None,
                    })
                    .collect(),
                customer_managed_policies: d.customer_managed_policies.clone(),
                inline_policy: d.inline_policy.clone(),
                permissions_boundary: d.permissions_boundary.clone(),
                tags: d.tags.clone(),
                provisioned_account_ids: state
                    .provisioned
                    .iter()
                    .filter(|(p, _)| p == arn)
                    .map(|(_, a)| a.clone())
                    .collect(),
            })
            .collect();
        out.normalize();
        out
    }
}

fn error(kind: WriteErrorKind, action: &str, code: &str, message: String) -> WriteError {
    WriteError {
        kind,
        action: action.to_owned(),
        code: Some(code.to_owned()),
        message,
    }
}

impl PermissionSetWriter for SimPermissionSets {
    async fn find_permission_set(
        &self,
        name: &str,
    ) -> Result<Option<(PermissionSetArn, PermissionSetDefinition)>, WriteError> {
        Ok(self.lock().sets.get(name).cloned())
    }

    async fn create_permission_set(
        &self,
        definition: &PermissionSetDefinition,
    ) -> Result<PermissionSetArn, WriteError> {
        let mut state = self.lock();
        if state.sets.contains_key(&definition.name) {
            return Err(error(
                WriteErrorKind::Refused,
                "sso:CreatePermissionSet",
                "ConflictException",
                format!("a permission set named {} exists", definition.name),
            ));
        }
        state.next += 1;
        let arn = PermissionSetArn::from(format!("arn:sim:permissionSet/ps-{}", state.next));
        // CreatePermissionSet sets these fields only; the parts come one by one.
        let created = PermissionSetDefinition {
            name: definition.name.clone(),
            description: definition.description.clone(),
            session_duration: definition.session_duration.clone(),
            relay_state: definition.relay_state.clone(),
            tags: definition.tags.clone(),
            ..PermissionSetDefinition::default()
        };
        state
            .sets
            .insert(definition.name.clone(), (arn.clone(), created));
        state.log.creates.push(definition.name.clone());
        Ok(arn)
    }

    async fn add_to_permission_set(
        &self,
        permission_set_arn: &PermissionSetArn,
        part: &DefinitionPart,
    ) -> Result<(), WriteError> {
        let mut state = self.lock();
        if self.faults.fail_part_once.as_ref() == Some(part) && !state.failed_once {
            state.failed_once = true;
            return Err(error(
                WriteErrorKind::Refused,
                "sso:AttachManagedPolicyToPermissionSet",
                "ValidationException",
                "refused once by the simulation".to_owned(),
            ));
        }
        let State { sets, log, .. } = &mut *state;
        let Some((name, (_, definition))) = sets
            .iter_mut()
            .find(|(_, (arn, _))| arn == permission_set_arn)
        else {
            return Err(error(
                WriteErrorKind::NotFound,
                "sso:AttachManagedPolicyToPermissionSet",
                "ResourceNotFoundException",
                format!("no permission set {permission_set_arn}"),
            ));
        };
        match part {
            DefinitionPart::ManagedPolicy { arn } => {
                definition.managed_policy_arns.push(arn.clone());
                definition.managed_policy_arns.sort();
            }
            DefinitionPart::CustomerManagedPolicy(policy) => {
                definition.customer_managed_policies.push(policy.clone());
                definition.customer_managed_policies.sort();
            }
            DefinitionPart::InlinePolicy { document } => {
                definition.inline_policy = Some(document.clone())
            }
            DefinitionPart::PermissionsBoundary(boundary) => {
                definition.permissions_boundary = Some(boundary.clone())
            }
            DefinitionPart::Tags { tags } => {
                definition.tags.extend(tags.iter().cloned());
                definition.tags.sort();
                definition.tags.dedup();
            }
        }
        log.parts_added.push((name.clone(), part.clone()));
        Ok(())
    }

    async fn provision(
        &self,
        permission_set_arn: &PermissionSetArn,
        account_id: &AccountId,
    ) -> Result<Provisioning, WriteError> {
        let mut state = self.lock();
        let name = state
            .sets
            .iter()
            .find(|(_, (arn, _))| arn == permission_set_arn)
            .map(|(name, _)| name.clone())
            .ok_or_else(|| {
                error(
                    WriteErrorKind::NotFound,
                    "sso:ProvisionPermissionSet",
                    "ResourceNotFoundException",
                    format!("no permission set {permission_set_arn}"),
                )
            })?;
        state.log.provisionings.push((name, account_id.clone()));
        let outcome = if self.faults.failing_accounts.contains(account_id) {
            WriteStatus::Failed {
                reason: format!("a customer managed policy is missing in {account_id}"),
            }
        } else {
            state
                .provisioned
                .insert((permission_set_arn.clone(), account_id.clone()));
            WriteStatus::Succeeded
        };
        if self.faults.provisioning_polls == 0 {
            return Ok(Provisioning {
                request_id: None,
                status: outcome,
            });
        }
        state.next += 1;
        let request_id = format!("prov-{}", state.next);
        state.requests.insert(
            request_id.clone(),
            Request {
                polls_left: self.faults.provisioning_polls,
                outcome,
            },
        );
        state.outstanding += 1;
        state.log.max_outstanding_provisionings = state
            .log
            .max_outstanding_provisionings
            .max(state.outstanding);
        Ok(Provisioning {
            request_id: Some(request_id),
            status: WriteStatus::InProgress,
        })
    }

    async fn provisioning_status(&self, request_id: &str) -> Result<WriteStatus, WriteError> {
        // Let the other outstanding provisionings run between polls, as a network would.
        tokio::task::yield_now().await;
        let mut state = self.lock();
        let Some(request) = state.requests.get_mut(request_id) else {
            return Err(error(
                WriteErrorKind::NotFound,
                "sso:DescribePermissionSetProvisioningStatus",
                "ResourceNotFoundException",
                format!("no request {request_id}"),
            ));
        };
        if request.polls_left > 0 {
            request.polls_left -= 1;
            return Ok(WriteStatus::InProgress);
        }
        let outcome = request.outcome.clone();
        state.requests.remove(request_id);
        state.outstanding -= 1;
        Ok(outcome)
    }
}
