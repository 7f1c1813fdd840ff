//! `cutover directory restore`: the baseline's users, groups and memberships recreated in the
//! instance's Identity Center directory, reusing the principals that exist already (same user
//! name, compared case-insensitively; same group display name), and the mapping from the
//! baseline's ids to the directory's, so that `cutover plan` carries the assignments next.
//! Pure: the steps to run, and the mapping once they ran.

use super::plan::{DirectoryState, Ref, Step};
use crate::backend::directory::{GroupSpec, UserSpec};
use crate::mapping::{Decision, Mapping};
use crate::model::{GroupId, PrincipalId, PrincipalType, Snapshot, UserId};
use std::collections::{BTreeSet, HashMap, HashSet};

/// `--only`: restore just the users, or just the groups (with the memberships of users that
/// exist).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Only {
    Users,
    Groups,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestorePlan {
    pub steps: Vec<Step>,
    /// Baseline users and groups that exist already (reused, not created).
    pub reused_users: usize,
    pub reused_groups: usize,
    /// Memberships already in place.
    pub memberships_present: usize,
    /// What cannot be restored, and why.
    pub skipped: Vec<String>,
}

fn user_wanted(only: Option<Only>) -> bool {
    only != Some(Only::Groups)
}

fn group_wanted(only: Option<Only>) -> bool {
    only != Some(Only::Users)
}

fn existing_user<'s>(state: &'s DirectoryState, user_name: &str) -> Option<&'s crate::model::User> {
    state
        .users
        .iter()
        .find(|u| u.user_name.to_lowercase() == user_name.to_lowercase())
}

fn existing_group<'s>(state: &'s DirectoryState, name: &str) -> Option<&'s crate::model::Group> {
    state.groups.iter().find(|g| g.display_name == name)
}

/// The existing groups whose members the restore must know.
pub fn groups_to_read(baseline: &Snapshot, state: &DirectoryState) -> Vec<GroupId> {
    let ids: BTreeSet<GroupId> = baseline
        .groups
        .iter()
        .filter_map(|g| existing_group(state, &g.display_name))
        .map(|g| g.group_id.clone())
        .collect();
    ids.into_iter().collect()
}

pub fn plan(baseline: &Snapshot, state: &DirectoryState, only: Option<Only>) -> RestorePlan {
    let mut out = RestorePlan::default();
    // Baseline user id → how the step names it.
    let mut users: HashMap<&UserId, Ref<UserId>> = HashMap::new();
    let mut created_names: HashSet<String> = HashSet::new();
    for user in &baseline.users {
        if let Some(existing) = existing_user(state, &user.user_name) {
            users.insert(
                &user.user_id,
                Ref::Existing {
                    id: existing.user_id.clone(),
                    name: existing.user_name.clone(),
                },
            );
            if user_wanted(only) {
                out.reused_users += 1;
            }
        } else if user_wanted(only) {
            if !created_names.insert(user.user_name.to_lowercase()) {
                out.skipped.push(format!(
                    "user {} ({}): another baseline user has the same user name (the identity store compares them case-insensitively)",
                    user.user_name, user.user_id
                ));
                continue;
            }
            out.steps.push(Step::CreateUser(UserSpec::of(user)));
            users.insert(
                &user.user_id,
                Ref::New {
                    name: user.user_name.clone(),
                },
            );
        }
    }
    if !group_wanted(only) {
        return out;
    }
    let mut groups: HashMap<&GroupId, Ref<GroupId>> = HashMap::new();
    for group in &baseline.groups {
        if let Some(existing) = existing_group(state, &group.display_name) {
            groups.insert(
                &group.group_id,
                Ref::Existing {
                    id: existing.group_id.clone(),
                    name: existing.display_name.clone(),
                },
            );
            out.reused_groups += 1;
        } else if groups
            .values()
            .any(|r| matches!(r, Ref::New { name } if name == &group.display_name))
        {
            out.skipped.push(format!(
                "group {} ({}): another baseline group has the same display name",
                group.display_name, group.group_id
            ));
        } else {
            out.steps.push(Step::CreateGroup(GroupSpec {
                display_name: group.display_name.clone(),
                description: group.description.clone(),
            }));
            groups.insert(
                &group.group_id,
                Ref::New {
                    name: group.display_name.clone(),
                },
            );
        }
    }
    let mut seen = HashSet::new();
    for membership in &baseline.group_memberships {
        let Some(group) = groups.get(&membership.group_id) else {
            continue;
        };
        let Some(user) = users.get(&membership.user_id) else {
            out.skipped.push(format!(
                "membership of user {} in group {}: the user is neither in the directory nor restored (--only groups restores the memberships of users that exist)",
                membership.user_id,
                group.name()
            ));
            continue;
        };
        if !seen.insert((group.clone(), user.clone())) {
            continue;
        }
        let present = match (group, user) {
            (Ref::Existing { id: g, .. }, Ref::Existing { id: u, .. }) => state
                .members
                .get(g)
                .is_some_and(|members| members.iter().any(|m| &m.user_id == u)),
            _ => false,
        };
        if present {
            out.memberships_present += 1;
        } else {
            out.steps.push(Step::AddMember {
                group: group.clone(),
                user: user.clone(),
            });
        }
    }
    out
}

/// Where each baseline principal stands after the restore.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RestoredMapping {
    pub mapping: Mapping,
    /// Baseline principals with no counterpart in the directory (a failed or skipped create).
    pub missing: Vec<(PrincipalType, String, String)>,
}

/// The mapping old id → new id, `method` `restored` for the principals a restore created
/// (their create step's key in `created`, from the journal of every run) and `existing` for
/// the ones it found.
pub fn mapping(
    baseline: &Snapshot,
    after: &DirectoryState,
    created: &HashSet<String>,
    only: Option<Only>,
) -> RestoredMapping {
    let mut out = RestoredMapping::default();
    if user_wanted(only) {
        for user in &baseline.users {
            match existing_user(after, &user.user_name) {
                Some(found) => {
                    let key = Step::CreateUser(UserSpec::of(user)).key();
                    out.mapping.decide(
                        PrincipalType::User,
                        PrincipalId::from(user.user_id.as_str()),
                        Decision::Successor(PrincipalId::from(found.user_id.as_str())),
                        Some(method(created.contains(&key)).to_owned()),
                    );
                }
                None => out.missing.push((
                    PrincipalType::User,
                    user.user_id.0.clone(),
                    user.user_name.clone(),
                )),
            }
        }
    }
    if group_wanted(only) {
        for group in &baseline.groups {
            match existing_group(after, &group.display_name) {
                Some(found) => {
                    let key = Step::CreateGroup(GroupSpec {
                        display_name: group.display_name.clone(),
                        description: None,
                    })
                    .key();
                    out.mapping.decide(
                        PrincipalType::Group,
                        PrincipalId::from(group.group_id.as_str()),
                        Decision::Successor(PrincipalId::from(found.group_id.as_str())),
                        Some(method(created.contains(&key)).to_owned()),
                    );
                }
                None => out.missing.push((
                    PrincipalType::Group,
                    group.group_id.0.clone(),
                    group.display_name.clone(),
                )),
            }
        }
    }
    out
}

fn method(created: bool) -> &'static str {
    if created {
        "restored"
    } else {
        "existing"
    }
}

/// `state` as a snapshot of `instance`, so the mapping file names the new principals.
pub fn as_snapshot(state: &DirectoryState, like: &Snapshot) -> Snapshot {
    let mut snapshot = Snapshot::empty(like.instance.clone(), chrono::Utc::now());
    snapshot.users = state.users.clone();
    snapshot.groups = state.groups.clone();
    snapshot
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::model::{GroupMembership, InstanceInfo};

    fn baseline() -> Snapshot {
        let mut s = Snapshot::empty(InstanceInfo::default(), fixture::captured_at());
        for (id, name) in [("u-1", "ana"), ("u-2", "bo")] {
            s.users.push(crate::model::User {
                user_id: id.into(),
                user_name: name.into(),
                display_name: Some(name.to_uppercase()),
                name: None,
                emails: Vec::new(),
                external_ids: Vec::new(),
                status: None,
                profile: crate::model::UserProfile {
                    title: Some("t".into()),
                    ..Default::default()
                },
            });
        }
        s.groups.push(crate::model::Group {
            group_id: "g-1".into(),
            display_name: "ops".into(),
            description: Some("d".into()),
            external_ids: Vec::new(),
        });
        for u in ["u-1", "u-2"] {
            s.group_memberships.push(GroupMembership {
                group_id: "g-1".into(),
                user_id: u.into(),
                membership_id: None,
            });
        }
        s
    }

    #[test]
    fn existing_principals_are_reused_and_the_rest_created_with_every_attribute() {
        let mut state = DirectoryState::default();
        let mut ana = baseline().users[0].clone();
        ana.user_id = "new-1".into();
        ana.user_name = "ANA".into();
        state.users.push(ana);
        let plan = plan(&baseline(), &state, None);
        assert_eq!(plan.reused_users, 1);
        assert_eq!(plan.steps.len(), 4, "{:?}", plan.steps);
        assert!(
            matches!(&plan.steps[0], Step::CreateUser(spec) if spec.user_name == "bo" && spec.profile.title.as_deref() == Some("t"))
        );
        assert!(
            matches!(&plan.steps[1], Step::CreateGroup(spec) if spec.description.as_deref() == Some("d"))
        );
        let only_users = super::plan(&baseline(), &state, Some(Only::Users));
        assert_eq!(only_users.steps.len(), 1);
    }

    #[test]
    fn the_mapping_says_restored_or_existing() {
        let mut after = DirectoryState::default();
        for (id, name) in [("n-1", "Ana"), ("n-2", "bo")] {
            let mut u = baseline().users[0].clone();
            u.user_id = id.into();
            u.user_name = name.into();
            after.users.push(u);
        }
        let created: HashSet<String> = ["create-user:bo".to_owned()].into();
        let result = mapping(&baseline(), &after, &created, None);
        let ana = result.mapping.get(&PrincipalId::from("u-1")).unwrap();
        assert_eq!(ana.method.as_deref(), Some("existing"));
        assert_eq!(
            result.mapping.successor(&PrincipalId::from("u-2")),
            Some(&PrincipalId::from("n-2"))
        );
        assert_eq!(
            result
                .mapping
                .get(&PrincipalId::from("u-2"))
                .unwrap()
                .method
                .as_deref(),
            Some("restored")
        );
        assert_eq!(result.missing.len(), 1, "the group was not restored");
    }
}
