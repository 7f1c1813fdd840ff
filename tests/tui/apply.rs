//! The apply screen on the demo organization, driven by key events on ratatui's TestBackend.
//! The screen states are snapshotted from synthetic runner reports (no executor, no timers);
//! one test runs the real executor against the demo's simulation through the functions the
//! runner uses, and checks the app ends with everything done and the simulation holds the
//! plan's target.

use cutover::apply::journal::{self, JournalState, OpState, OpStatus};
use cutover::apply::{ApplyEvent, ApplyOptions, ApplyReport, Control, Phase};
use cutover::backend::sim_writer::SimWriter;
use cutover::backend::WriteStats;
use cutover::fixture::demo::load_demo;
use cutover::humanize::thousands;
use cutover::model::{Action, Assignment};
use cutover::plan::file::PlanFile;
use cutover::tui::app::{App, AppEvent, Effect, Overlay};
use cutover::tui::apply_screen::{runner, ApplyCommand, ApplyTarget, Prepared, Stage};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::demo_tui;
use crate::pty;

use demo_tui::*;
use pty::PtyRun;

const INSTANCE_ID: &str = "ssoins-7223a1b2c3d4e5f6";
/// Where the screen tests say the plan goes; nothing is written there (the app only returns
/// effects, and these tests do not carry them out).
const STATE_DIR: &str = "/home/ana/.local/state/cutover";

/// `A` with writes enabled: the prepare command the runner gets.
fn press_apply(app: &mut App) -> (u64, PathBuf, PlanFile) {
    let effects = key(app, KeyCode::Char('A'));
    match effects.into_iter().next() {
        Some(Effect::Apply(ApplyCommand::Prepare {
            attempt,
            plan_path,
            plan,
        })) => (attempt, plan_path, *plan),
        other => panic!("A should prepare the plan: {other:?}"),
    }
}

/// What the runner reports for a first run without drift.
fn prepared(plan_path: PathBuf, plan: PlanFile, blocking: Vec<String>) -> Box<Prepared> {
    let operations = plan.body.operations.len();
    Box::new(Prepared {
        journal_path: journal::default_path(&plan_path),
        plan_path,
        plan_reused: false,
        prior: JournalState::fresh(operations),
        drift: blocking.clone(),
        blocking,
        notes: Vec::new(),
        plan,
    })
}

/// The apply screen at its confirmation, as the runner would leave it.
fn at_confirmation() -> (App, PlanFile) {
    let mut app = demo_app(Path::new(STATE_DIR));
    enable_writes(&mut app);
    accept_exact(&mut app);
    let (attempt, plan_path, plan) = press_apply(&mut app);
    app.update(AppEvent::ApplyPrepared {
        attempt,
        result: Ok(prepared(plan_path, plan.clone(), Vec::new())),
    });
    assert_eq!(app.apply_screen().unwrap().stage, Stage::Confirm);
    (app, plan)
}

fn confirmed() -> (App, PlanFile) {
    let (mut app, plan) = at_confirmation();
    type_text(&mut app, INSTANCE_ID);
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(effects, vec![Effect::Apply(ApplyCommand::Start)]);
    assert_eq!(app.apply_screen().unwrap().stage, Stage::Running);
    (app, plan)
}

fn op(app: &mut App, op: u32, state: OpState, status: Option<OpStatus>) {
    app.update(AppEvent::Apply(ApplyEvent::Op { op, state, status }));
}

fn pending(app: &mut App, n: u32) {
    op(
        app,
        n,
        OpState::Unknown {
            request_id: Some(format!("req-{n}")),
        },
        None,
    );
}

/// A run partway: 30 creates done, one failed (a missing policy), three in flight.
fn partway(app: &mut App) {
    app.update(AppEvent::ApplyStats(WriteStats {
        calls: 10,
        throttles: 0,
    }));
    app.update(AppEvent::Apply(ApplyEvent::Phase(Phase::Settling)));
    app.update(AppEvent::Apply(ApplyEvent::Phase(Phase::Creates)));
    for n in 1..=30 {
        pending(app, n);
        app.update(AppEvent::Apply(ApplyEvent::Polled { op: n, polls: 3 }));
        op(app, n, OpState::Done, Some(OpStatus::Succeeded));
    }
    pending(app, 31);
    op(
        app,
        31,
        OpState::Failed {
            code: None,
            message: Some("customer managed policy DataLake is missing in the account".into()),
        },
        Some(OpStatus::Failed),
    );
    for n in 32..=34 {
        pending(app, n);
        app.update(AppEvent::Apply(ApplyEvent::Polled { op: n, polls: 2 }));
    }
    app.update(AppEvent::ApplyStats(WriteStats {
        calls: 130,
        throttles: 4,
    }));
    app.now += chrono::TimeDelta::seconds(10);
}

#[test]
fn a_while_read_only_says_how_to_enable_writes() {
    let mut app = demo_app(Path::new(STATE_DIR));
    let effects = key(&mut app, KeyCode::Char('A'));
    assert!(effects.is_empty());
    assert!(app.apply.screen.is_none());
    let text = screen(&app);
    assert!(text.contains("READ-ONLY"), "{text}");
    assert!(text.contains("press W (or :enable-writes)"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn enabling_writes_asks_first_and_the_header_says_so() {
    let mut app = demo_app(Path::new(STATE_DIR));
    key(&mut app, KeyCode::Char('W'));
    insta::assert_snapshot!("enable_writes_question", screen(&app));
    key(&mut app, KeyCode::Char('n'));
    assert!(!app.apply.writes_enabled);
    assert!(screen(&app).contains("READ-ONLY"));

    // `:enable-writes` (any unambiguous prefix) asks too; `:write` is the plan, as in vim.
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "w");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::WriteFile { path, .. }] if path.ends_with("plan.json")),
        "{effects:?}"
    );
    assert!(app.overlays.is_empty());
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "en");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.overlays, vec![Overlay::EnableWrites]);
    key(&mut app, KeyCode::Char('y'));
    assert!(app.apply.writes_enabled);
    let text = screen(&app);
    assert!(text.contains("WRITES ENABLED"), "{text}");
    assert!(!text.contains("READ-ONLY"), "{text}");

    // The browse panes' header too.
    key(&mut app, KeyCode::Char('1'));
    assert!(screen(&app).contains("WRITES ENABLED"));
}

#[test]
fn writes_cannot_be_enabled_without_a_target() {
    let mut app = demo_app(Path::new(STATE_DIR));
    app.apply.target = ApplyTarget::Unavailable("this session shows a snapshot file".into());
    key(&mut app, KeyCode::Char('W'));
    assert!(app.overlays.is_empty());
    let message = app.message.clone().unwrap();
    assert!(message.contains("snapshot file"), "{message}");
}

#[test]
fn a_writes_the_plan_in_the_state_dir_and_shows_the_summary_with_the_confirmation() {
    let mut app = demo_app(Path::new(STATE_DIR));
    enable_writes(&mut app);
    accept_exact(&mut app);
    let (attempt, plan_path, plan) = press_apply(&mut app);
    assert_eq!(plan_path, Path::new(STATE_DIR).join("demo-plan.json"));
    // The same plan `w` would write: the migration's changeset.
    let migration = app.migration.as_deref().unwrap();
    assert_eq!(plan.body.summary.creates, migration.preview.summary.creates);
    assert!(plan.body.summary.creates > 0);
    insta::assert_snapshot!("preparing", screen(&app));

    app.update(AppEvent::ApplyPrepared {
        attempt,
        result: Ok(prepared(plan_path, plan, Vec::new())),
    });
    type_text(&mut app, "ssoins-72");
    let text = screen(&app);
    assert!(text.contains(&format!("Type the instance id ({INSTANCE_ID})")));
    insta::assert_snapshot!("summary_and_confirmation", text);

    // Esc cancels: back on the mapping screen, nothing to run.
    let effects = key(&mut app, KeyCode::Esc);
    assert!(effects.is_empty());
    assert!(app.apply.screen.is_none());
    assert!(app.migration_screen().is_some());
    assert!(app.message.clone().unwrap().contains("nothing was written"));
}

#[test]
fn a_wrong_instance_id_is_refused() {
    let (mut app, _) = at_confirmation();
    type_text(&mut app, "ssoins-0000000000000000");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "{effects:?}");
    let screen_state = app.apply_screen().unwrap();
    assert_eq!(screen_state.stage, Stage::Confirm);
    assert!(screen_state.typed.is_empty());
    let text = screen(&app);
    assert!(text.contains("not confirmed"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn blocking_drift_refuses_like_the_cli() {
    let mut app = demo_app(Path::new(STATE_DIR));
    enable_writes(&mut app);
    accept_exact(&mut app);
    let (attempt, plan_path, plan) = press_apply(&mut app);
    let line = "account 111111111111 / ReadOnly: GROUP g-1 was assigned here by this plan and has been removed since: somebody is undoing the cutover".to_owned();
    app.update(AppEvent::ApplyPrepared {
        attempt,
        result: Ok(prepared(plan_path, plan, vec![line])),
    });
    assert!(matches!(
        app.apply_screen().unwrap().stage,
        Stage::Refused { .. }
    ));
    // Typing the id does nothing now.
    type_text(&mut app, INSTANCE_ID);
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    let text = screen(&app);
    assert!(text.contains("the plan is stale"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn progress_with_a_failure_and_its_hint() {
    let (mut app, plan) = confirmed();
    partway(&mut app);
    let s = app.apply_screen().unwrap();
    assert_eq!(s.tally.creates_done, 30);
    assert_eq!(s.tally.failed, 1);
    assert_eq!(s.tally.in_flight, 3);
    assert_eq!(s.total(), plan.body.operations.len());
    let text = screen(&app);
    assert!(text.contains("3.0 ops/s"), "{text}");
    assert!(text.contains("4 throttled (retried)"), "{text}");
    assert!(
        text.contains("then A runs the plan again"),
        "the hint: {text}"
    );
    insta::assert_snapshot!(text);

    // The table follows the work: the first unsettled operation (#32) near the top.
    let s = app.apply_screen().unwrap();
    assert!(s.follow);
    assert_eq!(s.frontier, 31);
    assert!(text.contains("IN_PROGRESS poll 2"), "{text}");
    // j scrolls from there and stops following; f follows again.
    for _ in 0..40 {
        key(&mut app, KeyCode::Char('j'));
    }
    let s = app.apply_screen().unwrap();
    assert!(!s.follow);
    assert_eq!(s.selected, 29 + 40);
    assert!(s.offset > 29);
    key(&mut app, KeyCode::Char('f'));
    assert!(app.apply_screen().unwrap().follow);
}

#[test]
fn space_pauses_and_resumes_s_stops() {
    let (mut app, _) = confirmed();
    partway(&mut app);
    assert_eq!(
        key(&mut app, KeyCode::Char(' ')),
        vec![Effect::Apply(ApplyCommand::Pause(true))]
    );
    assert!(app.apply_screen().unwrap().paused);
    app.message = None;
    insta::assert_snapshot!("paused", screen(&app));
    assert_eq!(
        key(&mut app, KeyCode::Char(' ')),
        vec![Effect::Apply(ApplyCommand::Pause(false))]
    );
    assert_eq!(
        key(&mut app, KeyCode::Char('s')),
        vec![Effect::Apply(ApplyCommand::Stop)]
    );
    assert!(app.apply_screen().unwrap().stopping);
    // Stopping twice sends nothing more.
    assert!(key(&mut app, KeyCode::Char('s')).is_empty());
}

#[test]
fn esc_leaves_the_apply_running_and_a_returns_to_it() {
    let (mut app, plan) = confirmed();
    partway(&mut app);
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.apply_screen().is_none());
    assert!(app.apply.running());
    let text = screen(&app);
    let total = plan.body.operations.len();
    assert!(text.contains(&format!("applying 30/{total}")), "{text}");
    insta::assert_snapshot!("mapping_screen_while_applying", text);
    // Events keep arriving while the mapping screen is shown.
    op(&mut app, 32, OpState::Done, Some(OpStatus::Succeeded));
    assert!(screen(&app).contains(&format!("applying 31/{total}")));
    assert!(key(&mut app, KeyCode::Char('A')).is_empty());
    assert_eq!(app.apply_screen().unwrap().stage, Stage::Running);
}

#[test]
fn the_report_says_how_to_resume_when_incomplete() {
    let (mut app, plan) = confirmed();
    partway(&mut app);
    let total = plan.body.operations.len();
    let mut states = vec![OpState::NotStarted; total];
    for state in states.iter_mut().take(33) {
        *state = OpState::Done;
    }
    states[30] = OpState::Failed {
        code: None,
        message: Some("customer managed policy DataLake is missing in the account".into()),
    };
    app.now += chrono::TimeDelta::seconds(2);
    app.update(AppEvent::ApplyFinished(Ok(ApplyReport {
        states,
        interrupted: true,
        deletes_waiting: None,
        fatal: None,
    })));
    let s = app.apply_screen().unwrap();
    assert_eq!(s.stage, Stage::Finished);
    assert!(!app.apply.running());
    let text = screen(&app);
    assert!(text.contains("run again to resume"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn q_while_applying_asks_then_stops_then_quits_when_it_ends() {
    let (mut app, plan) = confirmed();
    partway(&mut app);
    // q asks first; n keeps the apply running.
    assert!(key(&mut app, KeyCode::Char('q')).is_empty());
    assert_eq!(app.overlays, vec![Overlay::Quit]);
    let text = screen(&app);
    assert!(text.contains("Stop the run and quit? (y/n)"), "{text}");
    assert!(key(&mut app, KeyCode::Char('n')).is_empty());
    assert!(app.overlays.is_empty());
    assert!(app.apply.running() && !app.quit);
    // Ctrl-C asks the same question; y stops the apply, and the app quits once it has ended.
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(app.update(AppEvent::Key(ctrl_c)).is_empty());
    assert_eq!(app.overlays, vec![Overlay::Quit]);
    assert_eq!(
        key(&mut app, KeyCode::Char('y')),
        vec![Effect::Apply(ApplyCommand::Stop)]
    );
    assert!(!app.quit);
    assert!(app.interrupted().is_some());
    let total = plan.body.operations.len();
    let mut states = vec![OpState::NotStarted; total];
    for state in states.iter_mut().take(30) {
        *state = OpState::Done;
    }
    app.update(AppEvent::ApplyFinished(Ok(ApplyReport {
        states,
        interrupted: true,
        deletes_waiting: None,
        fatal: None,
    })));
    assert!(app.quit);
    // What the terminal shows after the TUI is gone (and the exit is non-zero).
    let said = app.interrupted().unwrap();
    assert!(
        said.contains(&format!(
            "30 of {} operations done",
            thousands(total as u64)
        )),
        "{said}"
    );
    assert!(said.contains("resume with A"), "{said}");
}

#[test]
fn q_again_while_stopping_quits_at_once() {
    let (mut app, _) = confirmed();
    partway(&mut app);
    key(&mut app, KeyCode::Char('q'));
    key(&mut app, KeyCode::Char('y'));
    assert!(!app.quit);
    assert!(key(&mut app, KeyCode::Char('q')).is_empty());
    assert!(app.quit);
}

/// Everything the plan wants, applied to the simulation's starting state.
fn target_of(plan: &PlanFile, start: &std::collections::BTreeSet<Assignment>) -> Vec<Assignment> {
    let mut target = start.clone();
    for op in &plan.body.operations {
        let assignment = op.assignment().unwrap();
        match op.action {
            Action::Create => target.insert(assignment),
            Action::Delete => target.remove(&assignment),
        };
    }
    target.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_executor_on_the_demo_simulation_ends_with_everything_done() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = demo_app(dir.path());
    let (faults, _) = runner::demo_options();
    assert_eq!(faults.in_progress_polls, 2);
    let sim = Arc::new(SimWriter::new(&load_demo().current, faults));
    let before = sim.assignments();

    enable_writes(&mut app);
    accept_exact(&mut app);
    // Retire old: deletes too, which must wait for every create.
    key(&mut app, KeyCode::Char('R'));
    let (attempt, plan_path, plan) = press_apply(&mut app);
    assert!(plan.body.summary.deletes > 0);
    let (ready, start) = runner::prepare(&*sim, &plan_path, plan, true)
        .await
        .unwrap();
    assert!(!ready.plan_reused);
    assert!(ready.blocking.is_empty(), "{:?}", ready.blocking);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&plan_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let plan = ready.plan.clone();
    let journal_path = ready.journal_path.clone();
    app.update(AppEvent::ApplyPrepared {
        attempt,
        result: Ok(Box::new(ready)),
    });
    type_text(&mut app, INSTANCE_ID);
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::Apply(ApplyCommand::Start)]
    );

    let (events, mut inbox) = tokio::sync::mpsc::unbounded_channel();
    let options = ApplyOptions {
        poll_first: Duration::ZERO,
        poll_interval: Duration::ZERO,
        poll_max: Duration::ZERO,
        ..ApplyOptions::default()
    };
    let task = runner::start_apply(
        sim.clone(),
        Arc::new(plan.clone()),
        journal_path.clone(),
        start,
        options,
        Control::default(),
        events,
    );
    task.await.unwrap();
    // The report is the task's last message: everything is in the channel now.
    let mut finished = false;
    while let Ok(event) = inbox.try_recv() {
        finished |= matches!(event, AppEvent::ApplyFinished(_));
        app.update(event);
    }
    assert!(finished);

    let s = app.apply_screen().unwrap();
    assert_eq!(s.stage, Stage::Finished);
    let report = s.report.as_ref().unwrap();
    assert!(report.complete(), "{report:?}");
    assert_eq!(s.tally.done(), plan.body.operations.len());
    assert_eq!(s.tally.in_flight, 0);
    assert!(s.rows.iter().all(|r| r.state == OpState::Done));
    assert!(
        s.rows.iter().any(|r| r.polls == 3),
        "IN_PROGRESS twice, then SUCCEEDED"
    );
    assert_eq!(
        sim.assignments().into_iter().collect::<Vec<_>>(),
        target_of(&plan, &before)
    );
    let log = sim.log();
    assert_eq!(log.duplicate_creates, 0);
    assert_eq!(log.absent_deletes, 0);
    let first_delete = log.writes.iter().position(|(a, _)| *a == Action::Delete);
    let last_create = log.writes.iter().rposition(|(a, _)| *a == Action::Create);
    assert!(
        first_delete.unwrap() > last_create.unwrap(),
        "creates first"
    );
    assert!(screen(&app).contains("Done: the plan's target is reached"));
    // The demo's writes went to its simulation: `cutover verify` cannot read them there.
    assert!(screen(&app).contains("demo's simulation"));
    assert!(!screen(&app).contains("cutover verify"));

    // Running again resumes from the journal: the same plan, nothing left to do.
    let effects = key(&mut app, KeyCode::Char('A'));
    let Some(Effect::Apply(ApplyCommand::Prepare {
        attempt,
        plan_path,
        plan,
    })) = effects.into_iter().next()
    else {
        panic!("A on the finished screen prepares again")
    };
    let (again, _) = runner::prepare(&*sim, &plan_path, *plan, false)
        .await
        .unwrap();
    assert!(again.plan_reused);
    assert_eq!(again.prior.runs, 1);
    assert!(again.drift.is_empty(), "{:?}", again.drift);
    app.update(AppEvent::ApplyPrepared {
        attempt,
        result: Ok(Box::new(again)),
    });
    let text = screen(&app);
    assert!(text.contains("nothing to do: all"), "{text}");
    assert!(journal_path.exists());
}

/// The real binary in a pseudo-terminal: `cutover demo` applies to its simulation while the
/// screen keeps redrawing, pauses, stops with the outstanding writes settled, and a second
/// `A` resumes from the journal it left in `$XDG_STATE_HOME/cutover`.
#[test]
fn cutover_demo_applies_pauses_stops_and_resumes_in_a_terminal() {
    use portable_pty::CommandBuilder;

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_cutover"));
    command.args(["demo", "--log-file"]);
    command.arg(dir.path().join("tui.log"));
    command.env("XDG_STATE_HOME", &state);
    command.cwd(dir.path());
    let mut run = PtyRun::start(command, Duration::from_secs(30), Duration::from_secs(120));

    run.wait_for("Users (581)");
    run.send("7");
    run.wait_for("B bulk exact");
    run.send("A");
    run.wait_for("press W (or :enable-writes)");
    run.send("B");
    run.wait_for("(y/n)");
    run.send("y");
    run.wait_for("accepted");
    run.send("W");
    run.wait_for("Enable writes for this session?");
    run.send("y");
    run.wait_for("WRITES ENABLED");
    run.send("A");
    run.wait_for("Type the instance id");
    run.send(INSTANCE_ID);
    run.send("\r");
    run.wait_for("ops/s");
    run.send(" ");
    run.wait_for("PAUSED");
    run.send(" ");
    run.wait_for("SUCCEEDED after 3 polls");
    run.send("s");
    let report = run.wait_for("Incomplete (stopped)");
    assert!(report.contains("run again to resume"), "{report}");
    // Again: the same plan, its journal resumed.
    run.send("A");
    let summary = run.wait_for("Type the instance id");
    assert!(summary.contains("resuming"), "{summary}");
    run.send("\x1b");
    run.wait_for("apply cancelled");
    run.send("q");

    let ended = run.end();
    assert!(ended.status.success(), "{:?}", ended.status);
    let journal = state.join("cutover/demo-plan.json.journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("\"run_ended\""), "{text}");
}

#[test]
fn help_lists_the_apply_keys() {
    let (mut app, _) = confirmed();
    partway(&mut app);
    key(&mut app, KeyCode::Char('?'));
    let text = screen(&app);
    assert!(text.contains("Apply keys"), "{text}");
    insta::assert_snapshot!(text);
    key(&mut app, KeyCode::Esc);
    assert!(!screen(&app).contains("Apply keys"));
    assert_eq!(app.apply_screen().unwrap().stage, Stage::Running);
}

#[test]
fn at_80x24_the_confirmation_keeps_the_marker_and_the_prompt() {
    let (mut app, _) = at_confirmation();
    let text = screen_at(&mut app, 80, 24);
    let first = text.lines().next().unwrap();
    assert!(first.contains("APPLY WRITES ENABLED"), "{first}");
    assert!(text.contains("Type the instance id"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn at_80x24_the_progress_keeps_marker_eta_failures_and_status() {
    let (mut app, _) = confirmed();
    partway(&mut app);
    let text = screen_at(&mut app, 80, 24);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("applying 30/304"), "{}", lines[0]);
    assert!(
        lines[3].contains("ETA ") && lines[3].contains("1 failed"),
        "{}",
        lines[3]
    );
    assert!(text.contains("STATUS"), "{text}");
    assert!(text.contains("SUCCEEDED"), "{text}");
    assert!(text.contains("? help") && text.contains("q quit"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn at_80x24_the_quit_question_and_the_help_fit() {
    let (mut app, _) = confirmed();
    partway(&mut app);
    key(&mut app, KeyCode::Char('q'));
    let text = screen_at(&mut app, 80, 24);
    assert!(text.contains("Stop the run and quit? (y/n)"), "{text}");
    insta::assert_snapshot!("quit_question_80x24", text);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('?'));
    let text = screen_at(&mut app, 80, 24);
    for binding in cutover::tui::keymap::APPLY_BINDINGS {
        assert!(
            text.contains(binding.label),
            "missing {}: {text}",
            binding.label
        );
    }
    insta::assert_snapshot!("apply_help_80x24", text);
}
