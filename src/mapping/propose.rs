//! The mapping `cutover suggest` writes: the unambiguous matches of a tier, found in rounds
//! (users first, which makes groups' member overlap visible, which in turn makes users'
//! co-membership visible). Pure.

use super::suggest::Suggester;
use super::tier::{self, Tier};
use super::{Decision, Mapping};
use crate::model::Snapshot;

/// Rounds of the strong tier (each one a full pass over the old principals).
const STRONG_ROUNDS: usize = 3;

/// A suggested mapping and how many decisions each tier gave.
pub struct Suggestion {
    pub mapping: Mapping,
    pub exact: usize,
    pub strong: usize,
}

/// The unambiguous matches of `tier` or stronger, as a mapping whose `method` names the tier.
pub fn propose(baseline: &Snapshot, current: &Snapshot, tier: Tier) -> Suggestion {
    let suggester = Suggester::new(baseline, current);
    let mut mapping = Mapping::new();
    let mut exact = 0;
    for m in suggester.unambiguous_exact() {
        mapping.decide(
            m.principal_type,
            m.old_id,
            Decision::Successor(m.new_id),
            Some(tier::method(Tier::Exact, &m.evidence)),
        );
        exact += 1;
    }
    let mut strong = 0;
    if tier >= Tier::Strong {
        for _ in 0..STRONG_ROUNDS {
            let proposals = suggester.unambiguous(Tier::Strong, &mapping);
            if proposals.is_empty() {
                break;
            }
            for p in proposals {
                debug_assert!(p.candidate.tier <= Tier::Strong);
                strong += usize::from(p.candidate.tier == Tier::Strong);
                exact += usize::from(p.candidate.tier == Tier::Exact);
                mapping.decide(
                    p.principal_type,
                    p.old_id,
                    Decision::Successor(p.candidate.principal_id.clone()),
                    Some(p.candidate.method()),
                );
            }
        }
    }
    Suggestion {
        mapping,
        exact,
        strong,
    }
}
