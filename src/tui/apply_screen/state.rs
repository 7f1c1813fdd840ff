//! The apply screen's state and how events change it. Pure: keys and the runner's reports
//! change it and return [`Effect`]s; nothing here awaits or touches a file.

use super::{ApplyCommand, Prepared};
use crate::apply::{ApplyEvent, ApplyReport, OpState, OpStatus, Phase};
use crate::backend::WriteStats;
use crate::model::Action;
use crate::plan::file::PlanFile;
use crate::tui::event::{Effect, KeyOutcome};
use crate::tui::keymap::{self, Action as KeyAction, ApplyAction, Scope};
use crate::tui::widgets::scroll_list::ScrollList;
use crate::tui::widgets::typed_confirm::{self, Confirmation};
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Where the screen is in the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The plan is being written, its journal read and the places it touches read again.
    Preparing,
    /// The summary and the typed confirmation.
    Confirm,
    /// Nothing runs: the plan is stale, the source cannot be written, or there is nothing to do.
    Refused {
        headline: String,
        lines: Vec<String>,
    },
    Running,
    Finished,
}

/// One operation of the plan, as the table shows it.
#[derive(Clone, Debug)]
pub struct OpRow {
    pub action: Action,
    pub account: String,
    pub target: String,
    pub principal: String,
    pub state: OpState,
    /// How it last ended (`None` while it runs, or before it ran in this session).
    pub status: Option<OpStatus>,
    pub polls: u32,
}

impl OpRow {
    /// Started and waiting for AWS to say how it ended.
    pub fn in_flight(&self) -> bool {
        matches!(self.state, OpState::Unknown { .. }) && self.status.is_none()
    }

    /// Nothing more happens to it in this run.
    fn settled(&self) -> bool {
        !matches!(self.state, OpState::NotStarted) && !self.in_flight()
    }
}

/// Running totals, kept up to date with every event so that drawing only reads them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub creates_done: usize,
    pub deletes_done: usize,
    pub failed: usize,
    pub unknown: usize,
    pub in_flight: usize,
    pub held_back: usize,
}

impl Tally {
    pub fn done(&self) -> usize {
        self.creates_done + self.deletes_done
    }

    fn count(&mut self, row: &OpRow, sign: isize) {
        let add = |n: &mut usize| *n = n.saturating_add_signed(sign);
        match &row.state {
            OpState::Done => match row.action {
                Action::Create => add(&mut self.creates_done),
                Action::Delete => add(&mut self.deletes_done),
            },
            OpState::Failed { .. } => add(&mut self.failed),
            OpState::HeldBack => add(&mut self.held_back),
            OpState::Unknown { .. } if row.in_flight() => add(&mut self.in_flight),
            OpState::Unknown { .. } => add(&mut self.unknown),
            OpState::NotStarted => {}
        }
    }
}

pub struct ApplyScreen {
    /// Which prepare this screen waits for (a later `A` starts another).
    pub attempt: u64,
    pub plan_path: PathBuf,
    pub journal_path: PathBuf,
    pub plan: PlanFile,
    pub instance_arn: String,
    /// What the user types to confirm: the last part of the instance ARN.
    pub instance_id: String,
    pub creates: usize,
    pub deletes: usize,
    /// Deletes that empty their (account, permission set) pair, held back by the plan options.
    pub held_back_planned: usize,
    pub stage: Stage,
    pub typed: String,
    pub prepared: Option<PreparedInfo>,
    pub rows: Vec<OpRow>,
    pub tally: Tally,
    /// Failed operations (indices), for the failures box.
    pub failures: BTreeSet<usize>,
    pub phase: Option<Phase>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Operations done when this run started: the rate counts this run's only.
    pub done_at_start: usize,
    pub paused: bool,
    /// When the current pause began, and how long the run was paused before it: the rate and
    /// the ETA count only the time spent running.
    pub paused_since: Option<DateTime<Utc>>,
    pub paused_for: chrono::TimeDelta,
    pub stopping: bool,
    pub stats_at_start: Option<WriteStats>,
    pub stats: Option<WriteStats>,
    pub report: Option<ApplyReport>,
    pub selected: usize,
    pub offset: usize,
    /// The table follows the work (shows the first unsettled operations) until the user
    /// scrolls; `f` follows again.
    pub follow: bool,
    /// The first operation not settled yet (kept up to date with every event).
    pub frontier: usize,
    /// Rows of the operations table that fit (set from the terminal size before each key).
    pub table_rows: usize,
    /// What the last key did, for the footer (the app takes it).
    pub message: Option<String>,
}

/// What the runner found before the confirmation, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreparedInfo {
    pub plan_reused: bool,
    pub prior_runs: u32,
    pub drift: Vec<String>,
    pub notes: Vec<String>,
}

fn row_of(op: &crate::plan::file::PlannedOperation) -> OpRow {
    let account = op
        .account_name
        .clone()
        .or_else(|| op.account_id.as_ref().map(|a| a.as_str().to_owned()))
        .unwrap_or_else(|| "application".to_owned());
    let target = op
        .permission_set_name
        .clone()
        .or_else(|| op.application_name.clone())
        .or_else(|| {
            op.permission_set_arn
                .as_ref()
                .map(|a| a.as_str().to_owned())
        })
        .or_else(|| op.application_arn.as_ref().map(|a| a.as_str().to_owned()))
        .unwrap_or_default();
    let name = if op.principal_name.is_empty() {
        op.principal_id.as_str()
    } else {
        &op.principal_name
    };
    OpRow {
        action: op.action,
        account,
        target,
        principal: format!("{} {name}", op.principal_type),
        state: OpState::NotStarted,
        status: None,
        polls: 0,
    }
}

impl ApplyScreen {
    pub fn new(attempt: u64, plan_path: PathBuf, plan: PlanFile) -> ApplyScreen {
        let journal_path = crate::apply::journal::default_path(&plan_path);
        let instance_arn = plan.body.target.instance_arn.clone();
        let instance_id = instance_arn
            .rsplit('/')
            .next()
            .unwrap_or(&instance_arn)
            .to_owned();
        let held_back_planned = if plan.body.options.allow_role_deletion {
            0
        } else {
            plan.body
                .operations
                .iter()
                .filter(|o| o.empties_pair)
                .count()
        };
        let mut screen = ApplyScreen {
            attempt,
            plan_path,
            journal_path,
            instance_arn,
            instance_id,
            creates: plan.body.summary.creates,
            deletes: plan.body.summary.deletes,
            held_back_planned,
            stage: Stage::Preparing,
            typed: String::new(),
            prepared: None,
            rows: Vec::new(),
            tally: Tally::default(),
            failures: BTreeSet::new(),
            phase: None,
            started_at: None,
            ended_at: None,
            done_at_start: 0,
            paused: false,
            paused_since: None,
            paused_for: chrono::TimeDelta::zero(),
            stopping: false,
            stats_at_start: None,
            stats: None,
            report: None,
            selected: 0,
            offset: 0,
            follow: true,
            frontier: 0,
            table_rows: 10,
            message: None,
            plan,
        };
        screen.rows = screen.plan.body.operations.iter().map(row_of).collect();
        screen
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    pub fn running(&self) -> bool {
        self.stage == Stage::Running
    }

    fn retally(&mut self) {
        let mut tally = Tally::default();
        self.failures.clear();
        for (i, row) in self.rows.iter().enumerate() {
            tally.count(row, 1);
            if matches!(row.state, OpState::Failed { .. }) {
                self.failures.insert(i);
            }
        }
        self.tally = tally;
        self.frontier = 0;
        self.advance_frontier();
    }

    fn advance_frontier(&mut self) {
        while self.rows.get(self.frontier).is_some_and(OpRow::settled) {
            self.frontier += 1;
        }
    }

    /// The first table row shown while following: a couple of settled ones above the work.
    pub fn follow_offset(&self) -> usize {
        if self.running() {
            self.frontier
                .saturating_sub(2)
                .min(self.rows.len().saturating_sub(self.table_rows.max(1)))
        } else {
            0
        }
    }

    /// The runner read the journal and the live state: show the summary, or say why not.
    pub fn on_prepared(&mut self, result: Result<Prepared, String>) {
        let prepared = match result {
            Ok(prepared) => prepared,
            Err(reason) => {
                self.stage = Stage::Refused {
                    headline: "cannot apply".to_owned(),
                    lines: vec![reason],
                };
                return;
            }
        };
        let Prepared {
            plan,
            plan_path,
            journal_path,
            plan_reused,
            prior,
            drift,
            blocking,
            notes,
        } = prepared;
        // The plan on disk may be an earlier, identical one (its journal resumes).
        *self = ApplyScreen {
            typed: std::mem::take(&mut self.typed),
            table_rows: self.table_rows,
            ..ApplyScreen::new(self.attempt, plan_path, plan)
        };
        self.journal_path = journal_path;
        for (row, state) in self.rows.iter_mut().zip(&prior.ops) {
            row.state = state.clone();
            // From an earlier run: not running now.
            if matches!(state, OpState::Unknown { .. }) {
                row.status = Some(OpStatus::Unknown);
            }
        }
        self.retally();
        self.prepared = Some(PreparedInfo {
            plan_reused,
            prior_runs: prior.runs,
            drift,
            notes,
        });
        let total = self.total();
        self.stage = if !blocking.is_empty() {
            Stage::Refused {
                headline: "the plan is stale: the instance changed since it was planned, and applying it now would do something nobody reviewed. Load the current state again and re-plan (cutover apply --force overrides, recording the drift)".to_owned(),
                lines: blocking,
            }
        } else if total == 0 {
            Stage::Refused {
                headline: "nothing to do: the plan has no operations (the target was already reached when it was made)".to_owned(),
                lines: Vec::new(),
            }
        } else if self.tally.done() == total {
            Stage::Refused {
                headline: format!(
                    "nothing to do: all {total} operations are done (journal {})",
                    self.journal_path.display()
                ),
                lines: Vec::new(),
            }
        } else {
            Stage::Confirm
        };
    }

    /// The typed confirmation was right: the run starts.
    pub fn start(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        self.stage = Stage::Running;
        self.started_at = Some(now);
        self.ended_at = None;
        self.done_at_start = self.tally.done();
        self.paused = false;
        self.paused_since = None;
        self.paused_for = chrono::TimeDelta::zero();
        self.stopping = false;
        self.typed.clear();
        vec![Effect::Apply(ApplyCommand::Start)]
    }

    pub fn on_event(&mut self, event: ApplyEvent) {
        match event {
            ApplyEvent::Phase(phase) => self.phase = Some(phase),
            ApplyEvent::Op { op, state, status } => {
                let index = op as usize - 1;
                let Some(row) = self.rows.get(index) else {
                    return;
                };
                let mut tally = self.tally;
                tally.count(row, -1);
                let row = &mut self.rows[index];
                row.state = state;
                row.status = status;
                if row.status.is_none() {
                    row.polls = 0;
                }
                tally.count(row, 1);
                self.tally = tally;
                if matches!(self.rows[index].state, OpState::Failed { .. }) {
                    self.failures.insert(index);
                } else {
                    self.failures.remove(&index);
                }
                if !self.rows[index].settled() {
                    self.frontier = self.frontier.min(index);
                }
                self.advance_frontier();
            }
            ApplyEvent::Polled { op, polls } => {
                if let Some(row) = self.rows.get_mut(op as usize - 1) {
                    row.polls = polls;
                }
            }
        }
    }

    pub fn on_stats(&mut self, stats: WriteStats) {
        if self.stats_at_start.is_none() {
            self.stats_at_start = Some(stats);
        }
        self.stats = Some(stats);
    }

    /// The executor's report: it is what the journal says, so the rows take it.
    pub fn on_finished(&mut self, result: Result<ApplyReport, String>, now: DateTime<Utc>) {
        self.ended_at = Some(now);
        self.set_paused(false, now);
        match result {
            Ok(report) => {
                for (row, state) in self.rows.iter_mut().zip(&report.states) {
                    if row.state != *state {
                        row.state = state.clone();
                        row.status = None;
                    }
                    if matches!(row.state, OpState::Unknown { .. }) {
                        row.status = Some(OpStatus::Unknown);
                    }
                }
                self.retally();
                self.report = Some(report);
                self.stage = Stage::Finished;
            }
            Err(error) => {
                self.stage = Stage::Refused {
                    headline: "the apply did not run to its end (the journal keeps what was done: run again to resume)".to_owned(),
                    lines: vec![error],
                };
            }
        }
    }

    /// Throttled (retried) requests in this run, when the writer counts them.
    pub fn throttles(&self) -> Option<u64> {
        Some(self.stats?.throttles - self.stats_at_start?.throttles)
    }

    pub fn calls(&self) -> Option<u64> {
        Some(self.stats?.calls - self.stats_at_start?.calls)
    }

    /// Pauses or resumes the run at `now`, keeping count of the time spent paused.
    pub fn set_paused(&mut self, paused: bool, now: DateTime<Utc>) {
        match (paused, self.paused_since) {
            (true, None) => self.paused_since = Some(now),
            (false, Some(since)) => {
                self.paused_for += (now - since).max(chrono::TimeDelta::zero());
                self.paused_since = None;
            }
            _ => {}
        }
        self.paused = paused;
    }

    /// Seconds this run has spent running (not paused) up to `now`.
    pub fn running_seconds(&self, now: DateTime<Utc>) -> Option<f64> {
        let started = self.started_at?;
        let until = self.ended_at.unwrap_or(now);
        let paused = self.paused_for
            + self
                .paused_since
                .map_or(chrono::TimeDelta::zero(), |s| until - s);
        Some(((until - started) - paused).num_milliseconds().max(0) as f64 / 1000.0)
    }

    /// Operations per second in this run so far, over the time spent running, once there is
    /// something to measure.
    pub fn rate(&self, now: DateTime<Utc>) -> Option<f64> {
        let seconds = self.running_seconds(now)?;
        let done = self.tally.done().saturating_sub(self.done_at_start);
        (seconds >= 0.5 && done > 0).then(|| done as f64 / seconds)
    }

    /// Seconds left at the current rate (failed, unknown and held-back operations are not
    /// waited for); none while paused.
    pub fn eta(&self, now: DateTime<Utc>) -> Option<f64> {
        if self.paused {
            return None;
        }
        let rate = self.rate(now)?;
        let t = &self.tally;
        let left = self
            .total()
            .saturating_sub(t.done() + t.failed + t.unknown + t.held_back);
        Some(left as f64 / rate)
    }

    /// A key on the apply screen (the app has already handled Ctrl-C and its popups).
    pub fn on_key(&mut self, key: &KeyEvent, now: DateTime<Utc>) -> KeyOutcome {
        if self.stage == Stage::Confirm {
            return self.on_confirm_key(key, now);
        }
        let rows = self.table_rows.max(1) as isize;
        let action = keymap::action_for(key, Scope::Apply).or_else(|| {
            // Not the command line: its pane commands would leave this screen half-shown.
            keymap::action_for(key, Scope::Browse).filter(|a| matches!(a, KeyAction::Quit))
        });
        let effects = match action {
            Some(KeyAction::Apply(ApplyAction::TogglePause)) if self.running() => {
                self.set_paused(!self.paused, now);
                self.message = Some(if self.paused {
                    "paused: outstanding writes finish, no new ones start (space resumes)"
                        .to_owned()
                } else {
                    "resumed".to_owned()
                });
                vec![Effect::Apply(ApplyCommand::Pause(self.paused))]
            }
            Some(KeyAction::Apply(ApplyAction::Stop)) if self.running() && !self.stopping => {
                self.stopping = true;
                self.message = Some(format!(
                    "stopping: no new writes; waiting for {} outstanding to finish",
                    self.tally.in_flight
                ));
                vec![Effect::Apply(ApplyCommand::Stop)]
            }
            Some(KeyAction::Apply(ApplyAction::Follow)) => {
                self.follow = true;
                Vec::new()
            }
            Some(KeyAction::Apply(_)) => {
                self.message = Some("nothing is running".to_owned());
                Vec::new()
            }
            Some(KeyAction::OpenApply) => {
                if matches!(self.stage, Stage::Finished | Stage::Refused { .. }) {
                    return KeyOutcome::Global(KeyAction::OpenApply);
                }
                Vec::new()
            }
            Some(KeyAction::Up) => self.moved(-1),
            Some(KeyAction::Down) => self.moved(1),
            Some(KeyAction::PageUp) => self.moved(-rows),
            Some(KeyAction::PageDown) => self.moved(rows),
            Some(KeyAction::Top) => self.moved(isize::MIN / 2),
            Some(KeyAction::Bottom) => self.moved(isize::MAX / 2),
            Some(KeyAction::Back) => {
                if self.stage == Stage::Preparing {
                    self.message = Some("apply cancelled: nothing was written".to_owned());
                    return KeyOutcome::Close;
                }
                if self.running() {
                    self.message = Some(
                        "the apply keeps running (progress in the header): A returns to it"
                            .to_owned(),
                    );
                }
                return KeyOutcome::Leave;
            }
            Some(action @ (KeyAction::Quit | KeyAction::ToggleHelp)) => {
                return KeyOutcome::Global(action)
            }
            _ => Vec::new(),
        };
        KeyOutcome::Handled(effects)
    }

    /// The typed confirmation: the instance id, then Enter.
    fn on_confirm_key(&mut self, key: &KeyEvent, now: DateTime<Utc>) -> KeyOutcome {
        match typed_confirm::on_key(&mut self.typed, key, &self.instance_id) {
            Confirmation::Typing => {}
            Confirmation::Cancelled => {
                self.message = Some("apply cancelled: nothing was written".to_owned());
                return KeyOutcome::Close;
            }
            Confirmation::Confirmed => {
                self.message = Some(format!("applying to {}", self.instance_id));
                return KeyOutcome::Handled(self.start(now));
            }
            Confirmation::Refused(typed) => {
                self.message = Some(format!(
                    "not confirmed: \"{typed}\" is not the instance id {}; nothing was written",
                    self.instance_id
                ));
            }
        }
        KeyOutcome::Handled(Vec::new())
    }

    fn moved(&mut self, delta: isize) -> Vec<Effect> {
        self.move_selection(delta);
        Vec::new()
    }

    pub fn move_selection(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        if self.follow {
            // Scrolling starts where the table was.
            self.follow = false;
            self.offset = self.follow_offset();
            self.selected = self.offset;
        }
        let mut list = ScrollList {
            selected: self.selected,
            offset: self.offset,
        };
        list.move_by(delta, self.rows.len(), self.table_rows);
        (self.selected, self.offset) = (list.selected, list.offset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn the_rate_and_eta_leave_out_the_time_spent_paused() {
        let org = crate::fixture::demo::load_demo();
        let options = crate::plan::PlanOptions::default();
        let changeset = crate::plan::plan(
            &org.baseline,
            &org.current,
            &crate::mapping::Mapping::new(),
            options,
        );
        let plan = PlanFile::new(
            &changeset,
            &org.baseline,
            &org.current,
            options,
            None,
            crate::fixture::captured_at(),
        );
        let mut screen = ApplyScreen::new(1, PathBuf::from("plan.json"), plan);
        let t0: DateTime<Utc> = "2026-11-26T16:00:00Z".parse().unwrap();
        screen.start(t0);
        screen.tally.creates_done = 10;
        let at = |s: i64| t0 + TimeDelta::seconds(s);
        assert_eq!(screen.rate(at(10)), Some(1.0));
        screen.set_paused(true, at(10));
        assert_eq!(screen.eta(at(20)), None, "no ETA while paused");
        assert_eq!(
            screen.rate(at(40)),
            Some(1.0),
            "the pause does not lower the rate"
        );
        screen.set_paused(false, at(40));
        screen.tally.creates_done = 20;
        assert_eq!(screen.running_seconds(at(50)), Some(20.0));
        assert_eq!(screen.rate(at(50)), Some(1.0));
        assert!(screen.eta(at(50)).is_some());
    }
}
