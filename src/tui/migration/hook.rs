//! Where the app meets the mapping screen (the `migration` module): opening it, handing it keys and mouse events, and
//! hearing that a write failed. Kept here so that `app.rs` only grows a few calls.

use super::state::{KeyOutcome, MapMode, Migration};
use super::view;
use crate::tui::app::{App, Screen};
use crate::tui::event::Effect;
use crate::tui::keymap::{self, Action, Scope};
use ratatui::crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

impl App {
    /// Adds pane 7; `show` opens it at once (`cutover map`).
    pub fn set_migration(&mut self, migration: Migration, show: bool) {
        self.migration = Some(Box::new(migration));
        if show {
            self.screen = Screen::Mapping;
        }
        self.fit_migration();
    }

    /// The mapping screen, when it is the one shown.
    pub fn migration_screen(&self) -> Option<&Migration> {
        self.migration
            .as_deref()
            .filter(|_| self.screen == Screen::Mapping)
    }

    pub(crate) fn open_migration(&mut self) {
        if self.migration.is_some() {
            self.screen = Screen::Mapping;
            self.fit_migration();
        } else {
            self.message = Some(
                "no mapping screen here: open one with cutover map --baseline FILE (or cutover demo)"
                    .to_owned(),
            );
        }
    }

    /// Tells the screen how many rows its lists show at the current terminal size.
    fn fit_migration(&mut self) {
        let areas = view::layout(self.size);
        if let Some(m) = self.migration.as_deref_mut() {
            m.list_rows = areas.list_rows();
            m.picker_rows = view::picker_rows(self.size);
        }
    }

    pub(crate) fn on_migration_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.fit_migration();
        let now = self.now;
        let Some(m) = self.migration.as_deref_mut() else {
            self.screen = Screen::Browse;
            return Vec::new();
        };
        match m.on_key(&key, now) {
            KeyOutcome::Handled(effects) => {
                self.message = m.message.take();
                if effects.is_empty() && self.message.is_none() && matches!(m.mode, MapMode::Normal)
                {
                    // A key of another screen: say where it works.
                    if keymap::action_for(&key, Scope::Migration).is_none() {
                        self.message = keymap::where_it_works(&key, Scope::Migration);
                    }
                }
                effects
            }
            KeyOutcome::Global(action) => self.on_action(action),
            KeyOutcome::Leave | KeyOutcome::Close => self.on_action(Action::GotoPane(self.pane)),
        }
    }

    pub(crate) fn on_migration_mouse(&mut self, mouse: MouseEvent) {
        self.fit_migration();
        let Some(m) = self.migration.as_deref_mut() else {
            return;
        };
        match mouse.kind {
            MouseEventKind::ScrollDown => m.move_selection(3),
            MouseEventKind::ScrollUp => m.move_selection(-3),
            MouseEventKind::Down(MouseButton::Left) => {
                let at = Position::new(mouse.column, mouse.row);
                let areas = self.areas();
                if let Some(pane) = areas.tab_at(at, self.migration.is_some()) {
                    self.on_action(Action::GotoPane(pane));
                }
            }
            _ => {}
        }
    }

    /// The runner could not write `path`: if it is the mapping file, it is not saved.
    pub fn write_failed(&mut self, path: &std::path::Path) {
        if let Some(m) = self.migration.as_deref_mut() {
            m.write_failed(path);
        }
    }
}
