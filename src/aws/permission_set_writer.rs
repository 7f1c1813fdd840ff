//! The AWS side of [`PermissionSetWriter`]: creating a permission set with its definition and
//! provisioning it, through the sso-admin gate like every other request.
//!
//! Tags are sent with CreatePermissionSet (one request instead of a TagResource after it);
//! a permission set completed on a later run gets its missing tags with TagResource.

use super::call::{call, CallFailure};
use super::loader::Loader;
use super::AwsBackend;
use crate::backend::{
    PermissionSetWriter, ProgressSink, Provisioning, WriteError, WriteErrorKind, WriteStatus,
};
use crate::model::{
    AccountId, DefinitionPart, PermissionSetArn, PermissionSetDefinition, PermissionsBoundary,
};
use aws_sdk_ssoadmin::types::{self as sso, PermissionSetProvisioningStatus, StatusValues};

fn tag(tag: &crate::model::Tag) -> Result<sso::Tag, WriteError> {
    sso::Tag::builder()
        .key(&tag.key)
        .value(&tag.value)
        .build()
        .map_err(|e| refused("sso:TagResource", e.to_string()))
}

fn refused(action: &str, message: String) -> WriteError {
    WriteError {
        kind: WriteErrorKind::Refused,
        action: action.to_owned(),
        code: None,
        message,
    }
}

fn customer_reference(
    name: &str,
    path: &str,
    action: &str,
) -> Result<sso::CustomerManagedPolicyReference, WriteError> {
    sso::CustomerManagedPolicyReference::builder()
        .name(name)
        .path(path)
        .build()
        .map_err(|e| refused(action, e.to_string()))
}

/// A provisioning's status as AWS answered it; anything but SUCCEEDED or FAILED is running.
fn provisioning_status(status: Option<&PermissionSetProvisioningStatus>) -> WriteStatus {
    match status.and_then(|s| s.status()) {
        Some(StatusValues::Succeeded) => WriteStatus::Succeeded,
        Some(StatusValues::Failed) => WriteStatus::Failed {
            reason: status
                .and_then(|s| s.failure_reason())
                .filter(|r| !r.is_empty())
                .unwrap_or("AWS gave no failure reason")
                .to_owned(),
        },
        _ => WriteStatus::InProgress,
    }
}

impl AwsBackend {
    fn loader(&self) -> Loader<'_> {
        Loader::new(
            &self.clients,
            &self.gates,
            &self.options.retry,
            &self.instance,
            ProgressSink::discard(),
        )
    }
}

impl PermissionSetWriter for AwsBackend {
    async fn find_permission_set(
        &self,
        name: &str,
    ) -> Result<Option<(PermissionSetArn, PermissionSetDefinition)>, WriteError> {
        let as_write_error = |e: crate::backend::BackendError| WriteError {
            kind: WriteErrorKind::Refused,
            action: "sso:DescribePermissionSet".to_owned(),
            code: None,
            message: e.to_string(),
        };
        let loader = self.loader();
        let arns = loader
            .list_permission_set_arns()
            .await
            .map_err(as_write_error)?;
        let client = &self.clients.sso_admin;
        let instance = self.instance.instance_arn.as_str();
        for arn in arns {
            let described = call(
                &self.gates.sso_admin,
                &self.options.retry,
                "sso:DescribePermissionSet",
                || {
                    client
                        .describe_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn.as_str())
                        .send()
                },
            )
            .await
            .map_err(CallFailure::into_write_error)?;
            if described.permission_set().and_then(|p| p.name()) == Some(name) {
                let full = loader
                    .describe_permission_set(&arn)
                    .await
                    .map_err(as_write_error)?;
                return Ok(Some((arn, PermissionSetDefinition::of(&full))));
            }
        }
        Ok(None)
    }

    async fn create_permission_set(
        &self,
        definition: &PermissionSetDefinition,
    ) -> Result<PermissionSetArn, WriteError> {
        const ACTION: &str = "sso:CreatePermissionSet";
        let client = &self.clients.sso_admin;
        let instance = self.instance.instance_arn.as_str();
        let tags = definition
            .tags
            .iter()
            .map(tag)
            .collect::<Result<Vec<_>, _>>()?;
        let out = call(&self.gates.sso_admin, &self.options.retry, ACTION, || {
            client
                .create_permission_set()
                .instance_arn(instance)
                .name(&definition.name)
                .set_description(definition.description.clone())
                // Always sent: the service default is one hour, and an emulator that is not
                // sent one stores a value the SDK cannot read back.
                .session_duration(
                    definition
                        .session_duration
                        .clone()
                        .unwrap_or_else(|| "PT1H".to_owned()),
                )
                .set_relay_state(definition.relay_state.clone())
                .set_tags((!tags.is_empty()).then(|| tags.clone()))
                .send()
        })
        .await
        .map_err(CallFailure::into_write_error)?;
        out.permission_set()
            .and_then(|p| p.permission_set_arn())
            .filter(|arn| !arn.is_empty())
            .map(PermissionSetArn::from)
            .ok_or_else(|| refused(ACTION, "AWS answered no permission set ARN".to_owned()))
    }

    async fn add_to_permission_set(
        &self,
        permission_set_arn: &PermissionSetArn,
        part: &DefinitionPart,
    ) -> Result<(), WriteError> {
        let client = &self.clients.sso_admin;
        let gate = &self.gates.sso_admin;
        let retry = &self.options.retry;
        let instance = self.instance.instance_arn.as_str();
        let arn = permission_set_arn.as_str();
        match part {
            DefinitionPart::ManagedPolicy { arn: policy } => call(
                gate,
                retry,
                "sso:AttachManagedPolicyToPermissionSet",
                || {
                    client
                        .attach_managed_policy_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .managed_policy_arn(policy)
                        .send()
                },
            )
            .await
            .map(drop),
            DefinitionPart::CustomerManagedPolicy(policy) => {
                const ACTION: &str = "sso:AttachCustomerManagedPolicyReferenceToPermissionSet";
                let reference = customer_reference(&policy.name, &policy.path, ACTION)?;
                call(gate, retry, ACTION, || {
                    client
                        .attach_customer_managed_policy_reference_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .customer_managed_policy_reference(reference.clone())
                        .send()
                })
                .await
                .map(drop)
            }
            DefinitionPart::InlinePolicy { document } => {
                call(gate, retry, "sso:PutInlinePolicyToPermissionSet", || {
                    client
                        .put_inline_policy_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .inline_policy(document)
                        .send()
                })
                .await
                .map(drop)
            }
            DefinitionPart::PermissionsBoundary(boundary) => {
                const ACTION: &str = "sso:PutPermissionsBoundaryToPermissionSet";
                let boundary = match boundary {
                    PermissionsBoundary::ManagedPolicy { arn } => {
                        sso::PermissionsBoundary::builder()
                            .managed_policy_arn(arn)
                            .build()
                    }
                    PermissionsBoundary::CustomerManagedPolicy { name, path } => {
                        sso::PermissionsBoundary::builder()
                            .customer_managed_policy_reference(customer_reference(
                                name, path, ACTION,
                            )?)
                            .build()
                    }
                };
                call(gate, retry, ACTION, || {
                    client
                        .put_permissions_boundary_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .permissions_boundary(boundary.clone())
                        .send()
                })
                .await
                .map(drop)
            }
            DefinitionPart::Tags { tags } => {
                let tags = tags.iter().map(tag).collect::<Result<Vec<_>, _>>()?;
                call(gate, retry, "sso:TagResource", || {
                    client
                        .tag_resource()
                        .instance_arn(instance)
                        .resource_arn(arn)
                        .set_tags(Some(tags.clone()))
                        .send()
                })
                .await
                .map(drop)
            }
        }
        .map_err(CallFailure::into_write_error)
    }

    async fn provision(
        &self,
        permission_set_arn: &PermissionSetArn,
        account_id: &AccountId,
    ) -> Result<Provisioning, WriteError> {
        let client = &self.clients.sso_admin;
        let instance = self.instance.instance_arn.as_str();
        let out = call(
            &self.gates.sso_admin,
            &self.options.retry,
            "sso:ProvisionPermissionSet",
            || {
                client
                    .provision_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(permission_set_arn.as_str())
                    .target_type(sso::ProvisionTargetType::AwsAccount)
                    .target_id(account_id.as_str())
                    .send()
            },
        )
        .await
        .map_err(CallFailure::into_write_error)?;
        let status = out.permission_set_provisioning_status();
        Ok(Provisioning {
            request_id: status
                .and_then(|s| s.request_id())
                .filter(|id| !id.is_empty())
                .map(str::to_owned),
            status: provisioning_status(status),
        })
    }

    async fn provisioning_status(&self, request_id: &str) -> Result<WriteStatus, WriteError> {
        let client = &self.clients.sso_admin;
        let instance = self.instance.instance_arn.as_str();
        let out = call(
            &self.gates.sso_admin,
            &self.options.retry,
            "sso:DescribePermissionSetProvisioningStatus",
            || {
                client
                    .describe_permission_set_provisioning_status()
                    .instance_arn(instance)
                    .provision_permission_set_request_id(request_id)
                    .send()
            },
        )
        .await
        .map_err(CallFailure::into_write_error)?;
        Ok(provisioning_status(
            out.permission_set_provisioning_status(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_succeeded_and_failed_end_a_provisioning() {
        let status = |value: Option<StatusValues>| {
            PermissionSetProvisioningStatus::builder()
                .set_status(value)
                .failure_reason("policy Boundary not found in 111111111111")
                .build()
        };
        assert_eq!(
            provisioning_status(Some(&status(Some(StatusValues::Succeeded)))),
            WriteStatus::Succeeded
        );
        assert_eq!(
            provisioning_status(Some(&status(Some(StatusValues::Failed)))),
            WriteStatus::Failed {
                reason: "policy Boundary not found in 111111111111".into()
            }
        );
        assert_eq!(
            provisioning_status(Some(&status(Some(StatusValues::InProgress)))),
            WriteStatus::InProgress
        );
        assert_eq!(provisioning_status(None), WriteStatus::InProgress);
    }
}
