//! Shared by the TUI tests of the apply and cleanup screens: the demo organization in an app
//! with its migration open and its background work handed over, and the keys the tests press.

use cutover::fixture::demo::load_demo;
use cutover::mapping::Mapping;
use cutover::plan::PlanOptions;
use cutover::tui::app::{App, AppEvent, Effect, Overlay};
use cutover::tui::apply_screen::ApplyTarget;
use cutover::tui::migration::{Migration, MigrationInputs};
use cutover::tui::view;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::Terminal;
use std::path::Path;

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 30;

pub fn demo_app(state_dir: &Path) -> App {
    let org = load_demo();
    let (events, mut inbox) = tokio::sync::mpsc::unbounded_channel();
    let mut app = App::new("demo organization", Rect::new(0, 0, WIDTH, HEIGHT), events);
    app.no_color = true;
    app.now = "2026-11-26T16:02:00Z".parse().unwrap();
    app.set_snapshot(org.current.clone());
    // Hand the browse panes' background build to the app, so screens do not depend on timing.
    while app.is_working() {
        // The build runs on plain threads, so this may block even inside the async test.
        let event = futures::executor::block_on(inbox.recv()).expect("the workers report back");
        app.update(event);
    }
    app.set_migration(
        Migration::new(MigrationInputs {
            baseline: org.baseline,
            current: org.current,
            mapping: Mapping::new(),
            mapping_path: None,
            mapping_file_exists: false,
            options: PlanOptions::default(),
            baseline_source: "demo".to_owned(),
            current_source: "demo".to_owned(),
        }),
        true,
    );
    app.apply.target = ApplyTarget::Demo;
    app.apply.state_dir = Some(state_dir.to_owned());
    app
}

pub fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal.backend().to_string()
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| key(app, KeyCode::Char(c)))
        .collect()
}

pub fn enable_writes(app: &mut App) {
    key(app, KeyCode::Char('W'));
    assert_eq!(app.overlays, vec![Overlay::EnableWrites]);
    key(app, KeyCode::Char('y'));
    assert!(app.apply.writes_enabled);
}

/// Accepts the demo's unambiguous exact matches (`B`, then `y`), so the plan has creates.
pub fn accept_exact(app: &mut App) {
    key(app, KeyCode::Char('B'));
    key(app, KeyCode::Char('y'));
    assert!(!app.migration.as_deref().unwrap().mapping().is_empty());
}
