//! The audit report: who has access to what, one row per (user, account, permission set), with
//! the paths that grant it, optionally narrowed by a filter and followed by the principals that
//! have no access and the orphaned assignments. Rendering lives in [`super::render`].
//!
//! Semantics:
//! - Every filter value matches an id or a name (account id or name, permission set ARN or
//!   name, user id or user name, group id or display name): exactly if anything matches
//!   exactly, else ignoring case. A value that matches nothing is an error ([`NoMatch`]).
//! - Filters combine with AND. `group` keeps the rows where that group is one of the granting
//!   paths; the row's `via` still lists every path, so the auditor sees the whole picture.
//! - The extra sections describe the whole instance and ignore the filter: an orphaned
//!   assignment has no user or group to match, and a principal without access has no account
//!   or permission set to match.

use super::filter::{self, AuditFilter, NoMatch, ResolvedFilter};
use super::index::{AccessIndex, Via};
use crate::model::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Which extra sections to add after the access rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuditOptions {
    pub include_no_access: bool,
    pub include_orphans: bool,
}

/// One (user, account, permission set) the user can reach.
///
/// Text borrows from the snapshot when built by [`audit`] (a report at Identity Center's quotas
/// has millions of rows; copying every name would multiply its memory), and is owned when
/// deserialized from a JSON report: `AuditRow<'static>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow<'s> {
    pub user_id: Cow<'s, str>,
    pub user_name: Cow<'s, str>,
    pub display_name: Option<Cow<'s, str>>,
    pub account_id: Cow<'s, str>,
    /// `None` when the snapshot has no record of the account (e.g. Organizations was not read).
    pub account_name: Option<Cow<'s, str>>,
    pub permission_set_arn: Cow<'s, str>,
    /// Empty when the snapshot has no record of the permission set.
    pub permission_set_name: Cow<'s, str>,
    /// `"direct"` when an assignment names the user, then the display name of every group whose
    /// assignment covers the user, sorted. Never empty.
    pub via: Vec<Cow<'s, str>>,
}

/// A user or group that exists but is granted nothing
/// (see [`PrincipalsWithoutAccess`](super::PrincipalsWithoutAccess)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoAccessRow {
    pub principal_type: PrincipalType,
    pub principal_id: String,
    /// The user name, or the group's display name.
    pub name: String,
    /// The user's display name; `None` for groups.
    pub display_name: Option<String>,
}

/// What an orphaned assignment was assigning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrphanKind {
    Account,
    Application,
}

impl OrphanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrphanKind::Account => "account",
            OrphanKind::Application => "application",
        }
    }
}

/// An assignment whose principal no longer exists. Account fields are set for account
/// assignments, application fields for application assignments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrphanRow {
    pub assignment: OrphanKind,
    pub principal_type: PrincipalType,
    pub principal_id: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub permission_set_arn: Option<String>,
    pub permission_set_name: Option<String>,
    pub application_arn: Option<String>,
    pub application_name: Option<String>,
}

/// Everything a rendered report shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport<'s> {
    pub instance: InstanceInfo,
    pub captured_at: DateTime<Utc>,
    pub filter: AuditFilter,
    /// Sorted by user name, account (name, else id), permission set name.
    pub rows: Vec<AuditRow<'s>>,
    /// Present when asked for: users (by user name), then groups (by display name).
    pub without_access: Option<Vec<NoAccessRow>>,
    /// Present when asked for: account assignments, then application assignments.
    pub orphans: Option<Vec<OrphanRow>>,
    /// Parts of the snapshot that could not be read: the report may be missing access.
    pub warnings: Vec<Warning>,
}

impl AuditReport<'_> {
    pub fn distinct_users(&self) -> usize {
        distinct(self.rows.iter().map(|r| r.user_id.as_ref()))
    }

    pub fn distinct_accounts(&self) -> usize {
        distinct(self.rows.iter().map(|r| r.account_id.as_ref()))
    }

    pub fn distinct_permission_sets(&self) -> usize {
        distinct(self.rows.iter().map(|r| r.permission_set_arn.as_ref()))
    }
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> usize {
    let mut items: Vec<&str> = items.collect();
    items.sort_unstable();
    items.dedup();
    items.len()
}

/// Builds the report for `filter`; fails when a filter value names nothing.
pub fn audit<'s>(
    index: &AccessIndex<'s>,
    filter: &AuditFilter,
    options: AuditOptions,
) -> Result<AuditReport<'s>, NoMatch> {
    let resolved = filter::resolve(index, filter)?;
    let snapshot = index.snapshot();
    Ok(AuditReport {
        instance: snapshot.instance.clone(),
        captured_at: snapshot.captured_at,
        filter: filter.clone(),
        rows: access_rows(index, &resolved),
        without_access: options.include_no_access.then(|| no_access_rows(index)),
        orphans: options.include_orphans.then(|| orphan_rows(index)),
        warnings: snapshot.warnings.clone(),
    })
}

fn access_rows<'s>(index: &AccessIndex<'s>, filter: &ResolvedFilter<'s>) -> Vec<AuditRow<'s>> {
    let keeps = |account_id: &AccountId, arn: &PermissionSetArn, via: &[Via]| {
        let granting_groups = via.iter().filter_map(|v| match v {
            Via::Direct => None,
            Via::Group(g) => Some(*g),
        });
        filter.allows_account(account_id)
            && filter.allows_permission_set(arn)
            && filter.allows_groups(granting_groups)
    };
    let mut rows = Vec::new();
    // Start from the smallest side the filter allows; `keeps` applies every filter anyway.
    if let (None, None, Some(accounts)) = (&filter.users, &filter.groups, &filter.accounts) {
        for &account_id in accounts {
            for reach in index.who_can_reach(account_id) {
                if keeps(account_id, reach.permission_set_arn, &reach.via) {
                    let arn = reach.permission_set_arn;
                    rows.push(row(index, reach.user, account_id, arn, &reach.via));
                }
            }
        }
        rows.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        return rows;
    }
    // Users in report order, each user's rows sorted on their own: sorting millions of rows
    // by strings at once would cost more than everything else together.
    let mut users = candidate_users(index, filter);
    users.sort_by(|a, b| (&a.user_name, &a.user_id).cmp(&(&b.user_name, &b.user_id)));
    for user in users {
        let start = rows.len();
        for grant in index.effective_access(&user.user_id) {
            if keeps(grant.account_id, grant.permission_set_arn, &grant.via) {
                let arn = grant.permission_set_arn;
                rows.push(row(index, user, grant.account_id, arn, &grant.via));
            }
        }
        rows[start..].sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    }
    rows
}

/// The users a report can be about: those the user filter names, else the members of the
/// groups the group filter names, else everyone.
fn candidate_users<'s>(index: &AccessIndex<'s>, filter: &ResolvedFilter<'s>) -> Vec<&'s User> {
    if let Some(users) = &filter.users {
        return users.clone();
    }
    if let Some(groups) = &filter.groups {
        let mut members: Vec<&User> = groups.iter().flat_map(|g| index.members_of(g)).collect();
        members.sort_unstable_by(|a, b| a.user_id.cmp(&b.user_id));
        members.dedup_by(|a, b| a.user_id == b.user_id);
        return members;
    }
    index.users().collect()
}

/// User name, account (name, else id), permission set name; ids break ties.
fn sort_key<'a>(row: &'a AuditRow<'_>) -> (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str) {
    (
        &row.user_name,
        &row.user_id,
        row.account_name.as_deref().unwrap_or(&row.account_id),
        &row.account_id,
        &row.permission_set_name,
        &row.permission_set_arn,
    )
}

fn row<'s>(
    index: &AccessIndex<'s>,
    user: &'s User,
    account_id: &'s AccountId,
    arn: &'s PermissionSetArn,
    via: &[Via<'s>],
) -> AuditRow<'s> {
    // "direct" first, then the granting groups' names in order.
    let direct = via.contains(&Via::Direct);
    let mut paths: Vec<Cow<'s, str>> = Vec::with_capacity(via.len());
    if direct {
        paths.push(Cow::Borrowed("direct"));
    }
    paths.extend(via.iter().filter_map(|v| match v {
        Via::Direct => None,
        Via::Group(g) => Some(group_name(index, g)),
    }));
    paths[usize::from(direct)..].sort_unstable();
    AuditRow {
        user_id: Cow::Borrowed(user.user_id.as_str()),
        user_name: Cow::Borrowed(&user.user_name),
        display_name: user.display_name.as_deref().map(Cow::Borrowed),
        account_id: Cow::Borrowed(account_id.as_str()),
        account_name: account_name(index, account_id).map(Cow::Borrowed),
        permission_set_arn: Cow::Borrowed(arn.as_str()),
        permission_set_name: Cow::Borrowed(permission_set_name(index, arn).unwrap_or_default()),
        via: paths,
    }
}

fn group_name<'s>(index: &AccessIndex<'s>, id: &'s GroupId) -> Cow<'s, str> {
    // A granting group always exists (the index resolved it); the id is a safe fallback.
    Cow::Borrowed(index.group(id).map_or(id.as_str(), |g| &g.display_name))
}

fn account_name<'s>(index: &AccessIndex<'s>, id: &AccountId) -> Option<&'s str> {
    index.account(id).and_then(|a| a.name.as_deref())
}

fn permission_set_name<'s>(index: &AccessIndex<'s>, arn: &PermissionSetArn) -> Option<&'s str> {
    index.permission_set(arn).map(|p| p.name.as_str())
}

fn no_access_rows(index: &AccessIndex<'_>) -> Vec<NoAccessRow> {
    let nobody = index.principals_without_access();
    let mut users = nobody.users;
    users.sort_by(|a, b| (&a.user_name, &a.user_id).cmp(&(&b.user_name, &b.user_id)));
    let mut groups = nobody.groups;
    groups.sort_by(|a, b| (&a.display_name, &a.group_id).cmp(&(&b.display_name, &b.group_id)));
    let users = users.into_iter().map(|u| NoAccessRow {
        principal_type: PrincipalType::User,
        principal_id: u.user_id.0.clone(),
        name: u.user_name.clone(),
        display_name: u.display_name.clone(),
    });
    let groups = groups.into_iter().map(|g| NoAccessRow {
        principal_type: PrincipalType::Group,
        principal_id: g.group_id.0.clone(),
        name: g.display_name.clone(),
        display_name: None,
    });
    users.chain(groups).collect()
}

fn orphan_rows(index: &AccessIndex<'_>) -> Vec<OrphanRow> {
    let accounts = index
        .orphaned_account_assignments()
        .into_iter()
        .map(|a| OrphanRow {
            assignment: OrphanKind::Account,
            principal_type: a.principal_type,
            principal_id: a.principal_id.0.clone(),
            account_id: Some(a.account_id.0.clone()),
            account_name: account_name(index, &a.account_id).map(str::to_owned),
            permission_set_arn: Some(a.permission_set_arn.0.clone()),
            permission_set_name: permission_set_name(index, &a.permission_set_arn)
                .map(str::to_owned),
            application_arn: None,
            application_name: None,
        });
    let applications = index
        .orphaned_application_assignments()
        .into_iter()
        .map(|a| OrphanRow {
            assignment: OrphanKind::Application,
            principal_type: a.principal_type,
            principal_id: a.principal_id.0.clone(),
            account_id: None,
            account_name: None,
            permission_set_arn: None,
            permission_set_name: None,
            application_arn: Some(a.application_arn.0.clone()),
            application_name: index
                .application(&a.application_arn)
                .map(|x| x.name.clone()),
        });
    accounts.chain(applications).collect()
}
