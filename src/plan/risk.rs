//! What could go wrong if the changeset is applied as it stands, each with what to do about it.

use super::NamedPrincipal;
use crate::humanize::plural;
use crate::model::{AccountId, ApplicationArn, FieldDifference, PermissionSetArn};
use serde::{Deserialize, Serialize};

/// `High` sorts first: it loses access or deletes an IAM role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::High => "HIGH",
            Severity::Medium => "MEDIUM",
            Severity::Info => "INFO",
        }
    }
}

/// Why an old principal's access is not carried over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossReason {
    /// Nobody decided yet.
    Unmapped,
    /// Decided: the access is dropped on purpose.
    NoSuccessor,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RiskKind {
    /// An old principal held assignments in the baseline and nobody inherits them.
    AccessLost {
        principal: NamedPrincipal,
        reason: LossReason,
        account_assignments: usize,
        application_assignments: usize,
    },
    /// Deletes empty this (account, permission set) pair: AWS deletes the permission set's IAM
    /// role there, and a later assignment recreates it under a new name.
    RoleDeleted {
        account_id: AccountId,
        account_name: String,
        permission_set_arn: PermissionSetArn,
        permission_set_name: String,
        deletes: usize,
    },
    /// Several old principals hand their access to one successor.
    SharedSuccessor {
        successor: NamedPrincipal,
        old_principals: Vec<NamedPrincipal>,
    },
    /// The successor already holds assignments its predecessors never had.
    SuccessorHasOtherAccess {
        successor: NamedPrincipal,
        other_assignments: usize,
    },
    /// Current assignments whose principal no longer resolves.
    OrphanedAssignments {
        principal: NamedPrincipal,
        assignments: usize,
        /// The mapping decides for this principal id, so the plan replaces (or drops) them.
        handled: bool,
    },
    /// Baseline assignments of mapped principals that cannot be carried over because the
    /// permission set is gone from current (no permission set of the same name either).
    MissingPermissionSet {
        permission_set_arn: PermissionSetArn,
        name: String,
        assignments: usize,
    },
    MissingAccount {
        account_id: AccountId,
        name: String,
        assignments: usize,
    },
    MissingApplication {
        application_arn: ApplicationArn,
        name: String,
        assignments: usize,
    },
    /// A baseline permission set is absent from current by ARN and was matched by name (e.g.
    /// after a Region move, where every permission set was recreated).
    PermissionSetMatchedByName {
        name: String,
        baseline_arn: PermissionSetArn,
        current_arn: PermissionSetArn,
    },
    ApplicationMatchedByName {
        name: String,
        baseline_arn: ApplicationArn,
        current_arn: ApplicationArn,
    },
    /// A baseline permission set matched by name in current whose definition differs in one
    /// field (one risk per field). cutover never overwrites it: assignments carried over onto
    /// it grant what current's definition grants.
    PermissionSetDiffers {
        name: String,
        baseline_arn: PermissionSetArn,
        current_arn: PermissionSetArn,
        difference: FieldDifference,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Risk {
    pub severity: Severity,
    pub kind: RiskKind,
}

impl Risk {
    pub fn new(kind: RiskKind) -> Self {
        let severity = match &kind {
            RiskKind::AccessLost { .. }
            | RiskKind::RoleDeleted { .. }
            | RiskKind::MissingPermissionSet { .. }
            | RiskKind::MissingAccount { .. }
            | RiskKind::MissingApplication { .. } => Severity::High,
            RiskKind::SharedSuccessor { .. }
            | RiskKind::SuccessorHasOtherAccess { .. }
            | RiskKind::PermissionSetDiffers { .. } => Severity::Medium,
            RiskKind::OrphanedAssignments { handled, .. } => {
                if *handled {
                    Severity::Info
                } else {
                    Severity::Medium
                }
            }
            RiskKind::PermissionSetMatchedByName { .. }
            | RiskKind::ApplicationMatchedByName { .. } => Severity::Info,
        };
        Risk { severity, kind }
    }

    /// How many assignments the risk concerns: within one severity and kind, the largest come
    /// first.
    pub fn weight(&self) -> usize {
        match &self.kind {
            RiskKind::AccessLost {
                account_assignments,
                application_assignments,
                ..
            } => account_assignments + application_assignments,
            RiskKind::RoleDeleted { deletes, .. } => *deletes,
            RiskKind::SharedSuccessor { old_principals, .. } => old_principals.len(),
            RiskKind::SuccessorHasOtherAccess {
                other_assignments, ..
            } => *other_assignments,
            RiskKind::OrphanedAssignments { assignments, .. }
            | RiskKind::MissingPermissionSet { assignments, .. }
            | RiskKind::MissingAccount { assignments, .. }
            | RiskKind::MissingApplication { assignments, .. } => *assignments,
            RiskKind::PermissionSetMatchedByName { .. }
            | RiskKind::ApplicationMatchedByName { .. }
            | RiskKind::PermissionSetDiffers { .. } => 0,
        }
    }

    /// An undecided old principal's lost access: a to-do item of the mapping rather than a
    /// consequence of a decision. Listed after every other risk, and counted apart, so that
    /// the merges, role deletions and deliberate losses the admin decided stay in view.
    pub fn is_todo(&self) -> bool {
        matches!(
            self.kind,
            RiskKind::AccessLost {
                reason: LossReason::Unmapped,
                ..
            }
        )
    }

    /// Kinds in the order a reviewer should read them: lost access and deleted roles first.
    pub fn kind_rank(&self) -> u8 {
        match &self.kind {
            RiskKind::AccessLost { .. } => 0,
            RiskKind::RoleDeleted { .. } => 1,
            RiskKind::MissingPermissionSet { .. } => 2,
            RiskKind::MissingAccount { .. } => 3,
            RiskKind::MissingApplication { .. } => 4,
            RiskKind::SharedSuccessor { .. } => 5,
            RiskKind::SuccessorHasOtherAccess { .. } => 6,
            RiskKind::OrphanedAssignments { .. } => 7,
            RiskKind::PermissionSetMatchedByName { .. } => 8,
            RiskKind::ApplicationMatchedByName { .. } => 9,
            RiskKind::PermissionSetDiffers { .. } => 10,
        }
    }

    /// One line for a human: what happens and what to do.
    pub fn message(&self) -> String {
        match &self.kind {
            RiskKind::AccessLost {
                principal,
                reason,
                account_assignments,
                application_assignments,
            } => {
                let what = match reason {
                    LossReason::Unmapped => "is unmapped; map it or mark it \"no successor\"",
                    LossReason::NoSuccessor => "has no successor (decided)",
                };
                format!(
                    "{} {} {what}: loses {}",
                    principal.principal_type,
                    display(principal),
                    assignment_counts(*account_assignments, *application_assignments)
                )
            }
            RiskKind::RoleDeleted {
                account_id,
                account_name,
                permission_set_name,
                deletes,
                ..
            } => format!(
                "{deletes} delete{} empty {permission_set_name} in {} ({account_id}): AWS deletes its IAM role there and a later assignment recreates it with a new name; keep one assignment, or allow it with --allow-role-deletion",
                plural(*deletes),
                or_dash(account_name),
            ),
            RiskKind::SharedSuccessor {
                successor,
                old_principals,
            } => format!(
                "{} {} inherits from {} old principals ({}); check this merge is intended",
                successor.principal_type,
                display(successor),
                old_principals.len(),
                old_principals
                    .iter()
                    .map(display)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            RiskKind::SuccessorHasOtherAccess {
                successor,
                other_assignments,
            } => format!(
                "{} {} already holds {other_assignments} assignment{} its predecessors never had; review them",
                successor.principal_type,
                display(successor),
                plural(*other_assignments)
            ),
            RiskKind::OrphanedAssignments {
                principal,
                assignments,
                handled,
            } => {
                let what = if *handled {
                    "the mapping decides for this id"
                } else {
                    "map the id to a successor to carry them over"
                };
                format!(
                    "{assignments} assignment{} name {} {}, which no longer exists; {what}",
                    plural(*assignments),
                    principal.principal_type,
                    principal.principal_id
                )
            }
            RiskKind::MissingPermissionSet {
                permission_set_arn,
                name,
                assignments,
            } => format!(
                "permission set {} ({permission_set_arn}) is not in the current instance: {assignments} assignment{} cannot be carried over; create it (same name) and plan again, or plan with --create-permission-sets",
                or_dash(name),
                plural(*assignments)
            ),
            RiskKind::MissingAccount {
                account_id,
                name,
                assignments,
            } => format!(
                "account {} ({account_id}) is not in the organization any more: {assignments} assignment{} cannot be carried over",
                or_dash(name),
                plural(*assignments)
            ),
            RiskKind::MissingApplication {
                application_arn,
                name,
                assignments,
            } => format!(
                "application {} ({application_arn}) is not in the current instance: {assignments} assignment{} cannot be carried over; recreate it and plan again",
                or_dash(name),
                plural(*assignments)
            ),
            RiskKind::PermissionSetMatchedByName {
                name,
                baseline_arn,
                current_arn,
            } => format!(
                "permission set {name} matched by name: {baseline_arn} → {current_arn}"
            ),
            RiskKind::ApplicationMatchedByName {
                name,
                baseline_arn,
                current_arn,
            } => format!("application {name} matched by name: {baseline_arn} → {current_arn}"),
            RiskKind::PermissionSetDiffers {
                name,
                difference,
                ..
            } => format!(
                "permission set {} exists in current with another {}: baseline {}, current {}; cutover does not overwrite it, so the carried-over assignments grant what current's definition grants — align it by hand if that is not intended",
                crate::text::inert(name),
                difference.field,
                shortened(difference.baseline.as_deref()),
                shortened(difference.current.as_deref()),
            ),
        }
    }
}

fn assignment_counts(accounts: usize, applications: usize) -> String {
    match (accounts, applications) {
        (a, 0) => format!("{a} account assignment{}", plural(a)),
        (0, p) => format!("{p} application assignment{}", plural(p)),
        (a, p) => format!(
            "{a} account assignment{} and {p} application assignment{}",
            plural(a),
            plural(p)
        ),
    }
}

fn display(principal: &NamedPrincipal) -> String {
    if principal.name.is_empty() {
        principal.principal_id.to_string()
    } else {
        principal.name.clone()
    }
}

/// A field value for a one-line message: long values (inline policies) are cut, the plan file
/// keeps them whole.
fn shortened(value: Option<&str>) -> String {
    const LIMIT: usize = 80;
    match value {
        None => "(not set)".to_owned(),
        Some(text) if text.chars().count() > LIMIT => {
            let cut: String = text.chars().take(LIMIT).collect();
            format!(
                "{}… ({} characters)",
                crate::text::inert(&cut.replace('\n', " ")),
                text.chars().count()
            )
        }
        Some(text) => crate::text::inert(&text.replace('\n', " ")).into_owned(),
    }
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "(unnamed)"
    } else {
        text
    }
}
