//! The cleanup screen on the demo organization, driven by key events on ratatui's TestBackend.
//! The screens are snapshotted from the runner's selection on the demo's simulation; one test
//! applies a plan to the simulation first, then deletes the leftovers through the runner
//! function the app uses, and checks the simulation and the journal.

use cutover::apply::cleanup::DeleteResult;
use cutover::apply::journal::{self, OpStatus, Record};
use cutover::apply::{ApplyOptions, Control};
use cutover::backend::sim_writer::SimWriter;
use cutover::fixture::demo::{load_demo, DEMO_IDENTITY_STORE_ID};
use cutover::mapping::Status;
use cutover::model::PrincipalType;
use cutover::tui::app::{App, AppEvent, Effect};
use cutover::tui::apply_screen::runner as apply_runner;
use cutover::tui::apply_screen::ApplyCommand;
use cutover::tui::background::SessionWriter;
use cutover::tui::cleanup_screen::{runner, CleanupCommand, Stage};
use ratatui::crossterm::event::KeyCode;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::demo_tui;

use demo_tui::*;

/// Where the screen tests say the journal goes; nothing is written there.
const STATE_DIR: &str = "/home/ana/.local/state/cutover";

/// The session's simulation, as `cutover demo` makes it.
fn demo_sim() -> Arc<SimWriter> {
    let (faults, _) = apply_runner::demo_options();
    Arc::new(SimWriter::new(&load_demo().current, faults))
}

/// `n` on every old group: walks the list from the top, deciding each undecided group.
fn no_successor_for_every_group(app: &mut App) {
    let undecided_group = |app: &App| {
        let m = app.migration.as_deref().unwrap();
        m.selected_row().is_some_and(|r| {
            r.principal_type == PrincipalType::Group
                && m.mapping().status(&r.id) == Status::Unmapped
        })
    };
    for _pass in 0..3 {
        key(app, KeyCode::Char('g'));
        loop {
            if undecided_group(app) {
                key(app, KeyCode::Char('n'));
                continue;
            }
            let before = app.migration.as_deref().unwrap().selected;
            key(app, KeyCode::Char('j'));
            if app.migration.as_deref().unwrap().selected == before {
                break;
            }
        }
    }
}

/// `C`, and the runner's selection against `sim` handed back, as the runner does.
fn open_cleanup(app: &mut App, sim: &Arc<SimWriter>) {
    let effects = key(app, KeyCode::Char('C'));
    let Some(Effect::Cleanup(CleanupCommand::Select {
        attempt,
        current,
        mapping,
    })) = effects.into_iter().next()
    else {
        panic!("C selects the leftovers: {:?}", app.message)
    };
    assert_eq!(app.cleanup_screen().unwrap().stage, Stage::Selecting);
    let selected = runner::select(&SessionWriter::Demo(sim.clone()), &current, &mapping);
    app.update(AppEvent::CleanupSelected {
        attempt,
        result: Ok(Box::new(selected)),
    });
    assert_eq!(app.cleanup_screen().unwrap().stage, Stage::List);
}

/// The demo with the exact matches accepted, on the cleanup screen, before any apply.
fn listed() -> App {
    let mut app = demo_app(Path::new(STATE_DIR));
    accept_exact(&mut app);
    open_cleanup(&mut app, &demo_sim());
    app
}

#[test]
fn c_with_an_empty_mapping_says_to_decide_first() {
    let mut app = demo_app(Path::new(STATE_DIR));
    assert!(key(&mut app, KeyCode::Char('C')).is_empty());
    assert!(app.cleanup_screen().is_none());
    assert!(app.message.clone().unwrap().contains("decide some first"));
}

#[test]
fn before_any_apply_most_old_principals_still_hold_access_and_are_refused() {
    let app = listed();
    let s = app.cleanup_screen().unwrap();
    let (without, with) = (s.without_access(), s.with_access());
    assert!(with > without, "{with} with access, {without} without");
    assert_eq!(without, 0, "the exact matches are all still assigned");
    assert!(!s.include_with_access);
    assert_eq!(s.candidates().len(), without);
    let text = screen(&app);
    assert!(text.contains("refused; i includes them"), "{text}");
    assert!(text.contains("READ-ONLY: W (or :enable-writes)"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn i_includes_those_still_holding_access_listed_first_and_marked() {
    let mut app = listed();
    key(&mut app, KeyCode::Char('i'));
    let s = app.cleanup_screen().unwrap();
    assert!(s.include_with_access);
    assert_eq!(s.candidates().len(), s.with_access() + s.without_access());
    assert!(s.lines[0].text.contains("still holding access (INCLUDED"));
    assert!(s.lines[1].text.starts_with("⚠ "));
    app.message = None;
    let text = screen(&app);
    assert!(
        text.contains("via group") || text.contains("(direct)"),
        "{text}"
    );
    insta::assert_snapshot!(text);
    // Again: back to refusing them.
    key(&mut app, KeyCode::Char('i'));
    let s = app.cleanup_screen().unwrap();
    assert_eq!(s.candidates().len(), s.without_access());
}

#[test]
fn d_while_read_only_says_how_to_enable_writes() {
    let mut app = listed();
    assert!(key(&mut app, KeyCode::Char('d')).is_empty());
    assert_eq!(app.cleanup_screen().unwrap().stage, Stage::List);
    let message = app.message.clone().unwrap();
    assert!(message.contains("press W (or :enable-writes)"), "{message}");
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn d_asks_for_the_identity_store_id_and_esc_cancels() {
    let mut app = listed();
    // W works on the cleanup screen too.
    enable_writes(&mut app);
    assert!(app.cleanup_screen().is_some());
    // Before any apply every old principal still holds access: nothing to delete unless
    // included.
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(app.message.as_deref(), Some("nothing to delete"));
    key(&mut app, KeyCode::Char('i'));
    assert!(key(&mut app, KeyCode::Char('d')).is_empty());
    assert_eq!(app.cleanup_screen().unwrap().stage, Stage::Confirm);
    type_text(&mut app, "d-9067");
    let text = screen(&app);
    assert!(
        text.contains(&format!(
            "Type the identity store id ({DEMO_IDENTITY_STORE_ID})"
        )),
        "{text}"
    );
    assert!(text.contains("WRITES ENABLED"), "{text}");
    insta::assert_snapshot!(text);

    assert!(key(&mut app, KeyCode::Esc).is_empty());
    let s = app.cleanup_screen().unwrap();
    assert_eq!(s.stage, Stage::List);
    assert!(s.typed.is_empty());
    assert!(app.message.clone().unwrap().contains("nothing was deleted"));
    // Esc again: back on the mapping screen.
    key(&mut app, KeyCode::Esc);
    assert!(app.cleanup_screen().is_none());
    assert!(app.migration_screen().is_some());
}

#[test]
fn a_wrong_identity_store_id_is_refused() {
    let mut app = listed();
    enable_writes(&mut app);
    key(&mut app, KeyCode::Char('i'));
    key(&mut app, KeyCode::Char('d'));
    type_text(&mut app, "d-0000000000");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "{effects:?}");
    let s = app.cleanup_screen().unwrap();
    assert_eq!(s.stage, Stage::Confirm);
    assert!(s.typed.is_empty());
    let text = screen(&app);
    assert!(text.contains("not confirmed"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn help_lists_the_cleanup_keys() {
    let mut app = listed();
    key(&mut app, KeyCode::Char('?'));
    let text = screen(&app);
    assert!(text.contains("Cleanup keys"), "{text}");
    assert!(text.contains("include the old principals"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert!(!screen(&app).contains("Cleanup keys"));
    assert!(app.cleanup_screen().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_apply_the_leftovers_are_deleted_and_journaled() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = demo_app(dir.path());
    let sim = demo_sim();

    // Apply first: the exact matches (users), the old groups without successor, retiring
    // the old principals' access.
    enable_writes(&mut app);
    accept_exact(&mut app);
    no_successor_for_every_group(&mut app);
    let migration = app.migration.as_deref().unwrap();
    let undecided: Vec<String> = migration
        .rows()
        .iter()
        .filter(|r| migration.mapping().status(&r.id) == Status::Unmapped)
        .map(|r| format!("{} {}", r.principal_type, r.name))
        .collect();
    assert!(
        undecided.iter().all(|r| r.starts_with("USER")),
        "{undecided:?}"
    );
    key(&mut app, KeyCode::Char('R'));
    let Some(Effect::Apply(ApplyCommand::Prepare {
        attempt,
        plan_path,
        plan,
    })) = key(&mut app, KeyCode::Char('A')).into_iter().next()
    else {
        panic!("A prepares the plan")
    };
    let (ready, start) = apply_runner::prepare(&*sim, &plan_path, *plan, true)
        .await
        .unwrap();
    assert!(ready.blocking.is_empty(), "{:?}", ready.blocking);
    let (plan, journal_path) = (ready.plan.clone(), ready.journal_path.clone());
    app.update(AppEvent::ApplyPrepared {
        attempt,
        result: Ok(Box::new(ready)),
    });
    let instance_id = plan.body.target.instance_arn.rsplit('/').next().unwrap();
    type_text(&mut app, instance_id);
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
    apply_runner::start_apply(
        sim.clone(),
        Arc::new(plan),
        journal_path,
        start,
        options,
        Control::default(),
        events,
    )
    .await
    .unwrap();
    while let Ok(event) = inbox.try_recv() {
        app.update(event);
    }
    // Deletes that would empty an (account, permission set) pair are held back by the plan's
    // options: the old groups they name keep that access.
    let report = app.apply_screen().unwrap().report.clone().unwrap();
    assert_eq!((report.failed(), report.unknown()), (0, 0), "{report:?}");
    assert!(report.done() > 0);
    key(&mut app, KeyCode::Esc);
    assert!(app.migration_screen().is_some());

    // Cleanup: the retired old principals hold nothing now.
    open_cleanup(&mut app, &sim);
    let s = app.cleanup_screen().unwrap();
    let to_delete: Vec<String> = s
        .candidates()
        .iter()
        .map(|c| c.principal_id.to_string())
        .collect();
    assert!(!to_delete.is_empty());
    assert!(s.candidates().iter().all(|c| !c.has_access()));
    let gone_before = s.selected.as_ref().unwrap().selection.already_gone;
    assert_eq!(key(&mut app, KeyCode::Char('d')), vec![]);
    type_text(&mut app, DEMO_IDENTITY_STORE_ID);
    let Some(Effect::Cleanup(CleanupCommand::Delete {
        attempt,
        store,
        journal_path,
        candidates,
    })) = key(&mut app, KeyCode::Enter).into_iter().next()
    else {
        panic!("the typed id starts the deletes")
    };
    assert_eq!(store, DEMO_IDENTITY_STORE_ID);
    assert_eq!(
        journal_path,
        dir.path().join(format!(
            "cleanup-{DEMO_IDENTITY_STORE_ID}-20261126T160200Z.journal.jsonl"
        ))
    );
    assert_eq!(app.cleanup_screen().unwrap().stage, Stage::Running);
    assert!(app.cleanup.running());

    let (events, mut inbox) = tokio::sync::mpsc::unbounded_channel();
    runner::start_deletes(
        sim.clone(),
        attempt,
        candidates.clone(),
        journal_path.clone(),
        Arc::new(AtomicBool::new(false)),
        events,
    )
    .await
    .unwrap();
    // The totals are the task's last message: everything is in the channel now.
    let mut deleted_events = 0;
    let mut finished = false;
    while let Ok(event) = inbox.try_recv() {
        deleted_events += matches!(event, AppEvent::CleanupDeleted { .. }) as usize;
        finished |= matches!(event, AppEvent::CleanupFinished { .. });
        app.update(event);
    }
    assert!(finished);
    assert_eq!(deleted_events, candidates.len());

    let s = app.cleanup_screen().unwrap();
    assert_eq!(s.stage, Stage::Finished);
    assert!(!app.cleanup.running());
    assert_eq!(s.tally.deleted, to_delete.len());
    assert!(s.results.iter().all(|r| *r == Some(DeleteResult::Deleted)));
    let text = screen(&app);
    assert!(
        text.contains(&format!(
            "Deleted {0} of {0} (0 already gone, 0 failed",
            to_delete.len()
        )),
        "{text}"
    );
    assert!(
        text.contains("Reminder: users and groups provisioned by SCIM"),
        "{text}"
    );

    // The simulation no longer has them.
    let mut gone: Vec<String> = sim
        .log()
        .deleted_principals
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    gone.sort();
    let mut expected = to_delete.clone();
    expected.sort();
    assert_eq!(gone, expected);

    // One journal record per delete, mode 0600.
    let records = journal::read(&journal_path).unwrap().records;
    assert_eq!(records.len(), to_delete.len());
    for record in &records {
        match record {
            Record::PrincipalDeleted { status, .. } => assert_eq!(*status, OpStatus::Succeeded),
            other => panic!("unexpected record {other:?}"),
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&journal_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Esc, then C again: a fresh selection, and the deleted ones are gone from it.
    key(&mut app, KeyCode::Esc);
    assert!(app.cleanup_screen().is_none());
    assert!(app.migration_screen().is_some());
    open_cleanup(&mut app, &sim);
    let s = app.cleanup_screen().unwrap();
    assert_eq!(s.without_access(), 0);
    assert_eq!(
        s.selected.as_ref().unwrap().selection.already_gone,
        gone_before + to_delete.len()
    );
}
