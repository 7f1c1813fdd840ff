//! What cutover asks of the identity store when it changes the directory itself: list users,
//! groups and memberships, create, update and delete users and groups, add and remove members.
//!
//! Implemented by the AWS backend (`crate::aws`) and by the in-memory simulation
//! ([`super::sim_directory`], for dry runs, the demo and fast engine tests). The engine
//! (`crate::apply::directory`) is written against this trait only.

use super::write::WriteError;
use crate::model::{Email, Group, GroupId, GroupMembership, PersonName, User, UserId, UserProfile};
use std::future::Future;

/// Everything `CreateUser` accepts (what a restore recreates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserSpec {
    pub user_name: String,
    pub display_name: Option<String>,
    pub name: Option<PersonName>,
    pub emails: Vec<Email>,
    pub profile: UserProfile,
}

impl UserSpec {
    /// The attributes of an existing user, as a spec to create it again.
    pub fn of(user: &User) -> UserSpec {
        UserSpec {
            user_name: user.user_name.clone(),
            display_name: user.display_name.clone(),
            name: user.name.clone(),
            emails: user.emails.clone(),
            profile: user.profile.clone(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupSpec {
    pub display_name: String,
    pub description: Option<String>,
}

/// One attribute to replace (or, with no value, to remove) in `UpdateUser` / `UpdateGroup`:
/// the API's attribute path (`displayName`, `name.givenName`, `emails`, ...) and the new value
/// in the API's JSON shape.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttributeUpdate {
    pub path: String,
    pub value: Option<serde_json::Value>,
}

pub trait DirectoryWriter: Send + Sync {
    /// The identity store this writes to (journals and confirmations name it).
    fn identity_store_id(&self) -> String;

    fn list_users(&self) -> impl Future<Output = Result<Vec<User>, WriteError>> + Send;

    fn list_groups(&self) -> impl Future<Output = Result<Vec<Group>, WriteError>> + Send;

    /// The memberships of one group.
    fn list_members(
        &self,
        group_id: &GroupId,
    ) -> impl Future<Output = Result<Vec<GroupMembership>, WriteError>> + Send;

    /// The memberships of one user.
    fn list_groups_of(
        &self,
        user_id: &UserId,
    ) -> impl Future<Output = Result<Vec<GroupMembership>, WriteError>> + Send;

    fn create_user(
        &self,
        spec: &UserSpec,
    ) -> impl Future<Output = Result<UserId, WriteError>> + Send;

    fn update_user(
        &self,
        user_id: &UserId,
        updates: &[AttributeUpdate],
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    fn delete_user(&self, user_id: &UserId) -> impl Future<Output = Result<(), WriteError>> + Send;

    fn create_group(
        &self,
        spec: &GroupSpec,
    ) -> impl Future<Output = Result<GroupId, WriteError>> + Send;

    fn update_group(
        &self,
        group_id: &GroupId,
        updates: &[AttributeUpdate],
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    fn delete_group(
        &self,
        group_id: &GroupId,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    /// Adds `user_id` to `group_id`; the new membership's id.
    fn add_member(
        &self,
        group_id: &GroupId,
        user_id: &UserId,
    ) -> impl Future<Output = Result<String, WriteError>> + Send;

    fn remove_member(
        &self,
        membership_id: &str,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;
}
