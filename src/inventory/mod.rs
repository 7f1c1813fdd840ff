//! The whole organization: every Identity Center instance the scan could see (the organization
//! instance and the account instances of member accounts), the accounts it could not read, and
//! the people who exist in several instances.
//!
//! Pure: the records, the duplicate finder and the renderings. The scan itself is
//! `crate::aws::inventory`; the commands are `cutover instances` and `cutover duplicates`.

pub mod duplicates;
pub mod render;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether an instance is the organization's or a member account's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceKind {
    /// Owned by the organization's management account.
    Organization,
    /// Owned by a member (or standalone) account.
    Account,
}

impl InstanceKind {
    pub fn label(self) -> &'static str {
        match self {
            InstanceKind::Organization => "organization",
            InstanceKind::Account => "account",
        }
    }
}

/// One instance as the scan found it. Counts are `None` when they could not be read (the
/// reason is in `problems`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRecord {
    pub owner_account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_account_name: Option<String>,
    pub kind: InstanceKind,
    pub region: String,
    pub instance_arn: String,
    pub identity_store_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<u64>,
    /// Application names (their ARNs when unnamed), sorted; `None` when unreadable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applications: Option<Vec<String>>,
    /// What could not be read about this instance, one sentence each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// An account (in one Region, or in all) the scan could not read, and why.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnreadableAccount {
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// `None`: no Region of it could be read (the role could not be assumed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub reason: String,
}

/// Everything `cutover instances` found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub scanned_at: DateTime<Utc>,
    /// The account whose credentials ran the scan.
    pub caller_account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account_id: Option<String>,
    pub regions: Vec<String>,
    pub accounts_scanned: usize,
    /// Sorted by kind (organization first), owner account, Region.
    pub instances: Vec<InstanceRecord>,
    pub unreadable: Vec<UnreadableAccount>,
}

impl Inventory {
    /// Sorts the lists the way every rendering shows them.
    pub fn normalize(&mut self) {
        self.instances.sort_by(|a, b| {
            (a.kind, &a.owner_account_id, &a.region, &a.instance_arn).cmp(&(
                b.kind,
                &b.owner_account_id,
                &b.region,
                &b.instance_arn,
            ))
        });
        self.unreadable.sort();
        self.regions.sort();
        self.regions.dedup();
    }
}
