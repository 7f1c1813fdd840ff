//! Carrying permission sets and accounts to another instance: `create_permission_sets`, the
//! definition-differs risks, the account map, and the v2 plan file.

use super::file::{PermissionSetKind, PlanFile, PlanFileError, PLAN_FORMAT, PLAN_FORMAT_V2};
use super::*;
use crate::mapping::accounts::AccountMap;
use crate::mapping::Decision;
use crate::model::*;
use std::collections::BTreeMap;

pub(crate) const OLD_ACCOUNT: &str = "111111111111";
const NEW_ACCOUNT: &str = "555555555555";

fn instance(arn: &str, store: &str) -> InstanceInfo {
    InstanceInfo {
        instance_arn: arn.into(),
        identity_store_id: store.into(),
        region: None,
        owner_account_id: None,
    }
}

pub(crate) fn admin(arn: &str) -> PermissionSet {
    PermissionSet {
        permission_set_arn: arn.into(),
        name: "Admin".into(),
        description: Some("full access".into()),
        session_duration: Some("PT4H".into()),
        relay_state: Some("https://console.aws.amazon.com/".into()),
        managed_policies: vec![ManagedPolicy {
            arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
            name: None,
        }],
        customer_managed_policies: vec![CustomerManagedPolicy {
            name: "org-guardrails".into(),
            path: "/cutover/".into(),
        }],
        inline_policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#.into()),
        permissions_boundary: Some(PermissionsBoundary::CustomerManagedPolicy {
            name: "boundary".into(),
            path: "/".into(),
        }),
        tags: vec![Tag {
            key: "owner".into(),
            value: "platform".into(),
        }],
        provisioned_account_ids: vec![OLD_ACCOUNT.into()],
    }
}

fn read_only(arn: &str) -> PermissionSet {
    PermissionSet {
        permission_set_arn: arn.into(),
        name: "ReadOnly".into(),
        description: None,
        session_duration: Some("PT1H".into()),
        relay_state: None,
        managed_policies: vec![ManagedPolicy {
            arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
            name: None,
        }],
        customer_managed_policies: Vec::new(),
        inline_policy: None,
        permissions_boundary: None,
        tags: Vec::new(),
        provisioned_account_ids: vec![OLD_ACCOUNT.into()],
    }
}

fn user(id: &str, name: &str) -> User {
    User {
        user_id: id.into(),
        user_name: name.into(),
        display_name: None,
        name: None,
        emails: Vec::new(),
        external_ids: Vec::new(),
        status: None,
        profile: Default::default(),
    }
}

fn account(id: &str) -> Account {
    Account {
        account_id: id.into(),
        name: Some(format!("acct-{id}")),
        email: None,
        status: None,
    }
}

fn assignment(account_id: &str, arn: &str, user: &str) -> AccountAssignment {
    AccountAssignment {
        account_id: account_id.into(),
        permission_set_arn: arn.into(),
        principal_type: PrincipalType::User,
        principal_id: user.into(),
    }
}

/// The baseline instance: Admin and ReadOnly, two users assigned in one account.
pub(crate) fn baseline() -> Snapshot {
    let mut s = Snapshot::empty(
        instance("arn:aws:sso:::instance/ssoins-old", "d-old"),
        crate::fixture::captured_at(),
    );
    s.users = vec![user("u-ana", "ana"), user("u-bo", "bo")];
    s.permission_sets = vec![admin("arn:old/ps-admin"), read_only("arn:old/ps-ro")];
    s.accounts = vec![account(OLD_ACCOUNT)];
    s.account_assignments = vec![
        assignment(OLD_ACCOUNT, "arn:old/ps-admin", "u-ana"),
        assignment(OLD_ACCOUNT, "arn:old/ps-ro", "u-bo"),
    ];
    s.normalize();
    s
}

/// Another instance: the same people provisioned anew, no permission sets.
pub(crate) fn empty_instance(accounts: &[&str]) -> Snapshot {
    let mut s = Snapshot::empty(
        instance("arn:aws:sso:::instance/ssoins-new", "d-new"),
        crate::fixture::captured_at(),
    );
    s.users = vec![user("n-ana", "ana"), user("n-bo", "bo")];
    s.accounts = accounts.iter().map(|a| account(a)).collect();
    s.normalize();
    s
}

pub(crate) fn mapping() -> Mapping {
    let mut m = Mapping::new();
    for (old, new) in [("u-ana", "n-ana"), ("u-bo", "n-bo")] {
        m.insert(
            PrincipalId::from(old),
            crate::mapping::Entry {
                principal_type: PrincipalType::User,
                decision: Decision::Successor(PrincipalId::from(new)),
                method: None,
                note: None,
            },
        );
    }
    m
}

pub(crate) fn carrying() -> PlanOptions {
    PlanOptions {
        create_permission_sets: true,
        ..PlanOptions::default()
    }
}

#[test]
fn without_the_option_missing_permission_sets_stay_high_risks() {
    let (b, c) = (baseline(), empty_instance(&[OLD_ACCOUNT]));
    let changeset = plan(&b, &c, &mapping(), PlanOptions::default());
    assert!(changeset.permission_sets.is_empty());
    assert!(changeset.operations.is_empty());
    let missing = changeset
        .risks
        .iter()
        .filter(|r| matches!(r.kind, RiskKind::MissingPermissionSet { .. }))
        .count();
    assert_eq!(missing, 2);
    assert!(changeset.risks[0]
        .message()
        .contains("--create-permission-sets"));
}

#[test]
fn missing_permission_sets_are_created_with_their_whole_definition_before_the_assignments() {
    let (b, c) = (baseline(), empty_instance(&[OLD_ACCOUNT]));
    let changeset = plan(&b, &c, &mapping(), carrying());
    let created: Vec<(&str, &PermissionSetDefinition, Vec<&str>)> = changeset
        .permission_sets
        .iter()
        .map(|p| {
            (
                p.baseline_arn.as_str(),
                &p.definition,
                p.provision_to.iter().map(|a| a.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(created.len(), 2);
    assert_eq!(created[0].0, "arn:old/ps-admin");
    assert_eq!(*created[0].1, PermissionSetDefinition::of(&admin("x")));
    assert_eq!(created[0].2, [OLD_ACCOUNT]);
    assert_eq!(created[1].0, "arn:old/ps-ro");
    // The assignments on them name the baseline ARN until apply knows the new one.
    let targets: Vec<(&str, &str)> = changeset
        .operations
        .iter()
        .map(|op| match &op.assignment {
            Assignment::Account(a) => (a.permission_set_arn.as_str(), a.principal_id.as_str()),
            Assignment::Application(_) => unreachable!(),
        })
        .collect();
    assert_eq!(
        targets,
        [("arn:old/ps-admin", "n-ana"), ("arn:old/ps-ro", "n-bo")]
    );
    assert!(!changeset
        .risks
        .iter()
        .any(|r| matches!(r.kind, RiskKind::MissingPermissionSet { .. })));
}

#[test]
fn a_same_named_permission_set_is_never_recreated_and_each_differing_field_is_a_risk() {
    let b = baseline();
    let mut c = empty_instance(&[OLD_ACCOUNT]);
    let mut theirs = admin("arn:new/ps-admin");
    theirs.session_duration = Some("PT1H".into());
    theirs.tags.clear();
    c.permission_sets = vec![theirs, read_only("arn:new/ps-ro")];
    c.normalize();
    let changeset = plan(&b, &c, &mapping(), carrying());
    assert!(changeset.permission_sets.is_empty());
    let differs: Vec<(&str, Option<&str>, Option<&str>)> = changeset
        .risks
        .iter()
        .filter_map(|r| match &r.kind {
            RiskKind::PermissionSetDiffers {
                name, difference, ..
            } => {
                assert_eq!(name, "Admin");
                assert_eq!(r.severity, Severity::Medium);
                Some((
                    difference.field.as_str(),
                    difference.baseline.as_deref(),
                    difference.current.as_deref(),
                ))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        differs,
        [
            ("session_duration", Some("PT4H"), Some("PT1H")),
            ("tags", Some("owner=platform"), None)
        ]
    );
    // The assignments go onto the existing permission sets.
    assert!(changeset.operations.iter().all(|op| op
        .assignment
        .permission_set_arn()
        .is_some_and(|a| a.as_str().starts_with("arn:new/"))));
}

/// `current` after a complete apply of `changeset`: the permission sets created under new
/// ARNs, provisioned, and the assignments on them.
fn after_apply(current: &Snapshot, changeset: &Changeset) -> Snapshot {
    let mut out = current.clone();
    let mut arns = BTreeMap::new();
    for (index, creation) in changeset.permission_sets.iter().enumerate() {
        let arn = PermissionSetArn::from(format!("arn:new/created-{index}"));
        let source = baseline()
            .permission_sets
            .into_iter()
            .find(|p| p.permission_set_arn == creation.baseline_arn)
            .unwrap();
        out.permission_sets.push(PermissionSet {
            permission_set_arn: arn.clone(),
            provisioned_account_ids: creation.provision_to.clone(),
            ..source
        });
        arns.insert(creation.baseline_arn.clone(), arn);
    }
    for op in &changeset.operations {
        if let Assignment::Account(a) = &op.assignment {
            let mut a = a.clone();
            if let Some(arn) = arns.get(&a.permission_set_arn) {
                a.permission_set_arn = arn.clone();
            }
            out.account_assignments.push(a);
        }
    }
    out.normalize();
    out
}

#[test]
fn planning_again_after_the_permission_sets_and_assignments_exist_gives_nothing() {
    let (b, c) = (baseline(), empty_instance(&[OLD_ACCOUNT]));
    let changeset = plan(&b, &c, &mapping(), carrying());
    let done = after_apply(&c, &changeset);
    let again = plan(&b, &done, &mapping(), carrying());
    assert!(again.is_empty(), "{again:?}");
    assert!(!again
        .risks
        .iter()
        .any(|r| matches!(r.kind, RiskKind::PermissionSetDiffers { .. })));
}

#[test]
fn the_account_map_carries_assignments_and_provisioning_to_the_new_account_ids() {
    let b = baseline();
    let c = empty_instance(&[NEW_ACCOUNT]);
    let without = plan(&b, &c, &mapping(), carrying());
    assert!(without.operations.is_empty());
    assert!(without
        .risks
        .iter()
        .any(|r| matches!(&r.kind, RiskKind::MissingAccount { account_id, .. } if account_id.as_str() == OLD_ACCOUNT)));
    let map: AccountMap = [(AccountId::from(OLD_ACCOUNT), AccountId::from(NEW_ACCOUNT))]
        .into_iter()
        .collect();
    let with = plan_with_accounts(&b, &c, &mapping(), carrying(), Some(&map));
    let accounts: Vec<&str> = with
        .operations
        .iter()
        .filter_map(|op| op.assignment.account_id().map(|a| a.as_str()))
        .collect();
    assert_eq!(accounts, [NEW_ACCOUNT, NEW_ACCOUNT]);
    assert_eq!(
        with.permission_sets[0].provision_to,
        [AccountId::from(NEW_ACCOUNT)]
    );
    assert!(!with
        .risks
        .iter()
        .any(|r| matches!(r.kind, RiskKind::MissingAccount { .. })));
}

/// The plan file carrying `mapping()` from `b` to `c` with `--create-permission-sets`.
pub(crate) fn carrying_plan(b: &Snapshot, c: &Snapshot) -> PlanFile {
    let changeset = plan(b, c, &mapping(), carrying());
    PlanFile::new(
        &changeset,
        b,
        c,
        carrying(),
        None,
        crate::fixture::captured_at(),
    )
}

pub(crate) fn carried_plan() -> PlanFile {
    carrying_plan(&baseline(), &empty_instance(&[OLD_ACCOUNT]))
}

#[test]
fn a_plan_with_permission_sets_is_format_v2_and_lists_them_first() {
    let plan = carried_plan();
    assert_eq!(plan.body.format, PLAN_FORMAT_V2);
    let kinds: Vec<(u32, PermissionSetKind, &str)> = plan
        .body
        .permission_set_operations
        .iter()
        .map(|op| (op.id, op.kind, op.name.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (1, PermissionSetKind::CreatePermissionSet, "Admin"),
            (2, PermissionSetKind::CreatePermissionSet, "ReadOnly"),
            (3, PermissionSetKind::ProvisionPermissionSet, "Admin"),
            (4, PermissionSetKind::ProvisionPermissionSet, "ReadOnly"),
        ]
    );
    assert_eq!(plan.body.summary.permission_sets_created, 2);
    assert_eq!(plan.body.summary.provisionings, 2);
    let read = PlanFile::from_json(&plan.to_json()).unwrap();
    assert_eq!(read, plan);
    let markdown = plan.to_markdown();
    assert!(markdown.contains("## Permission sets (created first)"));
    assert!(markdown.contains("| P1 | create | Admin | session PT4H, 1 AWS managed policy, 1 customer managed policy, inline policy, permissions boundary, 1 tag, relay state |"));
    assert!(plan
        .human_summary()
        .contains("first: create 2 permission sets"));
}

#[test]
fn a_plan_without_permission_sets_stays_v1_byte_for_byte() {
    let (b, c) = (baseline(), empty_instance(&[OLD_ACCOUNT]));
    let changeset = plan(&b, &c, &mapping(), PlanOptions::default());
    let plan = PlanFile::new(
        &changeset,
        &b,
        &c,
        PlanOptions::default(),
        None,
        crate::fixture::captured_at(),
    );
    assert_eq!(plan.body.format, PLAN_FORMAT);
    let text = plan.to_json();
    for absent in [
        "permission_set_operations",
        "create_permission_sets",
        "permission_sets_created",
        "provisionings",
    ] {
        assert!(!text.contains(absent), "{absent} in a v1 plan");
    }
    // A v1 plan written before these fields existed still reads (its checksum covers the same
    // bytes).
    assert!(PlanFile::from_json(&text).is_ok());
}

#[test]
fn edited_permission_set_operations_are_refused() {
    let text = carried_plan().to_json();
    // A changed definition breaks the checksum.
    let edited = text.replacen("PT4H", "PT12H", 1);
    assert_eq!(PlanFile::from_json(&edited), Err(PlanFileError::Tampered));
    // A v1 label on a plan with permission sets is refused even with a matching checksum.
    let mut plan = carried_plan();
    plan.body.format = PLAN_FORMAT.to_owned();
    let relabelled = PlanFile::new_checked_for_tests(plan.body);
    assert!(matches!(
        PlanFile::from_json(&relabelled.to_json()),
        Err(PlanFileError::Inconsistent(message)) if message.contains("cannot hold permission-set operations")
    ));
    // A provisioning of a permission set the plan does not create.
    let mut plan = carried_plan();
    plan.body.permission_set_operations[2].baseline_arn = "arn:elsewhere".into();
    let orphan = PlanFile::new_checked_for_tests(plan.body);
    assert!(matches!(
        PlanFile::from_json(&orphan.to_json()),
        Err(PlanFileError::Inconsistent(message)) if message.contains("does not create")
    ));
}

#[test]
fn resolving_replaces_the_baseline_arn_once_the_permission_set_exists() {
    let plan = carried_plan();
    assert_eq!(plan.waiting_for_permission_sets(&BTreeMap::new()), 2);
    let created: BTreeMap<PermissionSetArn, PermissionSetArn> =
        [("arn:old/ps-admin".into(), "arn:new/ps-7".into())]
            .into_iter()
            .collect();
    assert_eq!(plan.waiting_for_permission_sets(&created), 1);
    let resolved = plan.resolved(&created);
    let arns: Vec<&str> = resolved
        .body
        .operations
        .iter()
        .filter_map(|op| op.permission_set_arn.as_ref().map(|a| a.as_str()))
        .collect();
    assert_eq!(arns, ["arn:new/ps-7", "arn:old/ps-ro"]);
    // The place of the permission set not created yet is not read.
    let touched: Vec<&str> = resolved
        .body
        .fingerprint
        .touched
        .iter()
        .filter_map(|t| t.permission_set_arn.as_ref().map(|a| a.as_str()))
        .collect();
    assert_eq!(touched, ["arn:new/ps-7"]);
    assert_eq!(resolved.checksum, plan.checksum);
}
