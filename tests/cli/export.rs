//! The `cutover export` binary as an administrator runs it: the file it writes, its summary, and
//! the messages it gives when something is missing.

use crate::common;

use common::World;
use cutover::fixture::OrgSpec;
use cutover::model::Snapshot;
use fault_proxy::{FaultConfig, FaultProxy};
use std::path::Path;
use std::process::{Command, Output};

/// Runs `cutover export --output OUTPUT` against the world behind `proxy`, plus `extra`
/// arguments, off the async runtime (the proxy serves it from this test's runtime).
async fn export_through(proxy: &FaultProxy, output: &Path, extra: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .arg("export")
        .arg("--output")
        .arg(output)
        .args([
            "--endpoint-url",
            &proxy.endpoint_url(),
            "--region",
            "eu-west-1",
        ])
        .args(extra)
        .env("CUTOVER_LOG", "debug");
    tokio::task::spawn_blocking(move || command.output().expect("run the cutover binary"))
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_a_private_snapshot_and_prints_a_summary() {
    let world = World::seeded(&OrgSpec::small()).await;
    let proxy = world.proxy(FaultConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("baseline.json");
    let log = dir.path().join("cutover.log");
    let run = export_through(&proxy, &output, &["--log-file", log.to_str().unwrap()]).await;
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.starts_with("Exported "), "{stdout}");
    assert!(stdout.contains("40 users"), "{stdout}");
    assert!(stdout.contains("API calls"), "{stdout}");

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&output).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let snapshot = Snapshot::from_json(&std::fs::read_to_string(&output).unwrap()).unwrap();
    assert_eq!(snapshot.users.len(), world.expected.users.len());
    assert_eq!(
        snapshot.account_assignments,
        world.expected.account_assignments
    );
    // The log went to the file, not the terminal.
    assert!(std::fs::metadata(&log).unwrap().len() > 0);
    assert!(!text(&run.stderr).contains("INFO"), "{}", text(&run.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_names_the_action_and_the_part_and_writes_nothing() {
    let world = World::seeded(&OrgSpec::small()).await;
    let proxy = world
        .proxy(FaultConfig {
            deny: vec!["AWSIdentityStore.ListGroupMemberships".to_owned()],
            ..FaultConfig::default()
        })
        .await;
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("baseline.json");
    let run = export_through(&proxy, &output, &[]).await;
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("identitystore:ListGroupMemberships"),
        "{stderr}"
    );
    assert!(stderr.contains("group_memberships"), "{stderr}");
    assert!(!output.exists(), "no partial snapshot may be left");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temp file either"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_organizations_access_accounts_come_from_provisioning_with_a_warning() {
    let world = World::seeded(&OrgSpec::small()).await;
    let proxy = world
        .proxy(FaultConfig {
            deny: vec!["AWSOrganizationsV20161128.ListAccounts".to_owned()],
            ..FaultConfig::default()
        })
        .await;
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("baseline.json");
    let run = export_through(&proxy, &output, &[]).await;
    assert!(run.status.success(), "stderr: {}", text(&run.stderr));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("organizations:ListAccounts"), "{stderr}");
    let snapshot = Snapshot::from_json(&std::fs::read_to_string(&output).unwrap()).unwrap();
    assert_eq!(snapshot.warnings.len(), 1, "{:?}", snapshot.warnings);
    assert!(snapshot.warnings[0].affects.starts_with("accounts"));
    // Every assignment is still there; the accounts are known by id only.
    assert_eq!(
        snapshot.account_assignments,
        world.expected.account_assignments
    );
    assert!(snapshot.accounts.iter().all(|a| a.name.is_none()));
    let assigned: std::collections::BTreeSet<_> = world
        .expected
        .account_assignments
        .iter()
        .map(|a| a.account_id.clone())
        .collect();
    let listed: std::collections::BTreeSet<_> = snapshot
        .accounts
        .iter()
        .map(|a| a.account_id.clone())
        .collect();
    assert_eq!(listed, assigned);
}

#[test]
fn without_credentials_it_says_how_to_get_them() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_str().unwrap().to_owned();
    let missing = Path::new(&home)
        .join("missing")
        .to_str()
        .unwrap()
        .to_owned();
    let output = Path::new(&home).join("out.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_cutover"));
    command
        .args([
            "export",
            "-o",
            output.to_str().unwrap(),
            "--region",
            "eu-west-1",
        ])
        .env_clear()
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", &missing)
        .env("AWS_SHARED_CREDENTIALS_FILE", &missing)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // Any request that slipped through would go nowhere.
        .env("AWS_ENDPOINT_URL", moto_url_or_blackhole());
    let run = command.output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("no AWS credentials"), "{stderr}");
    assert!(stderr.contains("aws sso login"), "{stderr}");
    assert!(!output.exists());
}

#[test]
fn an_expired_sso_session_says_to_log_in_again() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let config = home.join("config");
    std::fs::write(
        &config,
        "[profile corp]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
    )
    .unwrap();
    // The SDK caches the SSO token under the SHA-1 of the session name.
    let cache = home.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        r#"{"accessToken":"expired","expiresAt":"2020-01-01T00:00:00Z","region":"eu-west-1","startUrl":"https://corp.awsapps.com/start"}"#,
    )
    .unwrap();
    let output = home.join("out.json");
    let run = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args([
            "export",
            "-o",
            output.to_str().unwrap(),
            "--profile",
            "corp",
        ])
        .env_clear()
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("missing"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", moto_url_or_blackhole())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("expired"), "{stderr}");
    assert!(stderr.contains("aws sso login"), "{stderr}");
    assert!(!output.exists());
}

/// The credential checks must fail before any request; if one slipped through it should reach
/// a local address, never AWS.
fn moto_url_or_blackhole() -> String {
    std::env::var("CUTOVER_TEST_MOTO_URL").unwrap_or_else(|_| "http://127.0.0.1:9".to_owned())
}
