//! The TUI driven by key and mouse events on ratatui's TestBackend: whole-screen snapshots of
//! every pane, a drill-down, the filter, help and the loading state, plus behaviour checks.

use cutover::backend::{ProgressEvent, Stage};
use cutover::fixture::demo::load_demo;
use cutover::tui::app::{App, AppEvent, Effect, Mode};
use cutover::tui::view;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;
use ratatui::Terminal;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 30;

fn demo_app(width: u16, height: u16) -> App {
    let mut app = App::new("demo organization", Rect::new(0, 0, width, height));
    app.no_color = true;
    // Pinned so "captured … ago" does not change between runs.
    app.now = "2026-11-26T16:02:00Z".parse().unwrap();
    app.set_snapshot(load_demo().current);
    app
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal.backend().to_string()
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

#[test]
fn every_pane_at_80x24() {
    let mut app = demo_app(80, 24);
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
        key(&mut app, KeyCode::Char(char::from(b'1' + n as u8)));
        insta::assert_snapshot!(format!("pane_{name}_80x24"), screen(&app, 80, 24));
    }
}

#[test]
fn users_with_the_detail_preview_on_a_wide_terminal() {
    let app = demo_app(WIDTH, HEIGHT);
    insta::assert_snapshot!(screen(&app, WIDTH, HEIGHT));
}

#[test]
fn filtering_narrows_the_table_and_esc_clears_it() {
    let mut app = demo_app(WIDTH, HEIGHT);
    let all = app.view().visible.len();
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.mode, Mode::Filter);
    type_text(&mut app, "ana.chen");
    let filtered = app.view().visible.len();
    assert!(filtered > 0 && filtered < all, "{filtered} of {all}");
    insta::assert_snapshot!(screen(&app, WIDTH, HEIGHT));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Browse);
    assert_eq!(app.view().visible.len(), filtered, "Enter keeps the filter");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.view().visible.len(), all, "Esc clears it");
}

#[test]
fn column_terms_restrict_the_filter_to_a_column() {
    let mut app = demo_app(WIDTH, HEIGHT);
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "account:prod-payments ps:admin");
    let table = app.table().unwrap();
    assert!(!app.view().visible.is_empty());
    for &row in &app.view().visible {
        assert!(
            table.rows[row][0].contains("prod-payments"),
            "{:?}",
            table.rows[row]
        );
        assert!(
            table.rows[row][1].to_lowercase().contains("admin"),
            "{:?}",
            table.rows[row]
        );
    }
}

#[test]
fn drill_down_follows_links_and_esc_walks_back() {
    let mut app = demo_app(WIDTH, HEIGHT);
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.stack.len(), 1);
    insta::assert_snapshot!(screen(&app, WIDTH, HEIGHT));
    // The first link of a group is a member: Enter opens the user.
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.stack.len(), 2);
    let crumb = screen(&app, WIDTH, HEIGHT);
    assert!(crumb.contains("Groups › "), "{crumb}");
    assert!(crumb.contains("EFFECTIVE ACCESS"), "{crumb}");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert!(app.stack.is_empty());
}

#[test]
fn orphaned_assignments_are_marked() {
    let mut app = demo_app(WIDTH, HEIGHT);
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "orphan");
    assert!(
        !app.view().visible.is_empty(),
        "the demo has orphaned assignments"
    );
    let text = screen(&app, WIDTH, HEIGHT);
    assert!(text.contains("⚠ orphan"), "{text}");
}

#[test]
fn help_lists_every_binding() {
    let mut app = demo_app(WIDTH, HEIGHT);
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode, Mode::Help);
    let text = screen(&app, WIDTH, HEIGHT);
    for binding in cutover::tui::keymap::BINDINGS {
        assert!(text.contains(binding.help), "missing {}", binding.help);
    }
    insta::assert_snapshot!(text);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Browse);
}

#[test]
fn loading_shows_a_gauge_per_stage_and_quits_while_loading() {
    let mut app = App::new("live", Rect::new(0, 0, WIDTH, HEIGHT));
    app.no_color = true;
    for (stage, done, total, finished) in [
        (Stage::Users, 1200, None, false),
        (Stage::Groups, 300, Some(300), true),
        (Stage::GroupMemberships, 120, Some(300), false),
    ] {
        app.update(AppEvent::Progress(ProgressEvent {
            stage,
            done,
            total,
            finished,
            calls: 140,
            throttles: 3,
        }));
    }
    insta::assert_snapshot!(screen(&app, WIDTH, HEIGHT));
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit, "q works while loading");
}

#[test]
fn sorting_orders_numerically_and_reverses() {
    let mut app = demo_app(WIDTH, HEIGHT);
    // USER NAME, DISPLAY NAME, STATUS, GROUPS, ACCESS: five presses reach ACCESS.
    for _ in 0..5 {
        key(&mut app, KeyCode::Char('s'));
    }
    let access = |app: &App| -> Vec<u64> {
        let table = app.table().unwrap();
        app.view()
            .visible
            .iter()
            .map(|&r| table.rows[r][4].parse().unwrap())
            .collect()
    };
    let ascending = access(&app);
    assert!(ascending.windows(2).all(|w| w[0] <= w[1]));
    key(&mut app, KeyCode::Char('S'));
    let descending = access(&app);
    assert!(descending.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn commands_switch_panes_and_unknown_ones_say_so() {
    let mut app = demo_app(WIDTH, HEIGHT);
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "accounts");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane_kind().title(), "Accounts");
    key(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "nope");
    key(&mut app, KeyCode::Enter);
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .contains("unknown command :nope"));
}

#[test]
fn export_writes_the_filtered_table_as_csv() {
    let mut app = demo_app(WIDTH, HEIGHT);
    key(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "ana.chen");
    key(&mut app, KeyCode::Enter);
    let visible = app.view().visible.len();
    let effects = key(&mut app, KeyCode::Char('e'));
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
    let mut app = demo_app(WIDTH, HEIGHT);
    let click = |app: &mut App, column: u16, row: u16| {
        app.update(AppEvent::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }));
    };
    // Row 3 is the column header, rows 4.. the body: the third body row.
    click(&mut app, 10, 6);
    assert_eq!(app.view().selected, 2);
    click(&mut app, 5, 3);
    assert!(app.view().sort.is_some(), "a header click sorts");
    // The tab bar is row 1; "2 Groups" starts after " 1 Users ".
    click(&mut app, 12, 1);
    assert_eq!(app.pane_kind().title(), "Groups");
    app.update(AppEvent::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 10,
        row: 10,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.view().selected, 3);
}

#[test]
fn resizing_keeps_the_selection_visible() {
    let mut app = demo_app(WIDTH, HEIGHT);
    for _ in 0..25 {
        key(&mut app, KeyCode::Down);
    }
    app.update(AppEvent::Resize(80, 12));
    let view = app.view();
    assert!(view.selected >= view.offset && view.selected < view.offset + app.page_size());
    let text = screen(&app, 80, 12);
    assert!(text.contains("cutover"), "{text}");
}

#[test]
fn no_color_draws_without_colours() {
    let app = demo_app(80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| view::render(&app, frame)).unwrap();
    let buffer = terminal.backend().buffer();
    assert!(buffer
        .content()
        .iter()
        .all(|cell| cell.fg == ratatui::style::Color::Reset
            && cell.bg == ratatui::style::Color::Reset));
}
