//! Applying a plan and what surrounds it: the executor, its journal, the check that the plan
//! is not stale (drift), what to say about a failed write (hints), checking that a plan is in
//! effect (verify), deleting the old principals afterwards (cleanup).

pub mod cleanup;
pub mod directory;
pub mod drift;
pub mod executor;
pub mod hints;
pub mod journal;
pub mod permission_sets;
pub mod prepare;
pub mod verify;

pub use executor::{
    execute, observe, ApplyEvent, ApplyOptions, ApplyReport, Control, Observed, Phase,
    StartingPoint,
};
pub use hints::{hint, Hint, Next};
pub use journal::{JournalState, JournalWriter, OpState, OpStatus, Record};

#[cfg(test)]
mod tests;
