//! The pure domain core: identifiers, records and the snapshot. No I/O, no AWS, no terminal.

pub mod ids;
pub mod records;
pub mod snapshot;

pub use ids::*;
pub use records::*;
pub use snapshot::*;
