//! cutover: preview, apply and verify AWS IAM Identity Center identity-source cutovers.
//!
//! Layers, each using only those below it: `cli`; `tui`; `aws` and `apply`; `backend` and
//! `plan`; `mapping` and `access`; `model` (`fixture`, `fsio` and `humanize` are leaves).
//! `aws` is the only module that imports the AWS SDK; `model`, `access`, `mapping` and `plan`
//! are pure (no I/O, no terminal, no clock).
//! The README's Layout section says what each holds.

pub mod access;
pub mod apply;
pub mod aws;
pub mod backend;
pub mod cli;
pub mod directory;
pub mod doctor;
pub mod fixture;
pub mod fsio;
pub mod humanize;
pub mod inventory;
pub mod mapping;
pub mod model;
pub mod permissions;
pub mod plan;
pub mod text;
pub mod tui;
