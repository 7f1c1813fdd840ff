//! What the panes show: a snapshot, shared with the threads that build its access index and
//! its tables and that filter them, and the access index once it is built. The index borrows
//! the snapshot, so both live in one self-referential cell.

use crate::access::AccessIndex;
use crate::model::{PartKind, Snapshot};
use std::collections::BTreeSet;
use std::sync::Arc;

self_cell::self_cell!(
    /// A snapshot and its access index.
    pub struct Indexed {
        owner: Arc<Snapshot>,
        #[covariant]
        dependent: AccessIndex,
    }
);

impl Indexed {
    /// Builds the index (about 0.4 s at Identity Center's quotas): run it off the UI thread.
    pub fn build(snapshot: Arc<Snapshot>) -> Indexed {
        Indexed::new(snapshot, |s| AccessIndex::new(s))
    }

    pub fn index(&self) -> &AccessIndex<'_> {
        self.borrow_dependent()
    }
}

pub struct Dataset {
    snapshot: Arc<Snapshot>,
    indexed: Option<Arc<Indexed>>,
    /// Lists a live load has not delivered yet; empty for a whole snapshot.
    pub missing: BTreeSet<PartKind>,
}

impl Dataset {
    pub fn new(snapshot: Snapshot, missing: BTreeSet<PartKind>) -> Dataset {
        Dataset {
            snapshot: Arc::new(snapshot),
            indexed: None,
            missing,
        }
    }

    /// A dataset with its index built at once (tests, benchmarks, headless use).
    pub fn indexed(snapshot: Snapshot) -> Dataset {
        let mut dataset = Dataset::new(snapshot, BTreeSet::new());
        dataset.indexed = Some(Arc::new(Indexed::build(dataset.snapshot.clone())));
        dataset
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn shared(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    /// The access index, once built.
    pub fn index(&self) -> Option<&AccessIndex<'_>> {
        self.indexed.as_deref().map(Indexed::index)
    }

    /// Installs an index built (by another thread) for this dataset's snapshot.
    pub fn set_index(&mut self, indexed: Arc<Indexed>) {
        if Arc::ptr_eq(indexed.borrow_owner(), &self.snapshot) {
            self.indexed = Some(indexed);
        }
    }

    /// Whether every list is loaded.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}
