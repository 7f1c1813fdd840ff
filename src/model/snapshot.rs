//! The snapshot: everything cutover knows about one Identity Center instance at one moment.
//! Stored as `cutover.snapshot.v1` JSON (docs/snapshot-format.md). Every list is kept sorted and
//! de-duplicated so two snapshots of the same instance diff line by line.

use super::records::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const SNAPSHOT_FORMAT: &str = "cutover.snapshot.v1";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInfo {
    pub instance_arn: String,
    pub identity_store_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_account_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    pub captured_at: DateTime<Utc>,
    pub instance: InstanceInfo,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub group_memberships: Vec<GroupMembership>,
    pub permission_sets: Vec<PermissionSet>,
    pub accounts: Vec<Account>,
    pub account_assignments: Vec<AccountAssignment>,
    pub applications: Vec<Application>,
    pub application_assignments: Vec<ApplicationAssignment>,
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not valid JSON at line {line}, column {column}: {message}. Is this a cutover snapshot (cutover export --output FILE)?")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("this file is not a cutover snapshot (its \"format\" is {found:?}, expected \"{SNAPSHOT_FORMAT}\")")]
    WrongFormat { found: Option<String> },
    #[error("the snapshot does not match format {SNAPSHOT_FORMAT}: {0}. Re-export it with `cutover export`")]
    Shape(String),
}

impl Snapshot {
    pub fn empty(instance: InstanceInfo, captured_at: DateTime<Utc>) -> Self {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_owned(),
            captured_at,
            instance,
            users: Vec::new(),
            groups: Vec::new(),
            group_memberships: Vec::new(),
            permission_sets: Vec::new(),
            accounts: Vec::new(),
            account_assignments: Vec::new(),
            applications: Vec::new(),
            application_assignments: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Sorts every list (records by their id first) and removes exact duplicates. Listing APIs
    /// may repeat an item across pages; the snapshot must not.
    pub fn normalize(&mut self) {
        fn sort_dedup<T: Ord>(items: &mut Vec<T>) {
            items.sort();
            items.dedup();
        }
        for user in &mut self.users {
            sort_dedup(&mut user.external_ids);
        }
        for group in &mut self.groups {
            sort_dedup(&mut group.external_ids);
        }
        for ps in &mut self.permission_sets {
            sort_dedup(&mut ps.managed_policies);
            sort_dedup(&mut ps.customer_managed_policies);
            sort_dedup(&mut ps.tags);
            sort_dedup(&mut ps.provisioned_account_ids);
        }
        sort_dedup(&mut self.users);
        sort_dedup(&mut self.groups);
        sort_dedup(&mut self.group_memberships);
        sort_dedup(&mut self.permission_sets);
        sort_dedup(&mut self.accounts);
        sort_dedup(&mut self.account_assignments);
        sort_dedup(&mut self.applications);
        sort_dedup(&mut self.application_assignments);
        sort_dedup(&mut self.warnings);
    }

    /// Parses a snapshot file's contents. A file from a newer cutover or another tool gets a
    /// message about its format tag rather than about the first field that does not fit.
    ///
    /// ```
    /// use cutover::model::Snapshot;
    /// let err = Snapshot::from_json(r#"{"format": "cutover.snapshot.v9"}"#).unwrap_err();
    /// assert!(err.to_string().contains("not a cutover snapshot"));
    /// ```
    pub fn from_json(text: &str) -> Result<Snapshot, SnapshotError> {
        // The typed parse is the fast path (a snapshot at quota size is hundreds of MiB: no
        // intermediate JSON tree). Only when it fails is the text read again to explain why.
        match serde_json::from_str::<Snapshot>(text) {
            Ok(mut snapshot) if snapshot.format == SNAPSHOT_FORMAT => {
                snapshot.normalize();
                Ok(snapshot)
            }
            Ok(snapshot) => Err(SnapshotError::WrongFormat {
                found: Some(snapshot.format),
            }),
            Err(typed) => Err(Self::explain(text, typed)),
        }
    }

    fn explain(text: &str, typed: serde_json::Error) -> SnapshotError {
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => {
                return SnapshotError::Syntax {
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                }
            }
        };
        let found = value.get("format").and_then(|f| f.as_str());
        if found != Some(SNAPSHOT_FORMAT) {
            return SnapshotError::WrongFormat {
                found: found.map(str::to_owned),
            };
        }
        SnapshotError::Shape(typed.to_string())
    }

    /// Pretty JSON with a trailing newline; the caller normalizes first.
    pub fn to_json(&self) -> String {
        let mut text =
            serde_json::to_string_pretty(self).expect("snapshot records always serialize");
        text.push('\n');
        text
    }

    /// Number of objects of every kind, for summaries.
    pub fn object_count(&self) -> usize {
        self.users.len()
            + self.groups.len()
            + self.group_memberships.len()
            + self.permission_sets.len()
            + self.accounts.len()
            + self.account_assignments.len()
            + self.applications.len()
            + self.application_assignments.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Snapshot {
        let mut s = Snapshot::empty(
            InstanceInfo {
                instance_arn: "arn:aws:sso:::instance/ssoins-1".into(),
                identity_store_id: "d-1".into(),
                region: Some("eu-west-1".into()),
                owner_account_id: None,
            },
            "2026-11-26T10:00:00Z".parse().unwrap(),
        );
        for id in ["b", "a", "b"] {
            s.account_assignments.push(AccountAssignment {
                account_id: "111111111111".into(),
                permission_set_arn: "ps".into(),
                principal_type: PrincipalType::User,
                principal_id: id.into(),
            });
        }
        s
    }

    #[test]
    fn normalize_sorts_and_removes_duplicates() {
        let mut s = sample();
        s.normalize();
        let ids: Vec<_> = s
            .account_assignments
            .iter()
            .map(|a| a.principal_id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn round_trips_through_json() {
        let mut s = sample();
        s.normalize();
        let parsed = Snapshot::from_json(&s.to_json()).unwrap();
        assert_eq!(parsed, s);
        assert!(s.to_json().contains("\"principal_type\": \"USER\""));
    }

    #[test]
    fn rejects_other_formats_with_a_clear_message() {
        let err = Snapshot::from_json(r#"{"format":"cutover.snapshot.v9"}"#).unwrap_err();
        assert!(err.to_string().contains("cutover.snapshot.v9"), "{err}");
        let err = Snapshot::from_json(r#"{"users":[]}"#).unwrap_err();
        assert!(matches!(err, SnapshotError::WrongFormat { found: None }));
        let err = Snapshot::from_json("{not json").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let err = Snapshot::from_json(r#"{"format":"cutover.snapshot.v1","users":3}"#).unwrap_err();
        assert!(matches!(err, SnapshotError::Shape(_)), "{err}");
    }
}
