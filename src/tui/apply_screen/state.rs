//! The apply screen's state and how events change it. Pure: keys and the runner's reports
//! change it and return [`Effect`]s; nothing here awaits or touches a file.

use super::{ApplyCommand, Prepared};
use crate::apply::{ApplyEvent, ApplyReport, OpState, OpStatus, Phase};
use crate::backend::WriteStats;
use crate::model::Action;
use crate::plan::file::PlanFile;
use crate::tui::app::Effect;
use chrono::{DateTime, Utc};
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
            stopping: false,
            stats_at_start: None,
            stats: None,
            report: None,
            selected: 0,
            offset: 0,
            follow: true,
            frontier: 0,
            table_rows: 10,
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
        self.paused = false;
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

    /// Operations per second in this run so far, once there is something to measure.
    pub fn rate(&self, now: DateTime<Utc>) -> Option<f64> {
        let started = self.started_at?;
        let until = self.ended_at.unwrap_or(now);
        let seconds = (until - started).num_milliseconds() as f64 / 1000.0;
        let done = self.tally.done().saturating_sub(self.done_at_start);
        (seconds >= 0.5 && done > 0).then(|| done as f64 / seconds)
    }

    /// Seconds left at the current rate (failed, unknown and held-back operations are not
    /// waited for).
    pub fn eta(&self, now: DateTime<Utc>) -> Option<f64> {
        let rate = self.rate(now)?;
        let t = &self.tally;
        let left = self
            .total()
            .saturating_sub(t.done() + t.failed + t.unknown + t.held_back);
        Some(left as f64 / rate)
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
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, self.rows.len() as isize - 1) as usize;
        let height = self.table_rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
    }
}
