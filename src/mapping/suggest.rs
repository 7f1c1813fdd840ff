//! Ranked successor suggestions for old principals. (Being written; see the API below.)

use crate::model::{PrincipalId, PrincipalType, Snapshot};

/// Why a candidate is suggested, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// Same external id (issuer and id): the same directory entry, re-provisioned.
    ExternalId,
    /// Same user name (users) — case-insensitive.
    UserName,
    /// Same email address — case-insensitive.
    Email,
    /// Same email local part or user name, different domain.
    LocalPart,
    /// Same display name (users and groups) — case-insensitive.
    DisplayName,
    /// Similar names, by a fuzzy score.
    Fuzzy,
}

/// One ranked candidate successor.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub principal_id: PrincipalId,
    /// Every piece of evidence found, strongest first; never empty.
    pub evidence: Vec<Evidence>,
    /// 0.0..=1.0.
    pub confidence: f32,
    /// A short human sentence, e.g. "same email local part, same display name".
    pub reason: String,
}

/// An old principal with exactly one exact-evidence successor that no other old principal
/// claims: safe to offer for bulk acceptance (the admin still confirms the count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExactMatch {
    pub principal_type: PrincipalType,
    pub old_id: PrincipalId,
    pub new_id: PrincipalId,
    /// Every piece of evidence for the pair, strongest first (the first is exact).
    pub evidence: Vec<Evidence>,
}

/// Suggestions over one (baseline, current) pair, indexed once.
pub struct Suggester<'s> {
    _baseline: &'s Snapshot,
    _current: &'s Snapshot,
}

impl<'s> Suggester<'s> {
    pub fn new(baseline: &'s Snapshot, current: &'s Snapshot) -> Self {
        Self {
            _baseline: baseline,
            _current: current,
        }
    }

    /// Ranked candidates (best first, at most `limit`) for one old principal.
    pub fn suggest(
        &self,
        _principal_type: PrincipalType,
        _old_id: &PrincipalId,
        _limit: usize,
    ) -> Vec<Candidate> {
        Vec::new()
    }

    /// Candidates for every old principal (baseline users, then groups, in baseline order).
    pub fn suggest_all(&self, _limit: usize) -> Vec<(PrincipalType, PrincipalId, Vec<Candidate>)> {
        Vec::new()
    }

    /// The matches safe to bulk-accept, in baseline order (users, then groups).
    pub fn unambiguous_exact(&self) -> Vec<ExactMatch> {
        Vec::new()
    }
}
