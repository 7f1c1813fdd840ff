use super::*;

const BUDGETS: Budgets = Budgets {
    sso_admin_rps: 18.0,
    identitystore_rps: 18.0,
    organizations_rps: 4.0,
    writes_outstanding: 10,
};

fn instance(owner: &str) -> InstanceInfo {
    InstanceInfo {
        instance_arn: "arn:aws:sso:::instance/ssoins-1".to_owned(),
        identity_store_id: "d-1".to_owned(),
        region: Some("eu-west-1".to_owned()),
        owner_account_id: Some(owner.to_owned()),
    }
}

fn allowed() -> Verdict {
    Verdict::Allowed {
        how: "test".to_owned(),
    }
}

/// The management account, everything allowed, sized like the export benchmark's
/// organization (docs/benchmarks.md).
fn findings() -> Findings {
    Findings {
        caller: Caller {
            account: "111111111111".to_owned(),
            arn: "arn:aws:iam::111111111111:user/ana".to_owned(),
        },
        region: "eu-west-1".to_owned(),
        management_account: Ok(Some("111111111111".to_owned())),
        delegated_administrators: Ok(vec!["222222222222".to_owned()]),
        instances: Ok(vec![instance("111111111111")]),
        chosen: Ok(instance("111111111111")),
        capabilities: Capability::ALL.iter().map(|&c| (c, allowed())).collect(),
        users: Some(Count {
            seen: 2000,
            complete: true,
        }),
        groups: Some(Count {
            seen: 300,
            complete: true,
        }),
        permission_sets: Some(Count {
            seen: 40,
            complete: true,
        }),
        accounts: Some(Count {
            seen: 61,
            complete: true,
        }),
        accounts_per_permission_set: Some(12.9),
        assignments_per_pair: Some(19.38),
        users_sampled: 100,
        users_with_external_id: 0,
        external_id_issuers: vec![],
    }
}

fn set(findings: &mut Findings, capability: Capability, verdict: Verdict) {
    for (c, v) in &mut findings.capabilities {
        if *c == capability {
            *v = verdict.clone();
        }
    }
}

#[test]
fn ready_exits_zero_denied_one_unknown_two() {
    let report = Report::new(findings(), Mode::Migrate, &BUDGETS);
    assert!(report.ready);
    assert_eq!(report.exit_code(), 0);

    let mut denied = findings();
    set(
        &mut denied,
        Capability::WriteAssignments,
        Verdict::Denied {
            actions: vec!["sso:CreateAccountAssignment".to_owned()],
            detail: "implicitDeny".to_owned(),
        },
    );
    let report = Report::new(denied.clone(), Mode::Migrate, &BUDGETS);
    assert_eq!(report.exit_code(), 1);
    assert!(report.blockers[0].contains("grant sso:CreateAccountAssignment"));
    assert!(report.blockers[0].contains("cutover iam-policy migrate"));
    // The same denial does not matter to a read-only run.
    assert_eq!(Report::new(denied, Mode::ReadOnly, &BUDGETS).exit_code(), 0);

    let mut unknown = findings();
    set(
        &mut unknown,
        Capability::WriteDirectory,
        Verdict::Unknown {
            why: "no simulator".to_owned(),
        },
    );
    assert_eq!(
        Report::new(unknown.clone(), Mode::Directory, &BUDGETS).exit_code(),
        2
    );
    // For migrate, writing the directory (cleanup) is optional: still ready.
    assert_eq!(Report::new(unknown, Mode::Migrate, &BUDGETS).exit_code(), 0);

    let mut no_instance = findings();
    no_instance.chosen = Err("2 instances are visible; choose one with --instance-arn".to_owned());
    assert_eq!(
        Report::new(no_instance, Mode::ReadOnly, &BUDGETS).exit_code(),
        1
    );
}

#[test]
fn every_mode_requires_the_reads_and_its_own_writes() {
    for mode in Mode::ALL {
        for capability in [
            Capability::ReadUsersAndGroups,
            Capability::ReadMemberships,
            Capability::ReadPermissionSets,
            Capability::ReadAssignments,
        ] {
            assert_eq!(capability.needed_by(mode), Some(true), "{mode:?}");
        }
    }
    assert_eq!(Capability::WriteAssignments.needed_by(Mode::ReadOnly), None);
    assert_eq!(
        Capability::WriteAssignments.needed_by(Mode::Migrate),
        Some(true)
    );
    assert_eq!(
        Capability::WriteDirectory.needed_by(Mode::Directory),
        Some(true)
    );
    assert_eq!(
        Capability::ProvisionPermissionSets.needed_by(Mode::Organization),
        Some(true)
    );
}

/// Every action a capability checks is in the policy of every mode that requires it: the
/// doctor and `cutover iam-policy` agree.
#[test]
fn the_policies_grant_what_the_doctor_checks() {
    for mode in Mode::ALL {
        let allowed = mode.allowed_actions();
        for capability in Capability::ALL {
            if capability.needed_by(mode).is_none() {
                continue;
            }
            for action in capability.actions() {
                // Directory writes beyond deletes come with the directory commands (issue 12),
                // permission-set provisioning with the organization work (issue 13).
                let pending = matches!(
                    capability,
                    Capability::WriteDirectory | Capability::ProvisionPermissionSets
                );
                assert!(
                    pending || allowed.iter().any(|a| a == action),
                    "{} needs {action} for {}",
                    mode.name(),
                    capability.label()
                );
            }
        }
    }
}

#[test]
fn where_the_caller_stands() {
    let report = Report::new(findings(), Mode::ReadOnly, &BUDGETS);
    assert_eq!(report.standing, Standing::ManagementAccount);

    let mut delegated = findings();
    delegated.caller.account = "222222222222".to_owned();
    assert_eq!(
        Report::new(delegated.clone(), Mode::ReadOnly, &BUDGETS).standing,
        Standing::DelegatedAdministrator
    );
    // A delegated administrator may not list the delegated administrators: the instance it
    // sees belongs to another account.
    delegated.delegated_administrators = Err("denied".to_owned());
    delegated.management_account = Err("denied".to_owned());
    assert_eq!(
        Report::new(delegated, Mode::ReadOnly, &BUDGETS).standing,
        Standing::DelegatedAdministrator
    );

    let mut member = findings();
    member.caller.account = "333333333333".to_owned();
    member.chosen = Ok(instance("333333333333"));
    assert_eq!(
        Report::new(member, Mode::ReadOnly, &BUDGETS).standing,
        Standing::MemberAccount
    );

    let mut alone = findings();
    alone.management_account = Ok(None);
    alone.delegated_administrators = Err("no organization".to_owned());
    assert_eq!(
        Report::new(alone, Mode::ReadOnly, &BUDGETS).standing,
        Standing::StandaloneAccount
    );
}

#[test]
fn the_identity_source_is_guessed_from_external_ids_and_says_how_to_confirm() {
    let report = Report::new(findings(), Mode::ReadOnly, &BUDGETS);
    assert_eq!(report.identity_source.kind, "identity-center-directory");
    let mut scim = findings();
    scim.users_with_external_id = 97;
    scim.external_id_issuers = vec!["https://scim.example".to_owned()];
    let report = Report::new(scim, Mode::ReadOnly, &BUDGETS);
    assert_eq!(report.identity_source.kind, "external");
    assert!(report.identity_source.evidence.contains("97 of the 100"));
    let mut empty = findings();
    empty.users_sampled = 0;
    let report = Report::new(empty, Mode::ReadOnly, &BUDGETS);
    assert_eq!(report.identity_source.kind, "unknown");
    assert!(report.identity_source.how_to_confirm.contains("Settings"));
}

/// The estimates reproduce the benchmarks they are calibrated on: the export of the
/// 2,000-user organization (798 sso-admin calls, 44.4 s) and the apply of 2,000 creates and
/// 2,000 deletes over 93 pairs (997 s).
#[test]
fn estimates_match_the_benchmarks() {
    let estimate = Estimate::new(&findings(), &BUDGETS).unwrap();
    assert_eq!(estimate.pairs, 516);
    assert_eq!(estimate.export_calls_identitystore, 323);
    assert_eq!(estimate.export_calls_sso_admin, 1 + 1 + 240 + 40 + 516);
    assert!(
        (estimate.export_seconds - 44.3).abs() < 1.0,
        "{}",
        estimate.export_seconds
    );
    assert!(!estimate.at_least);

    let mut apply = findings();
    apply.permission_sets = Some(Count {
        seen: 10,
        complete: true,
    });
    apply.accounts = Some(Count {
        seen: 20,
        complete: true,
    });
    apply.accounts_per_permission_set = Some(9.3);
    apply.assignments_per_pair = Some(2000.0 / 93.0);
    let estimate = Estimate::new(&apply, &BUDGETS).unwrap();
    assert_eq!(estimate.apply_operations, 4000);
    assert!(
        (estimate.apply_seconds - 997.0).abs() < 997.0 * 0.05,
        "{}",
        estimate.apply_seconds
    );

    let mut cut_short = findings();
    cut_short.users = Some(Count {
        seen: 1000,
        complete: false,
    });
    assert!(Estimate::new(&cut_short, &BUDGETS).unwrap().at_least);
    let mut unread = findings();
    unread.permission_sets = None;
    assert!(Estimate::new(&unread, &BUDGETS).is_none());
}

#[test]
fn the_text_report_says_what_blocks_and_how_long() {
    let mut denied = findings();
    set(
        &mut denied,
        Capability::ReadAssignments,
        Verdict::Denied {
            actions: vec!["sso:ListAccountAssignments".to_owned()],
            detail: "User is not authorized".to_owned(),
        },
    );
    let report = Report::new(denied, Mode::ReadOnly, &BUDGETS);
    let text = render_text(&report, &BUDGETS);
    assert!(text.contains("DENIED   read assignments"), "{text}");
    assert!(text.contains("Not ready for mode read-only"), "{text}");
    assert!(text.contains("export          about 44 s"), "{text}");
    assert!(
        text.contains("the organization's management account"),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["capabilities"][3]["verdict"], "denied");
    assert_eq!(json["capabilities"][3]["need"], "required");
    assert_eq!(json["mode"], "read-only");
}
