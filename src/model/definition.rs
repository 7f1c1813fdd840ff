//! A permission set's definition: everything that decides what its IAM role may do and how it
//! is used, without its ARN (which differs per instance) or the accounts it is provisioned to.
//! Two permission sets of the same name in two instances are "the same" when their definitions
//! are equal; [`differences`] says field by field where they are not.

use super::records::{CustomerManagedPolicy, PermissionSet, PermissionsBoundary, Tag};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PermissionSetDefinition {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO 8601 duration, e.g. `PT1H`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay_state: Option<String>,
    /// AWS managed policy ARNs, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<String>,
    /// Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_managed_policies: Vec<CustomerManagedPolicy>,
    /// The policy document, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<PermissionsBoundary>,
    /// Sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl PermissionSetDefinition {
    pub fn of(permission_set: &PermissionSet) -> Self {
        let mut managed_policy_arns: Vec<String> = permission_set
            .managed_policies
            .iter()
            .map(|p| p.arn.clone())
            .collect();
        managed_policy_arns.sort();
        managed_policy_arns.dedup();
        let mut customer_managed_policies = permission_set.customer_managed_policies.clone();
        customer_managed_policies.sort();
        customer_managed_policies.dedup();
        let mut tags = permission_set.tags.clone();
        tags.sort();
        tags.dedup();
        PermissionSetDefinition {
            name: permission_set.name.clone(),
            description: non_empty(&permission_set.description),
            session_duration: non_empty(&permission_set.session_duration),
            relay_state: non_empty(&permission_set.relay_state),
            managed_policy_arns,
            customer_managed_policies,
            inline_policy: non_empty(&permission_set.inline_policy),
            permissions_boundary: permission_set.permissions_boundary.clone(),
            tags,
        }
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.is_empty()).cloned()
}

/// One field in which two definitions differ, each side rendered for a human (`None`: not set).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FieldDifference {
    /// `description`, `session_duration`, `relay_state`, `managed_policies`,
    /// `customer_managed_policies`, `inline_policy`, `permissions_boundary` or `tags`.
    pub field: String,
    pub baseline: Option<String>,
    pub current: Option<String>,
}

/// Where `current` differs from `baseline`, in field order. Session durations are compared as
/// durations (`PT60M` equals `PT1H`), inline policies as JSON (AWS may re-format the document).
pub fn differences(
    baseline: &PermissionSetDefinition,
    current: &PermissionSetDefinition,
) -> Vec<FieldDifference> {
    let mut out = Vec::new();
    let mut field = |name: &str, same: bool, b: Option<String>, c: Option<String>| {
        if !same {
            out.push(FieldDifference {
                field: name.to_owned(),
                baseline: b,
                current: c,
            });
        }
    };
    field(
        "description",
        baseline.description == current.description,
        baseline.description.clone(),
        current.description.clone(),
    );
    field(
        "session_duration",
        same_duration(&baseline.session_duration, &current.session_duration),
        baseline.session_duration.clone(),
        current.session_duration.clone(),
    );
    field(
        "relay_state",
        baseline.relay_state == current.relay_state,
        baseline.relay_state.clone(),
        current.relay_state.clone(),
    );
    field(
        "managed_policies",
        baseline.managed_policy_arns == current.managed_policy_arns,
        list(baseline.managed_policy_arns.iter().cloned()),
        list(current.managed_policy_arns.iter().cloned()),
    );
    let customer = |d: &PermissionSetDefinition| {
        list(
            d.customer_managed_policies
                .iter()
                .map(|p| format!("{}{}", p.path, p.name)),
        )
    };
    field(
        "customer_managed_policies",
        baseline.customer_managed_policies == current.customer_managed_policies,
        customer(baseline),
        customer(current),
    );
    field(
        "inline_policy",
        same_policy(&baseline.inline_policy, &current.inline_policy),
        baseline.inline_policy.clone(),
        current.inline_policy.clone(),
    );
    let boundary = |d: &PermissionSetDefinition| {
        d.permissions_boundary.as_ref().map(|b| match b {
            PermissionsBoundary::ManagedPolicy { arn } => arn.clone(),
            PermissionsBoundary::CustomerManagedPolicy { name, path } => format!("{path}{name}"),
        })
    };
    field(
        "permissions_boundary",
        baseline.permissions_boundary == current.permissions_boundary,
        boundary(baseline),
        boundary(current),
    );
    let tags =
        |d: &PermissionSetDefinition| list(d.tags.iter().map(|t| format!("{}={}", t.key, t.value)));
    field(
        "tags",
        baseline.tags == current.tags,
        tags(baseline),
        tags(current),
    );
    out
}

/// One piece of a definition that is added to a permission set after CreatePermissionSet.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "part", rename_all = "snake_case")]
pub enum DefinitionPart {
    ManagedPolicy { arn: String },
    CustomerManagedPolicy(CustomerManagedPolicy),
    InlinePolicy { document: String },
    PermissionsBoundary(PermissionsBoundary),
    Tags { tags: Vec<Tag> },
}

impl PermissionSetDefinition {
    /// The parts CreatePermissionSet does not set (it takes the name, description, session
    /// duration, relay state and tags), in the order they are added.
    pub fn parts(&self) -> Vec<DefinitionPart> {
        let mut parts: Vec<DefinitionPart> = self
            .managed_policy_arns
            .iter()
            .map(|arn| DefinitionPart::ManagedPolicy { arn: arn.clone() })
            .collect();
        parts.extend(
            self.customer_managed_policies
                .iter()
                .cloned()
                .map(DefinitionPart::CustomerManagedPolicy),
        );
        if let Some(document) = &self.inline_policy {
            parts.push(DefinitionPart::InlinePolicy {
                document: document.clone(),
            });
        }
        if let Some(boundary) = &self.permissions_boundary {
            parts.push(DefinitionPart::PermissionsBoundary(boundary.clone()));
        }
        parts
    }

    /// What must be added to `existing` (a permission set of this name found in the instance)
    /// to make it this definition, or — when `existing` holds anything this definition does not
    /// (another description, an extra policy, another inline policy) — the fields that differ:
    /// a permission set is completed, never overwritten.
    pub fn completion_of(
        &self,
        existing: &PermissionSetDefinition,
    ) -> Result<Vec<DefinitionPart>, Vec<FieldDifference>> {
        let mut conflicting: Vec<String> = Vec::new();
        let mut missing = Vec::new();
        let scalar_conflict = |planned: &Option<String>, found: &Option<String>| found != planned;
        if scalar_conflict(&self.description, &existing.description) {
            conflicting.push("description".into());
        }
        if !same_duration(&self.session_duration, &existing.session_duration) {
            conflicting.push("session_duration".into());
        }
        if scalar_conflict(&self.relay_state, &existing.relay_state) {
            conflicting.push("relay_state".into());
        }
        if existing
            .managed_policy_arns
            .iter()
            .any(|a| !self.managed_policy_arns.contains(a))
        {
            conflicting.push("managed_policies".into());
        }
        if existing
            .customer_managed_policies
            .iter()
            .any(|p| !self.customer_managed_policies.contains(p))
        {
            conflicting.push("customer_managed_policies".into());
        }
        match (&self.inline_policy, &existing.inline_policy) {
            (_, None) => {}
            (planned, found) if same_policy(planned, found) => {}
            _ => conflicting.push("inline_policy".into()),
        }
        match (&self.permissions_boundary, &existing.permissions_boundary) {
            (_, None) => {}
            (Some(a), Some(b)) if a == b => {}
            _ => conflicting.push("permissions_boundary".into()),
        }
        if existing.tags.iter().any(|t| !self.tags.contains(t)) {
            conflicting.push("tags".into());
        }
        if !conflicting.is_empty() {
            return Err(differences(self, existing)
                .into_iter()
                .filter(|d| conflicting.contains(&d.field))
                .collect());
        }
        for part in self.parts() {
            let present = match &part {
                DefinitionPart::ManagedPolicy { arn } => existing.managed_policy_arns.contains(arn),
                DefinitionPart::CustomerManagedPolicy(p) => {
                    existing.customer_managed_policies.contains(p)
                }
                DefinitionPart::InlinePolicy { .. } => existing.inline_policy.is_some(),
                DefinitionPart::PermissionsBoundary(_) => existing.permissions_boundary.is_some(),
                DefinitionPart::Tags { .. } => true,
            };
            if !present {
                missing.push(part);
            }
        }
        let tags: Vec<Tag> = self
            .tags
            .iter()
            .filter(|t| !existing.tags.contains(t))
            .cloned()
            .collect();
        if !tags.is_empty() {
            missing.push(DefinitionPart::Tags { tags });
        }
        Ok(missing)
    }
}

fn list(items: impl Iterator<Item = String>) -> Option<String> {
    let items: Vec<String> = items.collect();
    (!items.is_empty()).then(|| items.join(", "))
}

fn same_policy(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a == b
                || matches!(
                    (
                        serde_json::from_str::<serde_json::Value>(a),
                        serde_json::from_str::<serde_json::Value>(b),
                    ),
                    (Ok(x), Ok(y)) if x == y
                )
        }
        (a, b) => a == b,
    }
}

fn same_duration(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            a == b || matches!((seconds(a), seconds(b)), (Some(x), Some(y)) if x == y)
        }
        (a, b) => a == b,
    }
}

/// Seconds in an ISO 8601 time duration of the shape Identity Center uses (`PT<h>H<m>M<s>S`).
fn seconds(duration: &str) -> Option<u64> {
    let rest = duration.strip_prefix("PT")?;
    let mut total = 0u64;
    let mut number = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let value: u64 = number.parse().ok()?;
        number.clear();
        total += value
            * match c {
                'H' => 3600,
                'M' => 60,
                'S' => 1,
                _ => return None,
            };
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ManagedPolicy;

    fn sample() -> PermissionSet {
        PermissionSet {
            permission_set_arn: "arn:ps-1".into(),
            name: "Admin".into(),
            description: Some("admins".into()),
            session_duration: Some("PT1H".into()),
            relay_state: None,
            managed_policies: vec![ManagedPolicy {
                arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
                name: Some("AdministratorAccess".into()),
            }],
            customer_managed_policies: vec![CustomerManagedPolicy {
                name: "boundary".into(),
                path: "/".into(),
            }],
            inline_policy: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
            permissions_boundary: None,
            tags: vec![Tag {
                key: "team".into(),
                value: "ops".into(),
            }],
            provisioned_account_ids: vec!["111111111111".into()],
        }
    }

    #[test]
    fn equal_definitions_ignore_arn_provisioning_and_formatting() {
        let a = sample();
        let mut b = sample();
        b.permission_set_arn = "arn:other".into();
        b.provisioned_account_ids.clear();
        b.session_duration = Some("PT60M".into());
        b.inline_policy = Some("{ \"Statement\": [], \"Version\": \"2012-10-17\" }".into());
        b.managed_policies[0].name = None;
        let (a, b) = (
            PermissionSetDefinition::of(&a),
            PermissionSetDefinition::of(&b),
        );
        assert_eq!(differences(&a, &b), Vec::new());
    }

    #[test]
    fn every_field_that_differs_is_named_with_both_sides() {
        let a = PermissionSetDefinition::of(&sample());
        let mut other = sample();
        other.description = None;
        other.session_duration = Some("PT2H".into());
        other.managed_policies.clear();
        other.permissions_boundary = Some(PermissionsBoundary::ManagedPolicy {
            arn: "arn:aws:iam::aws:policy/PowerUserAccess".into(),
        });
        other.tags[0].value = "dev".into();
        let b = PermissionSetDefinition::of(&other);
        let found = differences(&a, &b);
        let fields: Vec<&str> = found.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "description",
                "session_duration",
                "managed_policies",
                "permissions_boundary",
                "tags"
            ]
        );
        assert_eq!(found[0].baseline.as_deref(), Some("admins"));
        assert_eq!(found[0].current, None);
        assert_eq!(found[4].current.as_deref(), Some("team=dev"));
    }

    #[test]
    fn an_existing_permission_set_is_completed_but_never_overwritten() {
        let planned = PermissionSetDefinition::of(&sample());
        let mut partial = planned.clone();
        partial.managed_policy_arns.clear();
        partial.inline_policy = None;
        partial.tags.clear();
        let parts = planned.completion_of(&partial).unwrap();
        assert_eq!(
            parts,
            vec![
                DefinitionPart::ManagedPolicy {
                    arn: "arn:aws:iam::aws:policy/AdministratorAccess".into()
                },
                DefinitionPart::InlinePolicy {
                    document: planned.inline_policy.clone().unwrap()
                },
                DefinitionPart::Tags {
                    tags: planned.tags.clone()
                },
            ]
        );
        assert_eq!(planned.completion_of(&planned), Ok(Vec::new()));
        let mut other = planned.clone();
        other.description = Some("someone else's".into());
        other
            .managed_policy_arns
            .push("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
        let refused = planned.completion_of(&other).unwrap_err();
        let fields: Vec<&str> = refused.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["description", "managed_policies"]);
    }

    #[test]
    fn durations_parse_or_compare_verbatim() {
        assert_eq!(seconds("PT1H30M"), Some(5400));
        assert_eq!(seconds("PT12H"), Some(43200));
        assert_eq!(seconds("P1D"), None);
        assert_eq!(seconds("PT1"), None);
    }
}
