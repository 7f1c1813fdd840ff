//! Loads a whole instance into a snapshot. The identitystore family (users, groups,
//! memberships), the sso-admin family (permission sets, provisioning, assignments, applications)
//! and organizations (account names) run side by side; inside each family, work fans out with
//! bounded concurrency and the family's gate keeps the pace.
//!
//! Assignments can only be listed per (account, permission set) pair. The pairs come from
//! `ListPermissionSetsProvisionedToAccount` (one listing per account) or from
//! `ListAccountsForProvisionedPermissionSet` (one per permission set); the loader takes the
//! cheaper one. `ListAccountAssignmentsForPrincipal` is never used: it cannot see assignments
//! whose principal was deleted, and those orphans are exactly what a cutover must find.

use super::call::{call, CallFailure, FailureKind, RetryPolicy};
use super::connect::{Clients, Gates};
use super::convert;
use super::listing;
use super::pacing::FamilyGate;
use crate::backend::{BackendError, ProgressEvent, ProgressSink, Stage};
use crate::model::*;
use aws_sdk_ssoadmin::error::{ProvideErrorMetadata, SdkError};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How many requests of one family a stage keeps queued; the family gate decides how many are
/// actually on the wire.
const FAN_OUT: usize = 64;
const PAGE_SIZE: i32 = 100;

/// How assignment pairs were discovered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairDiscovery {
    PerAccount,
    PerPermissionSet,
}

impl PairDiscovery {
    /// Picks the listing that needs fewer calls: one per account or one per permission set.
    /// Without the organization's account list only the per-permission-set listing is possible.
    pub fn cheapest(accounts: Option<usize>, permission_sets: usize) -> PairDiscovery {
        match accounts {
            Some(accounts) if accounts <= permission_sets => PairDiscovery::PerAccount,
            _ => PairDiscovery::PerPermissionSet,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            PairDiscovery::PerAccount => {
                "pairs per account (ListPermissionSetsProvisionedToAccount), then ListAccountAssignments per pair"
            }
            PairDiscovery::PerPermissionSet => {
                "pairs per permission set (ListAccountsForProvisionedPermissionSet), then ListAccountAssignments per pair"
            }
        }
    }
}

pub struct Loader<'a> {
    pub clients: &'a Clients,
    pub gates: &'a Gates,
    pub retry: &'a RetryPolicy,
    pub instance: &'a InstanceInfo,
    pub progress: ProgressSink,
    warnings: Mutex<BTreeMap<String, Warning>>,
}

pub struct Loaded {
    pub snapshot: Snapshot,
    pub discovery: PairDiscovery,
}

struct Directory {
    users: Vec<User>,
    groups: Vec<Group>,
    memberships: Vec<GroupMembership>,
}

struct Access {
    permission_sets: Vec<PermissionSet>,
    accounts: Vec<Account>,
    assignments: Vec<AccountAssignment>,
    discovery: PairDiscovery,
}

/// Counts a stage's finished units and reports them.
struct StageCounter<'l, 'a> {
    loader: &'l Loader<'a>,
    stage: Stage,
    total: Option<u64>,
    done: AtomicU64,
}

impl StageCounter<'_, '_> {
    fn add(&self, units: u64) {
        let done = self.done.fetch_add(units, Ordering::Relaxed) + units;
        self.loader.report(self.stage, done, self.total, false);
    }

    fn finish(&self) {
        let done = self.done.load(Ordering::Relaxed);
        self.loader
            .report(self.stage, done, self.total.or(Some(done)), true);
    }
}

impl<'a> Loader<'a> {
    pub fn new(
        clients: &'a Clients,
        gates: &'a Gates,
        retry: &'a RetryPolicy,
        instance: &'a InstanceInfo,
        progress: ProgressSink,
    ) -> Self {
        Loader {
            clients,
            gates,
            retry,
            instance,
            progress,
            warnings: Mutex::new(BTreeMap::new()),
        }
    }

    pub async fn run(&self) -> Result<Loaded, BackendError> {
        let captured_at = chrono::Utc::now();
        self.report(Stage::Instance, 1, Some(1), true);
        self.progress.send_part(|| SnapshotPart::Started {
            instance: self.instance.clone(),
            captured_at,
        });
        let (directory, access, (applications, application_assignments)) = tokio::try_join!(
            self.load_directory(),
            self.load_access(),
            self.load_applications()
        )?;
        let mut snapshot = Snapshot::empty(self.instance.clone(), captured_at);
        snapshot.users = directory.users;
        snapshot.groups = directory.groups;
        snapshot.group_memberships = directory.memberships;
        snapshot.permission_sets = access.permission_sets;
        snapshot.accounts = access.accounts;
        snapshot.account_assignments = access.assignments;
        snapshot.applications = applications;
        snapshot.application_assignments = application_assignments;
        snapshot.warnings = self
            .warnings
            .lock()
            .expect("warnings lock")
            .values()
            .cloned()
            .collect();
        snapshot.normalize();
        Ok(Loaded {
            snapshot,
            discovery: access.discovery,
        })
    }

    fn report(&self, stage: Stage, done: u64, total: Option<u64>, finished: bool) {
        self.progress.send(ProgressEvent {
            stage,
            done,
            total,
            finished,
            calls: self.gates.total_calls(),
            throttles: self.gates.total_throttles(),
        });
    }

    fn counter(&self, stage: Stage, total: Option<u64>) -> StageCounter<'_, 'a> {
        let counter = StageCounter {
            loader: self,
            stage,
            total,
            done: AtomicU64::new(0),
        };
        self.report(stage, 0, total, false);
        counter
    }

    /// Records that an optional part could not be read. One warning per action and part.
    fn warn(&self, affects: &str, failure: &CallFailure) {
        let message = match (&failure.kind, &failure.code) {
            (FailureKind::AccessDenied, _) => format!(
                "access denied ({}); grant {} to include it",
                failure.message, failure.action
            ),
            (_, Some(code)) => format!("{code}: {}", failure.message),
            (_, None) => failure.message.clone(),
        };
        let warning = Warning {
            affects: affects.to_owned(),
            operation: failure.action.clone(),
            message,
        };
        tracing::warn!(?warning, "part of the snapshot could not be read");
        self.warnings
            .lock()
            .expect("warnings lock")
            .entry(format!("{affects}\u{0}{}", failure.action))
            .or_insert(warning);
    }

    /// Optional parts (tags, boundaries, applications, account names) degrade to a warning when
    /// access is denied; anything else still fails the load.
    fn optional<T>(
        &self,
        result: Result<T, CallFailure>,
        affects: &str,
    ) -> Result<Option<T>, BackendError> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(failure) if failure.kind == FailureKind::AccessDenied => {
                self.warn(affects, &failure);
                Ok(None)
            }
            Err(failure) => Err(failure.into_backend_error(affects)),
        }
    }

    // ----- identitystore ---------------------------------------------------------------

    async fn load_directory(&self) -> Result<Directory, BackendError> {
        let (users, groups) = tokio::try_join!(self.load_users(), self.load_groups())?;
        let memberships = self.load_memberships(&groups).await?;
        self.progress
            .send_part(|| SnapshotPart::GroupMemberships(memberships.clone()));
        Ok(Directory {
            users,
            groups,
            memberships,
        })
    }

    async fn load_users(&self) -> Result<Vec<User>, BackendError> {
        let counter = self.counter(Stage::Users, None);
        let store = &self.instance.identity_store_id;
        let users = listing::users(self.clients, self.gates, self.retry, store, |n| {
            counter.add(n as u64)
        })
        .await
        .map_err(|f| f.into_backend_error("users"))?;
        counter.finish();
        self.progress
            .send_part(|| SnapshotPart::Users(users.clone()));
        Ok(users)
    }

    async fn load_groups(&self) -> Result<Vec<Group>, BackendError> {
        let counter = self.counter(Stage::Groups, None);
        let store = &self.instance.identity_store_id;
        let groups = listing::groups(self.clients, self.gates, self.retry, store, |n| {
            counter.add(n as u64)
        })
        .await
        .map_err(|f| f.into_backend_error("groups"))?;
        counter.finish();
        self.progress
            .send_part(|| SnapshotPart::Groups(groups.clone()));
        Ok(groups)
    }

    async fn load_memberships(
        &self,
        groups: &[Group],
    ) -> Result<Vec<GroupMembership>, BackendError> {
        let store = &self.instance.identity_store_id;
        self.fan_out(
            Stage::GroupMemberships,
            groups.len(),
            "group_memberships",
            |index| {
                listing::members(
                    self.clients,
                    self.gates,
                    self.retry,
                    store,
                    groups[index].group_id.as_str(),
                )
            },
        )
        .await
    }

    /// Runs `work(i)` for every `i` in `0..count`, [`FAN_OUT`] at a time (the family gate
    /// decides how many are on the wire), counts each finished item as progress of `stage`,
    /// and returns every item's results in one list.
    ///
    /// Items are passed by index, not as `&T`: a closure taking `&T` trips the compiler's
    /// higher-ranked lifetime check when the whole load must be `Send`.
    async fn fan_out<T, F, Fut>(
        &self,
        stage: Stage,
        count: usize,
        affects: &str,
        work: F,
    ) -> Result<Vec<T>, BackendError>
    where
        F: Fn(usize) -> Fut,
        Fut: Future<Output = Result<Vec<T>, CallFailure>>,
    {
        let counter = self.counter(stage, Some(count as u64));
        let (counter, work) = (&counter, &work);
        let per_item: Vec<Vec<T>> = stream::iter(0..count)
            .map(|index| async move {
                let found = work(index).await;
                counter.add(1);
                found
            })
            .buffer_unordered(FAN_OUT)
            .try_collect()
            .await
            .map_err(|f: CallFailure| f.into_backend_error(affects))?;
        counter.finish();
        Ok(per_item.into_iter().flatten().collect())
    }

    // ----- sso-admin and organizations -----------------------------------------------

    async fn load_access(&self) -> Result<Access, BackendError> {
        let arns = self.list_permission_set_arns().await?;
        let details = self.describe_permission_sets(&arns);
        let assignments = async {
            let organization_accounts = self.load_organization_accounts().await?;
            let discovery =
                PairDiscovery::cheapest(organization_accounts.as_ref().map(Vec::len), arns.len());
            tracing::info!(
                strategy = discovery.describe(),
                "enumerating account assignments"
            );
            let pairs = self
                .discover_pairs(discovery, &arns, organization_accounts.as_deref())
                .await?;
            let assignments = self.list_account_assignments(&pairs).await?;
            self.progress
                .send_part(|| SnapshotPart::AccountAssignments(assignments.clone()));
            Ok::<_, BackendError>((organization_accounts, discovery, pairs, assignments))
        };
        let (mut permission_sets, (organization_accounts, discovery, pairs, assignments)) =
            tokio::try_join!(details, assignments)?;

        let mut provisioned: BTreeMap<&PermissionSetArn, Vec<AccountId>> = BTreeMap::new();
        for (account, arn) in &pairs {
            provisioned.entry(arn).or_default().push(account.clone());
        }
        for ps in &mut permission_sets {
            ps.provisioned_account_ids = provisioned
                .remove(&ps.permission_set_arn)
                .unwrap_or_default();
        }
        let accounts = match organization_accounts {
            Some(accounts) => accounts,
            // Without organizations, the accounts we know are the ones permission sets are
            // provisioned to: ids only, no names.
            None => pairs
                .iter()
                .map(|(account, _)| account.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|account_id| Account {
                    account_id,
                    name: None,
                    email: None,
                    status: None,
                })
                .collect(),
        };
        // Now with the accounts each permission set is provisioned to.
        self.progress
            .send_part(|| SnapshotPart::PermissionSets(permission_sets.clone()));
        self.progress
            .send_part(|| SnapshotPart::Accounts(accounts.clone()));
        Ok(Access {
            permission_sets,
            accounts,
            assignments,
            discovery,
        })
    }

    pub(super) async fn list_permission_set_arns(
        &self,
    ) -> Result<Vec<PermissionSetArn>, BackendError> {
        let client = &self.clients.sso_admin;
        let instance = &self.instance.instance_arn;
        let arns: Vec<PermissionSetArn> = list_pages(
            &self.gates.sso_admin,
            self.retry,
            "sso:ListPermissionSets",
            |token| {
                client
                    .list_permission_sets()
                    .instance_arn(instance)
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    page.permission_sets()
                        .iter()
                        .map(|a| PermissionSetArn::from(a.as_str()))
                        .collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await
        .map_err(|f| f.into_backend_error("permission_sets"))?;
        Ok(dedup(arns))
    }

    async fn describe_permission_sets(
        &self,
        arns: &[PermissionSetArn],
    ) -> Result<Vec<PermissionSet>, BackendError> {
        let counter = self.counter(Stage::PermissionSets, Some(arns.len() as u64));
        let sets = stream::iter(0..arns.len())
            .map(|index| {
                let counter = &counter;
                async move {
                    let arn = &arns[index];
                    let ps = self.describe_permission_set(arn).await;
                    counter.add(1);
                    ps
                }
            })
            .buffer_unordered(FAN_OUT / 6)
            .try_collect()
            .await?;
        counter.finish();
        let sets: Vec<PermissionSet> = sets;
        self.progress
            .send_part(|| SnapshotPart::PermissionSets(sets.clone()));
        Ok(sets)
    }

    /// One permission set's full definition: six reads, issued together.
    pub(super) async fn describe_permission_set(
        &self,
        arn: &PermissionSetArn,
    ) -> Result<PermissionSet, BackendError> {
        let client = &self.clients.sso_admin;
        let gate = &self.gates.sso_admin;
        let instance = &self.instance.instance_arn;
        let arn_str = arn.as_str();

        let describe = async {
            call(gate, self.retry, "sso:DescribePermissionSet", || {
                client
                    .describe_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(arn_str)
                    .send()
            })
            .await
            .map_err(|f| f.into_backend_error("permission_sets"))
        };
        let managed = async {
            list_pages(
                gate,
                self.retry,
                "sso:ListManagedPoliciesInPermissionSet",
                |token| {
                    client
                        .list_managed_policies_in_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn_str)
                        .set_next_token(token)
                        .send()
                },
                |page| {
                    (
                        page.attached_managed_policies()
                            .iter()
                            .filter_map(convert::managed_policy)
                            .collect(),
                        page.next_token().map(str::to_owned),
                    )
                },
            )
            .await
            .map_err(|f| f.into_backend_error("permission_sets[].managed_policies"))
        };
        let customer_managed = async {
            list_pages(
                gate,
                self.retry,
                "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
                |token| {
                    client
                        .list_customer_managed_policy_references_in_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn_str)
                        .set_next_token(token)
                        .send()
                },
                |page| {
                    (
                        page.customer_managed_policy_references()
                            .iter()
                            .map(convert::customer_managed_policy)
                            .collect(),
                        page.next_token().map(str::to_owned),
                    )
                },
            )
            .await
            .map_err(|f| f.into_backend_error("permission_sets[].customer_managed_policies"))
        };
        let inline = async {
            call(
                gate,
                self.retry,
                "sso:GetInlinePolicyForPermissionSet",
                || {
                    client
                        .get_inline_policy_for_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn_str)
                        .send()
                },
            )
            .await
            .map(|out| {
                out.inline_policy()
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
            })
            .map_err(|f| f.into_backend_error("permission_sets[].inline_policy"))
        };
        let boundary = async {
            let result = call(
                gate,
                self.retry,
                "sso:GetPermissionsBoundaryForPermissionSet",
                || {
                    client
                        .get_permissions_boundary_for_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn_str)
                        .send()
                },
            )
            .await;
            match result {
                Ok(out) => Ok(out
                    .permissions_boundary()
                    .and_then(convert::permissions_boundary)),
                // No boundary attached is answered as "not found".
                Err(failure) if failure.kind == FailureKind::NotFound => Ok(None),
                Err(failure) => self
                    .optional::<Option<PermissionsBoundary>>(
                        Err(failure),
                        "permission_sets[].permissions_boundary",
                    )
                    .map(Option::flatten),
            }
        };
        let tags = async {
            let result = list_pages(
                gate,
                self.retry,
                "sso:ListTagsForResource",
                |token| {
                    client
                        .list_tags_for_resource()
                        .instance_arn(instance)
                        .resource_arn(arn_str)
                        .set_next_token(token)
                        .send()
                },
                |page| {
                    (
                        page.tags().iter().map(convert::tag).collect(),
                        page.next_token().map(str::to_owned),
                    )
                },
            )
            .await;
            self.optional(result, "permission_sets[].tags")
                .map(Option::unwrap_or_default)
        };

        let (described, managed_policies, customer_managed_policies, inline_policy, boundary, tags) =
            tokio::try_join!(describe, managed, customer_managed, inline, boundary, tags)?;
        let described = described.permission_set();
        Ok(PermissionSet {
            permission_set_arn: arn.clone(),
            name: described
                .and_then(|d| d.name())
                .unwrap_or_default()
                .to_owned(),
            description: described.and_then(|d| d.description()).map(str::to_owned),
            session_duration: described
                .and_then(|d| d.session_duration())
                .map(str::to_owned),
            relay_state: described.and_then(|d| d.relay_state()).map(str::to_owned),
            managed_policies,
            customer_managed_policies,
            inline_policy,
            permissions_boundary: boundary,
            tags,
            provisioned_account_ids: Vec::new(),
        })
    }

    /// The organization's accounts, or `None` (with a warning) when organizations cannot be read.
    async fn load_organization_accounts(&self) -> Result<Option<Vec<Account>>, BackendError> {
        let counter = self.counter(Stage::Accounts, None);
        let counter = &counter;
        let client = &self.clients.organizations;
        let result = list_pages(
            &self.gates.organizations,
            self.retry,
            "organizations:ListAccounts",
            |token| client.list_accounts().set_next_token(token).send(),
            |page| {
                counter.add(page.accounts().len() as u64);
                (
                    page.accounts()
                        .iter()
                        .filter_map(convert::account)
                        .collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await;
        counter.finish();
        match result {
            Ok(accounts) => {
                self.progress
                    .send_part(|| SnapshotPart::Accounts(accounts.clone()));
                Ok(Some(accounts))
            }
            // Not the management account, no delegation, or no organization at all: account
            // names are nice to have, the assignments are not.
            Err(failure)
                if matches!(failure.kind, FailureKind::AccessDenied)
                    || failure.code.as_deref() == Some("AWSOrganizationsNotInUseException") =>
            {
                let mut failure = failure;
                failure.kind = FailureKind::AccessDenied;
                self.warn(
                    "accounts (ids taken from provisioned permission sets; names, emails and status unknown)",
                    &failure,
                );
                Ok(None)
            }
            Err(failure) => Err(failure.into_backend_error("accounts")),
        }
    }

    async fn discover_pairs(
        &self,
        discovery: PairDiscovery,
        arns: &[PermissionSetArn],
        accounts: Option<&[Account]>,
    ) -> Result<Vec<(AccountId, PermissionSetArn)>, BackendError> {
        const AFFECTS: &str = "account_assignments and permission_sets[].provisioned_account_ids";
        let client = &self.clients.sso_admin;
        let instance = &self.instance.instance_arn;
        let gate = &self.gates.sso_admin;
        let pairs = match discovery {
            PairDiscovery::PerAccount => {
                let accounts = accounts.unwrap_or_default();
                self.fan_out(Stage::Provisioning, accounts.len(), AFFECTS, |index| {
                    let account = &accounts[index].account_id;
                    list_pages(
                        gate,
                        self.retry,
                        "sso:ListPermissionSetsProvisionedToAccount",
                        move |token| {
                            client
                                .list_permission_sets_provisioned_to_account()
                                .instance_arn(instance)
                                .account_id(account.as_str())
                                .max_results(PAGE_SIZE)
                                .set_next_token(token)
                                .send()
                        },
                        move |page| {
                            (
                                page.permission_sets()
                                    .iter()
                                    .map(|ps| (account.clone(), ps.as_str().into()))
                                    .collect(),
                                page.next_token().map(str::to_owned),
                            )
                        },
                    )
                })
                .await?
            }
            PairDiscovery::PerPermissionSet => {
                self.fan_out(Stage::Provisioning, arns.len(), AFFECTS, |index| {
                    let arn = &arns[index];
                    list_pages(
                        gate,
                        self.retry,
                        "sso:ListAccountsForProvisionedPermissionSet",
                        move |token| {
                            client
                                .list_accounts_for_provisioned_permission_set()
                                .instance_arn(instance)
                                .permission_set_arn(arn.as_str())
                                .max_results(PAGE_SIZE)
                                .set_next_token(token)
                                .send()
                        },
                        move |page| {
                            (
                                page.account_ids()
                                    .iter()
                                    .map(|account| (account.as_str().into(), arn.clone()))
                                    .collect(),
                                page.next_token().map(str::to_owned),
                            )
                        },
                    )
                })
                .await?
            }
        };
        // Listings may repeat an entry (pages, eventual consistency); each pair is read once.
        Ok(dedup(pairs))
    }

    async fn list_account_assignments(
        &self,
        pairs: &[(AccountId, PermissionSetArn)],
    ) -> Result<Vec<AccountAssignment>, BackendError> {
        let client = &self.clients.sso_admin;
        let instance = &self.instance.instance_arn;
        self.fan_out(
            Stage::AccountAssignments,
            pairs.len(),
            "account_assignments",
            |index| {
                let (account, arn) = &pairs[index];
                list_pages(
                    &self.gates.sso_admin,
                    self.retry,
                    "sso:ListAccountAssignments",
                    move |token| {
                        client
                            .list_account_assignments()
                            .instance_arn(instance)
                            .account_id(account.as_str())
                            .permission_set_arn(arn.as_str())
                            .max_results(PAGE_SIZE)
                            .set_next_token(token)
                            .send()
                    },
                    |page| {
                        (
                            page.account_assignments()
                                .iter()
                                .filter_map(convert::account_assignment)
                                .collect(),
                            page.next_token().map(str::to_owned),
                        )
                    },
                )
            },
        )
        .await
    }

    // ----- applications ---------------------------------------------------------------

    async fn load_applications(
        &self,
    ) -> Result<(Vec<Application>, Vec<ApplicationAssignment>), BackendError> {
        let client = &self.clients.sso_admin;
        let instance = &self.instance.instance_arn;
        let gate = &self.gates.sso_admin;
        let counter = self.counter(Stage::Applications, None);
        let counter = &counter;
        let listed = list_pages(
            gate,
            self.retry,
            "sso:ListApplications",
            |token| {
                client
                    .list_applications()
                    .instance_arn(instance)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                counter.add(page.applications().len() as u64);
                (
                    page.applications()
                        .iter()
                        .filter_map(convert::application)
                        .collect::<Vec<_>>(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await;
        counter.finish();
        let Some(applications) =
            self.optional(listed, "applications and application_assignments")?
        else {
            self.progress
                .send_part(|| SnapshotPart::Applications(Vec::new()));
            self.progress
                .send_part(|| SnapshotPart::ApplicationAssignments(Vec::new()));
            return Ok((Vec::new(), Vec::new()));
        };
        self.progress
            .send_part(|| SnapshotPart::Applications(applications.clone()));

        let assignments = self
            .fan_out(
                Stage::ApplicationAssignments,
                applications.len(),
                "application_assignments",
                |index| {
                    let app = applications[index].application_arn.as_str();
                    list_pages(
                        gate,
                        self.retry,
                        "sso:ListApplicationAssignments",
                        move |token| {
                            client
                                .list_application_assignments()
                                .application_arn(app)
                                .set_next_token(token)
                                .send()
                        },
                        |page| {
                            (
                                page.application_assignments()
                                    .iter()
                                    .filter_map(convert::application_assignment)
                                    .collect(),
                                page.next_token().map(str::to_owned),
                            )
                        },
                    )
                },
            )
            .await?;
        self.progress
            .send_part(|| SnapshotPart::ApplicationAssignments(assignments.clone()));
        Ok((applications, assignments))
    }
}

/// One whole listing: follows `next_token` to the end. `send` sends the request for the page
/// with the given token (paced and retried through `gate` by `call`); `page_items` takes a
/// page's items and its next token.
pub(super) async fn list_pages<T, O, E, S, Fut, P>(
    gate: &FamilyGate,
    retry: &RetryPolicy,
    action: &str,
    send: S,
    mut page_items: P,
) -> Result<Vec<T>, CallFailure>
where
    S: Fn(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    P: FnMut(&O) -> (Vec<T>, Option<String>),
{
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = call(gate, retry, action, || send(token.clone())).await?;
        let (mut found, next) = page_items(&page);
        items.append(&mut found);
        match next {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => return Ok(items),
        }
    }
}

fn dedup<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_takes_the_listing_with_fewer_calls() {
        assert_eq!(
            PairDiscovery::cheapest(Some(60), 40),
            PairDiscovery::PerPermissionSet
        );
        assert_eq!(
            PairDiscovery::cheapest(Some(30), 40),
            PairDiscovery::PerAccount
        );
        assert_eq!(
            PairDiscovery::cheapest(None, 4000),
            PairDiscovery::PerPermissionSet
        );
    }
}
