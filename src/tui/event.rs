//! What flows through the TUI's one channel ([`AppEvent`]: input, load progress, background
//! results) and what `App::update` asks the runner to do ([`Effect`]). Kept apart from `app.rs`
//! so that the workers and runners that send events need not know the app.

use super::dataset::Indexed;
use super::filter::Outcome;
use super::panes::Table;
use crate::backend::{LoadUpdate, ProgressEvent};
use crate::model::{PartKind, Snapshot, SnapshotPart};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

pub enum AppEvent {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Progress(ProgressEvent),
    /// What a live load has delivered so far, and the lists still missing: shown while no
    /// complete snapshot is on screen (see [`PartialLoad`]).
    Partial(Box<Snapshot>, BTreeSet<PartKind>),
    Loaded(Result<Box<Snapshot>, String>),
    /// The build thread's access index for dataset `generation`.
    Indexed {
        generation: u64,
        indexed: Arc<Indexed>,
    },
    /// The build thread's table for one pane of dataset `generation`.
    TableBuilt {
        generation: u64,
        pane: usize,
        table: Arc<Table>,
    },
    /// The filter worker's result.
    Filtered(Filtered),
    /// A worker thread panicked (a bug): its result will never come.
    WorkerFailed(&'static str),
    /// The apply screen's prepare (plan written, journal and drift read) finished.
    ApplyPrepared {
        attempt: u64,
        result: Result<Box<super::apply_screen::Prepared>, String>,
    },
    /// What the running apply did.
    Apply(crate::apply::ApplyEvent),
    /// The writer's request counters during an apply.
    ApplyStats(crate::backend::WriteStats),
    /// The apply ended: the executor's report.
    ApplyFinished(Result<crate::apply::ApplyReport, String>),
    /// The cleanup screen's selection (the mapping's old principals in the current state).
    CleanupSelected {
        attempt: u64,
        result: Result<Box<super::cleanup_screen::Selected>, String>,
    },
    /// One delete of a cleanup ended (and is journaled); `index` into what it deletes.
    CleanupDeleted {
        attempt: u64,
        index: usize,
        result: crate::apply::cleanup::DeleteResult,
    },
    /// The cleanup ended: its totals, or why it stopped early.
    CleanupFinished {
        attempt: u64,
        result: Result<crate::apply::cleanup::DeleteReport, String>,
    },
}

/// A finished filter job.
pub struct Filtered {
    pub pane: usize,
    pub id: u64,
    pub query: String,
    pub outcome: Outcome,
}

/// Turns a live load's updates into app events: progress as it is, and each finished part
/// added to the snapshot so far, sent whole (the copy is made here, on the load's task, not in
/// `update`).
#[derive(Default)]
pub struct PartialLoad {
    snapshot: Option<Snapshot>,
    missing: BTreeSet<PartKind>,
}

impl PartialLoad {
    pub fn accept(&mut self, update: LoadUpdate) -> Option<AppEvent> {
        match update {
            LoadUpdate::Progress(event) => Some(AppEvent::Progress(event)),
            LoadUpdate::Part(SnapshotPart::Started {
                instance,
                captured_at,
            }) => {
                self.snapshot = Some(Snapshot::empty(instance, captured_at));
                self.missing = PartKind::ALL.into_iter().collect();
                None
            }
            LoadUpdate::Part(part) => {
                let snapshot = self.snapshot.as_mut()?;
                if let Some(kind) = part.kind() {
                    self.missing.remove(&kind);
                }
                snapshot.apply_part(part);
                Some(AppEvent::Partial(
                    Box::new(snapshot.clone()),
                    self.missing.clone(),
                ))
            }
        }
    }
}

/// Work the runner does for the app: I/O never happens inside `update`.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    Reload,
    WriteFile {
        path: PathBuf,
        contents: String,
    },
    /// The apply screen's work (prepare, start, pause, stop).
    Apply(super::apply_screen::ApplyCommand),
    /// The cleanup screen's work (select, delete).
    Cleanup(super::cleanup_screen::CleanupCommand),
}

/// What a screen's key handler asks of the app. Screens own their keys (each `state.rs`);
/// the app routes keys to the screen on show and carries out what comes back.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyOutcome {
    Handled(Vec<Effect>),
    /// A key of the whole app (quit, help, command line, another pane or screen).
    Global(super::keymap::Action),
    /// Back to the screen this one was opened from; a run in progress keeps running.
    Leave,
    /// Back to the screen this one was opened from, and this one is dropped (nothing ran).
    Close,
}
