//! The six resource tables, built once per dataset as plain text cells so that filtering,
//! sorting and rendering never touch the model again.

use super::dataset::Dataset;
use crate::model::*;
use std::collections::HashMap;
use std::sync::Arc;

pub type Text = Arc<str>;

/// A row of cells that are not shared with other rows.
fn cells<const N: usize>(values: [String; N]) -> Vec<Text> {
    values.into_iter().map(Text::from).collect()
}

/// One shared text per key, made the first time the key is seen: lookups by the (borrowed)
/// id, so a repeated name costs a hash of its id, not a new String.
struct Shared<K>(HashMap<K, Text>);

impl<K: std::hash::Hash + Eq> Shared<K> {
    fn new() -> Self {
        Shared(HashMap::new())
    }

    fn get(&mut self, key: K, make: impl FnOnce() -> String) -> Text {
        self.0
            .entry(key)
            .or_insert_with(|| Text::from(make()))
            .clone()
    }
}

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

pub struct Column {
    /// Used by `column:term` filters.
    pub key: &'static str,
    pub title: &'static str,
    /// Sorted as numbers, right-aligned.
    pub numeric: bool,
    /// Width: a fixed number of cells, or (0) a share of what is left.
    pub width: u16,
}

pub struct Table {
    pub kind: PaneKind,
    pub columns: Vec<Column>,
    /// Cell texts. Shared (`Arc<str>`) because big tables repeat them: a million assignment
    /// rows name only a few thousand accounts and permission sets.
    pub rows: Vec<Vec<Text>>,
    pub entities: Vec<Entity>,
    pub marks: Vec<Mark>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

fn col(key: &'static str, title: &'static str, numeric: bool, width: u16) -> Column {
    Column {
        key,
        title,
        numeric,
        width,
    }
}

/// Human names for ids, shared by every table and detail view.
pub struct Names<'d> {
    accounts: HashMap<&'d str, &'d str>,
    permission_sets: HashMap<&'d str, &'d str>,
    users: HashMap<&'d str, &'d str>,
    groups: HashMap<&'d str, &'d str>,
    applications: HashMap<&'d str, &'d str>,
}

impl<'d> Names<'d> {
    pub fn new(snapshot: &'d Snapshot) -> Names<'d> {
        Names {
            accounts: snapshot
                .accounts
                .iter()
                .filter_map(|a| Some((a.account_id.as_str(), a.name.as_deref()?)))
                .collect(),
            permission_sets: snapshot
                .permission_sets
                .iter()
                .map(|p| (p.permission_set_arn.as_str(), p.name.as_str()))
                .collect(),
            users: snapshot
                .users
                .iter()
                .map(|u| (u.user_id.as_str(), u.user_name.as_str()))
                .collect(),
            groups: snapshot
                .groups
                .iter()
                .map(|g| (g.group_id.as_str(), g.display_name.as_str()))
                .collect(),
            applications: snapshot
                .applications
                .iter()
                .map(|a| (a.application_arn.as_str(), a.name.as_str()))
                .collect(),
        }
    }

    pub fn account(&self, id: &AccountId) -> String {
        match self.accounts.get(id.as_str()) {
            Some(name) => (*name).to_owned(),
            None => id.to_string(),
        }
    }

    pub fn permission_set(&self, arn: &PermissionSetArn) -> String {
        self.permission_sets
            .get(arn.as_str())
            .map(|n| (*n).to_owned())
            .unwrap_or_else(|| format!("⚠ unknown {arn}"))
    }

    pub fn application(&self, arn: &ApplicationArn) -> String {
        self.applications
            .get(arn.as_str())
            .map(|n| (*n).to_owned())
            .unwrap_or_else(|| arn.to_string())
    }

    /// The principal's name, or `None` when the id resolves to nobody (an orphan).
    pub fn principal(&self, kind: PrincipalType, id: &PrincipalId) -> Option<&'d str> {
        match kind {
            PrincipalType::User => self.users.get(id.as_str()).copied(),
            PrincipalType::Group => self.groups.get(id.as_str()).copied(),
        }
    }

    pub fn principal_label(&self, kind: PrincipalType, id: &PrincipalId) -> String {
        match self.principal(kind, id) {
            Some(name) => name.to_owned(),
            None => format!("⚠ orphan {id}"),
        }
    }
}

/// Builds one pane's table. Panes are built when first shown: at the quota the Assignments
/// table alone is a million rows, which should not delay the first frame of the Users pane.
pub fn build(kind: PaneKind, dataset: &Dataset) -> Table {
    match kind {
        PaneKind::Users => users(dataset),
        PaneKind::Groups => groups(dataset),
        PaneKind::PermissionSets => permission_sets(dataset),
        PaneKind::Accounts => accounts(dataset, &Names::new(dataset.snapshot())),
        PaneKind::Assignments => assignments(dataset, &Names::new(dataset.snapshot())),
        PaneKind::Applications => applications(dataset),
    }
}

fn users(dataset: &Dataset) -> Table {
    let snapshot = dataset.snapshot();
    let index = dataset.index();
    let mut table = Table {
        kind: PaneKind::Users,
        columns: vec![
            col("user", "USER NAME", false, 0),
            col("name", "DISPLAY NAME", false, 20),
            col("status", "STATUS", false, 8),
            col("groups", "GROUPS", true, 6),
            col("access", "ACCESS", true, 6),
            col("source", "EXTERNAL ID", false, 14),
        ],
        rows: Vec::with_capacity(snapshot.users.len()),
        entities: Vec::with_capacity(snapshot.users.len()),
        marks: Vec::with_capacity(snapshot.users.len()),
    };
    let apps_by_user = application_counts(snapshot, PrincipalType::User);
    for user in &snapshot.users {
        let groups = index.groups_of(&user.user_id).count();
        let access = index.effective_access_count(&user.user_id);
        let apps = apps_by_user
            .get(user.user_id.as_str())
            .copied()
            .unwrap_or(0);
        table.rows.push(cells([
            user.user_name.clone(),
            user.display_name.clone().unwrap_or_default(),
            user.status.clone().unwrap_or_default(),
            groups.to_string(),
            access.to_string(),
            user.external_ids
                .first()
                .map(|e| issuer_label(&e.issuer))
                .unwrap_or_default(),
        ]));
        table.entities.push(Entity::User(user.user_id.clone()));
        table.marks.push(if access == 0 && apps == 0 {
            Mark::NoAccess
        } else {
            Mark::None
        });
    }
    table
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

fn groups(dataset: &Dataset) -> Table {
    let snapshot = dataset.snapshot();
    let index = dataset.index();
    let apps_by_group = application_counts(snapshot, PrincipalType::Group);
    let mut table = Table {
        kind: PaneKind::Groups,
        columns: vec![
            col("group", "GROUP", false, 0),
            col("description", "DESCRIPTION", false, 0),
            col("members", "MEMBERS", true, 7),
            col("assignments", "ASSIGNMENTS", true, 11),
            col("source", "EXTERNAL ID", false, 14),
        ],
        rows: Vec::new(),
        entities: Vec::new(),
        marks: Vec::new(),
    };
    for group in &snapshot.groups {
        let members = index.members_of(&group.group_id).count();
        let assignments = index.assignments_of_group(&group.group_id).count();
        let apps = apps_by_group
            .get(group.group_id.as_str())
            .copied()
            .unwrap_or(0);
        table.rows.push(cells([
            group.display_name.clone(),
            group.description.clone().unwrap_or_default(),
            members.to_string(),
            assignments.to_string(),
            group
                .external_ids
                .first()
                .map(|e| issuer_label(&e.issuer))
                .unwrap_or_default(),
        ]));
        table.entities.push(Entity::Group(group.group_id.clone()));
        table.marks.push(if assignments == 0 && apps == 0 {
            Mark::NoAccess
        } else {
            Mark::None
        });
    }
    table
}

fn permission_sets(dataset: &Dataset) -> Table {
    let snapshot = dataset.snapshot();
    let mut assigned: HashMap<&str, usize> = HashMap::new();
    for a in &snapshot.account_assignments {
        *assigned.entry(a.permission_set_arn.as_str()).or_insert(0) += 1;
    }
    let mut table = Table {
        kind: PaneKind::PermissionSets,
        columns: vec![
            col("ps", "PERMISSION SET", false, 0),
            col("session", "SESSION", false, 7),
            col("policies", "POLICIES", true, 8),
            col("accounts", "ACCOUNTS", true, 8),
            col("assignments", "ASSIGNMENTS", true, 11),
            col("description", "DESCRIPTION", false, 0),
        ],
        rows: Vec::new(),
        entities: Vec::new(),
        marks: Vec::new(),
    };
    for ps in &snapshot.permission_sets {
        let policies = ps.managed_policies.len()
            + ps.customer_managed_policies.len()
            + usize::from(ps.inline_policy.is_some());
        let count = assigned
            .get(ps.permission_set_arn.as_str())
            .copied()
            .unwrap_or(0);
        table.rows.push(cells([
            ps.name.clone(),
            ps.session_duration.clone().unwrap_or_default(),
            policies.to_string(),
            ps.provisioned_account_ids.len().to_string(),
            count.to_string(),
            ps.description.clone().unwrap_or_default(),
        ]));
        table
            .entities
            .push(Entity::PermissionSet(ps.permission_set_arn.clone()));
        table.marks.push(Mark::None);
    }
    table
}

fn accounts(dataset: &Dataset, names: &Names<'_>) -> Table {
    let snapshot = dataset.snapshot();
    let index = dataset.index();
    let mut table = Table {
        kind: PaneKind::Accounts,
        columns: vec![
            col("account", "ACCOUNT", false, 0),
            col("id", "ACCOUNT ID", false, 12),
            col("status", "STATUS", false, 8),
            col("permission", "PERMISSION SETS", true, 15),
            col("assignments", "ASSIGNMENTS", true, 11),
            col("email", "EMAIL", false, 0),
        ],
        rows: Vec::new(),
        entities: Vec::new(),
        marks: Vec::new(),
    };
    for account in &snapshot.accounts {
        let assignments: Vec<_> = index.assignments_in_account(&account.account_id).collect();
        let mut sets: Vec<_> = assignments.iter().map(|a| &a.permission_set_arn).collect();
        sets.sort();
        sets.dedup();
        table.rows.push(cells([
            names.account(&account.account_id),
            account.account_id.to_string(),
            account.status.clone().unwrap_or_default(),
            sets.len().to_string(),
            assignments.len().to_string(),
            account.email.clone().unwrap_or_default(),
        ]));
        table
            .entities
            .push(Entity::Account(account.account_id.clone()));
        table.marks.push(Mark::None);
    }
    table
}

fn assignments(dataset: &Dataset, names: &Names<'_>) -> Table {
    let snapshot = dataset.snapshot();
    let mut table = Table {
        kind: PaneKind::Assignments,
        columns: vec![
            col("account", "ACCOUNT", false, 0),
            col("ps", "PERMISSION SET", false, 0),
            col("type", "TYPE", false, 5),
            col("principal", "PRINCIPAL", false, 0),
        ],
        rows: Vec::with_capacity(snapshot.account_assignments.len()),
        entities: Vec::with_capacity(snapshot.account_assignments.len()),
        marks: Vec::with_capacity(snapshot.account_assignments.len()),
    };
    let mut accounts = Shared::new();
    let mut permission_sets = Shared::new();
    let mut principals = Shared::new();
    let mut types = Shared::new();
    for a in &snapshot.account_assignments {
        let principal = names.principal(a.principal_type, &a.principal_id);
        table.rows.push(vec![
            accounts.get(&a.account_id, || names.account(&a.account_id)),
            permission_sets.get(&a.permission_set_arn, || {
                names.permission_set(&a.permission_set_arn)
            }),
            types.get(a.principal_type, || a.principal_type.to_string()),
            principals.get((a.principal_type, &a.principal_id), || {
                names.principal_label(a.principal_type, &a.principal_id)
            }),
        ]);
        table
            .entities
            .push(Entity::Principal(a.principal_type, a.principal_id.clone()));
        table.marks.push(if principal.is_none() {
            Mark::Orphan
        } else {
            Mark::None
        });
    }
    table
}

fn applications(dataset: &Dataset) -> Table {
    let snapshot = dataset.snapshot();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for a in &snapshot.application_assignments {
        *counts.entry(a.application_arn.as_str()).or_insert(0) += 1;
    }
    let mut table = Table {
        kind: PaneKind::Applications,
        columns: vec![
            col("app", "APPLICATION", false, 0),
            col("status", "STATUS", false, 10),
            col("assignments", "ASSIGNMENTS", true, 11),
            col("provider", "PROVIDER", false, 0),
        ],
        rows: Vec::new(),
        entities: Vec::new(),
        marks: Vec::new(),
    };
    for app in &snapshot.applications {
        table.rows.push(cells([
            app.name.clone(),
            app.status.clone().unwrap_or_default(),
            counts
                .get(app.application_arn.as_str())
                .copied()
                .unwrap_or(0)
                .to_string(),
            app.provider.clone().unwrap_or_default(),
        ]));
        table
            .entities
            .push(Entity::Application(app.application_arn.clone()));
        table.marks.push(Mark::None);
    }
    table
}
