//! `cutover export` against the AWS emulator: what was seeded through the real APIs comes back,
//! exactly, also through throttling, server errors and dropped connections.

use crate::common;

use common::{without_capture_time, World};
use cutover::aws::AwsBackend;
use cutover::backend::{Backend, ProgressSink};
use cutover::fixture::OrgSpec;
use fault_proxy::{FaultConfig, ProxyStats};

async fn export(world: &World, config: FaultConfig) -> (cutover::backend::LoadOutcome, ProxyStats) {
    let proxy = world.proxy(config).await;
    let backend = AwsBackend::connect(world.live_options(&proxy))
        .await
        .expect("connect");
    let outcome = backend.load(ProgressSink::discard()).await.expect("load");
    (outcome, proxy.stats())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_returns_exactly_what_was_seeded() {
    let spec = OrgSpec::small();
    let world = World::seeded(&spec).await;
    // The seeded world has what the spec asked for (orphans point at nobody, on purpose).
    assert_eq!(world.expected.users.len(), spec.users);
    assert_eq!(world.expected.groups.len(), spec.groups);
    assert_eq!(world.expected.permission_sets.len(), spec.permission_sets);
    assert_eq!(
        world.expected.accounts.len(),
        spec.accounts + 1,
        "plus the management account"
    );
    assert_eq!(world.expected.account_assignments.len(), spec.assignments);

    let (outcome, _) = export(&world, FaultConfig::default()).await;
    assert_eq!(
        without_capture_time(outcome.snapshot),
        without_capture_time(world.expected.clone())
    );
    assert_eq!(outcome.stats.throttles, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_is_complete_through_throttling_errors_and_resets() {
    // Big enough for a few hundred calls, so every kind of fault occurs. The proxy draws one
    // number per request from a seeded stream: the mix of faults is the same on every run.
    let spec = OrgSpec {
        users: 150,
        groups: 40,
        permission_sets: 10,
        accounts: 8,
        assignments: 600,
        ..OrgSpec::small()
    };
    let world = World::seeded(&spec).await;
    let faults = FaultConfig {
        throttle_ratio: 0.10,
        server_error_ratio: 0.02,
        reset_ratio: 0.01,
        seed: 7,
        ..FaultConfig::default()
    };
    let (outcome, proxy) = export(&world, faults).await;
    let injected = proxy.total();
    assert!(
        injected.throttled_injected > 0 && injected.server_errors > 0 && injected.resets > 0,
        "{injected:?}"
    );
    // Every injected fault was retried, and counted as such.
    assert_eq!(outcome.stats.throttles, injected.throttled_injected);
    assert_eq!(
        outcome.stats.transient_retries,
        injected.server_errors + injected.resets
    );
    assert_eq!(
        without_capture_time(outcome.snapshot),
        without_capture_time(world.expected.clone())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_assignment_discovery_strategies_find_everything() {
    // More accounts than permission sets: pairs are discovered per permission set.
    let spec = OrgSpec {
        accounts: 9,
        permission_sets: 3,
        ..OrgSpec::small()
    };
    let world = World::seeded(&spec).await;
    let (outcome, _) = export(&world, FaultConfig::default()).await;
    assert!(
        outcome
            .stats
            .assignment_strategy
            .contains("per permission set"),
        "{}",
        outcome.stats.assignment_strategy
    );
    assert_eq!(
        without_capture_time(outcome.snapshot),
        without_capture_time(world.expected.clone())
    );

    // Fewer accounts than permission sets: pairs are discovered per account.
    let spec = OrgSpec {
        accounts: 2,
        permission_sets: 7,
        ..OrgSpec::small()
    };
    let world = World::seeded(&spec).await;
    let (outcome, _) = export(&world, FaultConfig::default()).await;
    assert!(
        outcome.stats.assignment_strategy.contains("per account"),
        "{}",
        outcome.stats.assignment_strategy
    );
    assert_eq!(
        without_capture_time(outcome.snapshot),
        without_capture_time(world.expected.clone())
    );
}
