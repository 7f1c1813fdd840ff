//! The TUI driven by key and mouse events on ratatui's TestBackend: whole-screen snapshots of
//! every pane, a drill-down, the filter, help, the loading state and a live load filling the
//! panes, plus behaviour checks.
//!
//! The app hands its heavy work (access index, tables, filtering) to background threads whose
//! results come back on the event channel, as in the real TUI. [`Tui::settle`] passes those
//! events to `update` until the app reports no outstanding work: tests wait on the results
//! themselves, never on a clock.

use cutover::backend::sim::SimBackend;
use cutover::backend::{Backend, LoadUpdate, ProgressEvent, ProgressSink, Stage};
use cutover::fixture::demo::load_demo;
use cutover::model::SnapshotPart;
use cutover::tui::app::{App, AppEvent, Effect, Mode, PartialLoad};
use cutover::tui::view;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::ops::{Deref, DerefMut};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 30;

/// The app and the event channel its workers report on.
struct Tui {
    app: App,
    inbox: UnboundedReceiver<AppEvent>,
}

impl Deref for Tui {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl DerefMut for Tui {
    fn deref_mut(&mut self) -> &mut App {
        &mut self.app
    }
}

impl Tui {
    fn new(source: &str, width: u16, height: u16) -> Tui {
        let (events, inbox) = unbounded_channel();
        let mut app = App::new(source, Rect::new(0, 0, width, height), events);
        app.no_color = true;
        // Pinned so "captured … ago" does not change between runs.
        app.now = "2026-11-26T16:02:00Z".parse().unwrap();
        Tui { app, inbox }
    }

    /// Hands the workers' results to the app until none is outstanding.
    fn settle(&mut self) {
        while self.app.is_working() {
            let event = self.inbox.blocking_recv().expect("the workers report back");
            self.app.update(event);
        }
    }

    fn update(&mut self, event: AppEvent) -> Vec<Effect> {
        let effects = self.app.update(event);
        self.settle();
        effects
    }
}

fn demo_app(width: u16, height: u16) -> Tui {
    let mut tui = Tui::new("demo organization", width, height);
    tui.set_snapshot(load_demo().current);
    tui.settle();
    tui
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal.backend().to_string()
}

/// One key, then the results of the work it started.
fn key(tui: &mut Tui, code: KeyCode) -> Vec<Effect> {
    tui.update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(tui: &mut Tui, text: &str) {
    for c in text.chars() {
        key(tui, KeyCode::Char(c));
    }
}

#[test]
fn every_pane_at_80x24() {
    let mut tui = demo_app(80, 24);
    for (n, name) in [
        "users",
        "groups",
        "permission_sets",
        "accounts",
        "assignments",
        "apps",
    ]
    .iter()
    .enumerate()
    {
        key(&mut tui, KeyCode::Char(char::from(b'1' + n as u8)));
        insta::assert_snapshot!(format!("pane_{name}_80x24"), screen(&tui, 80, 24));
    }
}

#[test]
fn users_with_the_detail_preview_on_a_wide_terminal() {
    let tui = demo_app(WIDTH, HEIGHT);
    insta::assert_snapshot!(screen(&tui, WIDTH, HEIGHT));
}

#[test]
fn filtering_narrows_the_table_and_esc_clears_it() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    let all = tui.view().visible.len();
    key(&mut tui, KeyCode::Char('/'));
    assert_eq!(tui.mode, Mode::Filter);
    type_text(&mut tui, "ana.chen");
    let filtered = tui.view().visible.len();
    assert!(filtered > 0 && filtered < all, "{filtered} of {all}");
    insta::assert_snapshot!(screen(&tui, WIDTH, HEIGHT));
    key(&mut tui, KeyCode::Enter);
    assert_eq!(tui.mode, Mode::Browse);
    assert_eq!(tui.view().visible.len(), filtered, "Enter keeps the filter");
    key(&mut tui, KeyCode::Esc);
    assert_eq!(tui.view().visible.len(), all, "Esc clears it");
}

#[test]
fn column_terms_restrict_the_filter_to_a_column() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    key(&mut tui, KeyCode::Char('5'));
    key(&mut tui, KeyCode::Char('/'));
    type_text(&mut tui, "account:prod-payments ps:admin");
    let table = tui.table().unwrap();
    assert!(!tui.view().visible.is_empty());
    for &row in &tui.view().visible {
        let cells = table.row(row as usize);
        assert!(cells[0].contains("prod-payments"), "{cells:?}");
        assert!(cells[1].to_lowercase().contains("admin"), "{cells:?}");
    }
}

#[test]
fn drill_down_follows_links_and_esc_walks_back() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    key(&mut tui, KeyCode::Char('2'));
    key(&mut tui, KeyCode::Enter);
    assert_eq!(tui.stack.len(), 1);
    insta::assert_snapshot!(screen(&tui, WIDTH, HEIGHT));
    // The first link of a group is a member: Enter opens the user.
    key(&mut tui, KeyCode::Enter);
    assert_eq!(tui.stack.len(), 2);
    let crumb = screen(&tui, WIDTH, HEIGHT);
    assert!(crumb.contains("Groups › "), "{crumb}");
    assert!(crumb.contains("EFFECTIVE ACCESS"), "{crumb}");
    key(&mut tui, KeyCode::Esc);
    key(&mut tui, KeyCode::Esc);
    assert!(tui.stack.is_empty());
}

#[test]
fn orphaned_assignments_are_marked() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    key(&mut tui, KeyCode::Char('5'));
    key(&mut tui, KeyCode::Char('/'));
    type_text(&mut tui, "orphan");
    assert!(
        !tui.view().visible.is_empty(),
        "the demo has orphaned assignments"
    );
    let text = screen(&tui, WIDTH, HEIGHT);
    assert!(text.contains("⚠ orphan"), "{text}");
}

#[test]
fn help_lists_every_binding() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    key(&mut tui, KeyCode::Char('?'));
    assert!(tui.help_shown());
    let text = screen(&tui, WIDTH, HEIGHT);
    for binding in cutover::tui::keymap::BINDINGS {
        assert!(text.contains(binding.help), "missing {}", binding.help);
    }
    insta::assert_snapshot!(text);
    key(&mut tui, KeyCode::Esc);
    assert_eq!(tui.mode, Mode::Browse);
}

#[test]
fn loading_shows_a_gauge_per_stage_and_quits_while_loading() {
    let mut tui = Tui::new("live", WIDTH, HEIGHT);
    for (stage, done, total, finished) in [
        (Stage::Users, 1200, None, false),
        (Stage::Groups, 300, Some(300), true),
        (Stage::GroupMemberships, 120, Some(300), false),
    ] {
        tui.update(AppEvent::Progress(ProgressEvent {
            stage,
            done,
            total,
            finished,
            calls: 140,
            throttles: 3,
        }));
    }
    insta::assert_snapshot!(screen(&tui, WIDTH, HEIGHT));
    key(&mut tui, KeyCode::Char('q'));
    assert!(tui.quit, "q works while loading");
}

#[test]
fn sorting_orders_numerically_and_reverses() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    // USER NAME, DISPLAY NAME, STATUS, GROUPS, ACCESS: five presses reach ACCESS.
    for _ in 0..5 {
        key(&mut tui, KeyCode::Char('s'));
    }
    let access = |app: &App| -> Vec<u64> {
        let table = app.table().unwrap();
        app.view()
            .visible
            .iter()
            .map(|&r| table.cell(r as usize, 4).parse().unwrap())
            .collect()
    };
    let ascending = access(&tui);
    assert!(ascending.windows(2).all(|w| w[0] <= w[1]));
    key(&mut tui, KeyCode::Char('S'));
    let descending = access(&tui);
    assert!(descending.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn commands_switch_panes_and_unknown_ones_say_so() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    key(&mut tui, KeyCode::Char(':'));
    type_text(&mut tui, "accounts");
    key(&mut tui, KeyCode::Enter);
    assert_eq!(tui.pane_kind().title(), "Accounts");
    key(&mut tui, KeyCode::Char(':'));
    type_text(&mut tui, "nope");
    key(&mut tui, KeyCode::Enter);
    assert!(tui
        .message
        .as_deref()
        .unwrap()
        .contains("unknown command :nope"));
}

#[test]
fn export_writes_the_filtered_table_as_csv() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    key(&mut tui, KeyCode::Char('/'));
    type_text(&mut tui, "ana.chen");
    key(&mut tui, KeyCode::Enter);
    let visible = tui.view().visible.len();
    let effects = key(&mut tui, KeyCode::Char('e'));
    let [Effect::WriteFile { path, contents }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(path.to_string_lossy().starts_with("cutover-users-"));
    let mut reader = csv::Reader::from_reader(contents.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "USER NAME");
    assert_eq!(reader.records().count(), visible);
}

#[test]
fn mouse_clicks_select_rows_sort_columns_and_switch_tabs() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    let click = |tui: &mut Tui, column: u16, row: u16| {
        tui.update(AppEvent::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }));
    };
    // Row 3 is the column header, rows 4.. the body: the third body row.
    click(&mut tui, 10, 6);
    assert_eq!(tui.view().selected, 2);
    click(&mut tui, 5, 3);
    assert!(tui.view().sort.is_some(), "a header click sorts");
    // The tab bar is row 1; "2 Groups" starts after " 1 Users ".
    click(&mut tui, 12, 1);
    assert_eq!(tui.pane_kind().title(), "Groups");
    tui.update(AppEvent::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(tui.view().selected, 3);
}

#[test]
fn resizing_keeps_the_selection_visible() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    for _ in 0..25 {
        key(&mut tui, KeyCode::Down);
    }
    tui.update(AppEvent::Resize(80, 12));
    let view = tui.view();
    assert!(view.selected >= view.offset && view.selected < view.offset + tui.page_size());
    let text = screen(&tui, 80, 12);
    assert!(text.contains("cutover"), "{text}");
}

#[test]
fn no_color_draws_without_colours() {
    let tui = demo_app(80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| view::render(&tui, frame)).unwrap();
    let buffer = terminal.backend().buffer();
    assert!(buffer
        .content()
        .iter()
        .all(|cell| cell.fg == ratatui::style::Color::Reset
            && cell.bg == ratatui::style::Color::Reset));
}

/// Every update a simulated live load of the demo organization sends, in order, and the
/// snapshot it ends with.
fn simulated_live_load() -> (Vec<LoadUpdate>, cutover::model::Snapshot) {
    let (sink, mut receiver) = ProgressSink::with_parts();
    let outcome = futures::executor::block_on(SimBackend::new(load_demo().current).load(sink))
        .expect("the simulated load");
    let mut updates = Vec::new();
    while let Ok(update) = receiver.try_recv() {
        updates.push(update);
    }
    (updates, outcome.snapshot)
}

#[test]
fn a_live_load_fills_the_panes_as_stages_finish() {
    let (updates, whole) = simulated_live_load();
    // Up to the group memberships: the directory is in, the assignments are still loading.
    let directory_done = updates
        .iter()
        .position(|u| matches!(u, LoadUpdate::Part(SnapshotPart::GroupMemberships(_))))
        .expect("a memberships part")
        + 1;
    let mut tui = Tui::new("live", WIDTH, HEIGHT);
    tui.loading = Some(Default::default());
    let mut partial = PartialLoad::default();
    for update in updates[..directory_done].iter().cloned() {
        if let Some(event) = partial.accept(update) {
            tui.update(event);
        }
    }
    tui.update(AppEvent::Progress(ProgressEvent {
        stage: Stage::AccountAssignments,
        done: 40,
        total: Some(120),
        finished: false,
        calls: 57,
        throttles: 2,
    }));
    let text = screen(&tui, WIDTH, HEIGHT);
    insta::assert_snapshot!(text);
    assert_eq!(tui.table().unwrap().len(), whole.users.len());
    assert!(
        text.contains("…"),
        "access is unknown until assignments load"
    );
    assert!(text.contains("account assignments"), "{text}");

    // The UI responds meanwhile: filter, switch panes, and the panes not loaded say so.
    key(&mut tui, KeyCode::Char('/'));
    type_text(&mut tui, "ana.chen");
    assert!(tui.view().visible.len() < whole.users.len());
    key(&mut tui, KeyCode::Esc);
    key(&mut tui, KeyCode::Char('5'));
    let text = screen(&tui, WIDTH, HEIGHT);
    assert!(text.contains("loading assignments…"), "{text}");
    key(&mut tui, KeyCode::Char('1'));

    // The rest arrives, then the whole snapshot: counts are known, the strip is gone.
    for update in updates[directory_done..].iter().cloned() {
        if let Some(event) = partial.accept(update) {
            tui.update(event);
        }
    }
    tui.update(AppEvent::Loaded(Ok(Box::new(whole.clone()))));
    assert!(tui.loading.is_none());
    let text = screen(&tui, WIDTH, HEIGHT);
    assert!(!text.contains('…'), "{text}");
    assert_eq!(tui.table().unwrap().len(), whole.users.len());
    key(&mut tui, KeyCode::Char('q'));
    assert!(tui.quit);
}

#[test]
fn partial_loads_do_not_replace_a_complete_snapshot_on_screen() {
    let (updates, _) = simulated_live_load();
    let mut tui = demo_app(WIDTH, HEIGHT);
    let before = screen(&tui, WIDTH, HEIGHT);
    let mut partial = PartialLoad::default();
    for update in updates {
        if let Some(event) = partial.accept(update) {
            tui.update(event);
        }
    }
    assert!(tui.dataset.as_ref().unwrap().is_complete());
    // Only the header changes: it says a reload is running.
    let after = screen(&tui, WIDTH, HEIGHT);
    assert!(after.lines().next().unwrap().contains('↻'));
    assert_eq!(
        after.lines().skip(1).collect::<Vec<_>>(),
        before.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn filtering_runs_off_the_input_path_and_only_the_newest_result_shows() {
    let mut tui = demo_app(WIDTH, HEIGHT);
    let all = tui.view().visible.len();
    // Keys without waiting for the worker: the table keeps the last result, marked.
    for code in [
        KeyCode::Char('/'),
        KeyCode::Char('a'),
        KeyCode::Char('n'),
        KeyCode::Char('a'),
    ] {
        tui.app
            .update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    assert!(tui.view().pending.is_some());
    assert_eq!(tui.view().visible.len(), all);
    assert!(screen(&tui, WIDTH, HEIGHT).contains("filtering…"));
    tui.settle();
    assert!(tui.view().pending.is_none());

    // The same query typed key by key, each result awaited, gives the same rows.
    let mut stepwise = demo_app(WIDTH, HEIGHT);
    key(&mut stepwise, KeyCode::Char('/'));
    type_text(&mut stepwise, "ana");
    assert_eq!(tui.view().visible, stepwise.view().visible);
    assert!(tui.view().visible.len() < all);
    assert!(!screen(&tui, WIDTH, HEIGHT).contains("filtering…"));
}

#[test]
fn the_first_frame_shows_the_users_before_the_access_index_is_built() {
    let mut tui = Tui::new("demo organization", 80, 24);
    tui.set_snapshot(load_demo().current);
    // Nothing from the build thread applied yet: names at once, counts to follow.
    let first = screen(&tui, 80, 24);
    insta::assert_snapshot!(first);
    assert!(tui.is_working());
    tui.settle();
    let complete = screen(&tui, 80, 24);
    assert!(first.contains('…') && !complete.contains('…'), "{complete}");
}

#[test]
fn a_live_load_that_fails_after_its_first_parts_says_so_under_them() {
    let (updates, _) = simulated_live_load();
    let users_done = updates
        .iter()
        .position(|u| matches!(u, LoadUpdate::Part(SnapshotPart::Users(_))))
        .expect("a users part")
        + 1;
    let mut tui = Tui::new("live", WIDTH, HEIGHT);
    tui.loading = Some(Default::default());
    let mut partial = PartialLoad::default();
    for update in updates[..users_done].iter().cloned() {
        if let Some(event) = partial.accept(update) {
            tui.update(event);
        }
    }
    tui.update(AppEvent::Loaded(Err("throttled for too long".to_owned())));
    let text = screen(&tui, WIDTH, HEIGHT);
    assert!(
        text.contains("loading failed, these panes are incomplete: throttled for too long"),
        "{text}"
    );
    assert!(text.contains("Users (581)"), "{text}");
    // r starts again: the error gives way to the gauges.
    let effects = key(&mut tui, KeyCode::Char('r'));
    assert_eq!(effects, vec![Effect::Reload]);
    assert!(!screen(&tui, WIDTH, HEIGHT).contains("loading failed"));
}
