//! The AWS side of [`Writer`]: assignment writes, their status, and directory deletes.
//!
//! Every request goes through its family's gate exactly like the loader's reads (sso-admin for
//! assignments, identitystore for users and groups), so the rate limit, the in-flight cap and
//! the counters cover writes too, and throttling and transient failures are retried by `call`.
//!
//! Retries and idempotency: a retried `CreateAccountAssignment` can at worst start a second
//! request for an assignment that then exists once (AWS allows creating an existing
//! assignment). A retried `DeleteAccountAssignment` whose first attempt was executed although
//! its answer was lost is answered "not found"; the executor re-lists the place before it
//! believes either answer.

use super::call::{call, call_retrying_codes, CallFailure};
use super::convert;
use super::AwsBackend;
use crate::backend::{Started, WriteError, WriteErrorKind, WriteStats, WriteStatus, Writer};
use crate::model::{Action, Assignment, Place, Principal, PrincipalType};
use aws_sdk_ssoadmin::types::{self as sso, AccountAssignmentOperationStatus, StatusValues};

const PAGE_SIZE: i32 = 100;

/// Error codes retried (and counted as throttling) on sso-admin assignment writes.
///
/// `ConflictException` on `Create`/`DeleteAccountAssignment` (and the application-assignment
/// writes) means "a conflict with a previous successful write ... did not have time to
/// propagate"; the sso-admin API reference says "a retry (with appropriate backoff logic) is
/// the recommended response". DOMAIN.md is silent on it (no retry guidance in the user guide),
/// so the API reference decides: back off and retry like throttling, and give up (`GaveUp`,
/// which the executor re-checks on the next run) only when it persists through every retry.
/// It is not added to `call::classify` because the identity store's `ConflictException` is
/// also a uniqueness violation, which no retry fixes.
const SSO_WRITE_RETRYABLE: &[&str] = &["ConflictException"];

fn sso_principal_type(principal_type: PrincipalType) -> sso::PrincipalType {
    match principal_type {
        PrincipalType::User => sso::PrincipalType::User,
        PrincipalType::Group => sso::PrincipalType::Group,
    }
}

/// What an assignment write answered: a request id to poll, or an answer we cannot use.
fn pending(
    action: &str,
    status: Option<&AccountAssignmentOperationStatus>,
) -> Result<Started, WriteError> {
    // Even when the immediate status is already SUCCEEDED or FAILED the executor polls once:
    // one code path, and the poll is the answer it records.
    match status.and_then(|s| s.request_id()) {
        Some(id) if !id.is_empty() => Ok(Started::Pending {
            request_id: id.to_owned(),
        }),
        _ => Err(WriteError {
            kind: WriteErrorKind::Refused,
            action: action.to_owned(),
            code: None,
            message: "AWS accepted the request but its answer carried no request id to poll"
                .to_owned(),
        }),
    }
}

/// The status of an asynchronous assignment write. Anything but SUCCEEDED or FAILED (a status
/// missing from the answer, or a value this SDK does not know) is "still in progress": never
/// report a write done or failed without AWS saying so.
fn write_status(status: Option<&AccountAssignmentOperationStatus>) -> WriteStatus {
    let Some(status) = status else {
        return WriteStatus::InProgress;
    };
    match status.status() {
        Some(StatusValues::Succeeded) => WriteStatus::Succeeded,
        Some(StatusValues::Failed) => WriteStatus::Failed {
            reason: status
                .failure_reason()
                .filter(|r| !r.is_empty())
                .unwrap_or("AWS gave no failure reason")
                .to_owned(),
        },
        Some(StatusValues::InProgress) | None => WriteStatus::InProgress,
        Some(other) => {
            tracing::warn!(
                status = other.as_str(),
                "unknown assignment status; treated as in progress"
            );
            WriteStatus::InProgress
        }
    }
}

impl AwsBackend {
    async fn list_pair(
        &self,
        account_id: &str,
        permission_set_arn: &str,
    ) -> Result<Vec<Principal>, CallFailure> {
        let client = &self.clients.sso_admin;
        let instance = self.instance.instance_arn.as_str();
        super::loader::list_pages(
            &self.gates.sso_admin,
            &self.options.retry,
            "sso:ListAccountAssignments",
            |token| {
                client
                    .list_account_assignments()
                    .instance_arn(instance)
                    .account_id(account_id)
                    .permission_set_arn(permission_set_arn)
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    page.account_assignments()
                        .iter()
                        .filter_map(convert::account_assignment)
                        .map(|a| Principal {
                            principal_type: a.principal_type,
                            principal_id: a.principal_id,
                        })
                        .collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await
    }

    async fn list_application(&self, application_arn: &str) -> Result<Vec<Principal>, CallFailure> {
        let client = &self.clients.sso_admin;
        super::loader::list_pages(
            &self.gates.sso_admin,
            &self.options.retry,
            "sso:ListApplicationAssignments",
            |token| {
                client
                    .list_application_assignments()
                    .application_arn(application_arn)
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    page.application_assignments()
                        .iter()
                        .filter_map(convert::application_assignment)
                        .map(|a| Principal {
                            principal_type: a.principal_type,
                            principal_id: a.principal_id,
                        })
                        .collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await
    }
}

impl Writer for AwsBackend {
    async fn list_place(&self, place: &Place) -> Result<Vec<Principal>, WriteError> {
        let mut principals = match place {
            Place::Pair {
                account_id,
                permission_set_arn,
            } => {
                self.list_pair(account_id.as_str(), permission_set_arn.as_str())
                    .await
            }
            Place::Application { application_arn } => {
                self.list_application(application_arn.as_str()).await
            }
        }
        .map_err(CallFailure::into_write_error)?;
        // Creating an existing assignment is allowed and a listing may repeat it: each
        // principal is assigned once.
        principals.sort();
        principals.dedup();
        Ok(principals)
    }

    async fn start(&self, action: Action, assignment: &Assignment) -> Result<Started, WriteError> {
        let client = &self.clients.sso_admin;
        let gate = &self.gates.sso_admin;
        let retry = &self.options.retry;
        let instance = self.instance.instance_arn.as_str();
        match (action, assignment) {
            (Action::Create, Assignment::Account(a)) => {
                const ACTION: &str = "sso:CreateAccountAssignment";
                let out = call_retrying_codes(gate, retry, ACTION, SSO_WRITE_RETRYABLE, || {
                    client
                        .create_account_assignment()
                        .instance_arn(instance)
                        .target_type(sso::TargetType::AwsAccount)
                        .target_id(a.account_id.as_str())
                        .permission_set_arn(a.permission_set_arn.as_str())
                        .principal_type(sso_principal_type(a.principal_type))
                        .principal_id(a.principal_id.as_str())
                        .send()
                })
                .await
                .map_err(CallFailure::into_write_error)?;
                pending(ACTION, out.account_assignment_creation_status())
            }
            (Action::Delete, Assignment::Account(a)) => {
                const ACTION: &str = "sso:DeleteAccountAssignment";
                let out = call_retrying_codes(gate, retry, ACTION, SSO_WRITE_RETRYABLE, || {
                    client
                        .delete_account_assignment()
                        .instance_arn(instance)
                        .target_type(sso::TargetType::AwsAccount)
                        .target_id(a.account_id.as_str())
                        .permission_set_arn(a.permission_set_arn.as_str())
                        .principal_type(sso_principal_type(a.principal_type))
                        .principal_id(a.principal_id.as_str())
                        .send()
                })
                .await
                .map_err(CallFailure::into_write_error)?;
                pending(ACTION, out.account_assignment_deletion_status())
            }
            (Action::Create, Assignment::Application(a)) => {
                call_retrying_codes(
                    gate,
                    retry,
                    "sso:CreateApplicationAssignment",
                    SSO_WRITE_RETRYABLE,
                    || {
                        client
                            .create_application_assignment()
                            .application_arn(a.application_arn.as_str())
                            .principal_type(sso_principal_type(a.principal_type))
                            .principal_id(a.principal_id.as_str())
                            .send()
                    },
                )
                .await
                .map_err(CallFailure::into_write_error)?;
                Ok(Started::Done)
            }
            (Action::Delete, Assignment::Application(a)) => {
                call_retrying_codes(
                    gate,
                    retry,
                    "sso:DeleteApplicationAssignment",
                    SSO_WRITE_RETRYABLE,
                    || {
                        client
                            .delete_application_assignment()
                            .application_arn(a.application_arn.as_str())
                            .principal_type(sso_principal_type(a.principal_type))
                            .principal_id(a.principal_id.as_str())
                            .send()
                    },
                )
                .await
                .map_err(CallFailure::into_write_error)?;
                Ok(Started::Done)
            }
        }
    }

    async fn status(&self, action: Action, request_id: &str) -> Result<WriteStatus, WriteError> {
        let client = &self.clients.sso_admin;
        let gate = &self.gates.sso_admin;
        let retry = &self.options.retry;
        let instance = self.instance.instance_arn.as_str();
        match action {
            Action::Create => {
                let out = call(
                    gate,
                    retry,
                    "sso:DescribeAccountAssignmentCreationStatus",
                    || {
                        client
                            .describe_account_assignment_creation_status()
                            .instance_arn(instance)
                            .account_assignment_creation_request_id(request_id)
                            .send()
                    },
                )
                .await
                .map_err(CallFailure::into_write_error)?;
                Ok(write_status(out.account_assignment_creation_status()))
            }
            Action::Delete => {
                let out = call(
                    gate,
                    retry,
                    "sso:DescribeAccountAssignmentDeletionStatus",
                    || {
                        client
                            .describe_account_assignment_deletion_status()
                            .instance_arn(instance)
                            .account_assignment_deletion_request_id(request_id)
                            .send()
                    },
                )
                .await
                .map_err(CallFailure::into_write_error)?;
                Ok(write_status(out.account_assignment_deletion_status()))
            }
        }
    }

    async fn delete_principal(
        &self,
        principal_type: PrincipalType,
        principal_id: &str,
    ) -> Result<(), WriteError> {
        use crate::backend::directory::DirectoryWriter;
        match principal_type {
            PrincipalType::User => self.delete_user(&principal_id.into()).await,
            PrincipalType::Group => self.delete_group(&principal_id.into()).await,
        }
    }

    /// Every request this backend sent since it connected (its loads and `ListInstances`
    /// included), and every throttling answer among them; a progress display takes the
    /// difference between two readings.
    fn stats(&self) -> WriteStats {
        WriteStats {
            calls: self.gates.total_calls(),
            throttles: self.gates.total_throttles(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(
        value: Option<StatusValues>,
        reason: Option<&str>,
    ) -> AccountAssignmentOperationStatus {
        AccountAssignmentOperationStatus::builder()
            .request_id("r-1")
            .set_status(value)
            .set_failure_reason(reason.map(str::to_owned))
            .build()
    }

    #[test]
    fn only_succeeded_and_failed_end_a_write() {
        assert_eq!(
            write_status(Some(&status(Some(StatusValues::Succeeded), None))),
            WriteStatus::Succeeded
        );
        assert_eq!(
            write_status(Some(&status(
                Some(StatusValues::Failed),
                Some("policy missing")
            ))),
            WriteStatus::Failed {
                reason: "policy missing".to_owned()
            }
        );
        assert!(matches!(
            write_status(Some(&status(Some(StatusValues::Failed), None))),
            WriteStatus::Failed { .. }
        ));
        for unsure in [
            Some(StatusValues::InProgress),
            None,
            Some(StatusValues::from("PAUSED")),
        ] {
            assert_eq!(
                write_status(Some(&status(unsure, None))),
                WriteStatus::InProgress
            );
        }
        assert_eq!(write_status(None), WriteStatus::InProgress);
    }

    #[test]
    fn a_write_without_a_request_id_is_an_error_not_a_silent_success() {
        assert_eq!(
            pending("sso:CreateAccountAssignment", Some(&status(None, None))),
            Ok(Started::Pending {
                request_id: "r-1".to_owned()
            })
        );
        let error = pending("sso:CreateAccountAssignment", None).unwrap_err();
        assert_eq!(error.kind, WriteErrorKind::Refused);
        assert_eq!(error.action, "sso:CreateAccountAssignment");
    }
}
