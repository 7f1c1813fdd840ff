//! The AWS writer (`impl Writer for AwsBackend`): assignment writes, status polls and principal
//! deletes against the AWS emulator through the fault proxy, and, for what the emulator (moto
//! 5.2) lacks, through the SDK's own test HTTP client.
//!
//! moto completes every account-assignment write at once, never throttles and never conflicts,
//! so polling is exercised with the proxy's `in_progress_polls` and faults with its random
//! throttling, 5xx answers and dropped connections. Paths moto cannot produce at all are in
//! the `replay` tests at the end: application assignments, a FAILED status with its reason,
//! `ConflictException` (retried), `ValidationException` (refused) and deleting a user that does
//! not exist (moto answers success; AWS answers `ResourceNotFoundException`).

use crate::common;

use common::World;
use cutover::aws::AwsBackend;
use cutover::backend::{Backend, ProgressSink, Started, WriteErrorKind, WriteStatus, Writer};
use cutover::fixture::OrgSpec;
use cutover::model::*;
use fault_proxy::{FaultConfig, FaultProxy};
use futures::stream::{self, StreamExt};

async fn connect(world: &World, proxy: &FaultProxy) -> AwsBackend {
    AwsBackend::connect(world.live_options(proxy))
        .await
        .expect("connect")
}

/// A place of the seeded world that already has assignments, who is assigned there, and the
/// seeded users who are not.
fn busy_place(world: &World) -> (Place, Vec<Principal>, Vec<UserId>) {
    let first = &world.expected.account_assignments[0];
    let place = Place::Pair {
        account_id: first.account_id.clone(),
        permission_set_arn: first.permission_set_arn.clone(),
    };
    let mut assigned: Vec<Principal> = world
        .expected
        .account_assignments
        .iter()
        .filter(|a| {
            a.account_id == first.account_id && a.permission_set_arn == first.permission_set_arn
        })
        .map(|a| Principal {
            principal_type: a.principal_type,
            principal_id: a.principal_id.clone(),
        })
        .collect();
    assigned.sort();
    assigned.dedup();
    let free = world
        .expected
        .users
        .iter()
        .filter(|u| {
            !assigned
                .iter()
                .any(|p| p.principal_id.as_str() == u.user_id.as_str())
        })
        .map(|u| u.user_id.clone())
        .collect();
    (place, assigned, free)
}

fn user_at(place: &Place, user: &UserId) -> Assignment {
    let Place::Pair {
        account_id,
        permission_set_arn,
    } = place
    else {
        panic!("an account place");
    };
    Assignment::Account(AccountAssignment {
        account_id: account_id.clone(),
        permission_set_arn: permission_set_arn.clone(),
        principal_type: PrincipalType::User,
        principal_id: user.as_str().into(),
    })
}

fn request_id(started: Started) -> String {
    match started {
        Started::Pending { request_id } => request_id,
        Started::Done => panic!("an account-assignment write is asynchronous"),
    }
}

/// Polls until the write is no longer in progress (at most `budget` polls); every answer in
/// order. The proxy's in-progress answers are counted per poll, not timed: no sleeping.
async fn poll(backend: &AwsBackend, action: Action, id: &str, budget: usize) -> Vec<WriteStatus> {
    let mut answers = Vec::new();
    for _ in 0..budget {
        let status = backend.status(action, id).await.expect("status");
        let done = status != WriteStatus::InProgress;
        answers.push(status);
        if done {
            break;
        }
    }
    answers
}

/// Starts `action` on `assignment` and polls it to the end; panics unless it succeeded.
async fn write(backend: &AwsBackend, action: Action, assignment: &Assignment) {
    let id = request_id(backend.start(action, assignment).await.expect("start"));
    let answers = poll(backend, action, &id, 10).await;
    assert_eq!(answers.last(), Some(&WriteStatus::Succeeded), "{answers:?}");
}

/// Eight writes at a time, as an executor would run them.
async fn write_all(backend: &AwsBackend, action: Action, assignments: &[Assignment]) {
    stream::iter(assignments)
        .map(|assignment| write(backend, action, assignment))
        .buffer_unordered(8)
        .collect::<Vec<()>>()
        .await;
}

fn principal(assignment: &Assignment) -> Principal {
    assignment.principal()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_shows_up_at_its_place_and_delete_removes_it() {
    let world = World::seeded(&OrgSpec::small()).await;
    let proxy = world.proxy(FaultConfig::default()).await;
    let backend = connect(&world, &proxy).await;
    let (place, seeded, free) = busy_place(&world);

    // The listing is what was seeded there, sorted and without repeats.
    assert_eq!(backend.list_place(&place).await.unwrap(), seeded);

    let assignment = user_at(&place, &free[0]);
    let id = request_id(backend.start(Action::Create, &assignment).await.unwrap());
    assert_eq!(
        poll(&backend, Action::Create, &id, 10).await,
        [WriteStatus::Succeeded]
    );
    let listed = backend.list_place(&place).await.unwrap();
    assert!(listed.contains(&principal(&assignment)), "{listed:?}");
    assert_eq!(listed.len(), seeded.len() + 1);

    let id = request_id(backend.start(Action::Delete, &assignment).await.unwrap());
    assert_eq!(
        poll(&backend, Action::Delete, &id, 10).await,
        [WriteStatus::Succeeded]
    );
    assert_eq!(backend.list_place(&place).await.unwrap(), seeded);

    // Deleting it again: AWS (and moto) answer that it does not exist.
    let error = backend
        .start(Action::Delete, &assignment)
        .await
        .unwrap_err();
    assert_eq!(error.kind, WriteErrorKind::NotFound, "{error}");
    assert_eq!(error.action, "sso:DeleteAccountAssignment");
    // So does a status poll for a request id nobody issued.
    let error = backend
        .status(Action::Create, "00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(error.kind, WriteErrorKind::NotFound, "{error}");
    assert_eq!(error.action, "sso:DescribeAccountAssignmentCreationStatus");

    // Every request went through the sso-admin gate and was counted.
    let stats = backend.stats();
    assert_eq!(stats.calls, proxy.stats().total().requests);
    assert_eq!(stats.throttles, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_answer_in_progress_until_aws_says_otherwise() {
    let world = World::seeded(&OrgSpec::small()).await;
    let proxy = world
        .proxy(FaultConfig::default().with_in_progress_polls(3))
        .await;
    let backend = connect(&world, &proxy).await;
    let (place, _, free) = busy_place(&world);
    let assignment = user_at(&place, &free[0]);

    let in_progress_then_done = [
        WriteStatus::InProgress,
        WriteStatus::InProgress,
        WriteStatus::InProgress,
        WriteStatus::Succeeded,
    ];
    let id = request_id(backend.start(Action::Create, &assignment).await.unwrap());
    assert_eq!(
        poll(&backend, Action::Create, &id, 10).await,
        in_progress_then_done
    );
    let id = request_id(backend.start(Action::Delete, &assignment).await.unwrap());
    assert_eq!(
        poll(&backend, Action::Delete, &id, 10).await,
        in_progress_then_done
    );
    // A poll budget that runs out leaves the write in progress: never done, never failed.
    let id = request_id(backend.start(Action::Create, &assignment).await.unwrap());
    assert_eq!(
        poll(&backend, Action::Create, &id, 2).await,
        [WriteStatus::InProgress, WriteStatus::InProgress]
    );
    assert_eq!(proxy.stats().sso_admin.in_progress_rewrites, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_succeed_through_throttling_errors_and_resets() {
    let world = World::seeded(&OrgSpec::small()).await;
    // The proxy draws one number per request from a seeded stream, and a retry takes the next
    // one: however the concurrent writes interleave, the number of each fault is the same on
    // every run.
    let faults = FaultConfig {
        throttle_ratio: 0.10,
        server_error_ratio: 0.02,
        reset_ratio: 0.02,
        seed: 11,
        ..FaultConfig::default()
    };
    let proxy = world.proxy(faults).await;
    let backend = connect(&world, &proxy).await;
    let (place, seeded, free) = busy_place(&world);
    let assignments: Vec<Assignment> = free.iter().map(|user| user_at(&place, user)).collect();
    assert!(assignments.len() >= 25, "{}", assignments.len());

    write_all(&backend, Action::Create, &assignments).await;
    let mut expected: Vec<Principal> = seeded.clone();
    expected.extend(assignments.iter().map(principal));
    expected.sort();
    assert_eq!(backend.list_place(&place).await.unwrap(), expected);

    write_all(&backend, Action::Delete, &assignments).await;
    assert_eq!(backend.list_place(&place).await.unwrap(), seeded);

    let injected = proxy.stats().total();
    assert!(
        injected.throttled_injected > 0 && injected.server_errors > 0 && injected.resets > 0,
        "{injected:?}"
    );
    // Throttles are counted, not reported; every request passed the gate.
    let stats = backend.stats();
    assert_eq!(stats.throttles, injected.throttled_injected);
    assert_eq!(stats.calls, injected.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_create_names_the_iam_action_and_changes_nothing() {
    let world = World::seeded(&OrgSpec::small()).await;
    let proxy = world
        .proxy(FaultConfig::default().denying("SWBExternalService.CreateAccountAssignment"))
        .await;
    let backend = connect(&world, &proxy).await;
    let (place, seeded, free) = busy_place(&world);

    let error = backend
        .start(Action::Create, &user_at(&place, &free[0]))
        .await
        .unwrap_err();
    assert_eq!(error.kind, WriteErrorKind::AccessDenied, "{error}");
    assert_eq!(error.action, "sso:CreateAccountAssignment");
    assert_eq!(error.code.as_deref(), Some("AccessDeniedException"));
    assert!(
        error
            .to_string()
            .starts_with("sso:CreateAccountAssignment: AccessDeniedException: "),
        "{error}"
    );
    // Denied once, not retried; reads still work and nothing was created.
    assert_eq!(proxy.stats().sso_admin.denied, 1);
    assert_eq!(backend.list_place(&place).await.unwrap(), seeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_principal_removes_users_and_groups_from_the_identity_store() {
    let world = World::seeded(&OrgSpec::small()).await;
    let proxy = world.proxy(FaultConfig::default()).await;
    let backend = connect(&world, &proxy).await;
    let user = world.expected.users[0].user_id.clone();
    let group = world.expected.groups[0].group_id.clone();

    backend
        .delete_principal(PrincipalType::User, user.as_str())
        .await
        .expect("delete user");
    backend
        .delete_principal(PrincipalType::Group, group.as_str())
        .await
        .expect("delete group");
    let per_operation = proxy.stats().per_operation;
    assert_eq!(per_operation["AWSIdentityStore.DeleteUser"], 1);
    assert_eq!(per_operation["AWSIdentityStore.DeleteGroup"], 1);

    let snapshot = backend
        .load(ProgressSink::discard())
        .await
        .expect("load")
        .snapshot;
    assert_eq!(snapshot.users.len(), world.expected.users.len() - 1);
    assert!(!snapshot.users.iter().any(|u| u.user_id == user));
    assert_eq!(snapshot.groups.len(), world.expected.groups.len() - 1);
    assert!(!snapshot.groups.iter().any(|g| g.group_id == group));
}

/// Through the SDK's test HTTP client (`aws_smithy_http_client::test_util`): what moto cannot
/// answer. A small stateful fake plays AWS; no emulator involved.
mod replay {
    use super::*;
    use aws_smithy_http_client::test_util::infallible_client_fn;
    use cutover::aws::call::RetryPolicy;
    use cutover::aws::LiveOptions;
    use serde_json::{json, Value};
    use std::collections::{BTreeMap, BTreeSet, VecDeque};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-1111111111111111";
    const STORE: &str = "d-1111111111";
    const PS: &str = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-aaaaaaaaaaaaaaaa";
    const APP: &str =
        "arn:aws:sso::111111111111:application/ssoins-1111111111111111/apl-bbbbbbbbbbbbbbbb";
    const ACCOUNT: &str = "222222222222";

    /// One canned answer: HTTP status and JSON body (errors carry `__type`).
    type Answer = (u16, Value);

    fn error(code: &str, message: &str) -> Answer {
        (400, json!({"__type": code, "message": message}))
    }

    /// Plays AWS: application assignments kept as state, paged one per page; anything queued
    /// for a target is answered first, in order.
    #[derive(Default)]
    struct FakeAws {
        app_assignments: BTreeSet<(String, String)>,
        queued: BTreeMap<String, VecDeque<Answer>>,
        /// Every request: its target and body.
        seen: Vec<(String, Value)>,
    }

    impl FakeAws {
        fn answer(&mut self, target: &str, body: &Value) -> Answer {
            self.seen.push((target.to_owned(), body.clone()));
            if let Some(answer) = self.queued.get_mut(target).and_then(VecDeque::pop_front) {
                return answer;
            }
            let principal = || {
                (
                    body["PrincipalType"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    body["PrincipalId"].as_str().unwrap_or_default().to_owned(),
                )
            };
            match target {
                "SWBExternalService.ListInstances" => (
                    200,
                    json!({"Instances": [{"InstanceArn": INSTANCE, "IdentityStoreId": STORE,
                        "OwnerAccountId": "111111111111", "Status": "ACTIVE"}]}),
                ),
                "SWBExternalService.CreateApplicationAssignment" => {
                    assert_eq!(body["ApplicationArn"], APP);
                    self.app_assignments.insert(principal());
                    (200, json!({}))
                }
                "SWBExternalService.DeleteApplicationAssignment" => {
                    assert_eq!(body["ApplicationArn"], APP);
                    if self.app_assignments.remove(&principal()) {
                        (200, json!({}))
                    } else {
                        error("ResourceNotFoundException", "Assignment not found")
                    }
                }
                "SWBExternalService.ListApplicationAssignments" => {
                    assert_eq!(body["ApplicationArn"], APP);
                    // One assignment per page; the token is the index of the next one.
                    let start: usize = body["NextToken"]
                        .as_str()
                        .map(|t| t.parse().unwrap())
                        .unwrap_or(0);
                    let all: Vec<_> = self.app_assignments.iter().collect();
                    let mut page = json!({"ApplicationAssignments": all.get(start).map(|(t, id)| vec![
                        json!({"ApplicationArn": APP, "PrincipalType": t, "PrincipalId": id})
                    ]).unwrap_or_default()});
                    if start + 1 < all.len() {
                        page["NextToken"] = json!((start + 1).to_string());
                    }
                    (200, page)
                }
                other => panic!("unexpected request {other}: {body}"),
            }
        }

        fn count(&self, target: &str) -> usize {
            self.seen.iter().filter(|(t, _)| t == target).count()
        }
    }

    async fn backend(fake: Arc<Mutex<FakeAws>>) -> AwsBackend {
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        let client = infallible_client_fn(move |request| {
            let target = request
                .headers()
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body: Value = serde_json::from_slice(request.body().bytes().unwrap_or(b"{}"))
                .unwrap_or(Value::Null);
            let (status, answer) = fake.lock().unwrap().answer(&target, &body);
            let mut response = http::Response::builder()
                .status(status)
                .header("content-type", "application/x-amz-json-1.1");
            if let Some(code) = answer["__type"].as_str() {
                response = response.header("x-amzn-errortype", code);
            }
            response.body(answer.to_string()).unwrap()
        });
        let options = LiveOptions {
            region: Some("eu-west-1".to_owned()),
            endpoint_url: Some("http://127.0.0.1:9".to_owned()),
            http_client: Some(client),
            retry: RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
            },
            ..LiveOptions::default()
        };
        AwsBackend::connect(options).await.expect("connect")
    }

    fn app_assignment(principal_type: PrincipalType, id: &str) -> Assignment {
        Assignment::Application(ApplicationAssignment {
            application_arn: APP.into(),
            principal_type,
            principal_id: id.into(),
        })
    }

    fn account_assignment() -> Assignment {
        Assignment::Account(AccountAssignment {
            account_id: ACCOUNT.into(),
            permission_set_arn: PS.into(),
            principal_type: PrincipalType::Group,
            principal_id: "g-1".into(),
        })
    }

    /// moto has no applications: create, list (every page) and delete application assignments
    /// against a fake that answers like AWS.
    #[tokio::test]
    async fn application_assignments_complete_in_the_call_and_list_every_page() {
        let fake = Arc::new(Mutex::new(FakeAws::default()));
        let backend = backend(fake.clone()).await;
        let place = Place::Application {
            application_arn: APP.into(),
        };
        assert_eq!(backend.list_place(&place).await.unwrap(), []);

        let user = app_assignment(PrincipalType::User, "u-1");
        let group = app_assignment(PrincipalType::Group, "g-1");
        for assignment in [&user, &group] {
            assert_eq!(
                backend.start(Action::Create, assignment).await.unwrap(),
                Started::Done
            );
        }
        let listed = backend.list_place(&place).await.unwrap();
        assert_eq!(listed, [user.principal(), group.principal()]);
        assert_eq!(
            fake.lock()
                .unwrap()
                .count("SWBExternalService.ListApplicationAssignments"),
            3,
            "one empty listing, then two pages"
        );

        assert_eq!(
            backend.start(Action::Delete, &user).await.unwrap(),
            Started::Done
        );
        assert_eq!(
            backend.list_place(&place).await.unwrap(),
            [group.principal()]
        );
        let error = backend.start(Action::Delete, &user).await.unwrap_err();
        assert_eq!(error.kind, WriteErrorKind::NotFound, "{error}");
        assert_eq!(error.action, "sso:DeleteApplicationAssignment");

        // The requests named the principal the way the API wants it.
        let fake = fake.lock().unwrap();
        let (_, create) = fake
            .seen
            .iter()
            .find(|(t, _)| t == "SWBExternalService.CreateApplicationAssignment")
            .unwrap();
        assert_eq!(
            create,
            &json!({"ApplicationArn": APP, "PrincipalType": "USER", "PrincipalId": "u-1"})
        );
    }

    /// moto never conflicts and never fails a write: a `ConflictException` is retried like
    /// throttling (the API reference says to back off and retry), and a FAILED status comes
    /// back with its reason.
    #[tokio::test]
    async fn a_conflict_is_retried_and_a_failed_write_says_why() {
        let fake = Arc::new(Mutex::new(FakeAws::default()));
        {
            let mut fake = fake.lock().unwrap();
            fake.queued.insert(
                "SWBExternalService.CreateAccountAssignment".to_owned(),
                VecDeque::from([
                    error("ConflictException", "A previous write is still propagating"),
                    (
                        200,
                        json!({"AccountAssignmentCreationStatus": {
                            "Status": "IN_PROGRESS", "RequestId": "req-1",
                            "TargetId": ACCOUNT, "TargetType": "AWS_ACCOUNT",
                            "PermissionSetArn": PS, "PrincipalType": "GROUP", "PrincipalId": "g-1"}}),
                    ),
                ]),
            );
            fake.queued.insert(
                "SWBExternalService.DescribeAccountAssignmentCreationStatus".to_owned(),
                VecDeque::from([(
                    200,
                    json!({"AccountAssignmentCreationStatus": {
                        "Status": "FAILED", "RequestId": "req-1",
                        "FailureReason": "Received a 404 status error: Not supported policy arn:aws:iam::222222222222:policy/DataLake."}}),
                )]),
            );
        }
        let backend = backend(fake.clone()).await;
        let before = backend.stats();

        let started = backend
            .start(Action::Create, &account_assignment())
            .await
            .unwrap();
        assert_eq!(
            started,
            Started::Pending {
                request_id: "req-1".to_owned()
            }
        );
        let status = backend.status(Action::Create, "req-1").await.unwrap();
        assert!(
            matches!(&status, WriteStatus::Failed { reason } if reason.contains("Not supported policy")),
            "{status:?}"
        );

        let after = backend.stats();
        assert_eq!(after.calls - before.calls, 3, "conflict, create, describe");
        assert_eq!(after.throttles - before.throttles, 1);
        let fake = fake.lock().unwrap();
        let (_, create) = fake
            .seen
            .iter()
            .find(|(t, _)| t == "SWBExternalService.CreateAccountAssignment")
            .unwrap();
        assert_eq!(
            create,
            &json!({"InstanceArn": INSTANCE, "TargetId": ACCOUNT, "TargetType": "AWS_ACCOUNT",
                "PermissionSetArn": PS, "PrincipalType": "GROUP", "PrincipalId": "g-1"})
        );
        let (_, describe) = fake
            .seen
            .iter()
            .find(|(t, _)| t == "SWBExternalService.DescribeAccountAssignmentCreationStatus")
            .unwrap();
        assert_eq!(
            describe,
            &json!({"InstanceArn": INSTANCE, "AccountAssignmentCreationRequestId": "req-1"})
        );
    }

    /// A conflict that outlasts every retry gives up (the executor re-checks it next run);
    /// a validation error is refused at once, without retries.
    #[tokio::test]
    async fn a_lasting_conflict_gives_up_and_a_validation_error_is_refused_at_once() {
        let fake = Arc::new(Mutex::new(FakeAws::default()));
        fake.lock().unwrap().queued.insert(
            "SWBExternalService.DeleteAccountAssignment".to_owned(),
            std::iter::repeat_n(error("ConflictException", "still propagating"), 4)
                .chain([error("ValidationException", "PrincipalId is malformed")])
                .collect(),
        );
        let backend = backend(fake.clone()).await;

        let error = backend
            .start(Action::Delete, &account_assignment())
            .await
            .unwrap_err();
        assert_eq!(error.kind, WriteErrorKind::GaveUp, "{error}");
        assert_eq!(error.action, "sso:DeleteAccountAssignment");
        assert_eq!(error.code.as_deref(), Some("ConflictException"));
        assert_eq!(backend.stats().throttles, 4);

        let error = backend
            .start(Action::Delete, &account_assignment())
            .await
            .unwrap_err();
        assert_eq!(error.kind, WriteErrorKind::Refused, "{error}");
        assert_eq!(error.code.as_deref(), Some("ValidationException"));
        assert_eq!(
            fake.lock()
                .unwrap()
                .count("SWBExternalService.DeleteAccountAssignment"),
            5,
            "four conflicts, one validation error"
        );
    }

    /// moto answers success for deleting a user that does not exist; AWS answers
    /// `ResourceNotFoundException`, which the cleanup must see as "not found".
    #[tokio::test]
    async fn deleting_a_missing_user_is_not_found_and_names_the_action() {
        let fake = Arc::new(Mutex::new(FakeAws::default()));
        fake.lock().unwrap().queued.insert(
            "AWSIdentityStore.DeleteUser".to_owned(),
            VecDeque::from([error("ResourceNotFoundException", "USER not found")]),
        );
        let backend = backend(fake.clone()).await;
        let error = backend
            .delete_principal(PrincipalType::User, "u-gone")
            .await
            .unwrap_err();
        assert_eq!(error.kind, WriteErrorKind::NotFound, "{error}");
        assert_eq!(error.action, "identitystore:DeleteUser");
        let fake = fake.lock().unwrap();
        assert_eq!(
            fake.seen.last().unwrap().1,
            json!({"IdentityStoreId": STORE, "UserId": "u-gone"})
        );
    }
}
