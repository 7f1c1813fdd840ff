//! `cutover apply` end to end against the AWS emulator, through the fault-injecting proxy:
//!
//! - a whole migration: seed the old world, export the baseline, provision the new principals,
//!   map, plan, apply (with throttling, 5xx, dropped connections and IN_PROGRESS answers),
//!   and the emulator ends exactly at the target, with no assignment created twice, while an
//!   observer checks that no (account, permission set) pair that is populated before and after
//!   ever drops to zero;
//! - the real binary killed with SIGKILL at 20+ random points and rerun until done;
//! - a plan made stale by somebody undoing its work is refused, and `--force` records why.

use crate::common;

use common::World;
use cutover::aws::seed::SeedClients;
use cutover::aws::AwsBackend;
use cutover::backend::{Backend, ProgressSink};
use cutover::fixture::OrgSpec;
use cutover::mapping::{self, Decision, Mapping};
use cutover::model::*;
use cutover::plan::file::PlanFile;
use fault_proxy::{FaultConfig, FaultProxy};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A seeded old world, the new principals provisioned next to it, and the plan that carries
/// every old principal's access to its successor and retires the old ones.
struct Migration {
    world: World,
    dir: tempfile::TempDir,
    current: Snapshot,
    plan_path: PathBuf,
    plan: PlanFile,
}

pub(crate) async fn export(world: &World) -> Snapshot {
    let proxy = world.proxy(FaultConfig::default()).await;
    let backend = AwsBackend::connect(world.live_options(&proxy))
        .await
        .expect("connect");
    let snapshot = backend
        .load(ProgressSink::discard())
        .await
        .expect("export")
        .snapshot;
    proxy.shutdown().await;
    snapshot
}

pub(crate) async fn seed_clients(world: &World) -> (SeedClients, FaultProxy) {
    let proxy = world.proxy(FaultConfig::passthrough()).await;
    let clients = SeedClients::for_endpoint(&proxy.endpoint_url(), world.region).await;
    (clients, proxy)
}

async fn migration(spec: OrgSpec) -> Migration {
    let world = World::seeded(&spec).await;
    let baseline = export(&world).await;
    let store = baseline.instance.identity_store_id.clone();

    // The new identity provider provisions everyone but every fifth person, and every group.
    let (clients, proxy) = seed_clients(&world).await;
    let mut mapping = Mapping::new();
    for (index, user) in baseline.users.iter().enumerate() {
        let decision = if index % 5 == 4 {
            Decision::NoSuccessor
        } else {
            let created = clients
                .identitystore
                .create_user()
                .identity_store_id(&store)
                .user_name(format!("new.{}", user.user_name))
                .display_name(user.display_name.clone().unwrap_or_default())
                .name(
                    aws_sdk_identitystore::types::Name::builder()
                        .given_name("New")
                        .family_name(user.user_name.clone())
                        .build(),
                )
                .send()
                .await
                .expect("provision a new user");
            Decision::Successor(PrincipalId::from(created.user_id()))
        };
        mapping.decide(
            PrincipalType::User,
            PrincipalId::from(user.user_id.as_str()),
            decision,
            None,
        );
    }
    for group in &baseline.groups {
        let created = clients
            .identitystore
            .create_group()
            .identity_store_id(&store)
            .display_name(format!("sg-{}", group.display_name))
            .send()
            .await
            .expect("provision a new group");
        mapping.decide(
            PrincipalType::Group,
            PrincipalId::from(group.group_id.as_str()),
            Decision::Successor(PrincipalId::from(created.group_id())),
            None,
        );
    }
    proxy.shutdown().await;
    let current = export(&world).await;

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let baseline_path = write("baseline.json", &baseline.to_json());
    let current_path = write("current.json", &current.to_json());
    let mapping_path = write(
        "mapping.csv",
        &mapping::file::render(&mapping, &baseline, &current),
    );
    let plan_path = dir.path().join("plan.json");
    let run = cutover(
        dir.path(),
        &[
            "plan",
            "--baseline",
            baseline_path.to_str().unwrap(),
            "--current",
            current_path.to_str().unwrap(),
            "--mapping",
            mapping_path.to_str().unwrap(),
            "--retire-old",
            "--allow-role-deletion",
            "--output",
            plan_path.to_str().unwrap(),
        ],
        None,
    );
    assert!(run.status.success(), "plan: {}", text(&run.stderr));
    let plan = PlanFile::from_json(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    assert!(plan.body.summary.creates > 0 && plan.body.summary.deletes > 0);
    Migration {
        world,
        dir,
        current,
        plan_path,
        plan,
    }
}

pub(crate) fn cutover(dir: &Path, args: &[&str], proxy: Option<&FaultProxy>) -> Output {
    cutover_command(dir, args, proxy)
        .output()
        .expect("run the cutover binary")
}

pub(crate) fn cutover_command(dir: &Path, args: &[&str], proxy: Option<&FaultProxy>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .args(args)
        .arg("--log-file")
        .arg(dir.join("cutover.log"))
        .env("CUTOVER_LOG", "debug")
        .stdin(Stdio::null());
    if let Some(proxy) = proxy {
        command.args([
            "--endpoint-url",
            &proxy.endpoint_url(),
            "--region",
            "eu-west-1",
            // The proxy paces like AWS; the client can run at the proxy's pace.
            "--max-rps-sso-admin",
            "1000",
            "--max-rps-identitystore",
            "1000",
        ]);
    }
    command
}

fn apply_args(plan: &Path) -> Vec<String> {
    vec![
        "apply".into(),
        plan.to_str().unwrap().into(),
        "--yes".into(),
        "--poll-interval-ms".into(),
        "5".into(),
    ]
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The state the plan leads to: current with every operation applied.
fn target_of(current: &Snapshot, plan: &PlanFile) -> BTreeSet<Assignment> {
    let mut state = assignments(current);
    for op in &plan.body.operations {
        let assignment = op.assignment().unwrap();
        match op.action {
            Action::Create => state.insert(assignment),
            Action::Delete => state.remove(&assignment),
        };
    }
    state
}

fn assignments(snapshot: &Snapshot) -> BTreeSet<Assignment> {
    snapshot.assignments().collect()
}

/// Every account assignment the emulator holds at `pairs`, duplicates included (the loader
/// and the writer de-duplicate; this does not, to catch a create sent twice).
async fn raw_listing(
    clients: &SeedClients,
    instance_arn: &str,
    pairs: &BTreeSet<(AccountId, PermissionSetArn)>,
) -> BTreeMap<(AccountId, PermissionSetArn), Vec<Principal>> {
    let mut out = BTreeMap::new();
    for (account, permission_set) in pairs {
        let mut principals = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = clients
                .sso_admin
                .list_account_assignments()
                .instance_arn(instance_arn)
                .account_id(account.as_str())
                .permission_set_arn(permission_set.as_str())
                .set_next_token(next.clone())
                .send()
                .await
                .expect("list account assignments");
            for a in page.account_assignments() {
                principals.push(Principal {
                    principal_type: match a.principal_type() {
                        Some(aws_sdk_ssoadmin::types::PrincipalType::Group) => PrincipalType::Group,
                        _ => PrincipalType::User,
                    },
                    principal_id: PrincipalId::from(a.principal_id().unwrap_or_default()),
                });
            }
            next = page.next_token().map(str::to_owned);
            if next.is_none() {
                break;
            }
        }
        out.insert((account.clone(), permission_set.clone()), principals);
    }
    out
}

fn pairs_of(set: &BTreeSet<Assignment>) -> BTreeMap<(AccountId, PermissionSetArn), usize> {
    let mut pairs = BTreeMap::new();
    for assignment in set {
        if let Assignment::Account(a) = assignment {
            *pairs
                .entry((a.account_id.clone(), a.permission_set_arn.clone()))
                .or_default() += 1;
        }
    }
    pairs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_migration_through_faults_reaches_the_target_without_emptying_a_kept_pair() {
    let m = migration(OrgSpec::small()).await;
    let target = target_of(&m.current, &m.plan);
    let before = pairs_of(&assignments(&m.current));
    let after = pairs_of(&target);
    let kept: BTreeSet<(AccountId, PermissionSetArn)> = before
        .keys()
        .filter(|pair| after.contains_key(*pair))
        .cloned()
        .collect();
    assert!(!kept.is_empty());

    // The observer lists every kept pair, over and over, until apply ends.
    let (clients, observer_proxy) = seed_clients(&m.world).await;
    let instance_arn = m.current.instance.instance_arn.clone();
    let finished = Arc::new(AtomicBool::new(false));
    let observer = {
        let finished = finished.clone();
        let kept = kept.clone();
        tokio::spawn(async move {
            let mut rounds = 0u32;
            let mut emptied = Vec::new();
            while !finished.load(Ordering::SeqCst) || rounds == 0 {
                let listing = raw_listing(&clients, &instance_arn, &kept).await;
                emptied.extend(
                    listing
                        .into_iter()
                        .filter(|(_, principals)| principals.is_empty())
                        .map(|(pair, _)| pair),
                );
                rounds += 1;
            }
            (rounds, emptied)
        })
    };

    let proxy = m
        .world
        .proxy(
            FaultConfig::default()
                .with_throttle_ratio(0.10)
                .with_server_error_ratio(0.02)
                .with_reset_ratio(0.01)
                .with_in_progress_polls(3)
                .with_seed(7),
        )
        .await;
    let args = apply_args(&m.plan_path);
    let dir = m.dir.path().to_owned();
    let proxy_for_run = proxy.endpoint_url();
    let run = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
        command
            .args(&args)
            .args(["--endpoint-url", &proxy_for_run, "--region", "eu-west-1"])
            .args([
                "--max-rps-sso-admin",
                "1000",
                "--max-rps-identitystore",
                "1000",
            ])
            .arg("--log-file")
            .arg(dir.join("cutover.log"))
            .stdin(Stdio::null());
        command.output().expect("run cutover apply")
    })
    .await
    .unwrap();
    finished.store(true, Ordering::SeqCst);
    let (rounds, emptied) = observer.await.unwrap();
    observer_proxy.shutdown().await;
    assert!(
        run.status.success(),
        "apply: {}\n{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    let stdout = text(&run.stdout);
    assert!(
        stdout.contains("Done. Check the result with `cutover verify"),
        "{stdout}"
    );
    let stats = proxy.stats();
    assert!(stats.total().throttled_injected > 0, "faults were injected");
    assert!(
        stats.total().in_progress_rewrites > 0,
        "IN_PROGRESS answers were given"
    );
    assert!(rounds > 0);
    assert!(
        emptied.is_empty(),
        "pairs populated before and after dropped to zero during apply: {emptied:?}"
    );

    // The emulator holds exactly the target, and no assignment twice.
    let now = export(&m.world).await;
    assert_eq!(assignments(&now), target);
    let (clients, seed_proxy) = seed_clients(&m.world).await;
    let all_pairs: BTreeSet<(AccountId, PermissionSetArn)> = after.keys().cloned().collect();
    for (pair, principals) in raw_listing(&clients, &now.instance.instance_arn, &all_pairs).await {
        let distinct: BTreeSet<&Principal> = principals.iter().collect();
        assert_eq!(
            distinct.len(),
            principals.len(),
            "a duplicate assignment in {pair:?}"
        );
    }
    seed_proxy.shutdown().await;

    // Running apply again finds nothing to do.
    let args = apply_args(&m.plan_path);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let again = cutover(m.dir.path(), &args, Some(&proxy));
    assert!(again.status.success());
    assert!(text(&again.stdout).contains("Nothing to do"));

    // Verify: the target is reached.
    let verify = cutover(
        m.dir.path(),
        &["verify", m.plan_path.to_str().unwrap()],
        Some(&proxy),
    );
    assert!(
        verify.status.success(),
        "verify: {}\n{}",
        text(&verify.stdout),
        text(&verify.stderr)
    );

    // Clean up: every old principal holds nothing any more, so all of them go.
    let mapping = m.dir.path().join("mapping.csv");
    let baseline = m.dir.path().join("baseline.json");
    let journal = m.dir.path().join("cleanup.journal.jsonl");
    let cleanup = cutover(
        m.dir.path(),
        &[
            "cleanup",
            "--mapping",
            mapping.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
            "--yes",
        ],
        Some(&proxy),
    );
    assert!(
        cleanup.status.success(),
        "cleanup: {}\n{}",
        text(&cleanup.stdout),
        text(&cleanup.stderr)
    );
    proxy.shutdown().await;

    // The emulator's final state is exactly the target: the new principals only, holding
    // exactly the target's assignments.
    let old: Snapshot = Snapshot::from_json(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let old_users: BTreeSet<&UserId> = old.users.iter().map(|u| &u.user_id).collect();
    let old_groups: BTreeSet<&GroupId> = old.groups.iter().map(|g| &g.group_id).collect();
    let end = export(&m.world).await;
    assert_eq!(assignments(&end), target);
    assert!(end.users.iter().all(|u| !old_users.contains(&u.user_id)));
    assert!(end.groups.iter().all(|g| !old_groups.contains(&g.group_id)));
    assert_eq!(
        end.users.len() + old_users.len(),
        m.current.users.len(),
        "every old user deleted, every new one kept"
    );
    assert_eq!(end.groups.len() + old_groups.len(), m.current.groups.len());
    let deletes = std::fs::read_to_string(&journal).unwrap().lines().count();
    assert_eq!(deletes, old_users.len() + old_groups.len());
}

pub(crate) fn journal_lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.matches('\n').count())
        .unwrap_or(0)
}

/// Runs `cutover apply` and kills it with SIGKILL once its journal has `kill_at` lines; `true`
/// when it was killed, `false` when it finished first (its output is checked).
fn run_until_journal_has(
    m: &Migration,
    proxy: &FaultProxy,
    journal: &Path,
    kill_at: usize,
    extra: &[&str],
) -> bool {
    let args = apply_args(&m.plan_path);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.extend(extra);
    let mut child = cutover_command(m.dir.path(), &args, Some(proxy))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cutover apply");
    loop {
        if child.try_wait().expect("poll the child").is_some() {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "apply ended unsuccessfully without being killed: {}\n{}",
                text(&output.stdout),
                text(&output.stderr)
            );
            return false;
        }
        if journal_lines(journal) >= kill_at {
            child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix.
            child.wait().unwrap();
            return true;
        }
        // Watching a file for growth: a kill point, not a synchronisation of the assertions.
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// What each operation's journal records say, checked for consistency: nothing done twice,
/// nothing started again once done.
fn check_journal(journal: &Path, operations: usize) {
    let text = std::fs::read_to_string(journal).unwrap();
    let mut done = BTreeSet::new();
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("journal line is not JSON ({e}): {line}"));
        let op = record["op"].as_u64();
        match (record["event"].as_str(), record["status"].as_str(), op) {
            (Some("outcome"), Some("succeeded" | "already_done"), Some(op)) => {
                assert!(done.insert(op), "operation {op} done twice")
            }
            (Some("intent"), _, Some(op)) => {
                assert!(
                    !done.contains(&op),
                    "operation {op} started after it was done"
                )
            }
            _ => {}
        }
    }
    assert_eq!(done.len(), operations, "every operation ends done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_sigkill_at_random_points_it_resumes_and_converges_without_duplicates() {
    let m = migration(OrgSpec::small()).await;
    let target = target_of(&m.current, &m.plan);
    let proxy = m
        .world
        .proxy(FaultConfig::default().with_in_progress_polls(1))
        .await;
    let journal = cutover::apply::journal::default_path(&m.plan_path);
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
    let mut kills = 0;
    let mut runs = 0;
    loop {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let kill_at = journal_lines(&journal) + 1 + (rng % 40) as usize;
        runs += 1;
        let m_ref = &m;
        let proxy_ref = &proxy;
        let killed = tokio::task::block_in_place(|| {
            run_until_journal_has(m_ref, proxy_ref, &journal, kill_at, &[])
        });
        if !killed {
            break;
        }
        kills += 1;
        assert!(runs < 400, "no convergence after {runs} runs");
    }
    eprintln!("converged after {kills} SIGKILLs ({runs} runs; seed {rng:#x})");
    assert!(kills >= 20, "only {kills} kill points were reached");

    let now = export(&m.world).await;
    assert_eq!(assignments(&now), target);
    let (clients, seed_proxy) = seed_clients(&m.world).await;
    let pairs: BTreeSet<(AccountId, PermissionSetArn)> =
        pairs_of(&target).keys().cloned().collect();
    for (pair, principals) in raw_listing(&clients, &now.instance.instance_arn, &pairs).await {
        let distinct: BTreeSet<&Principal> = principals.iter().collect();
        assert_eq!(
            distinct.len(),
            principals.len(),
            "a duplicate assignment in {pair:?}"
        );
    }
    seed_proxy.shutdown().await;
    check_journal(&journal, m.plan.body.operations.len());
    proxy.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_made_stale_by_somebody_undoing_it_is_refused_and_force_records_the_drift() {
    let m = migration(OrgSpec::small()).await;
    let proxy = m.world.proxy(FaultConfig::default()).await;
    let journal = cutover::apply::journal::default_path(&m.plan_path);
    // A first run that gets some creates done, then dies.
    let killed = tokio::task::block_in_place(|| {
        run_until_journal_has(&m, &proxy, &journal, 40, &["--max-in-flight", "1"])
    });
    assert!(killed);
    let done_create = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|r| r["event"] == "outcome" && r["status"] == "succeeded")
        .filter_map(|r| r["op"].as_u64())
        .map(|op| &m.plan.body.operations[op as usize - 1])
        .find(|op| op.action == Action::Create && op.account_id.is_some())
        .expect("a create done before the kill")
        .clone();

    // Somebody removes an assignment the plan just created.
    let (clients, seed_proxy) = seed_clients(&m.world).await;
    clients
        .sso_admin
        .delete_account_assignment()
        .instance_arn(&m.current.instance.instance_arn)
        .target_id(done_create.account_id.as_ref().unwrap().as_str())
        .target_type(aws_sdk_ssoadmin::types::TargetType::AwsAccount)
        .permission_set_arn(done_create.permission_set_arn.as_ref().unwrap().as_str())
        .principal_type(match done_create.principal_type {
            PrincipalType::User => aws_sdk_ssoadmin::types::PrincipalType::User,
            PrincipalType::Group => aws_sdk_ssoadmin::types::PrincipalType::Group,
        })
        .principal_id(done_create.principal_id.as_str())
        .send()
        .await
        .expect("delete behind cutover's back");
    seed_proxy.shutdown().await;

    let args = apply_args(&m.plan_path);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let refused = cutover(m.dir.path(), &args, Some(&proxy));
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("the plan is stale"), "{stderr}");
    assert!(
        stderr.contains("somebody is undoing the cutover"),
        "{stderr}"
    );
    assert!(
        stderr.contains(done_create.principal_id.as_str()),
        "{stderr}"
    );
    let lines_after_refusal = journal_lines(&journal);

    let mut forced_args = args.clone();
    forced_args.push("--force");
    let forced = cutover(m.dir.path(), &forced_args, Some(&proxy));
    assert!(
        forced.status.success(),
        "{}\n{}",
        text(&forced.stdout),
        text(&forced.stderr)
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .skip(lines_after_refusal)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records[0]["event"], "run_started");
    let forced_drift = records[0]["forced_drift"]
        .as_array()
        .expect("the drift is recorded");
    assert!(forced_drift.iter().any(|l| l
        .as_str()
        .unwrap()
        .contains(done_create.principal_id.as_str())));
    // The undone create was made again: the target is reached.
    let now = export(&m.world).await;
    assert_eq!(assignments(&now), target_of(&m.current, &m.plan));
    proxy.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_new_writes_lets_outstanding_ones_finish_and_says_how_to_resume() {
    let m = migration(OrgSpec::small()).await;
    // Slow completions keep writes outstanding when the interrupt comes.
    let proxy = m
        .world
        .proxy(FaultConfig::default().with_in_progress_polls(4))
        .await;
    let journal = cutover::apply::journal::default_path(&m.plan_path);
    let args = apply_args(&m.plan_path);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = cutover_command(m.dir.path(), &args, Some(&proxy))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cutover apply");
    let interrupted = tokio::task::block_in_place(|| {
        while journal_lines(&journal) < 30 {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            // Watching a file for growth: when to interrupt, not a synchronisation.
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("send SIGINT");
        assert!(status.success());
        true
    });
    assert!(interrupted, "apply finished before it could be interrupted");
    let output = tokio::task::block_in_place(|| child.wait_with_output().unwrap());
    assert_eq!(
        output.status.code(),
        Some(1),
        "an interrupted apply is incomplete"
    );
    let stdout = text(&output.stdout);
    assert!(stdout.contains("Resume with `cutover apply"), "{stdout}");
    assert!(text(&output.stderr).contains("Stopping: no new writes"));

    // The journal ends with the run's end, and every write it started has its outcome.
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = records.last().unwrap();
    assert_eq!(last["event"], "run_ended");
    assert_eq!(last["interrupted"], true);
    let mut open = BTreeSet::new();
    for record in &records {
        match (record["event"].as_str(), record["op"].as_u64()) {
            (Some("intent"), Some(op)) => {
                open.insert(op);
            }
            (Some("outcome"), Some(op)) => {
                open.remove(&op);
            }
            _ => {}
        }
    }
    assert!(
        open.is_empty(),
        "writes without an outcome after Ctrl-C: {open:?}"
    );

    // Resuming finishes the job.
    let resumed = cutover(m.dir.path(), &args, Some(&proxy));
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(text(&resumed.stdout).contains("Resuming"));
    let now = export(&m.world).await;
    assert_eq!(assignments(&now), target_of(&m.current, &m.plan));
    proxy.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_to_confirm_on_and_without_yes_nothing_is_written() {
    let m = migration(OrgSpec::small()).await;
    let proxy = m.world.proxy(FaultConfig::default()).await;
    let run = cutover(
        m.dir.path(),
        &["apply", m.plan_path.to_str().unwrap()],
        Some(&proxy),
    );
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(stderr.contains("pass --yes"), "{stderr}");
    let journal = cutover::apply::journal::default_path(&m.plan_path);
    assert!(!journal.exists(), "no journal: nothing was started");
    let stats = proxy.stats();
    assert!(
        stats.operation_count("SWBExternalService.ListAccountAssignments") > 0,
        "the touched places were read before asking"
    );
    assert_eq!(
        stats.operation_count("SWBExternalService.CreateAccountAssignment")
            + stats.operation_count("SWBExternalService.DeleteAccountAssignment"),
        0,
        "no write reached AWS"
    );
    assert_eq!(
        assignments(&export(&m.world).await),
        assignments(&m.current)
    );
    proxy.shutdown().await;
}

/// Loads the instance of `world`'s account in `region` (another instance of the same emulated
/// account: moto keeps one per account and Region).
async fn export_in(world: &World, region: &str) -> Snapshot {
    let proxy = world.proxy(FaultConfig::default()).await;
    let options = cutover::aws::LiveOptions {
        region: Some(region.to_owned()),
        ..world.live_options(&proxy)
    };
    let backend = AwsBackend::connect(options).await.expect("connect");
    let snapshot = backend
        .load(ProgressSink::discard())
        .await
        .expect("export")
        .snapshot;
    proxy.shutdown().await;
    snapshot
}

/// The issue-13 path end to end on the emulator: seed an instance, export it, create the same
/// people in an empty instance (the same emulated account in another Region), plan with
/// `--create-permission-sets`, apply, verify (exit 0), and the permission sets' definitions in
/// the new instance equal the baseline's. Tags and permissions boundaries are not part of it:
/// moto implements neither (the proxy answers their reads the way AWS answers a permission set
/// without them); their writes are covered by the simulation tests in `apply::permission_sets`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_sets_are_carried_into_an_empty_instance_and_verify_passes() {
    const NEW_REGION: &str = "eu-central-1";
    let world = World::seeded(&OrgSpec::small()).await;
    let baseline = export(&world).await;
    assert!(!baseline.permission_sets.is_empty());
    assert!(
        baseline
            .permission_sets
            .iter()
            .any(|p| !p.managed_policies.is_empty() || p.inline_policy.is_some()),
        "the fixture's permission sets carry policies"
    );

    // The new instance: the same people and groups, provisioned anew (new ids), nothing else.
    let proxy = world.proxy(FaultConfig::passthrough()).await;
    let clients = SeedClients::for_endpoint(&proxy.endpoint_url(), NEW_REGION).await;
    let mut people = Snapshot::empty(InstanceInfo::default(), baseline.captured_at);
    people.users = baseline.users.clone();
    people.groups = baseline.groups.clone();
    let provisioned = cutover::aws::seed::seed(&clients, &people)
        .await
        .expect("seed the new instance");
    proxy.shutdown().await;
    assert_ne!(
        provisioned.instance.instance_arn, baseline.instance.instance_arn,
        "another Region is another instance"
    );
    let empty = export_in(&world, NEW_REGION).await;
    assert!(empty.permission_sets.is_empty() && empty.account_assignments.is_empty());

    // The same people by name: (type, old id, new id).
    let users = |s: &Snapshot| -> Vec<(PrincipalType, String, String)> {
        s.users
            .iter()
            .map(|u| {
                (
                    PrincipalType::User,
                    u.user_name.clone(),
                    u.user_id.to_string(),
                )
            })
            .chain(s.groups.iter().map(|g| {
                (
                    PrincipalType::Group,
                    g.display_name.clone(),
                    g.group_id.to_string(),
                )
            }))
            .collect()
    };
    let new_ids: BTreeMap<(PrincipalType, String), String> = users(&empty)
        .into_iter()
        .map(|(kind, name, id)| ((kind, name), id))
        .collect();
    let mut mapping = Mapping::new();
    for (kind, name, old_id) in users(&baseline) {
        let new_id = &new_ids[&(kind, name)];
        mapping.decide(
            kind,
            PrincipalId::from(old_id.as_str()),
            Decision::Successor(PrincipalId::from(new_id.as_str())),
            None,
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let baseline_path = dir.path().join("baseline.json");
    std::fs::write(&baseline_path, baseline.to_json()).unwrap();
    let mapping_path = dir.path().join("mapping.csv");
    std::fs::write(
        &mapping_path,
        mapping::file::render(&mapping, &baseline, &empty),
    )
    .unwrap();
    let plan_path = dir.path().join("plan.json");

    let proxy = world.proxy(FaultConfig::default()).await;
    let live = |args: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(args)
            .args([
                "--endpoint-url",
                &proxy.endpoint_url(),
                "--region",
                NEW_REGION,
            ])
            .args([
                "--max-rps-sso-admin",
                "1000",
                "--max-rps-identitystore",
                "1000",
            ])
            .arg("--log-file")
            .arg(dir.path().join("cutover.log"))
            .stdin(Stdio::null())
            .output()
            .expect("run the cutover binary")
    };
    let run = live(&[
        "plan",
        "--baseline",
        baseline_path.to_str().unwrap(),
        "--mapping",
        mapping_path.to_str().unwrap(),
        "--create-permission-sets",
        "--output",
        plan_path.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "plan: {}", text(&run.stderr));
    let plan = PlanFile::from_json(&std::fs::read_to_string(&plan_path).unwrap()).unwrap();
    assert_eq!(plan.body.format, cutover::plan::file::PLAN_FORMAT_V2);
    assert_eq!(
        plan.body.summary.permission_sets_created,
        baseline.permission_sets.len()
    );
    assert!(plan.body.summary.creates > 0 && plan.body.summary.provisionings > 0);

    let args = apply_args(&plan_path);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = live(&args);
    assert!(
        run.status.success(),
        "apply: {}\n{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    let run = live(&["verify", plan_path.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "verify: {}\n{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    // A second apply has nothing left to do.
    let run = live(&args);
    assert!(run.status.success(), "apply again: {}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("Nothing to do"),
        "{}",
        text(&run.stdout)
    );
    proxy.shutdown().await;

    let after = export_in(&world, NEW_REGION).await;
    let definitions = |s: &Snapshot| -> BTreeMap<String, PermissionSetDefinition> {
        s.permission_sets
            .iter()
            .map(|p| (p.name.clone(), PermissionSetDefinition::of(p)))
            .collect()
    };
    assert_eq!(definitions(&after), definitions(&baseline));
    // Every baseline assignment of a mapped principal is there, on the new permission set.
    let name_of = |s: &Snapshot, arn: &PermissionSetArn| {
        s.permission_sets
            .iter()
            .find(|p| &p.permission_set_arn == arn)
            .map(|p| p.name.clone())
    };
    let successor: BTreeMap<&str, &str> = mapping
        .iter()
        .filter_map(|(old, entry)| match &entry.decision {
            Decision::Successor(new) => Some((old.as_str(), new.as_str())),
            Decision::NoSuccessor => None,
        })
        .collect();
    let expected: BTreeSet<(String, Option<String>, String)> = baseline
        .account_assignments
        .iter()
        .filter_map(|a| {
            Some((
                a.account_id.to_string(),
                name_of(&baseline, &a.permission_set_arn),
                successor.get(a.principal_id.as_str())?.to_string(),
            ))
        })
        .collect();
    let found: BTreeSet<(String, Option<String>, String)> = after
        .account_assignments
        .iter()
        .map(|a| {
            (
                a.account_id.to_string(),
                name_of(&after, &a.permission_set_arn),
                a.principal_id.to_string(),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(found, expected);
}
