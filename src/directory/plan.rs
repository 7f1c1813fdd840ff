//! Directory changes against the live directory: which requests they need, which are done
//! already, which are refused and why. Pure: a [`DirectoryState`] and a list of [`Change`]s in,
//! a [`DirectoryPlan`] out; the dry run prints it, the engine runs its steps.
//!
//! Principals are named by id, user name (compared case-insensitively, as the identity store
//! does) or display name; a name that fits several principals is refused, never guessed.

use super::fields::{group_updates, UserFields};
use crate::backend::directory::{AttributeUpdate, GroupSpec, UserSpec};
use crate::model::{Group, GroupId, GroupMembership, User, UserId};
use std::collections::{BTreeSet, HashMap, HashSet};

/// One change a command or a CSV row asks for. Users and groups are named as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    CreateUser {
        user_name: String,
        fields: UserFields,
    },
    UpdateUser {
        user: String,
        fields: UserFields,
    },
    DeleteUser {
        user: String,
    },
    CreateGroup {
        name: String,
        description: Option<String>,
    },
    UpdateGroup {
        group: String,
        new_name: Option<String>,
        description: Option<String>,
    },
    DeleteGroup {
        group: String,
    },
    AddMember {
        group: String,
        user: String,
    },
    RemoveMember {
        group: String,
        user: String,
    },
}

impl Change {
    /// The group whose members must be known to plan this change.
    fn member_group(&self) -> Option<&str> {
        match self {
            Change::AddMember { group, .. } | Change::RemoveMember { group, .. } => Some(group),
            _ => None,
        }
    }
}

/// The live directory as far as planning needs it: every user and group, and the members of
/// the groups the changes touch.
#[derive(Clone, Debug, Default)]
pub struct DirectoryState {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub members: HashMap<GroupId, Vec<GroupMembership>>,
}

/// How a name resolved.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<T> {
    One(T),
    None,
    Several(usize),
}

impl DirectoryState {
    /// A user by id, else by user name (case-insensitively), else by display name.
    pub fn find_user(&self, name: &str) -> Found<&User> {
        if let Some(user) = self.users.iter().find(|u| u.user_id.as_str() == name) {
            return Found::One(user);
        }
        let by_user_name: Vec<&User> = self
            .users
            .iter()
            .filter(|u| u.user_name.to_lowercase() == name.to_lowercase())
            .collect();
        let by_display: Vec<&User> = self
            .users
            .iter()
            .filter(|u| u.display_name.as_deref() == Some(name))
            .collect();
        match (by_user_name.as_slice(), by_display.as_slice()) {
            ([one], _) => Found::One(one),
            ([], [one]) => Found::One(one),
            ([], []) => Found::None,
            ([], several) | (several, _) => Found::Several(several.len()),
        }
    }

    /// A group by id, else by display name (exactly, then case-insensitively).
    pub fn find_group(&self, name: &str) -> Found<&Group> {
        if let Some(group) = self.groups.iter().find(|g| g.group_id.as_str() == name) {
            return Found::One(group);
        }
        let exact: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.display_name == name)
            .collect();
        let folded: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.display_name.to_lowercase() == name.to_lowercase())
            .collect();
        match (exact.as_slice(), folded.as_slice()) {
            ([one], _) => Found::One(one),
            ([], [one]) => Found::One(one),
            ([], []) => Found::None,
            ([], several) | (several, _) => Found::Several(several.len()),
        }
    }

    /// The groups whose members `changes` need (those that exist).
    pub fn groups_to_read(&self, changes: &[Change]) -> Vec<GroupId> {
        let ids: BTreeSet<GroupId> = changes
            .iter()
            .filter_map(Change::member_group)
            .filter_map(|name| match self.find_group(name) {
                Found::One(group) => Some(group.group_id.clone()),
                _ => None,
            })
            .collect();
        ids.into_iter().collect()
    }

    /// Whether any principal is managed by an external source (SCIM or AD sync: it carries an
    /// external id). Changes made here are then not sent back to that source.
    pub fn externally_managed(&self) -> bool {
        self.users.iter().any(|u| !u.external_ids.is_empty())
            || self.groups.iter().any(|g| !g.external_ids.is_empty())
    }
}

/// A user or group a step names: one that exists, or one an earlier step creates.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref<Id> {
    Existing { id: Id, name: String },
    New { name: String },
}

impl<Id> Ref<Id> {
    pub fn name(&self) -> &str {
        match self {
            Ref::Existing { name, .. } | Ref::New { name } => name,
        }
    }
}

/// One request the engine sends. (A create carries every attribute of the user; a restore
/// holds a few thousand steps, so the variants' sizes do not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    CreateUser(UserSpec),
    UpdateUser {
        user_id: UserId,
        user_name: String,
        updates: Vec<AttributeUpdate>,
    },
    DeleteUser {
        user_id: UserId,
        user_name: String,
    },
    CreateGroup(GroupSpec),
    UpdateGroup {
        group_id: GroupId,
        name: String,
        updates: Vec<AttributeUpdate>,
    },
    DeleteGroup {
        group_id: GroupId,
        name: String,
    },
    AddMember {
        group: Ref<GroupId>,
        user: Ref<UserId>,
    },
    RemoveMember {
        membership_id: String,
        group: String,
        user: String,
    },
}

/// The order the engine runs steps in: creates and updates, then memberships, then group
/// deletes, then user deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Principals,
    Memberships,
    GroupDeletes,
    UserDeletes,
}

impl Step {
    pub fn phase(&self) -> Phase {
        match self {
            Step::CreateUser(_)
            | Step::UpdateUser { .. }
            | Step::CreateGroup(_)
            | Step::UpdateGroup { .. } => Phase::Principals,
            Step::AddMember { .. } | Step::RemoveMember { .. } => Phase::Memberships,
            Step::DeleteGroup { .. } => Phase::GroupDeletes,
            Step::DeleteUser { .. } => Phase::UserDeletes,
        }
    }

    /// A name for the journal that stays the same between runs (ids of new principals do
    /// not exist yet; user names are folded as the identity store folds them).
    pub fn key(&self) -> String {
        match self {
            Step::CreateUser(spec) => format!("create-user:{}", spec.user_name.to_lowercase()),
            Step::UpdateUser { user_id, .. } => format!("update-user:{user_id}"),
            Step::DeleteUser { user_id, .. } => format!("delete-user:{user_id}"),
            Step::CreateGroup(spec) => format!("create-group:{}", spec.display_name),
            Step::UpdateGroup { group_id, .. } => format!("update-group:{group_id}"),
            Step::DeleteGroup { group_id, .. } => format!("delete-group:{group_id}"),
            Step::AddMember { group, user } => {
                format!("add-member:{}:{}", group.name(), user.name().to_lowercase())
            }
            Step::RemoveMember { membership_id, .. } => format!("remove-member:{membership_id}"),
        }
    }
}

/// Why a change needs no request, or cannot be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    /// Already so (a second run, or the directory was already in that state).
    AlreadyDone(String),
    Refused(String),
}

/// The answer for one change: the requests it needs, or why none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    /// 0-based index of the change.
    pub change: usize,
    pub outcome: Result<Step, Settled>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DirectoryPlan {
    pub items: Vec<Planned>,
}

impl DirectoryPlan {
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.items.iter().filter_map(|p| p.outcome.as_ref().ok())
    }

    pub fn refused(&self) -> impl Iterator<Item = (usize, &str)> {
        self.items.iter().filter_map(|p| match &p.outcome {
            Err(Settled::Refused(why)) => Some((p.change, why.as_str())),
            _ => None,
        })
    }

    pub fn already_done(&self) -> usize {
        self.items
            .iter()
            .filter(|p| matches!(p.outcome, Err(Settled::AlreadyDone(_))))
            .count()
    }
}

fn ambiguous(kind: &str, name: &str, count: usize) -> Settled {
    Settled::Refused(format!(
        "{count} {kind}s are named {name:?}: name it by id instead"
    ))
}

/// Plans `changes` against `state`, in order: a later change sees the users and groups an
/// earlier one creates.
pub fn plan(state: &DirectoryState, changes: &[Change]) -> DirectoryPlan {
    let mut planner = Planner {
        state,
        new_users: HashSet::new(),
        new_groups: HashSet::new(),
        added: HashSet::new(),
        removed: HashSet::new(),
        deleted: HashSet::new(),
    };
    let items = changes
        .iter()
        .enumerate()
        .map(|(index, change)| Planned {
            change: index,
            outcome: planner.one(change),
        })
        .collect();
    DirectoryPlan { items }
}

struct Planner<'s> {
    state: &'s DirectoryState,
    /// Lower-cased user names created by earlier changes.
    new_users: HashSet<String>,
    new_groups: HashSet<String>,
    /// (group name, lower-cased user name) memberships earlier changes add or remove.
    added: HashSet<(String, String)>,
    removed: HashSet<String>,
    /// Ids earlier changes delete.
    deleted: HashSet<String>,
}

impl Planner<'_> {
    fn user(&self, name: &str) -> Result<Ref<UserId>, Settled> {
        if self.new_users.contains(&name.to_lowercase()) {
            return Ok(Ref::New {
                name: name.to_owned(),
            });
        }
        match self.state.find_user(name) {
            Found::One(user) if !self.deleted.contains(user.user_id.as_str()) => {
                Ok(Ref::Existing {
                    id: user.user_id.clone(),
                    name: user.user_name.clone(),
                })
            }
            Found::One(_) | Found::None => Err(Settled::Refused(format!(
                "no user {name:?} (by id, user name or display name)"
            ))),
            Found::Several(n) => Err(ambiguous("user", name, n)),
        }
    }

    fn group(&self, name: &str) -> Result<Ref<GroupId>, Settled> {
        if self.new_groups.contains(name) {
            return Ok(Ref::New {
                name: name.to_owned(),
            });
        }
        match self.state.find_group(name) {
            Found::One(group) if !self.deleted.contains(group.group_id.as_str()) => {
                Ok(Ref::Existing {
                    id: group.group_id.clone(),
                    name: group.display_name.clone(),
                })
            }
            Found::One(_) | Found::None => Err(Settled::Refused(format!(
                "no group {name:?} (by id or display name)"
            ))),
            Found::Several(n) => Err(ambiguous("group", name, n)),
        }
    }

    fn membership(&self, group: &Ref<GroupId>, user: &Ref<UserId>) -> Option<&GroupMembership> {
        let (Ref::Existing { id: group_id, .. }, Ref::Existing { id: user_id, .. }) = (group, user)
        else {
            return None;
        };
        self.state
            .members
            .get(group_id)?
            .iter()
            .find(|m| &m.user_id == user_id)
    }

    fn one(&mut self, change: &Change) -> Result<Step, Settled> {
        match change {
            Change::CreateUser { user_name, fields } => {
                if user_name.trim().is_empty() {
                    return Err(Settled::Refused("a user needs a user name".to_owned()));
                }
                if self.new_users.contains(&user_name.to_lowercase()) {
                    return Err(Settled::Refused(format!(
                        "user {user_name:?} is created by an earlier change"
                    )));
                }
                let existing = self
                    .state
                    .users
                    .iter()
                    .find(|u| u.user_name.to_lowercase() == user_name.to_lowercase());
                if let Some(user) = existing {
                    let differs = fields.updates(user);
                    return Err(if differs.is_empty() {
                        Settled::AlreadyDone(format!(
                            "user {} exists with these attributes ({})",
                            user.user_name, user.user_id
                        ))
                    } else {
                        let paths: Vec<&str> = differs.iter().map(|u| u.path.as_str()).collect();
                        Settled::Refused(format!(
                            "user {} exists ({}) with other values of {}: use update to change them",
                            user.user_name,
                            user.user_id,
                            paths.join(", ")
                        ))
                    });
                }
                self.new_users.insert(user_name.to_lowercase());
                Ok(Step::CreateUser(fields.spec(user_name)))
            }
            Change::UpdateUser { user, fields } => {
                if fields.is_empty() {
                    return Err(Settled::Refused(
                        "an update needs at least one attribute to set".to_owned(),
                    ));
                }
                let Ref::Existing { id, name } = self.user(user)? else {
                    return Err(Settled::Refused(format!(
                        "user {user:?} is created by an earlier change: give it these attributes there"
                    )));
                };
                let current = self
                    .state
                    .users
                    .iter()
                    .find(|u| u.user_id == id)
                    .expect("found above");
                let updates = fields.updates(current);
                if updates.is_empty() {
                    return Err(Settled::AlreadyDone(format!(
                        "user {name} has these attributes already"
                    )));
                }
                Ok(Step::UpdateUser {
                    user_id: id,
                    user_name: name,
                    updates,
                })
            }
            Change::DeleteUser { user } => match self.state.find_user(user) {
                Found::None => Err(Settled::AlreadyDone(format!(
                    "no user {user:?}: deleted already"
                ))),
                Found::Several(n) => Err(ambiguous("user", user, n)),
                Found::One(found) => {
                    if !self.deleted.insert(found.user_id.0.clone()) {
                        return Err(Settled::AlreadyDone(format!(
                            "user {} is deleted by an earlier change",
                            found.user_name
                        )));
                    }
                    Ok(Step::DeleteUser {
                        user_id: found.user_id.clone(),
                        user_name: found.user_name.clone(),
                    })
                }
            },
            Change::CreateGroup { name, description } => {
                if name.trim().is_empty() {
                    return Err(Settled::Refused("a group needs a display name".to_owned()));
                }
                if self.new_groups.contains(name) {
                    return Err(Settled::Refused(format!(
                        "group {name:?} is created by an earlier change"
                    )));
                }
                if let Some(group) = self.state.groups.iter().find(|g| &g.display_name == name) {
                    let differs = description.is_some()
                        && description.as_deref() != group.description.as_deref();
                    return Err(if differs {
                        Settled::Refused(format!(
                            "group {name} exists ({}) with another description: use update",
                            group.group_id
                        ))
                    } else {
                        Settled::AlreadyDone(format!("group {name} exists ({})", group.group_id))
                    });
                }
                self.new_groups.insert(name.clone());
                Ok(Step::CreateGroup(GroupSpec {
                    display_name: name.clone(),
                    description: description.clone(),
                }))
            }
            Change::UpdateGroup {
                group,
                new_name,
                description,
            } => {
                let Ref::Existing { id, name } = self.group(group)? else {
                    return Err(Settled::Refused(format!(
                        "group {group:?} is created by an earlier change: give it these attributes there"
                    )));
                };
                let current = self
                    .state
                    .groups
                    .iter()
                    .find(|g| g.group_id == id)
                    .expect("found above");
                if let Some(new_name) = new_name.as_deref().filter(|n| *n != name) {
                    if matches!(self.state.find_group(new_name), Found::One(g) if g.group_id != id)
                    {
                        return Err(Settled::Refused(format!(
                            "another group is named {new_name:?} already"
                        )));
                    }
                }
                let updates = group_updates(
                    &current.display_name,
                    current.description.as_deref(),
                    new_name.as_deref(),
                    description.as_deref(),
                );
                if updates.is_empty() {
                    return Err(Settled::AlreadyDone(format!(
                        "group {name} has these attributes already"
                    )));
                }
                Ok(Step::UpdateGroup {
                    group_id: id,
                    name,
                    updates,
                })
            }
            Change::DeleteGroup { group } => match self.state.find_group(group) {
                Found::None => Err(Settled::AlreadyDone(format!(
                    "no group {group:?}: deleted already"
                ))),
                Found::Several(n) => Err(ambiguous("group", group, n)),
                Found::One(found) => {
                    if !self.deleted.insert(found.group_id.0.clone()) {
                        return Err(Settled::AlreadyDone(format!(
                            "group {} is deleted by an earlier change",
                            found.display_name
                        )));
                    }
                    Ok(Step::DeleteGroup {
                        group_id: found.group_id.clone(),
                        name: found.display_name.clone(),
                    })
                }
            },
            Change::AddMember { group, user } => {
                let group = self.group(group)?;
                let user = self.user(user)?;
                let pair = (group.name().to_owned(), user.name().to_lowercase());
                if self.membership(&group, &user).is_some() || !self.added.insert(pair) {
                    return Err(Settled::AlreadyDone(format!(
                        "{} is a member of {} already",
                        user.name(),
                        group.name()
                    )));
                }
                Ok(Step::AddMember { group, user })
            }
            Change::RemoveMember { group, user } => {
                let group = self.group(group)?;
                let user = self.user(user)?;
                let Some(membership) = self.membership(&group, &user) else {
                    return Err(Settled::AlreadyDone(format!(
                        "{} is not a member of {}",
                        user.name(),
                        group.name()
                    )));
                };
                let membership_id = membership.membership_id.clone().unwrap_or_default();
                if !self.removed.insert(membership_id.clone()) {
                    return Err(Settled::AlreadyDone(format!(
                        "{} is removed from {} by an earlier change",
                        user.name(),
                        group.name()
                    )));
                }
                Ok(Step::RemoveMember {
                    membership_id,
                    group: group.name().to_owned(),
                    user: user.name().to_owned(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, name: &str, display: &str) -> User {
        User {
            user_id: id.into(),
            user_name: name.into(),
            display_name: Some(display.into()),
            name: None,
            emails: Vec::new(),
            external_ids: Vec::new(),
            status: None,
            profile: Default::default(),
        }
    }

    fn group(id: &str, name: &str) -> Group {
        Group {
            group_id: id.into(),
            display_name: name.into(),
            description: None,
            external_ids: Vec::new(),
        }
    }

    fn state() -> DirectoryState {
        let mut members = HashMap::new();
        members.insert(
            GroupId::from("g-1"),
            vec![GroupMembership {
                group_id: "g-1".into(),
                user_id: "u-1".into(),
                membership_id: Some("m-1".into()),
            }],
        );
        DirectoryState {
            users: vec![
                user("u-1", "Ana", "Ana Chen"),
                user("u-2", "bo", "Bo Li"),
                user("u-3", "bo2", "Bo Li"),
            ],
            groups: vec![group("g-1", "ops"), group("g-2", "dev")],
            members,
        }
    }

    #[test]
    fn user_names_compare_case_insensitively_and_same_attributes_are_done() {
        let changes = [
            Change::CreateUser {
                user_name: "ana".into(),
                fields: UserFields {
                    display_name: Some("Ana Chen".into()),
                    ..UserFields::default()
                },
            },
            Change::CreateUser {
                user_name: "ANA".into(),
                fields: UserFields {
                    display_name: Some("Someone else".into()),
                    ..UserFields::default()
                },
            },
            Change::CreateUser {
                user_name: "cy".into(),
                fields: UserFields::default(),
            },
            Change::CreateUser {
                user_name: "CY".into(),
                fields: UserFields::default(),
            },
        ];
        let plan = plan(&state(), &changes);
        assert!(matches!(
            plan.items[0].outcome,
            Err(Settled::AlreadyDone(_))
        ));
        assert!(matches!(plan.items[1].outcome, Err(Settled::Refused(_))));
        assert!(matches!(plan.items[2].outcome, Ok(Step::CreateUser(_))));
        assert!(matches!(plan.items[3].outcome, Err(Settled::Refused(_))));
    }

    #[test]
    fn ambiguous_names_are_refused_and_ids_resolve() {
        let changes = [
            Change::DeleteUser {
                user: "Bo Li".into(),
            },
            Change::DeleteUser { user: "u-3".into() },
            Change::AddMember {
                group: "dev".into(),
                user: "Bo Li".into(),
            },
            // A user name wins over another user's display name.
            Change::DeleteUser { user: "BO".into() },
        ];
        let plan = plan(&state(), &changes);
        assert!(
            matches!(&plan.items[0].outcome, Err(Settled::Refused(why)) if why.contains("2 users"))
        );
        assert_eq!(
            plan.items[1].outcome,
            Ok(Step::DeleteUser {
                user_id: "u-3".into(),
                user_name: "bo2".into()
            })
        );
        assert!(matches!(plan.items[2].outcome, Err(Settled::Refused(_))));
        assert!(
            matches!(&plan.items[3].outcome, Ok(Step::DeleteUser { user_id, .. }) if user_id.as_str() == "u-2")
        );
    }

    #[test]
    fn memberships_see_earlier_creates_and_the_live_members() {
        let changes = [
            Change::CreateUser {
                user_name: "dee".into(),
                fields: UserFields::default(),
            },
            Change::AddMember {
                group: "ops".into(),
                user: "dee".into(),
            },
            Change::AddMember {
                group: "ops".into(),
                user: "ana".into(),
            },
            Change::RemoveMember {
                group: "ops".into(),
                user: "Ana".into(),
            },
            Change::RemoveMember {
                group: "ops".into(),
                user: "bo".into(),
            },
        ];
        let plan = plan(&state(), &changes);
        assert_eq!(
            plan.items[1].outcome,
            Ok(Step::AddMember {
                group: Ref::Existing {
                    id: "g-1".into(),
                    name: "ops".into()
                },
                user: Ref::New { name: "dee".into() }
            })
        );
        assert!(matches!(
            plan.items[2].outcome,
            Err(Settled::AlreadyDone(_))
        ));
        assert!(
            matches!(&plan.items[3].outcome, Ok(Step::RemoveMember { membership_id, .. }) if membership_id == "m-1")
        );
        assert!(matches!(
            plan.items[4].outcome,
            Err(Settled::AlreadyDone(_))
        ));
        assert_eq!(state().groups_to_read(&changes), vec![GroupId::from("g-1")]);
    }
}
