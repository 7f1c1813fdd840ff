//! The six resource tables. Row `i` of a pane is item `i` of the snapshot's list of that kind,
//! and a table stores no copy of the snapshot's texts: a column reads a record's field, or
//! names one of a few distinct texts by number (a million assignment rows name only a few
//! thousand accounts and permission sets), or holds a count. Cells are formatted on demand,
//! for the rows on screen; the filter matches each distinct text once.

use crate::access::AccessIndex;
use crate::model::*;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

pub type Text = Arc<str>;

/// A count whose data has not been loaded (yet): shown as `…`.
pub const UNKNOWN: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaneKind {
    Users,
    Groups,
    PermissionSets,
    Accounts,
    Assignments,
    Applications,
}

impl PaneKind {
    /// The snapshot list whose items are this pane's rows.
    pub fn part(self) -> PartKind {
        match self {
            PaneKind::Users => PartKind::Users,
            PaneKind::Groups => PartKind::Groups,
            PaneKind::PermissionSets => PartKind::PermissionSets,
            PaneKind::Accounts => PartKind::Accounts,
            PaneKind::Assignments => PartKind::AccountAssignments,
            PaneKind::Applications => PartKind::Applications,
        }
    }

    pub const ALL: [PaneKind; 6] = [
        PaneKind::Users,
        PaneKind::Groups,
        PaneKind::PermissionSets,
        PaneKind::Accounts,
        PaneKind::Assignments,
        PaneKind::Applications,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneKind::Users => "Users",
            PaneKind::Groups => "Groups",
            PaneKind::PermissionSets => "Permission sets",
            PaneKind::Accounts => "Accounts",
            PaneKind::Assignments => "Assignments",
            PaneKind::Applications => "Apps",
        }
    }

    /// Names accepted by the `:` command.
    pub fn from_command(command: &str) -> Option<PaneKind> {
        match command {
            "users" | "user" | "u" => Some(PaneKind::Users),
            "groups" | "group" | "g" => Some(PaneKind::Groups),
            "permission-sets" | "permissionsets" | "ps" => Some(PaneKind::PermissionSets),
            "accounts" | "account" | "a" => Some(PaneKind::Accounts),
            "assignments" | "assignment" => Some(PaneKind::Assignments),
            "apps" | "applications" | "app" => Some(PaneKind::Applications),
            _ => None,
        }
    }

    pub fn position(self) -> usize {
        PaneKind::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// What a row stands for, so Enter can open it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Entity {
    User(UserId),
    Group(GroupId),
    PermissionSet(PermissionSetArn),
    Account(AccountId),
    /// An assignment row opens its principal (or shows the orphan).
    Principal(PrincipalType, PrincipalId),
    Application(ApplicationArn),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    None,
    /// A principal id that resolves to nobody.
    Orphan,
    /// A principal with no access at all.
    NoAccess,
}

/// Where a column's cells come from.
pub enum Cells {
    /// A text field of the row's snapshot record.
    Field(fn(&Snapshot, usize) -> &str),
    /// One of a few distinct texts per row, by number: the row's number is at `slot` of its
    /// entry in the table's shared-id matrix ([`Table::shared_id`]).
    Shared { values: Vec<Text>, slot: usize },
    /// A number per row ([`UNKNOWN`] while what it counts is loading).
    Count(Vec<u32>),
}

pub struct Column {
    /// Used by `column:term` filters.
    pub key: &'static str,
    pub title: &'static str,
    /// Sorted as numbers, right-aligned.
    pub numeric: bool,
    /// Width: a fixed number of cells, or (0) a share of what is left.
    pub width: u16,
    pub cells: Cells,
    /// Per row, its rank in this column's sort order (equal texts share a rank); computed the
    /// first time the column is sorted, by the filter worker.
    sort_keys: OnceLock<Vec<u32>>,
}

impl Column {
    /// How much of the room left a column of width 0 takes: names, which tell the rows apart,
    /// three times as much as descriptions, emails and providers, which a narrow terminal
    /// may cut.
    pub fn fill_weight(&self) -> u16 {
        match self.key {
            "description" | "email" | "provider" => 1,
            _ => 3,
        }
    }
}

pub struct Table {
    pub kind: PaneKind,
    pub columns: Vec<Column>,
    snapshot: Arc<Snapshot>,
    len: usize,
    /// Row-major: the numbers of a row's shared texts side by side, so a filter that tests a
    /// scattered subset of rows reads one cache line per row, not one per column.
    shared_ids: Vec<u32>,
    /// Shared columns per row.
    stride: usize,
    pub marks: Vec<Mark>,
    /// The pane's own list has not been loaded yet (a live load in progress).
    pub waiting: bool,
}

impl Table {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of `row`'s text in the shared column at `slot`.
    pub fn shared_id(&self, row: usize, slot: usize) -> usize {
        self.shared_ids[row * self.stride + slot] as usize
    }

    /// The snapshot whose list the rows are.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The text of one cell.
    pub fn cell(&self, row: usize, column: usize) -> Cow<'_, str> {
        match &self.columns[column].cells {
            Cells::Field(field) => Cow::Borrowed(field(&self.snapshot, row)),
            Cells::Shared { values, slot } => Cow::Borrowed(&values[self.shared_id(row, *slot)]),
            Cells::Count(counts) => Cow::Owned(count_text(counts[row])),
        }
    }

    /// Every cell of one row.
    pub fn row(&self, row: usize) -> Vec<Cow<'_, str>> {
        (0..self.columns.len()).map(|c| self.cell(row, c)).collect()
    }

    /// What the row stands for, so Enter can open it.
    pub fn entity(&self, row: usize) -> Option<Entity> {
        let s = &*self.snapshot;
        Some(match self.kind {
            PaneKind::Users => Entity::User(s.users.get(row)?.user_id.clone()),
            PaneKind::Groups => Entity::Group(s.groups.get(row)?.group_id.clone()),
            PaneKind::PermissionSets => {
                Entity::PermissionSet(s.permission_sets.get(row)?.permission_set_arn.clone())
            }
            PaneKind::Accounts => Entity::Account(s.accounts.get(row)?.account_id.clone()),
            PaneKind::Assignments => {
                let a = s.account_assignments.get(row)?;
                Entity::Principal(a.principal_type, a.principal_id.clone())
            }
            PaneKind::Applications => {
                Entity::Application(s.applications.get(row)?.application_arn.clone())
            }
        })
    }

    /// Per row, its rank when sorted by `column` (texts ignoring case, numbers as numbers; a
    /// count still unknown sorts as 0). Computed once per column, on first use.
    pub fn sort_keys(&self, column: usize) -> &[u32] {
        let c = &self.columns[column];
        c.sort_keys.get_or_init(|| match &c.cells {
            Cells::Count(counts) => counts
                .iter()
                .map(|&n| if n == UNKNOWN { 0 } else { n })
                .collect(),
            Cells::Shared { values, slot } => {
                let ranks = ranks(values.len(), |i| &values[i], c.numeric);
                (0..self.len)
                    .map(|row| ranks[self.shared_id(row, *slot)])
                    .collect()
            }
            Cells::Field(field) => ranks(self.len, |i| field(&self.snapshot, i), c.numeric),
        })
    }
}

/// The rank of each of `n` texts in sorted order, equal texts sharing a rank.
fn ranks<'t>(n: usize, text: impl Fn(usize) -> &'t str, numeric: bool) -> Vec<u32> {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Number(u64),
        Text(String),
    }
    let keys: Vec<Key> = (0..n)
        .map(|i| {
            let t = text(i);
            if numeric {
                Key::Number(t.parse().unwrap_or(0))
            } else {
                Key::Text(t.to_lowercase())
            }
        })
        .collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
    let mut ranks = vec![0u32; n];
    let mut rank = 0u32;
    for (position, &i) in order.iter().enumerate() {
        if position > 0 && keys[order[position - 1] as usize] != keys[i as usize] {
            rank += 1;
        }
        ranks[i as usize] = rank;
    }
    ranks
}

pub fn count_text(n: u32) -> String {
    if n == UNKNOWN {
        "…".to_owned()
    } else {
        n.to_string()
    }
}

fn col(key: &'static str, title: &'static str, numeric: bool, width: u16, cells: Cells) -> Column {
    Column {
        key,
        title,
        numeric,
        width,
        cells,
        sort_keys: OnceLock::new(),
    }
}

/// Collects the shared columns' per-row numbers while a table is built, then lays them out
/// row by row.
#[derive(Default)]
struct SharedIds {
    columns: Vec<Vec<u32>>,
}

impl SharedIds {
    fn cells(&mut self, values: Vec<Text>, ids: Vec<u32>) -> Cells {
        self.columns.push(ids);
        Cells::Shared {
            values,
            slot: self.columns.len() - 1,
        }
    }

    /// The row-major matrix and its stride.
    fn finish(self, len: usize) -> (Vec<u32>, usize) {
        let stride = self.columns.len();
        let mut matrix = vec![0u32; len * stride];
        for (slot, ids) in self.columns.iter().enumerate() {
            for (row, &id) in ids.iter().enumerate() {
                matrix[row * stride + slot] = id;
            }
        }
        (matrix, stride)
    }
}

/// Distinct texts, numbered in the order first seen.
struct Distinct<K> {
    numbers: HashMap<K, u32>,
    values: Vec<Text>,
}

impl<K: std::hash::Hash + Eq> Distinct<K> {
    fn new() -> Self {
        Distinct {
            numbers: HashMap::new(),
            values: Vec::new(),
        }
    }

    fn number(&mut self, key: K, make: impl FnOnce() -> String) -> u32 {
        let values = &mut self.values;
        *self.numbers.entry(key).or_insert_with(|| {
            values.push(Text::from(make()));
            values.len() as u32 - 1
        })
    }
}

/// What a table can show: the snapshot, its access index once built, and which lists a live
/// load has not delivered yet.
pub struct Source<'a> {
    pub snapshot: &'a Arc<Snapshot>,
    pub index: Option<&'a AccessIndex<'a>>,
    pub missing: &'a BTreeSet<PartKind>,
}

impl Source<'_> {
    fn has(&self, parts: &[PartKind]) -> bool {
        parts.iter().all(|p| !self.missing.contains(p))
    }

    /// The index, when everything a count needs has been loaded.
    fn index_with(&self, parts: &[PartKind]) -> Option<&AccessIndex<'_>> {
        self.index.filter(|_| self.has(parts))
    }
}

/// Builds one pane's table. Without the access index, the panes that can show their own list
/// at once do so with their counts marked unknown (the first frame does not wait for the
/// index); the Assignments pane needs the index and gives `None`.
pub fn build(kind: PaneKind, source: &Source<'_>) -> Option<Table> {
    let s = &**source.snapshot;
    let len = if source.missing.contains(&kind.part()) {
        0
    } else {
        match kind {
            PaneKind::Users => s.users.len(),
            PaneKind::Groups => s.groups.len(),
            PaneKind::PermissionSets => s.permission_sets.len(),
            PaneKind::Accounts => s.accounts.len(),
            PaneKind::Assignments => s.account_assignments.len(),
            PaneKind::Applications => s.applications.len(),
        }
    };
    let mut marks = vec![Mark::None; len];
    let mut shared = SharedIds::default();
    let columns = match kind {
        PaneKind::Users => users(source, len, &mut marks, &mut shared),
        PaneKind::Groups => groups(source, len, &mut marks, &mut shared),
        PaneKind::PermissionSets => permission_sets(source, len),
        PaneKind::Accounts => accounts(source, len, &mut shared),
        PaneKind::Assignments => assignments(source, len, &mut marks, &mut shared)?,
        PaneKind::Applications => applications(source, len, &mut shared),
    };
    let (shared_ids, stride) = shared.finish(len);
    Some(Table {
        kind,
        columns,
        snapshot: source.snapshot.clone(),
        len,
        shared_ids,
        stride,
        marks,
        waiting: source.missing.contains(&kind.part()),
    })
}

fn external_id_labels<'s>(
    shared: &mut SharedIds,
    len: usize,
    ids: impl Fn(usize) -> &'s [ExternalId],
) -> Cells {
    let mut distinct = Distinct::new();
    let ids = (0..len)
        .map(|i| {
            let issuer = ids(i).first().map(|e| e.issuer.as_str()).unwrap_or("");
            distinct.number(issuer, || issuer_label(issuer))
        })
        .collect();
    shared.cells(distinct.values, ids)
}

/// A text field with few distinct values (a status), shared so the filter scores each once.
fn few<'s>(shared: &mut SharedIds, len: usize, text: impl Fn(usize) -> &'s str) -> Cells {
    let mut distinct = Distinct::new();
    let ids = (0..len)
        .map(|i| {
            let t = text(i);
            distinct.number(t, || t.to_owned())
        })
        .collect();
    shared.cells(distinct.values, ids)
}

fn unknown(len: usize) -> Cells {
    Cells::Count(vec![UNKNOWN; len])
}

fn users(
    source: &Source<'_>,
    len: usize,
    marks: &mut [Mark],
    shared: &mut SharedIds,
) -> Vec<Column> {
    let s = &**source.snapshot;
    let groups = match source.index_with(&[PartKind::Groups, PartKind::GroupMemberships]) {
        Some(index) => Cells::Count(
            s.users[..len]
                .iter()
                .map(|u| index.groups_of(&u.user_id).count() as u32)
                .collect(),
        ),
        None => unknown(len),
    };
    let access_parts = [
        PartKind::Groups,
        PartKind::GroupMemberships,
        PartKind::AccountAssignments,
    ];
    let access = match source.index_with(&access_parts) {
        Some(index) => {
            let counts: Vec<u32> = s.users[..len]
                .iter()
                .map(|u| index.effective_access_count(&u.user_id) as u32)
                .collect();
            if source.has(&[PartKind::ApplicationAssignments]) {
                let apps = application_counts(s, PrincipalType::User);
                for ((mark, user), &n) in marks.iter_mut().zip(&s.users).zip(&counts) {
                    if n == 0 && !apps.contains_key(user.user_id.as_str()) {
                        *mark = Mark::NoAccess;
                    }
                }
            }
            Cells::Count(counts)
        }
        None => unknown(len),
    };
    vec![
        col(
            "user",
            "USER NAME",
            false,
            0,
            Cells::Field(|s, i| &s.users[i].user_name),
        ),
        col(
            "name",
            "DISPLAY NAME",
            false,
            20,
            Cells::Field(|s, i| s.users[i].display_name.as_deref().unwrap_or("")),
        ),
        col(
            "status",
            "STATUS",
            false,
            8,
            few(shared, len, |i| s.users[i].status.as_deref().unwrap_or("")),
        ),
        col("groups", "GROUPS", true, 6, groups),
        col("access", "ACCESS", true, 6, access),
        col(
            "source",
            "EXTERNAL ID",
            false,
            14,
            external_id_labels(shared, len, |i| &s.users[i].external_ids),
        ),
    ]
}

/// The issuer's host (or tenant) is what tells two identity sources apart at a glance.
pub fn issuer_label(issuer: &str) -> String {
    let trimmed = issuer
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let mut parts = trimmed.split('/').filter(|p| !p.is_empty());
    let host = parts.next().unwrap_or(trimmed);
    match parts.next() {
        // Entra ID issuers differ only by the tenant id after the host.
        Some(tenant) if host.contains("windows.net") || host.contains("microsoftonline") => {
            format!("entra {}", &tenant[..tenant.len().min(8)])
        }
        _ => host.to_owned(),
    }
}

fn application_counts(snapshot: &Snapshot, kind: PrincipalType) -> HashMap<&str, usize> {
    let mut counts = HashMap::new();
    for a in &snapshot.application_assignments {
        if a.principal_type == kind {
            *counts.entry(a.principal_id.as_str()).or_insert(0) += 1;
        }
    }
    counts
}

fn groups(
    source: &Source<'_>,
    len: usize,
    marks: &mut [Mark],
    shared: &mut SharedIds,
) -> Vec<Column> {
    let s = &**source.snapshot;
    let members = match source.index_with(&[PartKind::Users, PartKind::GroupMemberships]) {
        Some(index) => Cells::Count(
            s.groups[..len]
                .iter()
                .map(|g| index.members_of(&g.group_id).count() as u32)
                .collect(),
        ),
        None => unknown(len),
    };
    let assignments = match source.index_with(&[PartKind::AccountAssignments]) {
        Some(index) => {
            let counts: Vec<u32> = s.groups[..len]
                .iter()
                .map(|g| index.assignments_of_group(&g.group_id).count() as u32)
                .collect();
            if source.has(&[PartKind::ApplicationAssignments]) {
                let apps = application_counts(s, PrincipalType::Group);
                for ((mark, group), &n) in marks.iter_mut().zip(&s.groups).zip(&counts) {
                    if n == 0 && !apps.contains_key(group.group_id.as_str()) {
                        *mark = Mark::NoAccess;
                    }
                }
            }
            Cells::Count(counts)
        }
        None => unknown(len),
    };
    vec![
        col(
            "group",
            "GROUP",
            false,
            0,
            Cells::Field(|s, i| &s.groups[i].display_name),
        ),
        col(
            "description",
            "DESCRIPTION",
            false,
            0,
            Cells::Field(|s, i| s.groups[i].description.as_deref().unwrap_or("")),
        ),
        col("members", "MEMBERS", true, 7, members),
        col("assignments", "ASSIGNMENTS", true, 11, assignments),
        col(
            "source",
            "EXTERNAL ID",
            false,
            14,
            external_id_labels(shared, len, |i| &s.groups[i].external_ids),
        ),
    ]
}

fn permission_sets(source: &Source<'_>, len: usize) -> Vec<Column> {
    let s = &**source.snapshot;
    let sets = &s.permission_sets[..len];
    let policies = sets
        .iter()
        .map(|ps| {
            (ps.managed_policies.len()
                + ps.customer_managed_policies.len()
                + usize::from(ps.inline_policy.is_some())) as u32
        })
        .collect();
    // The accounts a permission set is provisioned to come with the assignments.
    let accounts = if source.has(&[PartKind::AccountAssignments]) {
        Cells::Count(
            sets.iter()
                .map(|ps| ps.provisioned_account_ids.len() as u32)
                .collect(),
        )
    } else {
        unknown(len)
    };
    let assignments = match source.index_with(&[PartKind::AccountAssignments]) {
        Some(index) => {
            // Counted by position: the index numbers permission sets in ARN order.
            let mut by_position = vec![0u32; index.permission_set_arns().len()];
            for i in 0..s.account_assignments.len() {
                by_position[index.assignment_positions(i).1 as usize] += 1;
            }
            let position: HashMap<&str, usize> = index
                .permission_set_arns()
                .iter()
                .enumerate()
                .map(|(i, arn)| (arn.as_str(), i))
                .collect();
            Cells::Count(
                sets.iter()
                    .map(|ps| {
                        position
                            .get(ps.permission_set_arn.as_str())
                            .map_or(0, |&p| by_position[p])
                    })
                    .collect(),
            )
        }
        None => unknown(len),
    };
    vec![
        col(
            "ps",
            "PERMISSION SET",
            false,
            0,
            Cells::Field(|s, i| &s.permission_sets[i].name),
        ),
        col(
            "session",
            "SESSION",
            false,
            7,
            Cells::Field(|s, i| {
                s.permission_sets[i]
                    .session_duration
                    .as_deref()
                    .unwrap_or("")
            }),
        ),
        col("policies", "POLICIES", true, 8, Cells::Count(policies)),
        col("accounts", "ACCOUNTS", true, 8, accounts),
        col("assignments", "ASSIGNMENTS", true, 11, assignments),
        col(
            "description",
            "DESCRIPTION",
            false,
            0,
            Cells::Field(|s, i| s.permission_sets[i].description.as_deref().unwrap_or("")),
        ),
    ]
}

fn accounts(source: &Source<'_>, len: usize, shared: &mut SharedIds) -> Vec<Column> {
    let s = &**source.snapshot;
    let (sets, assignments) = match source.index_with(&[PartKind::AccountAssignments]) {
        Some(index) => {
            let mut sets = Vec::with_capacity(len);
            let mut assignments = Vec::with_capacity(len);
            for account in &s.accounts[..len] {
                let found: Vec<_> = index.assignments_in_account(&account.account_id).collect();
                let mut arns: Vec<_> = found.iter().map(|a| &a.permission_set_arn).collect();
                arns.sort();
                arns.dedup();
                sets.push(arns.len() as u32);
                assignments.push(found.len() as u32);
            }
            (Cells::Count(sets), Cells::Count(assignments))
        }
        None => (unknown(len), unknown(len)),
    };
    vec![
        col(
            "account",
            "ACCOUNT",
            false,
            0,
            Cells::Field(|s, i| {
                let a = &s.accounts[i];
                a.name.as_deref().unwrap_or(a.account_id.as_str())
            }),
        ),
        col(
            "id",
            "ACCOUNT ID",
            false,
            12,
            Cells::Field(|s, i| s.accounts[i].account_id.as_str()),
        ),
        col(
            "status",
            "STATUS",
            false,
            8,
            few(shared, len, |i| {
                s.accounts[i].status.as_deref().unwrap_or("")
            }),
        ),
        col("permission", "PERMISSION SETS", true, 15, sets),
        col("assignments", "ASSIGNMENTS", true, 11, assignments),
        col(
            "email",
            "EMAIL",
            false,
            0,
            Cells::Field(|s, i| s.accounts[i].email.as_deref().unwrap_or("")),
        ),
    ]
}

/// Needs the index: it numbers accounts, permission sets and principals, so a million rows
/// become four small numbers each without hashing a single id.
fn assignments(
    source: &Source<'_>,
    len: usize,
    marks: &mut [Mark],
    shared: &mut SharedIds,
) -> Option<Vec<Column>> {
    let index = source.index?;
    let s = &**source.snapshot;
    let names: HashMap<&str, &str> = s
        .accounts
        .iter()
        .filter_map(|a| Some((a.account_id.as_str(), a.name.as_deref()?)))
        .collect();
    let account_values: Vec<Text> = index
        .account_ids()
        .iter()
        .map(|id| Text::from(names.get(id.as_str()).copied().unwrap_or(id.as_str())))
        .collect();
    // Until the permission sets are loaded an ARN is shown as it is, not as unknown.
    let sets_loaded = source.has(&[PartKind::PermissionSets]);
    let ps_values: Vec<Text> = index
        .permission_set_arns()
        .iter()
        .map(|arn| match index.permission_set(arn) {
            Some(ps) => Text::from(ps.name.as_str()),
            None if sets_loaded => Text::from(format!("⚠ unknown {arn}")),
            None => Text::from(arn.as_str()),
        })
        .collect();
    // Principals: users, then groups, then each orphan once.
    let principals_loaded = source.has(&[PartKind::Users, PartKind::Groups]);
    let (users, groups) = (s.users.len() as u32, s.groups.len() as u32);
    let mut principal_values: Vec<Text> = s
        .users
        .iter()
        .map(|u| Text::from(u.user_name.as_str()))
        .chain(s.groups.iter().map(|g| Text::from(g.display_name.as_str())))
        .collect();
    let mut orphans = Distinct::new();
    let mut account_ids = Vec::with_capacity(len);
    let mut ps_ids = Vec::with_capacity(len);
    let mut type_ids = Vec::with_capacity(len);
    let mut principal_ids = Vec::with_capacity(len);
    for (i, a) in s.account_assignments[..len].iter().enumerate() {
        let (account, ps, principal) = index.assignment_positions(i);
        account_ids.push(account);
        ps_ids.push(ps);
        type_ids.push(match a.principal_type {
            PrincipalType::User => 0,
            PrincipalType::Group => 1,
        });
        principal_ids.push(match principal {
            Some((PrincipalType::User, u)) => u,
            Some((PrincipalType::Group, g)) => users + g,
            None => {
                if principals_loaded {
                    marks[i] = Mark::Orphan;
                }
                users
                    + groups
                    + orphans.number((a.principal_type, a.principal_id.as_str()), || {
                        if principals_loaded {
                            format!("⚠ orphan {}", a.principal_id)
                        } else {
                            a.principal_id.to_string()
                        }
                    })
            }
        });
    }
    principal_values.extend(orphans.values);
    Some(vec![
        col(
            "account",
            "ACCOUNT",
            false,
            0,
            shared.cells(account_values, account_ids),
        ),
        col(
            "ps",
            "PERMISSION SET",
            false,
            0,
            shared.cells(ps_values, ps_ids),
        ),
        col(
            "type",
            "TYPE",
            false,
            5,
            shared.cells(
                vec![
                    Text::from(PrincipalType::User.to_string()),
                    Text::from(PrincipalType::Group.to_string()),
                ],
                type_ids,
            ),
        ),
        col(
            "principal",
            "PRINCIPAL",
            false,
            0,
            shared.cells(principal_values, principal_ids),
        ),
    ])
}

fn applications(source: &Source<'_>, len: usize, shared: &mut SharedIds) -> Vec<Column> {
    let s = &**source.snapshot;
    let assignments = if source.has(&[PartKind::ApplicationAssignments]) {
        let mut counts: HashMap<&str, u32> = HashMap::new();
        for a in &s.application_assignments {
            *counts.entry(a.application_arn.as_str()).or_insert(0) += 1;
        }
        Cells::Count(
            s.applications[..len]
                .iter()
                .map(|app| {
                    counts
                        .get(app.application_arn.as_str())
                        .copied()
                        .unwrap_or(0)
                })
                .collect(),
        )
    } else {
        unknown(len)
    };
    vec![
        col(
            "app",
            "APPLICATION",
            false,
            0,
            Cells::Field(|s, i| &s.applications[i].name),
        ),
        col(
            "status",
            "STATUS",
            false,
            10,
            few(shared, len, |i| {
                s.applications[i].status.as_deref().unwrap_or("")
            }),
        ),
        col("assignments", "ASSIGNMENTS", true, 11, assignments),
        col(
            "provider",
            "PROVIDER",
            false,
            0,
            Cells::Field(|s, i| s.applications[i].provider.as_deref().unwrap_or("")),
        ),
    ]
}
