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

/// One list of a snapshot, as a live load finishes it: front ends show each part as soon as it
/// arrives instead of waiting for the whole instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SnapshotPart {
    /// The instance and the moment the load started: the first part of every load.
    Started {
        instance: InstanceInfo,
        captured_at: DateTime<Utc>,
    },
    Users(Vec<User>),
    Groups(Vec<Group>),
    GroupMemberships(Vec<GroupMembership>),
    /// May come twice: described, then again with the accounts each is provisioned to.
    PermissionSets(Vec<PermissionSet>),
    Accounts(Vec<Account>),
    AccountAssignments(Vec<AccountAssignment>),
    Applications(Vec<Application>),
    ApplicationAssignments(Vec<ApplicationAssignment>),
}

/// Which list a [`SnapshotPart`] fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartKind {
    Users,
    Groups,
    GroupMemberships,
    PermissionSets,
    Accounts,
    AccountAssignments,
    Applications,
    ApplicationAssignments,
}

impl PartKind {
    pub const ALL: [PartKind; 8] = [
        PartKind::Users,
        PartKind::Groups,
        PartKind::GroupMemberships,
        PartKind::PermissionSets,
        PartKind::Accounts,
        PartKind::AccountAssignments,
        PartKind::Applications,
        PartKind::ApplicationAssignments,
    ];
}

impl SnapshotPart {
    /// The list this part fills; `None` for [`SnapshotPart::Started`].
    pub fn kind(&self) -> Option<PartKind> {
        Some(match self {
            SnapshotPart::Started { .. } => return None,
            SnapshotPart::Users(_) => PartKind::Users,
            SnapshotPart::Groups(_) => PartKind::Groups,
            SnapshotPart::GroupMemberships(_) => PartKind::GroupMemberships,
            SnapshotPart::PermissionSets(_) => PartKind::PermissionSets,
            SnapshotPart::Accounts(_) => PartKind::Accounts,
            SnapshotPart::AccountAssignments(_) => PartKind::AccountAssignments,
            SnapshotPart::Applications(_) => PartKind::Applications,
            SnapshotPart::ApplicationAssignments(_) => PartKind::ApplicationAssignments,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not valid JSON at line {line}, column {column}: {message}. Is this a cutover snapshot (cutover export --output FILE)?")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}", wrong_format(found.as_deref()))]
    WrongFormat { found: Option<String> },
    #[error("duplicate {kind} id {id} (two different records); the file was edited or merged: re-export it with `cutover export`")]
    DuplicateId { kind: &'static str, id: String },
    #[error("the snapshot does not match format {SNAPSHOT_FORMAT}: {0}. Re-export it with `cutover export`")]
    Shape(String),
}

/// Why a file's format tag is not this cutover's snapshot format, and what to do.
fn wrong_format(found: Option<&str>) -> String {
    let Some(found) = found else {
        return "this file is not a cutover snapshot (it has no \"format\" field); take one with `cutover export --output FILE`".to_owned();
    };
    let shown = crate::text::inert(found);
    let version =
        |tag: &str, prefix: &str| tag.strip_prefix(prefix).and_then(|v| v.parse::<u32>().ok());
    let ours = version(SNAPSHOT_FORMAT, "cutover.snapshot.v").unwrap_or(1);
    match version(found, "cutover.snapshot.v") {
        Some(v) if v > ours => format!(
            "this snapshot was written by a newer cutover (format \"{shown}\"); this cutover reads \"{SNAPSHOT_FORMAT}\": use a newer cutover"
        ),
        _ if found.starts_with("cutover.plan.") => format!(
            "this file is a cutover plan (format \"{shown}\"), not a snapshot; give the snapshot file from `cutover export`"
        ),
        _ => format!(
            "this file is not a cutover snapshot (its \"format\" is \"{shown}\", expected \"{SNAPSHOT_FORMAT}\")"
        ),
    }
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

    /// Puts a part in place: the list it fills is replaced (sorted and de-duplicated, as
    /// [`Snapshot::normalize`] would leave it); `Started` sets the instance and time.
    ///
    /// ```
    /// use cutover::model::{InstanceInfo, Snapshot, SnapshotPart};
    /// let mut s = Snapshot::empty(InstanceInfo::default(), chrono::Utc::now());
    /// s.apply_part(SnapshotPart::Users(Vec::new()));
    /// assert!(s.users.is_empty());
    /// ```
    pub fn apply_part(&mut self, part: SnapshotPart) {
        fn put<T: Ord>(list: &mut Vec<T>, mut items: Vec<T>) {
            items.sort();
            items.dedup();
            *list = items;
        }
        match part {
            SnapshotPart::Started {
                instance,
                captured_at,
            } => {
                self.instance = instance;
                self.captured_at = captured_at;
            }
            SnapshotPart::Users(mut items) => {
                for user in &mut items {
                    user.external_ids.sort();
                    user.external_ids.dedup();
                }
                put(&mut self.users, items)
            }
            SnapshotPart::Groups(mut items) => {
                for group in &mut items {
                    group.external_ids.sort();
                    group.external_ids.dedup();
                }
                put(&mut self.groups, items)
            }
            SnapshotPart::GroupMemberships(items) => put(&mut self.group_memberships, items),
            SnapshotPart::PermissionSets(mut items) => {
                for ps in &mut items {
                    ps.managed_policies.sort();
                    ps.managed_policies.dedup();
                    ps.customer_managed_policies.sort();
                    ps.customer_managed_policies.dedup();
                    ps.tags.sort();
                    ps.tags.dedup();
                    ps.provisioned_account_ids.sort();
                    ps.provisioned_account_ids.dedup();
                }
                put(&mut self.permission_sets, items)
            }
            SnapshotPart::Accounts(items) => put(&mut self.accounts, items),
            SnapshotPart::AccountAssignments(items) => put(&mut self.account_assignments, items),
            SnapshotPart::Applications(items) => put(&mut self.applications, items),
            SnapshotPart::ApplicationAssignments(items) => {
                put(&mut self.application_assignments, items)
            }
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
    /// assert!(err.to_string().contains("newer cutover"));
    /// ```
    pub fn from_json(text: &str) -> Result<Snapshot, SnapshotError> {
        // The typed parse is the fast path (a snapshot at quota size is hundreds of MiB: no
        // intermediate JSON tree). Only when it fails is the text read again to explain why.
        match serde_json::from_str::<Snapshot>(text) {
            Ok(mut snapshot) if snapshot.format == SNAPSHOT_FORMAT => {
                snapshot.normalize();
                snapshot.check_unique_ids()?;
                Ok(snapshot)
            }
            Ok(snapshot) => Err(SnapshotError::WrongFormat {
                found: Some(snapshot.format),
            }),
            Err(typed) => Err(Self::explain(text, typed)),
        }
    }

    /// After [`Self::normalize`] (records sorted by id, identical ones merged), two records left
    /// with one id disagree: the file was edited or merged, and which one is right is unknown.
    fn check_unique_ids(&self) -> Result<(), SnapshotError> {
        fn unique<T>(
            kind: &'static str,
            items: &[T],
            id: impl Fn(&T) -> &str,
        ) -> Result<(), SnapshotError> {
            match items.windows(2).find(|pair| id(&pair[0]) == id(&pair[1])) {
                Some(pair) => Err(SnapshotError::DuplicateId {
                    kind,
                    id: crate::text::inert(id(&pair[0])).into_owned(),
                }),
                None => Ok(()),
            }
        }
        unique("user", &self.users, |u| u.user_id.as_str())?;
        unique("group", &self.groups, |g| g.group_id.as_str())?;
        unique("permission set", &self.permission_sets, |p| {
            p.permission_set_arn.as_str()
        })?;
        unique("account", &self.accounts, |a| a.account_id.as_str())?;
        unique("application", &self.applications, |a| {
            a.application_arn.as_str()
        })
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
        // Names stay inert when someone `cat`s the file; the parsed value is the same.
        crate::text::json(text)
    }

    /// Number of objects of every kind, for summaries.
    /// Every account assignment, then every application assignment, as one kind of value.
    pub fn assignments(&self) -> impl Iterator<Item = Assignment> + '_ {
        self.account_assignments
            .iter()
            .cloned()
            .map(Assignment::Account)
            .chain(
                self.application_assignments
                    .iter()
                    .cloned()
                    .map(Assignment::Application),
            )
    }

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
    fn parts_put_a_normalized_list_in_place() {
        let mut whole = sample();
        whole.normalize();
        let mut built = Snapshot::empty(InstanceInfo::default(), chrono::Utc::now());
        built.apply_part(SnapshotPart::Started {
            instance: whole.instance.clone(),
            captured_at: whole.captured_at,
        });
        built.apply_part(SnapshotPart::AccountAssignments(
            sample().account_assignments,
        ));
        assert_eq!(built, whole);
        assert_eq!(
            SnapshotPart::Users(Vec::new()).kind(),
            Some(PartKind::Users)
        );
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
