//! The directory engine: runs the steps of a directory plan (single commands, a changes file,
//! a restore) against a [`DirectoryWriter`], phase by phase — creates and updates, then
//! memberships, then group deletes, then user deletes — a few requests at a time (the
//! identitystore family gate keeps the pace), journaling an `intent` before each request and
//! its outcome after. One failure never stops the others; missing credentials and `stop` do
//! (the requests in flight finish).
//!
//! Resuming is re-planning: a rerun reads the directory again, and what is already there with
//! the same attributes is done, so nothing is sent twice. The journal keeps what each run did
//! (and which principals a restore created, for the mapping's `method`).

use crate::apply::journal::{JournalError, JournalWriter, Record, StepEvent};
use crate::backend::directory::DirectoryWriter;
use crate::backend::{WriteError, WriteErrorKind};
use crate::directory::{Phase, Ref, Step};
use crate::model::{GroupId, UserId};
use chrono::Utc;
use futures::stream::{self, StreamExt};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Requests in flight at once. The family gate paces them at its requests/s; with 50-100 ms
/// answers, eight keep a 20 requests/s budget busy.
pub const PARALLEL_STEPS: usize = 8;

/// How one step ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepResult {
    Done {
        id: Option<String>,
    },
    /// Already so (the name was taken by the principal we wanted, the member was there, the
    /// principal was gone).
    AlreadyDone {
        id: Option<String>,
    },
    Failed {
        code: Option<String>,
        message: String,
        /// Credentials missing or expired: nothing else will succeed either.
        credentials: bool,
    },
    NotAttempted,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EngineReport {
    pub done: usize,
    pub already_done: usize,
    pub failed: usize,
    pub not_attempted: usize,
}

impl EngineReport {
    fn count(&mut self, result: &StepResult) {
        match result {
            StepResult::Done { .. } => self.done += 1,
            StepResult::AlreadyDone { .. } => self.already_done += 1,
            StepResult::Failed { .. } => self.failed += 1,
            StepResult::NotAttempted => self.not_attempted += 1,
        }
    }

    pub fn complete(&self) -> bool {
        self.failed == 0 && self.not_attempted == 0
    }
}

/// Ids of the principals created in this run, by name (user names lower-cased).
#[derive(Default)]
struct Created {
    users: HashMap<String, UserId>,
    groups: HashMap<String, GroupId>,
}

fn failed(message: String) -> StepResult {
    StepResult::Failed {
        code: None,
        message,
        credentials: false,
    }
}

fn from_error(error: &WriteError) -> StepResult {
    StepResult::Failed {
        code: error.code.clone(),
        message: error.to_string(),
        credentials: error.kind == WriteErrorKind::Credentials,
    }
}

fn is_conflict(error: &WriteError) -> bool {
    error.code.as_deref() == Some("ConflictException")
}

/// Runs `steps` in phase order; `on_result` hears of every step once, after its outcome is
/// journaled. An error: the journal could not be written (nothing more is sent).
pub async fn run<W: DirectoryWriter>(
    writer: &W,
    steps: &[Step],
    journal: &mut JournalWriter,
    stop: &AtomicBool,
    parallel: usize,
    mut on_result: impl FnMut(&Step, &StepResult),
) -> Result<EngineReport, JournalError> {
    let journal = Mutex::new(journal);
    let created = Mutex::new(Created::default());
    let journal_error: Mutex<Option<JournalError>> = Mutex::new(None);
    let mut report = EngineReport::default();
    let phases: BTreeSet<Phase> = steps.iter().map(Step::phase).collect();
    for phase in phases {
        let indices: Vec<usize> = (0..steps.len())
            .filter(|&i| steps[i].phase() == phase)
            .collect();
        let (journal, created, journal_error) = (&journal, &created, &journal_error);
        let mut results = stream::iter(indices)
            .map(|i| {
                let step = &steps[i];
                async move {
                    if stop.load(Ordering::SeqCst) {
                        return (step, StepResult::NotAttempted);
                    }
                    let record = |event, id: Option<String>, result: Option<&StepResult>| {
                        let (code, message) = match result {
                            Some(StepResult::Failed { code, message, .. }) => {
                                (code.clone(), Some(message.clone()))
                            }
                            _ => (None, None),
                        };
                        let appended = lock(journal).append(&Record::DirectoryStep {
                            at: Utc::now(),
                            key: step.key(),
                            stage: event,
                            id,
                            code,
                            message,
                        });
                        if let Err(e) = appended {
                            stop.store(true, Ordering::SeqCst);
                            lock(journal_error).get_or_insert(e);
                            return false;
                        }
                        true
                    };
                    if !record(StepEvent::Intent, None, None) {
                        return (step, StepResult::NotAttempted);
                    }
                    let result = one(writer, step, created).await;
                    if let StepResult::Failed {
                        credentials: true, ..
                    } = &result
                    {
                        stop.store(true, Ordering::SeqCst);
                    }
                    let (event, id) = match &result {
                        StepResult::Done { id } => (StepEvent::Succeeded, id.clone()),
                        StepResult::AlreadyDone { id } => (StepEvent::AlreadyDone, id.clone()),
                        _ => (StepEvent::Failed, None),
                    };
                    record(event, id, Some(&result));
                    (step, result)
                }
            })
            .buffer_unordered(parallel.max(1));
        while let Some((step, result)) = results.next().await {
            report.count(&result);
            on_result(step, &result);
        }
        if let Some(error) = lock(journal_error).take() {
            return Err(error);
        }
    }
    Ok(report)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn resolve_user(created: &Mutex<Created>, r: &Ref<UserId>) -> Option<UserId> {
    match r {
        Ref::Existing { id, .. } => Some(id.clone()),
        Ref::New { name } => lock(created).users.get(&name.to_lowercase()).cloned(),
    }
}

fn resolve_group(created: &Mutex<Created>, r: &Ref<GroupId>) -> Option<GroupId> {
    match r {
        Ref::Existing { id, .. } => Some(id.clone()),
        Ref::New { name } => lock(created).groups.get(name).cloned(),
    }
}

async fn one<W: DirectoryWriter>(writer: &W, step: &Step, created: &Mutex<Created>) -> StepResult {
    let gone = |r: Result<(), WriteError>| match r {
        Ok(()) => StepResult::Done { id: None },
        Err(e) if e.kind == WriteErrorKind::NotFound => StepResult::AlreadyDone { id: None },
        Err(e) => from_error(&e),
    };
    match step {
        Step::CreateUser(spec) => {
            let id = match writer.create_user(spec).await {
                Ok(id) => id,
                // Taken: by this user, when an earlier attempt's answer was lost. Look it up.
                Err(e) if is_conflict(&e) => match writer.list_users().await {
                    Ok(users) => match users
                        .into_iter()
                        .find(|u| u.user_name.to_lowercase() == spec.user_name.to_lowercase())
                    {
                        Some(user) => {
                            lock(created)
                                .users
                                .insert(spec.user_name.to_lowercase(), user.user_id.clone());
                            return StepResult::AlreadyDone {
                                id: Some(user.user_id.0),
                            };
                        }
                        None => return from_error(&e),
                    },
                    Err(_) => return from_error(&e),
                },
                Err(e) => return from_error(&e),
            };
            lock(created)
                .users
                .insert(spec.user_name.to_lowercase(), id.clone());
            StepResult::Done { id: Some(id.0) }
        }
        Step::CreateGroup(spec) => {
            let id = match writer.create_group(spec).await {
                Ok(id) => id,
                Err(e) if is_conflict(&e) => match writer.list_groups().await {
                    Ok(groups) => match groups
                        .into_iter()
                        .find(|g| g.display_name == spec.display_name)
                    {
                        Some(group) => {
                            lock(created)
                                .groups
                                .insert(spec.display_name.clone(), group.group_id.clone());
                            return StepResult::AlreadyDone {
                                id: Some(group.group_id.0),
                            };
                        }
                        None => return from_error(&e),
                    },
                    Err(_) => return from_error(&e),
                },
                Err(e) => return from_error(&e),
            };
            lock(created)
                .groups
                .insert(spec.display_name.clone(), id.clone());
            StepResult::Done { id: Some(id.0) }
        }
        Step::UpdateUser {
            user_id, updates, ..
        } => match writer.update_user(user_id, updates).await {
            Ok(()) => StepResult::Done {
                id: Some(user_id.0.clone()),
            },
            Err(e) => from_error(&e),
        },
        Step::UpdateGroup {
            group_id, updates, ..
        } => match writer.update_group(group_id, updates).await {
            Ok(()) => StepResult::Done {
                id: Some(group_id.0.clone()),
            },
            Err(e) => from_error(&e),
        },
        Step::DeleteUser { user_id, .. } => gone(writer.delete_user(user_id).await),
        Step::DeleteGroup { group_id, .. } => gone(writer.delete_group(group_id).await),
        Step::AddMember { group, user } => {
            let Some(group_id) = resolve_group(created, group) else {
                return failed(format!(
                    "group {} was not created in this run (see its own line)",
                    group.name()
                ));
            };
            let Some(user_id) = resolve_user(created, user) else {
                return failed(format!(
                    "user {} was not created in this run (see its own line)",
                    user.name()
                ));
            };
            match writer.add_member(&group_id, &user_id).await {
                Ok(id) => StepResult::Done { id: Some(id) },
                Err(e) if is_conflict(&e) => StepResult::AlreadyDone { id: None },
                Err(e) => from_error(&e),
            }
        }
        Step::RemoveMember { membership_id, .. } => gone(writer.remove_member(membership_id).await),
    }
}

/// The create steps of every run in `records` that went through or whose answer was lost (an
/// `intent` with no outcome): the principals a restore created, for the mapping's `method`.
pub fn created_keys(records: &[Record]) -> HashSet<String> {
    let mut last: HashMap<&str, StepEvent> = HashMap::new();
    for record in records {
        if let Record::DirectoryStep { key, stage, .. } = record {
            last.insert(key, *stage);
        }
    }
    last.into_iter()
        .filter(|(key, event)| {
            key.starts_with("create-") && matches!(event, StepEvent::Succeeded | StepEvent::Intent)
        })
        .map(|(key, _)| key.to_owned())
        .collect()
}

/// The runs a journal records, and whether it belongs to another input (refused: a journal
/// is resumed only with the input it was written for).
pub fn check_journal(
    path: &std::path::Path,
    records: &[Record],
    checksum: &str,
) -> Result<u32, String> {
    let mut runs = 0;
    for record in records {
        match record {
            Record::DirectoryRun {
                run,
                input_checksum,
                ..
            } => {
                if input_checksum != checksum {
                    return Err(format!(
                        "the journal {} belongs to another input (its checksum is {input_checksum}, this one's is {checksum}): pass --journal with a new file, or move it aside",
                        path.display()
                    ));
                }
                runs = runs.max(*run);
            }
            Record::DirectoryStep { .. } => {}
            _ => {
                return Err(format!(
                    "{} is not a directory journal (it records an apply or a cleanup): pass --journal with another file",
                    path.display()
                ))
            }
        }
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::journal;
    use crate::backend::directory::{GroupSpec, UserSpec};
    use crate::backend::sim_directory::{SimDirectory, SimDirectoryFaults};
    use crate::directory::fields::UserFields;
    use crate::directory::{plan, Change, DirectoryState};
    use crate::model::{InstanceInfo, Snapshot};

    fn empty() -> Snapshot {
        Snapshot::empty(InstanceInfo::default(), crate::fixture::captured_at())
    }

    fn changes() -> Vec<Change> {
        let mut changes = Vec::new();
        for i in 0..6 {
            changes.push(Change::CreateUser {
                user_name: format!("user{i}"),
                fields: UserFields {
                    display_name: Some(format!("User {i}")),
                    ..UserFields::default()
                },
            });
        }
        changes.push(Change::CreateGroup {
            name: "ops".into(),
            description: None,
        });
        for i in 0..6 {
            changes.push(Change::AddMember {
                group: "ops".into(),
                user: format!("user{i}"),
            });
        }
        changes
    }

    async fn state_of(sim: &SimDirectory, changes: &[Change]) -> DirectoryState {
        let mut state = DirectoryState {
            users: sim.users(),
            groups: sim.groups(),
            ..DirectoryState::default()
        };
        for id in state.groups_to_read(changes) {
            let members = sim.list_members(&id).await.unwrap();
            state.members.insert(id, members);
        }
        state
    }

    #[tokio::test]
    async fn one_refused_create_does_not_stop_the_rest_and_a_rerun_finishes_without_repeating() {
        let sim = SimDirectory::new(
            &empty(),
            SimDirectoryFaults {
                refuse_user_names: vec!["user3".into()],
            },
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.journal.jsonl");
        let changes = changes();
        let planned = plan::plan(&state_of(&sim, &changes).await, &changes);
        let steps: Vec<Step> = planned.steps().cloned().collect();
        assert_eq!(steps.len(), 13);
        let mut journal = JournalWriter::open(&path).unwrap();
        let stop = AtomicBool::new(false);
        let mut failed = Vec::new();
        let report = run(&sim, &steps, &mut journal, &stop, 4, |step, result| {
            if matches!(result, StepResult::Failed { .. }) {
                failed.push(step.key());
            }
        })
        .await
        .unwrap();
        assert_eq!((report.done, report.failed), (11, 2));
        failed.sort();
        assert_eq!(failed, ["add-member:ops:user3", "create-user:user3"]);
        assert_eq!(sim.users().len(), 5);
        assert_eq!(sim.memberships().len(), 5);
        // Every step is journaled twice: intent, then outcome.
        let records = journal::read(&path).unwrap().records;
        assert_eq!(records.len(), 26);

        // The fault is fixed; the rerun plans against the directory and sends only the rest.
        let sim2_writes_before = sim.writes();
        let sim = SimDirectory::new(
            &Snapshot {
                users: sim.users(),
                groups: sim.groups(),
                group_memberships: sim.memberships(),
                ..empty()
            },
            SimDirectoryFaults::default(),
        );
        let planned = plan::plan(&state_of(&sim, &changes).await, &changes);
        let steps: Vec<Step> = planned.steps().cloned().collect();
        assert_eq!(planned.already_done(), 11);
        assert_eq!(steps.len(), 2);
        let report = run(&sim, &steps, &mut journal, &stop, 4, |_, _| {})
            .await
            .unwrap();
        assert!(report.complete());
        assert_eq!(
            sim.writes(),
            2,
            "only what was left ({sim2_writes_before} before)"
        );
        assert_eq!(sim.memberships().len(), 6);
        let created = created_keys(&journal::read(&path).unwrap().records);
        assert!(created.contains("create-user:user3"));
        assert!(created.contains("create-group:ops"));
    }

    #[tokio::test]
    async fn a_create_whose_name_is_taken_is_done_with_the_existing_id() {
        let sim = SimDirectory::new(&empty(), SimDirectoryFaults::default());
        let spec = UserSpec {
            user_name: "Ana".into(),
            ..UserSpec::default()
        };
        let existing = sim.create_user(&spec).await.unwrap();
        // A step planned before the user appeared (a lost answer, a concurrent admin).
        let steps = [
            Step::CreateUser(UserSpec {
                user_name: "ana".into(),
                ..UserSpec::default()
            }),
            Step::CreateGroup(GroupSpec {
                display_name: "g".into(),
                description: None,
            }),
            Step::AddMember {
                group: crate::directory::Ref::New { name: "g".into() },
                user: crate::directory::Ref::New { name: "ANA".into() },
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut journal = JournalWriter::open(&dir.path().join("j")).unwrap();
        let mut ids = Vec::new();
        let report = run(
            &sim,
            &steps,
            &mut journal,
            &AtomicBool::new(false),
            2,
            |_, r| ids.push(r.clone()),
        )
        .await
        .unwrap();
        assert!(report.complete(), "{ids:?}");
        assert_eq!(report.already_done, 1);
        assert!(ids.contains(&StepResult::AlreadyDone {
            id: Some(existing.0.clone())
        }));
        assert_eq!(sim.memberships()[0].user_id, existing);
    }

    #[tokio::test]
    async fn a_stop_leaves_the_rest_not_attempted() {
        let sim = SimDirectory::new(&empty(), SimDirectoryFaults::default());
        let changes = changes();
        let planned = plan::plan(&state_of(&sim, &changes).await, &changes);
        let steps: Vec<Step> = planned.steps().cloned().collect();
        let dir = tempfile::tempdir().unwrap();
        let mut journal = JournalWriter::open(&dir.path().join("j")).unwrap();
        let stop = AtomicBool::new(false);
        let report = run(&sim, &steps, &mut journal, &stop, 1, |_, result| {
            if matches!(result, StepResult::Done { .. }) {
                stop.store(true, Ordering::SeqCst);
            }
        })
        .await
        .unwrap();
        assert!(report.done >= 1 && report.not_attempted > 0);
        assert_eq!(report.done + report.not_attempted, steps.len());
        assert_eq!(sim.writes() as usize, report.done);
    }
}
