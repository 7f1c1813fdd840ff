//! The plan file (`cutover.plan.v1`, documented in `docs/plan-format.md`) and its Markdown review
//! form.
//!
//! A plan records what it was computed against (the current state's fingerprint, and per
//! touched (account, permission set) pair or application a digest of its assignments, so
//! `apply` can tell drift from progress) and carries a checksum over its own content, so a hand
//! edit is refused instead of applied.

use super::planner::Names;
use super::{Action, Assignment, Changeset, NamedPrincipal, PlanOptions, Risk, Severity};
use crate::model::*;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The format of a plan without permission-set operations (and of every plan before them).
pub const PLAN_FORMAT: &str = "cutover.plan.v1";
/// The format of a plan with permission-set operations: a cutover that knows only v1 refuses it
/// instead of writing assignments that name permission sets it never created.
pub const PLAN_FORMAT_V2: &str = "cutover.plan.v2";

/// What a permission-set operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionSetKind {
    /// CreatePermissionSet with the definition, then its policies, boundary and tags.
    CreatePermissionSet,
    /// ProvisionPermissionSet to one account (its IAM role is created there).
    ProvisionPermissionSet,
}

/// One permission-set operation; they all run before the first assignment operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSetOperation {
    /// 1-based position among the permission-set operations; the journal refers to them by it.
    pub id: u32,
    pub kind: PermissionSetKind,
    /// The permission set's name: unique in an instance, so `apply` and `verify` find the
    /// created permission set by it.
    pub name: String,
    /// The permission set's ARN in the baseline. Assignment operations on the permission set
    /// name this ARN; `apply` replaces it with the ARN the creation returned.
    pub baseline_arn: PermissionSetArn,
    /// Create only: everything the permission set is made of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<PermissionSetDefinition>,
    /// Provision only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    /// For humans; never read back as data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    AccountAssignment,
    ApplicationAssignment,
}

/// Where the plan's inputs came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    pub baseline_captured_at: DateTime<Utc>,
    pub baseline_instance_arn: String,
    pub current_captured_at: DateTime<Utc>,
    /// `sha256:` of the mapping file's bytes, when the plan came from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping_digest: Option<String>,
}

/// The instance the plan writes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub instance_arn: String,
    pub identity_store_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// The current state the plan was computed against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// `sha256:` over every current account and application assignment, sorted.
    pub assignments: String,
    pub account_assignments: usize,
    pub application_assignments: usize,
    /// Every (account, permission set) pair or application an operation touches, with a digest
    /// of the principals assigned there in current.
    pub touched: Vec<Touched>,
    /// For every permission set an operation touches: the accounts it is provisioned to in
    /// current (an IAM role exists there). `verify` reports any account lost or gained.
    #[serde(default)]
    pub provisioned: Vec<Provisioned>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Provisioned {
    pub permission_set_arn: PermissionSetArn,
    #[serde(default)]
    pub name: String,
    pub account_ids: Vec<AccountId>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Touched {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_set_arn: Option<PermissionSetArn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_arn: Option<ApplicationArn>,
    /// Everyone assigned there in current, sorted: `apply` compares this (adjusted by its own
    /// journal) with what it reads before writing, and names every principal that differs.
    pub principals: Vec<Principal>,
}

impl Touched {
    pub fn place(&self) -> Option<Place> {
        match (
            &self.account_id,
            &self.permission_set_arn,
            &self.application_arn,
        ) {
            (Some(account_id), Some(permission_set_arn), None) => Some(Place::Pair {
                account_id: account_id.clone(),
                permission_set_arn: permission_set_arn.clone(),
            }),
            (None, None, Some(application_arn)) => Some(Place::Application {
                application_arn: application_arn.clone(),
            }),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedOperation {
    /// 1-based position in execution order; the journal refers to operations by it.
    pub id: u32,
    pub action: Action,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_set_arn: Option<PermissionSetArn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_arn: Option<ApplicationArn>,
    pub principal_type: PrincipalType,
    pub principal_id: PrincipalId,
    /// Names for humans; never read back as data.
    #[serde(default)]
    pub principal_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission_set_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_name: Option<String>,
    /// Create: the old principals whose access this carries over. Delete: the retired principal.
    #[serde(default)]
    pub because_of: Vec<NamedPrincipal>,
    /// A delete that empties its (account, permission set) pair, deleting the IAM role there.
    #[serde(default)]
    pub empties_pair: bool,
}

impl PlannedOperation {
    pub fn assignment(&self) -> Result<Assignment, String> {
        match self.kind {
            Kind::AccountAssignment => match (&self.account_id, &self.permission_set_arn) {
                (Some(account_id), Some(permission_set_arn)) => {
                    Ok(Assignment::Account(AccountAssignment {
                        account_id: account_id.clone(),
                        permission_set_arn: permission_set_arn.clone(),
                        principal_type: self.principal_type,
                        principal_id: self.principal_id.clone(),
                    }))
                }
                _ => Err(format!(
                    "operation {} is an account assignment without account_id and permission_set_arn",
                    self.id
                )),
            },
            Kind::ApplicationAssignment => match &self.application_arn {
                Some(application_arn) => Ok(Assignment::Application(ApplicationAssignment {
                    application_arn: application_arn.clone(),
                    principal_type: self.principal_type,
                    principal_id: self.principal_id.clone(),
                })),
                None => Err(format!(
                    "operation {} is an application assignment without application_arn",
                    self.id
                )),
            },
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub creates: usize,
    pub deletes: usize,
    /// Permission sets created and provisionings (absent from plans without them).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub permission_sets_created: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub provisionings: usize,
    pub high_risks: usize,
    pub medium_risks: usize,
    pub info: usize,
}

/// A risk as the plan file stores it: the structured fields plus the human sentence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRisk {
    #[serde(flatten)]
    pub risk: StoredRisk,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRisk {
    pub severity: Severity,
    #[serde(flatten)]
    pub kind: super::RiskKind,
}

/// Everything but the checksum, in the order it is written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanBody {
    pub format: String,
    pub created_at: DateTime<Utc>,
    pub target: Target,
    pub inputs: Inputs,
    pub options: PlanOptions,
    pub fingerprint: Fingerprint,
    pub summary: PlanSummary,
    /// Run before `operations` (format v2 only; absent from v1 plans, so their checksum is
    /// unchanged).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_set_operations: Vec<PermissionSetOperation>,
    pub operations: Vec<PlannedOperation>,
    pub risks: Vec<PlannedRisk>,
}

fn is_zero(value: &usize) -> bool {
    *value == 0
}

/// The plan file: the body and a checksum over it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFile {
    #[serde(flatten)]
    pub body: PlanBody,
    /// `sha256:` over the compact JSON of every other field, in the order written.
    pub checksum: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanFileError {
    #[error("this is not a cutover plan: {0}")]
    Malformed(String),
    #[error("{}", plan_format_message(found))]
    Format { found: String },
    #[error("the plan was changed after it was written (its checksum does not match): plans are not edited by hand; change the mapping and run `cutover plan` again")]
    Tampered,
    #[error("the plan is inconsistent: {0}; run `cutover plan` again")]
    Inconsistent(String),
}

/// Why a file's format tag is not this cutover's plan format, and what to do.
fn plan_format_message(found: &str) -> String {
    let shown = crate::text::inert(found);
    let version = |tag: &str| {
        tag.strip_prefix("cutover.plan.v")
            .and_then(|v| v.parse::<u32>().ok())
    };
    match (version(found), version(PLAN_FORMAT_V2)) {
        (Some(theirs), Some(ours)) if theirs > ours => format!(
            "this plan was written by a newer cutover (format \"{shown}\"); this cutover reads \"{PLAN_FORMAT}\" and \"{PLAN_FORMAT_V2}\": use a newer cutover, or plan again with this one"
        ),
        (Some(_), _) => format!(
            "the plan is format \"{shown}\"; this cutover reads \"{PLAN_FORMAT}\" and \"{PLAN_FORMAT_V2}\": plan again with this version"
        ),
        _ if found.starts_with("cutover.snapshot.") => format!(
            "this file is a snapshot (format \"{shown}\"), not a plan; make a plan from it with `cutover plan --baseline … --mapping … -o PLAN`"
        ),
        _ => format!("this is not a cutover plan (its \"format\" is \"{shown}\", expected \"{PLAN_FORMAT}\")"),
    }
}

impl PlanFile {
    /// Builds the plan file for `changeset`, computed from `baseline` and `current`.
    pub fn new(
        changeset: &Changeset,
        baseline: &Snapshot,
        current: &Snapshot,
        options: PlanOptions,
        mapping_digest: Option<String>,
        created_at: DateTime<Utc>,
    ) -> Self {
        let names = Names::new(baseline, current);
        let operations: Vec<PlannedOperation> = changeset
            .operations
            .iter()
            .enumerate()
            .map(|(index, op)| planned_operation(index as u32 + 1, op, &names))
            .collect();
        let risks: Vec<PlannedRisk> = changeset.risks.iter().map(planned_risk).collect();
        let permission_set_operations = permission_set_operations(changeset, &names);
        let summary = PlanSummary {
            creates: changeset.creates(),
            deletes: changeset.deletes(),
            permission_sets_created: changeset.permission_sets.len(),
            provisionings: permission_set_operations.len() - changeset.permission_sets.len(),
            high_risks: count(&changeset.risks, Severity::High),
            medium_risks: count(&changeset.risks, Severity::Medium),
            info: count(&changeset.risks, Severity::Info),
        };
        let body = PlanBody {
            format: if permission_set_operations.is_empty() {
                PLAN_FORMAT
            } else {
                PLAN_FORMAT_V2
            }
            .to_owned(),
            created_at,
            target: Target {
                instance_arn: current.instance.instance_arn.clone(),
                identity_store_id: current.instance.identity_store_id.clone(),
                region: current.instance.region.clone(),
            },
            inputs: Inputs {
                baseline_captured_at: baseline.captured_at,
                baseline_instance_arn: baseline.instance.instance_arn.clone(),
                current_captured_at: current.captured_at,
                mapping_digest,
            },
            options,
            fingerprint: fingerprint(current, &operations),
            summary,
            permission_set_operations,
            operations,
            risks,
        };
        let checksum = checksum(&body);
        PlanFile { body, checksum }
    }

    /// A plan with `body` and its correct checksum, for tests of the consistency checks that
    /// run after the checksum.
    #[cfg(test)]
    pub(crate) fn new_checked_for_tests(body: PlanBody) -> PlanFile {
        let checksum = checksum(&body);
        PlanFile { body, checksum }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a plan always serializes");
        text.push('\n');
        crate::text::json(text)
    }

    /// Reads and checks a plan: format, checksum, and that every operation is well formed.
    pub fn from_json(text: &str) -> Result<PlanFile, PlanFileError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| PlanFileError::Malformed(format!("not JSON ({e})")))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(PLAN_FORMAT) | Some(PLAN_FORMAT_V2) => {}
            Some(other) => {
                return Err(PlanFileError::Format {
                    found: other.to_owned(),
                })
            }
            None => {
                return Err(PlanFileError::Malformed(
                    "no \"format\" field (is this a snapshot or a mapping?)".to_owned(),
                ))
            }
        }
        let plan: PlanFile =
            serde_json::from_value(value).map_err(|e| PlanFileError::Malformed(e.to_string()))?;
        if checksum(&plan.body) != plan.checksum {
            return Err(PlanFileError::Tampered);
        }
        check_permission_set_operations(&plan.body).map_err(PlanFileError::Inconsistent)?;
        let mut seen = BTreeSet::new();
        let mut deletes_started = false;
        for (index, op) in plan.body.operations.iter().enumerate() {
            if op.id as usize != index + 1 {
                return Err(PlanFileError::Inconsistent(format!(
                    "operation {} is at position {}",
                    op.id,
                    index + 1
                )));
            }
            let assignment = op.assignment().map_err(PlanFileError::Inconsistent)?;
            if !seen.insert(assignment) {
                return Err(PlanFileError::Inconsistent(format!(
                    "operation {} repeats an earlier assignment",
                    op.id
                )));
            }
            match op.action {
                Action::Delete => deletes_started = true,
                Action::Create if deletes_started => {
                    return Err(PlanFileError::Inconsistent(format!(
                        "create {} comes after a delete",
                        op.id
                    )))
                }
                Action::Create => {}
            }
        }
        Ok(plan)
    }

    /// A few lines for the terminal.
    pub fn human_summary(&self) -> String {
        let body = &self.body;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} creates, {} deletes (retire old: {}; role deletion: {}) against {}",
            crate::humanize::thousands(body.summary.creates as u64),
            crate::humanize::thousands(body.summary.deletes as u64),
            on_off(body.options.retire_old),
            if body.options.allow_role_deletion {
                "allowed"
            } else {
                "held back"
            },
            body.target.instance_arn
        );
        if !body.permission_set_operations.is_empty() {
            let _ = writeln!(
                out,
                "first: create {} permission set{} and provision {} (account, permission set) pair{}",
                body.summary.permission_sets_created,
                if body.summary.permission_sets_created == 1 { "" } else { "s" },
                body.summary.provisionings,
                if body.summary.provisionings == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(
            out,
            "risks: {} high, {} medium, {} info",
            body.summary.high_risks, body.summary.medium_risks, body.summary.info
        );
        const SHOWN: usize = 10;
        for risk in body.risks.iter().take(SHOWN) {
            let _ = writeln!(
                out,
                "  {:<6} {}",
                risk.risk.severity.label(),
                crate::text::Inert(&risk.message)
            );
        }
        if body.risks.len() > SHOWN {
            let _ = writeln!(
                out,
                "  … {} more (see the plan, or render it with --format md)",
                body.risks.len() - SHOWN
            );
        }
        out
    }

    /// The plan as a Markdown review document for a change-approval ticket.
    pub fn to_markdown(&self) -> String {
        let body = &self.body;
        let mut out = String::new();
        let _ = writeln!(out, "# Identity Center cutover plan\n");
        let _ = writeln!(out, "| | |\n|---|---|");
        let _ = writeln!(out, "| Instance | `{}` |", body.target.instance_arn);
        let _ = writeln!(
            out,
            "| Identity store | `{}`{} |",
            body.target.identity_store_id,
            body.target
                .region
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "| Baseline captured | {} |",
            body.inputs.baseline_captured_at.to_rfc3339()
        );
        let _ = writeln!(
            out,
            "| Current captured | {} |",
            body.inputs.current_captured_at.to_rfc3339()
        );
        let _ = writeln!(out, "| Planned | {} |", body.created_at.to_rfc3339());
        let _ = writeln!(
            out,
            "| Options | retire old: {}; role deletion: {} |",
            on_off(body.options.retire_old),
            if body.options.allow_role_deletion {
                "allowed"
            } else {
                "held back"
            }
        );
        let _ = writeln!(
            out,
            "| Operations | {} creates, then {} deletes |",
            body.summary.creates, body.summary.deletes
        );
        let _ = writeln!(out, "| Plan checksum | `{}` |\n", self.checksum);

        let _ = writeln!(out, "## Risks\n");
        if body.risks.is_empty() {
            let _ = writeln!(out, "None.\n");
        } else {
            let _ = writeln!(out, "| Severity | Risk |\n|---|---|");
            for risk in &body.risks {
                let _ = writeln!(
                    out,
                    "| {} | {} |",
                    risk.risk.severity.label(),
                    escape(&risk.message)
                );
            }
            out.push('\n');
        }

        if !body.permission_set_operations.is_empty() {
            let _ = writeln!(out, "## Permission sets (created first)\n");
            let _ = writeln!(
                out,
                "| # | Action | Permission set | Detail |\n|---|---|---|---|"
            );
            for op in &body.permission_set_operations {
                let (action, detail) = match (&op.definition, &op.account_id) {
                    (Some(definition), _) => ("create", definition_summary(definition)),
                    (None, Some(account)) => (
                        "provision",
                        match &op.account_name {
                            Some(name) => format!("to {name} ({account})"),
                            None => format!("to {account}"),
                        },
                    ),
                    (None, None) => ("?", String::new()),
                };
                let _ = writeln!(
                    out,
                    "| P{} | {action} | {} | {} |",
                    op.id,
                    crate::text::markdown(&op.name),
                    crate::text::markdown(&detail)
                );
            }
            out.push('\n');
        }

        let _ = writeln!(out, "## Operations by account\n");
        let mut by_account: BTreeMap<String, Vec<&PlannedOperation>> = BTreeMap::new();
        for op in &body.operations {
            let heading = match (&op.account_id, &op.application_arn) {
                (Some(account), _) => match &op.account_name {
                    Some(name) => format!("{name} ({account})"),
                    None => account.to_string(),
                },
                (None, Some(_)) => "Applications".to_owned(),
                (None, None) => "?".to_owned(),
            };
            by_account.entry(heading).or_default().push(op);
        }
        if by_account.is_empty() {
            let _ = writeln!(out, "Nothing to do: the target is reached.");
        }
        for (heading, ops) in by_account {
            let creates = ops.iter().filter(|o| o.action == Action::Create).count();
            let _ = writeln!(
                out,
                "### {} — {} create{}, {} delete{}\n",
                escape(&heading),
                creates,
                if creates == 1 { "" } else { "s" },
                ops.len() - creates,
                if ops.len() - creates == 1 { "" } else { "s" }
            );
            let _ = writeln!(
                out,
                "| # | Action | Access | Principal | Because of |\n|---|---|---|---|---|"
            );
            for op in ops {
                let access = op
                    .permission_set_name
                    .clone()
                    .or_else(|| op.application_name.clone())
                    .unwrap_or_else(|| {
                        op.permission_set_arn
                            .as_ref()
                            .map(|a| a.to_string())
                            .or_else(|| op.application_arn.as_ref().map(|a| a.to_string()))
                            .unwrap_or_default()
                    });
                let action = match (op.action, op.empties_pair) {
                    (Action::Create, _) => "create",
                    (Action::Delete, false) => "delete",
                    (Action::Delete, true) => "delete ⚠ deletes role",
                };
                let because: Vec<String> = op
                    .because_of
                    .iter()
                    .map(|p| {
                        if p.name.is_empty() {
                            p.principal_id.to_string()
                        } else {
                            p.name.clone()
                        }
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} {} | {} |",
                    op.id,
                    action,
                    escape(&access),
                    op.principal_type,
                    escape(if op.principal_name.is_empty() {
                        op.principal_id.as_str()
                    } else {
                        &op.principal_name
                    }),
                    escape(&because.join(", "))
                );
            }
            out.push('\n');
        }
        out
    }
}

fn permission_set_operations(
    changeset: &Changeset,
    names: &Names<'_>,
) -> Vec<PermissionSetOperation> {
    let mut out = Vec::new();
    for creation in &changeset.permission_sets {
        out.push(PermissionSetOperation {
            id: 0,
            kind: PermissionSetKind::CreatePermissionSet,
            name: creation.definition.name.clone(),
            baseline_arn: creation.baseline_arn.clone(),
            definition: Some(creation.definition.clone()),
            account_id: None,
            account_name: None,
        });
    }
    for creation in &changeset.permission_sets {
        for account in &creation.provision_to {
            let name = names.account(account.as_str());
            out.push(PermissionSetOperation {
                id: 0,
                kind: PermissionSetKind::ProvisionPermissionSet,
                name: creation.definition.name.clone(),
                baseline_arn: creation.baseline_arn.clone(),
                definition: None,
                account_id: Some(account.clone()),
                account_name: (!name.is_empty()).then(|| name.to_owned()),
            });
        }
    }
    for (index, op) in out.iter_mut().enumerate() {
        op.id = index as u32 + 1;
    }
    out
}

/// Permission-set operations are numbered in order, every creation comes before the
/// provisionings, each names its own fields only, and a provisioning names a permission set
/// the plan creates.
fn check_permission_set_operations(body: &PlanBody) -> Result<(), String> {
    let ops = &body.permission_set_operations;
    if body.format == PLAN_FORMAT && !ops.is_empty() {
        return Err(format!(
            "a {PLAN_FORMAT} plan cannot hold permission-set operations"
        ));
    }
    let mut created: BTreeMap<&PermissionSetArn, &str> = BTreeMap::new();
    let mut names = BTreeSet::new();
    let mut provisioned = BTreeSet::new();
    let mut provisioning_started = false;
    for (index, op) in ops.iter().enumerate() {
        if op.id as usize != index + 1 {
            return Err(format!(
                "permission-set operation {} is at position {}",
                op.id,
                index + 1
            ));
        }
        match op.kind {
            PermissionSetKind::CreatePermissionSet => {
                let definition = op.definition.as_ref().ok_or_else(|| {
                    format!(
                        "permission-set operation {} creates without a definition",
                        op.id
                    )
                })?;
                if provisioning_started || op.account_id.is_some() || definition.name != op.name {
                    return Err(format!(
                        "permission-set operation {} is not a well-formed creation",
                        op.id
                    ));
                }
                if !names.insert(op.name.as_str())
                    || created.insert(&op.baseline_arn, op.name.as_str()).is_some()
                {
                    return Err(format!(
                        "permission-set operation {} creates {} a second time",
                        op.id, op.name
                    ));
                }
            }
            PermissionSetKind::ProvisionPermissionSet => {
                provisioning_started = true;
                let Some(account) = &op.account_id else {
                    return Err(format!(
                        "permission-set operation {} provisions to no account",
                        op.id
                    ));
                };
                if op.definition.is_some()
                    || created.get(&op.baseline_arn) != Some(&op.name.as_str())
                {
                    return Err(format!(
                        "permission-set operation {} provisions a permission set the plan does not create",
                        op.id
                    ));
                }
                if !provisioned.insert((&op.baseline_arn, account)) {
                    return Err(format!(
                        "permission-set operation {} repeats a provisioning",
                        op.id
                    ));
                }
            }
        }
    }
    Ok(())
}

impl PlanFile {
    /// The permission-set creations, in plan order.
    pub fn permission_set_creations(&self) -> impl Iterator<Item = &PermissionSetOperation> {
        self.body
            .permission_set_operations
            .iter()
            .filter(|op| op.kind == PermissionSetKind::CreatePermissionSet)
    }

    /// The plan with every baseline ARN of a created permission set replaced by its ARN in
    /// current (`created`: baseline ARN → current ARN), in the operations and the fingerprint.
    /// Operations on a permission set not yet created keep the baseline ARN, and their places
    /// are left out of the fingerprint's `touched` (there is nothing to read there yet). The
    /// checksum stays the plan's own: the journal belongs to the plan as written.
    pub fn resolved(&self, created: &BTreeMap<PermissionSetArn, PermissionSetArn>) -> PlanFile {
        let pending: BTreeSet<&PermissionSetArn> = self
            .permission_set_creations()
            .map(|op| &op.baseline_arn)
            .filter(|arn| !created.contains_key(*arn))
            .collect();
        let mut plan = self.clone();
        let swap = |arn: &mut Option<PermissionSetArn>| {
            if let Some(new) = arn.as_ref().and_then(|a| created.get(a)) {
                *arn = Some(new.clone());
            }
        };
        for op in &mut plan.body.operations {
            swap(&mut op.permission_set_arn);
        }
        plan.body.fingerprint.touched.retain(|t| {
            t.permission_set_arn
                .as_ref()
                .is_none_or(|a| !pending.contains(a))
        });
        for touched in &mut plan.body.fingerprint.touched {
            swap(&mut touched.permission_set_arn);
        }
        plan
    }

    /// Assignment operations whose permission set the plan creates and `created` does not
    /// know yet: they cannot run.
    pub fn waiting_for_permission_sets(
        &self,
        created: &BTreeMap<PermissionSetArn, PermissionSetArn>,
    ) -> usize {
        let pending: BTreeSet<&PermissionSetArn> = self
            .permission_set_creations()
            .map(|op| &op.baseline_arn)
            .filter(|arn| !created.contains_key(*arn))
            .collect();
        self.body
            .operations
            .iter()
            .filter(|op| {
                op.permission_set_arn
                    .as_ref()
                    .is_some_and(|a| pending.contains(a))
            })
            .count()
    }
}

fn on_off(flag: bool) -> &'static str {
    if flag {
        "on"
    } else {
        "off"
    }
}

/// One line saying what a permission set is made of.
pub fn definition_summary(definition: &PermissionSetDefinition) -> String {
    let mut parts = Vec::new();
    if let Some(duration) = &definition.session_duration {
        parts.push(format!("session {duration}"));
    }
    let count = |n: usize, what: &str| crate::humanize::counted(n, what);
    if !definition.managed_policy_arns.is_empty() {
        parts.push(count(
            definition.managed_policy_arns.len(),
            "AWS managed policy",
        ));
    }
    if !definition.customer_managed_policies.is_empty() {
        parts.push(count(
            definition.customer_managed_policies.len(),
            "customer managed policy",
        ));
    }
    if definition.inline_policy.is_some() {
        parts.push("inline policy".to_owned());
    }
    if definition.permissions_boundary.is_some() {
        parts.push("permissions boundary".to_owned());
    }
    if !definition.tags.is_empty() {
        parts.push(count(definition.tags.len(), "tag"));
    }
    if definition.relay_state.is_some() {
        parts.push("relay state".to_owned());
    }
    parts.join(", ")
}

/// A name for the review document: text, never markup ([`crate::text::markdown`]).
fn escape(text: &str) -> String {
    crate::text::markdown(text)
}

fn count(risks: &[Risk], severity: Severity) -> usize {
    risks.iter().filter(|r| r.severity == severity).count()
}

fn planned_risk(risk: &Risk) -> PlannedRisk {
    PlannedRisk {
        risk: StoredRisk {
            severity: risk.severity,
            kind: risk.kind.clone(),
        },
        message: risk.message(),
    }
}

fn planned_operation(id: u32, op: &super::Operation, names: &Names<'_>) -> PlannedOperation {
    let named = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    let assignment = &op.assignment;
    PlannedOperation {
        id,
        action: op.action,
        kind: match assignment {
            Assignment::Account(_) => Kind::AccountAssignment,
            Assignment::Application(_) => Kind::ApplicationAssignment,
        },
        account_id: assignment.account_id().cloned(),
        permission_set_arn: assignment.permission_set_arn().cloned(),
        application_arn: assignment.application_arn().cloned(),
        principal_type: assignment.principal_type(),
        principal_id: assignment.principal_id().clone(),
        principal_name: names
            .principal(
                assignment.principal_type(),
                assignment.principal_id().as_str(),
            )
            .to_owned(),
        account_name: assignment
            .account_id()
            .and_then(|a| named(names.account(a.as_str()))),
        permission_set_name: assignment
            .permission_set_arn()
            .and_then(|p| named(names.permission_set(p.as_str()))),
        application_name: assignment
            .application_arn()
            .and_then(|a| named(names.application(a.as_str()))),
        because_of: op.because_of.clone(),
        empties_pair: op.empties_pair,
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn checksum(body: &PlanBody) -> String {
    sha256(
        serde_json::to_string(body)
            .expect("a plan always serializes")
            .as_bytes(),
    )
}

/// The principals assigned at each wanted place in `snapshot`, sorted.
pub fn principals_by_place(
    snapshot: &Snapshot,
    wanted: &BTreeSet<Place>,
) -> BTreeMap<Place, Vec<Principal>> {
    let mut out: BTreeMap<Place, Vec<Principal>> =
        wanted.iter().map(|p| (p.clone(), Vec::new())).collect();
    let all = snapshot.assignments();
    for assignment in all {
        if let Some(list) = out.get_mut(&assignment.place()) {
            list.push(assignment.principal());
        }
    }
    for list in out.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    out
}

fn fingerprint(current: &Snapshot, operations: &[PlannedOperation]) -> Fingerprint {
    let mut hasher = Sha256::new();
    for a in &current.account_assignments {
        hasher.update(
            format!(
                "A\t{}\t{}\t{}\t{}\n",
                a.account_id, a.permission_set_arn, a.principal_type, a.principal_id
            )
            .as_bytes(),
        );
    }
    for a in &current.application_assignments {
        hasher.update(
            format!(
                "P\t{}\t{}\t{}\n",
                a.application_arn, a.principal_type, a.principal_id
            )
            .as_bytes(),
        );
    }
    let mut assignments = String::from("sha256:");
    for byte in hasher.finalize() {
        let _ = write!(assignments, "{byte:02x}");
    }
    let wanted: BTreeSet<Place> = operations
        .iter()
        .filter_map(|op| op.assignment().ok().map(|a| a.place()))
        .collect();
    let touched = principals_by_place(current, &wanted)
        .into_iter()
        .map(|(place, principals)| {
            let (account_id, permission_set_arn, application_arn) = match place {
                Place::Pair {
                    account_id,
                    permission_set_arn,
                } => (Some(account_id), Some(permission_set_arn), None),
                Place::Application { application_arn } => (None, None, Some(application_arn)),
            };
            Touched {
                account_id,
                permission_set_arn,
                application_arn,
                principals,
            }
        })
        .collect();
    let touched_sets: BTreeSet<&PermissionSetArn> = operations
        .iter()
        .filter_map(|op| op.permission_set_arn.as_ref())
        .collect();
    let provisioned = current
        .permission_sets
        .iter()
        .filter(|p| touched_sets.contains(&p.permission_set_arn))
        .map(|p| {
            let mut account_ids = p.provisioned_account_ids.clone();
            account_ids.sort();
            account_ids.dedup();
            Provisioned {
                permission_set_arn: p.permission_set_arn.clone(),
                name: p.name.clone(),
                account_ids,
            }
        })
        .collect();
    Fingerprint {
        assignments,
        account_assignments: current.account_assignments.len(),
        application_assignments: current.application_assignments.len(),
        touched,
        provisioned,
    }
}
