//! `cutover provisioning-check`: did the new identity source provision everybody it should
//! have? Pure: the expected principals (a CSV exported from the IdP) against the directory.
//!
//! The expected file has a `user` column (a user name or an email; case-insensitive) and an
//! optional `group` column: a row with both says the user must be a member of the group, a row
//! with only a group says the group must exist.

use super::plan::DirectoryState;
use crate::model::{GroupId, User};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expected {
    /// As written, first spelling kept; compared lower-cased.
    pub users: BTreeSet<String>,
    /// Group name → its expected members (as written).
    pub groups: BTreeMap<String, BTreeSet<String>>,
    /// Whether the file has a group column: without one, groups are not checked.
    pub has_groups: bool,
}

pub fn parse_expected(text: &str) -> Result<Expected, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let user_column = column("user")
        .or_else(|| column("user_name"))
        .or_else(|| column("email"))
        .ok_or("line 1: the header needs a `user` column (user names or emails)")?;
    let group_column = column("group");
    let mut expected = Expected {
        has_groups: group_column.is_some(),
        ..Expected::default()
    };
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let user = record.get(user_column).unwrap_or_default();
        let group = group_column.and_then(|i| record.get(i)).unwrap_or_default();
        if !user.is_empty() {
            expected.users.insert(user.to_owned());
        }
        if !group.is_empty() {
            let members = expected.groups.entry(group.to_owned()).or_default();
            if !user.is_empty() {
                members.insert(user.to_owned());
            }
        }
    }
    Ok(expected)
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupDifference {
    pub group: String,
    pub group_id: String,
    /// Expected members who are not members (or do not exist).
    pub missing_members: Vec<String>,
    /// Members the file does not list for this group.
    pub unexpected_members: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub missing_users: Vec<String>,
    /// User names of users nobody expected.
    pub unexpected_users: Vec<String>,
    pub missing_groups: Vec<String>,
    pub unexpected_groups: Vec<String>,
    pub groups_differing: Vec<GroupDifference>,
}

impl CheckReport {
    /// Anything expected that has not arrived (the exit code is 1 then).
    pub fn anything_missing(&self) -> bool {
        !self.missing_users.is_empty()
            || !self.missing_groups.is_empty()
            || self
                .groups_differing
                .iter()
                .any(|g| !g.missing_members.is_empty())
    }
}

fn keys(user: &User) -> impl Iterator<Item = String> + '_ {
    std::iter::once(user.user_name.to_lowercase())
        .chain(user.emails.iter().map(|e| e.value.to_lowercase()))
}

/// The directory's groups' members must be in `state.members` for every group to compare.
pub fn check(expected: &Expected, state: &DirectoryState) -> CheckReport {
    let mut by_key: HashMap<String, &User> = HashMap::new();
    for user in &state.users {
        for key in keys(user) {
            by_key.entry(key).or_insert(user);
        }
    }
    let mut report = CheckReport::default();
    let mut matched = BTreeSet::new();
    for name in &expected.users {
        match by_key.get(&name.to_lowercase()) {
            Some(user) => {
                matched.insert(user.user_id.clone());
            }
            None => report.missing_users.push(name.clone()),
        }
    }
    report.unexpected_users = state
        .users
        .iter()
        .filter(|u| !matched.contains(&u.user_id))
        .map(|u| u.user_name.clone())
        .collect();
    report.unexpected_users.sort();
    if !expected.has_groups {
        return report;
    }
    let by_name: HashMap<String, &crate::model::Group> = state
        .groups
        .iter()
        .map(|g| (g.display_name.to_lowercase(), g))
        .collect();
    let names: HashMap<&crate::model::UserId, &str> = state
        .users
        .iter()
        .map(|u| (&u.user_id, u.user_name.as_str()))
        .collect();
    for (name, members) in &expected.groups {
        let Some(group) = by_name.get(&name.to_lowercase()) else {
            report.missing_groups.push(name.clone());
            continue;
        };
        let actual: BTreeSet<&crate::model::UserId> = state
            .members
            .get(&group.group_id)
            .map(|m| m.iter().map(|m| &m.user_id).collect())
            .unwrap_or_default();
        let mut expected_ids = BTreeSet::new();
        let mut difference = GroupDifference {
            group: group.display_name.clone(),
            group_id: group.group_id.0.clone(),
            ..GroupDifference::default()
        };
        for member in members {
            match by_key.get(&member.to_lowercase()) {
                Some(user) if actual.contains(&user.user_id) => {
                    expected_ids.insert(&user.user_id);
                }
                Some(user) => {
                    expected_ids.insert(&user.user_id);
                    difference.missing_members.push(member.clone());
                }
                None => difference.missing_members.push(member.clone()),
            }
        }
        difference.unexpected_members = actual
            .iter()
            .filter(|id| !expected_ids.contains(*id))
            .map(|id| names.get(id).copied().unwrap_or(id.as_str()).to_owned())
            .collect();
        if !difference.missing_members.is_empty() || !difference.unexpected_members.is_empty() {
            report.groups_differing.push(difference);
        }
    }
    let wanted: BTreeSet<String> = expected.groups.keys().map(|g| g.to_lowercase()).collect();
    report.unexpected_groups = state
        .groups
        .iter()
        .filter(|g| !wanted.contains(&g.display_name.to_lowercase()))
        .map(|g| g.display_name.clone())
        .collect();
    report.unexpected_groups.sort();
    report
}

/// The groups whose members the check compares.
pub fn groups_to_read(expected: &Expected, state: &DirectoryState) -> Vec<GroupId> {
    if !expected.has_groups {
        return Vec::new();
    }
    let wanted: BTreeSet<String> = expected.groups.keys().map(|g| g.to_lowercase()).collect();
    state
        .groups
        .iter()
        .filter(|g| wanted.contains(&g.display_name.to_lowercase()))
        .map(|g| g.group_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Email, Group, GroupMembership};

    fn user(id: &str, name: &str, email: &str) -> User {
        User {
            user_id: id.into(),
            user_name: name.into(),
            display_name: None,
            name: None,
            emails: vec![Email {
                value: email.into(),
                kind: None,
                primary: true,
            }],
            external_ids: Vec::new(),
            status: None,
            profile: Default::default(),
        }
    }

    #[test]
    fn missing_unexpected_and_differing_members_are_reported() {
        let expected =
            parse_expected("user,group\nana@example.com,ops\nBO,ops\ncy,\n,empty\nzed,ops\n")
                .unwrap();
        let mut state = DirectoryState {
            users: vec![
                user("u-1", "ana", "Ana@Example.com"),
                user("u-2", "bo", "bo@example.com"),
                user("u-3", "stray", "s@example.com"),
            ],
            groups: vec![Group {
                group_id: "g-1".into(),
                display_name: "ops".into(),
                description: None,
                external_ids: Vec::new(),
            }],
            members: HashMap::new(),
        };
        state.members.insert(
            "g-1".into(),
            ["u-1", "u-3"]
                .iter()
                .map(|u| GroupMembership {
                    group_id: "g-1".into(),
                    user_id: (*u).into(),
                    membership_id: None,
                })
                .collect(),
        );
        let report = check(&expected, &state);
        assert_eq!(report.missing_users, ["cy", "zed"]);
        assert_eq!(report.unexpected_users, ["stray"]);
        assert_eq!(report.missing_groups, ["empty"]);
        assert_eq!(report.groups_differing.len(), 1);
        assert_eq!(report.groups_differing[0].missing_members, ["BO", "zed"]);
        assert_eq!(report.groups_differing[0].unexpected_members, ["stray"]);
        assert!(report.anything_missing());
        let fine =
            parse_expected("email\nana@example.com\nbo@example.com\nS@example.com\n").unwrap();
        let report = check(&fine, &state);
        assert!(!report.anything_missing());
        assert!(
            report.unexpected_groups.is_empty(),
            "groups are not checked without a group column"
        );
    }
}
