//! The AWS implementation of the backend: the only module that talks to the AWS SDK.

pub mod call;
pub mod connect;
mod convert;
mod directory;
pub mod doctor;
pub mod inventory;
mod listing;
pub mod loader;
pub mod pacing;
mod permission_set_writer;
pub mod seed;
mod writer;

use crate::backend::{Backend, BackendError, LoadOutcome, LoadStats, ProgressSink};
use crate::model::InstanceInfo;
pub use connect::LiveOptions;
use connect::{Clients, Gates};
use loader::Loader;
use std::time::Instant;

/// A connection to one Identity Center instance.
pub struct AwsBackend {
    clients: Clients,
    gates: Gates,
    options: LiveOptions,
    instance: InstanceInfo,
}

impl AwsBackend {
    /// Resolves credentials, builds the clients and chooses the instance.
    pub async fn connect(options: LiveOptions) -> Result<AwsBackend, BackendError> {
        let clients = connect::clients(&options).await?;
        let gates = Gates::new(&options);
        let instance = connect::choose_instance(&clients, &gates, &options).await?;
        Ok(AwsBackend {
            clients,
            gates,
            options,
            instance,
        })
    }

    pub fn instance(&self) -> &InstanceInfo {
        &self.instance
    }
}

impl Backend for AwsBackend {
    async fn load(&self, progress: ProgressSink) -> Result<LoadOutcome, BackendError> {
        let started = Instant::now();
        let before: Vec<(u64, u64, u64)> = self
            .gates
            .all()
            .iter()
            .map(|g| (g.calls(), g.throttles(), g.transient_retries()))
            .collect();
        let loader = Loader::new(
            &self.clients,
            &self.gates,
            &self.options.retry,
            &self.instance,
            progress,
        );
        let loaded = loader.run().await?;
        let mut stats = LoadStats {
            wall: started.elapsed(),
            assignment_strategy: loaded.discovery.describe().to_owned(),
            ..LoadStats::default()
        };
        for (gate, (calls, throttles, transient)) in self.gates.all().iter().zip(before) {
            stats
                .calls
                .push((gate.label.to_owned(), gate.calls() - calls));
            stats.throttles += gate.throttles() - throttles;
            stats.transient_retries += gate.transient_retries() - transient;
        }
        Ok(LoadOutcome {
            snapshot: loaded.snapshot,
            stats,
        })
    }
}
