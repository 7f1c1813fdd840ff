//! The migration screen (pane 7): map every old principal of the baseline to its successor in
//! the current instance, with the changeset re-planned after every edit.
//!
//! - [`state`]: [`Migration`] owns the baseline and current snapshots together with the
//!   [`Planner`](crate::plan::Planner) and [`Suggester`](crate::mapping::suggest::Suggester)
//!   that borrow them (one self-referential cell, as in `dataset.rs`), the mapping, the list of
//!   old principals and what the view shows. Every edit goes through it and returns effects
//!   (the autosave of the mapping file, the plan file): no I/O happens here.
//! - [`view`]: draws the screen from `&App` only.
//! - [`hook`]: the few `App` methods the rest of the TUI calls to reach this screen.

pub mod hook;
pub mod state;
pub mod view;

pub use state::{
    Ask, Focus, ListFilter, ListSort, MapMode, Migration, MigrationInputs, Review, ReviewItem,
    RiskFilter, RiskLine,
};
