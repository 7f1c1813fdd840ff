//! Group memberships on both sides, for evidence that only exists once part of the mapping is
//! decided:
//!
//! - a new user who sits in the successor of one of the old user's groups (co-membership);
//! - a new group holding the successors of most of an old group's members (member overlap).
//!
//! Pure and indexed once per (baseline, current) pair; every question is then answered from
//! the members of the groups concerned, not from the whole directory.

use super::Mapping;
use crate::model::Snapshot;
use std::collections::{HashMap, HashSet};

/// Members by group and groups by user, in the baseline (old) and the current (new) snapshot.
pub struct Membership<'s> {
    old_members: HashMap<&'s str, Vec<&'s str>>,
    old_groups_of: HashMap<&'s str, Vec<&'s str>>,
    /// Sorted, for membership tests by binary search.
    new_members: HashMap<&'s str, Vec<&'s str>>,
    new_groups_of: HashMap<&'s str, Vec<&'s str>>,
}

/// How an old group's members and a new group's members line up through the mapping.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overlap {
    /// Members of the old group.
    pub old_members: usize,
    /// Of those, how many have a decided successor.
    pub mapped: usize,
    /// Of those, how many successors are members of the new group.
    pub successors_in_new: usize,
    /// Members of the new group.
    pub new_members: usize,
    /// Members of the new group that succeed no member of the old group.
    pub new_without_predecessor: usize,
}

impl Overlap {
    /// Most mapped old members' successors are in the new group (and at least one is): the
    /// two are likely the same group.
    pub fn is_evidence(&self) -> bool {
        self.successors_in_new > 0 && self.successors_in_new * 2 > self.mapped
    }

    /// "27 of 32 old members' successors are in this group; 4 new members have no predecessor"
    pub fn summary(&self) -> String {
        if self.mapped == 0 {
            return format!(
                "none of the {} old members is mapped yet: map the users to compare the groups",
                self.old_members
            );
        }
        let unmapped = self.old_members - self.mapped;
        let mut out = format!(
            "{} of {} old members' successors are in this group",
            self.successors_in_new, self.mapped
        );
        if unmapped > 0 {
            out.push_str(&format!(" ({unmapped} old members not mapped yet)"));
        }
        out.push_str(&format!(
            "; {} new member{} no predecessor",
            self.new_without_predecessor,
            if self.new_without_predecessor == 1 {
                " has"
            } else {
                "s have"
            }
        ));
        out
    }
}

/// Members by group and groups by user.
type Indexes<'s> = (
    HashMap<&'s str, Vec<&'s str>>,
    HashMap<&'s str, Vec<&'s str>>,
);

fn index(snapshot: &Snapshot) -> Indexes<'_> {
    let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut groups_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for m in &snapshot.group_memberships {
        members
            .entry(m.group_id.as_str())
            .or_default()
            .push(m.user_id.as_str());
        groups_of
            .entry(m.user_id.as_str())
            .or_default()
            .push(m.group_id.as_str());
    }
    for list in members.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    (members, groups_of)
}

impl<'s> Membership<'s> {
    pub fn of(baseline: &'s Snapshot, current: &'s Snapshot) -> Self {
        let ((old_members, old_groups_of), (new_members, new_groups_of)) =
            std::thread::scope(|scope| {
                let old = scope.spawn(|| index(baseline));
                let new = index(current);
                (
                    old.join().expect("indexing memberships does not panic"),
                    new,
                )
            });
        Membership {
            old_members,
            old_groups_of,
            new_members,
            new_groups_of,
        }
    }

    fn is_new_member(&self, group: &str, user: &str) -> bool {
        self.new_members
            .get(group)
            .is_some_and(|members| members.binary_search(&user).is_ok())
    }

    /// Whether `new_user` is a member of the mapped successor of one of `old_user`'s groups.
    pub fn co_member(&self, mapping: &Mapping, old_user: &str, new_user: &str) -> bool {
        self.old_groups_of
            .get(old_user)
            .into_iter()
            .flatten()
            .filter_map(|group| mapping.successor_of(group))
            .any(|successor| self.is_new_member(successor.as_str(), new_user))
    }

    /// How `old_group`'s members and `new_group`'s line up through `mapping`.
    pub fn overlap(&self, mapping: &Mapping, old_group: &str, new_group: &str) -> Overlap {
        let old = self
            .old_members
            .get(old_group)
            .map_or(&[][..], Vec::as_slice);
        let new = self
            .new_members
            .get(new_group)
            .map_or(&[][..], Vec::as_slice);
        let successors: HashSet<&str> = old
            .iter()
            .filter_map(|user| mapping.successor_of(user))
            .map(|s| s.as_str())
            .collect();
        let mapped = old
            .iter()
            .filter(|user| mapping.successor_of(user).is_some())
            .count();
        let successors_in_new = old
            .iter()
            .filter_map(|user| mapping.successor_of(user))
            .filter(|s| new.binary_search(&s.as_str()).is_ok())
            .count();
        Overlap {
            old_members: old.len(),
            mapped,
            successors_in_new,
            new_members: new.len(),
            new_without_predecessor: new.iter().filter(|n| !successors.contains(*n)).count(),
        }
    }

    /// The new groups holding the successors of `old_group`'s mapped members, with how many
    /// successors each holds, most first (at most `limit`).
    pub fn groups_holding_successors(
        &self,
        mapping: &Mapping,
        old_group: &str,
        limit: usize,
    ) -> Vec<(&'s str, usize)> {
        let mut counts: HashMap<&'s str, usize> = HashMap::new();
        for user in self.old_members.get(old_group).into_iter().flatten() {
            let Some(successor) = mapping.successor_of(user) else {
                continue;
            };
            for group in self
                .new_groups_of
                .get(successor.as_str())
                .into_iter()
                .flatten()
            {
                *counts.entry(group).or_default() += 1;
            }
        }
        let mut ranked: Vec<(&'s str, usize)> = counts.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        ranked.truncate(limit);
        ranked
    }

    /// The old group's members (user ids, sorted).
    pub fn old_members(&self, old_group: &str) -> &[&'s str] {
        self.old_members.get(old_group).map_or(&[], Vec::as_slice)
    }

    /// The new group's members (user ids, sorted).
    pub fn new_members(&self, new_group: &str) -> &[&'s str] {
        self.new_members.get(new_group).map_or(&[], Vec::as_slice)
    }
}
