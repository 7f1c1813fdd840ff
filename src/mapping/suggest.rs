//! Ranked successor suggestions for old principals.
//!
//! For an old principal (a user or group of the baseline), the candidates are the current
//! principals of the same type, ranked by evidence that they are the same person or group:
//! same external id, same user name, same email, same email local part, same display name,
//! similar names. Every candidate carries its evidence, a confidence in 0..=1 and a short
//! reason for the admin. Nothing here decides anything: a suggestion becomes a mapping only
//! when the admin accepts it, and [`Suggester::unambiguous_exact`] lists the only matches safe
//! to offer for bulk acceptance.
//!
//! How candidates are found, without comparing every old principal with every new one: the
//! current principals are indexed once by hashed, case-folded keys (external id, user name,
//! email, local part, display name, ...). An old principal looks up its own keys and gets a
//! handful of candidates, which are then compared field by field (so a hash collision can
//! only add a candidate that fails the comparison, never false evidence). Fuzzy similarity
//! runs only when no identifier matched, and only on a short list of candidates that share
//! rare name tokens with the old principal (an inverted index of tokens; tokens held by too
//! many principals are skipped).

use crate::model::{ExternalId, Group, PrincipalId, PrincipalType, Snapshot, User};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// Why a candidate is suggested, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Evidence {
    /// Same external id (issuer and id): the same directory entry, re-provisioned.
    ExternalId,
    /// Same user name (users) — case-insensitive.
    UserName,
    /// Same email address — case-insensitive.
    Email,
    /// The same external id value under a different issuer: the same directory object (an AD
    /// `objectGUID`, an Entra object id) synchronised through a different path. Only for
    /// values long enough to be globally unique (GUIDs and the like); short values such as
    /// employee numbers collide between directories and are ignored. Not exact: two issuers
    /// may well number their entries the same way.
    ExternalIdValue,
    /// Same email local part or user name, different domain.
    LocalPart,
    /// Same display name (users and groups) — case-insensitive.
    DisplayName,
    /// Same given and family name (users), when the display names differ (`Sam` / `Samuel`).
    PersonName,
    /// Similar names, by a fuzzy score.
    Fuzzy,
}

impl Evidence {
    /// Exact evidence names one identity: only it may be bulk-accepted.
    pub fn is_exact(self) -> bool {
        matches!(
            self,
            Evidence::ExternalId | Evidence::UserName | Evidence::Email
        )
    }

    /// For the reason text.
    pub fn label(self) -> &'static str {
        match self {
            Evidence::ExternalId => "same external id",
            Evidence::UserName => "same user name",
            Evidence::Email => "same email",
            Evidence::ExternalIdValue => "same external id from another issuer",
            Evidence::LocalPart => "same email local part",
            Evidence::DisplayName => "same display name",
            Evidence::PersonName => "same given and family name",
            Evidence::Fuzzy => "similar name",
        }
    }

    /// The confidence range of a candidate whose strongest evidence is `self`. The ranges do
    /// not overlap, so stronger evidence always ranks higher whatever else is found; weaker
    /// pieces move a candidate up inside its range.
    fn band(self) -> (f32, f32) {
        match self {
            Evidence::ExternalId => (0.97, 1.0),
            Evidence::UserName => (0.93, 0.97),
            Evidence::Email => (0.89, 0.93),
            Evidence::ExternalIdValue => (0.80, 0.88),
            Evidence::LocalPart => (0.65, 0.80),
            Evidence::DisplayName => (0.45, 0.60),
            Evidence::PersonName => (0.36, 0.45),
            Evidence::Fuzzy => (0.05, 0.35),
        }
    }

    /// How much this piece, when it is not the strongest, adds (as a share of what is left).
    fn support(self, similarity: f32) -> f32 {
        match self {
            Evidence::ExternalId => 0.9,
            Evidence::UserName => 0.8,
            Evidence::Email => 0.7,
            Evidence::ExternalIdValue => 0.6,
            Evidence::LocalPart => 0.5,
            Evidence::DisplayName => 0.35,
            Evidence::PersonName => 0.25,
            Evidence::Fuzzy => 0.3 * similarity,
        }
    }
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
    /// The fuzzy name score (0..=1) when [`Evidence::Fuzzy`] is among the evidence.
    pub similarity: Option<f32>,
}

impl Candidate {
    /// The strongest piece of evidence.
    pub fn strongest(&self) -> Evidence {
        self.evidence[0]
    }

    /// Whether the strongest evidence is exact (external id, user name, email).
    pub fn is_exact(&self) -> bool {
        self.strongest().is_exact()
    }
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

/// Below this similarity a name is not "similar". 0.75 keeps `ana.chen` → `ana.chen-smith`
/// (a changed family name, 0.87) and one-letter typos, and drops people who merely share a
/// given or a family name (`ana.chen` → `ana.garcia`, 0.5).
const FUZZY_MIN: f32 = 0.75;
/// Safety bound on identifier keys (external id, user name, email): these are unique in a
/// directory, so more principals than this under one key means broken data, not evidence.
const MAX_EXACT_POSTINGS: usize = 256;
/// A local part held by more principals than this (`admin`, `info`) identifies nobody.
const MAX_LOCAL_PART_POSTINGS: usize = 32;
/// A display name held by more principals than this (`Ana Chen` among 100,000 users) says
/// nothing about who is who; comparing all of them would also cost O(namesakes) per person.
const MAX_NAME_POSTINGS: usize = 16;
/// Tokens held by more principals than this (`aws`, `admins`, a common given name) are too
/// common to narrow the fuzzy search; skipping them bounds its work per principal.
const MAX_TOKEN_POSTINGS: usize = 256;
/// At most this many of the rarest tokens of one old principal are looked up.
const MAX_TOKENS_PER_PRINCIPAL: usize = 6;
/// At most this many candidates (those sharing the most tokens) are scored for similarity.
const FUZZY_SHORTLIST: usize = 12;
/// Tokens that say nothing about which group it is: naming-convention prefixes and words
/// every group of an AWS access directory carries (`sg-aws-platform-admins`,
/// `AWS Platform Admins`, `grp_platform_admins`).
const GROUP_NOISE_TOKENS: [&str; 6] = ["sg", "aws", "grp", "group", "sso", "iam"];
/// Old principals handed to a worker thread at a time (small enough to balance users against
/// groups, large enough that the shared counter is not contended).
const WORK_CHUNK: usize = 512;
const MAX_THREADS: usize = 8;

/// Suggestions over one (baseline, current) pair, indexed once.
pub struct Suggester<'s> {
    baseline: &'s Snapshot,
    current: &'s Snapshot,
    users: KeyIndex,
    groups: KeyIndex,
    /// Old principal id → index in the baseline's users / groups.
    old_users: HashMap<&'s str, u32>,
    old_groups: HashMap<&'s str, u32>,
}

impl<'s> Suggester<'s> {
    /// Indexes `current` (both types side by side on two threads). Cost is linear in the
    /// number of current principals.
    pub fn new(baseline: &'s Snapshot, current: &'s Snapshot) -> Self {
        let (users, groups, (old_users, old_groups)) = thread::scope(|scope| {
            let users = scope.spawn(|| {
                KeyIndex::build(current.users.len(), |i, out| {
                    let user = &current.users[i];
                    user_keys(user, out);
                    user_token_keys(user, out);
                })
            });
            let groups = scope.spawn(|| {
                KeyIndex::build(current.groups.len(), |i, out| {
                    let group = &current.groups[i];
                    group_keys(group, out);
                    group_token_keys(group, out);
                })
            });
            let old = (
                baseline
                    .users
                    .iter()
                    .enumerate()
                    .map(|(i, u)| (u.user_id.as_str(), i as u32))
                    .collect(),
                baseline
                    .groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| (g.group_id.as_str(), i as u32))
                    .collect(),
            );
            (join(users), join(groups), old)
        });
        Suggester {
            baseline,
            current,
            users,
            groups,
            old_users,
            old_groups,
        }
    }

    /// Ranked candidates (best first, at most `limit`) for one old principal. Empty when
    /// `old_id` is not a user or group of that type in the baseline (a principal deleted
    /// before the baseline has nothing to compare).
    pub fn suggest(
        &self,
        principal_type: PrincipalType,
        old_id: &PrincipalId,
        limit: usize,
    ) -> Vec<Candidate> {
        let mut scratch = Scratch::default();
        match principal_type {
            PrincipalType::User => self
                .old_users
                .get(old_id.as_str())
                .map(|&i| self.suggest_user(&self.baseline.users[i as usize], limit, &mut scratch)),
            PrincipalType::Group => self.old_groups.get(old_id.as_str()).map(|&i| {
                self.suggest_group(&self.baseline.groups[i as usize], limit, &mut scratch)
            }),
        }
        .unwrap_or_default()
    }

    /// Candidates for every old principal (baseline users, then groups, in baseline order),
    /// also those with none. Runs on every core.
    pub fn suggest_all(&self, limit: usize) -> Vec<(PrincipalType, PrincipalId, Vec<Candidate>)> {
        self.for_every_old_principal(|old, scratch| match old {
            Old::User(user) => (
                PrincipalType::User,
                PrincipalId::from(&user.user_id),
                self.suggest_user(user, limit, scratch),
            ),
            Old::Group(group) => (
                PrincipalType::Group,
                PrincipalId::from(&group.group_id),
                self.suggest_group(group, limit, scratch),
            ),
        })
    }

    /// The matches safe to bulk-accept, in baseline order (users, then groups). An old
    /// principal is listed only when
    /// - exactly one current principal has exact evidence for it (external id, user name,
    ///   email). This is stricter than "one candidate with the strongest exact evidence": a
    ///   user name pointing at one person and an email at another is a conflict for the admin
    ///   to look at, not a match;
    /// - that successor is not an exact match of any other old principal (two old principals
    ///   bulk-mapped onto one successor is almost always a mistake);
    /// - the pair is not part of a chain: when baseline and current are the same load, the new
    ///   principals are old principals too, and a new user listing the old address would
    ///   otherwise be proposed both as successor and as predecessor.
    ///
    /// Display names, local parts and similar names never qualify.
    pub fn unambiguous_exact(&self) -> Vec<ExactMatch> {
        let per_old: Vec<(PrincipalType, PrincipalId, Vec<Candidate>)> = self
            .for_every_old_principal(|old, scratch| match old {
                Old::User(user) => (
                    PrincipalType::User,
                    PrincipalId::from(&user.user_id),
                    self.exact_user_candidates(user, scratch),
                ),
                Old::Group(group) => (
                    PrincipalType::Group,
                    PrincipalId::from(&group.group_id),
                    self.exact_group_candidates(group, scratch),
                ),
            });
        // How many old principals name each successor with exact evidence (all of them, not
        // only the unambiguous ones: a successor claimed twice is suspect either way).
        let mut claims: HashMap<(PrincipalType, &str), usize> = HashMap::new();
        for (principal_type, _, candidates) in &per_old {
            for candidate in candidates {
                *claims
                    .entry((*principal_type, candidate.principal_id.as_str()))
                    .or_default() += 1;
            }
        }
        let proposals: Vec<(PrincipalType, &PrincipalId, &Candidate)> = per_old
            .iter()
            .filter_map(
                |(principal_type, old_id, candidates)| match candidates.as_slice() {
                    [only] if claims[&(*principal_type, only.principal_id.as_str())] == 1 => {
                        Some((*principal_type, old_id, only))
                    }
                    _ => None,
                },
            )
            .collect();
        let proposed_old: std::collections::HashSet<(PrincipalType, &str)> = proposals
            .iter()
            .map(|(principal_type, old_id, _)| (*principal_type, old_id.as_str()))
            .collect();
        proposals
            .into_iter()
            .filter(|(principal_type, _, candidate)| {
                !proposed_old.contains(&(*principal_type, candidate.principal_id.as_str()))
            })
            .map(|(principal_type, old_id, candidate)| ExactMatch {
                principal_type,
                old_id: old_id.clone(),
                new_id: candidate.principal_id.clone(),
                evidence: candidate.evidence.clone(),
            })
            .collect()
    }

    // -----------------------------------------------------------------------------------------
    // Users

    fn suggest_user(&self, old: &User, limit: usize, scratch: &mut Scratch) -> Vec<Candidate> {
        let users = &self.current.users;
        // Built only if a fuzzy comparison is needed (most principals never need one).
        let old_names = OnceCell::new();
        let mut keys = std::mem::take(&mut scratch.keys);
        let mut seen = std::mem::take(&mut scratch.seen);
        keys.clear();
        user_keys(old, &mut keys);
        self.users.lookup(&keys, false, &mut seen);
        let mut found: Vec<Candidate> = seen
            .iter()
            .filter_map(|&i| user_candidate(old, &old_names, &users[i as usize]))
            .collect();
        // Fuzzy names only when no identifier (nor a local part) matched: with one, the fuzzy
        // list adds noise and work, not information.
        let settled = found.iter().any(|c| c.strongest() <= Evidence::LocalPart);
        if !settled {
            keys.clear();
            user_token_keys(old, &mut keys);
            let shortlist = self.shortlist(&self.users, &keys, &seen, scratch, |i| {
                let new = &users[i as usize];
                !excluded(
                    &old.external_ids,
                    &new.external_ids,
                    &old.user_id.0,
                    &new.user_id.0,
                )
            });
            found.extend(
                shortlist
                    .into_iter()
                    .filter_map(|i| user_candidate(old, &old_names, &users[i as usize])),
            );
        }
        scratch.keys = keys;
        scratch.seen = seen;
        rank(found, limit)
    }

    fn exact_user_candidates(&self, old: &User, scratch: &mut Scratch) -> Vec<Candidate> {
        let users = &self.current.users;
        let old_names = OnceCell::new();
        scratch.keys.clear();
        user_keys(old, &mut scratch.keys);
        self.users.lookup(&scratch.keys, true, &mut scratch.seen);
        let found = scratch
            .seen
            .iter()
            .filter_map(|&i| user_candidate(old, &old_names, &users[i as usize]))
            .filter(Candidate::is_exact)
            .collect();
        rank(found, usize::MAX)
    }

    // -----------------------------------------------------------------------------------------
    // Groups

    fn suggest_group(&self, old: &Group, limit: usize, scratch: &mut Scratch) -> Vec<Candidate> {
        let groups = &self.current.groups;
        let old_name = OnceCell::new();
        let mut keys = std::mem::take(&mut scratch.keys);
        let mut seen = std::mem::take(&mut scratch.seen);
        keys.clear();
        group_keys(old, &mut keys);
        self.groups.lookup(&keys, false, &mut seen);
        let mut found: Vec<Candidate> = seen
            .iter()
            .filter_map(|&i| group_candidate(old, &old_name, &groups[i as usize]))
            .collect();
        // A same or same-after-normalising name settles it for groups (a group has no user
        // name or email).
        let settled = found.iter().any(|c| {
            c.strongest() <= Evidence::DisplayName || c.similarity.is_some_and(|s| s >= 1.0)
        });
        if !settled {
            keys.clear();
            group_token_keys(old, &mut keys);
            let shortlist = self.shortlist(&self.groups, &keys, &seen, scratch, |i| {
                let new = &groups[i as usize];
                !excluded(
                    &old.external_ids,
                    &new.external_ids,
                    &old.group_id.0,
                    &new.group_id.0,
                )
            });
            found.extend(
                shortlist
                    .into_iter()
                    .filter_map(|i| group_candidate(old, &old_name, &groups[i as usize])),
            );
        }
        scratch.keys = keys;
        scratch.seen = seen;
        rank(found, limit)
    }

    fn exact_group_candidates(&self, old: &Group, scratch: &mut Scratch) -> Vec<Candidate> {
        let groups = &self.current.groups;
        let old_name = OnceCell::new();
        scratch.keys.clear();
        group_keys(old, &mut scratch.keys);
        self.groups.lookup(&scratch.keys, true, &mut scratch.seen);
        let found = scratch
            .seen
            .iter()
            .filter_map(|&i| group_candidate(old, &old_name, &groups[i as usize]))
            .filter(Candidate::is_exact)
            .collect();
        rank(found, usize::MAX)
    }

    // -----------------------------------------------------------------------------------------
    // Shared machinery

    /// Current principals (indexes) sharing the most rare tokens (`tokens`, token keys) with
    /// the old principal, at most `FUZZY_SHORTLIST`, leaving out those in `already` and those
    /// `eligible` rejects (checked before the cut, so that excluded principals of the old
    /// directory, which share every token with the old principal, cannot crowd out the real
    /// candidates).
    fn shortlist(
        &self,
        index: &KeyIndex,
        tokens: &[Key],
        already: &[u32],
        scratch: &mut Scratch,
        eligible: impl Fn(u32) -> bool,
    ) -> Vec<u32> {
        let mut lists: Vec<&[u32]> = tokens
            .iter()
            .map(|&t| index.get(t))
            .filter(|p| !p.is_empty() && p.len() <= MAX_TOKEN_POSTINGS)
            .collect();
        lists.sort_unstable_by_key(|p| p.len());
        lists.truncate(MAX_TOKENS_PER_PRINCIPAL);
        if lists.is_empty() {
            return Vec::new();
        }
        scratch.touched.clear();
        if scratch.counts.len() < index.principals {
            scratch.counts.resize(index.principals, 0);
        }
        for list in lists {
            for &i in list {
                let count = &mut scratch.counts[i as usize];
                if *count == 0 {
                    scratch.touched.push(i);
                }
                *count += 1;
            }
        }
        let mut ranked: Vec<(u16, u32)> = Vec::with_capacity(scratch.touched.len());
        for &i in &scratch.touched {
            let count = std::mem::take(&mut scratch.counts[i as usize]);
            if already.binary_search(&i).is_err() {
                ranked.push((count, i));
            }
        }
        // Most shared tokens first, then snapshot order (deterministic).
        let order = |a: &(u16, u32), b: &(u16, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        ranked.sort_unstable_by(order);
        ranked
            .into_iter()
            .filter(|&(_, i)| eligible(i))
            .take(FUZZY_SHORTLIST)
            .map(|(_, i)| i)
            .collect()
    }

    /// Runs `f` on every old principal (users, then groups), spread over the cores in small
    /// chunks taken from a shared counter, results in baseline order.
    fn for_every_old_principal<U, F>(&self, f: F) -> Vec<U>
    where
        U: Send,
        F: Fn(Old<'s>, &mut Scratch) -> U + Sync,
    {
        let users = self.baseline.users.len();
        let total = users + self.baseline.groups.len();
        let chunks = total.div_ceil(WORK_CHUNK);
        let threads = thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(MAX_THREADS)
            .min(chunks)
            .max(1);
        let old = |i: usize| -> Old<'s> {
            if i < users {
                Old::User(&self.baseline.users[i])
            } else {
                Old::Group(&self.baseline.groups[i - users])
            }
        };
        let run_chunk = |chunk: usize, scratch: &mut Scratch| -> Vec<U> {
            let range = chunk * WORK_CHUNK..((chunk + 1) * WORK_CHUNK).min(total);
            range.map(|i| f(old(i), scratch)).collect()
        };
        if threads == 1 {
            let mut scratch = Scratch::default();
            return (0..chunks)
                .flat_map(|c| run_chunk(c, &mut scratch))
                .collect();
        }
        let next = AtomicUsize::new(0);
        let mut parts: Vec<(usize, Vec<U>)> = thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut scratch = Scratch::default();
                        let mut done = Vec::new();
                        loop {
                            let chunk = next.fetch_add(1, Ordering::Relaxed);
                            if chunk >= chunks {
                                break done;
                            }
                            done.push((chunk, run_chunk(chunk, &mut scratch)));
                        }
                    })
                })
                .collect();
            workers.into_iter().flat_map(join).collect()
        });
        parts.sort_unstable_by_key(|(chunk, _)| *chunk);
        let mut out = Vec::with_capacity(total);
        for (_, part) in parts {
            out.extend(part);
        }
        out
    }
}

/// A thread's panic is a bug: carry it to the caller as if there were no threads.
fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

#[derive(Clone, Copy)]
enum Old<'s> {
    User(&'s User),
    Group(&'s Group),
}

/// Per-thread buffers, reused from one old principal to the next. `counts` holds the fuzzy
/// shortlist's count per current principal, reset through `touched`, so each old principal
/// costs what it touches, not the size of the directory.
#[derive(Default)]
struct Scratch {
    counts: Vec<u16>,
    touched: Vec<u32>,
    /// The keys of the old principal at hand.
    keys: Vec<Key>,
    /// The candidates its keys found.
    seen: Vec<u32>,
}

// ---------------------------------------------------------------------------------------------
// Evidence between one old and one current principal

/// How two principals' external ids relate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExternalRelation {
    /// Same issuer and id.
    Same,
    /// The same issuer knows them as two different entries: two different people (or groups)
    /// of one directory. After an IdP-to-IdP switch the old principals linger in current next
    /// to each other, all from the old issuer; `ana.chen` and `ana.chen2` of the old tenant
    /// share a display name but are, by the old directory's own word, not the same person.
    /// Such a candidate is left out entirely rather than ranked low: no admin would map one
    /// old user onto another old user of the same directory.
    OtherEntryOfSameIssuer,
    /// The same long id value under different issuers.
    SameValueOtherIssuer,
    Unrelated,
}

fn external_relation(old: &[ExternalId], new: &[ExternalId]) -> ExternalRelation {
    let mut same_issuer = false;
    let mut same_value = false;
    for o in old {
        for n in new {
            let issuer = eq_fold(&o.issuer, &n.issuer);
            // External ids compare case-insensitively: GUIDs travel in either case.
            let id = eq_fold(&o.id, &n.id);
            if issuer && id {
                return ExternalRelation::Same;
            }
            same_issuer |= issuer;
            same_value |= id && is_long_id(&o.id);
        }
    }
    if same_issuer {
        ExternalRelation::OtherEntryOfSameIssuer
    } else if same_value {
        ExternalRelation::SameValueOtherIssuer
    } else {
        ExternalRelation::Unrelated
    }
}

/// Long enough to be unique across directories (a GUID has 32 hex digits, an AD objectGUID in
/// base64 24 characters); employee numbers and the like are not.
fn is_long_id(id: &str) -> bool {
    id.chars().filter(|c| c.is_ascii_alphanumeric()).count() >= 16
}

/// Never a candidate: the old principal itself, or another entry of its own directory.
fn excluded(old: &[ExternalId], new: &[ExternalId], old_id: &str, new_id: &str) -> bool {
    old_id == new_id || external_relation(old, new) == ExternalRelation::OtherEntryOfSameIssuer
}

/// The names of one user, prepared for fuzzy comparisons.
struct UserNames {
    /// The user name's local part (`ana.chen` of `ana.chen@old-corp.example`).
    local: NameForm,
    /// The display name, else given and family name.
    display: NameForm,
}

impl UserNames {
    fn of(user: &User) -> UserNames {
        UserNames {
            local: NameForm::plain(local_part(&user.user_name)),
            display: NameForm::plain(&display_sources(user).join(" ")),
        }
    }
}

/// The display name, else given and family name (for names and name tokens).
fn display_sources(user: &User) -> [&str; 2] {
    match &user.display_name {
        Some(name) if !name.trim().is_empty() => [name.as_str(), ""],
        _ => {
            let name = user.name.as_ref();
            [
                name.and_then(|n| n.given_name.as_deref()).unwrap_or(""),
                name.and_then(|n| n.family_name.as_deref()).unwrap_or(""),
            ]
        }
    }
}

fn user_candidate(old: &User, old_names: &OnceCell<UserNames>, new: &User) -> Option<Candidate> {
    if old.user_id == new.user_id {
        return None;
    }
    let mut evidence = Vec::new();
    match external_relation(&old.external_ids, &new.external_ids) {
        ExternalRelation::Same => evidence.push(Evidence::ExternalId),
        ExternalRelation::OtherEntryOfSameIssuer => return None,
        ExternalRelation::SameValueOtherIssuer => evidence.push(Evidence::ExternalIdValue),
        ExternalRelation::Unrelated => {}
    }
    let user_name = !old.user_name.is_empty() && eq_fold(&old.user_name, &new.user_name);
    if user_name {
        evidence.push(Evidence::UserName);
    }
    let email = old
        .emails
        .iter()
        .any(|o| !o.value.is_empty() && new.emails.iter().any(|n| eq_fold(&o.value, &n.value)));
    if email {
        evidence.push(Evidence::Email);
    }
    // A same user name or email already has the same local part: counting it again would
    // inflate the confidence.
    if !user_name && !email {
        let same_local = addresses(old)
            .map(local_part)
            .filter(|l| !l.is_empty())
            .any(|o| addresses(new).any(|n| eq_fold(o, local_part(n))));
        if same_local {
            evidence.push(Evidence::LocalPart);
        }
    }
    let display_name = match (&old.display_name, &new.display_name) {
        (Some(o), Some(n)) => eq_words(o, n),
        _ => false,
    };
    if display_name {
        evidence.push(Evidence::DisplayName);
    } else if same_person_name(old, new) {
        evidence.push(Evidence::PersonName);
    }
    // Similar names matter only where nothing stronger than a name matched. With a matching
    // display name, the user names are what tells namesakes apart, so only they are compared.
    let mut similarity = None;
    if !evidence.iter().any(|e| *e <= Evidence::LocalPart) {
        let old_names = old_names.get_or_init(|| UserNames::of(old));
        let new_names = UserNames::of(new);
        let mut score = old_names.local.similarity(&new_names.local);
        if !display_name && !evidence.contains(&Evidence::PersonName) {
            score = score.max(old_names.display.similarity(&new_names.display));
        }
        if score >= FUZZY_MIN {
            evidence.push(Evidence::Fuzzy);
            similarity = Some(score);
        }
    }
    candidate(&new.user_id.0, evidence, similarity)
}

fn group_candidate(old: &Group, old_name: &OnceCell<NameForm>, new: &Group) -> Option<Candidate> {
    if old.group_id == new.group_id {
        return None;
    }
    let mut evidence = Vec::new();
    match external_relation(&old.external_ids, &new.external_ids) {
        ExternalRelation::Same => evidence.push(Evidence::ExternalId),
        ExternalRelation::OtherEntryOfSameIssuer => return None,
        ExternalRelation::SameValueOtherIssuer => evidence.push(Evidence::ExternalIdValue),
        ExternalRelation::Unrelated => {}
    }
    let display_name = eq_words(&old.display_name, &new.display_name);
    let mut similarity = None;
    if display_name {
        evidence.push(Evidence::DisplayName);
    } else if !evidence.contains(&Evidence::ExternalId) {
        // The common case (a naming-convention rename) is decided without building forms.
        let score = if same_group_name(&old.display_name, &new.display_name) {
            1.0
        } else {
            old_name
                .get_or_init(|| NameForm::group(&old.display_name))
                .similarity(&NameForm::group(&new.display_name))
        };
        if score >= FUZZY_MIN {
            evidence.push(Evidence::Fuzzy);
            similarity = Some(score);
        }
    }
    candidate(&new.group_id.0, evidence, similarity)
}

fn person_name(user: &User) -> Option<(&str, &str)> {
    let name = user.name.as_ref()?;
    let given = name
        .given_name
        .as_deref()
        .filter(|s| !s.trim().is_empty())?;
    let family = name
        .family_name
        .as_deref()
        .filter(|s| !s.trim().is_empty())?;
    Some((given, family))
}

fn same_person_name(old: &User, new: &User) -> bool {
    match (person_name(old), person_name(new)) {
        (Some((og, of)), Some((ng, nf))) => eq_words(og, ng) && eq_words(of, nf),
        _ => false,
    }
}

fn candidate(id: &str, mut evidence: Vec<Evidence>, similarity: Option<f32>) -> Option<Candidate> {
    if evidence.is_empty() {
        return None;
    }
    evidence.sort_unstable();
    let strongest = evidence[0];
    let (low, high) = strongest.band();
    let sim = similarity.unwrap_or(0.0);
    let position = if strongest == Evidence::Fuzzy {
        ((sim - FUZZY_MIN) / (1.0 - FUZZY_MIN)).clamp(0.0, 1.0)
    } else {
        1.0 - evidence[1..]
            .iter()
            .map(|e| 1.0 - e.support(sim))
            .product::<f32>()
    };
    let mut reason = String::with_capacity(48);
    for (n, e) in evidence.iter().enumerate() {
        if n > 0 {
            reason.push_str(", ");
        }
        match (e, similarity) {
            (Evidence::Fuzzy, Some(s)) if s >= 1.0 => {
                reason.push_str("same name ignoring case, separators and prefixes")
            }
            (Evidence::Fuzzy, Some(s)) => {
                let _ = write!(reason, "similar name ({:.0}%)", s * 100.0);
            }
            _ => reason.push_str(e.label()),
        }
    }
    Some(Candidate {
        principal_id: PrincipalId(id.to_owned()),
        evidence,
        confidence: low + (high - low) * position,
        reason,
        similarity,
    })
}

/// Best first: strongest evidence, then confidence, then id (so equal candidates keep a
/// stable order).
fn rank(mut found: Vec<Candidate>, limit: usize) -> Vec<Candidate> {
    found.sort_by(|a, b| {
        a.strongest()
            .cmp(&b.strongest())
            .then(b.confidence.total_cmp(&a.confidence))
            .then_with(|| a.principal_id.cmp(&b.principal_id))
    });
    found.truncate(limit);
    found
}

// ---------------------------------------------------------------------------------------------
// Names: case folding, local parts, normalised forms, similarity

/// Case-insensitive equality without allocating (ASCII fast path).
fn eq_fold(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
    }
}

/// Case-insensitive equality of the words, whatever the spacing (`Ana  Chen` = `ana chen`).
fn eq_words(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.split_whitespace(), b.split_whitespace());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if eq_fold(x, y) => {}
            _ => return false,
        }
    }
}

/// The part before the last `@`, or the whole text when it has none (a plain user name).
fn local_part(address: &str) -> &str {
    address.rsplit_once('@').map_or(address, |(local, _)| local)
}

/// The user name and every email.
fn addresses(user: &User) -> impl Iterator<Item = &str> {
    std::iter::once(user.user_name.as_str()).chain(user.emails.iter().map(|e| e.value.as_str()))
}

/// The alphanumeric runs of a name: `ana.chen-smith` → `ana`, `chen`, `smith`.
fn name_tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// A group name's tokens without the naming-convention noise.
fn group_name_tokens(text: &str) -> impl Iterator<Item = &str> {
    name_tokens(text).filter(|t| !GROUP_NOISE_TOKENS.iter().any(|noise| eq_fold(noise, t)))
}

/// A group name normalised (case, separators and noise tokens gone), as it streams by.
fn folded_group_name(text: &str) -> impl Iterator<Item = char> + '_ {
    group_name_tokens(text).flat_map(|t| t.chars().flat_map(char::to_lowercase))
}

/// Whether two group names are one after normalising, without building either form.
fn same_group_name(a: &str, b: &str) -> bool {
    folded_group_name(a).next().is_some() && folded_group_name(a).eq(folded_group_name(b))
}

/// A name reduced to what identifies it: lowercase alphanumeric tokens (separators, case and,
/// for groups, convention prefixes gone) and those tokens run together, so `read-only`,
/// `ReadOnly` and `readonly` are one name.
#[derive(Clone, Debug, PartialEq)]
struct NameForm {
    tokens: Vec<String>,
    compact: String,
}

impl NameForm {
    fn plain(text: &str) -> NameForm {
        NameForm::from_tokens(name_tokens(text))
    }

    fn group(text: &str) -> NameForm {
        NameForm::from_tokens(group_name_tokens(text))
    }

    fn from_tokens<'a>(tokens: impl Iterator<Item = &'a str>) -> NameForm {
        let tokens: Vec<String> = tokens.map(str::to_lowercase).collect();
        let compact = tokens.concat();
        NameForm { tokens, compact }
    }

    /// 0..=1, 1 only for the same compact form. Token by token: how much of this name is
    /// found in `other` (each token scored by its best match there), blended with the
    /// reverse. Tokens, not characters, are weighed, so a shared long family name does not
    /// make `leo.lindqvist` similar to `ben.lindqvist` (0.5), while a changed family name
    /// appended (`ana.chen` → `ana.chen-smith`, 0.87), a typo (`jonathan` → `jonathon`) or a
    /// plural (`developers` → `developer`) stay close.
    fn similarity(&self, other: &NameForm) -> f32 {
        if self.compact.is_empty() || other.compact.is_empty() {
            return 0.0;
        }
        if self.compact == other.compact {
            return 1.0;
        }
        let forward = containment(&self.tokens, &other.tokens);
        let backward = containment(&other.tokens, &self.tokens);
        // Words added in the new name (a second family name, a team suffix) cost less than
        // words of the old name that are gone.
        (0.6 * forward + 0.4 * backward).min(0.95)
    }
}

/// The mean, over `from`'s tokens, of each one's best similarity among `to`'s tokens.
fn containment(from: &[String], to: &[String]) -> f32 {
    if from.is_empty() {
        return 0.0;
    }
    let total: f32 = from
        .iter()
        .map(|a| {
            to.iter()
                .map(|b| token_similarity(a, b))
                .fold(0.0, f32::max)
        })
        .sum();
    total / from.len() as f32
}

/// An edit ratio, counted only when close (0.7: one edit in a short word); tokens whose
/// numbers differ are different (`admins-37` is not `admins-38`, `chen7` not `chen8`).
fn token_similarity(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let digits = |t: &str| t.chars().filter(char::is_ascii_digit).collect::<String>();
    let (da, db) = (digits(a), digits(b));
    if !da.is_empty() && !db.is_empty() && da != db {
        return 0.0;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let ratio = 1.0 - levenshtein(&a, &b) as f32 / a.len().max(b.len()) as f32;
    if ratio >= 0.7 {
        ratio
    } else {
        0.0
    }
}

fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

// ---------------------------------------------------------------------------------------------
// The key index

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    ExternalId,
    ExternalIdValue,
    UserName,
    Email,
    LocalPart,
    DisplayName,
    PersonName,
    NormalisedName,
    Token,
}

impl KeyKind {
    fn is_exact(self) -> bool {
        matches!(
            self,
            KeyKind::ExternalId | KeyKind::UserName | KeyKind::Email
        )
    }

    /// The most postings worth comparing under one key of this kind.
    fn cap(self) -> usize {
        match self {
            KeyKind::LocalPart => MAX_LOCAL_PART_POSTINGS,
            KeyKind::DisplayName | KeyKind::PersonName | KeyKind::NormalisedName => {
                MAX_NAME_POSTINGS
            }
            KeyKind::Token => MAX_TOKEN_POSTINGS,
            KeyKind::ExternalId | KeyKind::ExternalIdValue | KeyKind::UserName | KeyKind::Email => {
                MAX_EXACT_POSTINGS
            }
        }
    }
}

/// A hashed, case-folded lookup key of one kind.
#[derive(Clone, Copy, Debug)]
struct Key {
    kind: KeyKind,
    hash: u64,
}

impl Key {
    fn text(kind: KeyKind, text: &str) -> Key {
        KeyBuilder::new(kind).folded(text).finish()
    }

    /// Two fields, kept apart (so `("ab", "c")` ≠ `("a", "bc")`).
    fn pair(kind: KeyKind, first: &str, second: &str) -> Key {
        KeyBuilder::new(kind)
            .folded(first)
            .separator()
            .folded(second)
            .finish()
    }

    /// Display names are keyed by their words, so spacing does not matter.
    fn words(kind: KeyKind, text: &str) -> Key {
        text.split_whitespace()
            .fold(KeyBuilder::new(kind), |key, word| {
                key.folded(word).separator()
            })
            .finish()
    }
}

/// Hashes case-folded text as it streams by (no lowercase copies are made), eight bytes at a
/// time. The stream is the UTF-8 of the folded text, whatever the calls' boundaries: folding
/// `read` then `only` keys like folding `readonly`.
struct KeyBuilder {
    kind: KeyKind,
    state: u64,
    /// Bytes not mixed in yet, little-endian, `filled` of them.
    pending: u64,
    filled: u32,
}

impl KeyBuilder {
    fn new(kind: KeyKind) -> KeyBuilder {
        KeyBuilder {
            kind,
            state: mix64(kind as u64 + 1),
            pending: 0,
            filled: 0,
        }
    }

    fn folded(mut self, text: &str) -> KeyBuilder {
        if !text.is_ascii() {
            let mut utf8 = [0u8; 4];
            for c in text.chars().flat_map(char::to_lowercase) {
                for &b in c.encode_utf8(&mut utf8).as_bytes() {
                    self.byte(b);
                }
            }
            return self;
        }
        let mut bytes = text.as_bytes();
        while self.filled != 0 && !bytes.is_empty() {
            self.byte(bytes[0].to_ascii_lowercase());
            bytes = &bytes[1..];
        }
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            self.mix(ascii_lowercase_word(word));
        }
        for &b in words.remainder() {
            self.byte(b.to_ascii_lowercase());
        }
        self
    }

    /// A field separator: 0xFF never occurs in UTF-8.
    fn separator(mut self) -> KeyBuilder {
        self.byte(0xFF);
        self
    }

    fn byte(&mut self, b: u8) {
        self.pending |= u64::from(b) << (8 * self.filled);
        self.filled += 1;
        if self.filled == 8 {
            let word = std::mem::take(&mut self.pending);
            self.filled = 0;
            self.mix(word);
        }
    }

    fn mix(&mut self, word: u64) {
        self.state = (self.state.rotate_left(23) ^ word).wrapping_mul(0x517C_C1B7_2722_0A95);
    }

    fn finish(mut self) -> Key {
        // The count of trailing bytes tells `ab` from `ab\0`.
        let tail = self.pending ^ (u64::from(self.filled) << 59);
        self.mix(tail);
        Key {
            kind: self.kind,
            hash: mix64(self.state),
        }
    }
}

/// Lowercases eight ASCII bytes at once: adds 0x20 to the bytes in `A..=Z`. (Every byte is
/// below 0x80, so the additions cannot carry into the next byte.)
fn ascii_lowercase_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let at_least_a = word + ONES * (0x80 - u64::from(b'A'));
    let beyond_z = word + ONES * (0x80 - u64::from(b'Z') - 1);
    let upper = at_least_a & !beyond_z & (ONES * 0x80);
    word | (upper >> 2)
}

/// splitmix64's finalizer: a full-avalanche mix of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Key hash → the current principals (indexes) holding it, as flat sorted arrays: no vector
/// and no hash-map entry per key (at the quotas there are millions of keys). The hashes are
/// uniform, so their top bits spread them evenly over a directory of about one bucket per
/// key: a lookup reads one directory slot and scans about one key.
struct KeyIndex {
    /// Distinct key hashes, ascending.
    keys: Vec<u64>,
    /// Key `k`'s principals are `postings[starts[k]..starts[k + 1]]`.
    starts: Vec<u32>,
    postings: Vec<u32>,
    /// `directory[b]` is the first key whose top bits are `b` or more.
    directory: Vec<u32>,
    shift: u32,
    /// How many principals were indexed (the size of the shortlist's count array).
    principals: usize,
}

impl KeyIndex {
    /// Indexes `principals` principals, `keys_of(i, out)` pushing the keys of the `i`th.
    fn build(principals: usize, keys_of: impl Fn(usize, &mut Vec<Key>)) -> KeyIndex {
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(principals * 12);
        let mut keys = Vec::new();
        for i in 0..principals {
            keys.clear();
            keys_of(i, &mut keys);
            pairs.extend(keys.iter().map(|key| (key.hash, i as u32)));
        }
        pairs.sort_unstable();
        pairs.dedup();
        let mut index = KeyIndex {
            keys: Vec::new(),
            starts: Vec::new(),
            postings: Vec::with_capacity(pairs.len()),
            directory: Vec::new(),
            shift: 0,
            principals,
        };
        for (hash, principal) in pairs {
            if index.keys.last() != Some(&hash) {
                index.keys.push(hash);
                index.starts.push(index.postings.len() as u32);
            }
            index.postings.push(principal);
        }
        index.starts.push(index.postings.len() as u32);
        let bits = index.keys.len().max(2).next_power_of_two().trailing_zeros();
        index.shift = 64 - bits;
        let buckets = 1usize << bits;
        index.directory = Vec::with_capacity(buckets + 1);
        let mut k = 0;
        for bucket in 0..=buckets as u64 {
            while k < index.keys.len() && (index.keys[k] >> index.shift) < bucket {
                k += 1;
            }
            index.directory.push(k as u32);
        }
        index
    }

    fn get(&self, key: Key) -> &[u32] {
        let bucket = (key.hash >> self.shift) as usize;
        let (first, end) = (self.directory[bucket], self.directory[bucket + 1]);
        for k in first as usize..end as usize {
            if self.keys[k] == key.hash {
                return &self.postings[self.starts[k] as usize..self.starts[k + 1] as usize];
            }
        }
        &[]
    }

    /// The principals (sorted, distinct) holding any of `keys` (only the exact kinds when
    /// `exact_only`), skipping keys held by more principals than their kind's cap.
    fn lookup(&self, keys: &[Key], exact_only: bool, found: &mut Vec<u32>) {
        found.clear();
        for &key in keys {
            if exact_only && !key.kind.is_exact() {
                continue;
            }
            let postings = self.get(key);
            if postings.len() <= key.kind.cap() {
                found.extend_from_slice(postings);
            }
        }
        found.sort_unstable();
        found.dedup();
    }
}

/// The keys a user is found under: its identifiers and names (not its name tokens).
fn user_keys(user: &User, out: &mut Vec<Key>) {
    for ext in &user.external_ids {
        out.push(Key::pair(KeyKind::ExternalId, &ext.issuer, &ext.id));
        if is_long_id(&ext.id) {
            out.push(Key::text(KeyKind::ExternalIdValue, &ext.id));
        }
    }
    if !user.user_name.is_empty() {
        out.push(Key::text(KeyKind::UserName, &user.user_name));
    }
    for email in &user.emails {
        if !email.value.is_empty() {
            out.push(Key::text(KeyKind::Email, &email.value));
        }
    }
    for address in addresses(user) {
        let local = local_part(address);
        if !local.is_empty() {
            out.push(Key::text(KeyKind::LocalPart, local));
        }
    }
    if let Some(display) = &user.display_name {
        if !display.trim().is_empty() {
            out.push(Key::words(KeyKind::DisplayName, display));
        }
    }
    if let Some((given, family)) = person_name(user) {
        out.push(Key::pair(KeyKind::PersonName, given.trim(), family.trim()));
    }
    dedup_keys(out);
}

/// The rare-name lookups of a user: the tokens of its user name's local part and display
/// name (one-letter tokens, initials, say nothing).
fn user_token_keys(user: &User, out: &mut Vec<Key>) {
    let local = name_tokens(local_part(&user.user_name));
    let display = display_sources(user).into_iter().flat_map(name_tokens);
    for token in local.chain(display) {
        if token.chars().nth(1).is_some() {
            out.push(Key::text(KeyKind::Token, token));
        }
    }
    dedup_keys(out);
}

fn group_keys(group: &Group, out: &mut Vec<Key>) {
    for ext in &group.external_ids {
        out.push(Key::pair(KeyKind::ExternalId, &ext.issuer, &ext.id));
        if is_long_id(&ext.id) {
            out.push(Key::text(KeyKind::ExternalIdValue, &ext.id));
        }
    }
    if !group.display_name.trim().is_empty() {
        out.push(Key::words(KeyKind::DisplayName, &group.display_name));
    }
    let mut tokens = group_name_tokens(&group.display_name).peekable();
    if tokens.peek().is_some() {
        // The tokens run together, as `NameForm::compact` and `same_group_name` see them.
        let normalised = tokens.fold(KeyBuilder::new(KeyKind::NormalisedName), |key, token| {
            key.folded(token)
        });
        out.push(normalised.finish());
    }
    dedup_keys(out);
}

fn group_token_keys(group: &Group, out: &mut Vec<Key>) {
    for token in group_name_tokens(&group.display_name) {
        if token.chars().nth(1).is_some() {
            out.push(Key::text(KeyKind::Token, token));
        }
    }
    dedup_keys(out);
}

fn dedup_keys(keys: &mut Vec<Key>) {
    keys.sort_unstable_by_key(|key| key.hash);
    keys.dedup_by_key(|key| key.hash);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::demo::{demo_ground_truth, load_demo};
    use crate::fixture::migration::generate_migration;
    use crate::fixture::OrgSpec;
    use crate::model::{Email, InstanceInfo, PersonName, UserId};

    const OLD: &str = "https://old-idp.example/";
    const NEW: &str = "https://new-idp.example/";

    fn snapshot(users: Vec<User>, groups: Vec<Group>) -> Snapshot {
        let mut s = Snapshot::empty(
            InstanceInfo::default(),
            "2026-11-26T10:00:00Z".parse().unwrap(),
        );
        s.users = users;
        s.groups = groups;
        s
    }

    /// A user `id` with user name and primary email `address`, display name `display`, and
    /// one external id `(issuer, ext)`.
    fn user(id: &str, address: &str, display: &str, issuer: &str, ext: &str) -> User {
        let (given, family) = display.split_once(' ').unwrap_or((display, ""));
        User {
            user_id: UserId(id.to_owned()),
            user_name: address.to_owned(),
            display_name: Some(display.to_owned()),
            name: Some(PersonName {
                given_name: Some(given.to_owned()),
                family_name: Some(family.to_owned()),
                ..PersonName::default()
            }),
            emails: vec![Email {
                value: address.to_owned(),
                kind: Some("work".to_owned()),
                primary: true,
            }],
            external_ids: vec![ExternalId {
                issuer: issuer.to_owned(),
                id: ext.to_owned(),
            }],
            status: None,
            profile: Default::default(),
        }
    }

    fn with_alias(mut user: User, alias: &str) -> User {
        user.emails.push(Email {
            value: alias.to_owned(),
            kind: Some("other".to_owned()),
            primary: false,
        });
        user
    }

    fn group(id: &str, name: &str, issuer: &str, ext: &str) -> Group {
        Group {
            group_id: GroupId(id.to_owned()),
            display_name: name.to_owned(),
            description: None,
            external_ids: vec![ExternalId {
                issuer: issuer.to_owned(),
                id: ext.to_owned(),
            }],
        }
    }

    use crate::model::GroupId;

    /// The IdP-to-IdP picture: current holds the old principals and the new ones.
    fn pair(old_users: Vec<User>, new_users: Vec<User>) -> (Snapshot, Snapshot) {
        let baseline = snapshot(old_users.clone(), Vec::new());
        let mut all = old_users;
        all.extend(new_users);
        (baseline, snapshot(all, Vec::new()))
    }

    fn suggest_user(baseline: &Snapshot, current: &Snapshot, old: &str) -> Vec<Candidate> {
        Suggester::new(baseline, current).suggest(PrincipalType::User, &old.into(), 10)
    }

    fn ids(candidates: &[Candidate]) -> Vec<&str> {
        candidates.iter().map(|c| c.principal_id.as_str()).collect()
    }

    #[test]
    fn same_external_id_is_exact_and_outranks_everything_else() {
        // A Region move: the same directory entry re-provisioned, user name changed. Another
        // new user carries the old user name, email and display name: still second.
        let old = user("u-old", "ana@old.example", "Ana Chen", OLD, "ext-1");
        let moved = user("u-moved", "achen@old.example", "A. Chen", OLD, "EXT-1");
        let lookalike = user("u-look", "ana@old.example", "Ana Chen", NEW, "ext-9");
        let (baseline, current) = pair(vec![old], vec![moved, lookalike]);
        let found = suggest_user(&baseline, &current, "u-old");
        assert_eq!(ids(&found), ["u-moved", "u-look"]);
        assert_eq!(found[0].evidence, [Evidence::ExternalId]);
        assert!(found[0].is_exact());
        assert_eq!(
            found[1].evidence,
            [Evidence::UserName, Evidence::Email, Evidence::DisplayName]
        );
        assert!(found[0].confidence > found[1].confidence);
        assert_eq!(
            found[1].reason,
            "same user name, same email, same display name"
        );
    }

    #[test]
    fn other_entries_of_the_old_directory_are_never_candidates() {
        // ana.chen2 of the old tenant shares the display name and nearly the user name, but
        // the old directory says it is somebody else; the old user itself is not a candidate.
        let old = user("u-1", "ana.chen@old.example", "Ana Chen", OLD, "ext-1");
        let namesake = user("u-2", "ana.chen2@old.example", "Ana Chen", OLD, "ext-2");
        let successor = user("u-3", "ana.chen@new.example", "Ana Chen", NEW, "ext-3");
        let (baseline, current) = pair(vec![old, namesake], vec![successor]);
        let found = suggest_user(&baseline, &current, "u-1");
        assert_eq!(ids(&found), ["u-3"]);
        assert_eq!(
            found[0].evidence,
            [Evidence::LocalPart, Evidence::DisplayName]
        );
        assert_eq!(found[0].reason, "same email local part, same display name");
        assert!(!found[0].is_exact());
    }

    #[test]
    fn user_name_and_email_compare_without_case() {
        let old = user("u-1", "Ana.Chen@Corp.example", "Ana Chen", OLD, "e1");
        let by_name = user("u-2", "ana.chen@corp.EXAMPLE", "Someone Else", NEW, "e2");
        let (baseline, current) = pair(vec![old], vec![by_name]);
        let found = suggest_user(&baseline, &current, "u-1");
        assert_eq!(ids(&found), ["u-2"]);
        assert_eq!(found[0].evidence, [Evidence::UserName, Evidence::Email]);

        let old = user("u-1", "ana.chen@old.example", "Ana Chen", OLD, "e1");
        let by_alias = with_alias(
            user("u-2", "achen@new.example", "Ana Chen", NEW, "e2"),
            "ANA.CHEN@old.example",
        );
        let (baseline, current) = pair(vec![old], vec![by_alias]);
        let found = suggest_user(&baseline, &current, "u-1");
        assert_eq!(found[0].evidence, [Evidence::Email, Evidence::DisplayName]);
        assert!(found[0].is_exact());
    }

    #[test]
    fn display_name_alone_is_never_exact_and_namesakes_tie() {
        let old = user("u-1", "ana.chen@old.example", "Ana Chen", OLD, "e1");
        let first = user("u-2", "achen@new.example", "Ana Chen", NEW, "e2");
        let second = user("u-3", "chen.a@new.example", "ana  chen", NEW, "e3");
        let (baseline, current) = pair(vec![old], vec![first, second]);
        let suggester = Suggester::new(&baseline, &current);
        let found = suggester.suggest(PrincipalType::User, &"u-1".into(), 10);
        assert_eq!(ids(&found), ["u-2", "u-3"]);
        for candidate in &found {
            assert_eq!(candidate.strongest(), Evidence::DisplayName);
            assert!(!candidate.is_exact());
        }
        assert!(suggester.unambiguous_exact().is_empty());
    }

    #[test]
    fn given_and_family_name_count_when_the_display_name_differs() {
        let old = user(
            "u-1",
            "samuel.okafor@old.example",
            "Samuel Okafor",
            OLD,
            "e1",
        );
        let mut new = user("u-2", "sokafor@new.example", "Sam Okafor", NEW, "e2");
        new.name.as_mut().unwrap().given_name = Some("Samuel".to_owned());
        let (baseline, current) = pair(vec![old], vec![new]);
        let found = suggest_user(&baseline, &current, "u-1");
        assert_eq!(ids(&found), ["u-2"]);
        assert_eq!(found[0].strongest(), Evidence::PersonName);
    }

    #[test]
    fn similar_names_are_found_through_rare_tokens() {
        // A changed family name: nothing but the names relate the two.
        let old = user("u-1", "ana.chen@old.example", "Ana Chen", OLD, "e1");
        let married = user(
            "u-2",
            "ana.chen-smith@new.example",
            "Ana Chen-Smith",
            NEW,
            "e2",
        );
        let other_ana = user("u-3", "ana.garcia@new.example", "Ana Garcia", NEW, "e3");
        // Old-directory users sharing every token must not crowd the short list.
        let mut old_users = vec![old];
        for i in 0..3 * FUZZY_SHORTLIST {
            old_users.push(user(
                &format!("u-old-{i:02}"),
                &format!("ana.chen{i}@old.example"),
                "Ana Chen",
                OLD,
                &format!("x{i}"),
            ));
        }
        let (baseline, current) = pair(old_users, vec![married, other_ana]);
        let found = suggest_user(&baseline, &current, "u-1");
        assert_eq!(ids(&found), ["u-2"], "{found:?}");
        assert_eq!(found[0].evidence, [Evidence::Fuzzy]);
        let similarity = found[0].similarity.unwrap();
        assert!((FUZZY_MIN..1.0).contains(&similarity), "{similarity}");
        assert!(
            found[0].reason.starts_with("similar name ("),
            "{}",
            found[0].reason
        );
    }

    #[test]
    fn similar_user_name_breaks_a_display_name_tie() {
        // Two Ana Chens in the new tenant; the old `ana.chen2` is closer to `ana.chen` than
        // to `achen`.
        let old = user("u-1", "ana.chen2@old.example", "Ana Chen", OLD, "e1");
        let close = user("u-2", "ana.chen@new.example", "Ana Chen", NEW, "e2");
        let far = user("u-3", "achen@new.example", "Ana Chen", NEW, "e3");
        let (baseline, current) = pair(vec![old], vec![far, close]);
        let found = suggest_user(&baseline, &current, "u-1");
        assert_eq!(ids(&found), ["u-2", "u-3"]);
        assert_eq!(found[0].evidence, [Evidence::DisplayName, Evidence::Fuzzy]);
        assert_eq!(found[1].evidence, [Evidence::DisplayName]);
        assert!(found[0].confidence > found[1].confidence);
    }

    #[test]
    fn same_external_id_value_from_another_issuer_is_weaker_and_only_for_long_ids() {
        let guid = "5d3c1a2b-9f8e-4d7c-b6a5-0e1f2a3b4c5d";
        let old = user("u-1", "ana@old.example", "Ana Chen", OLD, guid);
        let resynced = user("u-2", "x@new.example", "X", NEW, &guid.to_uppercase());
        let by_name = user("u-3", "ana@old.example", "Y", NEW, "e3");
        let (baseline, current) = pair(vec![old], vec![resynced, by_name]);
        let found = suggest_user(&baseline, &current, "u-1");
        assert_eq!(ids(&found), ["u-3", "u-2"]);
        assert_eq!(found[1].evidence, [Evidence::ExternalIdValue]);
        assert!(!found[1].is_exact());

        let old = user("u-1", "ana@old.example", "Ana Chen", OLD, "1042");
        let employee_number = user("u-2", "x@new.example", "X", NEW, "1042");
        let (baseline, current) = pair(vec![old], vec![employee_number]);
        assert!(suggest_user(&baseline, &current, "u-1").is_empty());
    }

    #[test]
    fn more_evidence_raises_confidence_within_the_same_strength() {
        let old = user("u-1", "ana.chen@old.example", "Ana Chen", OLD, "e1");
        let local_only = user("u-2", "ana.chen@new.example", "A C", NEW, "e2");
        let local_and_name = user("u-3", "ana.chen@new2.example", "Ana Chen", NEW, "e3");
        let (baseline, current) = pair(vec![old], vec![local_only, local_and_name]);
        let found = suggest_user(&baseline, &current, "u-1");
        assert_eq!(ids(&found), ["u-3", "u-2"]);
        assert!(found[0].confidence > found[1].confidence);
        assert!(found.iter().all(|c| (0.0..=1.0).contains(&c.confidence)));
    }

    #[test]
    fn candidates_are_of_the_same_type_and_limited() {
        let old_user = user(
            "p-1",
            "platform-admins@old.example",
            "platform-admins",
            OLD,
            "e1",
        );
        let old_group = group("g-1", "platform-admins", OLD, "g1");
        let new_users: Vec<User> = (0..5)
            .map(|i| {
                user(
                    &format!("u-{i}"),
                    &format!("n{i}@x.example"),
                    "platform-admins",
                    NEW,
                    &format!("n{i}"),
                )
            })
            .collect();
        let new_group = group("g-2", "platform-admins", NEW, "g2");
        let baseline = snapshot(vec![old_user.clone()], vec![old_group.clone()]);
        let mut users = vec![old_user];
        users.extend(new_users);
        let current = snapshot(users, vec![old_group, new_group]);
        let suggester = Suggester::new(&baseline, &current);
        let groups = suggester.suggest(PrincipalType::Group, &"g-1".into(), 10);
        assert_eq!(ids(&groups), ["g-2"]);
        let users = suggester.suggest(PrincipalType::User, &"p-1".into(), 3);
        assert_eq!(ids(&users), ["u-0", "u-1", "u-2"]);
        // The wrong type, or an id the baseline does not know: nothing.
        assert!(suggester
            .suggest(PrincipalType::User, &"g-1".into(), 10)
            .is_empty());
        assert!(suggester
            .suggest(PrincipalType::Group, &"nope".into(), 10)
            .is_empty());
    }

    #[test]
    fn groups_match_by_external_id_display_name_and_naming_convention() {
        let old = vec![
            group("g-1", "aws-platform-admins", OLD, "g1"),
            group("g-2", "aws-data-readonly", OLD, "g2"),
            group("g-3", "aws-web-oncall", OLD, "g3"),
            group("g-4", "aws-sre-breakglass", OLD, "g4"),
            group("g-5", "aws-ml-developers", OLD, "g5"),
            group("g-6", "aws-web-read-only", OLD, "g6"),
        ];
        let new = vec![
            group("n-1", "sg-aws-platform-admins", NEW, "n1"),
            group("n-2", "AWS Data ReadOnly", NEW, "n2"),
            group("n-3", "aws-web-oncall", NEW, "n3"),
            group("n-4", "break-glass", OLD, "g4"),
            group("n-5", "sg-aws-ml-developer", NEW, "n5"),
            group("n-6", "AWS Web ReadOnly", NEW, "n6"),
        ];
        let baseline = snapshot(Vec::new(), old.clone());
        let mut all = old;
        all.extend(new);
        let current = snapshot(Vec::new(), all);
        let suggester = Suggester::new(&baseline, &current);
        let top = |id: &str| {
            suggester
                .suggest(PrincipalType::Group, &id.into(), 5)
                .into_iter()
                .next()
                .expect("a suggestion")
        };
        let platform = top("g-1");
        assert_eq!(platform.principal_id.as_str(), "n-1");
        assert_eq!(platform.evidence, [Evidence::Fuzzy]);
        assert_eq!(platform.similarity, Some(1.0));
        assert_eq!(
            platform.reason,
            "same name ignoring case, separators and prefixes"
        );
        assert_eq!(top("g-2").principal_id.as_str(), "n-2");
        let oncall = top("g-3");
        assert_eq!(
            (oncall.principal_id.as_str(), oncall.strongest()),
            ("n-3", Evidence::DisplayName)
        );
        let breakglass = top("g-4");
        assert_eq!(
            (breakglass.principal_id.as_str(), breakglass.strongest()),
            ("n-4", Evidence::ExternalId)
        );
        let ml = top("g-5");
        assert_eq!(ml.principal_id.as_str(), "n-5");
        assert!(ml.similarity.unwrap() < 1.0);
        assert!(platform.confidence > ml.confidence);
        let read_only = top("g-6");
        assert_eq!(
            (read_only.principal_id.as_str(), read_only.similarity),
            ("n-6", Some(1.0))
        );
    }

    #[test]
    fn keys_fold_case_and_stream_across_calls() {
        let word = |text: &str| u64::from_le_bytes(text.as_bytes().try_into().unwrap());
        assert_eq!(ascii_lowercase_word(word("AZaz@[`{")), word("azaz@[`{"));
        let key = |parts: &[&str]| {
            parts
                .iter()
                .fold(KeyBuilder::new(KeyKind::Token), |b, p| b.folded(p))
                .finish()
                .hash
        };
        assert_eq!(
            key(&["ReadOnlyAccessGroup"]),
            key(&["read", "only", "ACCESS", "group"])
        );
        assert_eq!(key(&["ÉLODIE.Dupont"]), key(&["élodie.dupont"]));
        assert_ne!(key(&["ab"]), key(&["ab\0"]));
        assert_ne!(key(&["readonly"]), key(&["readonlx"]));
        assert_ne!(
            Key::pair(KeyKind::PersonName, "ab", "c").hash,
            Key::pair(KeyKind::PersonName, "a", "bc").hash
        );
        assert_ne!(
            Key::text(KeyKind::UserName, "x").hash,
            Key::text(KeyKind::Email, "x").hash
        );
        assert_eq!(
            Key::words(KeyKind::DisplayName, " Ana   CHEN ").hash,
            Key::words(KeyKind::DisplayName, "ana chen").hash
        );
    }

    #[test]
    fn bulk_accept_takes_only_unambiguous_exact_matches() {
        let olds = vec![
            // Clear: one exact successor.
            user("o-clear", "clear@old.example", "Clear One", OLD, "e1"),
            // Two candidates with exact evidence (user name → one, email → another).
            user("o-split", "split@old.example", "Split Two", OLD, "e2"),
            // Two old principals whose exact evidence names the same successor.
            user("o-twin-a", "twin-a@old.example", "Twin A", OLD, "e3"),
            user("o-twin-b", "twin-b@old.example", "Twin B", OLD, "e4"),
            // Only a display name: never bulk.
            user("o-name", "name@old.example", "Name Only", OLD, "e5"),
        ];
        let news = vec![
            user("n-clear", "clear@old.example", "Clear One", NEW, "f1"),
            user("n-split-1", "split@old.example", "Split", NEW, "f2"),
            with_alias(
                user("n-split-2", "s2@new.example", "Split", NEW, "f3"),
                "split@old.example",
            ),
            with_alias(
                with_alias(
                    user("n-twin", "twin@new.example", "Twin", NEW, "f4"),
                    "twin-a@old.example",
                ),
                "twin-b@old.example",
            ),
            user("n-name", "someone@new.example", "Name Only", NEW, "f5"),
        ];
        let (baseline, current) = pair(olds, news);
        let suggester = Suggester::new(&baseline, &current);
        let exact = suggester.unambiguous_exact();
        assert_eq!(
            exact,
            [ExactMatch {
                principal_type: PrincipalType::User,
                old_id: "o-clear".into(),
                new_id: "n-clear".into(),
                evidence: vec![Evidence::UserName, Evidence::Email, Evidence::DisplayName],
            }]
        );
        // The ambiguous ones still get suggestions, for the admin to choose.
        assert_eq!(
            suggester
                .suggest(PrincipalType::User, &"o-split".into(), 5)
                .len(),
            2
        );
        assert_eq!(
            ids(&suggester.suggest(PrincipalType::User, &"o-twin-b".into(), 5)),
            ["n-twin"]
        );
    }

    #[test]
    fn bulk_accept_skips_pairs_that_match_both_ways_in_one_load() {
        // Baseline and current are the same load: the new user (alias of the old address) is
        // an "old principal" too, and each is the other's exact match.
        let old = user("u-old", "ana@old.example", "Ana Chen", OLD, "e1");
        let new = with_alias(
            user("u-new", "ana@new.example", "Ana Chen", NEW, "e2"),
            "ana@old.example",
        );
        let load = snapshot(vec![old, new], Vec::new());
        let suggester = Suggester::new(&load, &load);
        assert!(suggester.unambiguous_exact().is_empty());
        // The separate-baseline case accepts the same pair.
        let baseline = snapshot(vec![load.users[0].clone()], Vec::new());
        let exact = Suggester::new(&baseline, &load).unambiguous_exact();
        assert_eq!(exact.len(), 1);
        assert_eq!(exact[0].new_id.as_str(), "u-new");
    }

    #[test]
    fn suggest_all_covers_every_old_principal_in_order_and_agrees_with_suggest() {
        let demo = load_demo();
        let suggester = Suggester::new(&demo.baseline, &demo.current);
        let all = suggester.suggest_all(3);
        assert_eq!(
            all.len(),
            demo.baseline.users.len() + demo.baseline.groups.len()
        );
        let expected_order: Vec<(PrincipalType, PrincipalId)> = demo
            .baseline
            .users
            .iter()
            .map(|u| (PrincipalType::User, PrincipalId::from(&u.user_id)))
            .chain(
                demo.baseline
                    .groups
                    .iter()
                    .map(|g| (PrincipalType::Group, PrincipalId::from(&g.group_id))),
            )
            .collect();
        for ((principal_type, id, candidates), expected) in all.iter().zip(&expected_order) {
            assert_eq!((principal_type, id), (&expected.0, &expected.1));
            assert!(candidates.len() <= 3);
            assert_eq!(candidates, &suggester.suggest(*principal_type, id, 3));
        }
    }

    /// The generated IdP-to-IdP migration: user names or local parts, display names and
    /// naming conventions carry everyone across; leavers and retired groups get no exact
    /// suggestion; bulk acceptance is always right.
    #[test]
    fn generated_migration_top_suggestions_match_the_truth() {
        let m = generate_migration(&OrgSpec::new(2_500, 400, 10, 10, 3_000).with_seed(3));
        let suggester = Suggester::new(&m.baseline, &m.current);
        let all = suggester.suggest_all(3);
        assert_eq!(all.len(), m.truth.len());
        let (mut with_successor, mut right) = (0, 0);
        for ((principal_type, old, candidates), (t, o, successor)) in all.iter().zip(&m.truth) {
            assert_eq!((principal_type, old), (t, o));
            match successor {
                Some(new) => {
                    with_successor += 1;
                    right +=
                        usize::from(candidates.first().is_some_and(|c| &c.principal_id == new));
                }
                None => assert!(!candidates.first().is_some_and(Candidate::is_exact)),
            }
        }
        assert!(
            right as f64 >= 0.99 * with_successor as f64,
            "{right} of {with_successor}"
        );
        let truth: HashMap<&PrincipalId, Option<&PrincipalId>> =
            m.truth.iter().map(|(_, o, n)| (o, n.as_ref())).collect();
        let exact = suggester.unambiguous_exact();
        assert!(!exact.is_empty());
        for e in &exact {
            assert_eq!(truth[&e.old_id], Some(&e.new_id));
        }
    }

    /// Precision of the top suggestion on the demo org, against its ground truth.
    #[test]
    fn demo_top_suggestions_match_the_ground_truth() {
        let demo = load_demo();
        let truth = demo_ground_truth();
        let suggester = Suggester::new(&demo.baseline, &demo.current);
        let names: HashMap<&str, &str> = demo
            .current
            .users
            .iter()
            .map(|u| (u.user_id.as_str(), u.user_name.as_str()))
            .collect();
        let name_of = |id: &str| names.get(id).copied().unwrap_or("?");
        let top = |principal_type, id: PrincipalId| {
            suggester.suggest(principal_type, &id, 5).into_iter().next()
        };

        let (mut stayers, mut right, mut leavers_without_exact, mut leavers) = (0, 0, 0, 0);
        let mut wrong = Vec::new();
        for (old, successor) in &truth.user_successors {
            let best = top(PrincipalType::User, PrincipalId::from(old));
            match successor {
                Some(new) => {
                    stayers += 1;
                    if best.as_ref().map(|c| c.principal_id.as_str()) == Some(new.as_str()) {
                        right += 1;
                    } else {
                        wrong.push(format!(
                            "{} -> {} ({}), truth {}",
                            name_of(old.as_str()),
                            best.as_ref()
                                .map_or("nothing", |c| name_of(c.principal_id.as_str())),
                            best.as_ref().map_or("", |c| c.reason.as_str()),
                            name_of(new.as_str())
                        ));
                    }
                }
                None => {
                    leavers += 1;
                    if !best.is_some_and(|c| c.is_exact()) {
                        leavers_without_exact += 1;
                    }
                }
            }
        }
        let user_precision = right as f64 / stayers as f64;
        println!(
            "demo users: {right} of {stayers} successors are the top suggestion ({:.1}%); \
             {leavers_without_exact} of {leavers} leavers without an exact suggestion; misses:\n  {}",
            100.0 * user_precision,
            wrong.join("\n  ")
        );
        assert!(user_precision >= 0.95, "{user_precision}: {wrong:?}");
        assert_eq!(leavers_without_exact, leavers);

        let (mut with_successor, mut groups_right) = (0, 0);
        for (old, successor) in &truth.group_successors {
            let best = top(PrincipalType::Group, PrincipalId::from(old));
            if let Some(new) = successor {
                with_successor += 1;
                groups_right +=
                    usize::from(best.is_some_and(|c| c.principal_id.as_str() == new.as_str()));
            }
        }
        let group_precision = groups_right as f64 / with_successor as f64;
        println!(
            "demo groups: {groups_right} of {with_successor} successors are the top suggestion ({:.1}%)",
            100.0 * group_precision
        );
        assert!(group_precision >= 0.9, "{group_precision}");

        // Every bulk-acceptable match is right.
        let successors: HashMap<&str, Option<&str>> = truth
            .user_successors
            .iter()
            .map(|(o, n)| (o.as_str(), n.as_ref().map(|n| n.as_str())))
            .chain(
                truth
                    .group_successors
                    .iter()
                    .map(|(o, n)| (o.as_str(), n.as_ref().map(|n| n.as_str()))),
            )
            .collect();
        let exact = suggester.unambiguous_exact();
        println!("demo: {} unambiguous exact matches", exact.len());
        assert!(
            exact.len() >= 80,
            "the alias-keeping people: {}",
            exact.len()
        );
        for m in &exact {
            assert_eq!(
                successors[m.old_id.as_str()],
                Some(m.new_id.as_str()),
                "{m:?}"
            );
            assert!(m.evidence[0].is_exact());
        }
    }
}
