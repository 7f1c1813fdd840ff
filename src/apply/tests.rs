//! Executor tests on the in-memory simulation (`SimWriter`): ordering, the in-flight cap,
//! failure isolation, unknown outcomes settled on the next run, crash-and-resume at random
//! points, and drift. The AWS path of the same executor is tested against the emulator in
//! `tests/it/apply.rs`.

use super::drift;
use super::journal::{self, JournalState, JournalWriter, OpState, OpStatus, Record};
use super::*;
use crate::backend::sim_writer::{SimFaults, SimWriter};
use crate::backend::{Started, WriteError, WriteStats, WriteStatus, Writer};
use crate::fixture::demo::{demo_ground_truth, load_demo, DemoOrg};
use crate::mapping::{Decision, Mapping};
use crate::model::*;
use crate::plan::file::PlanFile;
use crate::plan::{self, PlanOptions};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn true_mapping(users: usize, groups: usize) -> Mapping {
    let truth = demo_ground_truth();
    let mut mapping = Mapping::new();
    for (old, new) in truth.user_successors.iter().take(users) {
        let decision = match new {
            Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
            None => Decision::NoSuccessor,
        };
        mapping.decide(
            PrincipalType::User,
            PrincipalId::from(old.as_str()),
            decision,
            None,
        );
    }
    for (old, new) in truth.group_successors.iter().take(groups) {
        let decision = match new {
            Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
            None => Decision::NoSuccessor,
        };
        mapping.decide(
            PrincipalType::Group,
            PrincipalId::from(old.as_str()),
            decision,
            None,
        );
    }
    mapping
}

fn demo_plan(org: &DemoOrg, mapping: &Mapping, options: PlanOptions) -> PlanFile {
    let changeset = plan::plan(&org.baseline, &org.current, mapping, options);
    PlanFile::new(
        &changeset,
        &org.baseline,
        &org.current,
        options,
        None,
        crate::fixture::captured_at(),
    )
}

fn retire() -> PlanOptions {
    PlanOptions {
        retire_old: true,
        allow_role_deletion: false,
        ..PlanOptions::default()
    }
}

fn fast() -> ApplyOptions {
    ApplyOptions {
        poll_first: Duration::ZERO,
        poll_interval: Duration::ZERO,
        poll_max: Duration::ZERO,
        ..ApplyOptions::default()
    }
}

/// The state the plan leads to, computed from the plan alone.
fn target_of(org: &DemoOrg, plan: &PlanFile) -> BTreeSet<Assignment> {
    let mut state = SimWriter::new(&org.current, SimFaults::default()).assignments();
    for op in &plan.body.operations {
        let assignment = op.assignment().unwrap();
        match op.action {
            Action::Create => state.insert(assignment),
            Action::Delete => state.remove(&assignment),
        };
    }
    state
}

async fn run_once<W: Writer>(
    writer: &W,
    plan: &PlanFile,
    path: &Path,
    options: &ApplyOptions,
) -> ApplyReport {
    let contents = journal::read(path).unwrap();
    let prior = JournalState::replay(
        path,
        &contents.records,
        plan.body.operations.len(),
        &plan.checksum,
    )
    .unwrap();
    let mut journal = JournalWriter::open(path).unwrap();
    let observed = observe(writer, plan).await.unwrap();
    execute(
        writer,
        plan,
        &mut journal,
        StartingPoint { prior, observed },
        options,
        &Control::default(),
        None,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_demo_cutover_reaches_its_target_creates_first_within_the_in_flight_cap() {
    let org = load_demo();
    let plan = demo_plan(&org, &true_mapping(400, 60), retire());
    let sim = SimWriter::new(
        &org.current,
        SimFaults {
            in_progress_polls: 3,
            ..SimFaults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let options = ApplyOptions {
        max_in_flight: 7,
        ..fast()
    };
    let report = run_once(&sim, &plan, &path, &options).await;
    let held = report.held_back();
    assert_eq!(
        report.done() + held,
        plan.body.operations.len(),
        "{report:?}"
    );
    assert_eq!(report.failed() + report.unknown() + report.not_started(), 0);
    // Held-back deletes are exactly the ones that would empty their pair.
    let flagged = plan
        .body
        .operations
        .iter()
        .filter(|o| o.empties_pair)
        .count();
    assert_eq!(held, flagged);

    let log = sim.log();
    let first_delete = log
        .writes
        .iter()
        .position(|(a, _)| *a == Action::Delete)
        .unwrap();
    let last_create = log
        .writes
        .iter()
        .rposition(|(a, _)| *a == Action::Create)
        .unwrap();
    assert!(
        last_create < first_delete,
        "a delete was started before the last create"
    );
    assert_eq!(log.duplicate_creates, 0);
    assert_eq!(log.absent_deletes, 0);
    assert!(
        log.max_outstanding <= 7,
        "{} outstanding",
        log.max_outstanding
    );
    assert_eq!(
        log.max_outstanding, 7,
        "the cap is used, not just respected"
    );

    let mut expected = target_of(&org, &plan);
    for (op, state) in plan.body.operations.iter().zip(&report.states) {
        if *state == OpState::HeldBack {
            expected.insert(op.assignment().unwrap());
        }
    }
    assert_eq!(sim.assignments(), expected);

    // Running again does nothing: everything is done or held back on purpose.
    let writes_before = sim.log().writes.len();
    let again = run_once(&sim, &plan, &path, &options).await;
    assert_eq!(again.done(), report.done());
    assert_eq!(
        sim.log().writes.len(),
        writes_before,
        "no write is repeated"
    );
}

#[tokio::test]
async fn one_failing_account_does_not_stop_the_others_and_holds_the_deletes() {
    let org = load_demo();
    let plan = demo_plan(&org, &true_mapping(400, 60), retire());
    let denied = plan.body.operations[0].account_id.clone().unwrap();
    let failing = plan
        .body
        .operations
        .iter()
        .filter_map(|o| o.account_id.clone())
        .find(|a| *a != denied)
        .unwrap();
    let sim = SimWriter::new(
        &org.current,
        SimFaults {
            denied_accounts: vec![denied.clone()],
            failing_accounts: vec![failing.clone()],
            ..SimFaults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let report = run_once(&sim, &plan, &path, &fast()).await;
    let creates_in = |account: &AccountId| {
        plan.body
            .operations
            .iter()
            .filter(|o| o.action == Action::Create && o.account_id.as_ref() == Some(account))
            .count()
    };
    assert_eq!(report.failed(), creates_in(&denied) + creates_in(&failing));
    let creates = plan.body.summary.creates;
    assert_eq!(report.done(), creates - report.failed());
    assert!(report
        .deletes_waiting
        .as_deref()
        .unwrap()
        .contains("deletes run only after every create has succeeded"));
    assert!(sim.log().writes.iter().all(|(a, _)| *a == Action::Create));
    let denied_state = plan
        .body
        .operations
        .iter()
        .position(|o| o.account_id.as_ref() == Some(&denied))
        .map(|i| report.states[i].clone())
        .unwrap();
    assert!(
        matches!(&denied_state, OpState::Failed { code: Some(code), message: Some(message) } if code == "AccessDeniedException" && message.contains("sso:CreateAccountAssignment")),
        "{denied_state:?}"
    );

    // --retry-failed after the account is fixed: only the failed ones run, then the deletes.
    let fixed = SimWriter::new(&sim.snapshot_from(&org.current), SimFaults::default());
    let options = ApplyOptions {
        only_failed: true,
        ..fast()
    };
    let retried = run_once(&fixed, &plan, &path, &options).await;
    let writes = fixed.log().writes;
    let creates_retried = writes.iter().filter(|(a, _)| *a == Action::Create).count();
    assert_eq!(creates_retried, report.failed());
    // Deletes never started before are not failed ones: --retry-failed leaves them alone.
    assert!(writes.iter().all(|(a, _)| *a == Action::Create));
    assert_eq!(retried.failed(), 0);
    let full = run_once(&fixed, &plan, &path, &fast()).await;
    assert_eq!(full.done() + full.held_back(), plan.body.operations.len());
    assert_eq!(fixed.log().duplicate_creates, 0);
}

#[tokio::test]
async fn in_progress_past_the_poll_budget_is_unknown_then_settled_without_a_second_write() {
    let org = load_demo();
    let plan = demo_plan(&org, &true_mapping(30, 0), PlanOptions::default());
    let sim = SimWriter::new(
        &org.current,
        SimFaults {
            in_progress_polls: 5,
            ..SimFaults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let short = ApplyOptions {
        poll_budget: 2,
        ..fast()
    };
    let first = run_once(&sim, &plan, &path, &short).await;
    // Application assignments are written synchronously; account assignments are not.
    let asynchronous = plan
        .body
        .operations
        .iter()
        .filter(|o| o.account_id.is_some())
        .count();
    assert!(asynchronous < plan.body.operations.len());
    assert_eq!(first.unknown(), asynchronous);
    assert_eq!(first.done(), plan.body.operations.len() - asynchronous);
    assert_eq!(first.failed(), 0, "unknown is never reported as failed");
    let writes = sim.log().writes.len();
    // The next run polls each again within its budget (4 of 5 IN_PROGRESS answers spent).
    let second = run_once(&sim, &plan, &path, &short).await;
    assert_eq!(second.unknown(), asynchronous);
    let third = run_once(&sim, &plan, &path, &fast()).await;
    assert_eq!(third.done(), plan.body.operations.len(), "{third:?}");
    assert_eq!(
        sim.log().writes.len(),
        writes,
        "settling never writes again"
    );
}

/// A writer that behaves like `inner` until its `crash_after`-th call, which never returns:
/// the test then drops the executor mid-flight, as SIGKILL would.
struct CrashingWriter<'a> {
    inner: &'a SimWriter,
    calls: AtomicU64,
    crash_after: u64,
    crashed: Arc<tokio::sync::Notify>,
}

impl CrashingWriter<'_> {
    async fn gate(&self) {
        if self.calls.fetch_add(1, Ordering::SeqCst) + 1 >= self.crash_after {
            self.crashed.notify_one();
            std::future::pending::<()>().await;
        }
    }
}

impl Writer for CrashingWriter<'_> {
    async fn list_place(&self, place: &Place) -> Result<Vec<Principal>, WriteError> {
        // Reads are not counted: a crash point lands among the writes and their polls.
        self.inner.list_place(place).await
    }
    async fn start(&self, action: Action, assignment: &Assignment) -> Result<Started, WriteError> {
        self.gate().await;
        let started = self.inner.start(action, assignment).await;
        // Crash after AWS accepted the write, before the journal heard of it.
        self.gate().await;
        started
    }
    async fn status(&self, action: Action, request_id: &str) -> Result<WriteStatus, WriteError> {
        self.gate().await;
        self.inner.status(action, request_id).await
    }
    async fn delete_principal(&self, t: PrincipalType, id: &str) -> Result<(), WriteError> {
        self.inner.delete_principal(t, id).await
    }
    fn stats(&self) -> WriteStats {
        self.inner.stats()
    }
}

#[tokio::test]
async fn killed_at_random_points_and_resumed_it_converges_without_repeating_a_write() {
    let org = load_demo();
    let plan = demo_plan(
        &org,
        &true_mapping(60, 10),
        PlanOptions {
            retire_old: true,
            allow_role_deletion: true,
            ..PlanOptions::default()
        },
    );
    let sim = SimWriter::new(
        &org.current,
        SimFaults {
            in_progress_polls: 1,
            ..SimFaults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut kills = 0;
    loop {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let crashed = Arc::new(tokio::sync::Notify::new());
        let writer = CrashingWriter {
            inner: &sim,
            calls: AtomicU64::new(0),
            crash_after: 1 + rng % 60,
            crashed: crashed.clone(),
        };
        let options = ApplyOptions {
            max_in_flight: 5,
            ..fast()
        };
        let outcome = tokio::select! {
            report = run_once(&writer, &plan, &path, &options) => Some(report),
            () = crashed.notified() => None,
        };
        match outcome {
            Some(report) if report.complete() => break,
            Some(report) => panic!("a run ended without a crash and incomplete: {report:?}"),
            None => kills += 1,
        }
        assert!(kills < 500, "no convergence after {kills} kills");
    }
    assert!(
        kills >= 20,
        "only {kills} kills happened; the test needs more"
    );
    assert_eq!(sim.assignments(), target_of(&org, &plan));
    let log = sim.log();
    assert_eq!(log.duplicate_creates, 0, "a create was repeated");
    assert_eq!(log.absent_deletes, 0, "a delete was repeated");
    // Every write AWS saw is one of the plan's, and none twice.
    let distinct: BTreeSet<&(Action, Assignment)> = log.writes.iter().collect();
    assert_eq!(distinct.len(), log.writes.len());
    assert_eq!(log.writes.len(), plan.body.operations.len());

    // The journal is consistent: no operation succeeds twice, nothing is started once done.
    let records = journal::read(&path).unwrap().records;
    let mut done = BTreeSet::new();
    for record in &records {
        match record {
            Record::Outcome {
                op,
                status: OpStatus::Succeeded | OpStatus::AlreadyDone,
                ..
            } => {
                assert!(done.insert(*op), "operation {op} done twice");
            }
            Record::Intent { op, .. } => assert!(
                !done.contains(op),
                "operation {op} started after it was done"
            ),
            _ => {}
        }
    }
    assert_eq!(done.len(), plan.body.operations.len());
}

/// Stops the run (as Ctrl-C does) when the `stop_at`-th write starts.
struct StoppingWriter<'a> {
    inner: &'a SimWriter,
    starts: AtomicU64,
    stop_at: u64,
    control: Control,
}

impl Writer for StoppingWriter<'_> {
    async fn list_place(&self, place: &Place) -> Result<Vec<Principal>, WriteError> {
        self.inner.list_place(place).await
    }
    async fn start(&self, action: Action, assignment: &Assignment) -> Result<Started, WriteError> {
        if self.starts.fetch_add(1, Ordering::SeqCst) + 1 == self.stop_at {
            self.control.stop();
        }
        self.inner.start(action, assignment).await
    }
    async fn status(&self, action: Action, request_id: &str) -> Result<WriteStatus, WriteError> {
        self.inner.status(action, request_id).await
    }
    async fn delete_principal(&self, t: PrincipalType, id: &str) -> Result<(), WriteError> {
        self.inner.delete_principal(t, id).await
    }
    fn stats(&self) -> WriteStats {
        self.inner.stats()
    }
}

#[tokio::test]
async fn drift_from_others_is_told_apart_from_this_plans_own_progress() {
    let org = load_demo();
    let plan = demo_plan(&org, &true_mapping(400, 60), retire());
    let sim = SimWriter::new(&org.current, SimFaults::default());
    let fresh = JournalState::fresh(plan.body.operations.len());
    let observed = observe(&sim, &plan).await.unwrap();
    assert!(drift::check(&plan, &fresh, &observed).is_empty());

    // Half of the plan ran: its journal explains every difference.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let control = Control::default();
    let mut journal = JournalWriter::open(&path).unwrap();
    let half = (plan.body.summary.creates / 2) as u64;
    let stopping = StoppingWriter {
        inner: &sim,
        starts: AtomicU64::new(0),
        stop_at: half,
        control: control.clone(),
    };
    let report = execute(
        &stopping,
        &plan,
        &mut journal,
        StartingPoint {
            prior: fresh,
            observed: observe(&sim, &plan).await.unwrap(),
        },
        &ApplyOptions {
            max_in_flight: 1,
            ..fast()
        },
        &control,
        None,
    )
    .await
    .unwrap();
    assert!(report.interrupted);
    assert_eq!(
        report.done() as u64,
        half,
        "the write under way when stopped finishes"
    );
    let records = journal::read(&path).unwrap().records;
    let state =
        JournalState::replay(&path, &records, plan.body.operations.len(), &plan.checksum).unwrap();
    let observed = observe(&sim, &plan).await.unwrap();
    assert!(
        drift::check(&plan, &state, &observed).is_empty(),
        "progress is not drift"
    );

    // Somebody adds an unrelated principal to a touched pair: listed, not blocking.
    let touched = plan
        .body
        .fingerprint
        .touched
        .iter()
        .find(|t| t.account_id.is_some() && !t.principals.is_empty())
        .unwrap();
    let place = touched.place().unwrap();
    let stranger = Principal {
        principal_type: PrincipalType::User,
        principal_id: PrincipalId::from("someone-else"),
    };
    let mut drifted = observed.clone();
    drifted.get_mut(&place).unwrap().insert(stranger.clone());
    let found = drift::check(&plan, &state, &drifted);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].appeared, vec![stranger]);
    assert_eq!(found[0].changes_outcome, None);

    // Somebody removes an assignment this plan created: blocking.
    let undone = plan
        .body
        .operations
        .iter()
        .zip(&state.ops)
        .find(|(o, s)| o.action == Action::Create && o.account_id.is_some() && **s == OpState::Done)
        .map(|(o, _)| o.assignment().unwrap())
        .unwrap();
    let mut drifted = observed.clone();
    drifted
        .get_mut(&undone.place())
        .unwrap()
        .remove(&undone.principal());
    let found = drift::check(&plan, &state, &drifted);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].disappeared, vec![undone.principal()]);
    assert!(found[0]
        .changes_outcome
        .as_deref()
        .unwrap()
        .contains("somebody is undoing the cutover"));
}

#[tokio::test]
async fn a_delete_answered_not_found_is_done_once_the_place_confirms_it() {
    let org = load_demo();
    let plan = demo_plan(&org, &true_mapping(30, 0), retire());
    let sim = SimWriter::new(&org.current, SimFaults::default());
    let observed = observe(&sim, &plan).await.unwrap();
    // Somebody deletes one of the plan's deletes after the places were read.
    let gone = plan
        .body
        .operations
        .iter()
        .find(|o| o.action == Action::Delete && o.account_id.is_some())
        .unwrap()
        .assignment()
        .unwrap();
    let started = sim.start(Action::Delete, &gone).await.unwrap();
    assert!(matches!(started, Started::Pending { .. }));
    let dir = tempfile::tempdir().unwrap();
    let mut journal = JournalWriter::open(&dir.path().join("j.jsonl")).unwrap();
    let report = execute(
        &sim,
        &plan,
        &mut journal,
        StartingPoint {
            prior: JournalState::fresh(plan.body.operations.len()),
            observed,
        },
        &fast(),
        &Control::default(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(
        report.done() + report.held_back(),
        plan.body.operations.len()
    );
}
