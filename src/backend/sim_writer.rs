//! [`SimWriter`]: the write side of the in-memory simulation. It holds the assignments of one
//! snapshot and changes them the way Identity Center does: account-assignment writes are
//! asynchronous (a request id, then a status that may stay IN_PROGRESS for a few polls),
//! application-assignment writes complete at once. It backs the demo's apply screen and dry
//! runs, and lets the executor be tested for ordering, concurrency and idempotency without any
//! network: it counts what a real service would not tell you (duplicate creates, deletes of
//! absent assignments, the most requests outstanding at once).

use super::write::{Started, WriteError, WriteErrorKind, WriteStats, WriteStatus, Writer};
use crate::model::*;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// How the simulation misbehaves.
#[derive(Clone, Debug, Default)]
pub struct SimFaults {
    /// Each asynchronous write answers IN_PROGRESS this many polls before its outcome.
    pub in_progress_polls: u32,
    /// Writes in these accounts are refused with AccessDenied (e.g. the management account,
    /// whose permission sets need management-account credentials).
    pub denied_accounts: Vec<AccountId>,
    /// Creates in these accounts are accepted and then FAIL (e.g. a customer managed policy the
    /// permission set names is missing there).
    pub failing_accounts: Vec<AccountId>,
}

/// Everything the simulation observed, for tests and the demo.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimLog {
    /// Every write in the order it was started.
    pub writes: Vec<(Action, Assignment)>,
    /// Creates of an assignment that already existed (AWS may duplicate these).
    pub duplicate_creates: u64,
    /// Deletes of an assignment that did not exist.
    pub absent_deletes: u64,
    /// The most asynchronous writes outstanding (started, not yet polled to an outcome) at once.
    pub max_outstanding: usize,
    /// Principals deleted.
    pub deleted_principals: Vec<(PrincipalType, String)>,
}

struct Request {
    action: Action,
    polls_left: u32,
    outcome: WriteStatus,
    settled: bool,
}

struct State {
    assignments: BTreeSet<Assignment>,
    users: BTreeSet<String>,
    groups: BTreeSet<String>,
    requests: HashMap<String, Request>,
    next_request: u64,
    outstanding: usize,
    log: SimLog,
    calls: u64,
}

pub struct SimWriter {
    state: Mutex<State>,
    faults: SimFaults,
}

impl SimWriter {
    pub fn new(snapshot: &Snapshot, faults: SimFaults) -> Self {
        let assignments = snapshot.assignments().collect();
        SimWriter {
            state: Mutex::new(State {
                assignments,
                users: snapshot.users.iter().map(|u| u.user_id.0.clone()).collect(),
                groups: snapshot
                    .groups
                    .iter()
                    .map(|g| g.group_id.0.clone())
                    .collect(),
                requests: HashMap::new(),
                next_request: 1,
                outstanding: 0,
                log: SimLog::default(),
                calls: 0,
            }),
            faults,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every assignment as the simulation holds it now.
    pub fn assignments(&self) -> BTreeSet<Assignment> {
        self.lock().assignments.clone()
    }

    pub fn log(&self) -> SimLog {
        self.lock().log.clone()
    }

    /// `snapshot` with its assignments and principals replaced by the simulation's.
    pub fn snapshot_from(&self, snapshot: &Snapshot) -> Snapshot {
        let state = self.lock();
        let mut out = snapshot.clone();
        out.account_assignments.clear();
        out.application_assignments.clear();
        for assignment in &state.assignments {
            match assignment {
                Assignment::Account(a) => out.account_assignments.push(a.clone()),
                Assignment::Application(a) => out.application_assignments.push(a.clone()),
            }
        }
        out.users
            .retain(|u| state.users.contains(u.user_id.as_str()));
        out.groups
            .retain(|g| state.groups.contains(g.group_id.as_str()));
        out.group_memberships.retain(|m| {
            state.users.contains(m.user_id.as_str()) && state.groups.contains(m.group_id.as_str())
        });
        out
    }

    fn denied(&self, assignment: &Assignment, action: &str) -> Option<WriteError> {
        let account = assignment.account_id()?;
        self.faults
            .denied_accounts
            .contains(account)
            .then(|| WriteError {
                kind: WriteErrorKind::AccessDenied,
                action: action.to_owned(),
                code: Some("AccessDeniedException".to_owned()),
                message: format!("User is not authorized to perform {action} on account {account}"),
            })
    }
}

fn apply(
    assignments: &mut BTreeSet<Assignment>,
    log: &mut SimLog,
    action: Action,
    assignment: &Assignment,
) {
    match action {
        Action::Create => {
            if !assignments.insert(assignment.clone()) {
                log.duplicate_creates += 1;
            }
        }
        Action::Delete => {
            if !assignments.remove(assignment) {
                log.absent_deletes += 1;
            }
        }
    }
}

impl Writer for SimWriter {
    async fn list_place(&self, place: &Place) -> Result<Vec<Principal>, WriteError> {
        let mut state = self.lock();
        state.calls += 1;
        Ok(state
            .assignments
            .iter()
            .filter(|a| &a.place() == place)
            .map(Assignment::principal)
            .collect())
    }

    async fn start(&self, action: Action, assignment: &Assignment) -> Result<Started, WriteError> {
        let iam_action = match (action, assignment) {
            (Action::Create, Assignment::Account(_)) => "sso:CreateAccountAssignment",
            (Action::Delete, Assignment::Account(_)) => "sso:DeleteAccountAssignment",
            (Action::Create, Assignment::Application(_)) => "sso:CreateApplicationAssignment",
            (Action::Delete, Assignment::Application(_)) => "sso:DeleteApplicationAssignment",
        };
        if let Some(error) = self.denied(assignment, iam_action) {
            return Err(error);
        }
        let mut state = self.lock();
        state.calls += 1;
        // AWS refuses to delete an account assignment that does not exist.
        if action == Action::Delete
            && matches!(assignment, Assignment::Account(_))
            && !state.assignments.contains(assignment)
        {
            return Err(WriteError {
                kind: WriteErrorKind::NotFound,
                action: iam_action.to_owned(),
                code: Some("ResourceNotFoundException".to_owned()),
                message: "the account assignment does not exist".to_owned(),
            });
        }
        state.log.writes.push((action, assignment.clone()));
        if let Assignment::Application(_) = assignment {
            let State {
                assignments, log, ..
            } = &mut *state;
            apply(assignments, log, action, assignment);
            return Ok(Started::Done);
        }
        let fails = action == Action::Create
            && assignment
                .account_id()
                .is_some_and(|a| self.faults.failing_accounts.contains(a));
        // The service does the work whether or not anybody polls: a client that dies after
        // starting a write finds it done (or failed) later, as with AWS.
        if !fails {
            let State {
                assignments, log, ..
            } = &mut *state;
            apply(assignments, log, action, assignment);
        }
        let request_id = format!("sim-{:08}", state.next_request);
        state.next_request += 1;
        state.requests.insert(
            request_id.clone(),
            Request {
                action,
                polls_left: self.faults.in_progress_polls,
                outcome: if fails {
                    WriteStatus::Failed {
                        reason: "Received a 404 status error: Not supported policy arn:aws:iam::*:policy/DataLakeAccess.".to_owned(),
                    }
                } else {
                    WriteStatus::Succeeded
                },
                settled: false,
            },
        );
        state.outstanding += 1;
        state.log.max_outstanding = state.log.max_outstanding.max(state.outstanding);
        Ok(Started::Pending { request_id })
    }

    async fn status(&self, action: Action, request_id: &str) -> Result<WriteStatus, WriteError> {
        let mut state = self.lock();
        state.calls += 1;
        let State {
            requests,
            outstanding,
            ..
        } = &mut *state;
        let Some(request) = requests.get_mut(request_id).filter(|r| r.action == action) else {
            return Err(WriteError {
                kind: WriteErrorKind::NotFound,
                action: "sso:DescribeAccountAssignmentCreationStatus".to_owned(),
                code: Some("ResourceNotFoundException".to_owned()),
                message: format!("no {action:?} request {request_id}"),
            });
        };
        if request.polls_left > 0 {
            request.polls_left -= 1;
            return Ok(WriteStatus::InProgress);
        }
        if !request.settled {
            request.settled = true;
            *outstanding -= 1;
        }
        Ok(request.outcome.clone())
    }

    async fn delete_principal(
        &self,
        principal_type: PrincipalType,
        principal_id: &str,
    ) -> Result<(), WriteError> {
        let mut state = self.lock();
        state.calls += 1;
        let removed = match principal_type {
            PrincipalType::User => state.users.remove(principal_id),
            PrincipalType::Group => state.groups.remove(principal_id),
        };
        if !removed {
            return Err(WriteError {
                kind: WriteErrorKind::NotFound,
                action: match principal_type {
                    PrincipalType::User => "identitystore:DeleteUser",
                    PrincipalType::Group => "identitystore:DeleteGroup",
                }
                .to_owned(),
                code: Some("ResourceNotFoundException".to_owned()),
                message: format!("{principal_type} {principal_id} does not exist"),
            });
        }
        state
            .log
            .deleted_principals
            .push((principal_type, principal_id.to_owned()));
        Ok(())
    }

    fn stats(&self) -> WriteStats {
        WriteStats {
            calls: self.lock().calls,
            throttles: 0,
        }
    }
}
