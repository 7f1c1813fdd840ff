//! The changeset: what must change in the current instance so that every mapped old
//! principal's access is held by its successor.
//!
//! - **target** = current, plus every baseline assignment of a mapped principal translated to its
//!   successor; with `retire_old`, minus the current assignments of every decided old principal
//!   (mapped or "no successor") that the translation does not put back.
//! - **changeset** = diff(current, target): creates first, then deletes, plus risks.
//!
//! Pure: [`Planner`] indexes the baseline and current snapshots once and then follows mapping
//! edits incrementally (the TUI re-plans on every key press); [`Planner::changeset`] writes the
//! whole ordered changeset out. [`mod@file`] is the versioned plan file and its Markdown review form.

pub mod file;
mod planner;
pub mod risk;

pub use crate::model::{Action, Assignment};
pub use planner::{Planner, Summary};
pub use risk::{Risk, RiskKind, Severity};

use crate::mapping::accounts::AccountMap;
use crate::mapping::Mapping;
use crate::model::{PrincipalId, PrincipalType, Snapshot};
use serde::{Deserialize, Serialize};

/// Choices that change the target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// Also delete the decided old principals' assignments that still exist in current.
    pub retire_old: bool,
    /// Let the executor run deletes that empty an (account, permission set) pair, which deletes
    /// the permission set's IAM role in that account. Off: such deletes are held back.
    #[serde(default)]
    pub allow_role_deletion: bool,
    /// Create the baseline's permission sets that current lacks (by ARN and by name), so the
    /// assignments on them can be carried over: another instance, or a Region move.
    #[serde(default, skip_serializing_if = "is_false")]
    pub create_permission_sets: bool,
}

fn is_false(flag: &bool) -> bool {
    !*flag
}

/// A baseline permission set to create in current, and the accounts to provision it to (those
/// where the changeset creates assignments on it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionSetCreation {
    /// The baseline's ARN: the changeset's assignment operations name the permission set by it
    /// until `apply` has created it and knows its ARN in current.
    pub baseline_arn: crate::model::PermissionSetArn,
    pub definition: crate::model::PermissionSetDefinition,
    pub provision_to: Vec<crate::model::AccountId>,
}

/// A principal with the name a human knows it by (empty when it no longer resolves).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NamedPrincipal {
    pub principal_type: PrincipalType,
    pub principal_id: PrincipalId,
    #[serde(default)]
    pub name: String,
}

/// One write, in execution order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub action: Action,
    pub assignment: Assignment,
    /// For a create: the old principals whose access it carries over. For a delete: the old
    /// principal being retired (the assignment's own principal).
    pub because_of: Vec<NamedPrincipal>,
    /// A delete after which the (account, permission set) pair holds no assignment: AWS then
    /// deletes the permission set's IAM role in that account.
    pub empties_pair: bool,
}

/// The ordered operations (every create before any delete) and the risks, most severe first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changeset {
    /// Run before every operation (only with `create_permission_sets`), sorted by name.
    pub permission_sets: Vec<PermissionSetCreation>,
    pub operations: Vec<Operation>,
    pub risks: Vec<Risk>,
}

impl Changeset {
    pub fn creates(&self) -> usize {
        self.operations
            .iter()
            .filter(|op| op.action == Action::Create)
            .count()
    }

    pub fn deletes(&self) -> usize {
        self.operations.len() - self.creates()
    }

    pub fn is_empty(&self) -> bool {
        self.operations.is_empty() && self.permission_sets.is_empty()
    }
}

/// Plans `mapping` from scratch (what `cutover plan` does).
pub fn plan(
    baseline: &Snapshot,
    current: &Snapshot,
    mapping: &Mapping,
    options: PlanOptions,
) -> Changeset {
    plan_with_accounts(baseline, current, mapping, options, None)
}

/// [`plan`], with baseline account ids translated through `accounts` (a move to a new
/// organization).
pub fn plan_with_accounts(
    baseline: &Snapshot,
    current: &Snapshot,
    mapping: &Mapping,
    options: PlanOptions,
    accounts: Option<&AccountMap>,
) -> Changeset {
    let mut planner = Planner::with_account_map(baseline, current, options, accounts);
    planner.set_mapping(mapping);
    planner.changeset()
}

#[cfg(test)]
pub(crate) mod carry_tests;
#[cfg(test)]
mod tests;
