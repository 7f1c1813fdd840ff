//! `cutover doctor` against the AWS emulator, which allows everything: every read is allowed
//! and counted exactly, the caller is the seeded organization's management account, and no
//! write is ever sent. Denials come from the fault proxy answering `AccessDeniedException` for
//! one operation, as AWS would. (The emulator has no IAM policy simulator and its caller is no
//! IAM user or role, so writes are "unknown" here; the simulator's answers are tested with
//! recorded answers in `src/aws/doctor.rs`.)

use crate::common::World;
use cutover::aws::doctor::examine;
use cutover::doctor::{Budgets, Capability, Report, Standing, Verdict};
use cutover::fixture::OrgSpec;
use cutover::permissions::Mode;
use fault_proxy::FaultConfig;

const BUDGETS: Budgets = Budgets {
    sso_admin_rps: 18.0,
    identitystore_rps: 18.0,
    organizations_rps: 4.0,
    writes_outstanding: 10,
};

async fn doctor(world: &World, config: FaultConfig, mode: Mode) -> (Report, Vec<String>) {
    let proxy = world.proxy(config).await;
    let findings = examine(&world.live_options(&proxy)).await.expect("examine");
    let operations = proxy.stats().per_operation.keys().cloned().collect();
    (Report::new(findings, mode, &BUDGETS), operations)
}

fn verdict(report: &Report, capability: Capability) -> &Verdict {
    &report
        .capabilities
        .iter()
        .find(|l| l.capability == capability)
        .expect("every capability is reported")
        .verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_on_the_emulator_reads_everything_and_writes_nothing() {
    let spec = OrgSpec::small();
    let world = World::seeded(&spec).await;
    let (report, operations) = doctor(&world, FaultConfig::default(), Mode::ReadOnly).await;

    assert_eq!(report.caller.account, world.account_id);
    assert_eq!(report.standing, Standing::ManagementAccount);
    assert_eq!(report.instances.len(), 1);
    assert!(report.chosen_instance.is_some());
    for capability in Capability::ALL.iter().filter(|c| !c.is_write()) {
        assert!(
            matches!(verdict(&report, *capability), Verdict::Allowed { .. }),
            "{capability:?}: {:?}",
            verdict(&report, *capability)
        );
    }
    // The emulator's caller is not an IAM user or role: the simulator cannot be asked.
    for capability in Capability::ALL.iter().filter(|c| c.is_write()) {
        assert!(matches!(
            verdict(&report, *capability),
            Verdict::Unknown { .. }
        ));
    }
    let size = &report.size;
    assert_eq!(size.users.unwrap().seen, spec.users as u64);
    assert!(size.users.unwrap().complete);
    assert_eq!(size.groups.unwrap().seen, spec.groups as u64);
    assert_eq!(
        size.permission_sets.unwrap().seen,
        spec.permission_sets as u64
    );
    assert_eq!(size.accounts.unwrap().seen, spec.accounts as u64 + 1);
    assert!(report.estimate.is_some());
    assert_eq!(report.exit_code(), 0, "read-only needs no writes");

    // Only reads went out: every operation the proxy saw lists, describes or gets.
    for operation in &operations {
        let name = operation.rsplit('.').next().unwrap();
        assert!(
            ["List", "Describe", "Get"]
                .iter()
                .any(|p| name.starts_with(p)),
            "doctor sent {operation}"
        );
    }

    let (migrate, _) = doctor(&world, FaultConfig::default(), Mode::Migrate).await;
    assert_eq!(migrate.exit_code(), 2, "writes could not be checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_read_is_reported_and_fails_the_mode() {
    let world = World::seeded(&OrgSpec::small()).await;
    let cases = [
        ("AWSIdentityStore.ListUsers", Capability::ReadUsersAndGroups),
        (
            "AWSIdentityStore.ListGroupMemberships",
            Capability::ReadMemberships,
        ),
        (
            "SWBExternalService.ListPermissionSets",
            Capability::ReadPermissionSets,
        ),
        (
            "SWBExternalService.ListAccountAssignments",
            Capability::ReadAssignments,
        ),
        (
            "AWSOrganizationsV20161128.ListAccounts",
            Capability::ReadAccountNames,
        ),
    ];
    for (target, capability) in cases {
        let (report, _) = doctor(
            &world,
            FaultConfig::default().denying(target),
            Mode::Organization,
        )
        .await;
        let operation = target.rsplit('.').next().unwrap();
        match verdict(&report, capability) {
            Verdict::Denied { actions, .. } => {
                assert!(
                    actions.iter().any(|a| a.ends_with(operation)),
                    "{target}: {actions:?}"
                )
            }
            other => panic!("{target}: {other:?}"),
        }
        assert_eq!(report.exit_code(), 1, "{target}");
        assert!(
            report.blockers.iter().any(|b| b.contains(operation)),
            "{target}"
        );
    }
}
