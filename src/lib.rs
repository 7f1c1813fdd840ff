//! cutover: preview, apply and verify AWS IAM Identity Center identity-source cutovers.
//!
//! Layers (arrows point down only): `cli` → `backend` → `model`. `aws` is the only module that
//! imports the AWS SDK; `model` and `fixture` are pure.

pub mod access;
pub mod apply;
pub mod aws;
pub mod backend;
pub mod cli;
pub mod fixture;
pub mod fsio;
pub mod humanize;
pub mod inventory;
pub mod mapping;
pub mod model;
pub mod plan;
pub mod text;
pub mod tui;
