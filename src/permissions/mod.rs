//! What cutover may need from IAM: the four modes it runs in, the least-privilege policy of
//! each (`assets/iam/*.json`, printed by `cutover iam-policy MODE`), and the IAM actions that
//! Identity Center performs with the caller's own credentials on some of its calls.
//!
//! The policies are generated from the code, not written by hand: a test scans `src/aws` for
//! every SDK operation, maps each function that calls one to the modes that can reach it, and
//! compares the result with the files both ways (see `derive`). Pure: no AWS, no I/O.

#[cfg(test)]
mod derive;

use clap::ValueEnum;
use serde::Serialize;

/// How cutover is going to be used; each mode has its own policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Export, audit, plan, verify, the TUI, doctor: reads only.
    ReadOnly,
    /// Everything read-only does, plus apply (assignment writes) and cleanup (deleting the old
    /// identity source's leftover users and groups).
    Migrate,
    /// Everything read-only does, plus writes to the Identity Center directory (users, groups,
    /// memberships).
    Directory,
    /// Everything migrate does, plus the organization-wide work: other instances, permission
    /// sets created and provisioned in another instance.
    Organization,
}

impl Mode {
    pub const ALL: [Mode; 4] = [
        Mode::ReadOnly,
        Mode::Migrate,
        Mode::Directory,
        Mode::Organization,
    ];

    /// The name on the command line and of the policy file.
    pub fn name(self) -> &'static str {
        match self {
            Mode::ReadOnly => "read-only",
            Mode::Migrate => "migrate",
            Mode::Directory => "directory",
            Mode::Organization => "organization",
        }
    }

    /// The least-privilege policy document of this mode (JSON).
    pub fn policy(self) -> &'static str {
        match self {
            Mode::ReadOnly => include_str!("../../assets/iam/read-only.json"),
            Mode::Migrate => include_str!("../../assets/iam/migrate.json"),
            Mode::Directory => include_str!("../../assets/iam/directory.json"),
            Mode::Organization => include_str!("../../assets/iam/organization.json"),
        }
    }

    /// Every action the policy of this mode allows.
    pub fn allowed_actions(self) -> Vec<String> {
        actions_of_policy(self.policy())
    }
}

/// The IAM actions Identity Center performs **with the caller's own credentials** for some
/// sso-admin calls, when the target account is the organization's management account (in
/// member accounts it uses its service-linked role `AWSServiceRoleForSSO` instead, and the
/// caller needs none of these). They create, update and delete the permission set's role
/// `AWSReservedSSO_*` under `/aws-reserved/sso.amazonaws.com/` and the account's SAML provider
/// `AWSSSO_*_DO_NOT_DELETE`.
///
/// Sources: the Service Authorization Reference's "dependent actions" of these sso actions;
/// the IAM Identity Center user guide, "Delegate who can assign single sign-on access to users
/// and groups in the management account" (IAMFullAccess by default) and "Identity-based policy
/// examples" (role actions on `role/aws-reserved/sso.amazonaws.com/*`, `iam:GetSAMLProvider`
/// on `AWSSSO_*_DO_NOT_DELETE`, and sometimes `iam:UpdateSAMLProvider`). The permissions-
/// boundary actions are needed when the permission set has a boundary.
pub const ON_CALLERS_BEHALF: &[(&str, &[&str])] = &[
    (
        "sso:CreateAccountAssignment",
        &[
            "iam:GetRole",
            "iam:CreateRole",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:AttachRolePolicy",
            "iam:PutRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:GetSAMLProvider",
            "iam:CreateSAMLProvider",
            "iam:UpdateSAMLProvider",
        ],
    ),
    (
        "sso:DeleteAccountAssignment",
        &[
            "iam:GetRole",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:DetachRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:DeleteRolePermissionsBoundary",
            "iam:DeleteRole",
            "iam:GetSAMLProvider",
        ],
    ),
    (
        "sso:ProvisionPermissionSet",
        &[
            "iam:GetRole",
            "iam:CreateRole",
            "iam:UpdateRole",
            "iam:UpdateRoleDescription",
            "iam:ListRolePolicies",
            "iam:ListAttachedRolePolicies",
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:PutRolePolicy",
            "iam:DeleteRolePolicy",
            "iam:PutRolePermissionsBoundary",
            "iam:DeleteRolePermissionsBoundary",
            "iam:GetSAMLProvider",
            "iam:CreateSAMLProvider",
            "iam:UpdateSAMLProvider",
        ],
    ),
];

/// The actions Identity Center performs on the caller's behalf for `action` (empty for most).
pub fn on_callers_behalf(action: &str) -> &'static [&'static str] {
    ON_CALLERS_BEHALF
        .iter()
        .find(|(call, _)| *call == action)
        .map(|(_, nested)| *nested)
        .unwrap_or(&[])
}

/// Actions AWS authorizes without any policy: calling them needs no line in a policy.
pub const NEED_NO_PERMISSION: &[&str] = &["sts:GetCallerIdentity"];

/// Every `Action` of every `Allow` statement of a policy document, sorted, without repeats.
/// A document that is not a policy yields nothing (the files are checked by a test).
pub fn actions_of_policy(document: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(document) else {
        return Vec::new();
    };
    let statements = match &value["Statement"] {
        serde_json::Value::Array(list) => list.clone(),
        single @ serde_json::Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    };
    let mut actions: Vec<String> = statements
        .iter()
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| match &s["Action"] {
            serde_json::Value::String(one) => vec![one.clone()],
            serde_json::Value::Array(many) => many
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    actions.sort();
    actions.dedup();
    actions
}
