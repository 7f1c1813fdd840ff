//! The identity store's own contents as something cutover changes: users, groups and
//! memberships created, updated and deleted one at a time or in bulk, a whole directory
//! restored from a baseline, and what a new identity source provisioned checked against what
//! was expected. Pure: no AWS, no tokio, no terminal (the engine is `crate::apply::directory`,
//! the commands `crate::cli::directory`).

pub mod changes_file;
pub mod check;
pub mod fields;
pub mod plan;
pub mod render;
pub mod restore;

pub use plan::{Change, DirectoryPlan, DirectoryState, Phase, Ref, Settled, Step};
