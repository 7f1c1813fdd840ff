//! `cutover verify`: is a plan's target reached in a freshly loaded state?
//!
//! Pure: the plan and a snapshot in, a [`Verification`] out. Every operation is checked against
//! the snapshot itself, not against a journal: a create's assignment must exist, a delete's must
//! be gone. The plan's fingerprint also records, for every permission set it touches, the
//! accounts it was provisioned to when the plan was made; accounts lost since (the IAM role was
//! deleted there) or gained are reported next to the remaining operations.

use crate::humanize::plural;
use crate::model::*;
use crate::plan::file::{
    Kind, PermissionSetKind, PermissionSetOperation, PlanFile, PlannedOperation,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the plan is for instance {plan_instance} (identity store {plan_store}), but the state loaded is of instance {loaded_instance} (identity store {loaded_store}): verify the plan against the instance it was made for (--instance-arn, --region, --profile, or the right --current file)")]
    OtherInstance {
        plan_instance: String,
        plan_store: String,
        loaded_instance: String,
        loaded_store: String,
    },
}

/// One plan operation that is not in effect in the loaded state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remaining<'p> {
    pub op: &'p PlannedOperation,
    /// A delete that, with the other remaining deletes in its (account, permission set) pair,
    /// empties the pair while the plan does not allow role deletion: `apply` holds the last one
    /// back, and only a plan made with `--allow-role-deletion` runs it.
    pub held_back: bool,
}

/// An account a permission set was provisioned to when the plan was made and is no more, or
/// the other way round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountChange {
    pub account_id: AccountId,
    pub account_name: Option<String>,
    /// The plan itself explains it: it deletes in that pair (lost) or creates there (gained).
    pub by_plan: bool,
}

/// How a permission set's provisioning differs from the plan's fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvisioningChange {
    pub permission_set_arn: PermissionSetArn,
    pub name: String,
    /// The permission set is not in the loaded state at all.
    pub missing: bool,
    /// Provisioned then, not now: the IAM role `AWSReservedSSO_<name>_<suffix>` was deleted
    /// there; a later assignment recreates it with a new suffix.
    pub lost: Vec<AccountChange>,
    /// Provisioned now, not then.
    pub gained: Vec<AccountChange>,
}

/// A permission-set operation whose effect is not in the loaded state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemainingPermissionSet<'p> {
    pub op: &'p PermissionSetOperation,
    /// Why, for a human: not there, another definition (the fields), not provisioned.
    pub reason: String,
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification<'p> {
    /// Permission-set operations not in effect, in plan order.
    pub permission_sets: Vec<RemainingPermissionSet<'p>>,
    pub operations: usize,
    /// In plan order.
    pub remaining: Vec<Remaining<'p>>,
    /// In the plan fingerprint's order (by permission set ARN).
    pub provisioning: Vec<ProvisioningChange>,
    pub allow_role_deletion: bool,
}

impl Verification<'_> {
    /// Nothing is left to do.
    pub fn reached(&self) -> bool {
        self.remaining.is_empty() && self.permission_sets.is_empty()
    }

    pub fn held_back(&self) -> usize {
        self.remaining.iter().filter(|r| r.held_back).count()
    }

    /// The report for the terminal: remaining operations grouped by account (names from the
    /// plan), how to finish, and provisioning changes. Inert: names come from the IdP.
    pub fn render(&self, plan_path: &str) -> String {
        crate::text::inert_lines(&self.render_raw(plan_path)).into_owned()
    }

    fn render_raw(&self, plan_path: &str) -> String {
        let mut out = String::new();
        if !self.permission_sets.is_empty() {
            let _ = writeln!(
                out,
                "{} permission-set operation{} not in effect yet:",
                self.permission_sets.len(),
                plural(self.permission_sets.len())
            );
            for remaining in &self.permission_sets {
                let _ = writeln!(
                    out,
                    "    P{:<4} {}",
                    remaining.op.id,
                    crate::text::inert(&remaining.reason)
                );
            }
            out.push('\n');
        }
        if self.remaining.is_empty() && !self.permission_sets.is_empty() {
            let _ = writeln!(
                out,
                "Every assignment operation is in effect; run `cutover apply {plan_path}` again for the permission sets."
            );
        } else if self.reached() {
            let _ = writeln!(
                out,
                "The plan's target is reached: all {} operations are in effect.",
                self.operations
            );
        } else {
            let creates = self
                .remaining
                .iter()
                .filter(|r| r.op.action == Action::Create)
                .count();
            let deletes = self.remaining.len() - creates;
            let _ = writeln!(
                out,
                "{} of {} operations are not in effect yet ({} create{}, {} delete{}):",
                self.remaining.len(),
                self.operations,
                creates,
                plural(creates),
                deletes,
                plural(deletes)
            );
            let mut by_heading: BTreeMap<(u8, String), Vec<&Remaining>> = BTreeMap::new();
            for remaining in &self.remaining {
                by_heading
                    .entry(heading(remaining.op))
                    .or_default()
                    .push(remaining);
            }
            for ((_, heading), ops) in by_heading {
                let _ = writeln!(out, "\n  {heading}");
                for remaining in ops {
                    let op = remaining.op;
                    let access = op
                        .permission_set_name
                        .clone()
                        .or_else(|| op.application_name.clone())
                        .or_else(|| op.permission_set_arn.as_ref().map(|a| a.to_string()))
                        .or_else(|| op.application_arn.as_ref().map(|a| a.to_string()))
                        .unwrap_or_default();
                    let who = if op.principal_name.is_empty() {
                        op.principal_id.to_string()
                    } else {
                        format!("{} ({})", op.principal_name, op.principal_id)
                    };
                    let action = match op.action {
                        Action::Create => "create",
                        Action::Delete => "delete",
                    };
                    let _ = writeln!(
                        out,
                        "    #{:<5} {action:<6} {access}  {} {who}{}",
                        op.id,
                        op.principal_type,
                        if remaining.held_back {
                            "  (empties the pair: held back)"
                        } else {
                            ""
                        }
                    );
                }
            }
            out.push('\n');
            let held_back = self.held_back();
            if held_back < self.remaining.len() {
                let _ = writeln!(
                    out,
                    "To finish: run `cutover apply {plan_path}` again; it does only what is not done yet."
                );
            }
            if held_back > 0 {
                let _ = writeln!(
                    out,
                    "{held_back} delete{} would empty {} (account, permission set) pair, which deletes the permission set's IAM role there: `apply` holds the last delete of such a pair back. If that is intended, plan again with --allow-role-deletion and apply the new plan.",
                    plural(held_back),
                    if held_back == 1 { "its" } else { "their" },
                );
            }
        }
        if !self.provisioning.is_empty() {
            let _ = writeln!(
                out,
                "\nProvisioning changed since the plan was made (permission sets the plan touches):"
            );
            for change in &self.provisioning {
                let name = if change.name.is_empty() {
                    change.permission_set_arn.to_string()
                } else {
                    change.name.clone()
                };
                if change.missing {
                    let _ = writeln!(
                        out,
                        "  {name}: the permission set no longer exists ({})",
                        change.permission_set_arn
                    );
                    continue;
                }
                for lost in &change.lost {
                    let _ = writeln!(
                        out,
                        "  {name}: no longer provisioned to {}: its IAM role there was deleted; a new assignment recreates it with a new suffix, and policies naming the old role ARN no longer match{}",
                        account_label(lost),
                        if lost.by_plan {
                            " (the plan deletes there)"
                        } else {
                            " (not by this plan)"
                        }
                    );
                }
                for gained in &change.gained {
                    let _ = writeln!(
                        out,
                        "  {name}: now also provisioned to {}{}",
                        account_label(gained),
                        if gained.by_plan {
                            " (the plan creates there)"
                        } else {
                            " (not by this plan)"
                        }
                    );
                }
            }
        }
        out
    }
}

fn account_label(change: &AccountChange) -> String {
    match &change.account_name {
        Some(name) => format!("{name} ({})", change.account_id),
        None => change.account_id.to_string(),
    }
}

/// Accounts first (by name as the plan has it, then id), applications last.
fn heading(op: &PlannedOperation) -> (u8, String) {
    match (&op.account_id, op.kind) {
        (Some(account), Kind::AccountAssignment) => (
            0,
            match &op.account_name {
                Some(name) => format!("{name} ({account})"),
                None => account.to_string(),
            },
        ),
        _ => (1, "Applications".to_owned()),
    }
}

/// Checks `plan` against `now`, a fresh load of the instance it was made for.
pub fn verify<'p>(plan: &'p PlanFile, now: &Snapshot) -> Result<Verification<'p>, VerifyError> {
    let body = &plan.body;
    if body.target.instance_arn != now.instance.instance_arn {
        return Err(VerifyError::OtherInstance {
            plan_instance: body.target.instance_arn.clone(),
            plan_store: body.target.identity_store_id.clone(),
            loaded_instance: now.instance.instance_arn.clone(),
            loaded_store: now.instance.identity_store_id.clone(),
        });
    }
    // A permission set the plan creates is found by its name (unique in an instance).
    let now_by_name: HashMap<&str, &PermissionSet> = now
        .permission_sets
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let created: HashMap<&PermissionSetArn, &PermissionSetArn> = plan
        .permission_set_creations()
        .filter_map(|op| {
            now_by_name
                .get(op.name.as_str())
                .map(|p| (&op.baseline_arn, &p.permission_set_arn))
        })
        .collect();
    let permission_sets = body
        .permission_set_operations
        .iter()
        .filter_map(|op| permission_set_remaining(op, now_by_name.get(op.name.as_str()).copied()))
        .collect();
    let existing: HashSet<Assignment> = now
        .account_assignments
        .iter()
        .cloned()
        .map(Assignment::Account)
        .chain(
            now.application_assignments
                .iter()
                .cloned()
                .map(Assignment::Application),
        )
        .collect();

    // (operation, its assignment) for every operation not in effect.
    let pending: Vec<(&PlannedOperation, Assignment)> = body
        .operations
        .iter()
        .filter_map(|op| {
            // A plan read by `PlanFile::from_json` has only well-formed operations; one that is
            // not cannot be in effect either.
            let mut assignment = op.assignment().ok()?;
            if let Assignment::Account(a) = &mut assignment {
                if let Some(arn) = created.get(&a.permission_set_arn) {
                    a.permission_set_arn = (*arn).clone();
                }
            }
            let present = existing.contains(&assignment);
            let done = match op.action {
                Action::Create => present,
                Action::Delete => !present,
            };
            (!done).then_some((op, assignment))
        })
        .collect();

    // Pairs whose remaining deletes empty them (after the remaining creates there ran).
    let mut emptied: HashSet<Place> = HashSet::new();
    if !body.options.allow_role_deletion {
        let mut remaining_at: HashMap<Place, (usize, usize)> = HashMap::new();
        for (op, assignment) in &pending {
            if let place @ Place::Pair { .. } = assignment.place() {
                let entry = remaining_at.entry(place).or_default();
                match op.action {
                    Action::Create => entry.0 += 1,
                    Action::Delete => entry.1 += 1,
                }
            }
        }
        let mut now_at: HashMap<Place, usize> = HashMap::new();
        for a in &now.account_assignments {
            let place = Place::Pair {
                account_id: a.account_id.clone(),
                permission_set_arn: a.permission_set_arn.clone(),
            };
            if remaining_at.contains_key(&place) {
                *now_at.entry(place).or_default() += 1;
            }
        }
        for (place, (creates, deletes)) in remaining_at {
            let after_creates = now_at.get(&place).copied().unwrap_or(0) + creates;
            if deletes > 0 && deletes >= after_creates {
                emptied.insert(place);
            }
        }
    }
    let remaining = pending
        .into_iter()
        .map(|(op, assignment)| Remaining {
            op,
            held_back: op.action == Action::Delete && emptied.contains(&assignment.place()),
        })
        .collect();

    Ok(Verification {
        permission_sets,
        operations: body.operations.len(),
        remaining,
        provisioning: provisioning_changes(plan, now),
        allow_role_deletion: body.options.allow_role_deletion,
    })
}

/// Why a permission-set operation is not in effect in `found` (the loaded permission set of its
/// name), or `None` when it is.
fn permission_set_remaining<'p>(
    op: &'p PermissionSetOperation,
    found: Option<&PermissionSet>,
) -> Option<RemainingPermissionSet<'p>> {
    let reason = match (op.kind, found, &op.definition, &op.account_id) {
        (_, None, _, _) => format!("permission set {} does not exist", op.name),
        (PermissionSetKind::CreatePermissionSet, Some(found), Some(planned), _) => {
            let differences =
                crate::model::definition::differences(planned, &PermissionSetDefinition::of(found));
            if differences.is_empty() {
                return None;
            }
            format!(
                "permission set {} differs from the plan's definition in {}",
                op.name,
                differences
                    .iter()
                    .map(|d| d.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        (PermissionSetKind::ProvisionPermissionSet, Some(found), _, Some(account)) => {
            if found.provisioned_account_ids.contains(account) {
                return None;
            }
            format!(
                "permission set {} is not provisioned to {}",
                op.name,
                op.account_name
                    .as_deref()
                    .map(|n| format!("{n} ({account})"))
                    .unwrap_or_else(|| account.to_string())
            )
        }
        // `PlanFile::from_json` refuses operations without their fields.
        _ => return None,
    };
    Some(RemainingPermissionSet { op, reason })
}

fn provisioning_changes(plan: &PlanFile, now: &Snapshot) -> Vec<ProvisioningChange> {
    let body = &plan.body;
    let by_arn: HashMap<&PermissionSetArn, &PermissionSet> = now
        .permission_sets
        .iter()
        .map(|p| (&p.permission_set_arn, p))
        .collect();
    // Account names: the plan's first, then the loaded state's.
    let mut names: HashMap<&AccountId, &str> = now
        .accounts
        .iter()
        .filter_map(|a| a.name.as_deref().map(|n| (&a.account_id, n)))
        .collect();
    for op in &body.operations {
        if let (Some(id), Some(name)) = (&op.account_id, &op.account_name) {
            names.insert(id, name);
        }
    }
    let touched_by = |action: Action| -> BTreeSet<(&AccountId, &PermissionSetArn)> {
        body.operations
            .iter()
            .filter(|op| op.action == action)
            .filter_map(|op| Some((op.account_id.as_ref()?, op.permission_set_arn.as_ref()?)))
            .collect()
    };
    let deleted_in = touched_by(Action::Delete);
    let created_in = touched_by(Action::Create);
    let change = |account_id: &AccountId, by_plan: bool| AccountChange {
        account_id: account_id.clone(),
        account_name: names.get(account_id).map(|n| (*n).to_owned()),
        by_plan,
    };

    let mut out = Vec::new();
    for then in &body.fingerprint.provisioned {
        let Some(now_set) = by_arn.get(&then.permission_set_arn) else {
            out.push(ProvisioningChange {
                permission_set_arn: then.permission_set_arn.clone(),
                name: then.name.clone(),
                missing: true,
                lost: Vec::new(),
                gained: Vec::new(),
            });
            continue;
        };
        let before: BTreeSet<&AccountId> = then.account_ids.iter().collect();
        let after: BTreeSet<&AccountId> = now_set.provisioned_account_ids.iter().collect();
        let arn = &then.permission_set_arn;
        let lost: Vec<AccountChange> = before
            .difference(&after)
            .map(|a| change(a, deleted_in.contains(&(*a, arn))))
            .collect();
        let gained: Vec<AccountChange> = after
            .difference(&before)
            .map(|a| change(a, created_in.contains(&(*a, arn))))
            .collect();
        if !lost.is_empty() || !gained.is_empty() {
            out.push(ProvisioningChange {
                permission_set_arn: arn.clone(),
                name: then.name.clone(),
                missing: false,
                lost,
                gained,
            });
        }
    }
    out
}

/// `snapshot` with `plan`'s operations applied (the state a complete `apply` leaves), for tests
/// and dry runs. Provisioning is left as it is.
pub fn applied(plan: &PlanFile, snapshot: &Snapshot) -> Snapshot {
    let mut out = snapshot.clone();
    let mut account: BTreeSet<AccountAssignment> =
        out.account_assignments.iter().cloned().collect();
    let mut application: BTreeSet<ApplicationAssignment> =
        out.application_assignments.iter().cloned().collect();
    for op in &plan.body.operations {
        match (op.action, op.assignment()) {
            (Action::Create, Ok(Assignment::Account(a))) => {
                account.insert(a);
            }
            (Action::Delete, Ok(Assignment::Account(a))) => {
                account.remove(&a);
            }
            (Action::Create, Ok(Assignment::Application(a))) => {
                application.insert(a);
            }
            (Action::Delete, Ok(Assignment::Application(a))) => {
                application.remove(&a);
            }
            (_, Err(_)) => {}
        }
    }
    out.account_assignments = account.into_iter().collect();
    out.application_assignments = application.into_iter().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::demo::{demo_ground_truth, load_demo, DemoOrg};
    use crate::mapping::{Decision, Mapping};
    use crate::plan::{self, PlanOptions};

    fn mapping() -> Mapping {
        let truth = demo_ground_truth();
        let mut mapping = Mapping::new();
        for (old, new) in &truth.user_successors {
            let decision = match new {
                Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
                None => Decision::NoSuccessor,
            };
            mapping.decide(PrincipalType::User, old.as_str().into(), decision, None);
        }
        for (old, new) in &truth.group_successors {
            let decision = match new {
                Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
                None => Decision::NoSuccessor,
            };
            mapping.decide(PrincipalType::Group, old.as_str().into(), decision, None);
        }
        mapping
    }

    fn demo_plan(org: &DemoOrg, allow_role_deletion: bool) -> PlanFile {
        let options = PlanOptions {
            retire_old: true,
            allow_role_deletion,
            ..PlanOptions::default()
        };
        let changeset = plan::plan(&org.baseline, &org.current, &mapping(), options);
        PlanFile::new(
            &changeset,
            &org.baseline,
            &org.current,
            options,
            None,
            crate::fixture::captured_at(),
        )
    }

    #[test]
    fn before_apply_every_operation_remains_and_after_it_none() {
        let org = load_demo();
        let plan = demo_plan(&org, false);
        assert!(plan.body.summary.creates > 0 && plan.body.summary.deletes > 0);

        let before = verify(&plan, &org.current).unwrap();
        assert_eq!(before.remaining.len(), plan.body.operations.len());
        assert!(!before.reached());
        assert!(before.provisioning.is_empty());

        let done = applied(&plan, &org.current);
        let after = verify(&plan, &done).unwrap();
        assert!(after.reached(), "{}", after.render("plan.json"));
        assert!(after
            .render("plan.json")
            .starts_with("The plan's target is reached"));
    }

    #[test]
    fn a_partly_applied_plan_lists_exactly_what_is_left_grouped_by_account() {
        let org = load_demo();
        let plan = demo_plan(&org, true);
        let mut half = applied(&plan, &org.current);
        // Undo the first create and the last delete.
        let first = plan.body.operations.first().unwrap();
        let last = plan.body.operations.last().unwrap();
        assert_eq!(
            (first.action, last.action),
            (Action::Create, Action::Delete)
        );
        let Ok(Assignment::Account(created)) = first.assignment() else {
            panic!("the demo's first operation is an account assignment")
        };
        half.account_assignments.retain(|a| a != &created);
        match last.assignment().unwrap() {
            Assignment::Account(a) => half.account_assignments.push(a),
            Assignment::Application(a) => half.application_assignments.push(a),
        }
        let verification = verify(&plan, &half).unwrap();
        let ids: Vec<u32> = verification.remaining.iter().map(|r| r.op.id).collect();
        assert_eq!(ids, vec![first.id, last.id]);
        assert_eq!(verification.held_back(), 0, "role deletion is allowed");
        let report = verification.render("plan.json");
        assert!(report.contains("2 of "), "{report}");
        assert!(report.contains("1 create, 1 delete"), "{report}");
        assert!(
            report.contains(&format!(
                "{} ({})",
                first.account_name.as_deref().unwrap(),
                first.account_id.as_ref().unwrap()
            )),
            "{report}"
        );
        assert!(
            report.contains(&format!("#{:<5} create", first.id)),
            "{report}"
        );
        assert!(report.contains(&first.principal_name), "{report}");
        assert!(report.contains("cutover apply plan.json"), "{report}");
    }

    #[test]
    fn a_delete_that_would_empty_its_pair_is_held_back_and_needs_a_new_plan() {
        let org = load_demo();
        // Only a leaver with direct assignments is decided: the plan deletes them and creates
        // nothing.
        let truth = demo_ground_truth();
        let leaver = truth
            .user_successors
            .iter()
            .filter(|(_, new)| new.is_none())
            .find(|(old, _)| {
                org.current
                    .account_assignments
                    .iter()
                    .any(|a| a.principal_id.as_str() == old.as_str())
            })
            .map(|(old, _)| old.clone())
            .expect("a demo leaver holds direct assignments");
        let mut mapping = Mapping::new();
        mapping.decide(
            PrincipalType::User,
            leaver.as_str().into(),
            Decision::NoSuccessor,
            None,
        );
        let options = PlanOptions {
            retire_old: true,
            allow_role_deletion: false,
            ..PlanOptions::default()
        };
        let changeset = plan::plan(&org.baseline, &org.current, &mapping, options);
        let plan = PlanFile::new(
            &changeset,
            &org.baseline,
            &org.current,
            options,
            None,
            crate::fixture::captured_at(),
        );
        assert_eq!(plan.body.summary.creates, 0);
        let last = plan
            .body
            .operations
            .iter()
            .find(|op| op.kind == Kind::AccountAssignment)
            .expect("a delete of an account assignment");
        let Ok(Assignment::Account(kept)) = last.assignment() else {
            panic!("an account assignment")
        };
        // Everything done, and this delete's assignment is the last one in its pair, as
        // `apply` leaves it when role deletion is not allowed.
        let mut state = applied(&plan, &org.current);
        state.account_assignments.retain(|a| {
            (&a.account_id, &a.permission_set_arn) != (&kept.account_id, &kept.permission_set_arn)
        });
        state.account_assignments.push(kept);
        let verification = verify(&plan, &state).unwrap();
        assert_eq!(verification.remaining.len(), 1);
        assert_eq!(verification.remaining[0].op.id, last.id);
        assert!(verification.remaining[0].held_back);
        let report = verification.render("plan.json");
        assert!(report.contains("held back"), "{report}");
        assert!(report.contains("--allow-role-deletion"), "{report}");
        assert!(!report.contains("cutover apply"), "{report}");

        // With another principal still in the pair the delete does not empty it: apply runs it.
        let mut shared = state.clone();
        let mut other = shared.account_assignments.last().unwrap().clone();
        other.principal_id = "someone-else".into();
        shared.account_assignments.push(other);
        let verification = verify(&plan, &shared).unwrap();
        assert_eq!(verification.held_back(), 0);
        assert!(verification.render("p").contains("cutover apply p"));
    }

    #[test]
    fn a_plan_for_another_instance_is_refused() {
        let org = load_demo();
        let plan = demo_plan(&org, false);
        let mut other = org.current.clone();
        other.instance.instance_arn = "arn:aws:sso:::instance/ssoins-0000000000000000".into();
        let error = verify(&plan, &other).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("ssoins-7223a1b2c3d4e5f6"), "{message}");
        assert!(message.contains("ssoins-0000000000000000"), "{message}");
    }

    #[test]
    fn provisioning_lost_and_gained_accounts_are_reported_with_their_cause() {
        let org = load_demo();
        let plan = demo_plan(&org, true);
        let provisioned = &plan.body.fingerprint.provisioned;
        assert!(!provisioned.is_empty());
        let mut now = applied(&plan, &org.current);
        // Take one account away from the first permission set the plan touches, add another.
        let target = &provisioned[0];
        let lost = target.account_ids[0].clone();
        let gained = AccountId::from("999999999999");
        let set = now
            .permission_sets
            .iter_mut()
            .find(|p| p.permission_set_arn == target.permission_set_arn)
            .unwrap();
        set.provisioned_account_ids.retain(|a| a != &lost);
        set.provisioned_account_ids.push(gained.clone());
        // And remove the second permission set entirely.
        let missing = provisioned.get(1).map(|p| p.permission_set_arn.clone());
        if let Some(arn) = &missing {
            now.permission_sets.retain(|p| &p.permission_set_arn != arn);
        }

        let verification = verify(&plan, &now).unwrap();
        assert!(verification.reached(), "provisioning does not make work");
        let change = &verification.provisioning[0];
        assert_eq!(change.permission_set_arn, target.permission_set_arn);
        assert_eq!(
            change
                .lost
                .iter()
                .map(|c| &c.account_id)
                .collect::<Vec<_>>(),
            vec![&lost]
        );
        assert_eq!(
            change.gained,
            vec![AccountChange {
                account_id: gained,
                account_name: None,
                by_plan: false
            }]
        );
        let deletes_there = plan.body.operations.iter().any(|op| {
            op.action == Action::Delete
                && op.account_id.as_ref() == Some(&lost)
                && op.permission_set_arn.as_ref() == Some(&target.permission_set_arn)
        });
        assert_eq!(change.lost[0].by_plan, deletes_there);
        assert!(change.lost[0].account_name.is_some());
        if let Some(arn) = missing {
            assert!(verification
                .provisioning
                .iter()
                .any(|c| c.permission_set_arn == arn && c.missing));
        }
        let report = verification.render("plan.json");
        assert!(report.contains("IAM role there was deleted"), "{report}");
        assert!(
            report.contains("999999999999 (not by this plan)"),
            "{report}"
        );
    }
}
