//! The pure domain core: identifiers, records and the snapshot. No I/O, no AWS, no terminal.

pub mod definition;
pub mod ids;
pub mod records;
pub mod snapshot;

pub use definition::{DefinitionPart, FieldDifference, PermissionSetDefinition};
pub use ids::*;
pub use records::*;
pub use snapshot::*;
