//! Where the app meets the cleanup screen: opening it from the mapping screen, carrying out
//! what its keys ask (the keys themselves are in `state.rs`), and the runner's
//! reports. Kept here so that `app.rs` only grows a few calls.

use super::state::{CleanupScreen, KeyContext, Stage};
use super::{view, CleanupCommand, Selected};
use crate::apply::cleanup::{DeleteReport, DeleteResult};
use crate::tui::app::{App, Screen};
use crate::tui::event::{Effect, KeyOutcome};
use ratatui::crossterm::event::KeyEvent;
use std::path::PathBuf;

impl App {
    /// The cleanup screen, when it is the one shown.
    pub fn cleanup_screen(&self) -> Option<&CleanupScreen> {
        self.cleanup
            .screen
            .as_deref()
            .filter(|_| self.screen == Screen::Cleanup)
    }

    /// `C` on the mapping screen: back to a running cleanup, or the mapping's old principals
    /// selected afresh against the session's current state.
    pub(crate) fn open_cleanup(&mut self) -> Vec<Effect> {
        if self.cleanup.running() {
            self.screen = Screen::Cleanup;
            return Vec::new();
        }
        let Some(migration) = self.migration.as_deref() else {
            self.message = Some(
                "cleanup starts from the mapping screen's mapping (cutover map, cutover demo); or run cutover cleanup"
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
        self.screen = Screen::Cleanup;
        self.fit_cleanup();
        vec![Effect::Cleanup(command)]
    }

    /// A key for the cleanup screen: its own handler decides, the app carries out the outcome.
    pub(crate) fn on_cleanup_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        self.fit_cleanup();
        let journal_dir = self.apply.state_dir.clone().or_else(|| {
            self.migration
                .as_deref()
                .and_then(|m| m.mapping_path.as_deref())
                .and_then(|p| p.parent())
                .map(PathBuf::from)
        });
        let context = KeyContext {
            writes_enabled: self.apply.writes_enabled,
            journal_dir: journal_dir.as_deref(),
            now: self.now,
        };
        let Some(screen) = self.cleanup.screen.as_deref_mut() else {
            self.leave_to_mapping();
            return Vec::new();
        };
        let outcome = screen.on_key(key, context);
        if let Some(message) = screen.message.take() {
            self.message = Some(message);
        }
        match outcome {
            KeyOutcome::Handled(effects) => effects,
            KeyOutcome::Global(action) => self.on_action(action),
            KeyOutcome::Leave => {
                self.leave_to_mapping();
                Vec::new()
            }
            KeyOutcome::Close => {
                self.cleanup.screen = None;
                self.leave_to_mapping();
                Vec::new()
            }
        }
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
        self.quit_if_runs_ended();
    }

    /// Tells the screen how many list rows fit at the current terminal size.
    fn fit_cleanup(&mut self) {
        let rows = view::list_rows(self.size);
        if let Some(screen) = self.cleanup.screen.as_deref_mut() {
            screen.list_rows = rows;
        }
    }
}
