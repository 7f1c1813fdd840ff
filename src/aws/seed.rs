//! Seeds an emulator (moto) with an organization described by a snapshot, through the real AWS
//! APIs, and returns the snapshot the emulator should now export: the same objects under the ids
//! the emulator assigned. Test and benchmark tooling: it never runs against a real account
//! unless someone points it there on purpose (`cutover dev seed` requires --endpoint-url).
//!
//! Fields the emulator cannot store (external ids, user status, tags, permissions boundaries,
//! applications) are left out of the expected snapshot and listed in `EMULATOR_GAPS`.

use crate::model::*;
use anyhow::{anyhow, Context, Result};
use aws_sdk_identitystore::types as ids;
use aws_sdk_ssoadmin::types as sso;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::HashMap;

/// What moto 5.2 does not implement, and so what seeding drops from the expected snapshot.
pub const EMULATOR_GAPS: &[&str] = &[
    "users[].external_ids",
    "users[].status",
    "groups[].external_ids",
    "permission_sets[].tags",
    "permission_sets[].permissions_boundary",
    "applications",
    "application_assignments",
];

const PARALLEL: usize = 16;

pub struct SeedClients {
    pub sso_admin: aws_sdk_ssoadmin::Client,
    pub identitystore: aws_sdk_identitystore::Client,
    pub organizations: aws_sdk_organizations::Client,
}

impl SeedClients {
    /// Clients for an emulator at `endpoint_url`, with the SDK's own retries left on (the
    /// emulator is local and unfaulted; retries only smooth over its start-up).
    pub async fn for_endpoint(endpoint_url: &str, region: &str) -> SeedClients {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint_url)
            .region(aws_config::Region::new(region.to_owned()))
            .credentials_provider(aws_credential_types::Credentials::for_tests())
            .load()
            .await;
        SeedClients {
            sso_admin: aws_sdk_ssoadmin::Client::new(&config),
            identitystore: aws_sdk_identitystore::Client::new(&config),
            organizations: aws_sdk_organizations::Client::new(&config),
        }
    }
}

/// Creates everything in `desired` and returns what an export should now find.
pub async fn seed(clients: &SeedClients, desired: &Snapshot) -> Result<Snapshot> {
    let instance = find_instance(clients).await?;
    let accounts = seed_accounts(clients, &desired.accounts).await?;
    let users = seed_users(clients, &instance.identity_store_id, &desired.users).await?;
    let groups = seed_groups(clients, &instance.identity_store_id, &desired.groups).await?;
    let memberships = seed_memberships(
        clients,
        &instance.identity_store_id,
        &desired.group_memberships,
        &users,
        &groups,
    )
    .await?;
    let permission_sets =
        seed_permission_sets(clients, &instance.instance_arn, &desired.permission_sets).await?;

    let account_ids: HashMap<&AccountId, AccountId> = accounts
        .iter()
        .map(|(from, to)| (from, to.account_id.clone()))
        .collect();
    let ps_arns: HashMap<&PermissionSetArn, PermissionSetArn> = permission_sets
        .iter()
        .map(|(from, to)| (from, to.permission_set_arn.clone()))
        .collect();
    // A principal id that names nobody in `desired` is an orphan on purpose: keep it as is.
    let principal = |kind: PrincipalType, id: &PrincipalId| -> PrincipalId {
        let mapped = match kind {
            PrincipalType::User => users
                .get(&UserId(id.0.clone()))
                .map(|u| u.user_id.0.clone()),
            PrincipalType::Group => groups
                .get(&GroupId(id.0.clone()))
                .map(|g| g.group_id.0.clone()),
        };
        PrincipalId(mapped.unwrap_or_else(|| id.0.clone()))
    };
    let assignments: Vec<AccountAssignment> = desired
        .account_assignments
        .iter()
        .map(|a| {
            Ok(AccountAssignment {
                account_id: account_ids
                    .get(&a.account_id)
                    .cloned()
                    .ok_or_else(|| anyhow!("assignment names unknown account {}", a.account_id))?,
                permission_set_arn: ps_arns.get(&a.permission_set_arn).cloned().ok_or_else(
                    || {
                        anyhow!(
                            "assignment names unknown permission set {}",
                            a.permission_set_arn
                        )
                    },
                )?,
                principal_type: a.principal_type,
                principal_id: principal(a.principal_type, &a.principal_id),
            })
        })
        .collect::<Result<_>>()?;
    seed_assignments(clients, &instance.instance_arn, &assignments).await?;

    let mut expected = Snapshot::empty(instance, desired.captured_at);
    expected.users = users.into_values().collect();
    expected.groups = groups.into_values().collect();
    expected.group_memberships = memberships;
    expected.permission_sets = permission_sets
        .into_values()
        .map(|mut ps| {
            ps.provisioned_account_ids = assignments
                .iter()
                .filter(|a| a.permission_set_arn == ps.permission_set_arn)
                .map(|a| a.account_id.clone())
                .collect();
            ps
        })
        .collect();
    expected.accounts = accounts.into_values().collect();
    expected.accounts.extend(management_account(clients).await?);
    expected.account_assignments = assignments;
    expected.normalize();
    Ok(expected)
}

async fn find_instance(clients: &SeedClients) -> Result<InstanceInfo> {
    let out = clients
        .sso_admin
        .list_instances()
        .send()
        .await
        .context("sso:ListInstances on the emulator")?;
    let meta = out
        .instances()
        .first()
        .ok_or_else(|| anyhow!("the emulator shows no Identity Center instance"))?;
    Ok(InstanceInfo {
        instance_arn: meta.instance_arn().unwrap_or_default().to_owned(),
        identity_store_id: meta.identity_store_id().unwrap_or_default().to_owned(),
        region: clients.sso_admin.config().region().map(|r| r.to_string()),
        owner_account_id: meta.owner_account_id().map(str::to_owned),
    })
}

async fn seed_accounts(
    clients: &SeedClients,
    accounts: &[Account],
) -> Result<HashMap<AccountId, Account>> {
    match clients
        .organizations
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e)
            if aws_sdk_organizations::error::ProvideErrorMetadata::code(&e)
                == Some("AlreadyInOrganizationException") => {}
        Err(e) => {
            return Err(anyhow!(aws_sdk_organizations::error::DisplayErrorContext(
                e
            )))
            .context("organizations:CreateOrganization")
        }
    }
    stream::iter(accounts)
        .map(|account| async move {
            let name = account
                .name
                .clone()
                .unwrap_or_else(|| account.account_id.0.clone());
            let email = account
                .email
                .clone()
                .unwrap_or_else(|| format!("{}@example.com", account.account_id));
            let out = clients
                .organizations
                .create_account()
                .account_name(&name)
                .email(&email)
                .send()
                .await
                .map_err(|e| anyhow!(aws_sdk_organizations::error::DisplayErrorContext(e)))
                .context("organizations:CreateAccount")?;
            let id = out
                .create_account_status()
                .and_then(|s| s.account_id())
                .ok_or_else(|| anyhow!("CreateAccount answered no account id"))?;
            Ok::<_, anyhow::Error>((
                account.account_id.clone(),
                Account {
                    account_id: id.into(),
                    name: Some(name),
                    email: Some(email),
                    status: Some("ACTIVE".to_owned()),
                },
            ))
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}

/// The organization's management account as the emulator reports it: it exists before seeding.
async fn management_account(clients: &SeedClients) -> Result<Option<Account>> {
    let org = clients
        .organizations
        .describe_organization()
        .send()
        .await
        .map_err(|e| anyhow!(aws_sdk_organizations::error::DisplayErrorContext(e)))?;
    let Some(master_id) = org.organization().and_then(|o| o.master_account_id()) else {
        return Ok(None);
    };
    let out = clients
        .organizations
        .describe_account()
        .account_id(master_id)
        .send()
        .await
        .map_err(|e| anyhow!(aws_sdk_organizations::error::DisplayErrorContext(e)))?;
    Ok(out.account().and_then(|a| {
        #[allow(deprecated)]
        let status = a
            .state()
            .map(|s| s.as_str().to_owned())
            .or_else(|| a.status().map(|s| s.as_str().to_owned()));
        Some(Account {
            account_id: a.id()?.into(),
            name: a.name().map(str::to_owned),
            email: a.email().map(str::to_owned),
            status,
        })
    }))
}

async fn seed_users(
    clients: &SeedClients,
    store: &str,
    users: &[User],
) -> Result<HashMap<UserId, User>> {
    stream::iter(users)
        .map(|user| async move {
            let name = user.name.clone().unwrap_or_default();
            let sdk_name = ids::Name::builder()
                .set_formatted(name.formatted.clone())
                .set_given_name(name.given_name.clone())
                .set_family_name(name.family_name.clone())
                .set_middle_name(name.middle_name.clone())
                .build();
            let emails = user
                .emails
                .iter()
                .map(|e| {
                    ids::Email::builder()
                        .value(&e.value)
                        .set_type(e.kind.clone())
                        .primary(e.primary)
                        .build()
                })
                .collect();
            let out = clients
                .identitystore
                .create_user()
                .identity_store_id(store)
                .user_name(&user.user_name)
                .set_display_name(user.display_name.clone())
                .name(sdk_name)
                .set_emails(Some(emails))
                .send()
                .await
                .map_err(|e| anyhow!(aws_sdk_identitystore::error::DisplayErrorContext(e)))
                .with_context(|| format!("identitystore:CreateUser {}", user.user_name))?;
            let mut created = user.clone();
            created.user_id = out.user_id().into();
            created.external_ids.clear();
            created.status = None;
            Ok::<_, anyhow::Error>((user.user_id.clone(), created))
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}

async fn seed_groups(
    clients: &SeedClients,
    store: &str,
    groups: &[Group],
) -> Result<HashMap<GroupId, Group>> {
    stream::iter(groups)
        .map(|group| async move {
            let out = clients
                .identitystore
                .create_group()
                .identity_store_id(store)
                .display_name(&group.display_name)
                .set_description(group.description.clone())
                .send()
                .await
                .map_err(|e| anyhow!(aws_sdk_identitystore::error::DisplayErrorContext(e)))
                .with_context(|| format!("identitystore:CreateGroup {}", group.display_name))?;
            let mut created = group.clone();
            created.group_id = out.group_id().into();
            created.external_ids.clear();
            Ok::<_, anyhow::Error>((group.group_id.clone(), created))
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}

async fn seed_memberships(
    clients: &SeedClients,
    store: &str,
    memberships: &[GroupMembership],
    users: &HashMap<UserId, User>,
    groups: &HashMap<GroupId, Group>,
) -> Result<Vec<GroupMembership>> {
    stream::iter(memberships)
        .map(|m| async move {
            let group_id = &groups
                .get(&m.group_id)
                .ok_or_else(|| anyhow!("membership names unknown group {}", m.group_id))?
                .group_id;
            let user_id = &users
                .get(&m.user_id)
                .ok_or_else(|| anyhow!("membership names unknown user {}", m.user_id))?
                .user_id;
            let out = clients
                .identitystore
                .create_group_membership()
                .identity_store_id(store)
                .group_id(group_id.as_str())
                .member_id(ids::MemberId::UserId(user_id.0.clone()))
                .send()
                .await
                .map_err(|e| anyhow!(aws_sdk_identitystore::error::DisplayErrorContext(e)))
                .context("identitystore:CreateGroupMembership")?;
            Ok::<_, anyhow::Error>(GroupMembership {
                group_id: group_id.clone(),
                user_id: user_id.clone(),
                membership_id: Some(out.membership_id().to_owned()),
            })
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}

async fn seed_permission_sets(
    clients: &SeedClients,
    instance_arn: &str,
    permission_sets: &[PermissionSet],
) -> Result<HashMap<PermissionSetArn, PermissionSet>> {
    let sso = &clients.sso_admin;
    stream::iter(permission_sets)
        .map(|ps| async move {
            let wrap = |e: String, what: &str| anyhow!("{what} {}: {e}", ps.name);
            // moto stores a number when SessionDuration is missing and the SDK then fails to
            // parse every later describe: always send it.
            let out = sso
                .create_permission_set()
                .instance_arn(instance_arn)
                .name(&ps.name)
                .set_description(ps.description.clone())
                .session_duration(ps.session_duration.clone().unwrap_or_else(|| "PT1H".into()))
                .set_relay_state(ps.relay_state.clone())
                .send()
                .await
                .map_err(|e| {
                    wrap(
                        aws_sdk_ssoadmin::error::DisplayErrorContext(e).to_string(),
                        "sso:CreatePermissionSet",
                    )
                })?;
            let arn = out
                .permission_set()
                .and_then(|p| p.permission_set_arn())
                .ok_or_else(|| anyhow!("CreatePermissionSet answered no ARN"))?
                .to_owned();
            for policy in &ps.managed_policies {
                sso.attach_managed_policy_to_permission_set()
                    .instance_arn(instance_arn)
                    .permission_set_arn(&arn)
                    .managed_policy_arn(&policy.arn)
                    .send()
                    .await
                    .map_err(|e| {
                        wrap(
                            aws_sdk_ssoadmin::error::DisplayErrorContext(e).to_string(),
                            "sso:AttachManagedPolicyToPermissionSet",
                        )
                    })?;
            }
            for policy in &ps.customer_managed_policies {
                sso.attach_customer_managed_policy_reference_to_permission_set()
                    .instance_arn(instance_arn)
                    .permission_set_arn(&arn)
                    .customer_managed_policy_reference(
                        sso::CustomerManagedPolicyReference::builder()
                            .name(&policy.name)
                            .path(&policy.path)
                            .build()?,
                    )
                    .send()
                    .await
                    .map_err(|e| {
                        wrap(
                            aws_sdk_ssoadmin::error::DisplayErrorContext(e).to_string(),
                            "sso:AttachCustomerManagedPolicyReferenceToPermissionSet",
                        )
                    })?;
            }
            if let Some(policy) = &ps.inline_policy {
                sso.put_inline_policy_to_permission_set()
                    .instance_arn(instance_arn)
                    .permission_set_arn(&arn)
                    .inline_policy(policy)
                    .send()
                    .await
                    .map_err(|e| {
                        wrap(
                            aws_sdk_ssoadmin::error::DisplayErrorContext(e).to_string(),
                            "sso:PutInlinePolicyToPermissionSet",
                        )
                    })?;
            }
            let mut created = ps.clone();
            created.permission_set_arn = arn.into();
            created.tags.clear();
            created.permissions_boundary = None;
            created.provisioned_account_ids.clear();
            Ok::<_, anyhow::Error>((ps.permission_set_arn.clone(), created))
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}

async fn seed_assignments(
    clients: &SeedClients,
    instance_arn: &str,
    assignments: &[AccountAssignment],
) -> Result<()> {
    stream::iter(assignments)
        .map(|a| async move {
            let principal_type = match a.principal_type {
                PrincipalType::User => sso::PrincipalType::User,
                PrincipalType::Group => sso::PrincipalType::Group,
            };
            clients
                .sso_admin
                .create_account_assignment()
                .instance_arn(instance_arn)
                .target_id(a.account_id.as_str())
                .target_type(sso::TargetType::AwsAccount)
                .permission_set_arn(a.permission_set_arn.as_str())
                .principal_type(principal_type)
                .principal_id(a.principal_id.as_str())
                .send()
                .await
                .map_err(|e| anyhow!(aws_sdk_ssoadmin::error::DisplayErrorContext(e)))
                .context("sso:CreateAccountAssignment")?;
            Ok::<_, anyhow::Error>(())
        })
        .buffer_unordered(PARALLEL)
        .try_collect()
        .await
}
