//! The apply screen: from the mapping screen's changeset, `A` writes the plan, reads its
//! journal and the live state of the places it touches (drift), shows the summary, asks for
//! the instance id to be typed, then runs the executor in a task and shows its progress.
//!
//! - [`state`]: [`ApplyScreen`] and how keys and the runner's reports change it (pure).
//! - [`hook`]: the `App` methods: write mode, opening the screen, carrying out what its keys
//!   ask, events.
//! - [`view`]: draws it from `&App` only.
//! - [`runner`]: the async side the TUI's runner calls: [`runner::prepare`] and
//!   [`runner::start_apply`] (tests call them too), and [`runner::Session`], which keeps the
//!   writer (the demo's simulation lives for the whole session, so a rerun resumes).
//!
//! Read-only is the default: nothing is written until the user enables writes for the session
//! (`W` or `:enable-writes`, confirmed), and then only after the typed confirmation.

pub mod hook;
pub mod runner;
pub mod state;
pub mod view;

pub use state::{ApplyScreen, OpRow, PreparedInfo, Stage, Tally};

use crate::apply::JournalState;
use crate::plan::file::PlanFile;
use std::path::PathBuf;

/// Work for the runner (carried by [`Effect::Apply`](crate::tui::event::Effect)).
#[derive(Debug, PartialEq, Eq)]
pub enum ApplyCommand {
    /// Write the plan (or keep an identical one already there, so its journal resumes), read
    /// the journal, read the touched places, check drift; report with `AppEvent::ApplyPrepared`.
    Prepare {
        attempt: u64,
        plan_path: PathBuf,
        plan: Box<PlanFile>,
    },
    /// Run what the last prepare found (after the typed confirmation).
    Start,
    Pause(bool),
    Stop,
}

/// What a prepare found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    pub plan: PlanFile,
    pub plan_path: PathBuf,
    pub journal_path: PathBuf,
    /// An identical plan was already there (its journal resumes).
    pub plan_reused: bool,
    pub prior: JournalState,
    /// Every drift line (informational and blocking).
    pub drift: Vec<String>,
    /// The lines of drift that changes the outcome: the plan is refused.
    pub blocking: Vec<String>,
    /// Anything else worth saying (a journal moved aside, the demo starting afresh).
    pub notes: Vec<String>,
}

/// What this session can apply to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyTarget {
    /// `cutover demo`: the in-memory simulation of the demo organization.
    Demo,
    /// A live instance (the runner has its connection options).
    Live,
    /// Nothing: why.
    Unavailable(String),
}

/// The app's apply state: the write mode, what it can apply to, and the screen.
pub struct ApplySession {
    /// Off until the user enables writes for this session.
    pub writes_enabled: bool,
    pub target: ApplyTarget,
    /// Where plans go when there is no mapping file (`$XDG_STATE_HOME/cutover`).
    pub state_dir: Option<PathBuf>,
    pub screen: Option<Box<ApplyScreen>>,
    attempts: u64,
}

impl Default for ApplySession {
    fn default() -> Self {
        ApplySession {
            writes_enabled: false,
            target: ApplyTarget::Unavailable(
                "this session shows a snapshot file: apply needs a live instance or cutover demo"
                    .to_owned(),
            ),
            state_dir: default_state_dir(),
            screen: None,
            attempts: 0,
        }
    }
}

impl ApplySession {
    pub fn running(&self) -> bool {
        self.screen.as_ref().is_some_and(|s| s.running())
    }

    fn next_attempt(&mut self) -> u64 {
        self.attempts += 1;
        self.attempts
    }
}

/// `$XDG_STATE_HOME/cutover`, else `~/.local/state/cutover` (where the log goes too).
pub fn default_state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .map(|state| state.join("cutover"))
}
