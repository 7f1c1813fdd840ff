//! The in-memory backend: a snapshot held in memory. It serves `cutover demo` and dry runs, and
//! lets front ends and executors be tested without any network.

use super::{Backend, BackendError, LoadOutcome, LoadStats, ProgressEvent, ProgressSink, Stage};
use crate::model::Snapshot;

pub struct SimBackend {
    snapshot: Snapshot,
}

impl SimBackend {
    pub fn new(snapshot: Snapshot) -> Self {
        SimBackend { snapshot }
    }
}

impl Backend for SimBackend {
    async fn load(&self, progress: ProgressSink) -> Result<LoadOutcome, BackendError> {
        for stage in Stage::ALL {
            progress.send(ProgressEvent {
                stage,
                done: 1,
                total: Some(1),
                finished: true,
                calls: 0,
                throttles: 0,
            });
        }
        Ok(LoadOutcome {
            snapshot: self.snapshot.clone(),
            stats: LoadStats::default(),
        })
    }
}
