//! The executor: runs a plan's operations against a [`Writer`], journaling every step.
//!
//! - Unknown operations from an earlier run are settled first (their status asked, or the
//!   assignment looked up), so nothing is repeated and nothing is reported done that is not.
//! - Every create runs before any delete, and deletes start only when every create is done.
//! - At most `max_in_flight` writes are outstanding (started, not yet finished): AWS allows
//!   10–15 asynchronous account-assignment writes at once. The writer paces requests per API
//!   family.
//! - Idempotent: a create whose assignment is already there, or a delete of one already gone,
//!   is recorded as done without a write. Deletes that would empty an (account, permission set)
//!   pair — checked against the live state, not only the plan's flag — are held back unless
//!   the plan allows role deletion.
//! - One operation's failure does not stop the others. `Control::stop` (Ctrl-C) stops new
//!   writes and lets outstanding ones finish; `Control::pause` holds new writes.

use super::journal::{JournalError, JournalState, JournalWriter, OpState, OpStatus, Record};
use crate::backend::{Started, WriteErrorKind, WriteStatus, Writer};
use crate::model::{Action, Assignment, Place, Principal};
use crate::plan::file::PlanFile;
use chrono::Utc;
use futures::stream::{self, StreamExt};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// Writes outstanding at once (AWS allows 10–15 account-assignment writes in flight).
    pub max_in_flight: usize,
    /// Status polls per write before it is recorded as unknown.
    pub poll_budget: u32,
    /// Wait before the first status poll: AWS rarely finishes an assignment write sooner.
    pub poll_first: Duration,
    /// Wait between the next polls, for the first ten; then it doubles up to `poll_max`.
    pub poll_interval: Duration,
    pub poll_max: Duration,
    /// Retry only the operations that failed before; start nothing new.
    pub only_failed: bool,
    /// Recorded in the journal's run record: drift the user chose to apply over.
    pub forced_drift: Vec<String>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            max_in_flight: 10,
            poll_budget: 40,
            poll_first: Duration::from_millis(1000),
            poll_interval: Duration::from_millis(500),
            poll_max: Duration::from_secs(5),
            only_failed: false,
            forced_drift: Vec::new(),
        }
    }
}

/// Stop and pause, shared between the executor and whoever drives it (signal handler, TUI).
#[derive(Clone)]
pub struct Control {
    stop: Arc<AtomicBool>,
    paused: watch::Sender<bool>,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            stop: Arc::new(AtomicBool::new(false)),
            paused: watch::Sender::new(false),
        }
    }
}

impl Control {
    /// No new writes; outstanding ones finish and are journaled.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake anything waiting on a pause so it can see the stop.
        self.paused.send_replace(false);
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.send_replace(paused);
    }

    pub fn is_paused(&self) -> bool {
        *self.paused.borrow()
    }

    async fn wait_while_paused(&self) {
        let mut receiver = self.paused.subscribe();
        while *receiver.borrow_and_update() && !self.is_stopped() {
            if receiver.changed().await.is_err() {
                return;
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Settling,
    Creates,
    Deletes,
    Finished,
}

/// What happens, as it happens (for progress bars and the TUI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyEvent {
    Phase(Phase),
    /// Operation `op` (1-based) has a new state.
    Op {
        op: u32,
        state: OpState,
        status: Option<OpStatus>,
    },
    Polled {
        op: u32,
        polls: u32,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("{0} operations name a permission set the plan creates and that is not created yet: the permission-set operations run first (`cutover apply` does this)")]
    PermissionSetsPending(usize),
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyReport {
    pub states: Vec<OpState>,
    pub interrupted: bool,
    /// Why the deletes did not run, when they did not.
    pub deletes_waiting: Option<String>,
    /// Set when the credentials stopped working: nothing more can succeed.
    pub fatal: Option<String>,
}

impl ApplyReport {
    pub fn count(&self, wanted: fn(&OpState) -> bool) -> usize {
        self.states.iter().filter(|s| wanted(s)).count()
    }

    pub fn done(&self) -> usize {
        self.count(|s| *s == OpState::Done)
    }

    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, OpState::Failed { .. }))
    }

    pub fn unknown(&self) -> usize {
        self.count(|s| matches!(s, OpState::Unknown { .. }))
    }

    pub fn held_back(&self) -> usize {
        self.count(|s| *s == OpState::HeldBack)
    }

    pub fn not_started(&self) -> usize {
        self.count(|s| *s == OpState::NotStarted)
    }

    /// Every operation done: the plan's target is reached.
    pub fn complete(&self) -> bool {
        self.done() == self.states.len()
    }
}

/// Who is assigned where, as the executor believes it now: read before the run, then kept up
/// to date with every write (a write reserves its change before it is sent, so concurrent
/// deletes cannot together empty a pair).
pub type Observed = HashMap<Place, BTreeSet<Principal>>;

struct Run<'a, W> {
    writer: &'a W,
    plan: &'a PlanFile,
    assignments: Vec<Assignment>,
    journal: Mutex<&'a mut JournalWriter>,
    observed: Mutex<Observed>,
    states: Mutex<Vec<OpState>>,
    options: &'a ApplyOptions,
    control: &'a Control,
    events: Option<mpsc::UnboundedSender<ApplyEvent>>,
    fatal: Mutex<Option<String>>,
}

/// Where a run starts from: what the journal says so far, and the live state of the places
/// the plan touches (read just before, see [`observe`]).
pub struct StartingPoint {
    pub prior: JournalState,
    pub observed: Observed,
}

/// Runs `plan` from `start`.
pub async fn execute<W: Writer>(
    writer: &W,
    plan: &PlanFile,
    journal: &mut JournalWriter,
    start: StartingPoint,
    options: &ApplyOptions,
    control: &Control,
    events: Option<mpsc::UnboundedSender<ApplyEvent>>,
) -> Result<ApplyReport, ApplyError> {
    let waiting = plan.waiting_for_permission_sets(&std::collections::BTreeMap::new());
    if waiting > 0 {
        return Err(ApplyError::PermissionSetsPending(waiting));
    }
    let StartingPoint { prior, observed } = start;
    let run_number = prior.runs.saturating_add(1);
    journal.append(&Record::RunStarted {
        at: Utc::now(),
        run: run_number,
        plan_checksum: plan.checksum.clone(),
        instance_arn: plan.body.target.instance_arn.clone(),
        cutover_version: env!("CARGO_PKG_VERSION").to_owned(),
        forced_drift: options.forced_drift.clone(),
    })?;
    let assignments = plan
        .body
        .operations
        .iter()
        .map(|op| {
            op.assignment()
                .expect("PlanFile::from_json checked every operation")
        })
        .collect();
    let run = Run {
        writer,
        plan,
        assignments,
        journal: Mutex::new(journal),
        observed: Mutex::new(observed),
        states: Mutex::new(prior.ops),
        options,
        control,
        events,
        fatal: Mutex::new(None),
    };

    run.emit(ApplyEvent::Phase(Phase::Settling));
    run.settle().await?;

    let ops = &plan.body.operations;
    let wanted = |index: usize, action: Action| {
        let state = run.state(index);
        ops[index].action == action
            && match state {
                OpState::Failed { .. } => true,
                OpState::NotStarted | OpState::HeldBack => !options.only_failed,
                OpState::Done | OpState::Unknown { .. } => false,
            }
    };

    run.emit(ApplyEvent::Phase(Phase::Creates));
    let creates: Vec<usize> = (0..ops.len())
        .filter(|&i| wanted(i, Action::Create))
        .collect();
    run.run_all(creates).await?;

    let creates_left = (0..ops.len())
        .filter(|&i| ops[i].action == Action::Create && run.state(i) != OpState::Done)
        .count();
    let deletes_total = ops.iter().filter(|o| o.action == Action::Delete).count();
    let deletes_waiting = if deletes_total == 0 {
        None
    } else if run.control.is_stopped() {
        Some("stopped before the deletes".to_owned())
    } else if creates_left > 0 {
        Some(format!(
            "{creates_left} create{} not done yet (failed, unknown or not started); deletes run only after every create has succeeded",
            if creates_left == 1 { " is" } else { "s are" }
        ))
    } else {
        None
    };
    if deletes_waiting.is_none() && deletes_total > 0 {
        run.emit(ApplyEvent::Phase(Phase::Deletes));
        let deletes: Vec<usize> = (0..ops.len())
            .filter(|&i| wanted(i, Action::Delete))
            .collect();
        run.run_all(deletes).await?;
    }
    run.emit(ApplyEvent::Phase(Phase::Finished));

    let report = ApplyReport {
        states: run.states.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        interrupted: run.control.is_stopped(),
        deletes_waiting,
        fatal: run.fatal.lock().unwrap_or_else(|e| e.into_inner()).clone(),
    };
    run.append(Record::RunEnded {
        at: Utc::now(),
        run: run_number,
        interrupted: report.interrupted,
        done: report.done(),
        failed: report.failed(),
        unknown: report.unknown(),
        held_back: report.held_back(),
        not_started: report.not_started(),
    })?;
    Ok(report)
}

impl<W: Writer> Run<'_, W> {
    fn emit(&self, event: ApplyEvent) {
        if let Some(events) = &self.events {
            let _ = events.send(event);
        }
    }

    fn append(&self, record: Record) -> Result<(), JournalError> {
        self.journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .append(&record)
    }

    fn state(&self, index: usize) -> OpState {
        self.states.lock().unwrap_or_else(|e| e.into_inner())[index].clone()
    }

    fn set_state(&self, index: usize, state: OpState, status: Option<OpStatus>) {
        self.states.lock().unwrap_or_else(|e| e.into_inner())[index] = state.clone();
        self.emit(ApplyEvent::Op {
            op: index as u32 + 1,
            state,
            status,
        });
    }

    fn outcome(
        &self,
        index: usize,
        status: OpStatus,
        request_id: Option<String>,
        code: Option<String>,
        message: Option<String>,
        polls: u32,
    ) -> Result<(), JournalError> {
        self.append(Record::Outcome {
            at: Utc::now(),
            op: index as u32 + 1,
            status,
            request_id: request_id.clone(),
            code: code.clone(),
            message: message.clone(),
            polls,
        })?;
        let state = match status {
            OpStatus::Succeeded | OpStatus::AlreadyDone => OpState::Done,
            OpStatus::Failed => OpState::Failed { code, message },
            OpStatus::Unknown => OpState::Unknown { request_id },
            OpStatus::HeldBack => OpState::HeldBack,
        };
        self.set_state(index, state, Some(status));
        Ok(())
    }

    /// Whether the live state shows the operation's effect already.
    fn in_effect(&self, index: usize) -> bool {
        let assignment = &self.assignments[index];
        let present = self
            .observed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&assignment.place())
            .is_some_and(|set| set.contains(&assignment.principal()));
        match self.plan.body.operations[index].action {
            Action::Create => present,
            Action::Delete => !present,
        }
    }

    fn record_effect(&self, index: usize, effective: bool) {
        let assignment = &self.assignments[index];
        let mut observed = self.observed.lock().unwrap_or_else(|e| e.into_inner());
        let set = observed.entry(assignment.place()).or_default();
        let create = self.plan.body.operations[index].action == Action::Create;
        if create == effective {
            set.insert(assignment.principal());
        } else {
            set.remove(&assignment.principal());
        }
    }

    /// Settles what an earlier run left unknown: a write with a request id is polled (within
    /// the budget) until AWS says how it ended; one without (the crash came before AWS
    /// answered) is looked up in the live state. A write done earlier whose effect is gone
    /// now (somebody undid it, and the user chose `--force` over that drift) is made again:
    /// that is a new write, not a repeat.
    async fn settle(&self) -> Result<(), JournalError> {
        let undone: Vec<usize> = (0..self.assignments.len())
            .filter(|&i| self.state(i) == OpState::Done && !self.in_effect(i))
            .collect();
        for index in undone {
            self.set_state(index, OpState::NotStarted, None);
        }
        let unknown: Vec<(usize, Option<String>)> = self
            .states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                OpState::Unknown { request_id } => Some((i, request_id.clone())),
                _ => None,
            })
            .collect();
        let results: Vec<Result<(), JournalError>> = stream::iter(unknown)
            .map(|(index, request_id)| self.settle_one(index, request_id))
            .buffer_unordered(self.options.max_in_flight.max(1))
            .collect()
            .await;
        results.into_iter().collect()
    }

    async fn settle_one(
        &self,
        index: usize,
        request_id: Option<String>,
    ) -> Result<(), JournalError> {
        let action = self.plan.body.operations[index].action;
        if let Some(request_id) = request_id {
            match self.poll_until_settled(index, action, &request_id).await {
                Polled::Succeeded(polls) => {
                    self.record_effect(index, true);
                    return self.outcome(
                        index,
                        OpStatus::Succeeded,
                        Some(request_id),
                        None,
                        None,
                        polls,
                    );
                }
                Polled::Failed(reason, polls) => {
                    return self.outcome(
                        index,
                        OpStatus::Failed,
                        Some(request_id),
                        None,
                        Some(reason),
                        polls,
                    );
                }
                // Still running: it stays unknown, and nothing that depends on it runs.
                Polled::InProgress(polls) => {
                    return self.outcome(
                        index,
                        OpStatus::Unknown,
                        Some(request_id),
                        None,
                        Some(still_running(polls)),
                        polls,
                    );
                }
                // The request id is not known (any more): look at the assignment itself.
                Polled::Error(..) => {}
            }
        }
        if self.in_effect(index) {
            self.outcome(index, OpStatus::AlreadyDone, None, None, None, 0)
        } else {
            // The request never reached AWS (or did not take): it will be made again.
            self.set_state(index, OpState::NotStarted, None);
            Ok(())
        }
    }

    async fn run_all(&self, indices: Vec<usize>) -> Result<(), JournalError> {
        let results: Vec<Result<(), JournalError>> = stream::iter(indices)
            .map(|index| self.run_one(index))
            .buffer_unordered(self.options.max_in_flight.max(1))
            .collect()
            .await;
        results.into_iter().collect()
    }

    async fn run_one(&self, index: usize) -> Result<(), JournalError> {
        self.control.wait_while_paused().await;
        if self.control.is_stopped() {
            return Ok(());
        }
        let op = &self.plan.body.operations[index];
        let assignment = &self.assignments[index];
        if self.in_effect(index) {
            return self.outcome(index, OpStatus::AlreadyDone, None, None, None, 0);
        }
        if op.action == Action::Delete && !self.plan.body.options.allow_role_deletion {
            if let Place::Pair { .. } = assignment.place() {
                let mut observed = self.observed.lock().unwrap_or_else(|e| e.into_inner());
                let set = observed.entry(assignment.place()).or_default();
                if set.len() <= 1 {
                    drop(observed);
                    return self.outcome(
                        index,
                        OpStatus::HeldBack,
                        None,
                        None,
                        Some("the last assignment of this permission set in this account: deleting it deletes the IAM role; plan with --allow-role-deletion to allow it".to_owned()),
                        0,
                    );
                }
                // Reserve the removal now, so concurrent deletes see it.
                set.remove(&assignment.principal());
            }
        }
        // Creates reserve too: a delete in the same pair may count on them.
        if op.action == Action::Create {
            self.record_effect(index, true);
        }
        self.append(Record::Intent {
            at: Utc::now(),
            op: op.id,
            action: op.action,
        })?;
        let started = self.writer.start(op.action, assignment).await;
        match started {
            // A delete answered "not found": gone already (perhaps by an earlier attempt whose
            // answer was lost). Believe it only once the place is read again.
            Err(error)
                if op.action == Action::Delete
                    && error.kind == WriteErrorKind::NotFound
                    && self
                        .writer
                        .list_place(&assignment.place())
                        .await
                        .is_ok_and(|now| !now.contains(&assignment.principal())) =>
            {
                self.outcome(
                    index,
                    OpStatus::AlreadyDone,
                    None,
                    error.code.clone(),
                    None,
                    0,
                )
            }
            Err(error) => {
                self.record_effect(index, false);
                if error.kind == WriteErrorKind::Credentials {
                    *self.fatal.lock().unwrap_or_else(|e| e.into_inner()) = Some(error.to_string());
                    self.control.stop();
                }
                self.outcome(
                    index,
                    OpStatus::Failed,
                    None,
                    error.code.clone(),
                    Some(format!("{}: {}", error.action, error.message)),
                    0,
                )
            }
            Ok(Started::Done) => {
                self.append(Record::Requested {
                    at: Utc::now(),
                    op: op.id,
                    request_id: None,
                })?;
                self.record_effect(index, true);
                self.outcome(index, OpStatus::Succeeded, None, None, None, 0)
            }
            Ok(Started::Pending { request_id }) => {
                self.append(Record::Requested {
                    at: Utc::now(),
                    op: op.id,
                    request_id: Some(request_id.clone()),
                })?;
                self.set_state(
                    index,
                    OpState::Unknown {
                        request_id: Some(request_id.clone()),
                    },
                    None,
                );
                self.poll(index, op.action, request_id).await
            }
        }
    }

    async fn poll(
        &self,
        index: usize,
        action: Action,
        request_id: String,
    ) -> Result<(), JournalError> {
        match self.poll_until_settled(index, action, &request_id).await {
            Polled::Succeeded(polls) => {
                self.record_effect(index, true);
                self.outcome(
                    index,
                    OpStatus::Succeeded,
                    Some(request_id),
                    None,
                    None,
                    polls,
                )
            }
            Polled::Failed(reason, polls) => {
                self.record_effect(index, false);
                self.outcome(
                    index,
                    OpStatus::Failed,
                    Some(request_id),
                    None,
                    Some(reason),
                    polls,
                )
            }
            Polled::InProgress(polls) => self.outcome(
                index,
                OpStatus::Unknown,
                Some(request_id),
                None,
                Some(still_running(polls)),
                polls,
            ),
            Polled::Error(error, polls) => self.outcome(
                index,
                OpStatus::Unknown,
                Some(request_id),
                error.code.clone(),
                Some(format!("{}: {}", error.action, error.message)),
                polls,
            ),
        }
    }

    /// Asks for the status with backoff until it is final or the budget is spent.
    async fn poll_until_settled(&self, index: usize, action: Action, request_id: &str) -> Polled {
        // Steady polls while a write is likely to finish (AWS takes one to a few seconds),
        // then backing off, so a slow write does not eat the request budget.
        const STEADY_POLLS: u32 = 10;
        let mut delay = self.options.poll_first;
        let budget = self.options.poll_budget.max(1);
        for polls in 1..=budget {
            if delay.is_zero() {
                // Still let the other outstanding writes make progress between polls.
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(delay).await;
            }
            delay = if polls < STEADY_POLLS {
                self.options.poll_interval
            } else {
                (delay * 2).clamp(self.options.poll_interval, self.options.poll_max)
            };
            self.emit(ApplyEvent::Polled {
                op: index as u32 + 1,
                polls,
            });
            match self.writer.status(action, request_id).await {
                Ok(WriteStatus::InProgress) => continue,
                Ok(WriteStatus::Succeeded) => return Polled::Succeeded(polls),
                Ok(WriteStatus::Failed { reason }) => return Polled::Failed(reason, polls),
                // Throttled on every retry: keep polling within the budget.
                Err(error) if error.kind == WriteErrorKind::GaveUp => continue,
                Err(error) => return Polled::Error(error, polls),
            }
        }
        Polled::InProgress(budget)
    }
}

enum Polled {
    Succeeded(u32),
    Failed(String, u32),
    InProgress(u32),
    Error(crate::backend::WriteError, u32),
}

fn still_running(polls: u32) -> String {
    format!("still IN_PROGRESS after {polls} polls; the next run asks again")
}

/// Reads every place the plan touches, as it is now.
pub async fn observe<W: Writer>(
    writer: &W,
    plan: &PlanFile,
) -> Result<Observed, crate::backend::WriteError> {
    let places: Vec<Place> = plan
        .body
        .fingerprint
        .touched
        .iter()
        .filter_map(|t| t.place())
        .collect();
    let listed: Vec<Result<(Place, Vec<Principal>), crate::backend::WriteError>> =
        stream::iter(places)
            .map(|place| async move {
                let principals = writer.list_place(&place).await?;
                Ok((place, principals))
            })
            .buffer_unordered(8)
            .collect()
            .await;
    let mut observed = Observed::new();
    for entry in listed {
        let (place, principals) = entry?;
        observed.insert(place, principals.into_iter().collect());
    }
    Ok(observed)
}
