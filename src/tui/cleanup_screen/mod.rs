//! The cleanup screen: from the migration screen, `C` lists the mapping's old principals that
//! still exist, in two parts — without access (to delete) and still holding access (refused
//! unless `i` includes them) — computed with [`crate::apply::cleanup`] against the session's
//! current state. With writes enabled for the session, `d` and the typed identity store id
//! delete them in a task (four at a time, each journaled), the progress arriving as events.
//!
//! - [`state`]: [`CleanupScreen`] and how keys and the runner's reports change it (pure).
//! - [`hook`]: the `App` methods: opening the screen, carrying out what its keys ask, the
//!   runner's reports.
//! - [`view`]: draws it from `&App` only.
//! - [`runner`]: the async side: [`runner::select`], [`runner::start_deletes`] (tests call
//!   them too) and [`runner::CleanupRunner`], which uses the apply session's writer.

pub mod hook;
pub mod runner;
pub mod state;
pub mod view;

pub use state::{CleanupScreen, Stage};

use crate::apply::cleanup::{Candidate, Selection};
use crate::mapping::Mapping;
use crate::model::Snapshot;
use std::path::PathBuf;

/// Work for the runner (carried by [`Effect::Cleanup`](crate::tui::event::Effect)).
#[derive(Debug, PartialEq, Eq)]
pub enum CleanupCommand {
    /// Select the mapping's old principals in the session's current state (the demo: its
    /// simulation as it is now); report with `AppEvent::CleanupSelected`.
    Select {
        attempt: u64,
        current: Box<Snapshot>,
        mapping: Box<Mapping>,
    },
    /// Delete these (after the typed confirmation), journaling each to `journal_path`; each
    /// result arrives as `AppEvent::CleanupDeleted`, the totals as `AppEvent::CleanupFinished`.
    Delete {
        attempt: u64,
        store: String,
        journal_path: PathBuf,
        candidates: Vec<Candidate>,
    },
    /// No new deletes; the ones in flight finish and are journaled (quitting while it runs).
    Stop,
}

/// What a select found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    pub selection: Selection,
    /// The identity store the principals are in (what the user types to confirm).
    pub store: String,
    /// Which state the selection was computed against, for the screen.
    pub basis: String,
    /// Parts of the state that could not be read and decide who holds access: nothing may be
    /// deleted then.
    pub access_unknown: Vec<String>,
}

/// The app's cleanup state.
#[derive(Default)]
pub struct CleanupSession {
    pub screen: Option<Box<CleanupScreen>>,
    attempts: u64,
}

impl CleanupSession {
    pub fn running(&self) -> bool {
        self.screen.as_ref().is_some_and(|s| s.running())
    }

    fn next_attempt(&mut self) -> u64 {
        self.attempts += 1;
        self.attempts
    }
}
