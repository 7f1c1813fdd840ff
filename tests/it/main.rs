//! Integration tests against the AWS emulator (moto, started by scripts/with-moto), most of them
//! through the fault proxy, plus the SDK-replay tests for what moto lacks. One binary: each test
//! binary links the AWS SDKs, which is slow on two cores.

#[path = "../common/mod.rs"]
mod common;

mod apply;
mod cleanup;
mod directory;
mod doctor;
mod export;
mod instances;
mod sdk_replay;
mod writer;
