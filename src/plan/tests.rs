//! Planner tests: a reference planner written straight from the definitions (sets, no
//! counters) checks the incremental one on random worlds and random edit sequences; scenario
//! tests follow the transitions of DOMAIN.md.

use super::*;
use crate::mapping::{Decision, Mapping};
use crate::model::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------------
// The reference: target = (current − retired) ∪ translated; ops = diff(current, target).

fn translate_permission_set(
    baseline: &Snapshot,
    current: &Snapshot,
    arn: &PermissionSetArn,
) -> Option<PermissionSetArn> {
    if current
        .permission_sets
        .iter()
        .any(|p| &p.permission_set_arn == arn)
    {
        return Some(arn.clone());
    }
    let name = &baseline
        .permission_sets
        .iter()
        .find(|p| &p.permission_set_arn == arn)?
        .name;
    let mut same_name = current.permission_sets.iter().filter(|p| &p.name == name);
    let only = same_name.next()?;
    same_name
        .next()
        .is_none()
        .then(|| only.permission_set_arn.clone())
}

fn translate_application(
    baseline: &Snapshot,
    current: &Snapshot,
    arn: &ApplicationArn,
) -> Option<ApplicationArn> {
    if current
        .applications
        .iter()
        .any(|a| &a.application_arn == arn)
    {
        return Some(arn.clone());
    }
    let name = &baseline
        .applications
        .iter()
        .find(|a| &a.application_arn == arn)?
        .name;
    let mut same_name = current.applications.iter().filter(|a| &a.name == name);
    let only = same_name.next()?;
    same_name
        .next()
        .is_none()
        .then(|| only.application_arn.clone())
}

fn all_assignments(snapshot: &Snapshot) -> BTreeSet<Assignment> {
    snapshot.assignments().collect()
}

fn reference_target(
    baseline: &Snapshot,
    current: &Snapshot,
    mapping: &Mapping,
    options: PlanOptions,
) -> BTreeSet<Assignment> {
    let accounts: BTreeSet<&AccountId> = current.accounts.iter().map(|a| &a.account_id).collect();
    let mut translated = BTreeSet::new();
    for a in &baseline.account_assignments {
        let Some(successor) = mapping.successor(&a.principal_id) else {
            continue;
        };
        if mapping.get(&a.principal_id).unwrap().principal_type != a.principal_type {
            continue;
        }
        if !accounts.is_empty() && !accounts.contains(&a.account_id) {
            continue;
        }
        if let Some(arn) = translate_permission_set(baseline, current, &a.permission_set_arn) {
            translated.insert(Assignment::Account(AccountAssignment {
                account_id: a.account_id.clone(),
                permission_set_arn: arn,
                principal_type: a.principal_type,
                principal_id: successor.clone(),
            }));
        }
    }
    for a in &baseline.application_assignments {
        let Some(successor) = mapping.successor(&a.principal_id) else {
            continue;
        };
        if let Some(arn) = translate_application(baseline, current, &a.application_arn) {
            translated.insert(Assignment::Application(ApplicationAssignment {
                application_arn: arn,
                principal_type: a.principal_type,
                principal_id: successor.clone(),
            }));
        }
    }
    let mut target: BTreeSet<Assignment> = all_assignments(current)
        .into_iter()
        .filter(|a| !(options.retire_old && mapping.decision(a.principal_id()).is_some()))
        .collect();
    target.extend(translated);
    target
}

fn apply(current: &Snapshot, changeset: &Changeset) -> BTreeSet<Assignment> {
    let mut state = all_assignments(current);
    for op in &changeset.operations {
        match op.action {
            Action::Create => assert!(
                state.insert(op.assignment.clone()),
                "create of a present assignment: {op:?}"
            ),
            Action::Delete => assert!(
                state.remove(&op.assignment),
                "delete of an absent assignment: {op:?}"
            ),
        }
    }
    state
}

fn with_assignments(snapshot: &Snapshot, assignments: &BTreeSet<Assignment>) -> Snapshot {
    let mut out = snapshot.clone();
    out.account_assignments.clear();
    out.application_assignments.clear();
    for a in assignments {
        match a {
            Assignment::Account(a) => out.account_assignments.push(a.clone()),
            Assignment::Application(a) => out.application_assignments.push(a.clone()),
        }
    }
    out.normalize();
    out
}

// ---------------------------------------------------------------------------------------------
// Random worlds: old users/groups in the baseline, new ones in current (the old ones linger in
// current when `lingering`), permission sets that are recreated under new ARNs with the same
// name or dropped, an account that left the organization.

const OLD_USERS: usize = 5;
const OLD_GROUPS: usize = 3;
const NEW_USERS: usize = 4;
const NEW_GROUPS: usize = 3;

fn user(id: &str) -> User {
    User {
        user_id: UserId::from(id),
        user_name: format!("{id}@example.com"),
        display_name: None,
        name: None,
        emails: Vec::new(),
        external_ids: Vec::new(),
        status: None,
        profile: Default::default(),
    }
}

fn group(id: &str) -> Group {
    Group {
        group_id: GroupId::from(id),
        display_name: format!("group {id}"),
        description: None,
        external_ids: Vec::new(),
    }
}

fn permission_set(arn: &str, name: &str) -> PermissionSet {
    PermissionSet {
        permission_set_arn: PermissionSetArn::from(arn),
        name: name.to_owned(),
        description: None,
        session_duration: None,
        relay_state: None,
        managed_policies: Vec::new(),
        customer_managed_policies: Vec::new(),
        inline_policy: None,
        permissions_boundary: None,
        tags: Vec::new(),
        provisioned_account_ids: Vec::new(),
    }
}

fn account(id: &str) -> Account {
    Account {
        account_id: AccountId::from(id),
        name: Some(format!("acct-{id}")),
        email: None,
        status: None,
    }
}

fn application(arn: &str, name: &str) -> Application {
    Application {
        application_arn: ApplicationArn::from(arn),
        name: name.to_owned(),
        provider: None,
        status: None,
    }
}

fn old_principal(index: usize) -> (PrincipalType, String) {
    if index < OLD_USERS {
        (PrincipalType::User, format!("ou{index}"))
    } else {
        (PrincipalType::Group, format!("og{}", index - OLD_USERS))
    }
}

fn new_principal(principal_type: PrincipalType, index: usize) -> String {
    match principal_type {
        PrincipalType::User => format!("nu{}", index % NEW_USERS),
        PrincipalType::Group => format!("ng{}", index % NEW_GROUPS),
    }
}

#[derive(Clone, Debug)]
struct World {
    baseline: Snapshot,
    current: Snapshot,
}

fn empty_snapshot() -> Snapshot {
    Snapshot::empty(
        InstanceInfo {
            instance_arn: "arn:aws:sso:::instance/ssoins-test".into(),
            identity_store_id: "d-test".into(),
            region: None,
            owner_account_id: None,
        },
        crate::fixture::captured_at(),
    )
}

/// `baseline_grants` / `current_grants`: (principal index, account, permission set) triples;
/// current principal indexes past the old ones are new principals.
fn world(
    baseline_grants: &[(usize, usize, usize)],
    current_grants: &[(usize, usize, usize)],
    app_grants: &[(usize, usize)],
    lingering: bool,
    region_move: bool,
) -> World {
    let mut baseline = empty_snapshot();
    for u in 0..OLD_USERS {
        baseline.users.push(user(&format!("ou{u}")));
    }
    for g in 0..OLD_GROUPS {
        baseline.groups.push(group(&format!("og{g}")));
    }
    for p in 0..3 {
        baseline
            .permission_sets
            .push(permission_set(&format!("ps-old-{p}"), &format!("Role{p}")));
    }
    for a in 0..3 {
        baseline.accounts.push(account(&format!("11111111111{a}")));
    }
    for app in 0..2 {
        baseline
            .applications
            .push(application(&format!("app-old-{app}"), &format!("App{app}")));
    }
    let old_count = OLD_USERS + OLD_GROUPS;
    for &(p, a, ps) in baseline_grants {
        let (principal_type, id) = old_principal(p % old_count);
        baseline.account_assignments.push(AccountAssignment {
            account_id: AccountId::from(format!("11111111111{}", a % 3)),
            permission_set_arn: PermissionSetArn::from(format!("ps-old-{}", ps % 3)),
            principal_type,
            principal_id: PrincipalId::from(id),
        });
    }
    for &(p, app) in app_grants {
        let (principal_type, id) = old_principal(p % old_count);
        baseline
            .application_assignments
            .push(ApplicationAssignment {
                application_arn: ApplicationArn::from(format!("app-old-{}", app % 2)),
                principal_type,
                principal_id: PrincipalId::from(id),
            });
    }
    // A deleted principal that baseline assignments still name.
    baseline.account_assignments.push(AccountAssignment {
        account_id: AccountId::from("111111111110"),
        permission_set_arn: PermissionSetArn::from("ps-old-0"),
        principal_type: PrincipalType::User,
        principal_id: PrincipalId::from("deleted-user"),
    });
    baseline.normalize();

    let mut current = empty_snapshot();
    if lingering {
        current.users = baseline.users.clone();
        current.groups = baseline.groups.clone();
    }
    for u in 0..NEW_USERS {
        current.users.push(user(&format!("nu{u}")));
    }
    for g in 0..NEW_GROUPS {
        current.groups.push(group(&format!("ng{g}")));
    }
    // Role1 exists under a new ARN after a Region move; Role2 is gone either way.
    current.permission_sets.push(permission_set(
        if region_move { "ps-new-0" } else { "ps-old-0" },
        "Role0",
    ));
    current
        .permission_sets
        .push(permission_set("ps-new-1", "Role1"));
    // Account ...2 left the organization.
    for a in 0..2 {
        current.accounts.push(account(&format!("11111111111{a}")));
    }
    current.applications.push(application("app-old-0", "App0"));
    current.applications.push(application("app-new-1", "App1"));
    let current_arns = ["ps-old-0", "ps-new-1", "ps-old-2"];
    for &(p, a, ps) in current_grants {
        let total = if lingering { old_count } else { 0 } + NEW_USERS + NEW_GROUPS;
        let index = p % total;
        let (principal_type, id) = if lingering && index < old_count {
            old_principal(index)
        } else {
            let index = index - if lingering { old_count } else { 0 };
            if index < NEW_USERS {
                (PrincipalType::User, format!("nu{index}"))
            } else {
                (PrincipalType::Group, format!("ng{}", index - NEW_USERS))
            }
        };
        let arn = if region_move && ps % 3 == 0 {
            "ps-new-0"
        } else {
            current_arns[ps % 3]
        };
        current.account_assignments.push(AccountAssignment {
            account_id: AccountId::from(format!("11111111111{}", a % 2)),
            permission_set_arn: PermissionSetArn::from(arn),
            principal_type,
            principal_id: PrincipalId::from(id),
        });
    }
    // An orphan in current: a principal id that resolves to nothing.
    current.account_assignments.push(AccountAssignment {
        account_id: AccountId::from("111111111111"),
        permission_set_arn: PermissionSetArn::from("ps-new-1"),
        principal_type: PrincipalType::Group,
        principal_id: PrincipalId::from("gone-group"),
    });
    current.normalize();
    World { baseline, current }
}

/// Decision codes: 0 unmapped, 1 no successor, n ≥ 2 successor number n - 2.
fn mapping_from(codes: &[u8]) -> Mapping {
    let mut mapping = Mapping::new();
    for (index, &code) in codes.iter().enumerate().take(OLD_USERS + OLD_GROUPS) {
        let (principal_type, id) = old_principal(index);
        let decision = match code {
            0 => continue,
            1 => Decision::NoSuccessor,
            n => Decision::Successor(PrincipalId::from(new_principal(
                principal_type,
                usize::from(n - 2),
            ))),
        };
        mapping.decide(principal_type, PrincipalId::from(id), decision, None);
    }
    mapping
}

fn world_strategy() -> impl Strategy<Value = (World, bool)> {
    (
        proptest::collection::vec((0usize..20, 0usize..3, 0usize..3), 0..25),
        proptest::collection::vec((0usize..20, 0usize..2, 0usize..3), 0..15),
        proptest::collection::vec((0usize..20, 0usize..2), 0..6),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(b, c, apps, lingering, region_move, retire)| {
            (world(&b, &c, &apps, lingering, region_move), retire)
        })
}

fn codes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0u8..7, OLD_USERS + OLD_GROUPS)
}

fn options(retire_old: bool) -> PlanOptions {
    PlanOptions {
        retire_old,
        allow_role_deletion: false,
        ..PlanOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn applying_the_plan_to_current_gives_the_target((w, retire) in world_strategy(), codes in codes()) {
        let mapping = mapping_from(&codes);
        let changeset = plan(&w.baseline, &w.current, &mapping, options(retire));
        let target = reference_target(&w.baseline, &w.current, &mapping, options(retire));
        prop_assert_eq!(apply(&w.current, &changeset), target);
    }

    #[test]
    fn planning_again_from_the_target_gives_an_empty_plan((w, retire) in world_strategy(), codes in codes()) {
        let mapping = mapping_from(&codes);
        let changeset = plan(&w.baseline, &w.current, &mapping, options(retire));
        let reached = with_assignments(&w.current, &apply(&w.current, &changeset));
        let again = plan(&w.baseline, &reached, &mapping, options(retire));
        prop_assert!(again.operations.is_empty(), "{:?}", again.operations);
    }

    #[test]
    fn creates_precede_deletes_and_no_operation_repeats((w, retire) in world_strategy(), codes in codes()) {
        let mapping = mapping_from(&codes);
        let changeset = plan(&w.baseline, &w.current, &mapping, options(retire));
        let first_delete = changeset.operations.iter().position(|o| o.action == Action::Delete);
        if let Some(first_delete) = first_delete {
            prop_assert!(changeset.operations[first_delete..].iter().all(|o| o.action == Action::Delete));
        }
        let distinct: BTreeSet<&Assignment> = changeset.operations.iter().map(|o| &o.assignment).collect();
        prop_assert_eq!(distinct.len(), changeset.operations.len());
    }

    #[test]
    fn unmapped_principals_never_gain_or_lose_access((w, retire) in world_strategy(), codes in codes()) {
        let mapping = mapping_from(&codes);
        let changeset = plan(&w.baseline, &w.current, &mapping, options(retire));
        let successors: BTreeSet<&PrincipalId> = mapping.iter().filter_map(|(id, _)| mapping.successor(id)).collect();
        for op in &changeset.operations {
            let principal = op.assignment.principal_id();
            let decided = mapping.decision(principal).is_some();
            let inherits = successors.contains(principal);
            prop_assert!(decided || inherits, "{op:?} touches an undecided principal that inherits nothing");
            if op.action == Action::Delete {
                prop_assert!(decided, "{op:?} deletes from a principal nobody decided about");
            }
        }
    }

    #[test]
    fn incremental_edits_agree_with_planning_from_scratch(
        (w, retire) in world_strategy(),
        first in codes(),
        edits in proptest::collection::vec((0usize..(OLD_USERS + OLD_GROUPS), 0u8..7), 1..20),
    ) {
        let mut planner = Planner::new(&w.baseline, &w.current, options(retire));
        let mut codes = first.clone();
        planner.set_mapping(&mapping_from(&codes));
        for (index, code) in edits {
            codes[index] = code;
            let (principal_type, id) = old_principal(index);
            let mapping = mapping_from(&codes);
            planner
                .decide(principal_type, &id, mapping.decision(&PrincipalId::from(id.as_str())))
                .unwrap();
        }
        let mapping = mapping_from(&codes);
        let mut fresh = Planner::new(&w.baseline, &w.current, options(retire));
        fresh.set_mapping(&mapping);
        prop_assert_eq!(planner.changeset(), fresh.changeset());
        prop_assert_eq!(planner.summary(), fresh.summary());
        let changeset = planner.changeset();
        let summary = planner.summary();
        prop_assert_eq!(summary.creates, changeset.creates());
        prop_assert_eq!(summary.deletes, changeset.deletes());
        let role_risks = changeset.risks.iter().filter(|r| matches!(r.kind, RiskKind::RoleDeleted { .. })).count();
        prop_assert_eq!(summary.emptied_pairs, role_risks);
        // The counters kept per edit agree with the risks listed from scratch.
        let lost: Vec<&Risk> = changeset.risks.iter().filter(|r| matches!(r.kind, RiskKind::AccessLost { .. })).collect();
        prop_assert_eq!(summary.principals_losing_access, lost.len());
        prop_assert_eq!(summary.assignments_losing_access, lost.iter().map(|r| r.weight()).sum::<usize>());
        let shared = changeset.risks.iter().filter(|r| matches!(r.kind, RiskKind::SharedSuccessor { .. })).count();
        prop_assert_eq!(summary.shared_successors, shared);
        let missing: usize = changeset.risks.iter().filter(|r| matches!(r.kind, RiskKind::MissingPermissionSet { .. } | RiskKind::MissingAccount { .. } | RiskKind::MissingApplication { .. })).map(|r| r.weight()).sum();
        prop_assert_eq!(summary.assignments_missing_target, missing);
    }

    #[test]
    fn a_delete_is_flagged_exactly_when_it_empties_its_pair((w, codes) in (world_strategy(), codes())) {
        let (w, _) = w;
        let mapping = mapping_from(&codes);
        let changeset = plan(&w.baseline, &w.current, &mapping, options(true));
        let target = apply(&w.current, &changeset);
        for op in changeset.operations.iter().filter(|o| o.action == Action::Delete) {
            if let Assignment::Account(a) = &op.assignment {
                let left = target.iter().any(|t| matches!(t, Assignment::Account(t) if t.account_id == a.account_id && t.permission_set_arn == a.permission_set_arn));
                prop_assert_eq!(op.empties_pair, !left, "{:?}", op);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios (DOMAIN.md §1.2).

fn decide(mapping: &mut Mapping, principal_type: PrincipalType, old: &str, new: Option<&str>) {
    let decision = match new {
        Some(id) => Decision::Successor(PrincipalId::from(id)),
        None => Decision::NoSuccessor,
    };
    mapping.decide(principal_type, PrincipalId::from(old), decision, None);
}

#[test]
fn idp_to_idp_with_lingering_old_users_carries_access_over_and_retires_the_old() {
    let org = crate::fixture::demo::load_demo();
    let truth = crate::fixture::demo::demo_ground_truth();
    let mut mapping = Mapping::new();
    for (old, new) in &truth.user_successors {
        decide(
            &mut mapping,
            PrincipalType::User,
            old.as_str(),
            new.as_ref().map(|n| n.as_str()),
        );
    }
    for (old, new) in &truth.group_successors {
        decide(
            &mut mapping,
            PrincipalType::Group,
            old.as_str(),
            new.as_ref().map(|n| n.as_str()),
        );
    }
    let keep = plan(&org.baseline, &org.current, &mapping, options(false));
    assert!(keep.creates() > 1_000, "{} creates", keep.creates());
    assert_eq!(keep.deletes(), 0, "without --retire-old nothing is deleted");
    let retire = plan(&org.baseline, &org.current, &mapping, options(true));
    assert_eq!(retire.creates(), keep.creates());
    assert!(retire.deletes() > 1_000, "{} deletes", retire.deletes());
    // Two old groups merged into one new group: flagged, not refused.
    assert!(retire
        .risks
        .iter()
        .any(|r| matches!(r.kind, RiskKind::SharedSuccessor { .. })));
    // Leavers lose their access, on purpose, and it says so.
    let leavers = truth
        .user_successors
        .iter()
        .filter(|(_, n)| n.is_none())
        .count();
    let lost = retire
        .risks
        .iter()
        .filter(|r| {
            matches!(
                &r.kind,
                RiskKind::AccessLost {
                    reason: risk::LossReason::NoSuccessor,
                    principal,
                    ..
                } if principal.principal_type == PrincipalType::User
            )
        })
        .count();
    assert!(lost > 0 && lost <= leavers, "{lost} of {leavers} leavers");
    // The most severe risks come first.
    let severities: Vec<Severity> = retire.risks.iter().map(|r| r.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
    // Every create goes to a successor, every delete to a decided old principal.
    let successors: BTreeSet<&PrincipalId> = mapping
        .iter()
        .filter_map(|(id, _)| mapping.successor(id))
        .collect();
    for op in &retire.operations {
        match op.action {
            Action::Create => assert!(successors.contains(op.assignment.principal_id())),
            Action::Delete => assert!(mapping.decision(op.assignment.principal_id()).is_some()),
        }
    }
}

#[test]
fn ad_to_idp_recreates_everything_from_the_baseline_file() {
    // Everything was deleted by the switch: current has only the new principals, no
    // assignments at all, and the permission sets (they survive an identity-source change).
    let w = world(
        &[(0, 0, 0), (1, 1, 1), (5, 0, 0), (6, 1, 0)],
        &[],
        &[(0, 0)],
        false,
        false,
    );
    let mut current = w.current.clone();
    current.account_assignments.clear();
    let mut mapping = Mapping::new();
    decide(&mut mapping, PrincipalType::User, "ou0", Some("nu0"));
    decide(&mut mapping, PrincipalType::User, "ou1", Some("nu1"));
    decide(&mut mapping, PrincipalType::Group, "og0", Some("ng0"));
    decide(&mut mapping, PrincipalType::Group, "og1", Some("ng1"));
    let changeset = plan(&w.baseline, &current, &mapping, options(true));
    let created: Vec<String> = changeset
        .operations
        .iter()
        .map(|o| match &o.assignment {
            Assignment::Account(a) => format!(
                "{} {} {}",
                a.account_id, a.permission_set_arn, a.principal_id
            ),
            Assignment::Application(a) => format!("{} {}", a.application_arn, a.principal_id),
        })
        .collect();
    assert_eq!(
        created,
        vec![
            "111111111110 ps-old-0 nu0",
            "111111111110 ps-old-0 ng0",
            "111111111111 ps-new-1 nu1",
            "111111111111 ps-old-0 ng1",
            "app-old-0 nu0",
        ]
    );
    assert_eq!(changeset.deletes(), 0);
    assert!(changeset.risks.iter().any(|r| matches!(
        &r.kind,
        RiskKind::PermissionSetMatchedByName { name, .. } if name == "Role1"
    )));
}

#[test]
fn region_move_matches_permission_sets_by_name_and_reports_what_cannot_move() {
    let w = world(
        &[(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 2, 0)],
        &[],
        &[(0, 1)],
        false,
        true,
    );
    let mut mapping = Mapping::new();
    decide(&mut mapping, PrincipalType::User, "ou0", Some("nu0"));
    let changeset = plan(&w.baseline, &w.current, &mapping, options(false));
    let creates: Vec<(String, String)> = changeset
        .operations
        .iter()
        .map(|o| match &o.assignment {
            Assignment::Account(a) => (a.account_id.to_string(), a.permission_set_arn.to_string()),
            Assignment::Application(a) => (String::new(), a.application_arn.to_string()),
        })
        .collect();
    assert_eq!(
        creates,
        vec![
            ("111111111110".to_owned(), "ps-new-0".to_owned()),
            ("111111111110".to_owned(), "ps-new-1".to_owned()),
            (String::new(), "app-new-1".to_owned()),
        ]
    );
    let kinds: Vec<&RiskKind> = changeset.risks.iter().map(|r| &r.kind).collect();
    assert!(kinds.iter().any(|k| matches!(k, RiskKind::MissingPermissionSet { name, assignments: 1, .. } if name == "Role2")));
    assert!(kinds.iter().any(|k| matches!(k, RiskKind::MissingAccount { account_id, assignments: 1, .. } if account_id.as_str() == "111111111112")));
    assert!(kinds.iter().any(
        |k| matches!(k, RiskKind::PermissionSetMatchedByName { name, .. } if name == "Role0")
    ));
    assert!(kinds
        .iter()
        .any(|k| matches!(k, RiskKind::ApplicationMatchedByName { name, .. } if name == "App1")));
}

#[test]
fn a_delete_that_empties_a_pair_is_a_high_risk_with_what_to_do() {
    let w = world(&[], &[(0, 0, 0)], &[], true, false);
    let mut mapping = Mapping::new();
    decide(&mut mapping, PrincipalType::User, "ou0", None);
    let changeset = plan(&w.baseline, &w.current, &mapping, options(true));
    assert_eq!(changeset.deletes(), 1);
    assert!(changeset.operations[0].empties_pair);
    let risk = changeset
        .risks
        .iter()
        .find(|r| matches!(r.kind, RiskKind::RoleDeleted { .. }))
        .expect("a role-deletion risk");
    assert_eq!(risk.severity, Severity::High);
    assert!(
        risk.message().contains("--allow-role-deletion"),
        "{}",
        risk.message()
    );
}

#[test]
fn mapping_a_principal_to_itself_changes_nothing() {
    let w = world(
        &[(0, 0, 0), (5, 1, 1)],
        &[(0, 0, 0), (5, 1, 1)],
        &[],
        true,
        false,
    );
    let mut mapping = Mapping::new();
    decide(&mut mapping, PrincipalType::User, "ou0", Some("ou0"));
    let changeset = plan(&w.baseline, &w.current, &mapping, options(true));
    assert!(changeset.is_empty(), "{:?}", changeset.operations);
}

// ---------------------------------------------------------------------------------------------
// The plan file.

fn demo_plan() -> file::PlanFile {
    let org = crate::fixture::demo::load_demo();
    let truth = crate::fixture::demo::demo_ground_truth();
    let mut mapping = Mapping::new();
    for (old, new) in truth.user_successors.iter().take(40) {
        decide(
            &mut mapping,
            PrincipalType::User,
            old.as_str(),
            new.as_ref().map(|n| n.as_str()),
        );
    }
    let changeset = plan(&org.baseline, &org.current, &mapping, options(true));
    file::PlanFile::new(
        &changeset,
        &org.baseline,
        &org.current,
        options(true),
        Some("sha256:00".into()),
        crate::fixture::captured_at(),
    )
}

#[test]
fn a_plan_file_round_trips_and_names_what_it_touches() {
    let plan = demo_plan();
    let text = plan.to_json();
    let read = file::PlanFile::from_json(&text).unwrap();
    assert_eq!(read, plan);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["format"], "cutover.plan.v1");
    let op = &value["operations"][0];
    for field in [
        "id",
        "action",
        "kind",
        "account_id",
        "permission_set_arn",
        "principal_type",
        "principal_id",
        "principal_name",
    ] {
        assert!(!op[field].is_null(), "operation lacks {field}: {op}");
    }
    assert_eq!(op["action"], "create");
    assert_eq!(op["kind"], "account_assignment");
    let risk = &value["risks"][0];
    assert_eq!(risk["severity"], "high");
    assert!(risk["kind"].is_string() && risk["message"].is_string());
    assert!(!plan.body.fingerprint.touched.is_empty());
}

#[test]
fn an_edited_or_malformed_plan_is_refused_with_what_to_do() {
    let text = demo_plan().to_json();
    let tampered = text.replacen("\"create\"", "\"delete\"", 1);
    assert_eq!(
        file::PlanFile::from_json(&tampered),
        Err(file::PlanFileError::Tampered)
    );
    let error = file::PlanFile::from_json("{\"format\": \"cutover.snapshot.v1\"}").unwrap_err();
    assert!(error.to_string().contains("plan again"), "{error}");
    let error = file::PlanFile::from_json("not json").unwrap_err();
    assert!(error.to_string().contains("not a cutover plan"), "{error}");
}

#[test]
fn the_markdown_review_lists_risks_first_then_operations_by_account() {
    let markdown = demo_plan().to_markdown();
    let risks = markdown.find("## Risks").unwrap();
    let operations = markdown.find("## Operations by account").unwrap();
    assert!(risks < operations);
    assert!(markdown.contains("| HIGH |"));
    assert!(markdown.contains("| # | Action | Access | Principal | Because of |"));
}
