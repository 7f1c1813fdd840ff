//! Restore benchmark: a baseline of 2,000 users, 300 groups and 5,000 memberships is restored
//! into an empty Identity Center directory in the emulator through the fault proxy set like
//! Identity Center: 20 requests/s for the identitystore family, 60 ms latency. cutover runs at
//! its defaults (18 requests/s for the identitystore gate, 8 requests in flight): the same
//! plan and engine as `cutover directory restore`, then the listing the mapping is written
//! from.
//!
//! The **floor** is the identity store's request budget: every user, group and membership
//! needs its create request, the directory must be listed once before (one `ListUsers` and one
//! `ListGroups` page: it is empty) and once after (a page per 100 users and per 100 groups),
//! all at 20 per second.
//!
//! Needs the emulator: `scripts/bench-restore` (about 7 minutes). `cargo test --all-targets`
//! (and so CI) runs this target without `--bench`: a smoke run of 40 users, 6 groups and 100
//! memberships that still checks the directory ends exactly as the baseline.
//! Options: --users N (2000), --groups N (300), --memberships N (5000), --rps N (20),
//! --latency-ms N (60).

use cutover::apply::directory::{self as engine, PARALLEL_STEPS};
use cutover::apply::JournalWriter;
use cutover::aws::{AwsBackend, LiveOptions};
use cutover::backend::directory::DirectoryWriter;
use cutover::directory::{restore, DirectoryState};
use cutover::fixture::{self, OrgSpec};
use cutover::model::*;
use fault_proxy::{ApiFamily, FaultConfig, FaultProxy};
use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

struct Args {
    users: usize,
    groups: usize,
    memberships: usize,
    rps: f64,
    latency: Duration,
}

fn parse_args() -> Args {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut args = if benchmarking {
        Args {
            users: 2_000,
            groups: 300,
            memberships: 5_000,
            rps: 20.0,
            latency: Duration::from_millis(60),
        }
    } else {
        Args {
            users: 40,
            groups: 6,
            memberships: 100,
            rps: 20.0,
            latency: Duration::from_millis(5),
        }
    };
    let mut it = std::env::args().skip(1);
    let number = |v: Option<String>, flag: &str| -> u64 {
        v.and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{flag} N"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--users" => args.users = number(it.next(), "--users") as usize,
            "--groups" => args.groups = number(it.next(), "--groups") as usize,
            "--memberships" => args.memberships = number(it.next(), "--memberships") as usize,
            "--rps" => args.rps = number(it.next(), "--rps") as f64,
            "--latency-ms" => {
                args.latency = Duration::from_millis(number(it.next(), "--latency-ms"))
            }
            _ => {}
        }
    }
    args
}

/// The baseline: the generator's users and groups, and exactly `memberships` distinct
/// (group, user) pairs spread over every group.
fn baseline(args: &Args) -> Snapshot {
    let mut snapshot = fixture::generate(&OrgSpec::new(args.users, args.groups, 1, 1, 0));
    snapshot.account_assignments.clear();
    let mut pairs = BTreeSet::new();
    let mut i = 0usize;
    while pairs.len() < args.memberships.min(args.users * args.groups) {
        let group = &snapshot.groups[i % args.groups];
        let user = &snapshot.users[(i * 7 + i / args.groups) % args.users];
        pairs.insert((group.group_id.clone(), user.user_id.clone()));
        i += 1;
    }
    snapshot.group_memberships = pairs
        .into_iter()
        .map(|(group_id, user_id)| GroupMembership {
            group_id,
            user_id,
            membership_id: None,
        })
        .collect();
    snapshot
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
        920_000_000_000u64 + (std::process::id() as u64 % 1_000_000)
    );
    let region = "us-west-2";
    let baseline = baseline(&args);

    let faults = FaultConfig {
        rate_limit_per_family: Some(args.rps),
        latency: args.latency,
        ..FaultConfig::default()
    }
    .for_moto_account(&account);
    let proxy = FaultProxy::start(&moto, faults).await.unwrap();
    let live = LiveOptions {
        endpoint_url: Some(proxy.endpoint_url()),
        region: Some(region.to_owned()),
        ..LiveOptions::default()
    };
    let client_rps = live.max_rps_identitystore;
    let backend = AwsBackend::connect(live).await.expect("connect");
    let before = proxy.stats().family(ApiFamily::IdentityStore).requests;

    let dir = tempfile::tempdir().unwrap();
    let mut journal = JournalWriter::open(&dir.path().join("restore.journal.jsonl")).unwrap();
    let started = Instant::now();
    let (users, groups) = tokio::try_join!(backend.list_users(), backend.list_groups()).unwrap();
    let state = DirectoryState {
        users,
        groups,
        ..DirectoryState::default()
    };
    let planned = restore::plan(&baseline, &state, None);
    let steps = planned.steps.len();
    let report = engine::run(
        &backend,
        &planned.steps,
        &mut journal,
        &AtomicBool::new(false),
        PARALLEL_STEPS,
        |_, _| {},
    )
    .await
    .expect("restore");
    let (users, groups) = tokio::try_join!(backend.list_users(), backend.list_groups()).unwrap();
    let after = DirectoryState {
        users,
        groups,
        ..DirectoryState::default()
    };
    let records = cutover::apply::journal::read(&dir.path().join("restore.journal.jsonl"))
        .unwrap()
        .records;
    let mapped = restore::mapping(&baseline, &after, &engine::created_keys(&records), None);
    let wall = started.elapsed();
    let stats = proxy.stats();
    let family = stats.family(ApiFamily::IdentityStore);
    let calls = family.requests - before;

    let pages = |n: usize| n.div_ceil(100).max(1) as f64;
    let needed = (args.users + args.groups + args.memberships) as f64
        + 2.0
        + pages(args.users)
        + pages(args.groups);
    let floor = needed / args.rps;

    println!(
        "restore benchmark: {} users, {} groups, {} memberships ({steps} requests planned)",
        baseline.users.len(),
        baseline.groups.len(),
        baseline.group_memberships.len()
    );
    println!(
        "proxy: {} requests/s, {} ms latency; cutover: {client_rps} requests/s, {PARALLEL_STEPS} in flight",
        args.rps,
        args.latency.as_millis()
    );
    println!(
        "done {}, already done {}, failed {}; identitystore calls: {calls} (floor needs {needed}); throttles answered by the proxy: {}",
        report.done,
        report.already_done,
        report.failed,
        family.rate_limited + family.throttled_injected
    );
    println!(
        "wall time: {:.1} s ({:.1} requests/s); floor: {floor:.1} s",
        wall.as_secs_f64(),
        calls as f64 / wall.as_secs_f64()
    );
    println!(
        "ratio to floor: {:.2}x (target ≤ 1.3x)",
        wall.as_secs_f64() / floor
    );

    // The directory must hold exactly the baseline's principals and memberships.
    let mut held = BTreeSet::new();
    for group in &after.groups {
        for m in backend.list_members(&group.group_id).await.unwrap() {
            assert!(
                held.insert((m.group_id.0.clone(), m.user_id.0.clone())),
                "a membership twice"
            );
        }
    }
    let new_of = |id: &str| {
        mapped
            .mapping
            .successor(&PrincipalId::from(id))
            .map(|p| p.0.clone())
            .unwrap_or_default()
    };
    let wanted: BTreeSet<(String, String)> = baseline
        .group_memberships
        .iter()
        .map(|m| (new_of(m.group_id.as_str()), new_of(m.user_id.as_str())))
        .collect();
    let correct = report.complete()
        && mapped.missing.is_empty()
        && after.users.len() == baseline.users.len()
        && after.groups.len() == baseline.groups.len()
        && held == wanted;
    println!("the directory holds exactly the baseline: {correct}");
    proxy.shutdown().await;
    if !correct {
        std::process::exit(1);
    }
}
