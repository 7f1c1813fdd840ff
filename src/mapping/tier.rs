//! Evidence tiers: what an admin sees instead of a score.
//!
//! A score such as 0.35 reads like a probability and is not one. A tier names how a candidate
//! was found, in three words an admin can act on:
//!
//! - `exact`: the same directory entry or identifier — same external id, user name or email;
//! - `strong`: two independent pieces that agree — the email local part (or user name) across
//!   domains plus the display name or the co-membership of the successor groups; for groups,
//!   the same (normalised) name plus member overlap; the same long external id value from
//!   another issuer;
//! - `weak`: anything else — a display name alone, similar names, member overlap alone.
//!
//! A tier holds only when the candidate is the only one of its old principal at that tier:
//! two `exact` candidates (a user name naming one person and an email another) are a conflict
//! to look at, and are shown as `weak`.

use super::suggest::Evidence;
use std::fmt;

/// How strong the evidence for one candidate is, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Exact,
    Strong,
    Weak,
}

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Exact => "exact",
            Tier::Strong => "strong",
            Tier::Weak => "weak",
        }
    }

    /// Reads the first word of a mapping file's `method` (`strong:local_part+display_name`).
    pub fn of_method(method: &str) -> Option<Tier> {
        match method.split(':').next()? {
            "exact" => Some(Tier::Exact),
            "strong" => Some(Tier::Strong),
            "weak" => Some(Tier::Weak),
            _ => None,
        }
    }

    /// Parses `exact`, `strong` or `weak` (for the command line).
    pub fn parse(text: &str) -> Option<Tier> {
        match text {
            "exact" => Some(Tier::Exact),
            "strong" => Some(Tier::Strong),
            "weak" => Some(Tier::Weak),
            _ => None,
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The tier of one candidate's evidence (sorted strongest first), before the uniqueness rule.
/// `similarity` is the fuzzy name score, 1.0 when two group names are one after normalising.
pub fn of_evidence(evidence: &[Evidence], similarity: Option<f32>) -> Tier {
    let Some(&strongest) = evidence.first() else {
        return Tier::Weak;
    };
    if strongest.is_exact() {
        return Tier::Exact;
    }
    let has = |e: Evidence| evidence.contains(&e);
    if has(Evidence::ExternalIdValue) {
        return Tier::Strong;
    }
    let person = has(Evidence::DisplayName) || has(Evidence::PersonName);
    let co_member = has(Evidence::CoMembership);
    if has(Evidence::LocalPart) && (person || co_member) {
        return Tier::Strong;
    }
    if person && co_member {
        return Tier::Strong;
    }
    let same_group_name = has(Evidence::DisplayName)
        || (has(Evidence::Fuzzy) && similarity.is_some_and(|s| s >= 1.0));
    if same_group_name && has(Evidence::MemberOverlap) {
        return Tier::Strong;
    }
    Tier::Weak
}

/// The mapping file's `method` for a candidate: the tier, then its evidence
/// (`strong:local_part+display_name`).
pub fn method(tier: Tier, evidence: &[Evidence]) -> String {
    let mut out = String::with_capacity(40);
    out.push_str(tier.label());
    out.push(':');
    for (i, e) in evidence.iter().enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.push_str(e.method_word());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Evidence::*;

    #[test]
    fn tiers_follow_the_evidence() {
        assert_eq!(of_evidence(&[ExternalId], None), Tier::Exact);
        assert_eq!(of_evidence(&[Email, DisplayName], None), Tier::Exact);
        assert_eq!(of_evidence(&[LocalPart, DisplayName], None), Tier::Strong);
        assert_eq!(of_evidence(&[LocalPart, CoMembership], None), Tier::Strong);
        assert_eq!(of_evidence(&[LocalPart], None), Tier::Weak);
        assert_eq!(of_evidence(&[DisplayName], None), Tier::Weak);
        assert_eq!(
            of_evidence(&[DisplayName, CoMembership], None),
            Tier::Strong
        );
        assert_eq!(of_evidence(&[Fuzzy], Some(0.9)), Tier::Weak);
        // Groups: a normalised name is weak alone, strong with member overlap.
        assert_eq!(of_evidence(&[Fuzzy], Some(1.0)), Tier::Weak);
        assert_eq!(
            of_evidence(&[MemberOverlap, Fuzzy], Some(1.0)),
            Tier::Strong
        );
        assert_eq!(of_evidence(&[MemberOverlap], None), Tier::Weak);
        assert_eq!(of_evidence(&[MemberOverlap, Fuzzy], Some(0.8)), Tier::Weak);
    }

    #[test]
    fn methods_name_the_tier_then_the_evidence() {
        assert_eq!(
            method(Tier::Strong, &[LocalPart, DisplayName]),
            "strong:local_part+display_name"
        );
        assert_eq!(Tier::of_method("strong:local_part"), Some(Tier::Strong));
        assert_eq!(Tier::of_method("manual"), None);
    }
}
