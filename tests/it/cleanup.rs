//! The `cutover cleanup` binary against the AWS emulator (moto, through the fault proxy): old
//! principals chosen by a mapping (moto stores no external ids, so issuer selection is tested
//! on snapshot files at the end), the ones without access deleted, the ones with access refused
//! unless `--include-with-access`, every delete journaled.
//!
//! Run with `scripts/with-moto cargo test --test cleanup`.

use crate::common;

use common::World;
use cutover::apply::journal::{self, OpStatus, Record};
use cutover::aws::AwsBackend;
use cutover::backend::{Backend, ProgressSink};
use cutover::fixture::{self, OrgSpec};
use cutover::model::*;
use fault_proxy::{FaultConfig, FaultProxy};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Six users and two groups of the old source. `groups[0]` holds an account assignment and
/// `users[0]` is its only member (access through a group); `users[1]` holds one directly.
/// The other four users and `groups[1]` hold nothing.
fn old_organization() -> Snapshot {
    let mut desired = fixture::generate(&OrgSpec::new(6, 2, 1, 1, 0));
    desired.group_memberships = vec![GroupMembership {
        group_id: desired.groups[0].group_id.clone(),
        user_id: desired.users[0].user_id.clone(),
        membership_id: None,
    }];
    let account_id = desired.accounts[0].account_id.clone();
    let permission_set_arn = desired.permission_sets[0].permission_set_arn.clone();
    desired.account_assignments = vec![
        AccountAssignment {
            account_id: account_id.clone(),
            permission_set_arn: permission_set_arn.clone(),
            principal_type: PrincipalType::Group,
            principal_id: PrincipalId::from(&desired.groups[0].group_id),
        },
        AccountAssignment {
            account_id: account_id.clone(),
            permission_set_arn,
            principal_type: PrincipalType::User,
            principal_id: PrincipalId::from(&desired.users[1].user_id),
        },
    ];
    desired.permission_sets[0].provisioned_account_ids = vec![account_id];
    desired.normalize();
    desired
}

/// The seeded world, and the emulator's ids of the principals that hold access:
/// (member of the assigned group, directly assigned user, assigned group).
struct Seeded {
    world: World,
    member: UserId,
    direct: UserId,
    assigned_group: GroupId,
}

async fn seeded() -> Seeded {
    let desired = old_organization();
    let world = World::seeded_with(&desired).await;
    let by_name = |name: &str| {
        world
            .expected
            .users
            .iter()
            .find(|u| u.user_name == name)
            .unwrap()
            .user_id
            .clone()
    };
    let member_name = &desired
        .users
        .iter()
        .find(|u| u.user_id == desired.group_memberships[0].user_id)
        .unwrap()
        .user_name;
    let direct_id = &desired
        .account_assignments
        .iter()
        .find(|a| a.principal_type == PrincipalType::User)
        .unwrap()
        .principal_id;
    let direct_name = &desired
        .users
        .iter()
        .find(|u| u.user_id.as_str() == direct_id.as_str())
        .unwrap()
        .user_name;
    let group_name = &desired
        .groups
        .iter()
        .find(|g| g.group_id == desired.group_memberships[0].group_id)
        .unwrap()
        .display_name;
    let assigned_group = world
        .expected
        .groups
        .iter()
        .find(|g| &g.display_name == group_name)
        .unwrap()
        .group_id
        .clone();
    Seeded {
        member: by_name(member_name),
        direct: by_name(direct_name),
        assigned_group,
        world,
    }
}

/// Writes the world's state as the baseline and a mapping that retires every old user and
/// group (no successor); their paths.
fn inputs(dir: &Path, world: &World) -> (PathBuf, PathBuf) {
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, world.expected.to_json()).unwrap();
    let mut csv = String::from("principal_type,old_id,new_id\n");
    for user in &world.expected.users {
        csv.push_str(&format!("USER,{},\n", user.user_id));
    }
    for group in &world.expected.groups {
        csv.push_str(&format!("GROUP,{},\n", group.group_id));
    }
    let mapping = dir.join("mapping.csv");
    std::fs::write(&mapping, csv).unwrap();
    (baseline, mapping)
}

/// Runs `cutover cleanup` in `dir` against the world behind `proxy`, off the async runtime
/// (the proxy serves it from this test's runtime). Stdin is not a terminal.
async fn cleanup_through(proxy: &FaultProxy, dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .current_dir(dir)
        .arg("cleanup")
        .args(args)
        .args([
            "--endpoint-url",
            &proxy.endpoint_url(),
            "--region",
            "eu-west-1",
            "--log-file",
        ])
        .arg(dir.join("cutover.log"));
    tokio::task::spawn_blocking(move || command.output().expect("run the cutover binary"))
        .await
        .unwrap()
}

async fn reload(world: &World, proxy: &FaultProxy) -> Snapshot {
    AwsBackend::connect(world.live_options(proxy))
        .await
        .expect("connect")
        .load(ProgressSink::discard())
        .await
        .expect("load")
        .snapshot
}

fn user_ids(snapshot: &Snapshot) -> BTreeSet<String> {
    snapshot.users.iter().map(|u| u.user_id.0.clone()).collect()
}

fn group_ids(snapshot: &Snapshot) -> BTreeSet<String> {
    snapshot
        .groups
        .iter()
        .map(|g| g.group_id.0.clone())
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every journal record, each a successful principal delete: the ids deleted.
fn journaled_deletes(path: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the journal names people");
    journal::read(path)
        .unwrap()
        .records
        .into_iter()
        .map(|record| match record {
            Record::PrincipalDeleted {
                principal_id,
                status: OpStatus::Succeeded,
                ..
            } => principal_id,
            other => panic!("not a successful principal delete: {other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_the_old_principals_without_access_and_refuses_those_with_access() {
    let seeded = seeded().await;
    let world = &seeded.world;
    let proxy = world.proxy(FaultConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (baseline, mapping) = inputs(dir.path(), world);
    let journal = dir.path().join("cleanup.journal.jsonl");
    let selection = [
        "--mapping",
        mapping.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];

    // Without a terminal to type the confirmation into, and without --yes: nothing happens.
    let run = cleanup_through(&proxy, dir.path(), &selection).await;
    assert_eq!(run.status.code(), Some(1), "stdout: {}", text(&run.stdout));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("pass --yes"), "{stderr}");
    assert!(!journal.exists(), "nothing deleted, nothing journaled");
    let unchanged = reload(world, &proxy).await;
    assert_eq!(user_ids(&unchanged), user_ids(&world.expected));
    assert_eq!(group_ids(&unchanged), group_ids(&world.expected));

    let mut args = selection.to_vec();
    args.push("--yes");
    let run = cleanup_through(&proxy, dir.path(), &args).await;
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(
        stdout.contains("5 old principals without access (to delete)"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("3 old principals still holding access (refused: pass --include-with-access"),
        "{stdout}"
    );
    let group_name = &world
        .expected
        .groups
        .iter()
        .find(|g| g.group_id == seeded.assigned_group)
        .unwrap()
        .display_name;
    assert!(
        stdout.contains(&format!(
            "via group {group_name} ({})",
            seeded.assigned_group
        )),
        "the member's access is listed with its group: {stdout}"
    );
    assert!(stdout.contains("Deleted 5 of 5"), "{stdout}");
    assert!(stdout.contains("SCIM"), "{stdout}");

    let after = reload(world, &proxy).await;
    let kept_users: BTreeSet<String> = [seeded.member.0.clone(), seeded.direct.0.clone()].into();
    assert_eq!(user_ids(&after), kept_users);
    assert_eq!(
        group_ids(&after),
        BTreeSet::from([seeded.assigned_group.0.clone()])
    );
    let journaled: BTreeSet<String> = journaled_deletes(&journal).into_iter().collect();
    let gone: BTreeSet<String> = user_ids(&world.expected)
        .difference(&user_ids(&after))
        .chain(group_ids(&world.expected).difference(&group_ids(&after)))
        .cloned()
        .collect();
    assert_eq!(journaled.len(), 5);
    assert_eq!(journaled, gone);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn include_with_access_lists_the_access_then_deletes_those_too() {
    let seeded = seeded().await;
    let world = &seeded.world;
    let proxy = world.proxy(FaultConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let (baseline, mapping) = inputs(dir.path(), world);
    let run = cleanup_through(
        &proxy,
        dir.path(),
        &[
            "--mapping",
            mapping.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
            "--include-with-access",
            "--yes",
        ],
    )
    .await;
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));
    let stdout = text(&run.stdout);
    let listed = stdout
        .find("via group")
        .expect("the access through the group is listed");
    let direct = stdout.find("(direct)").expect("direct access is listed");
    let first_delete = stdout.find("\ndeleted ").expect("deletes are reported");
    assert!(listed < first_delete && direct < first_delete, "{stdout}");
    assert!(stdout.contains("--include-with-access"), "{stdout}");
    assert!(stdout.contains("Deleted 8 of 8"), "{stdout}");

    let after = reload(world, &proxy).await;
    assert!(after.users.is_empty(), "{:?}", after.users);
    assert!(after.groups.is_empty(), "{:?}", after.groups);

    // The journal went to the default place: the current directory, named after the store.
    let prefix = format!("cleanup-{}-", world.expected.instance.identity_store_id);
    let journals: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_str().unwrap();
            name.starts_with(&prefix) && name.ends_with(".journal.jsonl")
        })
        .collect();
    assert_eq!(journals.len(), 1, "{journals:?}");
    assert_eq!(journaled_deletes(&journals[0]).len(), 8);
}

/// Issuer selection on a snapshot file (moto stores no external ids): the demo after its
/// cutover plan is applied, when the old tenant's principals hold nothing any more. A snapshot
/// file has nothing to delete against, so this only lists.
#[test]
fn issuer_selection_on_a_snapshot_file_lists_only() {
    use cutover::fixture::demo::{demo_ground_truth, load_demo, OLD_ISSUER};
    use cutover::mapping::{Decision, Mapping};
    use cutover::plan::{self, file::PlanFile, PlanOptions};

    let org = load_demo();
    let truth = demo_ground_truth();
    let mut mapping = Mapping::new();
    for (old, new) in &truth.user_successors {
        let decision = new.as_ref().map_or(Decision::NoSuccessor, |n| {
            Decision::Successor(n.as_str().into())
        });
        mapping.decide(PrincipalType::User, old.as_str().into(), decision, None);
    }
    for (old, new) in &truth.group_successors {
        let decision = new.as_ref().map_or(Decision::NoSuccessor, |n| {
            Decision::Successor(n.as_str().into())
        });
        mapping.decide(PrincipalType::Group, old.as_str().into(), decision, None);
    }
    let options = PlanOptions {
        retire_old: true,
        allow_role_deletion: true,
        ..PlanOptions::default()
    };
    let changeset = plan::plan(&org.baseline, &org.current, &mapping, options);
    let plan = PlanFile::new(
        &changeset,
        &org.baseline,
        &org.current,
        options,
        None,
        fixture::captured_at(),
    );
    let mut after = org.current.clone();
    for op in &plan.body.operations {
        match (op.action, op.assignment().unwrap()) {
            (Action::Create, Assignment::Account(a)) => after.account_assignments.push(a),
            (Action::Delete, Assignment::Account(a)) => {
                after.account_assignments.retain(|x| x != &a)
            }
            (Action::Create, Assignment::Application(a)) => after.application_assignments.push(a),
            (Action::Delete, Assignment::Application(a)) => {
                after.application_assignments.retain(|x| x != &a)
            }
        }
    }
    after.normalize();
    let old_users = after
        .users
        .iter()
        .filter(|u| u.external_ids.iter().any(|e| e.issuer == OLD_ISSUER))
        .count();
    let old_groups = after
        .groups
        .iter()
        .filter(|g| g.external_ids.iter().any(|e| e.issuer == OLD_ISSUER))
        .count();
    assert!(old_users > 0 && old_groups > 0);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("after.json");
    let written = after.to_json();
    std::fs::write(&file, &written).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .current_dir(dir.path())
        .args(["cleanup", "--issuer", OLD_ISSUER, "--current"])
        .arg(&file)
        .arg("--yes")
        .arg("--log-file")
        .arg(dir.path().join("cutover.log"))
        .output()
        .unwrap();
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(
        stdout.contains(&format!(
            "{} old principals without access (to delete)",
            old_users + old_groups
        )),
        "every old-tenant principal is free after the cutover: {stdout}"
    );
    assert!(!stdout.contains("still holding access"), "{stdout}");
    assert!(stdout.contains("listing only (a dry run)"), "{stdout}");
    assert!(stdout.contains("SCIM"), "{stdout}");
    // Nothing written: no journal, the file untouched.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);
    assert!(!std::fs::read_dir(dir.path()).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".journal.jsonl")));
}
