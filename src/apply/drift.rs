//! Is the plan stale? The places a plan touches are read again before it runs, and compared
//! with what the plan saw there, adjusted by what this plan's own journal says it already did
//! (a partly applied run is progress, not drift).
//!
//! Drift *changes the outcome* when applying the plan would now do something its reviewer did
//! not see: a pair the plan leaves populated would end up empty (its IAM role deleted), or
//! somebody undid this plan's work (removed an assignment it created, re-created one it
//! deleted). Other drift — somebody else's principal added to or removed from a touched pair —
//! is listed but does not block.

use super::executor::Observed;
use super::journal::{JournalState, OpState};
use crate::model::{Action, Place, Principal};
use crate::plan::file::PlanFile;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    pub place: Place,
    /// Assigned now, but neither the plan nor its journal expects it.
    pub appeared: Vec<Principal>,
    /// Expected by the plan and its journal, but not assigned now.
    pub disappeared: Vec<Principal>,
    /// Why this drift changes what applying the plan would do; `None`: it does not.
    pub changes_outcome: Option<String>,
}

impl Drift {
    /// One line per principal, for the terminal and the journal.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .appeared
            .iter()
            .map(|p| {
                format!(
                    "{}: {} {} was assigned since the plan was made",
                    self.place, p.principal_type, p.principal_id
                )
            })
            .chain(self.disappeared.iter().map(|p| {
                format!(
                    "{}: {} {} was unassigned since the plan was made",
                    self.place, p.principal_type, p.principal_id
                )
            }))
            .collect();
        if let Some(reason) = &self.changes_outcome {
            lines.push(format!("{}: {reason}", self.place));
        }
        lines
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

/// Every touched place that differs from the plan's expectation.
pub fn check(plan: &PlanFile, journal: &JournalState, observed: &Observed) -> Vec<Drift> {
    struct PlaceOps {
        done: Vec<(Action, Principal)>,
        pending: Vec<(Action, Principal)>,
        unknown: BTreeSet<Principal>,
    }
    let mut by_place: BTreeMap<Place, PlaceOps> = BTreeMap::new();
    for (index, op) in plan.body.operations.iter().enumerate() {
        let Ok(assignment) = op.assignment() else {
            continue;
        };
        let entry = by_place
            .entry(assignment.place())
            .or_insert_with(|| PlaceOps {
                done: Vec::new(),
                pending: Vec::new(),
                unknown: BTreeSet::new(),
            });
        let principal = assignment.principal();
        match journal.ops.get(index) {
            Some(OpState::Done) => entry.done.push((op.action, principal)),
            Some(OpState::Unknown { .. }) => {
                entry.unknown.insert(principal);
            }
            _ => entry.pending.push((op.action, principal)),
        }
    }
    let mut drift = Vec::new();
    for touched in &plan.body.fingerprint.touched {
        let Some(place) = touched.place() else {
            continue;
        };
        let Some(ops) = by_place.get(&place) else {
            continue;
        };
        let planned: BTreeSet<Principal> = touched.principals.iter().cloned().collect();
        let mut expected = planned.clone();
        for (action, principal) in &ops.done {
            match action {
                Action::Create => expected.insert(principal.clone()),
                Action::Delete => expected.remove(principal),
            };
        }
        let empty = BTreeSet::new();
        let now = observed.get(&place).unwrap_or(&empty);
        let appeared: Vec<Principal> = now
            .difference(&expected)
            .filter(|p| !ops.unknown.contains(p))
            .cloned()
            .collect();
        let disappeared: Vec<Principal> = expected
            .difference(now)
            .filter(|p| !ops.unknown.contains(p))
            .cloned()
            .collect();
        if appeared.is_empty() && disappeared.is_empty() {
            continue;
        }
        let undone_create = ops
            .done
            .iter()
            .find(|(a, p)| *a == Action::Create && disappeared.contains(p));
        let redone_delete = ops
            .done
            .iter()
            .find(|(a, p)| *a == Action::Delete && appeared.contains(p));
        let final_after = |start: &BTreeSet<Principal>, ops: &[(Action, Principal)]| {
            let mut set = start.clone();
            for (action, principal) in ops {
                match action {
                    Action::Create => set.insert(principal.clone()),
                    Action::Delete => set.remove(principal),
                };
            }
            set
        };
        let all_ops: Vec<(Action, Principal)> =
            ops.done.iter().chain(&ops.pending).cloned().collect();
        let planned_final = final_after(&planned, &all_ops);
        let now_final = final_after(now, &ops.pending);
        let is_pair = matches!(place, Place::Pair { .. });
        let changes_outcome = if let Some((_, p)) = undone_create {
            Some(format!(
                "{} {} was assigned here by this plan and has been removed since: somebody is undoing the cutover",
                p.principal_type, p.principal_id
            ))
        } else if let Some((_, p)) = redone_delete {
            Some(format!(
                "{} {} was unassigned here by this plan and has been assigned again since: somebody is undoing the cutover",
                p.principal_type, p.principal_id
            ))
        } else if is_pair && now_final.is_empty() && !planned_final.is_empty() {
            Some("applying the plan would now leave no assignment here, which deletes the permission set's IAM role in this account".to_owned())
        } else {
            None
        };
        drift.push(Drift {
            place,
            appeared,
            disappeared,
            changes_outcome,
        });
    }
    drift
}
