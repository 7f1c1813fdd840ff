//! Export benchmark: a generated organization is seeded into the emulator, then exported through
//! the fault proxy set to Identity Center's budget (20 requests/s per API family) and a
//! realistic latency. Reports calls, throttles, wall time, the floor (the busiest family's calls
//! divided by its rate) and the ratio to it, and checks the export is exactly what was seeded.
//!
//! Needs the emulator: `scripts/bench-export` (full size) or `scripts/bench-export --preset small`.
//! `cargo test --all-targets` (and so CI) runs this target without `--bench`: it then does a
//! small smoke run, which still checks the export is exact.
//! Options: --preset small|benchmark (default benchmark), --rps N (default 20), --latency-ms N
//! (default 60), --client-rps N (cutover's own pacing, default: its default).

use cutover::aws::seed::{self, SeedClients};
use cutover::aws::{AwsBackend, LiveOptions};
use cutover::backend::{Backend, ProgressSink};
use cutover::fixture::{self, OrgSpec};
use fault_proxy::{ApiFamily, FaultConfig, FaultProxy};
use std::time::{Duration, Instant};

struct Args {
    preset: String,
    rps: f64,
    latency_ms: u64,
    client_rps: Option<f64>,
}

fn parse_args() -> Args {
    // `cargo bench` passes --bench; `cargo test` does not, and gets the quick smoke run.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut args = Args {
        preset: if benchmarking { "benchmark" } else { "small" }.to_owned(),
        rps: 20.0,
        latency_ms: 60,
        client_rps: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--preset" => args.preset = it.next().expect("--preset VALUE"),
            "--rps" => args.rps = it.next().and_then(|v| v.parse().ok()).expect("--rps N"),
            "--latency-ms" => {
                args.latency_ms = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--latency-ms N")
            }
            "--client-rps" => {
                args.client_rps = Some(
                    it.next()
                        .and_then(|v| v.parse().ok())
                        .expect("--client-rps N"),
                )
            }
            // `cargo bench` passes --bench; ignore what is not ours.
            _ => {}
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let moto = std::env::var("CUTOVER_TEST_MOTO_URL").expect(
        "CUTOVER_TEST_MOTO_URL is not set: run scripts/bench-export, which starts the emulator",
    );
    let spec = match args.preset.as_str() {
        "small" => OrgSpec::small(),
        "benchmark" => OrgSpec::benchmark(),
        other => panic!("unknown preset {other}: use small or benchmark"),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(args, spec, moto));
}

async fn run(args: Args, spec: OrgSpec, moto: String) {
    let account = format!(
        "{:012}",
        900_000_000_000u64 + (std::process::id() as u64 % 1_000_000)
    );
    let region = "us-west-2";

    let seeding = Instant::now();
    let seed_proxy =
        FaultProxy::start(&moto, FaultConfig::passthrough().for_moto_account(&account))
            .await
            .unwrap();
    let clients = SeedClients::for_endpoint(&seed_proxy.endpoint_url(), region).await;
    let expected = seed::seed(&clients, &fixture::generate(&spec))
        .await
        .expect("seed");
    seed_proxy.shutdown().await;
    let seed_time = seeding.elapsed();

    let faults = FaultConfig {
        rate_limit_per_family: Some(args.rps),
        latency: Duration::from_millis(args.latency_ms),
        ..FaultConfig::default()
    }
    .for_moto_account(&account);
    let proxy = FaultProxy::start(&moto, faults).await.unwrap();
    let mut options = LiveOptions {
        endpoint_url: Some(proxy.endpoint_url()),
        region: Some(region.to_owned()),
        ..LiveOptions::default()
    };
    if let Some(rps) = args.client_rps {
        options.max_rps_sso_admin = rps;
        options.max_rps_identitystore = rps;
    }
    let client_rps = options.max_rps_sso_admin;
    let started = Instant::now();
    let backend = AwsBackend::connect(options).await.expect("connect");
    let outcome = backend.load(ProgressSink::discard()).await.expect("load");
    let wall = started.elapsed();

    let mut got = outcome.snapshot.clone();
    got.captured_at = expected.captured_at;
    let correct = got == expected;

    let stats = proxy.stats();
    let family_calls = |family: ApiFamily| stats.family(family).requests;
    let sso = family_calls(ApiFamily::SsoAdmin);
    let ids = family_calls(ApiFamily::IdentityStore);
    let orgs = family_calls(ApiFamily::Organizations);
    let floor = (sso.max(ids) as f64) / args.rps;
    let rate_limited = stats.family(ApiFamily::SsoAdmin).rate_limited
        + stats.family(ApiFamily::IdentityStore).rate_limited;

    println!("export benchmark: preset {} ({} users, {} groups, {} memberships, {} permission sets, {} accounts, {} assignments)",
        args.preset, expected.users.len(), expected.groups.len(), expected.group_memberships.len(),
        expected.permission_sets.len(), expected.accounts.len(), expected.account_assignments.len());
    println!("seeding the emulator: {:.1} s", seed_time.as_secs_f64());
    println!(
        "proxy: {} requests/s per family, {} ms latency; cutover paced at {} requests/s",
        args.rps, args.latency_ms, client_rps
    );
    println!("assignment strategy: {}", outcome.stats.assignment_strategy);
    println!(
        "calls: sso-admin {sso}, identitystore {ids}, organizations {orgs} (total {})",
        sso + ids + orgs
    );
    println!(
        "throttles: {} (proxy rate-limited {rate_limited})",
        outcome.stats.throttles
    );
    println!("wall time: {:.1} s (connect + load)", wall.as_secs_f64());
    println!(
        "floor: {floor:.1} s (max family calls / {} per s)",
        args.rps
    );
    println!("ratio to floor: {:.2}x", wall.as_secs_f64() / floor);
    println!("export equals what was seeded: {correct}");
    if !correct {
        eprintln!("the export differs from what was seeded");
        std::process::exit(1);
    }
}
