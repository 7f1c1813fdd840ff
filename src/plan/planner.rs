//! [`Planner`]: the target and its diff, kept up to date one mapping decision at a time.
//!
//! Every id is interned to a `u32` once, and an assignment is a `u64` key (target, principal),
//! so an edit costs time proportional to the edited principal's assignments, not to the size of
//! the instance. The state is a few counters per key:
//!
//! - `contributions[key]`: how many mapped old principals' translated baseline assignments land
//!   on `key` (two old principals may share a successor);
//! - `retired`: current assignments of decided old principals (only with `retire_old`).
//!
//! A key is a **create** when it is contributed and not in current, a **delete** when it is
//! retired and not contributed. Counters per (account, permission set) pair and per principal
//! follow every change of a key's state, so [`Planner::summary`] is cheap.

use super::risk::{LossReason, Risk, RiskKind};
use super::{
    Action, Assignment, Changeset, NamedPrincipal, Operation, PermissionSetCreation, PlanOptions,
};
use crate::mapping::accounts::AccountMap;
use crate::mapping::{Decision, Mapping};
use crate::model::*;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Where a baseline assignment lands in current, or why it cannot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Translation {
    Target(u32),
    /// Index into `Planner::missing`.
    Missing(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum TargetRef<'s> {
    Account {
        account_id: &'s str,
        permission_set_arn: &'s str,
    },
    Application(&'s str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum MissingRef<'s> {
    PermissionSet(&'s str),
    Account(&'s str),
    Application(&'s str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dec {
    Successor(u32),
    NoSuccessor,
}

/// An old principal or successor id that the snapshots do not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{principal_type} {id} is not {where_}")]
pub struct UnknownPrincipal {
    pub principal_type: PrincipalType,
    pub id: String,
    pub where_: &'static str,
}

/// Cheap figures for the live preview.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub creates: usize,
    pub deletes: usize,
    /// (account, permission set) pairs the deletes empty (their IAM role is deleted).
    pub emptied_pairs: usize,
    /// Old principals with baseline access that nobody inherits, and how many assignments.
    pub principals_losing_access: usize,
    pub assignments_losing_access: usize,
    /// Baseline assignments of mapped principals that cannot be carried over.
    pub assignments_missing_target: usize,
    pub shared_successors: usize,
    /// Old principals with baseline access, and how many of them are decided.
    pub principals_with_access: usize,
    pub decided_with_access: usize,
    /// Baseline assignments whose principal is mapped to a successor, of all of them.
    pub assignments_covered: usize,
    pub assignments_total: usize,
    /// Baseline permission sets the plan creates first (`create_permission_sets`).
    pub permission_sets_created: usize,
}

/// The access figures of [`Summary`], maintained per edit.
#[derive(Clone, Copy, Debug, Default)]
struct AccessTotals {
    principals_losing_access: usize,
    assignments_losing_access: usize,
    decided_with_access: usize,
    assignments_covered: usize,
    assignments_total: usize,
}

/// Creates and deletes under one heading (an account, or a principal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpsGroup {
    pub label: String,
    pub creates: usize,
    pub deletes: usize,
}

pub struct Planner<'s> {
    baseline: &'s Snapshot,
    current: &'s Snapshot,
    options: PlanOptions,
    /// Baseline account id → the account's id in current (a move to a new organization).
    account_map: Option<&'s AccountMap>,
    /// Baseline permission sets that current lacks by ARN and by name, to be created (only with
    /// `create_permission_sets`), sorted by name. Assignments on them target the baseline ARN.
    to_create: Vec<&'s PermissionSet>,
    /// (baseline, current) permission sets of the same name whose definitions differ.
    differing: Vec<(&'s PermissionSet, &'s PermissionSet)>,
    /// Names for humans, indexed once.
    names: Names<'s>,

    principals: Vec<(PrincipalType, &'s str)>,
    principal_index: [HashMap<&'s str, u32, Fast>; 2],
    targets: Vec<TargetRef<'s>>,
    target_index: HashMap<TargetRef<'s>, u32, Fast>,
    /// Per target: the account it belongs to (index into `accounts`), or `NO_ACCOUNT`.
    target_account: Vec<u32>,
    accounts: Vec<&'s str>,
    account_index: HashMap<&'s str, u32, Fast>,
    missing: Vec<MissingRef<'s>>,
    missing_index: HashMap<MissingRef<'s>, u32, Fast>,

    /// Per old principal: its baseline assignments, translated.
    baseline_access: HashMap<u32, Vec<Translation>, Fast>,
    /// Per old principal: how many account and application assignments it holds in the baseline.
    baseline_held: HashMap<u32, (usize, usize), Fast>,
    /// Old principals that exist in the baseline and hold direct assignments there.
    with_access: Vec<u32>,
    with_access_set: HashSet<u32, Fast>,
    /// The access part of [`Summary`], kept up to date per edit (see `standing`).
    access_totals: AccessTotals,
    current_keys: HashSet<u64, Fast>,
    current_by_principal: HashMap<u32, Vec<u32>, Fast>,
    /// Per target: assignments in current.
    pair_current: Vec<u32>,
    /// Current assignments whose principal does not resolve in current, per principal.
    orphans: Vec<(u32, usize)>,
    /// (baseline ARN, current ARN) pairs matched by name.
    matched_permission_sets: Vec<(&'s str, &'s str)>,
    matched_applications: Vec<(&'s str, &'s str)>,

    decisions: HashMap<u32, Dec, Fast>,
    contributions: HashMap<u64, u32, Fast>,
    retired: HashSet<u64, Fast>,
    successor_count: HashMap<u32, u32, Fast>,
    /// Successors with more than one predecessor.
    shared_successors: usize,
    missing_count: HashMap<u32, u32, Fast>,
    missing_total: usize,

    creates: usize,
    deletes: usize,
    pair_creates: Vec<u32>,
    pair_deletes: Vec<u32>,
    emptied_pairs: usize,
    account_ops: Vec<(u32, u32)>,
    principal_ops: HashMap<u32, (u32, u32), Fast>,
}

const NO_ACCOUNT: u32 = u32::MAX;

fn key(target: u32, principal: u32) -> u64 {
    (u64::from(target) << 32) | u64::from(principal)
}

fn split(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

fn type_slot(principal_type: PrincipalType) -> usize {
    match principal_type {
        PrincipalType::User => 0,
        PrincipalType::Group => 1,
    }
}

impl<'s> Planner<'s> {
    pub fn new(baseline: &'s Snapshot, current: &'s Snapshot, options: PlanOptions) -> Self {
        Self::with_account_map(baseline, current, options, None)
    }

    /// A planner whose baseline account ids are translated through `account_map` first.
    pub fn with_account_map(
        baseline: &'s Snapshot,
        current: &'s Snapshot,
        options: PlanOptions,
        account_map: Option<&'s AccountMap>,
    ) -> Self {
        let mut planner = Planner {
            baseline,
            current,
            options,
            account_map,
            to_create: Vec::new(),
            differing: Vec::new(),
            names: Names::new(baseline, current),
            principals: Vec::new(),
            principal_index: [HashMap::default(), HashMap::default()],
            targets: Vec::new(),
            target_index: HashMap::default(),
            target_account: Vec::new(),
            accounts: Vec::new(),
            account_index: HashMap::default(),
            missing: Vec::new(),
            missing_index: HashMap::default(),
            baseline_access: HashMap::default(),
            baseline_held: HashMap::default(),
            with_access: Vec::new(),
            with_access_set: HashSet::default(),
            access_totals: AccessTotals::default(),
            current_keys: HashSet::default(),
            current_by_principal: HashMap::default(),
            pair_current: Vec::new(),
            orphans: Vec::new(),
            matched_permission_sets: Vec::new(),
            matched_applications: Vec::new(),
            decisions: HashMap::default(),
            contributions: HashMap::default(),
            retired: HashSet::default(),
            successor_count: HashMap::default(),
            shared_successors: 0,
            missing_count: HashMap::default(),
            missing_total: 0,
            creates: 0,
            deletes: 0,
            pair_creates: Vec::new(),
            pair_deletes: Vec::new(),
            emptied_pairs: 0,
            account_ops: Vec::new(),
            principal_ops: HashMap::default(),
        };
        planner.index_current();
        planner.index_baseline();
        planner.pair_creates = vec![0; planner.targets.len()];
        planner.pair_deletes = vec![0; planner.targets.len()];
        planner.account_ops = vec![(0, 0); planner.accounts.len()];
        planner
    }

    fn intern_principal(&mut self, principal_type: PrincipalType, id: &'s str) -> u32 {
        let slot = type_slot(principal_type);
        if let Some(&index) = self.principal_index[slot].get(id) {
            return index;
        }
        let index = self.principals.len() as u32;
        self.principals.push((principal_type, id));
        self.principal_index[slot].insert(id, index);
        index
    }

    fn intern_target(&mut self, target: TargetRef<'s>) -> u32 {
        if let Some(&index) = self.target_index.get(&target) {
            return index;
        }
        let index = self.targets.len() as u32;
        self.targets.push(target);
        self.target_index.insert(target, index);
        self.pair_current.push(0);
        let account = match target {
            TargetRef::Account { account_id, .. } => {
                let next = self.accounts.len() as u32;
                let index = *self.account_index.entry(account_id).or_insert(next);
                if index == next {
                    self.accounts.push(account_id);
                }
                index
            }
            TargetRef::Application(_) => NO_ACCOUNT,
        };
        self.target_account.push(account);
        index
    }

    fn intern_missing(&mut self, missing: MissingRef<'s>) -> u32 {
        let next = self.missing.len() as u32;
        let index = *self.missing_index.entry(missing).or_insert(next);
        if index == next {
            self.missing.push(missing);
        }
        index
    }

    fn index_current(&mut self) {
        let current = self.current;
        for user in &current.users {
            self.intern_principal(PrincipalType::User, user.user_id.as_str());
        }
        for group in &current.groups {
            self.intern_principal(PrincipalType::Group, group.group_id.as_str());
        }
        let resolvable = self.principals.len() as u32;
        self.current_keys.reserve(current.account_assignments.len());
        let mut orphans: HashMap<u32, usize, Fast> = HashMap::default();
        let assignments = current
            .account_assignments
            .iter()
            .map(|a| {
                (
                    TargetRef::Account {
                        account_id: a.account_id.as_str(),
                        permission_set_arn: a.permission_set_arn.as_str(),
                    },
                    a.principal_type,
                    a.principal_id.as_str(),
                )
            })
            .chain(current.application_assignments.iter().map(|a| {
                (
                    TargetRef::Application(a.application_arn.as_str()),
                    a.principal_type,
                    a.principal_id.as_str(),
                )
            }));
        for (target_ref, principal_type, principal_id) in assignments {
            let target = self.intern_target(target_ref);
            let principal = self.intern_principal(principal_type, principal_id);
            if self.current_keys.insert(key(target, principal)) {
                self.pair_current[target as usize] += 1;
                self.current_by_principal
                    .entry(principal)
                    .or_default()
                    .push(target);
                if principal >= resolvable {
                    *orphans.entry(principal).or_default() += 1;
                }
            }
        }
        self.orphans = orphans.into_iter().collect();
        self.orphans.sort_unstable();
    }

    fn index_baseline(&mut self) {
        let baseline = self.baseline;
        let current = self.current;
        let current_permission_sets: HashSet<&str> = current
            .permission_sets
            .iter()
            .map(|p| p.permission_set_arn.as_str())
            .collect();
        let permission_set_by_name = unique_by_name(
            current
                .permission_sets
                .iter()
                .map(|p| (p.name.as_str(), p.permission_set_arn.as_str())),
        );
        let baseline_permission_set_names: HashMap<&str, &str> = baseline
            .permission_sets
            .iter()
            .map(|p| (p.permission_set_arn.as_str(), p.name.as_str()))
            .collect();
        let current_applications: HashSet<&str> = current
            .applications
            .iter()
            .map(|a| a.application_arn.as_str())
            .collect();
        let application_by_name = unique_by_name(
            current
                .applications
                .iter()
                .map(|a| (a.name.as_str(), a.application_arn.as_str())),
        );
        let baseline_application_names: HashMap<&str, &str> = baseline
            .applications
            .iter()
            .map(|a| (a.application_arn.as_str(), a.name.as_str()))
            .collect();
        // Without an account list (Organizations unreadable) every account is taken to exist.
        let current_accounts: Option<HashSet<&str>> = (!current.accounts.is_empty()).then(|| {
            current
                .accounts
                .iter()
                .map(|a| a.account_id.as_str())
                .collect()
        });

        let mut permission_set_translation: HashMap<&'s str, Result<&'s str, ()>> = HashMap::new();
        let mut application_translation: HashMap<&'s str, Result<&'s str, ()>> = HashMap::new();
        let exists_in_baseline: [HashSet<&str>; 2] = [
            baseline.users.iter().map(|u| u.user_id.as_str()).collect(),
            baseline
                .groups
                .iter()
                .map(|g| g.group_id.as_str())
                .collect(),
        ];

        for user in &baseline.users {
            self.intern_principal(PrincipalType::User, user.user_id.as_str());
        }
        for group in &baseline.groups {
            self.intern_principal(PrincipalType::Group, group.group_id.as_str());
        }

        let current_names: HashSet<&str> = current
            .permission_sets
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        if self.options.create_permission_sets {
            self.to_create = baseline
                .permission_sets
                .iter()
                .filter(|p| {
                    !current_permission_sets.contains(p.permission_set_arn.as_str())
                        && !current_names.contains(p.name.as_str())
                        && !p.name.is_empty()
                })
                .collect();
            self.to_create.sort_by(|a, b| a.name.cmp(&b.name));
            // Two baseline permission sets cannot share a name in one instance; if a snapshot
            // says they do, neither is created (which to create would be a guess).
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for p in &self.to_create {
                *seen.entry(p.name.as_str()).or_default() += 1;
            }
            self.to_create.retain(|p| seen[p.name.as_str()] == 1);
        }
        let created: HashSet<&str> = self
            .to_create
            .iter()
            .map(|p| p.permission_set_arn.as_str())
            .collect();
        let current_by_arn: HashMap<&str, &'s PermissionSet> = current
            .permission_sets
            .iter()
            .map(|p| (p.permission_set_arn.as_str(), p))
            .collect();
        for baseline_set in &baseline.permission_sets {
            let arn = baseline_set.permission_set_arn.as_str();
            if current_permission_sets.contains(arn) {
                continue;
            }
            let Some(current_set) = permission_set_by_name
                .get(baseline_set.name.as_str())
                .and_then(|current_arn| current_by_arn.get(current_arn))
            else {
                continue;
            };
            if !crate::model::definition::differences(
                &PermissionSetDefinition::of(baseline_set),
                &PermissionSetDefinition::of(current_set),
            )
            .is_empty()
            {
                self.differing.push((baseline_set, current_set));
            }
        }
        self.differing.sort_by(|a, b| a.0.name.cmp(&b.0.name));

        let account_map = self.account_map;
        for assignment in &baseline.account_assignments {
            let principal =
                self.intern_principal(assignment.principal_type, assignment.principal_id.as_str());
            let account_id = match account_map {
                Some(map) => map.translate(assignment.account_id.as_str()),
                None => assignment.account_id.as_str(),
            };
            let arn = assignment.permission_set_arn.as_str();
            let translation = if current_accounts
                .as_ref()
                .is_some_and(|accounts| !accounts.contains(account_id))
            {
                Translation::Missing(self.intern_missing(MissingRef::Account(account_id)))
            } else {
                let translated = *permission_set_translation.entry(arn).or_insert_with(|| {
                    if current_permission_sets.contains(arn) || created.contains(arn) {
                        return Ok(arn);
                    }
                    baseline_permission_set_names
                        .get(arn)
                        .and_then(|name| permission_set_by_name.get(name))
                        .copied()
                        .ok_or(())
                });
                match translated {
                    Ok(current_arn) => {
                        Translation::Target(self.intern_target(TargetRef::Account {
                            account_id,
                            permission_set_arn: current_arn,
                        }))
                    }
                    Err(()) => {
                        Translation::Missing(self.intern_missing(MissingRef::PermissionSet(arn)))
                    }
                }
            };
            self.baseline_access
                .entry(principal)
                .or_default()
                .push(translation);
            self.baseline_held.entry(principal).or_default().0 += 1;
        }
        for assignment in &baseline.application_assignments {
            let principal =
                self.intern_principal(assignment.principal_type, assignment.principal_id.as_str());
            let arn = assignment.application_arn.as_str();
            let translated = *application_translation.entry(arn).or_insert_with(|| {
                if current_applications.contains(arn) {
                    return Ok(arn);
                }
                baseline_application_names
                    .get(arn)
                    .and_then(|name| application_by_name.get(name))
                    .copied()
                    .ok_or(())
            });
            let translation = match translated {
                Ok(current_arn) => {
                    Translation::Target(self.intern_target(TargetRef::Application(current_arn)))
                }
                Err(()) => Translation::Missing(self.intern_missing(MissingRef::Application(arn))),
            };
            self.baseline_access
                .entry(principal)
                .or_default()
                .push(translation);
            self.baseline_held.entry(principal).or_default().1 += 1;
        }

        for (arn, translated) in permission_set_translation {
            if let Ok(current_arn) = translated {
                if current_arn != arn && !created.contains(arn) {
                    self.matched_permission_sets.push((arn, current_arn));
                }
            }
        }
        self.matched_permission_sets.sort_unstable();
        for (arn, translated) in application_translation {
            if let Ok(current_arn) = translated {
                if current_arn != arn {
                    self.matched_applications.push((arn, current_arn));
                }
            }
        }
        self.matched_applications.sort_unstable();

        let mut with_access: Vec<u32> = self
            .baseline_access
            .keys()
            .copied()
            .filter(|&p| {
                let (principal_type, id) = self.principals[p as usize];
                exists_in_baseline[type_slot(principal_type)].contains(id)
            })
            .collect();
        with_access.sort_unstable();
        self.with_access_set = with_access.iter().copied().collect();
        for &principal in &with_access {
            let held = self.baseline_access.get(&principal).map_or(0, Vec::len);
            self.access_totals.assignments_total += held;
            self.access_totals.principals_losing_access += 1;
            self.access_totals.assignments_losing_access += held;
        }
        self.with_access = with_access;
    }

    /// Replaces every decision with those of `mapping`. Entries naming ids the snapshots do not
    /// know are skipped (the mapping file loader rejects them before this point).
    pub fn set_mapping(&mut self, mapping: &Mapping) {
        let decided: Vec<u32> = self.decisions.keys().copied().collect();
        for principal in decided {
            self.change(principal, None);
        }
        for (old_id, entry) in mapping.iter() {
            let _ = self.decide(entry.principal_type, old_id.as_str(), Some(&entry.decision));
        }
    }

    /// Sets (or with `None`, clears) the decision for one old principal.
    pub fn decide(
        &mut self,
        principal_type: PrincipalType,
        old_id: &str,
        decision: Option<&Decision>,
    ) -> Result<(), UnknownPrincipal> {
        let old = self.principal_index[type_slot(principal_type)]
            .get(old_id)
            .copied()
            .ok_or_else(|| UnknownPrincipal {
                principal_type,
                id: old_id.to_owned(),
                where_: "known to the baseline or the current instance",
            })?;
        let dec = match decision {
            None => None,
            Some(Decision::NoSuccessor) => Some(Dec::NoSuccessor),
            Some(Decision::Successor(id)) => {
                let successor = self.principal_index[type_slot(principal_type)]
                    .get(id.as_str())
                    .copied()
                    .filter(|&s| self.resolves_in_current(s))
                    .ok_or_else(|| UnknownPrincipal {
                        principal_type,
                        id: id.to_string(),
                        where_: "a user or group of the current instance",
                    })?;
                Some(Dec::Successor(successor))
            }
        };
        self.change(old, dec);
        Ok(())
    }

    fn resolves_in_current(&self, principal: u32) -> bool {
        (principal as usize) < self.current.users.len() + self.current.groups.len()
    }

    fn change(&mut self, old: u32, new: Option<Dec>) {
        let previous = self.decisions.get(&old).copied();
        if previous == new {
            return;
        }
        // The old principal's standing changes, and so may its previous and new successors'
        // (a principal that inherits access is not losing any).
        let mut affected = vec![old];
        for decision in [previous, new].into_iter().flatten() {
            if let Dec::Successor(successor) = decision {
                affected.push(successor);
            }
        }
        affected.sort_unstable();
        affected.dedup();
        for &principal in &affected {
            self.count_standing(principal, false);
        }
        if let Some(previous) = previous {
            self.contribute(old, previous, false);
            self.decisions.remove(&old);
        }
        if let Some(new) = new {
            self.decisions.insert(old, new);
            self.contribute(old, new, true);
        }
        for &principal in &affected {
            self.count_standing(principal, true);
        }
    }

    /// Adds (or removes) one principal's part of the access totals.
    fn count_standing(&mut self, principal: u32, add: bool) {
        if !self.with_access_set.contains(&principal) {
            return;
        }
        let held = self.baseline_access.get(&principal).map_or(0, Vec::len);
        let (decided, covered, losing) = match self.decisions.get(&principal) {
            Some(Dec::Successor(_)) => (1, held, None),
            Some(Dec::NoSuccessor) => (1, 0, Some(held)),
            None if self.successor_count.contains_key(&principal) => (0, 0, None),
            None => (0, 0, Some(held)),
        };
        let totals = &mut self.access_totals;
        let apply = |counter: &mut usize, amount: usize| {
            if add {
                *counter += amount;
            } else {
                *counter -= amount;
            }
        };
        apply(&mut totals.decided_with_access, decided);
        apply(&mut totals.assignments_covered, covered);
        if let Some(lost) = losing {
            apply(&mut totals.principals_losing_access, 1);
            apply(&mut totals.assignments_losing_access, lost);
        }
    }

    /// Adds (or removes) what one decision puts into the target.
    fn contribute(&mut self, old: u32, decision: Dec, add: bool) {
        if let Dec::Successor(successor) = decision {
            let count = self.successor_count.entry(successor).or_default();
            if add {
                *count += 1;
                if *count == 2 {
                    self.shared_successors += 1;
                }
            } else {
                *count -= 1;
                if *count == 1 {
                    self.shared_successors -= 1;
                }
                if *count == 0 {
                    self.successor_count.remove(&successor);
                }
            }
            let translations = self.baseline_access.get(&old).cloned().unwrap_or_default();
            for translation in translations {
                match translation {
                    Translation::Target(target) => {
                        let k = key(target, successor);
                        self.touch(k, |planner| {
                            let count = planner.contributions.entry(k).or_default();
                            if add {
                                *count += 1;
                            } else {
                                *count -= 1;
                                if *count == 0 {
                                    planner.contributions.remove(&k);
                                }
                            }
                        });
                    }
                    Translation::Missing(missing) => {
                        bump(&mut self.missing_total, add);
                        let count = self.missing_count.entry(missing).or_default();
                        if add {
                            *count += 1;
                        } else {
                            *count -= 1;
                            if *count == 0 {
                                self.missing_count.remove(&missing);
                            }
                        }
                    }
                }
            }
        }
        if self.options.retire_old {
            let targets = self
                .current_by_principal
                .get(&old)
                .cloned()
                .unwrap_or_default();
            for target in targets {
                let k = key(target, old);
                self.touch(k, |planner| {
                    if add {
                        planner.retired.insert(k);
                    } else {
                        planner.retired.remove(&k);
                    }
                });
            }
        }
    }

    fn is_create(&self, k: u64) -> bool {
        self.contributions.contains_key(&k) && !self.current_keys.contains(&k)
    }

    fn is_delete(&self, k: u64) -> bool {
        self.retired.contains(&k) && !self.contributions.contains_key(&k)
    }

    fn pair_emptied(&self, target: u32) -> bool {
        let t = target as usize;
        self.target_account[t] != NO_ACCOUNT
            && self.pair_current[t] > 0
            && self.pair_current[t] + self.pair_creates[t] == self.pair_deletes[t]
    }

    /// Runs `mutate` on key `k` and moves every counter by the change in the key's state.
    fn touch(&mut self, k: u64, mutate: impl FnOnce(&mut Self)) {
        let (was_create, was_delete) = (self.is_create(k), self.is_delete(k));
        mutate(self);
        let (is_create, is_delete) = (self.is_create(k), self.is_delete(k));
        if (was_create, was_delete) == (is_create, is_delete) {
            return;
        }
        let (target, principal) = split(k);
        let was_emptied = self.pair_emptied(target);
        let t = target as usize;
        let account = self.target_account[t];
        let ops = self.principal_ops.entry(principal).or_default();
        if was_create != is_create {
            let up = is_create;
            bump(&mut self.creates, up);
            bump32(&mut self.pair_creates[t], up);
            bump32(&mut ops.0, up);
            if account != NO_ACCOUNT {
                bump32(&mut self.account_ops[account as usize].0, up);
            }
        }
        if was_delete != is_delete {
            let up = is_delete;
            bump(&mut self.deletes, up);
            bump32(&mut self.pair_deletes[t], up);
            bump32(&mut ops.1, up);
            if account != NO_ACCOUNT {
                bump32(&mut self.account_ops[account as usize].1, up);
            }
        }
        if *ops == (0, 0) {
            self.principal_ops.remove(&principal);
        }
        let is_emptied = self.pair_emptied(target);
        if was_emptied != is_emptied {
            bump(&mut self.emptied_pairs, is_emptied);
        }
    }

    /// The figures the preview shows, without writing the changeset out.
    pub fn summary(&self) -> Summary {
        let totals = &self.access_totals;
        Summary {
            creates: self.creates,
            deletes: self.deletes,
            emptied_pairs: self.emptied_pairs,
            shared_successors: self.shared_successors,
            assignments_missing_target: self.missing_total,
            principals_with_access: self.with_access.len(),
            principals_losing_access: totals.principals_losing_access,
            assignments_losing_access: totals.assignments_losing_access,
            decided_with_access: totals.decided_with_access,
            assignments_covered: totals.assignments_covered,
            assignments_total: totals.assignments_total,
            permission_sets_created: self.to_create.len(),
        }
    }

    /// Accounts with operations, most operations first (at most `limit`).
    pub fn ops_by_account(&self, limit: usize) -> Vec<OpsGroup> {
        let mut groups: Vec<(usize, &(u32, u32))> = self
            .account_ops
            .iter()
            .enumerate()
            .filter(|(_, ops)| **ops != (0, 0))
            .collect();
        groups.sort_by_key(|(index, ops)| (std::cmp::Reverse(ops.0 + ops.1), *index));
        groups
            .into_iter()
            .take(limit)
            .map(|(index, ops)| {
                let id = self.accounts[index];
                let name = self.names.account(id);
                OpsGroup {
                    label: if name.is_empty() {
                        id.to_owned()
                    } else {
                        name.to_owned()
                    },
                    creates: ops.0 as usize,
                    deletes: ops.1 as usize,
                }
            })
            .collect()
    }

    /// The `limit` principals with the most operations, most first (ties by index), without
    /// sorting them all: after every edit at the quota there are hundreds of thousands.
    fn top_principals(&self, limit: usize) -> Vec<(u32, (u32, u32))> {
        let mut all: Vec<(u32, (u32, u32))> = self
            .principal_ops
            .iter()
            .map(|(&p, &ops)| (p, ops))
            .collect();
        let key =
            |(principal, ops): &(u32, (u32, u32))| (std::cmp::Reverse(ops.0 + ops.1), *principal);
        if all.len() > limit && limit > 0 {
            all.select_nth_unstable_by_key(limit - 1, key);
            all.truncate(limit);
        }
        all.sort_unstable_by_key(key);
        all.truncate(limit);
        all
    }

    /// Principals with operations, most operations first (at most `limit`).
    pub fn ops_by_principal(&self, limit: usize) -> Vec<OpsGroup> {
        self.top_principals(limit)
            .into_iter()
            .map(|(principal, ops)| {
                let named = self.named(principal, &self.names);
                OpsGroup {
                    label: format!(
                        "{} {}",
                        named.principal_type,
                        if named.name.is_empty() {
                            named.principal_id.to_string()
                        } else {
                            named.name
                        }
                    ),
                    creates: ops.0 as usize,
                    deletes: ops.1 as usize,
                }
            })
            .collect()
    }

    /// [`Planner::ops_by_principal`] with each principal's type and id instead of a label.
    pub fn ops_by_principal_id(&self, limit: usize) -> Vec<(PrincipalType, &'s str, usize, usize)> {
        self.top_principals(limit)
            .into_iter()
            .map(|(principal, ops)| {
                let (principal_type, id) = self.principals[principal as usize];
                (principal_type, id, ops.0 as usize, ops.1 as usize)
            })
            .collect()
    }

    fn named(&self, principal: u32, names: &Names<'_>) -> NamedPrincipal {
        let (principal_type, id) = self.principals[principal as usize];
        NamedPrincipal {
            principal_type,
            principal_id: PrincipalId::from(id),
            name: names.principal(principal_type, id).to_owned(),
        }
    }

    fn assignment(&self, k: u64) -> Assignment {
        let (target, principal) = split(k);
        let (principal_type, id) = self.principals[principal as usize];
        match self.targets[target as usize] {
            TargetRef::Account {
                account_id,
                permission_set_arn,
            } => Assignment::Account(AccountAssignment {
                account_id: AccountId::from(account_id),
                permission_set_arn: PermissionSetArn::from(permission_set_arn),
                principal_type,
                principal_id: PrincipalId::from(id),
            }),
            TargetRef::Application(arn) => Assignment::Application(ApplicationAssignment {
                application_arn: ApplicationArn::from(arn),
                principal_type,
                principal_id: PrincipalId::from(id),
            }),
        }
    }

    /// The whole changeset: every create (sorted), then every delete (sorted), and the risks.
    pub fn changeset(&self) -> Changeset {
        let names = &self.names;
        let mut because: HashMap<u64, Vec<u32>, Fast> = HashMap::default();
        for (&old, decision) in &self.decisions {
            if let Dec::Successor(successor) = decision {
                for translation in self.baseline_access.get(&old).into_iter().flatten() {
                    if let Translation::Target(target) = translation {
                        let k = key(*target, *successor);
                        if self.is_create(k) {
                            because.entry(k).or_default().push(old);
                        }
                    }
                }
            }
        }
        let mut creates: Vec<Operation> = because
            .into_iter()
            .map(|(k, mut olds)| {
                olds.sort_unstable();
                olds.dedup();
                Operation {
                    action: Action::Create,
                    assignment: self.assignment(k),
                    because_of: olds.into_iter().map(|p| self.named(p, names)).collect(),
                    empties_pair: false,
                }
            })
            .collect();
        creates.sort_unstable_by(|a, b| a.assignment.cmp(&b.assignment));
        let mut deletes: Vec<Operation> = self
            .retired
            .iter()
            .filter(|&&k| self.is_delete(k))
            .map(|&k| {
                let (target, principal) = split(k);
                Operation {
                    action: Action::Delete,
                    assignment: self.assignment(k),
                    because_of: vec![self.named(principal, names)],
                    empties_pair: self.pair_emptied(target),
                }
            })
            .collect();
        deletes.sort_unstable_by(|a, b| a.assignment.cmp(&b.assignment));
        creates.extend(deletes);
        let permission_sets = self.permission_set_creations(&creates);
        Changeset {
            permission_sets,
            operations: creates,
            risks: self.risks(names),
        }
    }

    /// The permission sets to create, each with the accounts where `operations` create
    /// assignments on it.
    fn permission_set_creations(&self, operations: &[Operation]) -> Vec<PermissionSetCreation> {
        self.to_create
            .iter()
            .map(|p| {
                let mut provision_to: Vec<AccountId> = operations
                    .iter()
                    .filter(|op| op.action == Action::Create)
                    .filter_map(|op| match &op.assignment {
                        Assignment::Account(a) if a.permission_set_arn == p.permission_set_arn => {
                            Some(a.account_id.clone())
                        }
                        _ => None,
                    })
                    .collect();
                provision_to.sort();
                provision_to.dedup();
                PermissionSetCreation {
                    baseline_arn: p.permission_set_arn.clone(),
                    definition: PermissionSetDefinition::of(p),
                    provision_to,
                }
            })
            .collect()
    }

    fn risks(&self, names: &Names<'_>) -> Vec<Risk> {
        let mut risks = Vec::new();
        for &(baseline_set, current_set) in &self.differing {
            for difference in crate::model::definition::differences(
                &PermissionSetDefinition::of(baseline_set),
                &PermissionSetDefinition::of(current_set),
            ) {
                risks.push(Risk::new(RiskKind::PermissionSetDiffers {
                    name: current_set.name.clone(),
                    baseline_arn: baseline_set.permission_set_arn.clone(),
                    current_arn: current_set.permission_set_arn.clone(),
                    difference,
                }));
            }
        }
        for &principal in &self.with_access {
            let reason = match self.decisions.get(&principal) {
                Some(Dec::Successor(_)) => continue,
                Some(Dec::NoSuccessor) => LossReason::NoSuccessor,
                None if self.successor_count.contains_key(&principal) => continue,
                None => LossReason::Unmapped,
            };
            let held = self
                .baseline_held
                .get(&principal)
                .copied()
                .unwrap_or_default();
            risks.push(Risk::new(RiskKind::AccessLost {
                principal: self.named(principal, names),
                reason,
                account_assignments: held.0,
                application_assignments: held.1,
            }));
        }
        for (target, t) in self.targets.iter().enumerate() {
            if let TargetRef::Account {
                account_id,
                permission_set_arn,
            } = t
            {
                if self.pair_emptied(target as u32) {
                    risks.push(Risk::new(RiskKind::RoleDeleted {
                        account_id: AccountId::from(*account_id),
                        account_name: names.account(account_id).to_owned(),
                        permission_set_arn: PermissionSetArn::from(*permission_set_arn),
                        permission_set_name: names.permission_set(permission_set_arn).to_owned(),
                        deletes: self.pair_deletes[target] as usize,
                    }));
                }
            }
        }
        let mut predecessors: HashMap<u32, Vec<u32>, Fast> = HashMap::default();
        for (&old, decision) in &self.decisions {
            if let Dec::Successor(successor) = decision {
                predecessors.entry(*successor).or_default().push(old);
            }
        }
        for (&successor, olds) in &predecessors {
            if olds.len() > 1 {
                let mut olds = olds.clone();
                olds.sort_unstable();
                risks.push(Risk::new(RiskKind::SharedSuccessor {
                    successor: self.named(successor, names),
                    old_principals: olds.iter().map(|&p| self.named(p, names)).collect(),
                }));
            }
            let other = self
                .current_by_principal
                .get(&successor)
                .into_iter()
                .flatten()
                .filter(|&&target| !self.contributions.contains_key(&key(target, successor)))
                .count();
            // Mapping a principal to itself keeps what it has: nothing "other" about it.
            if other > 0 && !olds.contains(&successor) {
                risks.push(Risk::new(RiskKind::SuccessorHasOtherAccess {
                    successor: self.named(successor, names),
                    other_assignments: other,
                }));
            }
        }
        for &(principal, assignments) in &self.orphans {
            risks.push(Risk::new(RiskKind::OrphanedAssignments {
                principal: self.named(principal, names),
                assignments,
                handled: self.decisions.contains_key(&principal),
            }));
        }
        for (&missing, &count) in &self.missing_count {
            let assignments = count as usize;
            risks.push(Risk::new(match self.missing[missing as usize] {
                MissingRef::PermissionSet(arn) => RiskKind::MissingPermissionSet {
                    permission_set_arn: PermissionSetArn::from(arn),
                    name: names.permission_set(arn).to_owned(),
                    assignments,
                },
                MissingRef::Account(id) => RiskKind::MissingAccount {
                    account_id: AccountId::from(id),
                    name: names.account(id).to_owned(),
                    assignments,
                },
                MissingRef::Application(arn) => RiskKind::MissingApplication {
                    application_arn: ApplicationArn::from(arn),
                    name: names.application(arn).to_owned(),
                    assignments,
                },
            }));
        }
        for &(baseline_arn, current_arn) in &self.matched_permission_sets {
            risks.push(Risk::new(RiskKind::PermissionSetMatchedByName {
                name: names.permission_set(current_arn).to_owned(),
                baseline_arn: PermissionSetArn::from(baseline_arn),
                current_arn: PermissionSetArn::from(current_arn),
            }));
        }
        for &(baseline_arn, current_arn) in &self.matched_applications {
            risks.push(Risk::new(RiskKind::ApplicationMatchedByName {
                name: names.application(current_arn).to_owned(),
                baseline_arn: ApplicationArn::from(baseline_arn),
                current_arn: ApplicationArn::from(current_arn),
            }));
        }
        // Decided consequences first (a merge must not hide under a hundred to-do items),
        // then by severity, kind and size.
        risks.sort_by(|a, b| {
            (
                a.is_todo(),
                a.severity,
                a.kind_rank(),
                std::cmp::Reverse(a.weight()),
                &a.kind,
            )
                .cmp(&(
                    b.is_todo(),
                    b.severity,
                    b.kind_rank(),
                    std::cmp::Reverse(b.weight()),
                    &b.kind,
                ))
        });
        risks
    }

    /// How many baseline assignments (account and application) an old principal holds directly.
    pub fn baseline_assignments_of(&self, principal_type: PrincipalType, id: &str) -> usize {
        self.principal_index[type_slot(principal_type)]
            .get(id)
            .and_then(|p| self.baseline_access.get(p))
            .map_or(0, Vec::len)
    }

    pub fn options(&self) -> PlanOptions {
        self.options
    }

    /// The risks of the plan as it stands, most severe first: what [`Planner::changeset`]
    /// reports, without writing every operation out (the TUI's live preview asks after every
    /// edit). Linear in the old principals with access, the (account, permission set) pairs
    /// and the decisions.
    pub fn current_risks(&self) -> Vec<Risk> {
        self.risks(&self.names)
    }
}

fn unique_by_name<'s>(
    items: impl Iterator<Item = (&'s str, &'s str)>,
) -> HashMap<&'s str, &'s str> {
    let mut by_name: HashMap<&str, Option<&str>> = HashMap::new();
    for (name, arn) in items {
        by_name
            .entry(name)
            .and_modify(|existing| *existing = None)
            .or_insert(Some(arn));
    }
    by_name
        .into_iter()
        .filter_map(|(name, arn)| arn.map(|arn| (name, arn)))
        .collect()
}

fn bump(counter: &mut usize, up: bool) {
    if up {
        *counter += 1;
    } else {
        *counter -= 1;
    }
}

fn bump32(counter: &mut u32, up: bool) {
    if up {
        *counter += 1;
    } else {
        *counter -= 1;
    }
}

/// Names for humans, current first (the name people will see after the cutover).
pub(super) struct Names<'s> {
    principals: [HashMap<&'s str, &'s str, Fast>; 2],
    accounts: HashMap<&'s str, &'s str, Fast>,
    permission_sets: HashMap<&'s str, &'s str, Fast>,
    applications: HashMap<&'s str, &'s str, Fast>,
}

impl<'s> Names<'s> {
    pub(super) fn new(baseline: &'s Snapshot, current: &'s Snapshot) -> Self {
        let mut names = Names {
            principals: [HashMap::default(), HashMap::default()],
            accounts: HashMap::default(),
            permission_sets: HashMap::default(),
            applications: HashMap::default(),
        };
        for snapshot in [baseline, current] {
            for user in &snapshot.users {
                names.principals[0].insert(user.user_id.as_str(), user.user_name.as_str());
            }
            for group in &snapshot.groups {
                names.principals[1].insert(group.group_id.as_str(), group.display_name.as_str());
            }
            for account in &snapshot.accounts {
                if let Some(name) = &account.name {
                    names
                        .accounts
                        .insert(account.account_id.as_str(), name.as_str());
                }
            }
            for permission_set in &snapshot.permission_sets {
                names.permission_sets.insert(
                    permission_set.permission_set_arn.as_str(),
                    permission_set.name.as_str(),
                );
            }
            for application in &snapshot.applications {
                names.applications.insert(
                    application.application_arn.as_str(),
                    application.name.as_str(),
                );
            }
        }
        names
    }

    pub(super) fn principal(&self, principal_type: PrincipalType, id: &str) -> &'s str {
        self.principals[type_slot(principal_type)]
            .get(id)
            .copied()
            .unwrap_or("")
    }

    pub(super) fn account(&self, id: &str) -> &'s str {
        self.accounts.get(id).copied().unwrap_or("")
    }

    pub(super) fn permission_set(&self, arn: &str) -> &'s str {
        self.permission_sets.get(arn).copied().unwrap_or("")
    }

    pub(super) fn application(&self, arn: &str) -> &'s str {
        self.applications.get(arn).copied().unwrap_or("")
    }
}

/// A multiply-xorshift hasher for integer keys (ids are dense `u32`s, no attacker controls them).
#[derive(Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        let mixed = (self.0 ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Fast = BuildHasherDefault<IntHasher>;
