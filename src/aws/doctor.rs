//! `cutover doctor`'s questions to AWS. Reads are tried with harmless calls (one page, or a few,
//! of a listing); writes are never tried: the IAM policy simulator is asked whether the caller's
//! policies allow them, and where the caller may not use it the answer is "unknown".
//! Every request goes through a gate and `call`, like the loader's, with few retries: a doctor
//! should answer quickly, and an operation the endpoint lacks should not be retried for long.

use super::call::{call, CallFailure, FailureKind, RetryPolicy};
use super::connect::{self, Clients, Gates, LiveOptions};
use super::pacing::FamilyGate;
use crate::backend::BackendError;
use crate::doctor::{Caller, Capability, Count, Findings, Verdict};
use crate::model::InstanceInfo;
use crate::permissions::on_callers_behalf;
use aws_sdk_iam::types::PolicyEvaluationDecisionType;
use std::future::Future;

/// Pages read at most per listing when counting: 10 pages of 100 users is 1,000 users. Beyond
/// that a count is "at least".
const COUNT_PAGES: usize = 10;
/// Permission sets are counted whole (2,000 at the quota is 20 pages).
const PERMISSION_SET_PAGES: usize = 25;
/// Permission sets and (account, permission set) pairs sampled for the size estimate.
const SAMPLE: usize = 5;

struct Probe {
    clients: Clients,
    sts: aws_sdk_sts::Client,
    iam: aws_sdk_iam::Client,
    gates: Gates,
    /// STS and IAM have budgets of their own; a handful of calls go through this gate.
    iam_gate: FamilyGate,
    retry: RetryPolicy,
}

/// Asks AWS everything the doctor reports. Fails only when there is no caller to examine
/// (no credentials, no region, or STS refuses them); everything else becomes a finding.
pub async fn examine(options: &LiveOptions) -> Result<Findings, BackendError> {
    let config = connect::checked_config(options).await?;
    let probe = Probe {
        clients: Clients::new(&config),
        sts: aws_sdk_sts::Client::new(&config),
        iam: aws_sdk_iam::Client::new(&config),
        gates: Gates::new(options),
        iam_gate: FamilyGate::new("iam", 5.0, 2),
        retry: RetryPolicy {
            max_attempts: 3,
            ..options.retry.clone()
        },
    };
    let region = probe.clients.region.clone();
    let mut findings = Findings {
        caller: probe.caller().await?,
        region: region.clone(),
        management_account: probe.management_account().await,
        delegated_administrators: probe.delegated_administrators().await,
        ..Findings::default()
    };
    findings.instances = connect::list_instances(&probe.clients, &probe.gates, &probe.retry)
        .await
        .map_err(|e| e.to_string());
    findings.chosen = match &findings.instances {
        Ok(instances) => {
            connect::pick_instance(instances.clone(), options.instance_arn.as_deref(), &region)
                .map_err(|e| e.to_string())
        }
        Err(error) => Err(error.clone()),
    };
    let simulator = Simulator::for_caller(&findings.caller, &region);
    match findings.chosen.clone() {
        Ok(instance) => probe.reads(&instance, &simulator, &mut findings).await,
        Err(_) => {
            for capability in Capability::ALL.into_iter().filter(|c| !c.is_write()) {
                let verdict = probe
                    .simulate(&simulator, capability.actions(), None)
                    .await
                    .unwrap_or_else(|why| Verdict::Unknown {
                        why: format!("no instance to read from, and {why}"),
                    });
                findings.capabilities.push((capability, verdict));
            }
        }
    }
    let in_management_account = matches!(
        &findings.management_account,
        Ok(Some(m)) if *m == findings.caller.account
    );
    for capability in Capability::ALL.into_iter().filter(|c| c.is_write()) {
        let verdict = probe
            .simulate_write(&simulator, capability, in_management_account)
            .await;
        findings.capabilities.push((capability, verdict));
    }
    Ok(findings)
}

/// A read's verdict from the calls that tried it.
fn verdict_of(tries: Vec<Result<(), CallFailure>>, how: &str) -> Verdict {
    let failures: Vec<CallFailure> = tries.into_iter().filter_map(Result::err).collect();
    let denied: Vec<&CallFailure> = failures
        .iter()
        .filter(|f| f.kind == FailureKind::AccessDenied)
        .collect();
    if let Some(first) = denied.first() {
        return Verdict::Denied {
            actions: denied.iter().map(|f| f.action.clone()).collect(),
            detail: first.message.clone(),
        };
    }
    match failures.first() {
        Some(failure) => Verdict::Unknown {
            why: format!(
                "{} failed: {}{}",
                failure.action,
                failure
                    .code
                    .as_deref()
                    .map(|c| format!("{c}: "))
                    .unwrap_or_default(),
                failure.message
            ),
        },
        None => Verdict::Allowed {
            how: how.to_owned(),
        },
    }
}

/// Up to `max_pages` pages of a listing: how many items (exact when the listing ended), and the
/// first `keep` of them.
async fn list_limited<T, O, E, S, Fut, P>(
    gate: &FamilyGate,
    retry: &RetryPolicy,
    action: &str,
    max_pages: usize,
    keep: usize,
    send: S,
    page_items: P,
) -> Result<(Count, Vec<T>), CallFailure>
where
    S: Fn(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, aws_sdk_ssoadmin::error::SdkError<E>>>,
    E: aws_sdk_ssoadmin::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    P: Fn(&O) -> (Vec<T>, Option<String>),
{
    let mut kept = Vec::new();
    let mut seen = 0u64;
    let mut token: Option<String> = None;
    for _ in 0..max_pages {
        let page = call(gate, retry, action, || send(token.clone())).await?;
        let (items, next) = page_items(&page);
        seen += items.len() as u64;
        kept.extend(items.into_iter().take(keep.saturating_sub(kept.len())));
        match next {
            Some(next) if !next.is_empty() => token = Some(next),
            _ => {
                return Ok((
                    Count {
                        seen,
                        complete: true,
                    },
                    kept,
                ))
            }
        }
    }
    Ok((
        Count {
            seen,
            complete: false,
        },
        kept,
    ))
}

impl Probe {
    async fn caller(&self) -> Result<Caller, BackendError> {
        let out = call(&self.iam_gate, &self.retry, "sts:GetCallerIdentity", || {
            self.sts.get_caller_identity().send()
        })
        .await
        .map_err(|f| f.into_backend_error("the caller's identity"))?;
        Ok(Caller {
            account: out.account().unwrap_or_default().to_owned(),
            arn: out.arn().unwrap_or_default().to_owned(),
        })
    }

    async fn management_account(&self) -> Result<Option<String>, String> {
        let outcome = call(
            &self.gates.organizations,
            &self.retry,
            "organizations:DescribeOrganization",
            || self.clients.organizations.describe_organization().send(),
        )
        .await;
        match outcome {
            Ok(out) => Ok(out
                .organization()
                .and_then(|o| o.master_account_id())
                .map(str::to_owned)),
            Err(f) if f.code.as_deref() == Some("AWSOrganizationsNotInUseException") => Ok(None),
            Err(f) => Err(format!("{}: {}", f.action, f.message)),
        }
    }

    async fn delegated_administrators(&self) -> Result<Vec<String>, String> {
        let client = &self.clients.organizations;
        list_limited(
            &self.gates.organizations,
            &self.retry,
            "organizations:ListDelegatedAdministrators",
            COUNT_PAGES,
            usize::MAX,
            |token| {
                client
                    .list_delegated_administrators()
                    .service_principal("sso.amazonaws.com")
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    page.delegated_administrators()
                        .iter()
                        .filter_map(|d| d.id().map(str::to_owned))
                        .collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await
        .map(|(_, ids)| ids)
        .map_err(|f| format!("{}: {}", f.action, f.message))
    }

    /// The read capabilities, tried with one page (or a few) of each listing, and the sizes.
    async fn reads(&self, instance: &InstanceInfo, simulator: &Simulator, findings: &mut Findings) {
        let store = instance.identity_store_id.as_str();
        let instance_arn = instance.instance_arn.as_str();
        let identitystore = &self.clients.identitystore;
        let sso = &self.clients.sso_admin;
        let is_gate = &self.gates.identitystore;
        let sso_gate = &self.gates.sso_admin;
        let retry = &self.retry;

        let users = list_limited(
            is_gate,
            retry,
            "identitystore:ListUsers",
            COUNT_PAGES,
            100,
            |token| {
                identitystore
                    .list_users()
                    .identity_store_id(store)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                let issuers = page
                    .users()
                    .iter()
                    .map(|u| {
                        u.external_ids()
                            .iter()
                            .map(|e| e.issuer().to_owned())
                            .collect::<Vec<_>>()
                    })
                    .collect();
                (issuers, page.next_token().map(str::to_owned))
            },
        )
        .await;
        let groups = list_limited(
            is_gate,
            retry,
            "identitystore:ListGroups",
            COUNT_PAGES,
            1,
            |token| {
                identitystore
                    .list_groups()
                    .identity_store_id(store)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    page.groups()
                        .iter()
                        .map(|g| g.group_id().to_owned())
                        .collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await;
        if let Ok((count, sample)) = &users {
            findings.users = Some(*count);
            findings.users_sampled = sample.len() as u64;
            findings.users_with_external_id =
                sample.iter().filter(|issuers| !issuers.is_empty()).count() as u64;
            let mut issuers: Vec<String> = sample.iter().flatten().cloned().collect();
            issuers.sort();
            issuers.dedup();
            findings.external_id_issuers = issuers;
        }
        let first_group = match &groups {
            Ok((count, sample)) => {
                findings.groups = Some(*count);
                sample.first().cloned()
            }
            Err(_) => None,
        };
        findings.capabilities.push((
            Capability::ReadUsersAndGroups,
            verdict_of(
                vec![users.map(drop), groups.map(drop)],
                "ListUsers and ListGroups answered",
            ),
        ));

        let memberships = match first_group {
            Some(group) => verdict_of(
                vec![
                    call(is_gate, retry, "identitystore:ListGroupMemberships", || {
                        identitystore
                            .list_group_memberships()
                            .identity_store_id(store)
                            .group_id(group.as_str())
                            .max_results(1)
                            .send()
                    })
                    .await
                    .map(drop),
                ],
                "ListGroupMemberships answered for a group",
            ),
            None => {
                self.simulate_read(simulator, Capability::ReadMemberships, "no group to list")
                    .await
            }
        };
        findings
            .capabilities
            .push((Capability::ReadMemberships, memberships));

        let permission_sets = list_limited(
            sso_gate,
            retry,
            "sso:ListPermissionSets",
            PERMISSION_SET_PAGES,
            SAMPLE,
            |token| {
                sso.list_permission_sets()
                    .instance_arn(instance_arn)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    page.permission_sets().to_vec(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await;
        let sample: Vec<String> = match &permission_sets {
            Ok((count, sample)) => {
                findings.permission_sets = Some(*count);
                sample.clone()
            }
            Err(_) => Vec::new(),
        };
        let mut tries = vec![permission_sets.map(drop)];
        if let Some(first) = sample.first() {
            tries.push(
                call(sso_gate, retry, "sso:DescribePermissionSet", || {
                    sso.describe_permission_set()
                        .instance_arn(instance_arn)
                        .permission_set_arn(first.as_str())
                        .send()
                })
                .await
                .map(drop),
            );
        }
        findings.capabilities.push((
            Capability::ReadPermissionSets,
            verdict_of(
                tries,
                "ListPermissionSets and DescribePermissionSet answered",
            ),
        ));

        let assignments = if sample.is_empty() {
            self.simulate_read(
                simulator,
                Capability::ReadAssignments,
                "no permission set to list the assignments of",
            )
            .await
        } else {
            self.sample_assignments(instance_arn, &sample, findings)
                .await
        };
        findings
            .capabilities
            .push((Capability::ReadAssignments, assignments));

        let organizations = &self.clients.organizations;
        let accounts = list_limited(
            &self.gates.organizations,
            retry,
            "organizations:ListAccounts",
            COUNT_PAGES,
            0,
            |token| organizations.list_accounts().set_next_token(token).send(),
            |page| {
                (
                    page.accounts().iter().map(|_| ()).collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await;
        let accounts = match accounts {
            Ok((count, _)) => {
                findings.accounts = Some(count);
                Ok(())
            }
            // An account in no organization has no account names to read; the loader goes on.
            Err(f) if f.code.as_deref() == Some("AWSOrganizationsNotInUseException") => {
                Err(CallFailure {
                    kind: FailureKind::Other,
                    message: "the account is in no organization".to_owned(),
                    ..f
                })
            }
            Err(f) => Err(f),
        };
        findings.capabilities.push((
            Capability::ReadAccountNames,
            verdict_of(vec![accounts], "ListAccounts answered"),
        ));
    }

    /// Reads the accounts of a few permission sets and the assignments of a few pairs: the
    /// "read assignments" verdict and the averages the size estimate extrapolates from.
    async fn sample_assignments(
        &self,
        instance_arn: &str,
        permission_sets: &[String],
        findings: &mut Findings,
    ) -> Verdict {
        let sso = &self.clients.sso_admin;
        let gate = &self.gates.sso_admin;
        let mut tries = Vec::new();
        let mut accounts_seen = Vec::new();
        let mut pairs = Vec::new();
        for permission_set in permission_sets.iter().take(SAMPLE) {
            let listed = list_limited(
                gate,
                &self.retry,
                "sso:ListAccountsForProvisionedPermissionSet",
                SAMPLE,
                1,
                |token| {
                    sso.list_accounts_for_provisioned_permission_set()
                        .instance_arn(instance_arn)
                        .permission_set_arn(permission_set.as_str())
                        .max_results(100)
                        .set_next_token(token)
                        .send()
                },
                |page| {
                    (
                        page.account_ids().to_vec(),
                        page.next_token().map(str::to_owned),
                    )
                },
            )
            .await;
            match listed {
                Ok((count, first)) => {
                    accounts_seen.push(count.seen);
                    if let Some(account) = first.into_iter().next() {
                        pairs.push((account, permission_set.clone()));
                    }
                }
                Err(failure) => {
                    tries.push(Err(failure));
                    break;
                }
            }
        }
        if pairs.is_empty() && tries.is_empty() {
            // Nothing provisioned to an account yet: the listing is still tried once (AWS
            // answers an empty list), so that a denial shows before a migration needs it.
            pairs.push((findings.caller.account.clone(), permission_sets[0].clone()));
        }
        let mut assignments_seen = Vec::new();
        for (account, permission_set) in &pairs {
            let listed = list_limited(
                gate,
                &self.retry,
                "sso:ListAccountAssignments",
                SAMPLE,
                0,
                |token| {
                    sso.list_account_assignments()
                        .instance_arn(instance_arn)
                        .account_id(account.as_str())
                        .permission_set_arn(permission_set.as_str())
                        .max_results(100)
                        .set_next_token(token)
                        .send()
                },
                |page| {
                    (
                        page.account_assignments().iter().map(|_| ()).collect(),
                        page.next_token().map(str::to_owned),
                    )
                },
            )
            .await;
            match listed {
                Ok((count, _)) => assignments_seen.push(count.seen),
                Err(failure) => {
                    tries.push(Err(failure));
                    break;
                }
            }
        }
        let average = |seen: &[u64]| {
            (!seen.is_empty()).then(|| seen.iter().sum::<u64>() as f64 / seen.len() as f64)
        };
        findings.accounts_per_permission_set = average(&accounts_seen);
        findings.assignments_per_pair = average(&assignments_seen);
        verdict_of(
            tries,
            "ListAccountsForProvisionedPermissionSet and ListAccountAssignments answered",
        )
    }

    /// A read that had nothing to try it on, asked of the simulator instead.
    async fn simulate_read(
        &self,
        simulator: &Simulator,
        capability: Capability,
        reason: &str,
    ) -> Verdict {
        self.simulate(simulator, capability.actions(), None)
            .await
            .unwrap_or_else(|why| Verdict::Unknown {
                why: format!("{reason}, and {why}"),
            })
    }

    /// A write, asked of the simulator; in the management account also the IAM actions
    /// Identity Center performs there with the caller's credentials, on the resources it
    /// performs them on.
    async fn simulate_write(
        &self,
        simulator: &Simulator,
        capability: Capability,
        in_management_account: bool,
    ) -> Verdict {
        let mut asked = vec![self.simulate(simulator, capability.actions(), None).await];
        if in_management_account {
            let mut nested: Vec<&str> = capability
                .actions()
                .iter()
                .flat_map(|a| on_callers_behalf(a).iter().copied())
                .collect();
            nested.sort();
            nested.dedup();
            let (saml, roles): (Vec<&str>, Vec<&str>) =
                nested.into_iter().partition(|a| a.contains("SAMLProvider"));
            if let Simulator::Principal {
                partition, account, ..
            } = simulator
            {
                let role = format!(
                    "arn:{partition}:iam::{account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_cutover-doctor_0000000000000000"
                );
                let provider =
                    format!("arn:{partition}:iam::{account}:saml-provider/AWSSSO_cutover-doctor_DO_NOT_DELETE");
                for (actions, resource) in [(roles, role), (saml, provider)] {
                    if !actions.is_empty() {
                        asked.push(self.simulate(simulator, &actions, Some(resource)).await);
                    }
                }
            }
        }
        let mut denied = Vec::new();
        let mut detail = String::new();
        for answer in &asked {
            match answer {
                Err(why) => return Verdict::Unknown { why: why.clone() },
                Ok(Verdict::Denied { actions, detail: d }) => {
                    denied.extend(actions.iter().cloned());
                    detail = d.clone();
                }
                Ok(Verdict::Unknown { why }) => return Verdict::Unknown { why: why.clone() },
                Ok(Verdict::Allowed { .. }) => {}
            }
        }
        if !denied.is_empty() {
            return Verdict::Denied {
                actions: denied,
                detail,
            };
        }
        asked
            .into_iter()
            .next()
            .and_then(Result::ok)
            .unwrap_or(Verdict::Unknown {
                why: "the simulator gave no answer".to_owned(),
            })
    }

    /// Asks the IAM policy simulator about `actions` for the caller (on `resource`, or any).
    /// `Err` says why it could not be asked.
    async fn simulate(
        &self,
        simulator: &Simulator,
        actions: &[&str],
        resource: Option<String>,
    ) -> Result<Verdict, String> {
        let candidates = match simulator {
            Simulator::Root => {
                return Ok(Verdict::Allowed {
                    how: "the caller is the account's root user".to_owned(),
                })
            }
            Simulator::Unavailable(why) => return Err(why.clone()),
            Simulator::Principal { candidates, .. } => candidates,
        };
        for principal in candidates {
            let answer = call(
                &self.iam_gate,
                &self.retry,
                "iam:SimulatePrincipalPolicy",
                || {
                    self.iam
                        .simulate_principal_policy()
                        .policy_source_arn(principal.as_str())
                        .set_action_names(Some(actions.iter().map(|a| (*a).to_owned()).collect()))
                        .set_resource_arns(resource.clone().map(|r| vec![r]))
                        .send()
                },
            )
            .await;
            let out = match answer {
                Ok(out) => out,
                Err(f) if f.code.as_deref() == Some("NoSuchEntity") => continue,
                Err(f) if f.kind == FailureKind::AccessDenied => {
                    return Err(
                        "the caller may not use the IAM policy simulator (iam:SimulatePrincipalPolicy), and writes are never tried to find out"
                            .to_owned(),
                    )
                }
                Err(f) => {
                    return Err(format!(
                        "the IAM policy simulator did not answer ({}{}), and writes are never tried to find out",
                        f.code.map(|c| format!("{c}: ")).unwrap_or_default(),
                        f.message
                    ))
                }
            };
            let denied: Vec<(String, String)> = out
                .evaluation_results()
                .iter()
                .filter(|r| *r.eval_decision() != PolicyEvaluationDecisionType::Allowed)
                .map(|r| {
                    (
                        r.eval_action_name().to_owned(),
                        r.eval_decision().as_str().to_owned(),
                    )
                })
                .collect();
            let answered: Vec<&str> = out
                .evaluation_results()
                .iter()
                .map(|r| r.eval_action_name())
                .collect();
            let unanswered = actions
                .iter()
                .any(|a| !answered.iter().any(|b| b.eq_ignore_ascii_case(a)));
            if !denied.is_empty() {
                return Ok(Verdict::Denied {
                    detail: format!("the IAM policy simulator answered {}", denied[0].1),
                    actions: denied.into_iter().map(|(a, _)| a).collect(),
                });
            }
            if unanswered {
                return Err("the IAM policy simulator left some actions unanswered".to_owned());
            }
            return Ok(Verdict::Allowed {
                how: "the IAM policy simulator allows it (identity policies; a service control or session policy may still deny)".to_owned(),
            });
        }
        Err(format!(
            "the IAM policy simulator does not know the caller's role under {} (a role with another path): check the role's policies by hand",
            candidates.join(" or ")
        ))
    }
}

/// Whom the IAM policy simulator is asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Simulator {
    /// The IAM user or role behind the caller, as ARNs to try in order: a role session's ARN
    /// does not carry the role's path.
    Principal {
        candidates: Vec<String>,
        partition: String,
        account: String,
    },
    Root,
    Unavailable(String),
}

impl Simulator {
    /// The principal to simulate for the caller of `GetCallerIdentity`. A role that Identity
    /// Center created for a permission set (`AWSReservedSSO_*`) lives under
    /// `/aws-reserved/sso.amazonaws.com/<region>/`, without the Region when Identity Center is
    /// in us-east-1 (DOMAIN.md §3).
    fn for_caller(caller: &Caller, region: &str) -> Simulator {
        let parts: Vec<&str> = caller.arn.splitn(6, ':').collect();
        let [_, partition, service, _, account, resource] = parts[..] else {
            return Simulator::Unavailable(format!(
                "the caller's ARN ({}) cannot be read",
                caller.arn
            ));
        };
        let principal = |path: &str| format!("arn:{partition}:iam::{account}:{path}");
        let segments: Vec<&str> = resource.split('/').collect();
        let candidates = match (service, segments.as_slice()) {
            ("iam", ["root"]) => return Simulator::Root,
            ("iam", ["user", ..]) => vec![caller.arn.clone()],
            ("sts", ["assumed-role", role, _session]) if role.starts_with("AWSReservedSSO_") => {
                vec![
                    principal(&format!(
                        "role/aws-reserved/sso.amazonaws.com/{region}/{role}"
                    )),
                    principal(&format!("role/aws-reserved/sso.amazonaws.com/{role}")),
                ]
            }
            ("sts", ["assumed-role", role, _session]) => vec![principal(&format!("role/{role}"))],
            _ => {
                return Simulator::Unavailable(format!(
                    "the IAM policy simulator takes IAM users and roles, and the caller is {}",
                    resource.split('/').next().unwrap_or("something else")
                ))
            }
        };
        Simulator::Principal {
            candidates,
            partition: partition.to_owned(),
            account: account.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(arn: &str) -> Caller {
        Caller {
            account: "111122223333".to_owned(),
            arn: arn.to_owned(),
        }
    }

    #[test]
    fn the_simulated_principal_is_the_role_behind_the_session() {
        let sso = Simulator::for_caller(
            &caller("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/ana"),
            "eu-west-1",
        );
        let Simulator::Principal { candidates, .. } = sso else {
            panic!("{sso:?}")
        };
        assert_eq!(
            candidates,
            [
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123abcd",
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123abcd",
            ]
        );
        assert_eq!(
            Simulator::for_caller(
                &caller("arn:aws-cn:sts::111122223333:assumed-role/ops/s"),
                "r"
            ),
            Simulator::Principal {
                candidates: vec!["arn:aws-cn:iam::111122223333:role/ops".to_owned()],
                partition: "aws-cn".to_owned(),
                account: "111122223333".to_owned(),
            }
        );
        assert_eq!(
            Simulator::for_caller(&caller("arn:aws:iam::111122223333:root"), "r"),
            Simulator::Root
        );
        let user = "arn:aws:iam::111122223333:user/admins/ana";
        assert!(matches!(
            Simulator::for_caller(&caller(user), "r"),
            Simulator::Principal { candidates, .. } if candidates == [user]
        ));
        assert!(matches!(
            Simulator::for_caller(&caller("arn:aws:sts::111122223333:federated-user/bo"), "r"),
            Simulator::Unavailable(why) if why.contains("federated-user")
        ));
    }

    #[test]
    fn a_denied_read_names_its_action_and_any_other_failure_is_unknown() {
        let failure = |kind, action: &str| CallFailure {
            kind,
            action: action.to_owned(),
            code: Some("X".to_owned()),
            message: "no".to_owned(),
            attempts: 1,
        };
        assert!(matches!(
            verdict_of(vec![Ok(()), Ok(())], "ok"),
            Verdict::Allowed { .. }
        ));
        assert_eq!(
            verdict_of(
                vec![
                    Ok(()),
                    Err(failure(
                        FailureKind::AccessDenied,
                        "identitystore:ListGroups"
                    ))
                ],
                "ok"
            ),
            Verdict::Denied {
                actions: vec!["identitystore:ListGroups".to_owned()],
                detail: "no".to_owned()
            }
        );
        assert!(matches!(
            verdict_of(vec![Err(failure(FailureKind::Transient, "sso:ListPermissionSets"))], "ok"),
            Verdict::Unknown { why } if why.contains("sso:ListPermissionSets failed: X: no")
        ));
    }

    /// Recorded AWS answers, through the SDK's own test HTTP client: moto (the emulator the
    /// other tests use) allows everything and has no policy simulator, so denials and the
    /// simulator's verdicts can only be tested this way. Each answer is what AWS documents:
    /// JSON for sso-admin, identitystore and organizations; XML (query protocol) for STS and IAM.
    mod recorded {
        use super::super::examine;
        use crate::aws::LiveOptions;
        use crate::doctor::{Budgets, Capability, Report, Verdict};
        use crate::permissions::Mode;
        use aws_smithy_http_client::test_util::infallible_client_fn;
        use serde_json::{json, Value};
        use std::collections::BTreeSet;
        use std::sync::{Arc, Mutex};

        const MANAGEMENT: &str = "111111111111";
        const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-1111111111111111";
        const PS: &str = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa";
        const BUDGETS: Budgets = Budgets {
            sso_admin_rps: 18.0,
            identitystore_rps: 18.0,
            organizations_rps: 4.0,
            writes_outstanding: 10,
        };

        /// What the recorded account denies: JSON operations by name (`ListGroups`), simulator
        /// verdicts by IAM action, or the simulator itself.
        #[derive(Clone, Default)]
        struct Denials {
            operations: BTreeSet<String>,
            simulated: BTreeSet<String>,
            simulator: bool,
        }

        fn query_params(body: &str) -> Vec<(String, String)> {
            let decode = |s: &str| {
                let bytes = s.replace('+', " ").into_bytes();
                let mut out = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' && i + 2 < bytes.len() {
                        let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                        out.push(u8::from_str_radix(hex, 16).unwrap());
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            };
            body.split('&')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect()
        }

        fn json_answer(operation: &str) -> Value {
            match operation {
                "ListInstances" => json!({"Instances": [{"InstanceArn": INSTANCE,
                    "IdentityStoreId": "d-1111111111", "OwnerAccountId": MANAGEMENT, "Status": "ACTIVE"}]}),
                "DescribeOrganization" => {
                    json!({"Organization": {"Id": "o-1", "MasterAccountId": MANAGEMENT}})
                }
                "ListDelegatedAdministrators" => json!({"DelegatedAdministrators": []}),
                "ListUsers" => {
                    json!({"Users": [{"UserId": "u-1", "IdentityStoreId": "d-1111111111",
                    "UserName": "ana", "ExternalIds": [{"Issuer": "https://scim.example", "Id": "5f1c"}]}]})
                }
                "ListGroups" => {
                    json!({"Groups": [{"GroupId": "g-1", "IdentityStoreId": "d-1111111111", "DisplayName": "sre"}]})
                }
                "ListGroupMemberships" => json!({"GroupMemberships": []}),
                "ListPermissionSets" => json!({"PermissionSets": [PS]}),
                "DescribePermissionSet" => {
                    json!({"PermissionSet": {"Name": "Admin", "PermissionSetArn": PS, "SessionDuration": "PT1H"}})
                }
                "ListAccountsForProvisionedPermissionSet" => {
                    json!({"AccountIds": ["222222222222", "333333333333"]})
                }
                "ListAccountAssignments" => json!({"AccountAssignments": [
                    {"AccountId": "222222222222", "PermissionSetArn": PS, "PrincipalType": "USER", "PrincipalId": "u-1"}]}),
                "ListAccounts" => {
                    json!({"Accounts": [{"Id": "222222222222"}, {"Id": "333333333333"}]})
                }
                other => panic!("doctor sent an unexpected request: {other}"),
            }
        }

        fn simulate_answer(params: &[(String, String)], denials: &Denials) -> String {
            let members: String = params
                .iter()
                .filter(|(k, _)| k.starts_with("ActionNames.member."))
                .map(|(_, action)| {
                    let decision = if denials.simulated.contains(action) { "implicitDeny" } else { "allowed" };
                    format!("<member><EvalActionName>{action}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>{decision}</EvalDecision></member>")
                })
                .collect();
            format!("<SimulatePrincipalPolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>{members}</EvaluationResults></SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>")
        }

        fn options(denials: Denials, simulated: Arc<Mutex<Vec<String>>>) -> LiveOptions {
            let client = infallible_client_fn(move |request| {
                let body = std::str::from_utf8(request.body().bytes().unwrap_or_default())
                    .unwrap_or_default()
                    .to_owned();
                let target = request
                    .headers()
                    .get("x-amz-target")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let (status, content_type, answer) = match target {
                    Some(target) => {
                        let operation = target.rsplit('.').next().unwrap().to_owned();
                        if denials.operations.contains(&operation) {
                            (400, "application/x-amz-json-1.1", json!({"__type": "AccessDeniedException",
                                "message": format!("User is not authorized to perform: {operation}")}).to_string())
                        } else {
                            (
                                200,
                                "application/x-amz-json-1.1",
                                json_answer(&operation).to_string(),
                            )
                        }
                    }
                    None => {
                        let params = query_params(&body);
                        let action = params
                            .iter()
                            .find(|(k, _)| k == "Action")
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default();
                        match action.as_str() {
                            "GetCallerIdentity" => (200, "text/xml", format!("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:sts::{MANAGEMENT}:assumed-role/AWSReservedSSO_Admin_0123abcd/ana</Arn><UserId>AROA:ana</UserId><Account>{MANAGEMENT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>")),
                            "SimulatePrincipalPolicy" if denials.simulator => (403, "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: iam:SimulatePrincipalPolicy</Message></Error><RequestId>r</RequestId></ErrorResponse>".to_owned()),
                            "SimulatePrincipalPolicy" => {
                                let source = params.iter().find(|(k, _)| k == "PolicySourceArn").unwrap().1.clone();
                                simulated.lock().unwrap().push(source.clone());
                                if source.contains("/eu-west-1/") {
                                    (200, "text/xml", simulate_answer(&params, &denials))
                                } else {
                                    (404, "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>no such role</Message></Error><RequestId>r</RequestId></ErrorResponse>".to_owned())
                                }
                            }
                            other => panic!("doctor sent an unexpected query request: {other}"),
                        }
                    }
                };
                http::Response::builder()
                    .status(status)
                    .header("content-type", content_type)
                    .body(answer)
                    .unwrap()
            });
            LiveOptions {
                region: Some("eu-west-1".to_owned()),
                endpoint_url: Some("http://127.0.0.1:9".to_owned()),
                http_client: Some(client),
                ..LiveOptions::default()
            }
        }

        async fn report(denials: Denials, mode: Mode) -> (Report, Vec<String>) {
            std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
            let simulated = Arc::new(Mutex::new(Vec::new()));
            let findings = examine(&options(denials, simulated.clone()))
                .await
                .expect("examine");
            let principals = simulated.lock().unwrap().clone();
            (Report::new(findings, mode, &BUDGETS), principals)
        }

        fn verdict(report: &Report, capability: Capability) -> Verdict {
            report
                .capabilities
                .iter()
                .find(|l| l.capability == capability)
                .unwrap()
                .verdict
                .clone()
        }

        #[tokio::test]
        async fn everything_allowed_is_ready_for_every_mode() {
            let (report, principals) = report(Denials::default(), Mode::Organization).await;
            for line in &report.capabilities {
                assert!(matches!(line.verdict, Verdict::Allowed { .. }), "{line:?}");
            }
            assert_eq!(report.exit_code(), 0);
            assert_eq!(report.standing, crate::doctor::Standing::ManagementAccount);
            assert_eq!(report.identity_source.kind, "external");
            assert_eq!(
                report.chosen_instance.as_ref().unwrap().instance_arn,
                INSTANCE
            );
            // The permission set's role, at its Region's path.
            assert!(principals.iter().all(|p| p == "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123abcd"), "{principals:?}");
            let estimate = report.estimate.unwrap();
            assert_eq!(estimate.pairs, 2);
            assert_eq!(estimate.assignments, 2);
        }

        /// Each read denied in turn: that capability and only that one is denied, naming the
        /// action, and a read-only run is not ready (exit 1).
        #[tokio::test]
        async fn each_denied_read_is_reported_with_its_action() {
            let cases = [
                (
                    "ListGroups",
                    Capability::ReadUsersAndGroups,
                    "identitystore:ListGroups",
                ),
                (
                    "ListGroupMemberships",
                    Capability::ReadMemberships,
                    "identitystore:ListGroupMemberships",
                ),
                (
                    "DescribePermissionSet",
                    Capability::ReadPermissionSets,
                    "sso:DescribePermissionSet",
                ),
                (
                    "ListAccountAssignments",
                    Capability::ReadAssignments,
                    "sso:ListAccountAssignments",
                ),
                (
                    "ListAccounts",
                    Capability::ReadAccountNames,
                    "organizations:ListAccounts",
                ),
            ];
            for (operation, capability, action) in cases {
                let denials = Denials {
                    operations: [operation.to_owned()].into(),
                    ..Denials::default()
                };
                let (report, _) = report(denials, Mode::ReadOnly).await;
                for line in &report.capabilities {
                    if line.capability == capability {
                        assert_eq!(
                            line.verdict,
                            Verdict::Denied {
                                actions: vec![action.to_owned()],
                                detail: format!("User is not authorized to perform: {operation}"),
                            },
                            "{operation}"
                        );
                    } else {
                        assert!(
                            matches!(line.verdict, Verdict::Allowed { .. }),
                            "{operation}: {line:?}"
                        );
                    }
                }
                // Account names are optional for read-only: the loader goes on without them.
                let expected = if capability == Capability::ReadAccountNames {
                    0
                } else {
                    1
                };
                assert_eq!(report.exit_code(), expected, "{operation}");
            }
        }

        /// Writes are asked of the simulator, never tried: a denied action makes its
        /// capability denied; in the management account the IAM actions Identity Center takes
        /// there on the caller's behalf are asked too.
        #[tokio::test]
        async fn writes_come_from_the_simulator() {
            let cases = [
                (
                    "sso:DeleteAccountAssignment",
                    Capability::WriteAssignments,
                    Mode::Migrate,
                ),
                (
                    "iam:CreateRole",
                    Capability::WriteAssignments,
                    Mode::Migrate,
                ),
                (
                    "iam:CreateSAMLProvider",
                    Capability::ProvisionPermissionSets,
                    Mode::Organization,
                ),
                (
                    "identitystore:CreateGroupMembership",
                    Capability::WriteDirectory,
                    Mode::Directory,
                ),
            ];
            for (action, capability, mode) in cases {
                let denials = Denials {
                    simulated: [action.to_owned()].into(),
                    ..Denials::default()
                };
                let (report, _) = report(denials, mode).await;
                match verdict(&report, capability) {
                    Verdict::Denied { actions, detail } => {
                        assert!(
                            actions.contains(&action.to_owned()),
                            "{action}: {actions:?}"
                        );
                        assert!(detail.contains("implicitDeny"));
                    }
                    other => panic!("{action}: {other:?}"),
                }
                assert_eq!(report.exit_code(), 1, "{action}");
            }

            let denials = Denials {
                simulator: true,
                ..Denials::default()
            };
            let (report, _) = report(denials, Mode::Migrate).await;
            for capability in [
                Capability::WriteAssignments,
                Capability::WriteDirectory,
                Capability::ProvisionPermissionSets,
            ] {
                assert!(
                    matches!(verdict(&report, capability), Verdict::Unknown { why } if why.contains("iam:SimulatePrincipalPolicy"))
                );
            }
            assert!(matches!(
                verdict(&report, Capability::ReadAssignments),
                Verdict::Allowed { .. }
            ));
            assert_eq!(
                report.exit_code(),
                2,
                "write assignments could not be checked"
            );
        }
    }
}
