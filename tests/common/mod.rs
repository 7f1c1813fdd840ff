//! Shared by the integration tests: a "world" is one emulated AWS account inside the moto server
//! that `scripts/test` starts, seeded through the real AWS APIs. Every world has its own account
//! id (sent by the fault proxy as moto's `x-moto-account-id` header), so tests run in parallel
//! against one server without seeing each other's objects.

#![allow(dead_code)]

use cutover::aws::call::RetryPolicy;
use cutover::aws::seed::{self, SeedClients};
use cutover::aws::LiveOptions;
use cutover::fixture::{self, OrgSpec};
use cutover::model::Snapshot;
use fault_proxy::{FaultConfig, FaultProxy};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The emulator's URL. Integration tests need it and fail (never skip) without it.
pub fn moto_url() -> String {
    std::env::var("CUTOVER_TEST_MOTO_URL").expect(
        "CUTOVER_TEST_MOTO_URL is not set: run the tests with scripts/test, which installs and starts the AWS emulator (moto)",
    )
}

/// A 12-digit account id no other world in this run (or a recent run) uses.
pub fn fresh_account_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let salt = (std::process::id() as u64 * 1_000 + n) % 100_000_000;
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 10_000;
    format!("{:04}{:08}", time, salt)
}

pub struct World {
    pub account_id: String,
    pub region: &'static str,
    /// What an export of this world must return (ids as the emulator assigned them).
    pub expected: Snapshot,
}

impl World {
    /// Creates a fresh account in the emulator and seeds `spec`'s organization into it.
    pub async fn seeded(spec: &OrgSpec) -> World {
        let account_id = fresh_account_id();
        let region = "eu-west-1";
        let proxy = FaultProxy::start(
            &moto_url(),
            FaultConfig::passthrough().for_moto_account(&account_id),
        )
        .await
        .expect("start the seeding proxy");
        let clients = SeedClients::for_endpoint(&proxy.endpoint_url(), region).await;
        let desired = fixture::generate(spec);
        let expected = seed::seed(&clients, &desired)
            .await
            .expect("seed the emulator");
        proxy.shutdown().await;
        World {
            account_id,
            region,
            expected,
        }
    }

    /// Creates a fresh account in the emulator and seeds `desired` (a hand-built organization)
    /// into it.
    pub async fn seeded_with(desired: &Snapshot) -> World {
        let account_id = fresh_account_id();
        let region = "eu-west-1";
        let proxy = FaultProxy::start(
            &moto_url(),
            FaultConfig::passthrough().for_moto_account(&account_id),
        )
        .await
        .expect("start the seeding proxy");
        let clients = SeedClients::for_endpoint(&proxy.endpoint_url(), region).await;
        let expected = seed::seed(&clients, desired)
            .await
            .expect("seed the emulator");
        proxy.shutdown().await;
        World {
            account_id,
            region,
            expected,
        }
    }

    /// A proxy in front of this world's account with the given faults.
    pub async fn proxy(&self, config: FaultConfig) -> FaultProxy {
        FaultProxy::start(&moto_url(), config.for_moto_account(&self.account_id))
            .await
            .expect("start the fault proxy")
    }

    /// Live options that reach this world through `proxy`, with fast retries so faults don't
    /// slow the suite down.
    pub fn live_options(&self, proxy: &FaultProxy) -> LiveOptions {
        LiveOptions {
            endpoint_url: Some(proxy.endpoint_url()),
            region: Some(self.region.to_owned()),
            max_rps_sso_admin: 1000.0,
            max_rps_identitystore: 1000.0,
            max_rps_organizations: 1000.0,
            retry: RetryPolicy {
                max_attempts: 12,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(100),
            },
            ..LiveOptions::default()
        }
    }
}

/// Makes two snapshots comparable: the capture time always differs.
pub fn without_capture_time(mut snapshot: Snapshot) -> Snapshot {
    snapshot.captured_at = chrono::DateTime::UNIX_EPOCH;
    snapshot
}
