//! The loader on the parts the emulator (moto 5.2) does not implement: applications and their
//! assignments, external ids, user status, permission-set tags and permissions boundaries, and
//! pagination of every listing. These run through the SDK's own test HTTP client
//! (`aws_smithy_http_client::test_util::infallible_client_fn`), which answers each request the
//! way AWS documents it; no emulator needed.

use aws_smithy_http_client::test_util::infallible_client_fn;
use cutover::aws::{AwsBackend, LiveOptions};
use cutover::backend::{Backend, ProgressSink};
use cutover::model::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-1111111111111111";
const STORE: &str = "d-1111111111";
const PS: &str = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa";
const APP: &str =
    "arn:aws:sso::111111111111:application/ssoins-1111111111111111/apl-bbbbbbbbbbbbbbbb";
const ACCOUNT: &str = "222222222222";
const USER_1: &str = "u-1";
const USER_2: &str = "u-2";
const GROUP: &str = "g-1";
const DELETED_GROUP: &str = "g-deleted";

/// Answers one request like AWS would, by its `X-Amz-Target`; pages where a token is asked for.
fn answer(target: &str, body: &Value) -> Value {
    let token = body.get("NextToken").and_then(Value::as_str);
    match (target, token) {
        ("SWBExternalService.ListInstances", _) => json!({"Instances": [
            {"InstanceArn": INSTANCE, "IdentityStoreId": STORE, "OwnerAccountId": "111111111111", "Status": "ACTIVE"}]}),
        ("AWSIdentityStore.ListUsers", None) => json!({"Users": [{
            "UserId": USER_1, "IdentityStoreId": STORE, "UserName": "ana.chen@new.example",
            "DisplayName": "Ana Chen", "Name": {"GivenName": "Ana", "FamilyName": "Chen"},
            "Emails": [{"Value": "ana.chen@new.example", "Type": "work", "Primary": true}],
            "ExternalIds": [{"Issuer": "https://scim.new.example", "Id": "5f1c"}],
            "UserStatus": "ENABLED"}], "NextToken": "users-2"}),
        ("AWSIdentityStore.ListUsers", Some("users-2")) => json!({"Users": [{
            "UserId": USER_2, "IdentityStoreId": STORE, "UserName": "bo@new.example",
            "UserStatus": "DISABLED"}]}),
        ("AWSIdentityStore.ListGroups", _) => json!({"Groups": [{
            "GroupId": GROUP, "IdentityStoreId": STORE, "DisplayName": "aws-sre",
            "Description": "Site reliability", "ExternalIds": [{"Issuer": "https://scim.new.example", "Id": "g5f1c"}]}]}),
        ("AWSIdentityStore.ListGroupMemberships", None) => json!({"GroupMemberships": [
            {"IdentityStoreId": STORE, "MembershipId": "m-1", "GroupId": GROUP, "MemberId": {"UserId": USER_1}}],
            "NextToken": "members-2"}),
        ("AWSIdentityStore.ListGroupMemberships", Some("members-2")) => {
            json!({"GroupMemberships": [
            {"IdentityStoreId": STORE, "MembershipId": "m-2", "GroupId": GROUP, "MemberId": {"UserId": USER_2}}]})
        }
        ("SWBExternalService.ListPermissionSets", _) => json!({"PermissionSets": [PS]}),
        ("SWBExternalService.DescribePermissionSet", _) => json!({"PermissionSet": {
            "Name": "DataScientist", "PermissionSetArn": PS, "Description": "Data team",
            "SessionDuration": "PT4H", "RelayState": "https://console.aws.amazon.com/sagemaker/"}}),
        ("SWBExternalService.ListManagedPoliciesInPermissionSet", _) => {
            json!({"AttachedManagedPolicies": [
            {"Name": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]})
        }
        ("SWBExternalService.ListCustomerManagedPolicyReferencesInPermissionSet", _) => json!({
            "CustomerManagedPolicyReferences": [{"Name": "DataLake", "Path": "/data/"}]}),
        ("SWBExternalService.GetInlinePolicyForPermissionSet", _) => json!({
            "InlinePolicy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}),
        ("SWBExternalService.GetPermissionsBoundaryForPermissionSet", _) => json!({
            "PermissionsBoundary": {"CustomerManagedPolicyReference": {"Name": "Boundary", "Path": "/"}}}),
        ("SWBExternalService.ListTagsForResource", None) => {
            json!({"Tags": [{"Key": "owner", "Value": "data"}], "NextToken": "tags-2"})
        }
        ("SWBExternalService.ListTagsForResource", Some("tags-2")) => {
            json!({"Tags": [{"Key": "cost-center", "Value": "42"}]})
        }
        ("AWSOrganizationsV20161128.ListAccounts", _) => json!({"Accounts": [
            {"Id": ACCOUNT, "Arn": "arn:aws:organizations::111111111111:account/o-1/222222222222",
             "Email": "aws+data@example.com", "Name": "corp-data", "State": "ACTIVE"}]}),
        ("SWBExternalService.ListPermissionSetsProvisionedToAccount", _) => {
            json!({"PermissionSets": [PS]})
        }
        ("SWBExternalService.ListAccountsForProvisionedPermissionSet", _) => {
            json!({"AccountIds": [ACCOUNT]})
        }
        ("SWBExternalService.ListAccountAssignments", None) => json!({"AccountAssignments": [
            {"AccountId": ACCOUNT, "PermissionSetArn": PS, "PrincipalType": "GROUP", "PrincipalId": GROUP}],
            "NextToken": "assignments-2"}),
        ("SWBExternalService.ListAccountAssignments", Some("assignments-2")) => {
            json!({"AccountAssignments": [
            {"AccountId": ACCOUNT, "PermissionSetArn": PS, "PrincipalType": "GROUP", "PrincipalId": DELETED_GROUP},
            {"AccountId": ACCOUNT, "PermissionSetArn": PS, "PrincipalType": "USER", "PrincipalId": USER_2}]})
        }
        ("SWBExternalService.ListApplications", _) => json!({"Applications": [
            {"ApplicationArn": APP, "ApplicationProviderArn": "arn:aws:sso::aws:applicationProvider/custom-saml",
             "Name": "Jira", "Status": "ENABLED", "InstanceArn": INSTANCE}]}),
        ("SWBExternalService.ListApplicationAssignments", _) => json!({"ApplicationAssignments": [
            {"ApplicationArn": APP, "PrincipalId": GROUP, "PrincipalType": "GROUP"}]}),
        other => panic!("unexpected request {other:?}"),
    }
}

fn options_with_replay(calls: Arc<Mutex<BTreeMap<String, u32>>>) -> LiveOptions {
    let client = infallible_client_fn(move |request| {
        let target = request
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: Value =
            serde_json::from_slice(request.body().bytes().unwrap_or(b"{}")).unwrap_or(Value::Null);
        *calls.lock().unwrap().entry(target.clone()).or_default() += 1;
        http::Response::builder()
            .status(200)
            .header("content-type", "application/x-amz-json-1.1")
            .body(answer(&target, &body).to_string())
            .unwrap()
    });
    LiveOptions {
        region: Some("eu-west-1".to_owned()),
        endpoint_url: Some("http://127.0.0.1:9".to_owned()),
        http_client: Some(client),
        ..LiveOptions::default()
    }
}

#[tokio::test]
async fn loads_what_the_emulator_lacks_and_follows_every_page() {
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    let calls = Arc::new(Mutex::new(BTreeMap::new()));
    let backend = AwsBackend::connect(options_with_replay(calls.clone()))
        .await
        .expect("connect");
    let snapshot = backend
        .load(ProgressSink::discard())
        .await
        .expect("load")
        .snapshot;

    assert_eq!(snapshot.instance.instance_arn, INSTANCE);
    assert_eq!(
        snapshot.instance.owner_account_id.as_deref(),
        Some("111111111111")
    );
    assert_eq!(snapshot.users.len(), 2);
    let ana = &snapshot.users[0];
    assert_eq!(ana.user_name, "ana.chen@new.example");
    assert_eq!(
        ana.external_ids,
        vec![ExternalId {
            issuer: "https://scim.new.example".into(),
            id: "5f1c".into()
        }]
    );
    assert_eq!(ana.status.as_deref(), Some("ENABLED"));
    assert_eq!(ana.primary_email(), Some("ana.chen@new.example"));
    assert_eq!(snapshot.users[1].status.as_deref(), Some("DISABLED"));
    assert_eq!(snapshot.groups[0].external_ids[0].id, "g5f1c");
    assert_eq!(snapshot.group_memberships.len(), 2, "both membership pages");

    let ps = &snapshot.permission_sets[0];
    assert_eq!(ps.name, "DataScientist");
    assert_eq!(ps.session_duration.as_deref(), Some("PT4H"));
    assert_eq!(
        ps.permissions_boundary,
        Some(PermissionsBoundary::CustomerManagedPolicy {
            name: "Boundary".into(),
            path: "/".into()
        })
    );
    assert_eq!(ps.customer_managed_policies[0].path, "/data/");
    assert_eq!(
        ps.tags.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        ["cost-center", "owner"],
        "both tag pages, sorted"
    );
    assert_eq!(ps.provisioned_account_ids, vec![AccountId::from(ACCOUNT)]);
    assert_eq!(snapshot.accounts[0].name.as_deref(), Some("corp-data"));
    assert_eq!(snapshot.accounts[0].status.as_deref(), Some("ACTIVE"));

    // Both assignment pages, the orphan (a deleted group) included.
    let principals: Vec<_> = snapshot
        .account_assignments
        .iter()
        .map(|a| a.principal_id.as_str())
        .collect();
    assert_eq!(
        principals,
        [USER_2, GROUP, DELETED_GROUP],
        "USER sorts before GROUP"
    );

    assert_eq!(snapshot.applications.len(), 1);
    assert_eq!(snapshot.applications[0].name, "Jira");
    assert_eq!(
        snapshot.application_assignments,
        vec![ApplicationAssignment {
            application_arn: APP.into(),
            principal_type: PrincipalType::Group,
            principal_id: GROUP.into(),
        }]
    );
    assert!(snapshot.warnings.is_empty(), "{:?}", snapshot.warnings);

    // One account and one permission set: pairs are discovered per account (1 call), and the
    // single pair's two assignment pages take two calls.
    let calls = calls.lock().unwrap();
    assert_eq!(
        calls["SWBExternalService.ListPermissionSetsProvisionedToAccount"],
        1
    );
    assert!(!calls.contains_key("SWBExternalService.ListAccountsForProvisionedPermissionSet"));
    assert_eq!(calls["SWBExternalService.ListAccountAssignments"], 2);
    assert_eq!(calls["AWSIdentityStore.ListUsers"], 2);
}

/// The permission-set writes of `apply --create-permission-sets` that moto does not implement
/// (tags read back, permissions boundaries, provisioning status): the requests are recorded
/// and answered the way the sso-admin API reference documents, through the SDK's test client.
#[tokio::test]
async fn permission_set_writes_send_every_part_of_the_definition() {
    use cutover::backend::{PermissionSetWriter, WriteStatus};
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    const NEW_PS: &str = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-cccccccccccccccc";
    let sent: Arc<Mutex<Vec<(String, Value)>>> = Arc::new(Mutex::new(Vec::new()));
    let polls = Arc::new(Mutex::new(0u32));
    let client = {
        let sent = sent.clone();
        infallible_client_fn(move |request| {
            let target = request
                .headers()
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body: Value = serde_json::from_slice(request.body().bytes().unwrap_or(b"{}"))
                .unwrap_or(Value::Null);
            sent.lock().unwrap().push((target.clone(), body));
            let answer = match target.as_str() {
                "SWBExternalService.ListInstances" => json!({"Instances": [
                    {"InstanceArn": INSTANCE, "IdentityStoreId": STORE, "OwnerAccountId": "111111111111", "Status": "ACTIVE"}]}),
                "SWBExternalService.CreatePermissionSet" => json!({"PermissionSet": {
                    "Name": "DataScientist", "PermissionSetArn": NEW_PS, "SessionDuration": "PT4H"}}),
                "SWBExternalService.ProvisionPermissionSet" => {
                    json!({"PermissionSetProvisioningStatus": {
                    "RequestId": "prov-1", "Status": "IN_PROGRESS", "PermissionSetArn": NEW_PS, "AccountId": ACCOUNT}})
                }
                "SWBExternalService.DescribePermissionSetProvisioningStatus" => {
                    let mut polls = polls.lock().unwrap();
                    *polls += 1;
                    let status = if *polls < 2 {
                        "IN_PROGRESS"
                    } else {
                        "SUCCEEDED"
                    };
                    json!({"PermissionSetProvisioningStatus": {"RequestId": "prov-1", "Status": status}})
                }
                // Attach*, Put*, TagResource answer an empty object.
                _ => json!({}),
            };
            http::Response::builder()
                .status(200)
                .header("content-type", "application/x-amz-json-1.1")
                .body(answer.to_string())
                .unwrap()
        })
    };
    let backend = AwsBackend::connect(LiveOptions {
        region: Some("eu-west-1".to_owned()),
        endpoint_url: Some("http://127.0.0.1:9".to_owned()),
        http_client: Some(client),
        ..LiveOptions::default()
    })
    .await
    .expect("connect");
    let definition = PermissionSetDefinition {
        name: "DataScientist".into(),
        description: Some("Data team".into()),
        session_duration: Some("PT4H".into()),
        relay_state: Some("https://console.aws.amazon.com/sagemaker/".into()),
        managed_policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
        customer_managed_policies: vec![CustomerManagedPolicy {
            name: "DataLake".into(),
            path: "/data/".into(),
        }],
        inline_policy: Some("{\"Version\":\"2012-10-17\",\"Statement\":[]}".into()),
        permissions_boundary: Some(PermissionsBoundary::CustomerManagedPolicy {
            name: "Boundary".into(),
            path: "/".into(),
        }),
        tags: vec![Tag {
            key: "owner".into(),
            value: "data".into(),
        }],
    };
    let arn = backend
        .create_permission_set(&definition)
        .await
        .expect("create");
    assert_eq!(arn.as_str(), NEW_PS);
    for part in definition.parts() {
        backend
            .add_to_permission_set(&arn, &part)
            .await
            .expect("add a part");
    }
    backend
        .add_to_permission_set(
            &arn,
            &DefinitionPart::Tags {
                tags: vec![Tag {
                    key: "cost-center".into(),
                    value: "42".into(),
                }],
            },
        )
        .await
        .expect("tag");
    let started = backend
        .provision(&arn, &AccountId::from(ACCOUNT))
        .await
        .expect("provision");
    assert_eq!(started.request_id.as_deref(), Some("prov-1"));
    assert_eq!(started.status, WriteStatus::InProgress);
    assert_eq!(
        backend.provisioning_status("prov-1").await.unwrap(),
        WriteStatus::InProgress
    );
    assert_eq!(
        backend.provisioning_status("prov-1").await.unwrap(),
        WriteStatus::Succeeded
    );

    let sent = sent.lock().unwrap();
    let body = |target: &str| -> &Value {
        &sent
            .iter()
            .find(|(t, _)| t == &format!("SWBExternalService.{target}"))
            .unwrap_or_else(|| panic!("{target} was not sent"))
            .1
    };
    let create = body("CreatePermissionSet");
    assert_eq!(create["Name"], "DataScientist");
    assert_eq!(create["Description"], "Data team");
    assert_eq!(create["SessionDuration"], "PT4H");
    assert_eq!(
        create["RelayState"],
        "https://console.aws.amazon.com/sagemaker/"
    );
    assert_eq!(create["Tags"], json!([{"Key": "owner", "Value": "data"}]));
    assert_eq!(
        body("AttachManagedPolicyToPermissionSet")["ManagedPolicyArn"],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    assert_eq!(
        body("AttachCustomerManagedPolicyReferenceToPermissionSet")
            ["CustomerManagedPolicyReference"],
        json!({"Name": "DataLake", "Path": "/data/"})
    );
    assert_eq!(
        body("PutInlinePolicyToPermissionSet")["InlinePolicy"],
        "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    );
    assert_eq!(
        body("PutPermissionsBoundaryToPermissionSet")["PermissionsBoundary"],
        json!({"CustomerManagedPolicyReference": {"Name": "Boundary", "Path": "/"}})
    );
    let tag = body("TagResource");
    assert_eq!(tag["ResourceArn"], NEW_PS);
    assert_eq!(tag["Tags"], json!([{"Key": "cost-center", "Value": "42"}]));
    let provision = body("ProvisionPermissionSet");
    assert_eq!(provision["TargetType"], "AWS_ACCOUNT");
    assert_eq!(provision["TargetId"], ACCOUNT);
    assert_eq!(provision["PermissionSetArn"], NEW_PS);
}
