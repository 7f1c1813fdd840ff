//! Applying a plan: the executor, its journal, and the check that the plan is not stale.

pub mod cleanup;
pub mod drift;
pub mod executor;
pub mod hints;
pub mod journal;
pub mod permission_sets;
pub mod verify;

pub use executor::{
    execute, observe, ApplyEvent, ApplyOptions, ApplyReport, Control, Observed, Phase,
    StartingPoint,
};
pub use hints::hint;
pub use journal::{JournalState, JournalWriter, OpState, OpStatus, Record};

#[cfg(test)]
mod tests;
