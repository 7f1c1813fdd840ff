//! `cutover doctor`, the pure part: what each capability needs, what each mode needs, and the
//! report built from what `aws::doctor` found out (who the caller is, which instances it sees,
//! which reads answered, what the IAM policy simulator said about writes, how big the instance
//! is), with estimates of how long an export and a full migration take. No AWS, no I/O.

mod estimate;
mod render;

pub use estimate::{Budgets, Estimate};
pub use render::render_text;

use crate::model::InstanceInfo;
use crate::permissions::Mode;
use serde::Serialize;

/// Something cutover does that needs permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    ReadUsersAndGroups,
    ReadMemberships,
    ReadPermissionSets,
    ReadAssignments,
    ReadAccountNames,
    WriteAssignments,
    WriteDirectory,
    ProvisionPermissionSets,
}

impl Capability {
    pub const ALL: [Capability; 8] = [
        Capability::ReadUsersAndGroups,
        Capability::ReadMemberships,
        Capability::ReadPermissionSets,
        Capability::ReadAssignments,
        Capability::ReadAccountNames,
        Capability::WriteAssignments,
        Capability::WriteDirectory,
        Capability::ProvisionPermissionSets,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Capability::ReadUsersAndGroups => "read users and groups",
            Capability::ReadMemberships => "read memberships",
            Capability::ReadPermissionSets => "read permission sets",
            Capability::ReadAssignments => "read assignments",
            Capability::ReadAccountNames => "read account names",
            Capability::WriteAssignments => "write assignments",
            Capability::WriteDirectory => "write the directory",
            Capability::ProvisionPermissionSets => "provision permission sets",
        }
    }

    /// Writes are never tried: the IAM policy simulator is asked instead.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Capability::WriteAssignments
                | Capability::WriteDirectory
                | Capability::ProvisionPermissionSets
        )
    }

    /// The IAM actions the capability consists of: what a read probe calls, or what the policy
    /// simulator is asked about for a write (reads fall back to it when there is nothing to
    /// read, e.g. no group to list the members of).
    pub fn actions(self) -> &'static [&'static str] {
        match self {
            Capability::ReadUsersAndGroups => {
                &["identitystore:ListUsers", "identitystore:ListGroups"]
            }
            Capability::ReadMemberships => &["identitystore:ListGroupMemberships"],
            Capability::ReadPermissionSets => {
                &["sso:ListPermissionSets", "sso:DescribePermissionSet"]
            }
            Capability::ReadAssignments => &[
                "sso:ListAccountsForProvisionedPermissionSet",
                "sso:ListAccountAssignments",
            ],
            Capability::ReadAccountNames => &["organizations:ListAccounts"],
            Capability::WriteAssignments => &[
                "sso:CreateAccountAssignment",
                "sso:DeleteAccountAssignment",
                "sso:DescribeAccountAssignmentCreationStatus",
                "sso:DescribeAccountAssignmentDeletionStatus",
            ],
            Capability::WriteDirectory => &[
                "identitystore:CreateUser",
                "identitystore:UpdateUser",
                "identitystore:DeleteUser",
                "identitystore:CreateGroup",
                "identitystore:UpdateGroup",
                "identitystore:DeleteGroup",
                "identitystore:CreateGroupMembership",
                "identitystore:DeleteGroupMembership",
            ],
            Capability::ProvisionPermissionSets => &[
                "sso:ProvisionPermissionSet",
                "sso:DescribePermissionSetProvisioningStatus",
            ],
        }
    }

    /// Whether `mode` cannot work without this capability (`Some(true)`), is weaker without it
    /// (`Some(false)`: the report says what is lost), or does not use it (`None`).
    pub fn needed_by(self, mode: Mode) -> Option<bool> {
        use Capability::*;
        match (self, mode) {
            (ReadUsersAndGroups | ReadMemberships | ReadPermissionSets | ReadAssignments, _) => {
                Some(true)
            }
            // The loader carries on without account names (accounts then show by id).
            (ReadAccountNames, Mode::Organization) => Some(true),
            (ReadAccountNames, _) => Some(false),
            (WriteAssignments, Mode::Migrate | Mode::Organization) => Some(true),
            (WriteDirectory, Mode::Directory) => Some(true),
            // `cutover cleanup`, the last step of a migration.
            (WriteDirectory, Mode::Migrate | Mode::Organization) => Some(false),
            (ProvisionPermissionSets, Mode::Organization) => Some(true),
            _ => None,
        }
    }

    /// What is lost without an optional capability.
    pub fn without(self) -> &'static str {
        match self {
            Capability::ReadAccountNames => {
                "accounts show by id only, and assignments are found per permission set"
            }
            Capability::WriteDirectory => "cleanup cannot delete the old users and groups",
            _ => "",
        }
    }
}

/// Whether the caller may do something, and how that was found out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    Allowed {
        how: String,
    },
    Denied {
        actions: Vec<String>,
        detail: String,
    },
    Unknown {
        why: String,
    },
}

impl Verdict {
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Allowed { .. } => "allowed",
            Verdict::Denied { .. } => "DENIED",
            Verdict::Unknown { .. } => "unknown",
        }
    }
}

/// A count from a bounded number of list calls: exact when `complete`, a lower bound otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub seen: u64,
    pub complete: bool,
}

/// What the caller is, as STS says.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

/// Everything `aws::doctor` found out; `Err` texts say why something could not be read.
#[derive(Clone, Debug)]
pub struct Findings {
    pub caller: Caller,
    pub region: String,
    /// The organization's management account: `Ok(None)` when the account is in no organization.
    pub management_account: Result<Option<String>, String>,
    /// The delegated administrators of Identity Center (`sso.amazonaws.com`).
    pub delegated_administrators: Result<Vec<String>, String>,
    pub instances: Result<Vec<InstanceInfo>, String>,
    /// The instance commands would use (`--instance-arn`, or the only one visible), or why none.
    pub chosen: Result<InstanceInfo, String>,
    pub capabilities: Vec<(Capability, Verdict)>,
    pub users: Option<Count>,
    pub groups: Option<Count>,
    pub permission_sets: Option<Count>,
    pub accounts: Option<Count>,
    /// From a sample of permission sets: accounts each is provisioned to, on average.
    pub accounts_per_permission_set: Option<f64>,
    /// From a sample of (account, permission set) pairs: assignments in each, on average.
    pub assignments_per_pair: Option<f64>,
    /// Of the users on the first page: how many carry an external id, and the issuers.
    pub users_sampled: u64,
    pub users_with_external_id: u64,
    pub external_id_issuers: Vec<String>,
}

impl Default for Findings {
    /// Nothing found out yet.
    fn default() -> Self {
        let unread = || "not read".to_owned();
        Findings {
            caller: Caller::default(),
            region: String::new(),
            management_account: Err(unread()),
            delegated_administrators: Err(unread()),
            instances: Err(unread()),
            chosen: Err(unread()),
            capabilities: Vec::new(),
            users: None,
            groups: None,
            permission_sets: None,
            accounts: None,
            accounts_per_permission_set: None,
            assignments_per_pair: None,
            users_sampled: 0,
            users_with_external_id: 0,
            external_id_issuers: Vec::new(),
        }
    }
}

/// Where the caller stands in the organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    ManagementAccount,
    DelegatedAdministrator,
    /// A member account that is neither; it can see only its own account instance, if any.
    MemberAccount,
    StandaloneAccount,
    Unknown,
}

impl Standing {
    pub fn describe(&self) -> &'static str {
        match self {
            Standing::ManagementAccount => "the organization's management account",
            Standing::DelegatedAdministrator => "the delegated administrator of IAM Identity Center",
            Standing::MemberAccount => {
                "a member account (neither the management account nor Identity Center's delegated administrator)"
            }
            Standing::StandaloneAccount => "an account in no organization",
            Standing::Unknown => "not known (the organization could not be read)",
        }
    }
}

/// What the identity source probably is. No API tells it (the console does).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentitySource {
    /// `identity-center-directory`, `external` (an external IdP or Active Directory), or `unknown`.
    pub kind: &'static str,
    pub evidence: String,
    pub how_to_confirm: &'static str,
}

pub const IDENTITY_SOURCE_CONSOLE: &str =
    "IAM Identity Center console › Settings › Identity source (the \"Identity source\" row), in the instance's Region";

/// A capability's line in the report.
#[derive(Clone, Debug, Serialize)]
pub struct CapabilityLine {
    pub capability: Capability,
    pub label: &'static str,
    /// `required`, `optional` or `not-used` by the chosen mode.
    pub need: &'static str,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// The whole report, as shown and as written with `--format json`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub mode: Mode,
    pub caller: Caller,
    pub standing: Standing,
    pub management_account: Option<String>,
    pub region: String,
    pub instances: Vec<InstanceInfo>,
    pub instances_error: Option<String>,
    pub chosen_instance: Option<InstanceInfo>,
    pub chosen_instance_error: Option<String>,
    pub identity_source: IdentitySource,
    pub capabilities: Vec<CapabilityLine>,
    pub size: Size,
    pub estimate: Option<Estimate>,
    /// Everything the mode requires is allowed.
    pub ready: bool,
    /// What to do about each required capability that is not allowed.
    pub blockers: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Size {
    pub users: Option<Count>,
    pub groups: Option<Count>,
    pub permission_sets: Option<Count>,
    pub accounts: Option<Count>,
}

impl Report {
    pub fn new(findings: Findings, mode: Mode, budgets: &Budgets) -> Report {
        let standing = standing(&findings);
        let identity_source = identity_source(&findings);
        let capabilities: Vec<CapabilityLine> = findings
            .capabilities
            .iter()
            .map(|(capability, verdict)| CapabilityLine {
                capability: *capability,
                label: capability.label(),
                need: match capability.needed_by(mode) {
                    Some(true) => "required",
                    Some(false) => "optional",
                    None => "not-used",
                },
                verdict: verdict.clone(),
            })
            .collect();
        let blockers: Vec<String> = capabilities
            .iter()
            .filter(|line| line.need == "required")
            .filter_map(|line| match &line.verdict {
                Verdict::Allowed { .. } => None,
                Verdict::Denied { actions, .. } => Some(format!(
                    "{}: denied; grant {} (`cutover iam-policy {}` has them all)",
                    line.label,
                    actions.join(", "),
                    mode.name()
                )),
                Verdict::Unknown { why } => Some(format!(
                    "{}: could not be checked ({why}); compare the caller's policy with `cutover iam-policy {}`",
                    line.label,
                    mode.name()
                )),
            })
            .collect();
        let missing_capability = Capability::ALL
            .iter()
            .filter(|c| c.needed_by(mode) == Some(true))
            .any(|c| !findings.capabilities.iter().any(|(have, _)| have == c));
        let estimate = Estimate::new(&findings, budgets);
        Report {
            mode,
            standing,
            management_account: findings.management_account.clone().ok().flatten(),
            region: findings.region.clone(),
            instances: findings.instances.clone().unwrap_or_default(),
            instances_error: findings.instances.clone().err(),
            chosen_instance: findings.chosen.clone().ok(),
            chosen_instance_error: findings.chosen.clone().err(),
            identity_source,
            ready: blockers.is_empty() && !missing_capability && findings.chosen.is_ok(),
            blockers,
            capabilities,
            size: Size {
                users: findings.users,
                groups: findings.groups,
                permission_sets: findings.permission_sets,
                accounts: findings.accounts,
            },
            estimate,
            caller: findings.caller,
        }
    }

    /// 0 when the mode can run; 1 when something it requires is denied or no instance can be
    /// used; 2 when nothing is denied but something required could not be checked.
    pub fn exit_code(&self) -> u8 {
        if self.ready {
            return 0;
        }
        let denied = self.chosen_instance.is_none()
            || self.capabilities.iter().any(|line| {
                line.need == "required" && matches!(line.verdict, Verdict::Denied { .. })
            });
        if denied {
            1
        } else {
            2
        }
    }
}

fn standing(findings: &Findings) -> Standing {
    let account = findings.caller.account.as_str();
    if let Ok(Some(management)) = &findings.management_account {
        if management == account {
            return Standing::ManagementAccount;
        }
    }
    if let Ok(admins) = &findings.delegated_administrators {
        if admins.iter().any(|a| a == account) {
            return Standing::DelegatedAdministrator;
        }
    }
    // The delegated administrator sees the organization instance, which the management
    // account owns; a member account sees only an account instance of its own.
    if let Ok(chosen) = &findings.chosen {
        if let Some(owner) = &chosen.owner_account_id {
            if owner != account {
                return Standing::DelegatedAdministrator;
            }
        }
    }
    match &findings.management_account {
        Ok(Some(_)) => Standing::MemberAccount,
        Ok(None) => Standing::StandaloneAccount,
        Err(_) => Standing::Unknown,
    }
}

fn identity_source(findings: &Findings) -> IdentitySource {
    let (kind, evidence) = if findings.users_sampled == 0 {
        (
            "unknown",
            "no user could be read to tell from (an empty directory, or reading users is denied)"
                .to_owned(),
        )
    } else if findings.users_with_external_id > 0 {
        (
            "external",
            format!(
                "{} of the {} users read carry an external id (issuer: {}), which SCIM provisioning from an external identity provider or Active Directory sync sets",
                findings.users_with_external_id,
                findings.users_sampled,
                if findings.external_id_issuers.is_empty() {
                    "none given".to_owned()
                } else {
                    findings.external_id_issuers.join(", ")
                }
            ),
        )
    } else {
        (
            "identity-center-directory",
            format!(
                "none of the {} users read carries an external id: probably the Identity Center directory (an IdP that provisions without external ids looks the same)",
                findings.users_sampled
            ),
        )
    };
    IdentitySource {
        kind,
        evidence,
        how_to_confirm: IDENTITY_SOURCE_CONSOLE,
    }
}

#[cfg(test)]
mod tests;
