//! People who exist in several instances: users matched across instances by email
//! (case-insensitive) or by user name (case-insensitive, as Identity Center compares them), with
//! where each appears and whether that copy still holds access — the list of whom to remove
//! everywhere when they leave, and which account instances to fold into the organization one.

use crate::model::{PrincipalType, Snapshot, User};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What links the copies of one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Email,
    UserName,
}

impl MatchedBy {
    pub fn label(self) -> &'static str {
        match self {
            MatchedBy::Email => "email",
            MatchedBy::UserName => "user_name",
        }
    }
}

/// One copy of a person, in one instance.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Appearance {
    pub instance_arn: String,
    pub identity_store_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub user_id: String,
    pub user_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Account assignments this copy holds, directly or through its groups.
    pub account_assignments: usize,
    /// Application assignments this copy holds, directly or through its groups.
    pub application_assignments: usize,
}

impl Appearance {
    pub fn holds_access(&self) -> bool {
        self.account_assignments + self.application_assignments > 0
    }
}

/// One person found in more than one instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicatePerson {
    /// The email (lower case) or, without a shared email, the user name that links them.
    pub key: String,
    pub matched_by: Vec<MatchedBy>,
    /// Sorted by instance.
    pub appearances: Vec<Appearance>,
}

impl DuplicatePerson {
    pub fn instances(&self) -> usize {
        self.appearances
            .iter()
            .map(|a| &a.instance_arn)
            .collect::<BTreeSet<_>>()
            .len()
    }
}

struct Sets {
    parent: Vec<usize>,
}

impl Sets {
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[b.max(a)] = a.min(b);
        }
    }
}

fn emails(user: &User) -> impl Iterator<Item = String> + '_ {
    user.emails
        .iter()
        .map(|e| e.value.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// Assignments per user: (account, application), directly or through a group.
fn access(snapshot: &Snapshot) -> HashMap<&str, (usize, usize)> {
    let mut by_principal: HashMap<(PrincipalType, &str), (usize, usize)> = HashMap::new();
    for a in &snapshot.account_assignments {
        by_principal
            .entry((a.principal_type, a.principal_id.as_str()))
            .or_default()
            .0 += 1;
    }
    for a in &snapshot.application_assignments {
        by_principal
            .entry((a.principal_type, a.principal_id.as_str()))
            .or_default()
            .1 += 1;
    }
    let mut out: HashMap<&str, (usize, usize)> = HashMap::new();
    for user in &snapshot.users {
        if let Some(&(accounts, applications)) =
            by_principal.get(&(PrincipalType::User, user.user_id.as_str()))
        {
            let entry = out.entry(user.user_id.as_str()).or_default();
            entry.0 += accounts;
            entry.1 += applications;
        }
    }
    for membership in &snapshot.group_memberships {
        if let Some(&(accounts, applications)) =
            by_principal.get(&(PrincipalType::Group, membership.group_id.as_str()))
        {
            let entry = out.entry(membership.user_id.as_str()).or_default();
            entry.0 += accounts;
            entry.1 += applications;
        }
    }
    out
}

/// Every person found in two or more of `instances`, sorted by key.
pub fn find(instances: &[Snapshot]) -> Vec<DuplicatePerson> {
    // Every user of every instance is a node; a shared email or user name joins nodes.
    let nodes: Vec<(usize, &User)> = instances
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.users.iter().map(move |u| (i, u)))
        .collect();
    let mut sets = Sets {
        parent: (0..nodes.len()).collect(),
    };
    let mut first_by_key: HashMap<(MatchedBy, String), usize> = HashMap::new();
    for (node, (_, user)) in nodes.iter().enumerate() {
        let keys = emails(user)
            .map(|e| (MatchedBy::Email, e))
            .chain(std::iter::once((
                MatchedBy::UserName,
                user.user_name.trim().to_lowercase(),
            )))
            .filter(|(_, k)| !k.is_empty());
        for key in keys.collect::<Vec<_>>() {
            match first_by_key.get(&key) {
                Some(&first) => sets.join(first, node),
                None => {
                    first_by_key.insert(key, node);
                }
            }
        }
    }
    let mut clusters: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for node in 0..nodes.len() {
        let root = sets.find(node);
        clusters.entry(root).or_default().push(node);
    }
    let access: Vec<HashMap<&str, (usize, usize)>> = instances.iter().map(access).collect();
    let mut out = Vec::new();
    for members in clusters.into_values() {
        let spanned: HashSet<usize> = members.iter().map(|&n| nodes[n].0).collect();
        if spanned.len() < 2 {
            continue;
        }
        // Which attributes are shared by copies in different instances.
        let mut matched_by = BTreeSet::new();
        let mut key_email: Option<String> = None;
        for kind in [MatchedBy::Email, MatchedBy::UserName] {
            let mut seen: HashMap<String, usize> = HashMap::new();
            for &n in &members {
                let (instance, user) = nodes[n];
                let keys: Vec<String> = match kind {
                    MatchedBy::Email => emails(user).collect(),
                    MatchedBy::UserName => vec![user.user_name.trim().to_lowercase()],
                };
                for key in keys {
                    match seen.get(&key) {
                        Some(&other) if other != instance => {
                            matched_by.insert(kind);
                            if kind == MatchedBy::Email && key_email.is_none() {
                                key_email = Some(key.clone());
                            }
                        }
                        Some(_) => {}
                        None => {
                            seen.insert(key, instance);
                        }
                    }
                }
            }
        }
        let mut appearances: Vec<Appearance> = members
            .iter()
            .map(|&n| {
                let (instance, user) = nodes[n];
                let snapshot = &instances[instance];
                let (accounts, applications) = access[instance]
                    .get(user.user_id.as_str())
                    .copied()
                    .unwrap_or_default();
                Appearance {
                    instance_arn: snapshot.instance.instance_arn.clone(),
                    identity_store_id: snapshot.instance.identity_store_id.clone(),
                    owner_account_id: snapshot.instance.owner_account_id.clone(),
                    region: snapshot.instance.region.clone(),
                    user_id: user.user_id.to_string(),
                    user_name: user.user_name.clone(),
                    email: user.primary_email().map(str::to_owned),
                    account_assignments: accounts,
                    application_assignments: applications,
                }
            })
            .collect();
        appearances.sort();
        let key = key_email.unwrap_or_else(|| appearances[0].user_name.trim().to_lowercase());
        out.push(DuplicatePerson {
            key,
            matched_by: matched_by.into_iter().collect(),
            appearances,
        });
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn instance(n: u32) -> Snapshot {
        Snapshot::empty(
            InstanceInfo {
                instance_arn: format!("arn:aws:sso:::instance/ssoins-{n}"),
                identity_store_id: format!("d-{n}"),
                region: Some("eu-west-1".into()),
                owner_account_id: Some(format!("11111111111{n}")),
            },
            crate::fixture::captured_at(),
        )
    }

    fn user(id: &str, name: &str, email: Option<&str>) -> User {
        User {
            user_id: id.into(),
            user_name: name.into(),
            display_name: None,
            name: None,
            emails: email
                .map(|e| {
                    vec![Email {
                        value: e.into(),
                        kind: None,
                        primary: true,
                    }]
                })
                .unwrap_or_default(),
            external_ids: Vec::new(),
            status: None,
            profile: Default::default(),
        }
    }

    #[test]
    fn people_are_matched_by_email_ignoring_case_or_by_user_name() {
        let mut a = instance(1);
        a.users = vec![
            user("a-ana", "ana", Some("Ana.Chen@Example.com")),
            user("a-bo", "bo.li", None),
            user("a-cy", "cy", Some("cy@example.com")),
        ];
        let mut b = instance(2);
        b.users = vec![
            user("b-ana", "achen", Some("ana.chen@example.com")),
            user("b-bo", "BO.LI", Some("bo@example.com")),
            user("b-dee", "dee", Some("dee@example.com")),
        ];
        let mut c = instance(3);
        c.users = vec![user("c-ana", "ana", None)];
        let found = find(&[a, b, c]);
        let summary: Vec<(&str, Vec<MatchedBy>, Vec<&str>)> = found
            .iter()
            .map(|p| {
                (
                    p.key.as_str(),
                    p.matched_by.clone(),
                    p.appearances.iter().map(|a| a.user_id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "ana.chen@example.com",
                    vec![MatchedBy::Email, MatchedBy::UserName],
                    vec!["a-ana", "b-ana", "c-ana"]
                ),
                ("bo.li", vec![MatchedBy::UserName], vec!["a-bo", "b-bo"]),
            ]
        );
        assert_eq!(found[0].instances(), 3);
    }

    #[test]
    fn each_copy_says_whether_it_still_holds_access_directly_or_through_a_group() {
        let mut a = instance(1);
        a.users = vec![user("a-ana", "ana", Some("ana@example.com"))];
        a.groups = vec![Group {
            group_id: "a-admins".into(),
            display_name: "admins".into(),
            description: None,
            external_ids: Vec::new(),
        }];
        a.group_memberships = vec![GroupMembership {
            group_id: "a-admins".into(),
            user_id: "a-ana".into(),
            membership_id: None,
        }];
        a.account_assignments = vec![AccountAssignment {
            account_id: "222222222222".into(),
            permission_set_arn: "ps".into(),
            principal_type: PrincipalType::Group,
            principal_id: "a-admins".into(),
        }];
        let mut b = instance(2);
        b.users = vec![user("b-ana", "ana", Some("ana@example.com"))];
        b.application_assignments = vec![ApplicationAssignment {
            application_arn: "arn:app".into(),
            principal_type: PrincipalType::User,
            principal_id: "b-ana".into(),
        }];
        let mut c = instance(3);
        c.users = vec![user("c-ana", "ana", Some("ana@example.com"))];
        let found = find(&[a, b, c]);
        assert_eq!(found.len(), 1);
        let access: Vec<(usize, usize, bool)> = found[0]
            .appearances
            .iter()
            .map(|a| {
                (
                    a.account_assignments,
                    a.application_assignments,
                    a.holds_access(),
                )
            })
            .collect();
        assert_eq!(access, [(1, 0, true), (0, 1, true), (0, 0, false)]);
    }

    #[test]
    fn the_same_person_twice_in_one_instance_is_not_a_duplicate_across_instances() {
        let mut a = instance(1);
        a.users = vec![
            user("a-1", "ana", Some("ana@example.com")),
            user("a-2", "ana2", Some("ANA@example.com")),
        ];
        assert!(find(&[a, instance(2)]).is_empty());
    }
}
