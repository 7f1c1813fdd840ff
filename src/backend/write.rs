//! What cutover asks of Identity Center when it writes: list who is assigned at a place, start
//! an assignment create or delete, ask how a started one is doing, delete a user or group.
//!
//! Account-assignment writes are asynchronous in AWS: starting one returns a request id, and
//! `DescribeAccountAssignmentCreationStatus` / `...DeletionStatus` tell when it is done.
//! Application-assignment writes complete in the call itself ([`Started::Done`]).
//! Implemented by the AWS backend and by the in-memory simulation (demo, dry runs, executor
//! tests); the executor (`crate::apply`) is written against this trait only.

use crate::model::{
    AccountId, Action, Assignment, DefinitionPart, PermissionSetArn, PermissionSetDefinition,
    Place, Principal, PrincipalType,
};
use std::future::Future;

/// A write that was accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Started {
    /// Asynchronous: poll [`Writer::status`] with this request id.
    Pending { request_id: String },
    /// Completed in the call itself.
    Done,
}

/// How an asynchronous write is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteStatus {
    InProgress,
    Succeeded,
    Failed { reason: String },
}

/// Why a request failed, after the implementation's own retries of throttling and transient
/// errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteErrorKind {
    AccessDenied,
    NotFound,
    /// Throttled or failing transiently on every retry.
    GaveUp,
    /// Credentials are missing or expired: nothing else will succeed either.
    Credentials,
    /// Anything else AWS refused (validation, conflict, quota).
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{action}: {}{message}", code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct WriteError {
    pub kind: WriteErrorKind,
    /// The IAM action, e.g. `sso:CreateAccountAssignment`.
    pub action: String,
    /// The AWS error code, e.g. `AccessDeniedException`.
    pub code: Option<String>,
    pub message: String,
}

/// Request counters, for progress displays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub calls: u64,
    pub throttles: u64,
}

pub trait Writer: Send + Sync {
    /// Every principal assigned at `place` now.
    fn list_place(
        &self,
        place: &Place,
    ) -> impl Future<Output = Result<Vec<Principal>, WriteError>> + Send;

    /// Starts creating or deleting `assignment`.
    fn start(
        &self,
        action: Action,
        assignment: &Assignment,
    ) -> impl Future<Output = Result<Started, WriteError>> + Send;

    /// How the write started with `request_id` is doing.
    fn status(
        &self,
        action: Action,
        request_id: &str,
    ) -> impl Future<Output = Result<WriteStatus, WriteError>> + Send;

    /// Deletes a user or group from the identity store (cleanup).
    fn delete_principal(
        &self,
        principal_type: PrincipalType,
        principal_id: &str,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    fn stats(&self) -> WriteStats;
}

/// A ProvisionPermissionSet that was accepted: AWS answers a status at once, and a request id
/// to ask again while it is IN_PROGRESS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provisioning {
    pub request_id: Option<String>,
    pub status: WriteStatus,
}

/// The permission-set writes of a plan that carries permission sets into another instance.
/// At most three ProvisionPermissionSet calls may run at once (an AWS limit); the executor
/// keeps to it, implementations need not.
pub trait PermissionSetWriter: Send + Sync {
    /// The permission set of this name in the instance (names are unique in an instance), with
    /// its ARN and full definition.
    fn find_permission_set(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<(PermissionSetArn, PermissionSetDefinition)>, WriteError>>
           + Send;

    /// CreatePermissionSet with the name, description, session duration, relay state and tags.
    fn create_permission_set(
        &self,
        definition: &PermissionSetDefinition,
    ) -> impl Future<Output = Result<PermissionSetArn, WriteError>> + Send;

    /// Adds one part of a definition to a permission set.
    fn add_to_permission_set(
        &self,
        permission_set_arn: &PermissionSetArn,
        part: &DefinitionPart,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    /// ProvisionPermissionSet to one account.
    fn provision(
        &self,
        permission_set_arn: &PermissionSetArn,
        account_id: &AccountId,
    ) -> impl Future<Output = Result<Provisioning, WriteError>> + Send;

    /// DescribePermissionSetProvisioningStatus.
    fn provisioning_status(
        &self,
        request_id: &str,
    ) -> impl Future<Output = Result<WriteStatus, WriteError>> + Send;
}
