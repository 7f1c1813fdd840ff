//! `cutover instances` and `cutover duplicates` on the emulator, with several real emulated
//! accounts: moto attributes a request to the account whose role its credentials came from
//! (sts:AssumeRole), so these tests go through a proxy that sets no account header. A fresh
//! management account is assumed from the emulator's default account, creates an organization
//! and two member accounts; every account has its own instance (moto keeps one per account and
//! Region), and the scan assumes `OrganizationAccountAccessRole` into the members exactly as it
//! would on AWS.

use crate::common::{fresh_account_id, moto_url};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use cutover::aws::call::RetryPolicy;
use cutover::aws::inventory::{scan, ScanOptions};
use cutover::aws::LiveOptions;
use cutover::inventory::{duplicates, InstanceKind};
use fault_proxy::{FaultConfig, FaultProxy};
use std::time::Duration;

const REGION: &str = "eu-west-1";

async fn config(endpoint: &str, credentials: Credentials) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

/// Credentials of `role` in `account`, assumed with `from`.
async fn assume(endpoint: &str, from: Credentials, account: &str, role: &str) -> Credentials {
    let sts = aws_sdk_sts::Client::new(&config(endpoint, from).await);
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{role}"))
        .role_session_name("cutover-test")
        .send()
        .await
        .expect("assume a role in the emulator");
    let c = out.credentials().expect("credentials");
    Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "test",
    )
}

struct Org {
    proxy: FaultProxy,
    management: String,
    management_credentials: Credentials,
    members: Vec<String>,
}

/// A management account with an organization and two member accounts; in each member, users
/// (one person, `shared@example.com`, in both) and in the first a group.
async fn organization() -> Org {
    let proxy = FaultProxy::start(&moto_url(), FaultConfig::default())
        .await
        .expect("start the proxy");
    let endpoint = proxy.endpoint_url();
    let default = Credentials::new("testing", "testing", None, None, "test");
    let management = fresh_account_id();
    let management_credentials = assume(&endpoint, default, &management, "admin").await;
    let organizations = aws_sdk_organizations::Client::new(
        &config(&endpoint, management_credentials.clone()).await,
    );
    organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create the organization");
    let mut members = Vec::new();
    for name in ["sandbox-a", "sandbox-b"] {
        let out = organizations
            .create_account()
            .account_name(name)
            .email(format!("{name}-{management}@example.com"))
            .send()
            .await
            .expect("create a member account");
        members.push(
            out.create_account_status()
                .and_then(|s| s.account_id())
                .expect("an account id")
                .to_owned(),
        );
    }
    for (index, member) in members.iter().enumerate() {
        let credentials = assume(
            &endpoint,
            management_credentials.clone(),
            member,
            "OrganizationAccountAccessRole",
        )
        .await;
        let shared = config(&endpoint, credentials).await;
        let sso = aws_sdk_ssoadmin::Client::new(&shared);
        let store = sso
            .list_instances()
            .send()
            .await
            .expect("the member's instance")
            .instances()[0]
            .identity_store_id()
            .unwrap()
            .to_owned();
        let identitystore = aws_sdk_identitystore::Client::new(&shared);
        let users = [
            ("shared.person", "Shared@Example.com"),
            (
                if index == 0 { "only.a" } else { "only.b" },
                if index == 0 {
                    "a@example.com"
                } else {
                    "b@example.com"
                },
            ),
        ];
        for (user_name, email) in users {
            identitystore
                .create_user()
                .identity_store_id(&store)
                .user_name(user_name)
                .display_name(user_name)
                .name(
                    aws_sdk_identitystore::types::Name::builder()
                        .given_name("Test")
                        .family_name(user_name)
                        .build(),
                )
                .emails(
                    aws_sdk_identitystore::types::Email::builder()
                        .value(email)
                        .primary(true)
                        .build(),
                )
                .send()
                .await
                .expect("create a user");
        }
        if index == 0 {
            identitystore
                .create_group()
                .identity_store_id(&store)
                .display_name("sandbox-admins")
                .send()
                .await
                .expect("create a group");
        }
    }
    Org {
        proxy,
        management,
        management_credentials,
        members,
    }
}

fn live(org: &Org) -> LiveOptions {
    LiveOptions {
        endpoint_url: Some(org.proxy.endpoint_url()),
        region: Some(REGION.to_owned()),
        credentials: Some(SharedCredentialsProvider::new(
            org.management_credentials.clone(),
        )),
        max_rps_sso_admin: 1000.0,
        max_rps_identitystore: 1000.0,
        max_rps_organizations: 1000.0,
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        },
        ..LiveOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_instance_of_the_organization_is_found_with_its_counts() {
    let org = organization().await;
    let found = scan(
        &live(&org),
        &ScanOptions {
            regions: vec![REGION.to_owned()],
            ..ScanOptions::default()
        },
    )
    .await
    .expect("scan");
    let inventory = &found.inventory;
    assert_eq!(inventory.caller_account_id, org.management);
    assert_eq!(
        inventory.management_account_id.as_deref(),
        Some(org.management.as_str())
    );
    assert_eq!(inventory.accounts_scanned, 3, "{inventory:#?}");
    assert!(
        inventory.unreadable.is_empty(),
        "{:#?}",
        inventory.unreadable
    );
    let owners: Vec<(&str, InstanceKind)> = inventory
        .instances
        .iter()
        .map(|i| (i.owner_account_id.as_str(), i.kind))
        .collect();
    assert_eq!(owners.len(), 3, "{owners:?}");
    assert_eq!(
        owners[0],
        (org.management.as_str(), InstanceKind::Organization)
    );
    for member in &org.members {
        let record = inventory
            .instances
            .iter()
            .find(|i| &i.owner_account_id == member)
            .expect("the member's account instance");
        assert_eq!(record.kind, InstanceKind::Account);
        assert_eq!(record.region, REGION);
        assert!(record.identity_store_id.starts_with("d-"));
        assert_eq!(record.users, Some(2));
        assert_eq!(record.applications.as_deref(), Some(&[][..]));
        assert!(record
            .owner_account_name
            .as_deref()
            .unwrap_or("")
            .starts_with("sandbox-"));
    }
    let first = inventory
        .instances
        .iter()
        .find(|i| i.owner_account_id == org.members[0])
        .unwrap();
    assert_eq!(first.groups, Some(1));

    // The people in both member instances, found by email whatever its case.
    let mut snapshots = Vec::new();
    for record in &inventory.instances {
        snapshots.push(found.load(record).await.expect("load an instance"));
    }
    let people = duplicates::find(&snapshots);
    assert_eq!(people.len(), 1, "{people:#?}");
    assert_eq!(people[0].key, "shared@example.com");
    assert_eq!(people[0].instances(), 2);
    assert!(people[0].appearances.iter().all(|a| !a.holds_access()));

    // The commands, as a user runs them (credentials in the child's environment only).
    let run = |args: &[&str]| {
        let c = &org.management_credentials;
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_cutover"))
            .args(args)
            .args([
                "--endpoint-url",
                &org.proxy.endpoint_url(),
                "--region",
                REGION,
            ])
            .arg("--log-file")
            .arg(std::env::temp_dir().join(format!("cutover-instances-{}.log", org.management)))
            .env("AWS_ACCESS_KEY_ID", c.access_key_id())
            .env("AWS_SECRET_ACCESS_KEY", c.secret_access_key())
            .env("AWS_SESSION_TOKEN", c.session_token().unwrap_or_default())
            .env_remove("AWS_PROFILE")
            .output()
            .expect("run cutover");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let json: serde_json::Value =
        serde_json::from_str(&run(&["instances", "--format", "json"])).unwrap();
    assert_eq!(json["instances"].as_array().unwrap().len(), 3);
    let table = run(&["instances"]);
    assert!(
        table.starts_with("3 instances in 3 accounts scanned"),
        "{table}"
    );
    let csv = run(&["duplicates", "--format", "csv"]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].starts_with("shared@example.com,email+user_name,2,"),
        "{csv}"
    );
    org.proxy.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_that_cannot_be_read_are_listed_with_the_reason_and_the_scan_goes_on() {
    let org = organization().await;
    let base = live(&org);
    org.proxy.shutdown().await;
    // The same emulator, with ListInstances refused everywhere (as an SCP would).
    let proxy = FaultProxy::start(
        &moto_url(),
        FaultConfig::default().denying("SWBExternalService.ListInstances"),
    )
    .await
    .expect("start the proxy");
    let options = LiveOptions {
        endpoint_url: Some(proxy.endpoint_url()),
        ..base
    };
    let found = scan(&options, &ScanOptions::default())
        .await
        .expect("the scan itself succeeds");
    let inventory = &found.inventory;
    assert!(inventory.instances.is_empty());
    assert_eq!(inventory.accounts_scanned, 3);
    let reasons: Vec<(&str, Option<&str>, &str)> = inventory
        .unreadable
        .iter()
        .map(|u| {
            (
                u.account_id.as_str(),
                u.region.as_deref(),
                u.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    for (_, region, reason) in &reasons {
        assert_eq!(*region, Some(REGION));
        assert!(reason.contains("sso:ListInstances"), "{reason}");
        assert!(reason.contains("AccessDenied"), "{reason}");
    }
    proxy.shutdown().await;
}
