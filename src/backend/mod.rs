//! What cutover asks of Identity Center, independent of who answers: the AWS implementation
//! (`crate::aws`) or the in-memory simulation (`sim`).

pub mod directory;
mod error;
mod progress;
pub mod sim;
pub mod sim_directory;
pub mod sim_permission_sets;
pub mod sim_writer;
pub mod write;

pub use error::BackendError;
pub use progress::{LoadUpdate, ProgressEvent, ProgressSink, Stage};
pub use write::{
    PermissionSetWriter, Provisioning, Started, WriteError, WriteErrorKind, WriteStats,
    WriteStatus, Writer,
};

use crate::model::Snapshot;
use std::future::Future;
use std::time::Duration;

/// Counters of one load, for the closing summary and the benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// API requests sent, per API family label (`sso-admin`, `identitystore`, `organizations`),
    /// retries included.
    pub calls: Vec<(String, u64)>,
    pub throttles: u64,
    /// Retries after transient failures (5xx, dropped connections, time-outs).
    pub transient_retries: u64,
    pub wall: Duration,
    /// How assignments were enumerated, for the log and the benchmark report.
    pub assignment_strategy: String,
}

impl LoadStats {
    pub fn total_calls(&self) -> u64 {
        self.calls.iter().map(|(_, n)| n).sum()
    }
}

pub struct LoadOutcome {
    pub snapshot: Snapshot,
    pub stats: LoadStats,
}

pub trait Backend {
    /// Reads the whole instance. Never writes.
    fn load(
        &self,
        progress: ProgressSink,
    ) -> impl Future<Output = Result<LoadOutcome, BackendError>> + Send;
}
