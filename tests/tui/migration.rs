//! The migration screen (pane 7) on the demo organization, driven by key events on ratatui's
//! TestBackend: whole-screen snapshots of its states, and checks that the live changeset
//! preview is what planning the same mapping from scratch gives, and that every edit's
//! autosave carries the mapping file's CSV.

use crate::pty;

use cutover::fixture::demo::{demo_ground_truth, load_demo, DemoOrg};
use cutover::mapping::suggest::{Evidence, ExactMatch};
use cutover::mapping::{file as mapping_file, Decision, Mapping, Status};
use cutover::model::Snapshot;
use cutover::model::{PrincipalId, PrincipalType};
use cutover::plan::file::PlanFile;
use cutover::plan::{plan, PlanOptions};
use cutover::tui::app::{App, AppEvent, Effect, Mode, Screen};
use cutover::tui::migration::{ListFilter, MapMode, Migration, MigrationInputs};
use cutover::tui::view;
use pty::PtyRun;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::path::PathBuf;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 30;

fn migration(org: DemoOrg, mapping_path: Option<PathBuf>) -> Migration {
    Migration::new(MigrationInputs {
        baseline: org.baseline,
        current: org.current,
        mapping: Mapping::new(),
        mapping_file_exists: false,
        mapping_path,
        options: PlanOptions::default(),
        baseline_source: "demo".to_owned(),
        current_source: "demo".to_owned(),
    })
}

/// An app on `current`, with the browse panes' background build finished (their results
/// handed to the app), so screens do not depend on the workers' timing.
fn settled_app(current: Snapshot, width: u16, height: u16) -> App {
    let (events, mut inbox) = tokio::sync::mpsc::unbounded_channel();
    let mut app = App::new("demo organization", Rect::new(0, 0, width, height), events);
    app.no_color = true;
    app.now = "2026-11-26T16:02:00Z".parse().unwrap();
    app.set_snapshot(current);
    while app.is_working() {
        let event = inbox.blocking_recv().expect("the workers report back");
        app.update(event);
    }
    app
}

fn app_with(mapping_path: Option<PathBuf>, width: u16, height: u16) -> App {
    let org = load_demo();
    let mut app = settled_app(org.current.clone(), width, height);
    app.set_migration(migration(org, mapping_path), true);
    app
}

fn demo_app() -> App {
    app_with(None, WIDTH, HEIGHT)
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal.backend().to_string()
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(key(app, KeyCode::Char(c)));
    }
    effects
}

fn m(app: &App) -> &Migration {
    app.migration.as_deref().unwrap()
}

/// Selects an old principal by searching for its exact name (`/name⏎`).
fn select(app: &mut App, name: &str) {
    key(app, KeyCode::Char('/'));
    type_text(app, name);
    key(app, KeyCode::Enter);
    assert_eq!(
        m(app).selected_row().map(|r| r.name.as_str()),
        Some(name),
        "the search puts {name} first"
    );
}

/// A baseline user with baseline access and a successor in the demo truth, as
/// (old name, old id, new name, new id).
fn user_with_successor() -> (String, PrincipalId, String, PrincipalId) {
    let org = load_demo();
    let truth = demo_ground_truth();
    let migration = migration(load_demo(), None);
    truth
        .user_successors
        .iter()
        .filter_map(|(old, new)| Some((old, new.as_ref()?)))
        .find_map(|(old, new)| {
            let row = migration
                .rows()
                .iter()
                .find(|r| r.id.as_str() == old.as_str())?;
            (row.access > 0).then(|| {
                let new_name = org
                    .current
                    .users
                    .iter()
                    .find(|u| u.user_id == *new)
                    .unwrap()
                    .user_name
                    .clone();
                (
                    row.name.clone(),
                    row.id.clone(),
                    new_name,
                    PrincipalId::from(new.as_str()),
                )
            })
        })
        .unwrap()
}

/// What planning the screen's mapping from scratch gives: the preview must agree.
fn assert_preview_matches_a_fresh_plan(app: &App) {
    let org = load_demo();
    let migration = m(app);
    let changeset = plan(
        &org.baseline,
        &org.current,
        migration.mapping(),
        migration.options,
    );
    let summary = &migration.preview.summary;
    assert_eq!(summary.creates, changeset.creates());
    assert_eq!(summary.deletes, changeset.deletes());
    assert_eq!(
        migration.preview.risks.len(),
        changeset.risks.len().min(50),
        "the preview keeps the first 50 risks"
    );
    for ((severity, message), risk) in migration.preview.risks.iter().zip(&changeset.risks) {
        assert_eq!(*severity, risk.severity);
        assert_eq!(*message, risk.message());
    }
}

#[test]
fn the_mapping_screen_at_the_start() {
    let app = demo_app();
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(text.contains("MAPPING · mapping in memory"), "{text}");
    assert!(text.contains("0/"), "nothing is mapped yet: {text}");
    insta::assert_snapshot!(text);
    assert_preview_matches_a_fresh_plan(&app);
    // Most access first.
    let rows = m(&app).rows();
    assert!(rows.windows(2).all(|w| w[0].access >= w[1].access));
}

#[test]
fn the_mapping_screen_stacks_its_panes_at_80x24() {
    let app = app_with(None, 80, 24);
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn picking_a_successor_by_hand_maps_it_and_replans() {
    let (old_name, old_id, new_name, new_id) = user_with_successor();
    let mut app = demo_app();
    let before = m(&app).preview.summary.clone();
    select(&mut app, &old_name);
    key(&mut app, KeyCode::Char('p'));
    assert!(matches!(m(&app).mode, MapMode::Picker(_)));
    type_text(&mut app, &new_name);
    insta::assert_snapshot!("picker_open", screen(&app, WIDTH, HEIGHT));
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "the demo keeps the mapping in memory");
    assert!(matches!(m(&app).mode, MapMode::Normal));
    assert_eq!(m(&app).mapping().successor(&old_id), Some(&new_id));
    assert_eq!(
        m(&app).mapping().get(&old_id).unwrap().method.as_deref(),
        Some("manual")
    );

    let after = &m(&app).preview.summary;
    let access = m(&app).selected_row().unwrap().access;
    assert_eq!(after.decided_with_access, before.decided_with_access + 1);
    assert_eq!(
        after.assignments_covered,
        before.assignments_covered + access
    );
    assert_eq!(
        after.principals_losing_access,
        before.principals_losing_access - 1
    );
    assert!(after.creates > before.creates, "{after:?}");
    assert_preview_matches_a_fresh_plan(&app);
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(
        text.contains(&format!("+{} create", after.creates)),
        "{text}"
    );
    assert!(
        text.contains(&format!("now: ✔ → {new_name} (manual)")),
        "{text}"
    );
    insta::assert_snapshot!("picked_by_hand", text);
}

#[test]
fn enter_accepts_the_highlighted_candidate_or_says_how_to_map_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with(Some(dir.path().join("map.csv")), WIDTH, HEIGHT);
    let row = m(&app).selected_row().unwrap().id.clone();
    // The suggester on this branch is a stub (no candidates); with the real one the first
    // row has some. Either way Enter does what the screen shows.
    match m(&app)
        .candidates
        .first()
        .map(|c| (c.id.clone(), c.method.clone()))
    {
        None => {
            let effects = key(&mut app, KeyCode::Enter);
            assert!(effects.is_empty());
            assert!(m(&app).mapping().is_empty());
            let message = app.message.clone().unwrap();
            assert!(message.contains("p picks a successor by hand"), "{message}");
        }
        Some((first, method)) => {
            let effects = key(&mut app, KeyCode::Enter);
            assert_eq!(effects.len(), 1, "one autosave");
            assert_eq!(m(&app).mapping().successor(&row), Some(&first));
            assert_eq!(
                m(&app).mapping().get(&row).unwrap().method.as_deref(),
                Some(method.as_str()),
                "the method is the strongest evidence"
            );
        }
    }
}

#[test]
fn no_successor_then_unmap() {
    let (old_name, old_id, ..) = user_with_successor();
    let mut app = demo_app();
    let before = m(&app).preview.summary.clone();
    select(&mut app, &old_name);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(m(&app).mapping().status(&old_id), Status::NoSuccessor);
    let after = m(&app).preview.summary.clone();
    assert_eq!(after.decided_with_access, before.decided_with_access + 1);
    assert_eq!(
        after.principals_losing_access, before.principals_losing_access,
        "no successor still loses the access, on purpose now"
    );
    assert_eq!(after.creates, before.creates);
    assert_preview_matches_a_fresh_plan(&app);
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(text.contains("now: ✗ no successor"), "{text}");
    insta::assert_snapshot!("no_successor", text);

    key(&mut app, KeyCode::Char('u'));
    assert_eq!(m(&app).mapping().status(&old_id), Status::Unmapped);
    assert!(m(&app).mapping().is_empty());
    assert_eq!(m(&app).preview.summary, before);
    assert!(screen(&app, WIDTH, HEIGHT).contains("now: ? unmapped"));
}

#[test]
fn the_unmapped_filter_moves_on_to_the_next_undecided_principal() {
    let mut app = demo_app();
    let all = m(&app).visible.len();
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(m(&app).filter, ListFilter::Unmapped);
    assert_eq!(m(&app).visible.len(), all, "nothing is decided yet");
    let first = m(&app).selected_row().unwrap().id.clone();
    let second = m(&app).rows()[m(&app).visible[1]].id.clone();
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(m(&app).visible.len(), all - 1);
    assert_eq!(m(&app).selected_row().unwrap().id, second);
    assert_eq!(m(&app).mapping().status(&first), Status::NoSuccessor);
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(text.contains("showing unmapped"), "{text}");
    insta::assert_snapshot!("filter_unmapped", text);

    key(&mut app, KeyCode::Char('f'));
    assert_eq!(m(&app).filter, ListFilter::HasAccess);
    assert!(m(&app)
        .visible
        .iter()
        .all(|&i| m(&app).rows()[i].access > 0));
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(m(&app).filter, ListFilter::All);
    assert_eq!(m(&app).visible.len(), all);
}

#[test]
fn bulk_accept_asks_with_the_count_then_accepts_only_undecided_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.csv");
    let mut app = app_with(Some(path.clone()), WIDTH, HEIGHT);

    // B offers what the suggester found (the stub on this branch finds nothing, and B says
    // so); n declines without a change.
    let found = m(&app).pending_exact();
    key(&mut app, KeyCode::Char('B'));
    if found == 0 {
        assert!(matches!(m(&app).mode, MapMode::Normal));
        let message = app.message.clone().unwrap();
        assert!(message.contains("no unambiguous exact match"), "{message}");
    } else {
        assert!(matches!(&m(&app).mode, MapMode::Confirm(p) if p.len() == found));
        key(&mut app, KeyCode::Char('n'));
    }
    assert!(m(&app).mapping().is_empty());

    // The real suggester's matches are what `B` offers; the ground truth stands in for them.
    let truth = demo_ground_truth();
    let matches: Vec<ExactMatch> = truth
        .user_successors
        .iter()
        .filter_map(|(old, new)| {
            Some(ExactMatch {
                principal_type: PrincipalType::User,
                old_id: PrincipalId::from(old.as_str()),
                new_id: PrincipalId::from(new.as_ref()?.as_str()),
                evidence: vec![Evidence::ExternalId],
            })
        })
        .collect();
    // One is decided already: it is neither counted nor changed.
    let decided = matches[0].old_id.clone();
    let name = m(&app)
        .rows()
        .iter()
        .find(|r| r.id == decided)
        .unwrap()
        .name
        .clone();
    select(&mut app, &name);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Esc);

    app.migration
        .as_deref_mut()
        .unwrap()
        .offer_exact_matches(matches.clone());
    let MapMode::Confirm(pending) = &m(&app).mode else {
        panic!("a confirm popup")
    };
    assert_eq!(pending.len(), matches.len() - 1);
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(
        text.contains(&format!(
            "Accept {} exact matches? (y/n)",
            matches.len() - 1
        )),
        "{text}"
    );
    insta::assert_snapshot!("bulk_accept_confirm", text);

    // n cancels, y accepts: one re-plan, one autosave.
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(m(&app).mapping().len(), 1);
    app.migration
        .as_deref_mut()
        .unwrap()
        .offer_exact_matches(matches.clone());
    let effects = key(&mut app, KeyCode::Char('y'));
    assert_eq!(m(&app).mapping().len(), matches.len());
    assert_eq!(
        m(&app).mapping().decision(&decided),
        Some(&Decision::NoSuccessor)
    );
    assert_eq!(
        m(&app)
            .mapping()
            .get(&matches[1].old_id)
            .unwrap()
            .method
            .as_deref(),
        Some("external_id")
    );
    let [Effect::WriteFile { path: written, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(written, &path);
    assert_preview_matches_a_fresh_plan(&app);
}

#[test]
fn a_group_shows_both_groups_members() {
    let org = load_demo();
    let truth = demo_ground_truth();
    let (old_group, new_group) = truth
        .group_successors
        .iter()
        .find_map(|(old, new)| {
            let old = org.baseline.groups.iter().find(|g| g.group_id == *old)?;
            let new = org
                .current
                .groups
                .iter()
                .find(|g| Some(&g.group_id) == new.as_ref())?;
            Some((old.clone(), new.clone()))
        })
        .unwrap();
    let mut app = demo_app();
    select(&mut app, &old_group.display_name);
    let group = m(&app).group.clone().expect("a group shows its members");
    let old_members = org
        .baseline
        .group_memberships
        .iter()
        .filter(|gm| gm.group_id == old_group.group_id)
        .count();
    assert_eq!(group.old.len(), old_members);
    assert_eq!(
        group.new_name,
        m(&app).candidates.first().map(|c| c.name.clone()),
        "not mapped yet: the top candidate's members, if any"
    );

    key(&mut app, KeyCode::Char('p'));
    type_text(&mut app, &new_group.display_name);
    key(&mut app, KeyCode::Enter);
    let group = m(&app).group.clone().unwrap();
    assert_eq!(
        group.new_name.as_deref(),
        Some(new_group.display_name.as_str())
    );
    assert!(group.new_is_successor);
    let new_members = org
        .current
        .group_memberships
        .iter()
        .filter(|gm| gm.group_id == new_group.group_id)
        .count();
    assert_eq!(group.new.len(), new_members);
    assert!(
        group.old.iter().all(|(_, in_new)| in_new.is_none()),
        "no member is mapped yet"
    );
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(
        text.contains(&format!("OLD · {old_members} members")),
        "{text}"
    );
    assert!(
        text.contains(&format!("SUCCESSOR · {new_members} members")),
        "{text}"
    );
    insta::assert_snapshot!("group_members", text);
}

#[test]
fn every_edit_autosaves_the_mapping_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prod-map.csv");
    let (old_name, old_id, new_name, new_id) = user_with_successor();
    let mut app = app_with(Some(path.clone()), WIDTH, HEIGHT);
    assert!(screen(&app, WIDTH, HEIGHT).contains("prod-map.csv (new)"));
    select(&mut app, &old_name);
    key(&mut app, KeyCode::Char('p'));
    type_text(&mut app, &new_name);
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::WriteFile {
        path: written,
        contents,
    }] = effects.as_slice()
    else {
        panic!("one autosave: {effects:?}")
    };
    assert_eq!(written, &path);
    assert_eq!(
        contents,
        &format!(
            "principal_type,old_id,new_id,old_name,new_name,method,note\n\
             USER,{old_id},{new_id},{old_name},{new_name},manual,\n"
        )
    );
    let org = load_demo();
    let parsed = mapping_file::parse(contents, &org.baseline, &org.current).unwrap();
    assert_eq!(&parsed, m(&app).mapping());
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(text.contains("(saved)"), "{text}");

    // A failed write turns the header to unsaved.
    app.write_failed(&path);
    assert!(screen(&app, WIDTH, HEIGHT).contains("(unsaved)"));

    // Unmapping saves too: the header row only.
    let effects = key(&mut app, KeyCode::Char('u'));
    let [Effect::WriteFile { contents, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        contents,
        "principal_type,old_id,new_id,old_name,new_name,method,note\n"
    );
}

#[test]
fn w_writes_the_plan_beside_the_mapping_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prod-map.csv");
    let (old_name, _, new_name, _) = user_with_successor();
    let mut app = app_with(Some(path.clone()), WIDTH, HEIGHT);
    select(&mut app, &old_name);
    key(&mut app, KeyCode::Char('p'));
    type_text(&mut app, &new_name);
    let saved = key(&mut app, KeyCode::Enter);
    let [Effect::WriteFile { contents: csv, .. }] = saved.as_slice() else {
        panic!("{saved:?}")
    };
    let effects = key(&mut app, KeyCode::Char('w'));
    let [Effect::WriteFile {
        path: written,
        contents,
    }] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(written, &dir.path().join("prod-map.plan.json"));
    let plan_file = PlanFile::from_json(contents).unwrap();
    assert_eq!(
        plan_file.body.summary.creates,
        m(&app).preview.summary.creates
    );
    assert_eq!(
        plan_file.body.inputs.mapping_digest,
        Some(cutover::plan::file::sha256(csv.as_bytes()))
    );
    let message = app.message.clone().unwrap();
    assert!(message.contains("prod-map.plan.json"), "{message}");

    // Without a mapping file: plan.json in the working directory.
    let mut app = demo_app();
    let effects = key(&mut app, KeyCode::Char('w'));
    let [Effect::WriteFile { path, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(path, &PathBuf::from("plan.json"));
}

#[test]
fn retire_old_replans_with_deletes() {
    let (old_name, ..) = user_with_successor();
    let mut app = demo_app();
    select(&mut app, &old_name);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(m(&app).preview.summary.deletes, 0);
    key(&mut app, KeyCode::Char('R'));
    assert!(m(&app).options.retire_old);
    assert!(m(&app).preview.retire_old);
    assert!(
        m(&app).preview.summary.deletes > 0,
        "the old user's current assignments are retired"
    );
    assert_preview_matches_a_fresh_plan(&app);
    assert!(screen(&app, WIDTH, HEIGHT).contains("(retire old: on · R toggles)"));
    key(&mut app, KeyCode::Char('R'));
    assert_eq!(m(&app).preview.summary.deletes, 0);
}

#[test]
fn pane_7_opens_from_the_browse_panes_and_esc_goes_back() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Esc);
    assert_ne!(app.screen, Screen::Mapping);
    let browse = screen(&app, WIDTH, HEIGHT);
    assert!(browse.contains(" 7 Mapping "), "{browse}");
    assert!(browse.contains("USER NAME"), "{browse}");
    key(&mut app, KeyCode::Char('7'));
    assert_eq!(app.screen, Screen::Mapping);
    key(&mut app, KeyCode::Char('2'));
    assert_ne!(app.screen, Screen::Mapping);
    assert_eq!(app.pane_kind().title(), "Groups");
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "map");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Mapping);

    // Without a baseline there is no pane 7.
    let mut plain = settled_app(load_demo().current, WIDTH, HEIGHT);
    key(&mut plain, KeyCode::Char('7'));
    assert_ne!(plain.screen, Screen::Mapping);
    assert!(plain.message.clone().unwrap().contains("cutover map"));
}

#[test]
fn search_narrows_and_esc_clears_it() {
    let mut app = demo_app();
    let all = m(&app).visible.len();
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "ana.chen");
    let found = m(&app).visible.len();
    assert!(found > 0 && found < all, "{found} of {all}");
    assert!(screen(&app, WIDTH, HEIGHT).contains("/ana.chen"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(m(&app).visible.len(), found);
    key(&mut app, KeyCode::Esc);
    assert_eq!(m(&app).visible.len(), all);
    assert_eq!(
        app.screen,
        Screen::Mapping,
        "the first esc only clears the search"
    );
}

#[test]
fn help_lists_the_migration_keys() {
    let mut app = demo_app();
    key(&mut app, KeyCode::Char('?'));
    assert!(app.help_shown());
    let text = screen(&app, WIDTH, HEIGHT);
    for binding in cutover::tui::keymap::MIGRATION_BINDINGS {
        assert!(text.contains(binding.help), "missing {}", binding.help);
    }
    insta::assert_snapshot!(text);
    key(&mut app, KeyCode::Esc);
    assert!(!app.help_shown());
    assert_eq!(app.mode, Mode::Browse);
    assert_eq!(app.screen, Screen::Mapping);
}

#[test]
fn no_color_draws_without_colours() {
    let app = demo_app();
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal.draw(|frame| view::render(&app, frame)).unwrap();
    assert!(terminal.backend().buffer().content().iter().all(|cell| {
        cell.fg == ratatui::style::Color::Reset && cell.bg == ratatui::style::Color::Reset
    }));
}

/// `cutover map` checks the mapping file before it takes over the terminal: a bad file ends
/// the command with every problem and its line, and no panic.
#[test]
fn cutover_map_refuses_a_malformed_mapping_file_with_its_line_numbers() {
    let org = load_demo();
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let current = dir.path().join("current.json");
    std::fs::write(&baseline, org.baseline.to_json()).unwrap();
    std::fs::write(&current, org.current.to_json()).unwrap();
    let (_, old_id, _, new_id) = user_with_successor();
    let mapping = dir.path().join("prod-map.csv");
    std::fs::write(
        &mapping,
        format!("principal_type,old_id,new_id\nUSER,{old_id},{new_id}\nROLE,{old_id},\nUSER,no-such-id,\n"),
    )
    .unwrap();
    let run = |mapping: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(["map", "--baseline"])
            .arg(&baseline)
            .arg("--current")
            .arg(&current)
            .arg("--mapping")
            .arg(mapping)
            .arg("--log-file")
            .arg(dir.path().join("cutover.log"))
            .output()
            .expect("run the cutover binary")
    };
    let output = run(&mapping);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("prod-map.csv: the mapping file has 2 problems"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 3: principal_type is \"ROLE\""),
        "{stderr}"
    );
    assert!(stderr.contains("line 4: old_id no-such-id"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let output = run(&dir.path().join("missing-dir").join("map.csv"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the directory for --mapping does not exist"),
        "{stderr}"
    );
}

/// The real binary in a pseudo-terminal: `cutover map` with a mapping file that does not exist
/// yet creates it (mode 0600) on the first edit, and `w` writes the plan beside it.
#[test]
fn cutover_map_in_a_terminal_creates_the_mapping_file_on_the_first_edit() {
    use portable_pty::CommandBuilder;

    let org = load_demo();
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let current = dir.path().join("current.json");
    std::fs::write(&baseline, org.baseline.to_json()).unwrap();
    std::fs::write(&current, org.current.to_json()).unwrap();
    let mapping = dir.path().join("prod-map.csv");

    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_cutover"));
    command.arg("map");
    command.arg("--baseline");
    command.arg(&baseline);
    command.arg("--current");
    command.arg(&current);
    command.arg("--mapping");
    command.arg(&mapping);
    command.arg("--log-file");
    command.arg(dir.path().join("tui.log"));
    command.cwd(dir.path());
    let mut run = PtyRun::start(
        command,
        std::time::Duration::from_secs(20),
        std::time::Duration::from_secs(60),
    );

    run.wait_for("mapping prod-map.csv (new)");
    assert!(!mapping.exists());
    run.send("n");
    // The header turns to "saved" on the frame after the runner wrote the file.
    run.wait_for("mapping prod-map.csv (saved)");
    let text = std::fs::read_to_string(&mapping).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows[1].starts_with("GROUP,"), "{text}");
    assert!(rows[1].contains(",aws-compliance-auditors,"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&mapping).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    run.send("w");
    run.wait_for("plan written to");
    let plan = std::fs::read_to_string(dir.path().join("prod-map.plan.json")).unwrap();
    PlanFile::from_json(&plan).unwrap();
    run.send("q");
    let ended = run.end();
    assert!(ended.status.success(), "{:?}", ended.status);
}
