//! The `cutover` binary run as an administrator would: exit codes, files, messages.

#[path = "../common/mod.rs"]
mod common;

mod apply;
mod audit;
mod export;
mod plan;
mod product_deps;
mod verify;
