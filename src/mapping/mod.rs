//! The old-to-new identity mapping: for each old principal (by id), which new principal inherits
//! its access, or an explicit "no successor". Absent means *unmapped* (undecided).
//!
//! Pure: no AWS, no terminal. [`mod@file`] reads and writes the CSV form, [`suggest`] ranks
//! candidates for the admin to accept.

pub mod accounts;
pub mod file;
pub mod history;
pub mod log;
pub mod membership;
pub mod propose;
pub mod suggest;
pub mod tier;

use crate::model::{PrincipalId, PrincipalType};
use std::collections::BTreeMap;

/// What the admin decided for one old principal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// This principal (same type) inherits the old one's access.
    Successor(PrincipalId),
    /// The old principal's access is dropped on purpose (the person left, the group retired).
    NoSuccessor,
}

/// One decided old principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub principal_type: PrincipalType,
    pub decision: Decision,
    /// How the decision was reached (`external_id`, `user_name`, `manual`, ...): informative only.
    pub method: Option<String>,
    /// Free text from the admin: informative only.
    pub note: Option<String>,
}

/// Where an old principal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Mapped,
    NoSuccessor,
    Unmapped,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Mapped => "mapped",
            Status::NoSuccessor => "no successor",
            Status::Unmapped => "unmapped",
        }
    }
}

/// The mapping, keyed by old principal id. User and group ids are distinct in Identity Center
/// (both are store-unique), so the id alone is the key; the type is kept to catch mix-ups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    entries: BTreeMap<PrincipalId, Entry>,
}

impl Mapping {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a decision, replacing any earlier one for `old_id`.
    pub fn decide(
        &mut self,
        principal_type: PrincipalType,
        old_id: PrincipalId,
        decision: Decision,
        method: Option<String>,
    ) {
        self.entries.insert(
            old_id,
            Entry {
                principal_type,
                decision,
                method,
                note: None,
            },
        );
    }

    /// Inserts a fully described entry (as read from a file).
    pub fn insert(&mut self, old_id: PrincipalId, entry: Entry) {
        self.entries.insert(old_id, entry);
    }

    /// Forgets the decision: the principal becomes unmapped again.
    pub fn unmap(&mut self, old_id: &PrincipalId) -> Option<Entry> {
        self.entries.remove(old_id)
    }

    pub fn get(&self, old_id: &PrincipalId) -> Option<&Entry> {
        self.entries.get(old_id)
    }

    pub fn decision(&self, old_id: &PrincipalId) -> Option<&Decision> {
        self.entries.get(old_id).map(|e| &e.decision)
    }

    pub fn successor(&self, old_id: &PrincipalId) -> Option<&PrincipalId> {
        match self.decision(old_id) {
            Some(Decision::Successor(id)) => Some(id),
            _ => None,
        }
    }

    /// The successor of the old principal `old_id` (by plain string).
    pub fn successor_of(&self, old_id: &str) -> Option<&PrincipalId> {
        match self.entries.get(old_id).map(|e| &e.decision) {
            Some(Decision::Successor(id)) => Some(id),
            _ => None,
        }
    }

    /// Sets or clears the entry of `old_id` (what undo and redo do).
    pub fn set(&mut self, old_id: PrincipalId, entry: Option<Entry>) {
        match entry {
            Some(entry) => {
                self.entries.insert(old_id, entry);
            }
            None => {
                self.entries.remove(&old_id);
            }
        }
    }

    pub fn status(&self, old_id: &PrincipalId) -> Status {
        match self.decision(old_id) {
            Some(Decision::Successor(_)) => Status::Mapped,
            Some(Decision::NoSuccessor) => Status::NoSuccessor,
            None => Status::Unmapped,
        }
    }

    /// Entries in old-id order.
    pub fn iter(&self) -> impl Iterator<Item = (&PrincipalId, &Entry)> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_replace_and_unmap_restores_unmapped() {
        let mut mapping = Mapping::new();
        let old = PrincipalId::from("u-old");
        assert_eq!(mapping.status(&old), Status::Unmapped);
        mapping.decide(
            PrincipalType::User,
            old.clone(),
            Decision::Successor("u-new".into()),
            None,
        );
        assert_eq!(mapping.status(&old), Status::Mapped);
        assert_eq!(mapping.successor(&old), Some(&PrincipalId::from("u-new")));
        mapping.decide(
            PrincipalType::User,
            old.clone(),
            Decision::NoSuccessor,
            None,
        );
        assert_eq!(mapping.status(&old), Status::NoSuccessor);
        assert_eq!(mapping.successor(&old), None);
        assert!(mapping.unmap(&old).is_some());
        assert_eq!(mapping.status(&old), Status::Unmapped);
        assert!(mapping.is_empty());
    }
}
