"""Starts moto in server mode with fidelity fixes for the Identity Center APIs cutover reads.

moto 5.2 tracks permission-set provisioning per instance, not per account:
ListPermissionSetsProvisionedToAccount answers every provisioned permission set whatever the
account, and ListAccountsForProvisionedPermissionSet answers only the caller's account. AWS
provisions a permission set to an account with its first assignment there and lists both ways
per account. These patches restore that behaviour so the loader's two discovery strategies
can both be tested against the emulator. Nothing else is changed; each patch names the AWS
behaviour it restores.

Usage: python scripts/moto_server.py HOST PORT
"""

import json
import sys

from moto.ssoadmin import models, responses


def _provisioned(backend, instance_arn):
    store = backend.__dict__.setdefault("_cutover_provisioned", {})
    return store.setdefault(instance_arn, {})


def _provision(backend, instance_arn, permission_set_arn, account_id):
    accounts = _provisioned(backend, instance_arn).setdefault(permission_set_arn, [])
    if account_id not in accounts:
        accounts.append(account_id)


_original_create = models.SSOAdminBackend.create_account_assignment


def create_account_assignment(self, instance_arn, target_id, target_type, permission_set_arn,
                              principal_type, principal_id):
    # AWS provisions the permission set to the account with its first assignment there.
    summary = _original_create(self, instance_arn, target_id, target_type, permission_set_arn,
                               principal_type, principal_id)
    _provision(self, instance_arn, permission_set_arn, target_id)
    return summary


_original_delete_ps = models.SSOAdminBackend.delete_permission_set


def delete_permission_set(self, instance_arn, permission_set_arn):
    result = _original_delete_ps(self, instance_arn, permission_set_arn)
    _provisioned(self, instance_arn).pop(permission_set_arn, None)
    return result


def provision_permission_set(self):
    params = json.loads(self.body)
    instance_arn = params.get("InstanceArn")
    permission_set_arn = params.get("PermissionSetArn")
    target_type = params.get("TargetType")
    target_id = params.get("TargetId")
    backend = self.ssoadmin_backend
    backend._find_permission_set(instance_arn, permission_set_arn)
    if target_type == "AWS_ACCOUNT" and target_id:
        _provision(backend, instance_arn, permission_set_arn, target_id)
    # ALL_PROVISIONED_ACCOUNTS re-provisions where it already is: nothing new to record.
    return json.dumps({
        "PermissionSetProvisioningStatus": {
            "AccountId": target_id or self.current_account,
            "PermissionSetArn": permission_set_arn,
            "RequestId": "provision-" + permission_set_arn[-8:],
            "Status": "SUCCEEDED",
        }
    })


def list_permission_sets_provisioned_to_account(self):
    params = json.loads(self.body)
    account_id = params.get("AccountId")
    provisioned = _provisioned(self.ssoadmin_backend, params.get("InstanceArn"))
    arns = sorted(arn for arn, accounts in provisioned.items() if account_id in accounts)
    return json.dumps({"PermissionSets": arns})


def list_accounts_for_provisioned_permission_set(self):
    params = json.loads(self.body)
    provisioned = _provisioned(self.ssoadmin_backend, params.get("InstanceArn"))
    accounts = sorted(provisioned.get(params.get("PermissionSetArn"), []))
    return json.dumps({"AccountIds": accounts})


def _find_managed_policy(self, managed_policy_arn):
    # moto's managed-policy data spells the key "Path" but the lookup reads "path", so every
    # policy outside "/" (the job-function policies: Billing, DataScientist, ViewOnlyAccess, ...)
    # is refused. AWS accepts them.
    if self.aws_managed_policies is None:
        self.aws_managed_policies = json.loads(models.aws_managed_policies_data)
    name = managed_policy_arn.split("/")[-1]
    policy = self.aws_managed_policies.get(name)
    if policy is not None:
        path = policy.get("Path") or policy.get("path") or "/"
        if managed_policy_arn == f"arn:{self.partition}:iam::aws:policy{path}{name}":
            return models.ManagedPolicy(managed_policy_arn, name)
    raise models.ResourceNotFoundException(
        f"Policy does not exist with ARN: {managed_policy_arn}")


models.SSOAdminBackend._find_managed_policy = _find_managed_policy
models.SSOAdminBackend.create_account_assignment = create_account_assignment
models.SSOAdminBackend.delete_permission_set = delete_permission_set
responses.SSOAdminResponse.provision_permission_set = provision_permission_set
responses.SSOAdminResponse.list_permission_sets_provisioned_to_account = (
    list_permission_sets_provisioned_to_account)
responses.SSOAdminResponse.list_accounts_for_provisioned_permission_set = (
    list_accounts_for_provisioned_permission_set)

if __name__ == "__main__":
    from moto.server import main

    host, port = sys.argv[1], sys.argv[2]
    main(["-H", host, "-p", port])
