//! One record type per Identity Center object, exactly as the snapshot file stores them.
//! Optional API fields stay `Option` so "not set" and "empty" remain distinguishable.

use super::ids::{AccountId, ApplicationArn, GroupId, PermissionSetArn, PrincipalId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An identifier that links a user or group to the directory it came from (SCIM `externalId`,
/// AD `objectGUID`). The issuer tells which source issued it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ExternalId {
    pub issuer: String,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Email {
    pub value: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub primary: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PersonName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct User {
    pub user_id: UserId,
    pub user_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    #[serde(default)]
    pub emails: Vec<Email>,
    #[serde(default)]
    pub external_ids: Vec<ExternalId>,
    /// `ENABLED` / `DISABLED` where the identity store reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Every other attribute the identity store keeps, so that a restore can recreate the user
    /// as it was. Absent from snapshots written before it existed: all empty.
    #[serde(default, skip_serializing_if = "UserProfile::is_empty")]
    pub profile: UserProfile,
}

/// A multi-valued attribute entry (phone number, photo, role): a value, its kind, whether it
/// is the primary one.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Typed {
    pub value: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Photos only: how to show it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(default)]
    pub primary: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub primary: bool,
}

/// The user attributes beyond name, display name and emails that `CreateUser` accepts.
/// (The enterprise-extension `extensions` map is not kept.)
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserProfile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthdate: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<Typed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Typed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Typed>,
}

impl UserProfile {
    pub fn is_empty(&self) -> bool {
        self == &UserProfile::default()
    }
}

impl User {
    /// The primary email, else the first one listed.
    pub fn primary_email(&self) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.primary)
            .or_else(|| self.emails.first())
            .map(|e| e.value.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Group {
    pub group_id: GroupId,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub external_ids: Vec<ExternalId>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GroupMembership {
    pub group_id: GroupId,
    pub user_id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership_id: Option<String>,
}

/// An AWS managed policy attached to a permission set.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A customer managed policy, referenced by name and path; it must exist in every account the
/// permission set is provisioned to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CustomerManagedPolicy {
    pub name: String,
    #[serde(default = "default_policy_path")]
    pub path: String,
}

fn default_policy_path() -> String {
    "/".to_owned()
}

/// A permissions boundary: either an AWS managed policy ARN or a customer managed reference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionsBoundary {
    ManagedPolicy { arn: String },
    CustomerManagedPolicy { name: String, path: String },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PermissionSet {
    pub permission_set_arn: PermissionSetArn,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO 8601 duration as the API returns it, e.g. `PT1H`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_state: Option<String>,
    #[serde(default)]
    pub managed_policies: Vec<ManagedPolicy>,
    #[serde(default)]
    pub customer_managed_policies: Vec<CustomerManagedPolicy>,
    /// The inline policy document, verbatim (a JSON string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Accounts the permission set is provisioned to (an IAM role exists there).
    #[serde(default)]
    pub provisioned_account_ids: Vec<AccountId>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Account {
    pub account_id: AccountId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PrincipalType {
    User,
    Group,
}

impl PrincipalType {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "USER",
            PrincipalType::Group => "GROUP",
        }
    }
}

impl fmt::Display for PrincipalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A principal as an assignment names it: the type and an id that may or may not still resolve.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Principal {
    pub principal_type: PrincipalType,
    pub principal_id: PrincipalId,
}

/// Field order is the sort order: by account, then permission set, then principal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountAssignment {
    pub account_id: AccountId,
    pub permission_set_arn: PermissionSetArn,
    pub principal_type: PrincipalType,
    pub principal_id: PrincipalId,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Application {
    pub application_arn: ApplicationArn,
    pub name: String,
    /// The application provider ARN (which kind of application it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ApplicationAssignment {
    pub application_arn: ApplicationArn,
    pub principal_type: PrincipalType,
    pub principal_id: PrincipalId,
}

/// Something the loader could not read, recorded in the snapshot so nobody mistakes a partial
/// picture for a complete one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    /// The part of the snapshot affected, e.g. `accounts` or `permission_sets[].tags`.
    pub affects: String,
    /// The API operation that failed, e.g. `organizations:ListAccounts`.
    pub operation: String,
    pub message: String,
}

/// A write to an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Delete,
}

/// An account or application assignment, as one value (what a write creates or deletes). Sorts account assignments before application ones.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Assignment {
    Account(AccountAssignment),
    Application(ApplicationAssignment),
}

impl Assignment {
    pub fn principal_type(&self) -> PrincipalType {
        match self {
            Assignment::Account(a) => a.principal_type,
            Assignment::Application(a) => a.principal_type,
        }
    }

    pub fn principal_id(&self) -> &PrincipalId {
        match self {
            Assignment::Account(a) => &a.principal_id,
            Assignment::Application(a) => &a.principal_id,
        }
    }

    pub fn account_id(&self) -> Option<&AccountId> {
        match self {
            Assignment::Account(a) => Some(&a.account_id),
            Assignment::Application(_) => None,
        }
    }

    pub fn permission_set_arn(&self) -> Option<&PermissionSetArn> {
        match self {
            Assignment::Account(a) => Some(&a.permission_set_arn),
            Assignment::Application(_) => None,
        }
    }

    pub fn application_arn(&self) -> Option<&ApplicationArn> {
        match self {
            Assignment::Account(_) => None,
            Assignment::Application(a) => Some(&a.application_arn),
        }
    }
}

/// Where an assignment lives: an (account, permission set) pair or an application. Listing a
/// place answers who is assigned there.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Place {
    Pair {
        account_id: AccountId,
        permission_set_arn: PermissionSetArn,
    },
    Application {
        application_arn: ApplicationArn,
    },
}

impl Assignment {
    pub fn place(&self) -> Place {
        match self {
            Assignment::Account(a) => Place::Pair {
                account_id: a.account_id.clone(),
                permission_set_arn: a.permission_set_arn.clone(),
            },
            Assignment::Application(a) => Place::Application {
                application_arn: a.application_arn.clone(),
            },
        }
    }

    pub fn principal(&self) -> Principal {
        Principal {
            principal_type: self.principal_type(),
            principal_id: self.principal_id().clone(),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Pair {
                account_id,
                permission_set_arn,
            } => write!(f, "{account_id} / {permission_set_arn}"),
            Place::Application { application_arn } => write!(f, "{application_arn}"),
        }
    }
}
