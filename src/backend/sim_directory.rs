//! [`SimDirectory`]: the identity store's users, groups and memberships in memory, changed the
//! way the service changes them — user names unique case-insensitively and group display
//! names unique (`ConflictException`), a second membership of the same pair refused, unknown
//! ids answered `ResourceNotFoundException`. It backs dry runs and the demo, and lets the
//! directory engine be tested (failures, a stop in the middle, a rerun) without a network.

use super::directory::{AttributeUpdate, DirectoryWriter, GroupSpec, UserSpec};
use super::write::{WriteError, WriteErrorKind};
use crate::directory::fields::{apply_user_updates, user_from_spec};
use crate::model::{Group, GroupId, GroupMembership, Snapshot, User, UserId};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Default)]
struct State {
    users: BTreeMap<String, User>,
    groups: BTreeMap<String, Group>,
    memberships: BTreeMap<String, GroupMembership>,
    next_id: u64,
}

/// How the simulation misbehaves.
#[derive(Clone, Debug, Default)]
pub struct SimDirectoryFaults {
    /// Creates of users with these user names are refused (`ValidationException`).
    pub refuse_user_names: Vec<String>,
}

pub struct SimDirectory {
    store_id: String,
    state: Mutex<State>,
    faults: SimDirectoryFaults,
    writes: AtomicU64,
}

fn error(kind: WriteErrorKind, action: &str, code: &str, message: String) -> WriteError {
    WriteError {
        kind,
        action: format!("identitystore:{action}"),
        code: Some(code.to_owned()),
        message,
    }
}

fn not_found(action: &str, id: &str) -> WriteError {
    error(
        WriteErrorKind::NotFound,
        action,
        "ResourceNotFoundException",
        format!("{id} does not exist"),
    )
}

fn conflict(action: &str, what: &str) -> WriteError {
    error(
        WriteErrorKind::Refused,
        action,
        "ConflictException",
        format!("{what} exists already"),
    )
}

impl SimDirectory {
    pub fn new(snapshot: &Snapshot, faults: SimDirectoryFaults) -> Self {
        let state = State {
            users: snapshot
                .users
                .iter()
                .map(|u| (u.user_id.0.clone(), u.clone()))
                .collect(),
            groups: snapshot
                .groups
                .iter()
                .map(|g| (g.group_id.0.clone(), g.clone()))
                .collect(),
            memberships: snapshot
                .group_memberships
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let id = m
                        .membership_id
                        .clone()
                        .unwrap_or_else(|| format!("m-seed-{i}"));
                    let mut m = m.clone();
                    m.membership_id = Some(id.clone());
                    (id, m)
                })
                .collect(),
            next_id: 1,
        };
        SimDirectory {
            store_id: snapshot.instance.identity_store_id.clone(),
            state: Mutex::new(state),
            faults,
            writes: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Write requests answered so far (successful or not).
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    /// The directory as it is now.
    pub fn users(&self) -> Vec<User> {
        self.lock().users.values().cloned().collect()
    }

    pub fn groups(&self) -> Vec<Group> {
        self.lock().groups.values().cloned().collect()
    }

    pub fn memberships(&self) -> Vec<GroupMembership> {
        self.lock().memberships.values().cloned().collect()
    }

    fn write(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }
}

impl State {
    /// An id no user, group or membership has (a simulation seeded from another one's
    /// state holds ids of the same shape).
    fn new_id(&mut self, prefix: &str) -> String {
        loop {
            self.next_id += 1;
            let id = format!("{prefix}-sim-{:06}", self.next_id);
            if !self.users.contains_key(&id)
                && !self.groups.contains_key(&id)
                && !self.memberships.contains_key(&id)
            {
                return id;
            }
        }
    }
}

impl DirectoryWriter for SimDirectory {
    fn identity_store_id(&self) -> String {
        self.store_id.clone()
    }

    async fn list_users(&self) -> Result<Vec<User>, WriteError> {
        Ok(self.users())
    }

    async fn list_groups(&self) -> Result<Vec<Group>, WriteError> {
        Ok(self.groups())
    }

    async fn list_members(&self, group_id: &GroupId) -> Result<Vec<GroupMembership>, WriteError> {
        let state = self.lock();
        if !state.groups.contains_key(group_id.as_str()) {
            return Err(not_found("ListGroupMemberships", group_id.as_str()));
        }
        Ok(state
            .memberships
            .values()
            .filter(|m| &m.group_id == group_id)
            .cloned()
            .collect())
    }

    async fn list_groups_of(&self, user_id: &UserId) -> Result<Vec<GroupMembership>, WriteError> {
        let state = self.lock();
        if !state.users.contains_key(user_id.as_str()) {
            return Err(not_found("ListGroupMembershipsForMember", user_id.as_str()));
        }
        Ok(state
            .memberships
            .values()
            .filter(|m| &m.user_id == user_id)
            .cloned()
            .collect())
    }

    async fn create_user(&self, spec: &UserSpec) -> Result<UserId, WriteError> {
        self.write();
        if self.faults.refuse_user_names.contains(&spec.user_name) {
            return Err(error(
                WriteErrorKind::Refused,
                "CreateUser",
                "ValidationException",
                "refused by the simulation".to_owned(),
            ));
        }
        let mut state = self.lock();
        let folded = spec.user_name.to_lowercase();
        if state
            .users
            .values()
            .any(|u| u.user_name.to_lowercase() == folded)
        {
            return Err(conflict("CreateUser", "a user with this user name"));
        }
        let id = state.new_id("u");
        state.users.insert(id.clone(), user_from_spec(&id, spec));
        Ok(UserId(id))
    }

    async fn update_user(
        &self,
        user_id: &UserId,
        updates: &[AttributeUpdate],
    ) -> Result<(), WriteError> {
        self.write();
        let mut state = self.lock();
        let user = state
            .users
            .get_mut(user_id.as_str())
            .ok_or_else(|| not_found("UpdateUser", user_id.as_str()))?;
        let mut changed = user.clone();
        apply_user_updates(&mut changed, updates).map_err(|message| {
            error(
                WriteErrorKind::Refused,
                "UpdateUser",
                "ValidationException",
                message,
            )
        })?;
        *user = changed;
        Ok(())
    }

    async fn delete_user(&self, user_id: &UserId) -> Result<(), WriteError> {
        self.write();
        let mut state = self.lock();
        state
            .users
            .remove(user_id.as_str())
            .ok_or_else(|| not_found("DeleteUser", user_id.as_str()))?;
        state.memberships.retain(|_, m| &m.user_id != user_id);
        Ok(())
    }

    async fn create_group(&self, spec: &GroupSpec) -> Result<GroupId, WriteError> {
        self.write();
        let mut state = self.lock();
        if state
            .groups
            .values()
            .any(|g| g.display_name == spec.display_name)
        {
            return Err(conflict("CreateGroup", "a group with this display name"));
        }
        let id = state.new_id("g");
        state.groups.insert(
            id.clone(),
            Group {
                group_id: id.as_str().into(),
                display_name: spec.display_name.clone(),
                description: spec.description.clone(),
                external_ids: Vec::new(),
            },
        );
        Ok(GroupId(id))
    }

    async fn update_group(
        &self,
        group_id: &GroupId,
        updates: &[AttributeUpdate],
    ) -> Result<(), WriteError> {
        self.write();
        let mut state = self.lock();
        let group = state
            .groups
            .get_mut(group_id.as_str())
            .ok_or_else(|| not_found("UpdateGroup", group_id.as_str()))?;
        for update in updates {
            let value = update
                .value
                .as_ref()
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            match update.path.as_str() {
                "displayName" => group.display_name = value.unwrap_or_default(),
                "description" => group.description = value,
                other => {
                    return Err(error(
                        WriteErrorKind::Refused,
                        "UpdateGroup",
                        "ValidationException",
                        format!("unknown attribute path {other}"),
                    ))
                }
            }
        }
        Ok(())
    }

    async fn delete_group(&self, group_id: &GroupId) -> Result<(), WriteError> {
        self.write();
        let mut state = self.lock();
        state
            .groups
            .remove(group_id.as_str())
            .ok_or_else(|| not_found("DeleteGroup", group_id.as_str()))?;
        state.memberships.retain(|_, m| &m.group_id != group_id);
        Ok(())
    }

    async fn add_member(&self, group_id: &GroupId, user_id: &UserId) -> Result<String, WriteError> {
        self.write();
        let mut state = self.lock();
        if !state.groups.contains_key(group_id.as_str()) {
            return Err(not_found("CreateGroupMembership", group_id.as_str()));
        }
        if !state.users.contains_key(user_id.as_str()) {
            return Err(not_found("CreateGroupMembership", user_id.as_str()));
        }
        if state
            .memberships
            .values()
            .any(|m| &m.group_id == group_id && &m.user_id == user_id)
        {
            return Err(conflict("CreateGroupMembership", "this membership"));
        }
        let id = state.new_id("m");
        state.memberships.insert(
            id.clone(),
            GroupMembership {
                group_id: group_id.clone(),
                user_id: user_id.clone(),
                membership_id: Some(id.clone()),
            },
        );
        Ok(id)
    }

    async fn remove_member(&self, membership_id: &str) -> Result<(), WriteError> {
        self.write();
        self.lock()
            .memberships
            .remove(membership_id)
            .map(drop)
            .ok_or_else(|| not_found("DeleteGroupMembership", membership_id))
    }
}
