//! Apply benchmark: a generated organization is seeded into the emulator, a successor is
//! provisioned for every user and group, and the plan that moves every assignment to the
//! successors and retires the old ones (2,000 creates, then 2,000 deletes) is applied through
//! the fault proxy set like Identity Center: 20 requests/s per API family, 60 ms latency, and
//! every account-assignment write completing 1–3 s after it was accepted. cutover runs at its
//! defaults (18 requests/s, 10 writes outstanding).
//!
//! The **floor** is what no client can beat under those limits: every write needs its request
//! and at least one status poll (two sso-admin calls), plus one listing per touched pair, at 20
//! per second; and at most 10 writes can be outstanding, each for its completion time (1–3 s,
//! 2 s on average) plus the latency of its request. The floor is the larger of the two.
//!
//! Needs the emulator: `scripts/with-moto cargo bench --bench apply` (about 15 minutes).
//! `cargo test --all-targets` (and so CI) runs this target without `--bench`: a smoke run with
//! 40 assignments and 0.1–0.3 s completions, which still checks the emulator ends at the target.
//! Options: --assignments N (default 2000), --rps N (20), --latency-ms N (60),
//! --completion-ms MIN MAX (1000 3000), --max-in-flight N (10).

use cutover::apply::{self, ApplyOptions, Control, JournalState, JournalWriter, StartingPoint};
use cutover::aws::seed::{self, SeedClients};
use cutover::aws::{AwsBackend, LiveOptions};
use cutover::backend::{Backend, ProgressSink};
use cutover::fixture::{self, OrgSpec};
use cutover::mapping::{Decision, Mapping};
use cutover::model::*;
use cutover::plan::file::PlanFile;
use cutover::plan::{self, PlanOptions};
use fault_proxy::{ApiFamily, FaultConfig, FaultProxy};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

struct Args {
    assignments: usize,
    rps: f64,
    latency: Duration,
    completion: (Duration, Duration),
    max_in_flight: usize,
}

fn parse_args() -> Args {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut args = if benchmarking {
        Args {
            assignments: 2_000,
            rps: 20.0,
            latency: Duration::from_millis(60),
            completion: (Duration::from_millis(1_000), Duration::from_millis(3_000)),
            max_in_flight: 10,
        }
    } else {
        Args {
            assignments: 40,
            rps: 20.0,
            latency: Duration::from_millis(5),
            completion: (Duration::from_millis(100), Duration::from_millis(300)),
            max_in_flight: 10,
        }
    };
    let mut it = std::env::args().skip(1);
    let number = |v: Option<String>, flag: &str| -> u64 {
        v.and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{flag} N"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--assignments" => args.assignments = number(it.next(), "--assignments") as usize,
            "--rps" => args.rps = number(it.next(), "--rps") as f64,
            "--latency-ms" => {
                args.latency = Duration::from_millis(number(it.next(), "--latency-ms"))
            }
            "--completion-ms" => {
                let min = number(it.next(), "--completion-ms");
                let max = number(it.next(), "--completion-ms");
                args.completion = (Duration::from_millis(min), Duration::from_millis(max));
            }
            "--max-in-flight" => args.max_in_flight = number(it.next(), "--max-in-flight") as usize,
            _ => {}
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let moto = std::env::var("CUTOVER_TEST_MOTO_URL").expect(
        "CUTOVER_TEST_MOTO_URL is not set: run with scripts/with-moto, which starts the emulator",
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(args, moto));
}

async fn run(args: Args, moto: String) {
    let account = format!(
        "{:012}",
        910_000_000_000u64 + (std::process::id() as u64 % 1_000_000)
    );
    let region = "us-west-2";
    let users = (args.assignments / 7).max(10);
    let groups = (args.assignments / 35).max(4);
    let spec = OrgSpec::new(users, groups, 10, 20, args.assignments);

    let seeding = Instant::now();
    let seed_proxy =
        FaultProxy::start(&moto, FaultConfig::passthrough().for_moto_account(&account))
            .await
            .unwrap();
    let clients = SeedClients::for_endpoint(&seed_proxy.endpoint_url(), region).await;
    let baseline = seed::seed(&clients, &fixture::generate(&spec))
        .await
        .expect("seed");
    // The new identity provider provisions a successor for everyone.
    let store = baseline.instance.identity_store_id.clone();
    let mut current = baseline.clone();
    let mut mapping = Mapping::new();
    for user in &baseline.users {
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
            .expect("provision a user");
        let id = created.user_id().to_owned();
        current.users.push(User {
            user_id: UserId::from(id.as_str()),
            user_name: format!("new.{}", user.user_name),
            ..user.clone()
        });
        mapping.decide(
            PrincipalType::User,
            PrincipalId::from(user.user_id.as_str()),
            Decision::Successor(PrincipalId::from(id)),
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
            .expect("provision a group");
        let id = created.group_id().to_owned();
        current.groups.push(Group {
            group_id: GroupId::from(id.as_str()),
            display_name: format!("sg-{}", group.display_name),
            ..group.clone()
        });
        mapping.decide(
            PrincipalType::Group,
            PrincipalId::from(group.group_id.as_str()),
            Decision::Successor(PrincipalId::from(id)),
            None,
        );
    }
    current.normalize();
    seed_proxy.shutdown().await;
    let seed_time = seeding.elapsed();

    let options = PlanOptions {
        retire_old: true,
        allow_role_deletion: true,
        ..PlanOptions::default()
    };
    let changeset = plan::plan(&baseline, &current, &mapping, options);
    let plan = PlanFile::new(
        &changeset,
        &baseline,
        &current,
        options,
        None,
        chrono::Utc::now(),
    );
    let ops = plan.body.operations.len();

    let faults = FaultConfig {
        rate_limit_per_family: Some(args.rps),
        latency: args.latency,
        ..FaultConfig::default()
    }
    .with_completion_delay(args.completion.0, args.completion.1)
    .for_moto_account(&account);
    let proxy = FaultProxy::start(&moto, faults).await.unwrap();
    let live = LiveOptions {
        endpoint_url: Some(proxy.endpoint_url()),
        region: Some(region.to_owned()),
        ..LiveOptions::default()
    };
    let client_rps = live.max_rps_sso_admin;
    let backend = AwsBackend::connect(live).await.expect("connect");
    let connect_calls = proxy.stats().total().requests;

    let dir = tempfile::tempdir().unwrap();
    let journal_path = dir.path().join("plan.journal.jsonl");
    let mut journal = JournalWriter::open(&journal_path).unwrap();
    let apply_options = ApplyOptions {
        max_in_flight: args.max_in_flight,
        ..ApplyOptions::default()
    };
    let started = Instant::now();
    let observed = apply::observe(&backend, &plan).await.expect("observe");
    let report = apply::execute(
        &backend,
        &plan,
        &mut journal,
        StartingPoint {
            prior: JournalState::fresh(ops),
            observed,
        },
        &apply_options,
        &Control::default(),
        None,
    )
    .await
    .expect("apply");
    let wall = started.elapsed();
    let stats = proxy.stats();
    let sso_calls = stats.family(ApiFamily::SsoAdmin).requests - connect_calls;

    // The floor (see the module comment).
    let places = plan.body.fingerprint.touched.len() as f64;
    let calls_floor = (places + 2.0 * ops as f64) / args.rps;
    let mean_completion = (args.completion.0 + args.completion.1).as_secs_f64() / 2.0;
    let in_flight_floor =
        ops as f64 * (mean_completion + args.latency.as_secs_f64()) / args.max_in_flight as f64;
    let floor = calls_floor.max(in_flight_floor);

    println!(
        "apply benchmark: {} creates then {} deletes ({} users, {} groups provisioned twice, {} touched pairs); seeding {:.1} s",
        plan.body.summary.creates,
        plan.body.summary.deletes,
        baseline.users.len(),
        baseline.groups.len(),
        plan.body.fingerprint.touched.len(),
        seed_time.as_secs_f64()
    );
    println!(
        "proxy: {} requests/s per family, {} ms latency, completion {}–{} ms; cutover: {} requests/s, {} outstanding",
        args.rps,
        args.latency.as_millis(),
        args.completion.0.as_millis(),
        args.completion.1.as_millis(),
        client_rps,
        args.max_in_flight
    );
    println!(
        "result: {} done, {} failed, {} unknown, {} held back",
        report.done(),
        report.failed(),
        report.unknown(),
        report.held_back()
    );
    println!(
        "sso-admin calls: {sso_calls} ({:.2} per operation); throttles answered by the proxy: {}; IN_PROGRESS answers: {}",
        sso_calls as f64 / ops as f64,
        stats.family(ApiFamily::SsoAdmin).rate_limited
            + stats.family(ApiFamily::SsoAdmin).throttled_injected,
        stats.family(ApiFamily::SsoAdmin).in_progress_rewrites
    );
    println!(
        "wall time: {:.1} s ({:.1} operations/s)",
        wall.as_secs_f64(),
        ops as f64 / wall.as_secs_f64()
    );
    println!(
        "floor: {floor:.1} s (request budget {calls_floor:.1} s, outstanding-writes limit {in_flight_floor:.1} s)"
    );
    println!(
        "ratio to floor: {:.2}x (target ≤ 1.3x)",
        wall.as_secs_f64() / floor
    );

    // The emulator must hold exactly the target.
    let now = backend
        .load(ProgressSink::discard())
        .await
        .expect("reload")
        .snapshot;
    let mut target: BTreeSet<Assignment> = current
        .account_assignments
        .iter()
        .cloned()
        .map(Assignment::Account)
        .collect();
    for op in &plan.body.operations {
        let assignment = op.assignment().unwrap();
        match op.action {
            Action::Create => target.insert(assignment),
            Action::Delete => target.remove(&assignment),
        };
    }
    let reached: BTreeSet<Assignment> = now
        .account_assignments
        .iter()
        .cloned()
        .map(Assignment::Account)
        .collect();
    let correct = report.complete() && reached == target;
    println!("the emulator holds exactly the target: {correct}");
    proxy.shutdown().await;
    if !correct {
        std::process::exit(1);
    }
}
