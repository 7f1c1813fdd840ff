//! Where the app meets the apply screen: the write mode, opening the screen from the changeset,
//! carrying out what its keys ask (the keys themselves are in `state.rs`), and the runner's
//! reports. Kept here so that `app.rs` only grows a few calls.

use super::state::{ApplyScreen, Stage};
use super::{view, ApplyCommand, ApplyTarget, Prepared};
use crate::apply::{ApplyEvent, ApplyReport};
use crate::backend::WriteStats;
use crate::tui::app::{App, Overlay, Screen};
use crate::tui::event::{Effect, KeyOutcome};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

impl App {
    /// The apply screen, when it is the one shown.
    pub fn apply_screen(&self) -> Option<&ApplyScreen> {
        self.apply
            .screen
            .as_deref()
            .filter(|_| self.screen == Screen::Apply)
    }

    /// A key for the apply screen: its own handler decides, the app carries out the outcome.
    pub(crate) fn on_apply_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        self.fit_apply();
        let now = self.now;
        let Some(screen) = self.apply.screen.as_deref_mut() else {
            self.leave_to_mapping();
            return Vec::new();
        };
        let outcome = screen.on_key(key, now);
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
                self.apply.screen = None;
                self.leave_to_mapping();
                Vec::new()
            }
        }
    }

    /// The enable-writes question: y enables, anything that says no closes it.
    pub(crate) fn on_enable_writes_key(&mut self, key: &KeyEvent) {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                self.close_overlay(Overlay::EnableWrites);
                self.apply.writes_enabled = true;
                self.message = Some(
                    "writes enabled for this session: A on the mapping screen applies the changeset (after a summary and the typed instance id)"
                        .to_owned(),
                );
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Char('q') | KeyCode::Esc => {
                self.close_overlay(Overlay::EnableWrites);
                self.message = Some("still read-only: nothing can be written".to_owned());
            }
            _ => {
                self.message = Some("enable writes for this session? y or n".to_owned());
            }
        }
    }

    /// `W` or `:enable-writes`: asks before enabling writes for this session.
    pub(crate) fn ask_enable_writes(&mut self) {
        if self.apply.writes_enabled {
            self.message = Some("writes are already enabled for this session".to_owned());
        } else if let ApplyTarget::Unavailable(reason) = &self.apply.target {
            self.message = Some(format!("writes cannot be enabled here: {reason}"));
        } else {
            self.open_overlay(Overlay::EnableWrites);
        }
    }

    /// `A`: back to a running apply, or the apply screen for the changeset as it stands.
    pub(crate) fn open_apply(&mut self) -> Vec<Effect> {
        if let Some(screen) = &self.apply.screen {
            if !matches!(screen.stage, Stage::Finished | Stage::Refused { .. }) {
                self.screen = Screen::Apply;
                return Vec::new();
            }
        }
        if !self.apply.writes_enabled {
            self.message = Some(
                "read-only: press W (or :enable-writes) to enable writes for this session, then A opens the apply screen"
                    .to_owned(),
            );
            return Vec::new();
        }
        let reason = match &self.apply.target {
            ApplyTarget::Unavailable(reason) => Some(reason.clone()),
            _ => None,
        };
        let Some(migration) = self.migration.as_deref().filter(|_| reason.is_none()) else {
            self.message = Some(reason.unwrap_or_else(|| {
                "apply starts from the migration screen's changeset (cutover map, cutover demo)"
                    .to_owned()
            }));
            return Vec::new();
        };
        let plan = migration.plan_file(self.now);
        let plan_path = match (&migration.mapping_path, &self.apply.state_dir) {
            (Some(_), _) => migration.plan_path(),
            (None, Some(dir)) => dir.join(match self.apply.target {
                ApplyTarget::Demo => "demo-plan.json".to_owned(),
                _ => format!(
                    "{}-plan.json",
                    plan.body
                        .target
                        .instance_arn
                        .rsplit('/')
                        .next()
                        .unwrap_or("live")
                ),
            }),
            (None, None) => {
                self.message = Some(
                    "no state directory (neither XDG_STATE_HOME nor HOME is set): open the mapping with --mapping FILE and the plan goes beside it"
                        .to_owned(),
                );
                return Vec::new();
            }
        };
        let attempt = self.apply.next_attempt();
        self.apply.screen = Some(Box::new(ApplyScreen::new(
            attempt,
            plan_path.clone(),
            plan.clone(),
        )));
        self.screen = Screen::Apply;
        self.fit_apply();
        vec![Effect::Apply(ApplyCommand::Prepare {
            attempt,
            plan_path,
            plan: Box::new(plan),
        })]
    }

    pub(crate) fn on_apply_prepared(
        &mut self,
        attempt: u64,
        result: Result<Box<Prepared>, String>,
    ) {
        if let Some(screen) = self.apply.screen.as_deref_mut() {
            if screen.attempt == attempt && screen.stage == Stage::Preparing {
                screen.on_prepared(result.map(|p| *p));
            }
        }
    }

    pub(crate) fn on_apply_event(&mut self, event: ApplyEvent) {
        if let Some(screen) = self.apply.screen.as_deref_mut() {
            screen.on_event(event);
        }
    }

    pub(crate) fn on_apply_stats(&mut self, stats: WriteStats) {
        if let Some(screen) = self.apply.screen.as_deref_mut() {
            screen.on_stats(stats);
        }
    }

    pub(crate) fn on_apply_finished(&mut self, result: Result<ApplyReport, String>) {
        let now = self.now;
        if let Some(screen) = self.apply.screen.as_deref_mut() {
            screen.on_finished(result, now);
            if let Some(report) = &screen.report {
                self.message = Some(if report.complete() {
                    format!(
                        "apply finished: all {} operations done",
                        report.states.len()
                    )
                } else {
                    format!(
                        "apply ended: {} of {} done; run again to resume",
                        report.done(),
                        report.states.len()
                    )
                });
            }
        }
        self.quit_if_runs_ended();
    }

    /// Tells the screen how many table rows fit at the current terminal size.
    fn fit_apply(&mut self) {
        let rows = view::table_rows(self.size);
        if let Some(screen) = self.apply.screen.as_deref_mut() {
            screen.table_rows = rows;
        }
    }
}
