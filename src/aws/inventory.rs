//! The organization scan behind `cutover instances` and `cutover duplicates`: organizations
//! ListAccounts from the caller's account (the management account or the delegated
//! administrator), then in every account — the caller's own credentials for its own account, an
//! assumed role (`--member-role`, default `OrganizationAccountAccessRole`) elsewhere — and every
//! Region asked for, the instances that account owns, with their user and group counts and
//! applications. An account that cannot be read is listed with the reason; the scan goes on.
//!
//! API budgets are per account: each account's requests go through gates of its own, so
//! accounts are scanned side by side (`parallel_accounts` at a time) without one account
//! exceeding its 20 requests per second. Organizations and STS requests all come from the
//! caller's account and share one gate each.

use super::call::{call, CallFailure, RetryPolicy};
use super::connect::{sdk_config, Clients, Gates, LiveOptions};
use super::loader::{list_pages, Loader};
use super::pacing::FamilyGate;
use crate::backend::{BackendError, ProgressSink};
use crate::inventory::{InstanceKind, InstanceRecord, Inventory, UnreadableAccount};
use crate::model::{InstanceInfo, Snapshot};
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use futures::stream::{self, StreamExt};
use std::time::SystemTime;

/// The role assumed into member accounts by default: the one AWS Organizations creates in every
/// account it creates.
pub const DEFAULT_MEMBER_ROLE: &str = "OrganizationAccountAccessRole";

#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub member_role: String,
    /// Regions to look in; empty: the configured Region only.
    pub regions: Vec<String>,
    pub parallel_accounts: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            member_role: DEFAULT_MEMBER_ROLE.to_owned(),
            regions: Vec::new(),
            parallel_accounts: 8,
        }
    }
}

/// A scan's result, and how to reach each instance it found (to load it).
pub struct Scan {
    pub inventory: Inventory,
    reach: Vec<(String, SdkConfig)>,
    live: LiveOptions,
}

fn failure_text(failure: &CallFailure) -> String {
    match &failure.code {
        Some(code) => format!("{}: {code}: {}", failure.action, failure.message),
        None => format!("{}: {}", failure.action, failure.message),
    }
}

struct Account {
    id: String,
    name: Option<String>,
}

/// Everything one account yielded.
#[derive(Default)]
struct Found {
    instances: Vec<(InstanceRecord, SdkConfig)>,
    unreadable: Vec<UnreadableAccount>,
}

pub async fn scan(live: &LiveOptions, options: &ScanOptions) -> Result<Scan, BackendError> {
    let base = sdk_config(live).await;
    let regions: Vec<String> = if options.regions.is_empty() {
        vec![base.region().map(|r| r.to_string()).ok_or_else(|| {
            BackendError::Config(
                "no AWS region is set: pass --region (or --regions), set AWS_REGION, or set region in the profile"
                    .to_owned(),
            )
        })?]
    } else {
        options.regions.clone()
    };
    let shared = Gates::new(live);
    let sts_gate = FamilyGate::new("sts", 10.0, 4);
    let sts = aws_sdk_sts::Client::new(&base);
    let caller = call(&sts_gate, &live.retry, "sts:GetCallerIdentity", || {
        sts.get_caller_identity().send()
    })
    .await
    .map_err(|f| f.into_backend_error("the caller's account"))?
    .account()
    .unwrap_or_default()
    .to_owned();

    let organizations = aws_sdk_organizations::Client::new(&base);
    let management = call(
        &shared.organizations,
        &live.retry,
        "organizations:DescribeOrganization",
        || organizations.describe_organization().send(),
    )
    .await
    .ok()
    .and_then(|o| {
        o.organization()
            .and_then(|o| o.master_account_id())
            .map(str::to_owned)
    });
    let mut unreadable = Vec::new();
    let listed = list_pages(
        &shared.organizations,
        &live.retry,
        "organizations:ListAccounts",
        |token| organizations.list_accounts().set_next_token(token).send(),
        |page| {
            (
                page.accounts()
                    .iter()
                    .filter_map(|a| {
                        Some(Account {
                            id: a.id()?.to_owned(),
                            name: a.name().map(str::to_owned),
                        })
                    })
                    .collect(),
                page.next_token().map(str::to_owned),
            )
        },
    )
    .await;
    let mut accounts: Vec<Account> = match listed {
        Ok(accounts) => accounts,
        Err(failure) => {
            // Not the management account nor a delegated administrator: only the caller's
            // own account can be scanned, and the report says why.
            unreadable.push(UnreadableAccount {
                account_id: "organization".to_owned(),
                account_name: None,
                region: None,
                reason: format!(
                    "{}; only the caller's account {caller} was scanned (run from the management account or the delegated administrator)",
                    failure_text(&failure)
                ),
            });
            Vec::new()
        }
    };
    if !accounts.iter().any(|a| a.id == caller) {
        accounts.push(Account {
            id: caller.clone(),
            name: None,
        });
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);

    let found: Vec<Found> = stream::iter(&accounts)
        .map(|account| {
            scan_account(
                live,
                options,
                &base,
                &sts,
                &sts_gate,
                &caller,
                management.as_deref(),
                &regions,
                account,
            )
        })
        .buffer_unordered(options.parallel_accounts.max(1))
        .collect()
        .await;
    let mut inventory = Inventory {
        scanned_at: chrono::Utc::now(),
        caller_account_id: caller,
        management_account_id: management,
        regions,
        accounts_scanned: accounts.len(),
        instances: Vec::new(),
        unreadable,
    };
    let mut reach = Vec::new();
    for account in found {
        inventory.unreadable.extend(account.unreadable);
        for (record, config) in account.instances {
            reach.push((record.instance_arn.clone(), config));
            inventory.instances.push(record);
        }
    }
    inventory.normalize();
    Ok(Scan {
        inventory,
        reach,
        live: live.clone(),
    })
}

/// The SDK configuration that reaches `account`: the caller's own, or an assumed role's.
async fn credentials_for(
    base: &SdkConfig,
    sts: &aws_sdk_sts::Client,
    sts_gate: &FamilyGate,
    retry: &RetryPolicy,
    caller: &str,
    account: &str,
    role: &str,
) -> Result<SdkConfig, String> {
    if account == caller {
        return Ok(base.clone());
    }
    let role_arn = format!("arn:aws:iam::{account}:role/{role}");
    let assumed = call(sts_gate, retry, "sts:AssumeRole", || {
        sts.assume_role()
            .role_arn(&role_arn)
            .role_session_name("cutover-instances")
            .send()
    })
    .await
    .map_err(|f| format!("{} ({role_arn})", failure_text(&f)))?;
    let credentials = assumed
        .credentials()
        .ok_or_else(|| format!("sts:AssumeRole answered no credentials ({role_arn})"))?;
    let expiry = SystemTime::try_from(*credentials.expiration()).ok();
    let credentials = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_owned()),
        expiry,
        "cutover-member-role",
    );
    Ok(base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build())
}

#[allow(clippy::too_many_arguments)]
async fn scan_account(
    live: &LiveOptions,
    options: &ScanOptions,
    base: &SdkConfig,
    sts: &aws_sdk_sts::Client,
    sts_gate: &FamilyGate,
    caller: &str,
    management: Option<&str>,
    regions: &[String],
    account: &Account,
) -> Found {
    let mut found = Found::default();
    let config = match credentials_for(
        base,
        sts,
        sts_gate,
        &live.retry,
        caller,
        &account.id,
        &options.member_role,
    )
    .await
    {
        Ok(config) => config,
        Err(reason) => {
            found.unreadable.push(UnreadableAccount {
                account_id: account.id.clone(),
                account_name: account.name.clone(),
                region: None,
                reason,
            });
            return found;
        }
    };
    // This account's own budgets, shared by its Regions (the limits are per account).
    let gates = Gates::new(live);
    for region in regions {
        let config = config
            .to_builder()
            .region(Region::new(region.clone()))
            .build();
        match scan_region(live, &gates, &config, management, account, region).await {
            Ok(instances) => found
                .instances
                .extend(instances.into_iter().map(|i| (i, config.clone()))),
            Err(reason) => found.unreadable.push(UnreadableAccount {
                account_id: account.id.clone(),
                account_name: account.name.clone(),
                region: Some(region.clone()),
                reason,
            }),
        }
    }
    found
}

async fn scan_region(
    live: &LiveOptions,
    gates: &Gates,
    config: &SdkConfig,
    management: Option<&str>,
    account: &Account,
    region: &str,
) -> Result<Vec<InstanceRecord>, String> {
    let sso = aws_sdk_ssoadmin::Client::new(config);
    let identitystore = aws_sdk_identitystore::Client::new(config);
    let listed = list_pages(
        &gates.sso_admin,
        &live.retry,
        "sso:ListInstances",
        |token| sso.list_instances().set_next_token(token).send(),
        |page| {
            (
                page.instances().to_vec(),
                page.next_token().map(str::to_owned),
            )
        },
    )
    .await
    .map_err(|f| failure_text(&f))?;
    let mut records = Vec::new();
    for instance in listed {
        // A member account may also see the organization's instance: it is listed once, by
        // the account that owns it.
        let owner = instance.owner_account_id().unwrap_or(account.id.as_str());
        if owner != account.id {
            continue;
        }
        let arn = instance.instance_arn().unwrap_or_default().to_owned();
        let store = instance.identity_store_id().unwrap_or_default().to_owned();
        let mut problems = Vec::new();
        let count = |result: Result<Vec<()>, CallFailure>, problems: &mut Vec<String>| match result
        {
            Ok(items) => Some(items.len() as u64),
            Err(failure) => {
                problems.push(failure_text(&failure));
                None
            }
        };
        let users = list_pages(
            &gates.identitystore,
            &live.retry,
            "identitystore:ListUsers",
            |token| {
                identitystore
                    .list_users()
                    .identity_store_id(&store)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    vec![(); page.users().len()],
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await;
        let users = count(users, &mut problems);
        let groups = list_pages(
            &gates.identitystore,
            &live.retry,
            "identitystore:ListGroups",
            |token| {
                identitystore
                    .list_groups()
                    .identity_store_id(&store)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    vec![(); page.groups().len()],
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await;
        let groups = count(groups, &mut problems);
        let applications = list_pages(
            &gates.sso_admin,
            &live.retry,
            "sso:ListApplications",
            |token| {
                sso.list_applications()
                    .instance_arn(&arn)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    page.applications()
                        .iter()
                        .map(|a| {
                            a.name()
                                .or(a.application_arn())
                                .unwrap_or_default()
                                .to_owned()
                        })
                        .collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await;
        let applications = match applications {
            Ok(mut names) => {
                names.sort();
                Some(names)
            }
            Err(failure) => {
                problems.push(failure_text(&failure));
                None
            }
        };
        records.push(InstanceRecord {
            owner_account_id: account.id.clone(),
            owner_account_name: account.name.clone(),
            kind: if Some(account.id.as_str()) == management {
                InstanceKind::Organization
            } else {
                InstanceKind::Account
            },
            region: region.to_owned(),
            instance_arn: arn,
            identity_store_id: store,
            name: instance.name().map(str::to_owned),
            status: instance.status().map(|s| s.as_str().to_owned()),
            created_at: instance
                .created_date()
                .and_then(|d| chrono::DateTime::from_timestamp(d.secs(), d.subsec_nanos())),
            users,
            groups,
            applications,
            problems,
        });
    }
    Ok(records)
}

impl Scan {
    /// Loads one instance the scan found, with the credentials and Region that reached it.
    pub async fn load(&self, record: &InstanceRecord) -> Result<Snapshot, BackendError> {
        let config = self
            .reach
            .iter()
            .find(|(arn, _)| *arn == record.instance_arn)
            .map(|(_, config)| config)
            .ok_or_else(|| {
                BackendError::Config(format!(
                    "instance {} was not found by this scan",
                    record.instance_arn
                ))
            })?;
        let clients = Clients {
            sso_admin: aws_sdk_ssoadmin::Client::new(config),
            identitystore: aws_sdk_identitystore::Client::new(config),
            organizations: aws_sdk_organizations::Client::new(config),
            region: record.region.clone(),
        };
        let gates = Gates::new(&self.live);
        let instance = InstanceInfo {
            instance_arn: record.instance_arn.clone(),
            identity_store_id: record.identity_store_id.clone(),
            region: Some(record.region.clone()),
            owner_account_id: Some(record.owner_account_id.clone()),
        };
        let loader = Loader::new(
            &clients,
            &gates,
            &self.live.retry,
            &instance,
            ProgressSink::discard(),
        );
        Ok(loader.run().await?.snapshot)
    }
}
