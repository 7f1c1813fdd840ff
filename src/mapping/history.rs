//! Undo and redo of mapping decisions, as a pure history of steps.
//!
//! A step is what one key did: one decision, or every decision of a bulk accept. Each change
//! keeps the entry before and after, so undoing a step puts back exactly what was there
//! (a replaced successor comes back, not merely "unmapped"). The caller applies the returned
//! changes to the mapping and to whatever follows it (the planner).

use super::{Entry, Mapping};
use crate::model::{PrincipalId, PrincipalType};

/// One old principal's entry, before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub principal_type: PrincipalType,
    pub old_id: PrincipalId,
    pub before: Option<Entry>,
    pub after: Option<Entry>,
}

/// What one key did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// For the message after undo/redo ("undid: accept 124 exact matches").
    pub label: String,
    pub changes: Vec<Change>,
}

/// The entries to set, in order: `(type, old id, entry or None to unmap)`.
pub type Assignments = Vec<(PrincipalType, PrincipalId, Option<Entry>)>;

#[derive(Clone, Debug, Default)]
pub struct History {
    done: Vec<Step>,
    undone: Vec<Step>,
}

impl History {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a step that was just applied; a new step forgets what could be redone.
    /// Steps without changes are not recorded.
    pub fn record(&mut self, step: Step) {
        if step.changes.is_empty() {
            return;
        }
        self.done.push(step);
        self.undone.clear();
    }

    /// The last step taken back: its label and the entries that restore the state before it
    /// (in reverse order of the changes).
    pub fn undo(&mut self) -> Option<(String, Assignments)> {
        let step = self.done.pop()?;
        let assignments = step
            .changes
            .iter()
            .rev()
            .map(|c| (c.principal_type, c.old_id.clone(), c.before.clone()))
            .collect();
        let label = step.label.clone();
        self.undone.push(step);
        Some((label, assignments))
    }

    /// The last undone step made again.
    pub fn redo(&mut self) -> Option<(String, Assignments)> {
        let step = self.undone.pop()?;
        let assignments = step
            .changes
            .iter()
            .map(|c| (c.principal_type, c.old_id.clone(), c.after.clone()))
            .collect();
        let label = step.label.clone();
        self.done.push(step);
        Some((label, assignments))
    }

    pub fn can_undo(&self) -> usize {
        self.done.len()
    }

    pub fn can_redo(&self) -> usize {
        self.undone.len()
    }
}

/// Applies assignments to a mapping (without a planner: the CLI, tests).
pub fn apply(mapping: &mut Mapping, assignments: Assignments) {
    for (_, old_id, entry) in assignments {
        mapping.set(old_id, entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Decision;
    use proptest::prelude::*;

    fn entry(successor: Option<u8>) -> Entry {
        Entry {
            principal_type: PrincipalType::User,
            decision: match successor {
                Some(n) => Decision::Successor(PrincipalId(format!("new-{n}"))),
                None => Decision::NoSuccessor,
            },
            method: Some("manual".into()),
            note: None,
        }
    }

    /// A step as the TUI makes it: the changes it applies to `mapping`, before and after.
    fn step(mapping: &mut Mapping, edits: &[(u8, Option<Option<u8>>)]) -> Step {
        let mut changes = Vec::new();
        for (old, after) in edits {
            let old_id = PrincipalId(format!("old-{old}"));
            let before = mapping.get(&old_id).cloned();
            let after = after.map(entry);
            mapping.set(old_id.clone(), after.clone());
            changes.push(Change {
                principal_type: PrincipalType::User,
                old_id,
                before,
                after,
            });
        }
        Step {
            label: "edit".into(),
            changes,
        }
    }

    proptest! {
        /// Undoing every step, one at a time, walks back through every earlier mapping; redo
        /// walks forward again.
        #[test]
        fn undo_returns_every_earlier_mapping(
            steps in prop::collection::vec(
                prop::collection::vec((0u8..6, prop::option::of(prop::option::of(0u8..4))), 1..5),
                0..12,
            )
        ) {
            let mut mapping = Mapping::new();
            let mut history = History::new();
            let mut states = vec![mapping.clone()];
            for edits in &steps {
                let s = step(&mut mapping, edits);
                history.record(s);
                states.push(mapping.clone());
            }
            for expected in states.iter().rev().skip(1) {
                let (_, assignments) = history.undo().expect("a step to undo");
                apply(&mut mapping, assignments);
                prop_assert_eq!(&mapping, expected);
            }
            prop_assert!(history.undo().is_none());
            for expected in states.iter().skip(1) {
                let (_, assignments) = history.redo().expect("a step to redo");
                apply(&mut mapping, assignments);
                prop_assert_eq!(&mapping, expected);
            }
        }
    }

    #[test]
    fn a_new_step_forgets_the_redo() {
        let mut mapping = Mapping::new();
        let mut history = History::new();
        history.record(step(&mut mapping, &[(1, Some(Some(1)))]));
        let (_, a) = history.undo().unwrap();
        apply(&mut mapping, a);
        history.record(step(&mut mapping, &[(2, Some(None))]));
        assert!(history.redo().is_none());
        assert_eq!(history.can_undo(), 1);
    }
}
