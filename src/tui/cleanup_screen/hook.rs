//! Where the app meets the cleanup screen: opening it from the mapping screen, its keys, and
//! the runner's reports. Kept here so that `app.rs` only grows a few calls.

use super::state::{CleanupScreen, Stage};
use super::{view, CleanupCommand, Selected};
use crate::apply::cleanup::{DeleteReport, DeleteResult};
use crate::tui::app::{App, Effect, Mode};
use crate::tui::keymap::{self, Action, CleanupAction, Scope};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

impl App {
    /// The cleanup screen, when it is the one shown.
    pub fn cleanup_screen(&self) -> Option<&CleanupScreen> {
        self.cleanup
            .screen
            .as_deref()
            .filter(|_| self.cleanup.shown)
    }

    /// `C` on the mapping screen: back to a running cleanup, or the mapping's old principals
    /// selected afresh against the session's current state.
    pub(crate) fn open_cleanup(&mut self) -> Vec<Effect> {
        if self.cleanup.running() {
            self.cleanup.shown = true;
            return Vec::new();
        }
        let Some(migration) = self.migration.as_deref() else {
            self.message = Some(
                "cleanup starts from the migration screen's mapping (cutover map, cutover demo); or run cutover cleanup"
                    .to_owned(),
            );
            return Vec::new();
        };
        if migration.mapping().is_empty() {
            self.message = Some(
                "the mapping has no old principals yet: decide some first (⏎, n, B), then C lists the leftovers"
                    .to_owned(),
            );
            return Vec::new();
        }
        let command = CleanupCommand::Select {
            attempt: self.cleanup.next_attempt(),
            current: Box::new(migration.current().clone()),
            mapping: Box::new(migration.mapping().clone()),
        };
        let CleanupCommand::Select { attempt, .. } = &command else {
            unreachable!()
        };
        self.cleanup.screen = Some(Box::new(CleanupScreen::new(*attempt)));
        self.cleanup.shown = true;
        self.fit_cleanup();
        vec![Effect::Cleanup(command)]
    }

    /// Keys for the cleanup screen; `None`: not ours.
    pub(crate) fn cleanup_key(&mut self, key: &KeyEvent) -> Option<Vec<Effect>> {
        if self.mode != Mode::Browse || !self.cleanup.shown || self.cleanup.screen.is_none() {
            return None;
        }
        if key.code == KeyCode::Char('c') && key.modifiers == KeyModifiers::CONTROL {
            return Some(self.request_quit());
        }
        self.fit_cleanup();
        let writes_enabled = self.apply.writes_enabled;
        let screen = self.cleanup.screen.as_deref_mut()?;
        if screen.stage == Stage::Confirm {
            match key.code {
                KeyCode::Esc => {
                    screen.typed.clear();
                    screen.stage = Stage::List;
                    self.message = Some("cleanup cancelled: nothing was deleted".to_owned());
                }
                KeyCode::Enter => {
                    let store = screen.store().to_owned();
                    if screen.typed.trim() == store {
                        let journal_path = self.cleanup_journal_path(&store);
                        let screen = self.cleanup.screen.as_deref_mut()?;
                        let candidates = screen.start(journal_path.clone());
                        self.message = Some(format!(
                            "deleting {} from {store}; journal {}",
                            candidates.len(),
                            journal_path.display()
                        ));
                        return Some(vec![Effect::Cleanup(CleanupCommand::Delete {
                            attempt: screen.attempt,
                            store,
                            journal_path,
                            candidates,
                        })]);
                    }
                    self.message = Some(format!(
                        "not confirmed: \"{}\" is not the identity store id {store}; nothing was deleted",
                        screen.typed.trim()
                    ));
                    screen.typed.clear();
                }
                KeyCode::Backspace => {
                    screen.typed.pop();
                }
                KeyCode::Char(c) => screen.typed.push(c),
                _ => {}
            }
            return Some(Vec::new());
        }
        let rows = screen.list_rows.max(1) as isize;
        let action = keymap::action_for(key, Scope::Cleanup).or_else(|| {
            keymap::action_for(key, Scope::Browse)
                .filter(|a| matches!(a, Action::Quit | Action::ToggleHelp))
        });
        let effects = match action {
            Some(Action::Cleanup(CleanupAction::ToggleInclude)) => {
                if screen.stage == Stage::List {
                    screen.toggle_include();
                    self.message = Some(if screen.include_with_access {
                        format!(
                            "included: the {} still holding access are deleted too; their assignments stay behind as orphans",
                            screen.with_access()
                        )
                    } else {
                        "only the old principals without access are deleted".to_owned()
                    });
                }
                Vec::new()
            }
            Some(Action::Cleanup(CleanupAction::Delete)) => {
                if screen.stage != Stage::List {
                    return Some(Vec::new());
                }
                let unknown = screen
                    .selected
                    .as_ref()
                    .map_or(0, |s| s.access_unknown.len());
                self.message = Some(if !writes_enabled {
                    "read-only: press W (or :write) to enable writes for this session, then d deletes (after the typed identity store id)".to_owned()
                } else if unknown > 0 {
                    "refused: parts of the state that decide who holds access could not be read (listed above); nothing is deleted".to_owned()
                } else if screen.candidates().is_empty() {
                    "nothing to delete".to_owned()
                } else {
                    screen.stage = Stage::Confirm;
                    screen.typed.clear();
                    return Some(Vec::new());
                });
                Vec::new()
            }
            Some(Action::EnableWrites) => {
                self.ask_enable_writes();
                Vec::new()
            }
            Some(Action::Up) => scroll(screen, -1),
            Some(Action::Down) => scroll(screen, 1),
            Some(Action::PageUp) => scroll(screen, -rows),
            Some(Action::PageDown) => scroll(screen, rows),
            Some(Action::Top) => scroll(screen, isize::MIN / 2),
            Some(Action::Bottom) => scroll(screen, isize::MAX / 2),
            Some(Action::Back) => {
                if screen.running() {
                    self.message = Some(
                        "the deletes keep running (progress in the header): C on the mapping screen returns"
                            .to_owned(),
                    );
                } else {
                    self.cleanup.screen = None;
                }
                self.cleanup.shown = false;
                Vec::new()
            }
            Some(Action::Quit) => self.request_quit(),
            Some(Action::ToggleHelp) => self.on_action(Action::ToggleHelp),
            _ => Vec::new(),
        };
        Some(effects)
    }

    /// `$XDG_STATE_HOME/cutover/cleanup-<store>-<time>.journal.jsonl` (beside the mapping file
    /// without a state directory).
    fn cleanup_journal_path(&self, store: &str) -> PathBuf {
        let name = format!(
            "cleanup-{store}-{}.journal.jsonl",
            self.now.format("%Y%m%dT%H%M%SZ")
        );
        let dir = self.apply.state_dir.clone().or_else(|| {
            self.migration
                .as_deref()
                .and_then(|m| m.mapping_path.as_deref())
                .and_then(|p| p.parent())
                .map(PathBuf::from)
        });
        dir.map_or_else(|| PathBuf::from(&name), |d| d.join(&name))
    }

    pub(crate) fn on_cleanup_selected(
        &mut self,
        attempt: u64,
        result: Result<Box<Selected>, String>,
    ) {
        if let Some(screen) = self.cleanup.screen.as_deref_mut() {
            if screen.attempt == attempt && screen.stage == Stage::Selecting {
                screen.on_selected(result.map(|s| *s));
            }
        }
    }

    pub(crate) fn on_cleanup_deleted(&mut self, attempt: u64, index: usize, result: DeleteResult) {
        if let Some(screen) = self.cleanup.screen.as_deref_mut() {
            if screen.attempt == attempt {
                screen.on_deleted(index, result);
            }
        }
    }

    pub(crate) fn on_cleanup_finished(
        &mut self,
        attempt: u64,
        result: Result<DeleteReport, String>,
    ) {
        if let Some(screen) = self.cleanup.screen.as_deref_mut() {
            if screen.attempt == attempt {
                self.message = Some(match &result {
                    Ok(report) if report.complete() => format!(
                        "cleanup finished: {} deleted, {} already gone",
                        report.deleted, report.already_gone
                    ),
                    Ok(report) => format!(
                        "cleanup ended: {} failed, {} not attempted; C runs it again",
                        report.failed, report.not_attempted
                    ),
                    Err(reason) => format!("cleanup stopped: {reason}"),
                });
                screen.on_finished(result);
            }
        }
    }

    /// Tells the screen how many list rows fit at the current terminal size.
    fn fit_cleanup(&mut self) {
        let rows = view::list_rows(self.size);
        if let Some(screen) = self.cleanup.screen.as_deref_mut() {
            screen.list_rows = rows;
        }
    }
}

fn scroll(screen: &mut CleanupScreen, delta: isize) -> Vec<Effect> {
    screen.scroll(delta);
    Vec::new()
}
