//! Where the app meets the apply screen: the write mode, opening the screen from the changeset,
//! its keys, and the runner's reports. Kept here so that `app.rs` only grows a few calls.

use super::state::{ApplyScreen, Stage};
use super::{view, ApplyCommand, ApplyTarget, Prepared};
use crate::apply::{ApplyEvent, ApplyReport};
use crate::backend::WriteStats;
use crate::tui::app::{App, Effect, Mode};
use crate::tui::keymap::{self, Action, ApplyAction, Scope};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    /// The apply screen, when it is the one shown.
    pub fn apply_screen(&self) -> Option<&ApplyScreen> {
        self.apply.screen.as_deref().filter(|_| self.apply.shown)
    }

    /// Keys for the writes question and the apply screen; `None`: not ours.
    pub(crate) fn apply_key(&mut self, key: &KeyEvent) -> Option<Vec<Effect>> {
        let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers == KeyModifiers::CONTROL;
        if self.apply.confirming_writes {
            match key.code {
                _ if ctrl_c => return Some(self.request_quit()),
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.apply.confirming_writes = false;
                    self.apply.writes_enabled = true;
                    self.message = Some(
                        "writes enabled for this session: A on the migration screen applies the changeset (after a summary and the typed instance id)"
                            .to_owned(),
                    );
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.apply.confirming_writes = false;
                    self.message = Some("still read-only: nothing can be written".to_owned());
                }
                _ => {}
            }
            return Some(Vec::new());
        }
        if self.mode != Mode::Browse || !self.apply.shown || self.apply.screen.is_none() {
            return None;
        }
        if ctrl_c {
            return Some(self.request_quit());
        }
        self.fit_apply();
        let now = self.now;
        let screen = self.apply.screen.as_deref_mut()?;
        if screen.stage == Stage::Confirm {
            match key.code {
                KeyCode::Esc => {
                    self.apply.screen = None;
                    self.apply.shown = false;
                    self.message = Some("apply cancelled: nothing was written".to_owned());
                }
                KeyCode::Enter => {
                    if screen.typed.trim() == screen.instance_id {
                        self.message = Some(format!("applying to {}", screen.instance_id));
                        return Some(screen.start(now));
                    }
                    self.message = Some(format!(
                        "not confirmed: \"{}\" is not the instance id {}; nothing was written",
                        screen.typed.trim(),
                        screen.instance_id
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
        let rows = screen.table_rows.max(1) as isize;
        let action = keymap::action_for(key, Scope::Apply).or_else(|| {
            // Not the command line: its pane commands would leave this screen half-shown.
            keymap::action_for(key, Scope::Browse).filter(|a| matches!(a, Action::Quit))
        });
        let effects = match action {
            Some(Action::Apply(ApplyAction::TogglePause)) if screen.running() => {
                screen.paused = !screen.paused;
                self.message = Some(if screen.paused {
                    "paused: outstanding writes finish, no new ones start (space resumes)"
                        .to_owned()
                } else {
                    "resumed".to_owned()
                });
                vec![Effect::Apply(ApplyCommand::Pause(screen.paused))]
            }
            Some(Action::Apply(ApplyAction::Stop)) if screen.running() && !screen.stopping => {
                screen.stopping = true;
                self.message = Some(format!(
                    "stopping: no new writes; waiting for {} outstanding to finish",
                    screen.tally.in_flight
                ));
                vec![Effect::Apply(ApplyCommand::Stop)]
            }
            Some(Action::Apply(ApplyAction::Follow)) => {
                screen.follow = true;
                Vec::new()
            }
            Some(Action::Apply(_)) => {
                self.message = Some("nothing is running".to_owned());
                Vec::new()
            }
            Some(Action::OpenApply) => {
                if matches!(screen.stage, Stage::Finished | Stage::Refused { .. }) {
                    self.apply.screen = None;
                    return Some(self.open_apply());
                }
                Vec::new()
            }
            Some(Action::Up) => move_by(screen, -1),
            Some(Action::Down) => move_by(screen, 1),
            Some(Action::PageUp) => move_by(screen, -rows),
            Some(Action::PageDown) => move_by(screen, rows),
            Some(Action::Top) => move_by(screen, isize::MIN / 2),
            Some(Action::Bottom) => move_by(screen, isize::MAX / 2),
            Some(Action::Back) => {
                if screen.stage == Stage::Preparing {
                    self.apply.screen = None;
                    self.message = Some("apply cancelled: nothing was written".to_owned());
                } else if screen.running() {
                    self.message = Some(
                        "the apply keeps running (progress in the header): A returns to it"
                            .to_owned(),
                    );
                }
                self.apply.shown = false;
                Vec::new()
            }
            Some(Action::Quit) => self.request_quit(),
            Some(Action::ToggleHelp) => self.on_action(Action::ToggleHelp),
            _ => Vec::new(),
        };
        Some(effects)
    }

    /// `W` or `:write`: asks before enabling writes for this session.
    pub(crate) fn ask_enable_writes(&mut self) {
        if self.apply.writes_enabled {
            self.message = Some("writes are already enabled for this session".to_owned());
        } else if let ApplyTarget::Unavailable(reason) = &self.apply.target {
            self.message = Some(format!("writes cannot be enabled here: {reason}"));
        } else {
            self.apply.confirming_writes = true;
        }
    }

    /// `A`: back to a running apply, or the apply screen for the changeset as it stands.
    pub(crate) fn open_apply(&mut self) -> Vec<Effect> {
        if let Some(screen) = &self.apply.screen {
            if !matches!(screen.stage, Stage::Finished | Stage::Refused { .. }) {
                self.apply.shown = true;
                return Vec::new();
            }
        }
        if !self.apply.writes_enabled {
            self.message = Some(
                "read-only: press W (or :write) to enable writes for this session, then A opens the apply screen"
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
        self.apply.shown = true;
        self.apply.quit_after = false;
        self.fit_apply();
        vec![Effect::Apply(ApplyCommand::Prepare {
            attempt,
            plan_path,
            plan: Box::new(plan),
        })]
    }

    /// Quitting while an apply runs stops it first: outstanding writes finish and are
    /// journaled, then the app quits. Asking again quits at once (the journal resumes).
    pub(crate) fn request_quit(&mut self) -> Vec<Effect> {
        if !self.apply.running() || self.apply.quit_after {
            self.quit = true;
            return Vec::new();
        }
        self.apply.quit_after = true;
        let screen = self.apply.screen.as_deref_mut().expect("running");
        screen.stopping = true;
        self.message = Some(format!(
            "quitting once the {} outstanding writes finish (no new ones start); q again quits now, the journal resumes",
            screen.tally.in_flight
        ));
        vec![Effect::Apply(ApplyCommand::Stop)]
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
        if self.apply.quit_after {
            self.quit = true;
        }
    }

    /// Tells the screen how many table rows fit at the current terminal size.
    fn fit_apply(&mut self) {
        let rows = view::table_rows(self.size);
        if let Some(screen) = self.apply.screen.as_deref_mut() {
            screen.table_rows = rows;
        }
    }
}

fn move_by(screen: &mut ApplyScreen, delta: isize) -> Vec<Effect> {
    screen.move_selection(delta);
    Vec::new()
}
