//! The AWS side of [`DirectoryWriter`]: identity store users, groups and memberships.
//!
//! Every request goes through the identitystore family gate (the same 20 requests/s budget
//! the loader's listings use), so pacing, retries of throttling and the counters cover these
//! writes too. A retried create whose first attempt went through answers `ConflictException`
//! (the name is taken — by us); the engine re-lists before it believes that answer.

use super::call::{call, CallFailure};
use super::convert;
use super::listing;
use super::loader::list_pages;
use super::AwsBackend;
use crate::backend::directory::{AttributeUpdate, DirectoryWriter, GroupSpec, UserSpec};
use crate::backend::{WriteError, WriteErrorKind};
use crate::model::{Group, GroupId, GroupMembership, User, UserId};
use aws_sdk_identitystore::types as ids;
use aws_smithy_types::{Document, Number};
use std::collections::HashMap;

const PAGE_SIZE: i32 = 100;

/// A JSON value as the SDK's document type (the value of an `AttributeOperation`).
fn document(value: &serde_json::Value) -> Document {
    match value {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or_default()),
        }),
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(items) => Document::Array(items.iter().map(document).collect()),
        serde_json::Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), document(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

fn operations(updates: &[AttributeUpdate]) -> Result<Vec<ids::AttributeOperation>, WriteError> {
    updates
        .iter()
        .map(|u| {
            ids::AttributeOperation::builder()
                .attribute_path(&u.path)
                .set_attribute_value(u.value.as_ref().map(document))
                .build()
                .map_err(|e| WriteError {
                    kind: WriteErrorKind::Refused,
                    action: "identitystore:Update".to_owned(),
                    code: None,
                    message: e.to_string(),
                })
        })
        .collect()
}

fn build_error(action: &str, e: impl std::fmt::Display) -> WriteError {
    WriteError {
        kind: WriteErrorKind::Refused,
        action: action.to_owned(),
        code: None,
        message: e.to_string(),
    }
}

/// The SDK's `CreateUser` shapes for a spec.
struct UserShapes {
    name: Option<ids::Name>,
    emails: Vec<ids::Email>,
    addresses: Vec<ids::Address>,
    phone_numbers: Vec<ids::PhoneNumber>,
    photos: Vec<ids::Photo>,
    roles: Vec<ids::Role>,
}

fn user_shapes(spec: &UserSpec) -> Result<UserShapes, WriteError> {
    let profile = &spec.profile;
    let photos = profile
        .photos
        .iter()
        .map(|p| {
            ids::Photo::builder()
                .value(&p.value)
                .set_type(p.kind.clone())
                .set_display(p.display.clone())
                .primary(p.primary)
                .build()
                .map_err(|e| build_error("identitystore:CreateUser", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UserShapes {
        name: spec.name.as_ref().map(|n| {
            ids::Name::builder()
                .set_formatted(n.formatted.clone())
                .set_given_name(n.given_name.clone())
                .set_middle_name(n.middle_name.clone())
                .set_family_name(n.family_name.clone())
                .set_honorific_prefix(n.honorific_prefix.clone())
                .set_honorific_suffix(n.honorific_suffix.clone())
                .build()
        }),
        emails: spec
            .emails
            .iter()
            .map(|e| {
                ids::Email::builder()
                    .value(&e.value)
                    .set_type(e.kind.clone())
                    .primary(e.primary)
                    .build()
            })
            .collect(),
        addresses: profile
            .addresses
            .iter()
            .map(|a| {
                ids::Address::builder()
                    .set_street_address(a.street_address.clone())
                    .set_locality(a.locality.clone())
                    .set_region(a.region.clone())
                    .set_postal_code(a.postal_code.clone())
                    .set_country(a.country.clone())
                    .set_formatted(a.formatted.clone())
                    .set_type(a.kind.clone())
                    .primary(a.primary)
                    .build()
            })
            .collect(),
        phone_numbers: profile
            .phone_numbers
            .iter()
            .map(|p| {
                ids::PhoneNumber::builder()
                    .value(&p.value)
                    .set_type(p.kind.clone())
                    .primary(p.primary)
                    .build()
            })
            .collect(),
        photos,
        roles: profile
            .roles
            .iter()
            .map(|r| {
                ids::Role::builder()
                    .value(&r.value)
                    .set_type(r.kind.clone())
                    .primary(r.primary)
                    .build()
            })
            .collect(),
    })
}

fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

impl DirectoryWriter for AwsBackend {
    fn identity_store_id(&self) -> String {
        self.instance.identity_store_id.clone()
    }

    async fn list_users(&self) -> Result<Vec<User>, WriteError> {
        let store = self.instance.identity_store_id.as_str();
        listing::users(
            &self.clients,
            &self.gates,
            &self.options.retry,
            store,
            |_| {},
        )
        .await
        .map_err(CallFailure::into_write_error)
    }

    async fn list_groups(&self) -> Result<Vec<Group>, WriteError> {
        let store = self.instance.identity_store_id.as_str();
        listing::groups(
            &self.clients,
            &self.gates,
            &self.options.retry,
            store,
            |_| {},
        )
        .await
        .map_err(CallFailure::into_write_error)
    }

    async fn list_members(&self, group_id: &GroupId) -> Result<Vec<GroupMembership>, WriteError> {
        let store = self.instance.identity_store_id.as_str();
        listing::members(
            &self.clients,
            &self.gates,
            &self.options.retry,
            store,
            group_id.as_str(),
        )
        .await
        .map_err(CallFailure::into_write_error)
    }

    async fn list_groups_of(&self, user_id: &UserId) -> Result<Vec<GroupMembership>, WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        list_pages(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:ListGroupMembershipsForMember",
            |token| {
                client
                    .list_group_memberships_for_member()
                    .identity_store_id(store)
                    .member_id(ids::MemberId::UserId(user_id.as_str().to_owned()))
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
            },
            |page| {
                (
                    page.group_memberships()
                        .iter()
                        .filter_map(convert::membership)
                        .collect(),
                    page.next_token().map(str::to_owned),
                )
            },
        )
        .await
        .map_err(CallFailure::into_write_error)
    }

    async fn create_user(&self, spec: &UserSpec) -> Result<UserId, WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        let shapes = user_shapes(spec)?;
        let profile = &spec.profile;
        let out = call(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:CreateUser",
            || {
                client
                    .create_user()
                    .identity_store_id(store)
                    .user_name(&spec.user_name)
                    .set_display_name(spec.display_name.clone())
                    .set_name(shapes.name.clone())
                    .set_emails(non_empty(shapes.emails.clone()))
                    .set_addresses(non_empty(shapes.addresses.clone()))
                    .set_phone_numbers(non_empty(shapes.phone_numbers.clone()))
                    .set_photos(non_empty(shapes.photos.clone()))
                    .set_roles(non_empty(shapes.roles.clone()))
                    .set_nick_name(profile.nick_name.clone())
                    .set_profile_url(profile.profile_url.clone())
                    .set_user_type(profile.user_type.clone())
                    .set_title(profile.title.clone())
                    .set_preferred_language(profile.preferred_language.clone())
                    .set_locale(profile.locale.clone())
                    .set_timezone(profile.timezone.clone())
                    .set_website(profile.website.clone())
                    .set_birthdate(profile.birthdate.clone())
                    .send()
            },
        )
        .await
        .map_err(CallFailure::into_write_error)?;
        Ok(UserId::from(out.user_id()))
    }

    async fn update_user(
        &self,
        user_id: &UserId,
        updates: &[AttributeUpdate],
    ) -> Result<(), WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        let operations = operations(updates)?;
        call(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:UpdateUser",
            || {
                client
                    .update_user()
                    .identity_store_id(store)
                    .user_id(user_id.as_str())
                    .set_operations(Some(operations.clone()))
                    .send()
            },
        )
        .await
        .map(drop)
        .map_err(CallFailure::into_write_error)
    }

    async fn delete_user(&self, user_id: &UserId) -> Result<(), WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        call(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:DeleteUser",
            || {
                client
                    .delete_user()
                    .identity_store_id(store)
                    .user_id(user_id.as_str())
                    .send()
            },
        )
        .await
        .map(drop)
        .map_err(CallFailure::into_write_error)
    }

    async fn create_group(&self, spec: &GroupSpec) -> Result<GroupId, WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        let out = call(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:CreateGroup",
            || {
                client
                    .create_group()
                    .identity_store_id(store)
                    .display_name(&spec.display_name)
                    .set_description(spec.description.clone())
                    .send()
            },
        )
        .await
        .map_err(CallFailure::into_write_error)?;
        Ok(GroupId::from(out.group_id()))
    }

    async fn update_group(
        &self,
        group_id: &GroupId,
        updates: &[AttributeUpdate],
    ) -> Result<(), WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        let operations = operations(updates)?;
        call(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:UpdateGroup",
            || {
                client
                    .update_group()
                    .identity_store_id(store)
                    .group_id(group_id.as_str())
                    .set_operations(Some(operations.clone()))
                    .send()
            },
        )
        .await
        .map(drop)
        .map_err(CallFailure::into_write_error)
    }

    async fn delete_group(&self, group_id: &GroupId) -> Result<(), WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        call(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:DeleteGroup",
            || {
                client
                    .delete_group()
                    .identity_store_id(store)
                    .group_id(group_id.as_str())
                    .send()
            },
        )
        .await
        .map(drop)
        .map_err(CallFailure::into_write_error)
    }

    async fn add_member(&self, group_id: &GroupId, user_id: &UserId) -> Result<String, WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        let out = call(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:CreateGroupMembership",
            || {
                client
                    .create_group_membership()
                    .identity_store_id(store)
                    .group_id(group_id.as_str())
                    .member_id(ids::MemberId::UserId(user_id.as_str().to_owned()))
                    .send()
            },
        )
        .await
        .map_err(CallFailure::into_write_error)?;
        Ok(out.membership_id().to_owned())
    }

    async fn remove_member(&self, membership_id: &str) -> Result<(), WriteError> {
        let client = &self.clients.identitystore;
        let store = self.instance.identity_store_id.as_str();
        call(
            &self.gates.identitystore,
            &self.options.retry,
            "identitystore:DeleteGroupMembership",
            || {
                client
                    .delete_group_membership()
                    .identity_store_id(store)
                    .membership_id(membership_id)
                    .send()
            },
        )
        .await
        .map(drop)
        .map_err(CallFailure::into_write_error)
    }
}

/// `UpdateUser` and `UpdateGroup` are not implemented by the emulator (moto 5.2), and it does
/// not keep photos, roles, website or birthdate: these run through the SDK's own test HTTP
/// client, which records each request and answers it the way the API reference documents.
#[cfg(test)]
mod replay {
    use super::*;
    use crate::aws::LiveOptions;
    use crate::directory::fields::UserFields;
    use crate::model::{Address, Typed, UserProfile};
    use aws_smithy_http_client::test_util::infallible_client_fn;
    use serde_json::{json, Value};
    use std::sync::{Arc, Mutex};

    const STORE: &str = "d-1111111111";

    type Seen = Arc<Mutex<Vec<(String, Value)>>>;

    fn answer(target: &str) -> Value {
        match target {
            "SWBExternalService.ListInstances" => json!({"Instances": [{
                "InstanceArn": "arn:aws:sso:::instance/ssoins-1", "IdentityStoreId": STORE,
                "OwnerAccountId": "111111111111", "Status": "ACTIVE"}]}),
            "AWSIdentityStore.CreateUser" => json!({"UserId": "u-new", "IdentityStoreId": STORE}),
            "AWSIdentityStore.UpdateUser" | "AWSIdentityStore.UpdateGroup" => json!({}),
            "AWSIdentityStore.ListUsers" => json!({"Users": [{
                "UserId": "u-1", "IdentityStoreId": STORE, "UserName": "ana",
                "Title": "Engineer", "Website": "https://ana.example", "Birthdate": "1990-01-02",
                "Addresses": [{"Locality": "Lisbon", "Country": "PT", "Primary": true}],
                "PhoneNumbers": [{"Value": "+351 1", "Type": "work", "Primary": true}],
                "Photos": [{"Value": "https://p.example/a.png", "Type": "photo", "Display": "Ana"}],
                "Roles": [{"Value": "dev", "Primary": true}]}]}),
            other => panic!("unexpected request {other}"),
        }
    }

    async fn backend(seen: Seen) -> AwsBackend {
        let client = infallible_client_fn(move |request| {
            let target = request
                .headers()
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body: Value = serde_json::from_slice(request.body().bytes().unwrap_or(b"{}"))
                .unwrap_or(Value::Null);
            seen.lock().unwrap().push((target.clone(), body));
            http::Response::builder()
                .status(200)
                .header("content-type", "application/x-amz-json-1.1")
                .body(answer(&target).to_string())
                .unwrap()
        });
        AwsBackend::connect(LiveOptions {
            region: Some("eu-west-1".to_owned()),
            endpoint_url: Some("http://127.0.0.1:9".to_owned()),
            http_client: Some(client),
            // Static keys: the test must not depend on the environment's credential chain.
            credentials: Some(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new(
                        "AKIDTEST",
                        "secret",
                        None,
                        None,
                        "replay-test",
                    ),
                ),
            ),
            ..LiveOptions::default()
        })
        .await
        .expect("connect")
    }

    fn sent(seen: &Seen, target: &str) -> Value {
        seen.lock()
            .unwrap()
            .iter()
            .find(|(t, _)| t == target)
            .map(|(_, body)| body.clone())
            .unwrap_or_else(|| panic!("{target} was not sent"))
    }

    #[tokio::test]
    async fn updates_send_attribute_operations_as_the_api_documents() {
        let seen = Seen::default();
        let aws = backend(seen.clone()).await;
        let user = crate::directory::fields::user_from_spec(
            "u-1",
            &UserFields {
                given_name: Some("Ana".into()),
                ..UserFields::default()
            }
            .spec("ana"),
        );
        let updates = UserFields {
            given_name: Some("Anna".into()),
            emails: Some(vec!["anna@example.com".into()]),
            ..UserFields::default()
        }
        .updates(&user);
        aws.update_user(&"u-1".into(), &updates).await.unwrap();
        let body = sent(&seen, "AWSIdentityStore.UpdateUser");
        assert_eq!(body["IdentityStoreId"], STORE);
        assert_eq!(body["UserId"], "u-1");
        assert_eq!(
            body["Operations"],
            json!([
                {"AttributePath": "name.givenName", "AttributeValue": "Anna"},
                {"AttributePath": "emails", "AttributeValue": [
                    {"value": "anna@example.com", "primary": true, "type": "work"}]}
            ])
        );
        let group_updates =
            crate::directory::fields::group_updates("ops", None, Some("platform"), Some("on call"));
        aws.update_group(&"g-1".into(), &group_updates)
            .await
            .unwrap();
        let body = sent(&seen, "AWSIdentityStore.UpdateGroup");
        assert_eq!(
            body["Operations"],
            json!([
                {"AttributePath": "displayName", "AttributeValue": "platform"},
                {"AttributePath": "description", "AttributeValue": "on call"}
            ])
        );
    }

    #[tokio::test]
    async fn every_attribute_is_read_and_sent_back_on_create() {
        let seen = Seen::default();
        let aws = backend(seen.clone()).await;
        let users = aws.list_users().await.unwrap();
        let profile = &users[0].profile;
        assert_eq!(profile.title.as_deref(), Some("Engineer"));
        assert_eq!(profile.birthdate.as_deref(), Some("1990-01-02"));
        assert_eq!(
            profile.addresses,
            [Address {
                locality: Some("Lisbon".into()),
                country: Some("PT".into()),
                primary: true,
                ..Address::default()
            }]
        );
        assert_eq!(profile.photos[0].display.as_deref(), Some("Ana"));
        assert_eq!(
            profile.roles,
            [Typed {
                value: "dev".into(),
                kind: None,
                display: None,
                primary: true
            }]
        );
        let spec = UserSpec::of(&users[0]);
        assert_ne!(spec.profile, UserProfile::default());
        let id = aws.create_user(&spec).await.unwrap();
        assert_eq!(id.as_str(), "u-new");
        let body = sent(&seen, "AWSIdentityStore.CreateUser");
        assert_eq!(body["UserName"], "ana");
        assert_eq!(body["Title"], "Engineer");
        assert_eq!(body["Website"], "https://ana.example");
        assert_eq!(body["Addresses"][0]["Locality"], "Lisbon");
        assert_eq!(body["PhoneNumbers"][0]["Value"], "+351 1");
        assert_eq!(body["Photos"][0]["Display"], "Ana");
        assert_eq!(body["Roles"][0]["Value"], "dev");
        assert!(body.get("Emails").is_none(), "an empty list is not sent");
    }
}
