//! [`AccessIndex`]: the snapshot's relations turned into dense integer indexes, so that access
//! questions cost time proportional to their answer, not to the size of the instance.
//!
//! Ids that resolve to nothing are kept apart rather than dropped: an assignment whose principal
//! no longer exists is *orphaned* (reported, never granting anything), and an assignment in an
//! account or of a permission set the snapshot has no record of still grants access (the record
//! may just be missing, e.g. Organizations could not be read), it only lacks a name.

use super::adjacency::Adjacency;
use super::parallel;
use crate::model::*;
use std::collections::HashMap;

/// How a user reaches an (account, permission set) pair. `Direct` sorts before any group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Via<'s> {
    /// An assignment names the user.
    Direct,
    /// An assignment names this group, and the user is a member.
    Group(&'s GroupId),
}

/// One (account, permission set) a user can reach, with every path that grants it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant<'s> {
    pub account_id: &'s AccountId,
    pub permission_set_arn: &'s PermissionSetArn,
    /// Sorted, without duplicates, never empty: `Direct` first, then groups by id.
    pub via: Vec<Via<'s>>,
}

/// One (user, permission set) that can reach a given account, with every granting path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach<'s> {
    pub user: &'s User,
    pub permission_set_arn: &'s PermissionSetArn,
    /// Sorted, without duplicates, never empty: `Direct` first, then groups by id.
    pub via: Vec<Via<'s>>,
}

/// Principals that exist but are not granted anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrincipalsWithoutAccess<'s> {
    /// Users who reach no account (neither directly nor through a group) and are assigned no
    /// application (neither directly nor through a group), in snapshot order.
    pub users: Vec<&'s User>,
    /// Groups named by no account assignment and no application assignment, in snapshot order
    /// (whether or not they have members).
    pub groups: Vec<&'s Group>,
}

/// Where an assignment's principal id leads, checked against the principal type it names: a
/// `USER` assignment whose id belongs to a group is orphaned, not a group grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolved {
    User(u32),
    Group(u32),
    Orphan,
}

/// An account assignment with every id replaced by its index.
#[derive(Clone, Copy, Debug)]
struct CompactAssignment {
    /// Into `AccessIndex::account_ids`.
    account: u32,
    /// Into `AccessIndex::permission_set_arns`.
    permission_set: u32,
    principal: Resolved,
}

/// A granting path in the packed working tuples: `DIRECT`, or a group index plus one.
const DIRECT: u32 = 0;

/// An id that resolved to nothing (yet): an account or permission set not interned before the
/// parallel pass, or a membership's unknown user or group.
const UNSEEN: u32 = u32::MAX;

/// Answers access questions about one snapshot; see the module documentation.
///
/// Building is linear in the size of the snapshot (a handful of hash lookups per record, spread
/// over the cores for assignments and memberships, and a counting sort per relation). Where the snapshot lists the same id twice (it never does once
/// normalized), the first record wins.
pub struct AccessIndex<'s> {
    snapshot: &'s Snapshot,
    /// Id → index into the snapshot's list of that kind.
    users: HashMap<&'s str, u32>,
    groups: HashMap<&'s str, u32>,
    permission_sets: HashMap<&'s str, u32>,
    accounts: HashMap<&'s str, u32>,
    applications: HashMap<&'s str, u32>,
    /// Every account id that an account record or an account assignment names, sorted, so that
    /// sorting by position sorts by id.
    account_ids: Vec<&'s AccountId>,
    account_keys: HashMap<&'s str, u32>,
    /// Every permission set ARN that a permission set record or an assignment names, sorted.
    permission_set_arns: Vec<&'s PermissionSetArn>,
    /// Parallel to `snapshot.account_assignments`.
    assignments: Vec<CompactAssignment>,
    groups_of_user: Adjacency,
    members_of_group: Adjacency,
    /// Rows are user / group / account-key indexes, targets are assignment indexes.
    assignments_of_user: Adjacency,
    assignments_of_group: Adjacency,
    assignments_in_account: Adjacency,
    orphaned_account_assignments: Vec<u32>,
    orphaned_application_assignments: Vec<u32>,
    user_has_application: Vec<bool>,
    group_has_application: Vec<bool>,
}

impl<'s> AccessIndex<'s> {
    pub fn new(snapshot: &'s Snapshot) -> AccessIndex<'s> {
        let users = first_positions(&snapshot.users, |u| u.user_id.as_str());
        let groups = first_positions(&snapshot.groups, |g| g.group_id.as_str());
        let permission_sets =
            first_positions(&snapshot.permission_sets, |p| p.permission_set_arn.as_str());
        let accounts = first_positions(&snapshot.accounts, |a| a.account_id.as_str());
        let applications = first_positions(&snapshot.applications, |a| a.application_arn.as_str());

        let resolve = |principal_type: PrincipalType, id: &PrincipalId| -> Resolved {
            let found = match principal_type {
                PrincipalType::User => users.get(id.as_str()).map(|&u| Resolved::User(u)),
                PrincipalType::Group => groups.get(id.as_str()).map(|&g| Resolved::Group(g)),
            };
            found.unwrap_or(Resolved::Orphan)
        };

        // Account ids and permission set ARNs get dense ids: those with a record first, then,
        // in a sequential pass after the parallel one, those only an assignment names (rare).
        // Both lists are then renumbered in sorted order.
        let mut account_interner = SortedInterner::with_capacity(snapshot.accounts.len());
        for account in &snapshot.accounts {
            account_interner.intern(&account.account_id, account.account_id.as_str());
        }
        let mut ps_interner = SortedInterner::with_capacity(snapshot.permission_sets.len());
        for ps in &snapshot.permission_sets {
            ps_interner.intern(&ps.permission_set_arn, ps.permission_set_arn.as_str());
        }
        let mut assignments =
            compact_assignments(snapshot, &resolve, &account_interner, &ps_interner);
        // Accounts and permission sets that only assignments name.
        for (compact, a) in assignments.iter_mut().zip(&snapshot.account_assignments) {
            if compact.account == UNSEEN {
                compact.account = account_interner.intern(&a.account_id, a.account_id.as_str());
            }
            if compact.permission_set == UNSEEN {
                compact.permission_set =
                    ps_interner.intern(&a.permission_set_arn, a.permission_set_arn.as_str());
            }
        }
        let (account_ids, account_keys, account_rank) = account_interner.finish();
        let (permission_set_arns, _, ps_rank) = ps_interner.finish();
        for a in &mut assignments {
            a.account = account_rank[a.account as usize];
            a.permission_set = ps_rank[a.permission_set as usize];
        }

        let memberships = resolve_memberships(snapshot, &users, &groups);
        let groups_of_user = Adjacency::build(snapshot.users.len(), &memberships);
        let reversed: Vec<(u32, u32)> = memberships.iter().map(|&(u, g)| (g, u)).collect();
        let members_of_group = Adjacency::build(snapshot.groups.len(), &reversed);

        let mut user_edges = Vec::new();
        let mut group_edges = Vec::new();
        let mut account_edges = Vec::with_capacity(assignments.len());
        let mut orphaned_account_assignments = Vec::new();
        for (i, a) in assignments.iter().enumerate() {
            let i = i as u32;
            account_edges.push((a.account, i));
            match a.principal {
                Resolved::User(u) => user_edges.push((u, i)),
                Resolved::Group(g) => group_edges.push((g, i)),
                Resolved::Orphan => orphaned_account_assignments.push(i),
            }
        }

        let mut user_has_application = vec![false; snapshot.users.len()];
        let mut group_has_application = vec![false; snapshot.groups.len()];
        let mut orphaned_application_assignments = Vec::new();
        for (i, a) in snapshot.application_assignments.iter().enumerate() {
            match resolve(a.principal_type, &a.principal_id) {
                Resolved::User(u) => user_has_application[u as usize] = true,
                Resolved::Group(g) => group_has_application[g as usize] = true,
                Resolved::Orphan => orphaned_application_assignments.push(i as u32),
            }
        }

        AccessIndex {
            snapshot,
            assignments_of_user: Adjacency::build(snapshot.users.len(), &user_edges),
            assignments_of_group: Adjacency::build(snapshot.groups.len(), &group_edges),
            assignments_in_account: Adjacency::build(account_ids.len(), &account_edges),
            users,
            groups,
            permission_sets,
            accounts,
            applications,
            account_ids,
            account_keys,
            permission_set_arns,
            assignments,
            groups_of_user,
            members_of_group,
            orphaned_account_assignments,
            orphaned_application_assignments,
            user_has_application,
            group_has_application,
        }
    }

    pub fn snapshot(&self) -> &'s Snapshot {
        self.snapshot
    }

    // -----------------------------------------------------------------------------------------
    // Lookups

    pub fn user(&self, id: &UserId) -> Option<&'s User> {
        self.user_index(id).map(|u| self.user_at(u))
    }

    pub fn group(&self, id: &GroupId) -> Option<&'s Group> {
        self.group_index(id).map(|g| self.group_at(g))
    }

    pub fn permission_set(&self, arn: &PermissionSetArn) -> Option<&'s PermissionSet> {
        let snapshot = self.snapshot;
        self.permission_sets
            .get(arn.as_str())
            .map(|&p| &snapshot.permission_sets[p as usize])
    }

    pub fn account(&self, id: &AccountId) -> Option<&'s Account> {
        let snapshot = self.snapshot;
        self.accounts
            .get(id.as_str())
            .map(|&a| &snapshot.accounts[a as usize])
    }

    pub fn application(&self, arn: &ApplicationArn) -> Option<&'s Application> {
        let snapshot = self.snapshot;
        self.applications
            .get(arn.as_str())
            .map(|&a| &snapshot.applications[a as usize])
    }

    /// Every user once, in snapshot order (a repeated id is skipped).
    pub fn users(&self) -> impl Iterator<Item = &'s User> + '_ {
        self.snapshot
            .users
            .iter()
            .enumerate()
            .filter(|(i, u)| self.user_index(&u.user_id) == Some(*i as u32))
            .map(|(_, u)| u)
    }

    /// Every group once, in snapshot order (a repeated id is skipped).
    pub fn groups(&self) -> impl Iterator<Item = &'s Group> + '_ {
        self.snapshot
            .groups
            .iter()
            .enumerate()
            .filter(|(i, g)| self.group_index(&g.group_id) == Some(*i as u32))
            .map(|(_, g)| g)
    }

    /// Every account id the snapshot names, in an account record or in an assignment, sorted.
    pub fn account_ids(&self) -> &[&'s AccountId] {
        &self.account_ids
    }

    /// Every permission set ARN the snapshot names, in a record or in an assignment, sorted.
    pub fn permission_set_arns(&self) -> &[&'s PermissionSetArn] {
        &self.permission_set_arns
    }

    /// The groups `user` is a member of, in snapshot order; empty for an unknown user.
    /// The assignment at `i` (in `snapshot.account_assignments` order) by position: its
    /// account in [`Self::account_ids`], its permission set in [`Self::permission_set_arns`],
    /// and its principal among the snapshot's users or groups (`None`: orphaned). For tables
    /// that group a million assignments by a few thousand distinct values without hashing ids.
    pub fn assignment_positions(&self, i: usize) -> (u32, u32, Option<(PrincipalType, u32)>) {
        let a = &self.assignments[i];
        let principal = match a.principal {
            Resolved::User(u) => Some((PrincipalType::User, u)),
            Resolved::Group(g) => Some((PrincipalType::Group, g)),
            Resolved::Orphan => None,
        };
        (a.account, a.permission_set, principal)
    }

    pub fn groups_of(&self, user: &UserId) -> impl Iterator<Item = &'s Group> + '_ {
        let row = self
            .user_index(user)
            .map_or(&[][..], |u| self.groups_of_user.row(u));
        row.iter().map(|&g| self.group_at(g))
    }

    /// The members of `group`, in snapshot order; empty for an unknown group.
    pub fn members_of(&self, group: &GroupId) -> impl Iterator<Item = &'s User> + '_ {
        let row = self
            .group_index(group)
            .map_or(&[][..], |g| self.members_of_group.row(g));
        row.iter().map(|&u| self.user_at(u))
    }

    /// The account assignments that name `user` directly, in snapshot order.
    pub fn assignments_of_user(
        &self,
        user: &UserId,
    ) -> impl Iterator<Item = &'s AccountAssignment> + '_ {
        let row = self
            .user_index(user)
            .map_or(&[][..], |u| self.assignments_of_user.row(u));
        row.iter().map(|&a| self.assignment_at(a))
    }

    /// The account assignments that name `group`, in snapshot order.
    pub fn assignments_of_group(
        &self,
        group: &GroupId,
    ) -> impl Iterator<Item = &'s AccountAssignment> + '_ {
        let row = self
            .group_index(group)
            .map_or(&[][..], |g| self.assignments_of_group.row(g));
        row.iter().map(|&a| self.assignment_at(a))
    }

    /// The account assignments that name this principal, whichever kind it is. Only principals
    /// that exist have any: an orphaned assignment is found with
    /// [`orphaned_account_assignments`](Self::orphaned_account_assignments).
    pub fn assignments_of_principal(
        &self,
        principal_type: PrincipalType,
        id: &PrincipalId,
    ) -> impl Iterator<Item = &'s AccountAssignment> + '_ {
        let row = match principal_type {
            PrincipalType::User => self
                .users
                .get(id.as_str())
                .map(|&u| self.assignments_of_user.row(u)),
            PrincipalType::Group => self
                .groups
                .get(id.as_str())
                .map(|&g| self.assignments_of_group.row(g)),
        };
        row.unwrap_or(&[]).iter().map(|&a| self.assignment_at(a))
    }

    /// Every account assignment in `account` (orphaned ones included), in snapshot order.
    pub fn assignments_in_account(
        &self,
        account: &AccountId,
    ) -> impl Iterator<Item = &'s AccountAssignment> + '_ {
        let row = self
            .account_keys
            .get(account.as_str())
            .map_or(&[][..], |&k| self.assignments_in_account.row(k));
        row.iter().map(|&a| self.assignment_at(a))
    }

    // -----------------------------------------------------------------------------------------
    // Access questions

    /// Every (account, permission set) `user` can reach, sorted by account id then permission
    /// set ARN, each with every path that grants it. Empty for an unknown user.
    pub fn effective_access(&self, user: &UserId) -> Vec<Grant<'s>> {
        let Some(u) = self.user_index(user) else {
            return Vec::new();
        };
        // (account, permission set, path) tuples; sorting them groups each grant's paths.
        let mut paths: Vec<(u32, u32, u32)> = Vec::new();
        for &a in self.assignments_of_user.row(u) {
            let a = self.assignments[a as usize];
            paths.push((a.account, a.permission_set, DIRECT));
        }
        for &g in self.groups_of_user.row(u) {
            for &a in self.assignments_of_group.row(g) {
                let a = self.assignments[a as usize];
                paths.push((a.account, a.permission_set, g + 1));
            }
        }
        paths.sort_unstable();
        paths.dedup();
        paths
            .chunk_by(|x, y| (x.0, x.1) == (y.0, y.1))
            .map(|chunk| Grant {
                account_id: self.account_ids[chunk[0].0 as usize],
                permission_set_arn: self.permission_set_arns[chunk[0].1 as usize],
                via: self.vias(chunk.iter().map(|p| p.2)),
            })
            .collect()
    }

    /// `effective_access(user).len()` without building the grants: what a table column needs
    /// for every user at once (100,000 users at the quota) without allocating paths.
    pub fn effective_access_count(&self, user: &UserId) -> usize {
        let Some(u) = self.user_index(user) else {
            return 0;
        };
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for &a in self.assignments_of_user.row(u) {
            let a = self.assignments[a as usize];
            pairs.push((a.account, a.permission_set));
        }
        for &g in self.groups_of_user.row(u) {
            for &a in self.assignments_of_group.row(g) {
                let a = self.assignments[a as usize];
                pairs.push((a.account, a.permission_set));
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs.len()
    }

    /// Every user who can reach `account`, with each permission set and every granting path;
    /// group assignments are expanded to the group's members. Sorted by user id, then
    /// permission set ARN. Empty for an account nothing is assigned in.
    pub fn who_can_reach(&self, account: &AccountId) -> Vec<Reach<'s>> {
        let Some(&key) = self.account_keys.get(account.as_str()) else {
            return Vec::new();
        };
        // (user, permission set, path) tuples.
        let mut paths: Vec<(u32, u32, u32)> = Vec::new();
        for &a in self.assignments_in_account.row(key) {
            let a = self.assignments[a as usize];
            match a.principal {
                Resolved::User(u) => paths.push((u, a.permission_set, DIRECT)),
                Resolved::Group(g) => {
                    for &u in self.members_of_group.row(g) {
                        paths.push((u, a.permission_set, g + 1));
                    }
                }
                Resolved::Orphan => {}
            }
        }
        paths.sort_unstable();
        paths.dedup();
        let mut reach: Vec<Reach<'s>> = paths
            .chunk_by(|x, y| (x.0, x.1) == (y.0, y.1))
            .map(|chunk| Reach {
                user: self.user_at(chunk[0].0),
                permission_set_arn: self.permission_set_arns[chunk[0].1 as usize],
                via: self.vias(chunk.iter().map(|p| p.2)),
            })
            .collect();
        // Users are in snapshot order, which is id order once normalized: usually a no-op.
        reach.sort_by(|x, y| {
            (&x.user.user_id, x.permission_set_arn).cmp(&(&y.user.user_id, y.permission_set_arn))
        });
        reach
    }

    /// Account assignments whose principal id is no user (for `USER`) or no group (for `GROUP`)
    /// in the snapshot: the principal was deleted, or the id belongs to the other kind. They
    /// grant nothing. In snapshot order.
    pub fn orphaned_account_assignments(&self) -> Vec<&'s AccountAssignment> {
        self.orphaned_account_assignments
            .iter()
            .map(|&a| self.assignment_at(a))
            .collect()
    }

    /// Application assignments whose principal id resolves to no user or group of the named
    /// type, in snapshot order. (Whether the application itself still exists is not checked.)
    pub fn orphaned_application_assignments(&self) -> Vec<&'s ApplicationAssignment> {
        let snapshot = self.snapshot;
        self.orphaned_application_assignments
            .iter()
            .map(|&a| &snapshot.application_assignments[a as usize])
            .collect()
    }

    /// Users and groups that exist but are granted nothing; see [`PrincipalsWithoutAccess`].
    pub fn principals_without_access(&self) -> PrincipalsWithoutAccess<'s> {
        let users = self
            .users()
            .filter(|user| {
                let Some(u) = self.user_index(&user.user_id) else {
                    return false;
                };
                let groups = self.groups_of_user.row(u);
                let reaches_account = !self.assignments_of_user.is_empty_row(u)
                    || groups
                        .iter()
                        .any(|&g| !self.assignments_of_group.is_empty_row(g));
                let has_application = self.user_has_application[u as usize]
                    || groups
                        .iter()
                        .any(|&g| self.group_has_application[g as usize]);
                !reaches_account && !has_application
            })
            .collect();
        let groups = self
            .groups()
            .filter(|group| {
                self.group_index(&group.group_id).is_some_and(|g| {
                    self.assignments_of_group.is_empty_row(g)
                        && !self.group_has_application[g as usize]
                })
            })
            .collect();
        PrincipalsWithoutAccess { users, groups }
    }

    // -----------------------------------------------------------------------------------------
    // Internals

    fn user_index(&self, id: &UserId) -> Option<u32> {
        self.users.get(id.as_str()).copied()
    }

    fn group_index(&self, id: &GroupId) -> Option<u32> {
        self.groups.get(id.as_str()).copied()
    }

    fn user_at(&self, u: u32) -> &'s User {
        let snapshot = self.snapshot;
        &snapshot.users[u as usize]
    }

    fn group_at(&self, g: u32) -> &'s Group {
        let snapshot = self.snapshot;
        &snapshot.groups[g as usize]
    }

    fn assignment_at(&self, a: u32) -> &'s AccountAssignment {
        let snapshot = self.snapshot;
        &snapshot.account_assignments[a as usize]
    }

    /// Packed paths (already sorted and distinct) to `Via`s sorted by group id. Group indexes
    /// follow snapshot order, which is id order only in a normalized snapshot, hence the sort.
    fn vias(&self, paths: impl Iterator<Item = u32>) -> Vec<Via<'s>> {
        let mut via: Vec<Via<'s>> = paths
            .map(|p| match p {
                DIRECT => Via::Direct,
                g => Via::Group(&self.group_at(g - 1).group_id),
            })
            .collect();
        if via.len() > 1 {
            via.sort_unstable();
        }
        via
    }
}

/// The snapshot's account assignments with ids replaced by indexes, in snapshot order; accounts
/// and permission sets the interners don't know yet are `UNSEEN`.
fn compact_assignments<'s>(
    snapshot: &'s Snapshot,
    resolve: &(impl Fn(PrincipalType, &PrincipalId) -> Resolved + Sync),
    accounts: &SortedInterner<'s, AccountId>,
    permission_sets: &SortedInterner<'s, PermissionSetArn>,
) -> Vec<CompactAssignment> {
    parallel::map_chunks(&snapshot.account_assignments, |chunk| {
        // Sorted assignments come in long runs of one account and permission set: comparing
        // with the previous id saves most lookups.
        let mut account = LastLookup::default();
        let mut permission_set = LastLookup::default();
        chunk
            .iter()
            .map(|a| CompactAssignment {
                account: account.get(a.account_id.as_str(), |id| {
                    accounts.get(id).unwrap_or(UNSEEN)
                }),
                permission_set: permission_set.get(a.permission_set_arn.as_str(), |arn| {
                    permission_sets.get(arn).unwrap_or(UNSEEN)
                }),
                principal: resolve(a.principal_type, &a.principal_id),
            })
            .collect()
    })
}

/// (user, group) index pairs of the memberships whose user and group both exist.
fn resolve_memberships(
    snapshot: &Snapshot,
    users: &HashMap<&str, u32>,
    groups: &HashMap<&str, u32>,
) -> Vec<(u32, u32)> {
    parallel::map_chunks(&snapshot.group_memberships, |chunk| {
        // Sorted memberships come in runs of one group.
        let mut group = LastLookup::default();
        chunk
            .iter()
            .map(|m| {
                let g = group.get(m.group_id.as_str(), |id| {
                    groups.get(id).copied().unwrap_or(UNSEEN)
                });
                let u = users.get(m.user_id.as_str()).copied().unwrap_or(UNSEEN);
                (u, g)
            })
            .collect()
    })
    .into_iter()
    .filter(|&(u, g)| u != UNSEEN && g != UNSEEN)
    .collect()
}

/// The answer to the previous lookup, reused while the same text comes again.
#[derive(Default)]
struct LastLookup<'a> {
    last: Option<(&'a str, u32)>,
}

impl<'a> LastLookup<'a> {
    fn get(&mut self, text: &'a str, lookup: impl FnOnce(&str) -> u32) -> u32 {
        match self.last {
            Some((previous, id)) if previous == text => id,
            _ => {
                let id = lookup(text);
                self.last = Some((text, id));
                id
            }
        }
    }
}

/// Id → position of its first occurrence in `items`.
fn first_positions<'s, T>(items: &'s [T], id: impl Fn(&'s T) -> &'s str) -> HashMap<&'s str, u32> {
    assert!(u32::try_from(items.len()).is_ok(), "too many records");
    let mut map = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        map.entry(id(item)).or_insert(i as u32);
    }
    map
}

/// Hands out dense ids in first-seen order, then renumbers them so that id order is key order.
struct SortedInterner<'s, T> {
    first_seen: Vec<&'s T>,
    ids: HashMap<&'s str, u32>,
}

impl<'s, T: Ord> SortedInterner<'s, T> {
    fn with_capacity(capacity: usize) -> Self {
        SortedInterner {
            first_seen: Vec::with_capacity(capacity),
            ids: HashMap::with_capacity(capacity),
        }
    }

    /// The id of `text` if it was interned.
    fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    /// The first-seen id of `key` (whose string form is `text`).
    fn intern(&mut self, key: &'s T, text: &'s str) -> u32 {
        let next = self.first_seen.len() as u32;
        *self.ids.entry(text).or_insert_with(|| {
            self.first_seen.push(key);
            next
        })
    }

    /// The keys sorted, a map from key text to sorted position, and `rank[first_seen_id]`.
    fn finish(self) -> (Vec<&'s T>, HashMap<&'s str, u32>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.first_seen.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            self.first_seen[a as usize].cmp(self.first_seen[b as usize])
        });
        let mut rank = vec![0u32; order.len()];
        for (position, &id) in order.iter().enumerate() {
            rank[id as usize] = position as u32;
        }
        let mut ids = self.ids;
        for value in ids.values_mut() {
            *value = rank[*value as usize];
        }
        let sorted = order
            .iter()
            .map(|&id| self.first_seen[id as usize])
            .collect();
        (sorted, ids, rank)
    }
}
