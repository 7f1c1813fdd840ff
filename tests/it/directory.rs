//! The directory against the AWS emulator (moto 5.2), through the fault proxy:
//!
//! - the identity store writes of `impl DirectoryWriter for AwsBackend` (create, list,
//!   membership, delete; `UpdateUser`/`UpdateGroup` are not implemented by moto and are tested
//!   through the SDK's test HTTP client in `src/aws/directory.rs`);
//! - `cutover directory apply` with throttling, killed with SIGKILL and rerun until done,
//!   nothing created twice;
//! - the AD → Identity Center directory path end to end: seed, export the baseline, delete every
//!   user, group and assignment (the switch), `directory restore` (throttled, killed once and
//!   resumed), `plan`, `apply`, `verify` exit 0, and every baseline assignment held again by the
//!   restored principals.

use super::apply::{cutover, cutover_command, export, journal_lines, seed_clients, text};
use crate::common::World;
use cutover::aws::AwsBackend;
use cutover::backend::directory::{DirectoryWriter, GroupSpec, UserSpec};
use cutover::fixture::OrgSpec;
use cutover::mapping;
use cutover::model::*;
use fault_proxy::{FaultConfig, FaultProxy};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

async fn connect(world: &World, proxy: &FaultProxy) -> AwsBackend {
    AwsBackend::connect(world.live_options(proxy))
        .await
        .expect("connect")
}

fn spec(user_name: &str) -> UserSpec {
    UserSpec {
        user_name: user_name.to_owned(),
        display_name: Some(format!("{user_name} display")),
        name: Some(PersonName {
            given_name: Some("Given".into()),
            family_name: Some("Family".into()),
            ..PersonName::default()
        }),
        emails: vec![Email {
            value: format!("{user_name}@example.com"),
            kind: Some("work".into()),
            primary: true,
        }],
        profile: UserProfile {
            title: Some("Engineer".into()),
            nick_name: Some("nick".into()),
            locale: Some("pt-PT".into()),
            phone_numbers: vec![Typed {
                value: "+351 1".into(),
                kind: Some("work".into()),
                display: None,
                primary: true,
            }],
            addresses: vec![Address {
                locality: Some("Lisbon".into()),
                country: Some("PT".into()),
                primary: true,
                ..Address::default()
            }],
            ..UserProfile::default()
        },
    }
}

#[tokio::test]
async fn users_groups_and_memberships_are_written_read_and_deleted() {
    let world = World::seeded(&OrgSpec::new(3, 1, 1, 1, 2)).await;
    let proxy = world.proxy(FaultConfig::default()).await;
    let aws = connect(&world, &proxy).await;

    let user_id = aws
        .create_user(&spec("ana.chen"))
        .await
        .expect("create user");
    let users = aws.list_users().await.unwrap();
    let ana = users.iter().find(|u| u.user_id == user_id).expect("listed");
    assert_eq!(ana.user_name, "ana.chen");
    assert_eq!(ana.primary_email(), Some("ana.chen@example.com"));
    assert_eq!(ana.profile.title.as_deref(), Some("Engineer"));
    assert_eq!(ana.profile.locale.as_deref(), Some("pt-PT"));
    assert_eq!(ana.profile.addresses[0].locality.as_deref(), Some("Lisbon"));
    assert_eq!(ana.profile.phone_numbers[0].value, "+351 1");
    let again = aws.create_user(&spec("ana.chen")).await.unwrap_err();
    assert_eq!(again.code.as_deref(), Some("ConflictException"));

    let group_id = aws
        .create_group(&GroupSpec {
            display_name: "platform-admins".into(),
            description: Some("on call".into()),
        })
        .await
        .expect("create group");
    let membership = aws.add_member(&group_id, &user_id).await.expect("add");
    let members = aws.list_members(&group_id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].user_id, user_id);
    let groups_of = aws.list_groups_of(&user_id).await.unwrap();
    assert_eq!(groups_of.len(), 1);
    assert_eq!(groups_of[0].group_id, group_id);

    aws.remove_member(&membership).await.expect("remove");
    assert!(aws.list_members(&group_id).await.unwrap().is_empty());
    aws.delete_group(&group_id).await.expect("delete group");
    aws.delete_user(&user_id).await.expect("delete user");
    assert!(!aws
        .list_users()
        .await
        .unwrap()
        .iter()
        .any(|u| u.user_id == user_id));
    assert!(!aws
        .list_groups()
        .await
        .unwrap()
        .iter()
        .any(|g| g.group_id == group_id));
    proxy.shutdown().await;
}

/// Runs `cutover ARGS` and kills it with SIGKILL once `journal` has `kill_at` lines: `true`
/// when it was killed, `false` when it finished first (then it must have succeeded).
fn run_killed_at(
    dir: &Path,
    args: &[&str],
    proxy: &FaultProxy,
    journal: &Path,
    kill_at: usize,
) -> bool {
    let mut child = cutover_command(dir, args, Some(proxy))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cutover");
    loop {
        if child.try_wait().expect("poll the child").is_some() {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{args:?} ended unsuccessfully without being killed: {}\n{}",
                text(&output.stdout),
                text(&output.stderr)
            );
            return false;
        }
        if journal_lines(journal) >= kill_at {
            child.kill().expect("SIGKILL");
            child.wait().unwrap();
            return true;
        }
        // Watching a file for growth: a kill point, not a synchronisation of the assertions.
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Runs the command, killing it at growing journal sizes, until a run finishes; the number of
/// kills.
fn run_with_kills(
    dir: &Path,
    args: &[&str],
    proxy: &FaultProxy,
    journal: &Path,
    every: usize,
) -> usize {
    let mut kills = 0;
    loop {
        let kill_at = journal_lines(journal) + every;
        if !run_killed_at(dir, args, proxy, journal, kill_at) {
            return kills;
        }
        kills += 1;
        assert!(kills < 100, "no convergence after {kills} kills");
    }
}

/// Membership (group, user) pairs, each with how many memberships the store holds for it.
async fn membership_counts(aws: &AwsBackend) -> BTreeMap<(GroupId, UserId), usize> {
    let mut counts = BTreeMap::new();
    for group in aws.list_groups().await.unwrap() {
        for m in aws.list_members(&group.group_id).await.unwrap() {
            *counts.entry((m.group_id, m.user_id)).or_default() += 1;
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changes_file_survives_throttling_and_sigkills_and_nothing_is_done_twice() {
    let world = World::seeded(&OrgSpec::new(4, 2, 1, 1, 2)).await;
    let dir = tempfile::tempdir().unwrap();
    let doomed_group = world.expected.groups[0].display_name.clone();
    let mut csv = String::from("action,user,group,display_name,given_name,family_name,emails\n");
    for i in 0..24 {
        csv +=
            &format!("create-user,new.user{i},,New User {i},New,User{i},new.user{i}@example.com\n");
    }
    for g in 0..3 {
        csv += &format!("create-group,,team-{g},,,,\n");
    }
    for i in 0..24 {
        csv += &format!("add-member,new.user{i},team-{},,,,\n", i % 3);
    }
    csv += &format!("delete-group,,{doomed_group},,,,\n");
    let changes = dir.path().join("changes.csv");
    std::fs::write(&changes, &csv).unwrap();
    let journal = dir.path().join("changes.csv.journal.jsonl");
    let proxy = world
        .proxy(
            FaultConfig::default()
                .with_throttle_ratio(0.15)
                .with_latency(Duration::from_millis(5)),
        )
        .await;

    // The dry run shows every row and sends nothing.
    let dry = cutover(
        dir.path(),
        &[
            "directory",
            "apply",
            "--changes",
            changes.to_str().unwrap(),
            "--dry-run",
        ],
        Some(&proxy),
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    let shown = text(&dry.stdout);
    assert!(
        shown.contains("line 2") && shown.contains("will    create user new.user0"),
        "{shown}"
    );
    assert!(
        shown.contains("52 requests to send, 0 already done, 0 refused"),
        "{shown}"
    );
    assert!(!journal.exists(), "a dry run journals nothing");

    let args = [
        "directory",
        "apply",
        "--changes",
        changes.to_str().unwrap(),
        "--yes",
    ];
    let kills = run_with_kills(dir.path(), &args, &proxy, &journal, 17);
    assert!(kills >= 2, "killed {kills} times");
    assert!(
        proxy.stats().total().throttled_injected > 0,
        "the proxy throttled"
    );

    let aws = connect(&world, &proxy).await;
    let users = aws.list_users().await.unwrap();
    for i in 0..24 {
        let n = users
            .iter()
            .filter(|u| u.user_name == format!("new.user{i}"))
            .count();
        assert_eq!(n, 1, "new.user{i} exists once");
    }
    let groups = aws.list_groups().await.unwrap();
    assert!(!groups.iter().any(|g| g.display_name == doomed_group));
    let counts = membership_counts(&aws).await;
    let new_memberships: Vec<_> = counts
        .iter()
        .filter(|((g, _), _)| {
            groups
                .iter()
                .any(|x| &x.group_id == g && x.display_name.starts_with("team-"))
        })
        .collect();
    assert_eq!(new_memberships.len(), 24);
    assert!(
        new_memberships.iter().all(|(_, n)| **n == 1),
        "no membership twice: {new_memberships:?}"
    );

    // Once more: everything is done, nothing is sent.
    let again = cutover(dir.path(), &args, Some(&proxy));
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("0 requests to send, 52 already done"),
        "{}",
        text(&again.stdout)
    );
    proxy.shutdown().await;
}

/// The switch to or from Active Directory: every user, group and assignment is deleted.
async fn switch(world: &World, baseline: &Snapshot) {
    let (clients, proxy) = seed_clients(world).await;
    let instance = &baseline.instance.instance_arn;
    let store = &baseline.instance.identity_store_id;
    for a in &baseline.account_assignments {
        clients
            .sso_admin
            .delete_account_assignment()
            .instance_arn(instance)
            .target_id(a.account_id.as_str())
            .target_type(aws_sdk_ssoadmin::types::TargetType::AwsAccount)
            .permission_set_arn(a.permission_set_arn.as_str())
            .principal_type(match a.principal_type {
                PrincipalType::User => aws_sdk_ssoadmin::types::PrincipalType::User,
                PrincipalType::Group => aws_sdk_ssoadmin::types::PrincipalType::Group,
            })
            .principal_id(a.principal_id.as_str())
            .send()
            .await
            .expect("delete an assignment");
    }
    for m in &baseline.group_memberships {
        if let Some(id) = &m.membership_id {
            clients
                .identitystore
                .delete_group_membership()
                .identity_store_id(store)
                .membership_id(id)
                .send()
                .await
                .expect("delete a membership");
        }
    }
    for u in &baseline.users {
        clients
            .identitystore
            .delete_user()
            .identity_store_id(store)
            .user_id(u.user_id.as_str())
            .send()
            .await
            .expect("delete a user");
    }
    for g in &baseline.groups {
        clients
            .identitystore
            .delete_group()
            .identity_store_id(store)
            .group_id(g.group_id.as_str())
            .send()
            .await
            .expect("delete a group");
    }
    proxy.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ad_to_identity_center_directory_baseline_switch_restore_plan_apply_verify() {
    let world = World::seeded(&OrgSpec::new(16, 5, 3, 3, 40)).await;
    let baseline = export(&world).await;
    assert!(!baseline.group_memberships.is_empty() && !baseline.account_assignments.is_empty());
    switch(&world, &baseline).await;
    let after_switch = export(&world).await;
    assert!(after_switch.users.is_empty() && after_switch.account_assignments.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    std::fs::write(path("baseline.json"), baseline.to_json()).unwrap();
    let proxy = world
        .proxy(
            FaultConfig::default()
                .with_throttle_ratio(0.1)
                .with_latency(Duration::from_millis(5)),
        )
        .await;

    let restore = [
        "directory",
        "restore",
        "--baseline",
        &path("baseline.json"),
        "--mapping",
        &path("mapping.csv"),
        "--yes",
    ];
    let restore: Vec<&str> = restore.iter().map(|s| s.as_ref()).collect();
    let journal = dir.path().join("mapping.csv.restore.journal.jsonl");
    let kills = run_with_kills(dir.path(), &restore, &proxy, &journal, 25);
    assert!(kills >= 1, "the restore was killed at least once");

    let mapping_text = std::fs::read_to_string(path("mapping.csv")).unwrap();
    let restored = export(&world).await;
    let parsed =
        mapping::file::parse(&mapping_text, &baseline, &restored).expect("a valid mapping");
    assert_eq!(parsed.len(), baseline.users.len() + baseline.groups.len());
    assert!(parsed
        .iter()
        .all(|(_, e)| e.method.as_deref() == Some("restored")));
    // Every user came back once, with its attributes; every membership once.
    assert_eq!(restored.users.len(), baseline.users.len());
    for old in &baseline.users {
        let new_id = parsed
            .successor(&PrincipalId::from(old.user_id.as_str()))
            .unwrap();
        let new = restored
            .users
            .iter()
            .find(|u| u.user_id.as_str() == new_id.as_str())
            .unwrap();
        assert_eq!(
            (&new.user_name, &new.display_name, &new.name, &new.emails),
            (&old.user_name, &old.display_name, &old.name, &old.emails)
        );
    }
    let new_of = |id: &str| {
        parsed
            .successor(&PrincipalId::from(id))
            .unwrap()
            .as_str()
            .to_owned()
    };
    let wanted: BTreeSet<(String, String)> = baseline
        .group_memberships
        .iter()
        .map(|m| (new_of(m.group_id.as_str()), new_of(m.user_id.as_str())))
        .collect();
    let mut held: Vec<(String, String)> = restored
        .group_memberships
        .iter()
        .map(|m| (m.group_id.0.clone(), m.user_id.0.clone()))
        .collect();
    held.sort();
    assert_eq!(held.iter().cloned().collect::<BTreeSet<_>>(), wanted);
    assert_eq!(held.len(), wanted.len(), "no membership twice");

    // Plan, apply, verify.
    let plan = cutover(
        dir.path(),
        &[
            "plan",
            "--baseline",
            &path("baseline.json"),
            "--mapping",
            &path("mapping.csv"),
            "--output",
            &path("plan.json"),
        ],
        Some(&proxy),
    );
    assert!(plan.status.success(), "plan: {}", text(&plan.stderr));
    let apply = cutover(
        dir.path(),
        &[
            "apply",
            &path("plan.json"),
            "--yes",
            "--poll-interval-ms",
            "5",
        ],
        Some(&proxy),
    );
    assert!(
        apply.status.success(),
        "apply: {}\n{}",
        text(&apply.stdout),
        text(&apply.stderr)
    );
    let verify = cutover(dir.path(), &["verify", &path("plan.json")], Some(&proxy));
    assert!(
        verify.status.success(),
        "verify: {}\n{}",
        text(&verify.stdout),
        text(&verify.stderr)
    );

    let now = export(&world).await;
    let assigned: BTreeSet<AccountAssignment> = now.account_assignments.iter().cloned().collect();
    for a in &baseline.account_assignments {
        let Some(new_id) = parsed.successor(&a.principal_id) else {
            // An orphaned assignment of the baseline names nobody to restore.
            assert!(!baseline
                .users
                .iter()
                .any(|u| u.user_id.as_str() == a.principal_id.as_str()));
            continue;
        };
        let held = AccountAssignment {
            principal_id: new_id.clone(),
            ..a.clone()
        };
        assert!(assigned.contains(&held), "not held again: {held:?}");
    }
    proxy.shutdown().await;
}
