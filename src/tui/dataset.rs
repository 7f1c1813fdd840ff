//! What the panes show: a snapshot and its access index, built once per load. The index
//! borrows the snapshot, so both live in one self-referential cell.

use crate::access::AccessIndex;
use crate::model::Snapshot;

self_cell::self_cell!(
    struct Cell {
        owner: Snapshot,
        #[covariant]
        dependent: AccessIndex,
    }
);

pub struct Dataset {
    cell: Cell,
}

impl Dataset {
    pub fn new(snapshot: Snapshot) -> Dataset {
        Dataset {
            cell: Cell::new(snapshot, |s| AccessIndex::new(s)),
        }
    }

    pub fn snapshot(&self) -> &Snapshot {
        self.cell.borrow_owner()
    }

    pub fn index(&self) -> &AccessIndex<'_> {
        self.cell.borrow_dependent()
    }
}
