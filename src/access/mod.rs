//! Who can reach what: an index over a [`Snapshot`](crate::model::Snapshot) that answers access
//! questions (a user's effective access, everyone who can reach an account, orphaned
//! assignments, principals without access) and the audit report built on it.
//!
//! Pure: no I/O, no AWS, no terminal, no clock. Everything borrows the snapshot, so answers
//! hand out references into it instead of copying a million strings.
//!
//! - [`index`]: [`AccessIndex`], the lookups and the access questions.
//! - [`report`]: the audit report (one row per user, account and permission set) and its filter.
//! - [`render`]: the report as CSV, JSON or Markdown.

mod adjacency;
mod filter;
pub mod index;
mod parallel;
pub mod render;
pub mod report;
mod suggest;

pub use filter::{AuditFilter, FilterKind, NoMatch};
pub use index::{AccessIndex, Grant, PrincipalsWithoutAccess, Reach, Via};
pub use report::{audit, AuditOptions, AuditReport, AuditRow, NoAccessRow, OrphanRow};

#[cfg(test)]
mod tests;
