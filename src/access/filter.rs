//! Turns the audit filter's free-text values (an id or a name each) into the sets of ids they
//! name, or an error that says which value matched nothing and what was probably meant.

use super::index::AccessIndex;
use super::suggest;
use crate::model::{AccountId, GroupId, PermissionSetArn, User};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What to restrict the report to; each value is an id or a name (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub account: Option<String>,
    pub permission_set: Option<String>,
    pub user: Option<String>,
    pub group: Option<String>,
}

impl AuditFilter {
    pub fn is_empty(&self) -> bool {
        self.terms().is_empty()
    }

    /// The values given, as (what, value) in a fixed order, for report headers.
    pub fn terms(&self) -> Vec<(&'static str, &str)> {
        [
            ("account", &self.account),
            ("permission set", &self.permission_set),
            ("user", &self.user),
            ("group", &self.group),
        ]
        .into_iter()
        .filter_map(|(what, value)| value.as_deref().map(|v| (what, v)))
        .collect()
    }
}

/// Which filter a value was given for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterKind {
    Account,
    PermissionSet,
    User,
    Group,
}

impl FilterKind {
    /// The command-line flag that sets this filter.
    pub fn flag(self) -> &'static str {
        match self {
            FilterKind::Account => "--account",
            FilterKind::PermissionSet => "--permission-set",
            FilterKind::User => "--user",
            FilterKind::Group => "--group",
        }
    }

    fn described(self) -> &'static str {
        match self {
            FilterKind::Account => "account (by account id or name)",
            FilterKind::PermissionSet => "permission set (by ARN or name)",
            FilterKind::User => "user (by user id or user name)",
            FilterKind::Group => "group (by group id or display name)",
        }
    }
}

/// A filter value that names nothing in the snapshot.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct NoMatch {
    pub kind: FilterKind,
    pub value: String,
    /// The closest names, best first (possibly none).
    pub suggestions: Vec<String>,
}

impl fmt::Display for NoMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {:?} matches no {} in this snapshot",
            self.kind.flag(),
            self.value,
            self.kind.described()
        )?;
        match self.suggestions.as_slice() {
            [] => Ok(()),
            [only] => write!(f, ". Did you mean {only:?}?"),
            many => {
                let quoted: Vec<String> = many.iter().map(|s| format!("{s:?}")).collect();
                write!(f, ". Did you mean one of {}?", quoted.join(", "))
            }
        }
    }
}

/// The ids each filter value names; `None` where no value was given (no restriction). A value
/// names one or a few things, so the lists are scanned rather than hashed.
#[derive(Debug, Default)]
pub(super) struct ResolvedFilter<'s> {
    pub accounts: Option<Vec<&'s AccountId>>,
    pub permission_sets: Option<Vec<&'s PermissionSetArn>>,
    pub users: Option<Vec<&'s User>>,
    pub groups: Option<Vec<&'s GroupId>>,
}

impl ResolvedFilter<'_> {
    pub fn allows_account(&self, id: &AccountId) -> bool {
        self.accounts.as_ref().is_none_or(|ids| ids.contains(&id))
    }

    pub fn allows_permission_set(&self, arn: &PermissionSetArn) -> bool {
        self.permission_sets
            .as_ref()
            .is_none_or(|arns| arns.contains(&arn))
    }

    /// Whether any of the granting groups is one the filter names.
    pub fn allows_groups<'a>(&self, mut granting: impl Iterator<Item = &'a GroupId>) -> bool {
        self.groups
            .as_ref()
            .is_none_or(|ids| granting.any(|g| ids.contains(&g)))
    }
}

/// How many suggestions a "matches no ..." error offers.
const SUGGESTIONS: usize = 3;

pub(super) fn resolve<'s>(
    index: &AccessIndex<'s>,
    filter: &AuditFilter,
) -> Result<ResolvedFilter<'s>, NoMatch> {
    let mut resolved = ResolvedFilter::default();
    if let Some(value) = &filter.account {
        let candidates: Vec<Candidate<&'s AccountId>> = index
            .account_ids()
            .iter()
            .map(|&id| Candidate {
                key: id,
                id: id.as_str(),
                name: index.account(id).and_then(|a| a.name.as_deref()),
            })
            .collect();
        resolved.accounts = Some(matching(FilterKind::Account, value, &candidates)?);
    }
    if let Some(value) = &filter.permission_set {
        let candidates: Vec<Candidate<&'s PermissionSetArn>> = index
            .permission_set_arns()
            .iter()
            .map(|&arn| Candidate {
                key: arn,
                id: arn.as_str(),
                name: index.permission_set(arn).map(|p| p.name.as_str()),
            })
            .collect();
        resolved.permission_sets = Some(matching(FilterKind::PermissionSet, value, &candidates)?);
    }
    if let Some(value) = &filter.user {
        let candidates: Vec<Candidate<&'s User>> = index
            .users()
            .map(|u| Candidate {
                key: u,
                id: u.user_id.as_str(),
                name: Some(u.user_name.as_str()),
            })
            .collect();
        resolved.users = Some(matching(FilterKind::User, value, &candidates)?);
    }
    if let Some(value) = &filter.group {
        let candidates: Vec<Candidate<&'s GroupId>> = index
            .groups()
            .map(|g| Candidate {
                key: &g.group_id,
                id: g.group_id.as_str(),
                name: Some(g.display_name.as_str()),
            })
            .collect();
        resolved.groups = Some(matching(FilterKind::Group, value, &candidates)?);
    }
    Ok(resolved)
}

/// Something a filter value may name, by its id or by its name.
struct Candidate<'s, K> {
    key: K,
    id: &'s str,
    name: Option<&'s str>,
}

/// The candidates `value` names: exact matches of id or name if there are any, else matches
/// ignoring case (so `prod` finds `Prod` but `Prod` does not also drag in `PROD`). Names need not
/// be unique (account names are not), so every match counts.
fn matching<K: Copy>(
    kind: FilterKind,
    value: &str,
    candidates: &[Candidate<'_, K>],
) -> Result<Vec<K>, NoMatch> {
    let wanted = value.trim();
    let exact: Vec<K> = candidates
        .iter()
        .filter(|c| c.id == wanted || c.name == Some(wanted))
        .map(|c| c.key)
        .collect();
    if !exact.is_empty() {
        return Ok(exact);
    }
    let folded = wanted.to_lowercase();
    let same_ignoring_case = |s: &str| s.to_lowercase() == folded;
    let loose: Vec<K> = candidates
        .iter()
        .filter(|c| same_ignoring_case(c.id) || c.name.is_some_and(same_ignoring_case))
        .map(|c| c.key)
        .collect();
    if !loose.is_empty() {
        return Ok(loose);
    }
    // Suggest names (what people type); an unnamed account is suggested by its id.
    let names = candidates.iter().map(|c| c.name.unwrap_or(c.id));
    Err(NoMatch {
        kind,
        value: value.to_owned(),
        suggestions: suggest::closest(wanted, names, SUGGESTIONS),
    })
}
