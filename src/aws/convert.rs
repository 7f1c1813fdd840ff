//! SDK shapes to snapshot records. Kept apart from the loader so the mapping of every field is
//! in one place and reads like the snapshot format's documentation.

use crate::model::{
    Account, AccountAssignment, Address, Application, ApplicationAssignment, CustomerManagedPolicy,
    Email, ExternalId, Group, GroupMembership, ManagedPolicy, PermissionsBoundary, PersonName,
    PrincipalType, Tag, Typed, User, UserProfile,
};
use aws_sdk_identitystore::types as ids;
use aws_sdk_organizations::types as org;
use aws_sdk_ssoadmin::types as sso;

fn owned(value: Option<&str>) -> Option<String> {
    value.map(str::to_owned)
}

pub fn user(user: &ids::User) -> User {
    User {
        user_id: user.user_id().into(),
        user_name: user.user_name().unwrap_or_default().to_owned(),
        display_name: owned(user.display_name()),
        name: user.name().map(|n| PersonName {
            formatted: owned(n.formatted()),
            given_name: owned(n.given_name()),
            middle_name: owned(n.middle_name()),
            family_name: owned(n.family_name()),
            honorific_prefix: owned(n.honorific_prefix()),
            honorific_suffix: owned(n.honorific_suffix()),
        }),
        emails: user
            .emails()
            .iter()
            .filter_map(|e| {
                e.value().map(|value| Email {
                    value: value.to_owned(),
                    kind: owned(e.r#type()),
                    primary: e.primary(),
                })
            })
            .collect(),
        external_ids: user.external_ids().iter().map(external_id).collect(),
        status: user.user_status().map(|s| s.as_str().to_owned()),
        profile: UserProfile {
            nick_name: owned(user.nick_name()),
            profile_url: owned(user.profile_url()),
            user_type: owned(user.user_type()),
            title: owned(user.title()),
            preferred_language: owned(user.preferred_language()),
            locale: owned(user.locale()),
            timezone: owned(user.timezone()),
            website: owned(user.website()),
            birthdate: owned(user.birthdate()),
            addresses: user
                .addresses()
                .iter()
                .map(|a| Address {
                    street_address: owned(a.street_address()),
                    locality: owned(a.locality()),
                    region: owned(a.region()),
                    postal_code: owned(a.postal_code()),
                    country: owned(a.country()),
                    formatted: owned(a.formatted()),
                    kind: owned(a.r#type()),
                    primary: a.primary(),
                })
                .collect(),
            phone_numbers: user
                .phone_numbers()
                .iter()
                .filter_map(|p| {
                    p.value().map(|value| Typed {
                        value: value.to_owned(),
                        kind: owned(p.r#type()),
                        display: None,
                        primary: p.primary(),
                    })
                })
                .collect(),
            photos: user
                .photos()
                .iter()
                .map(|p| Typed {
                    value: p.value().to_owned(),
                    kind: owned(p.r#type()),
                    display: owned(p.display()),
                    primary: p.primary(),
                })
                .collect(),
            roles: user
                .roles()
                .iter()
                .filter_map(|r| {
                    r.value().map(|value| Typed {
                        value: value.to_owned(),
                        kind: owned(r.r#type()),
                        display: None,
                        primary: r.primary(),
                    })
                })
                .collect(),
        },
    }
}

fn external_id(id: &ids::ExternalId) -> ExternalId {
    ExternalId {
        issuer: id.issuer().to_owned(),
        id: id.id().to_owned(),
    }
}

pub fn group(group: &ids::Group) -> Group {
    Group {
        group_id: group.group_id().into(),
        display_name: group.display_name().unwrap_or_default().to_owned(),
        description: owned(group.description()),
        external_ids: group.external_ids().iter().map(external_id).collect(),
    }
}

/// A membership whose member is not a user (the API reserves room for other member kinds) is
/// skipped: Identity Center has no nested groups.
pub fn membership(membership: &ids::GroupMembership) -> Option<GroupMembership> {
    let group_id = membership.group_id()?;
    let user_id = match membership.member_id()? {
        ids::MemberId::UserId(id) => id,
        _ => return None,
    };
    Some(GroupMembership {
        group_id: group_id.into(),
        user_id: user_id.as_str().into(),
        membership_id: Some(membership.membership_id().to_owned()),
    })
}

pub fn managed_policy(policy: &sso::AttachedManagedPolicy) -> Option<ManagedPolicy> {
    Some(ManagedPolicy {
        arn: policy.arn()?.to_owned(),
        name: owned(policy.name()),
    })
}

pub fn customer_managed_policy(
    policy: &sso::CustomerManagedPolicyReference,
) -> CustomerManagedPolicy {
    CustomerManagedPolicy {
        name: policy.name().to_owned(),
        path: policy.path().unwrap_or("/").to_owned(),
    }
}

pub fn permissions_boundary(boundary: &sso::PermissionsBoundary) -> Option<PermissionsBoundary> {
    if let Some(arn) = boundary.managed_policy_arn() {
        return Some(PermissionsBoundary::ManagedPolicy {
            arn: arn.to_owned(),
        });
    }
    boundary.customer_managed_policy_reference().map(|r| {
        PermissionsBoundary::CustomerManagedPolicy {
            name: r.name().to_owned(),
            path: r.path().unwrap_or("/").to_owned(),
        }
    })
}

pub fn tag(tag: &sso::Tag) -> Tag {
    Tag {
        key: tag.key().to_owned(),
        value: tag.value().to_owned(),
    }
}

pub fn account(account: &org::Account) -> Option<Account> {
    // `State` replaces the deprecated `Status`; fall back for older endpoints and emulators.
    #[allow(deprecated)]
    let status = account
        .state()
        .map(|s| s.as_str().to_owned())
        .or_else(|| account.status().map(|s| s.as_str().to_owned()));
    Some(Account {
        account_id: account.id()?.into(),
        name: owned(account.name()),
        email: owned(account.email()),
        status,
    })
}

fn principal_type(value: &sso::PrincipalType) -> Option<PrincipalType> {
    match value {
        sso::PrincipalType::User => Some(PrincipalType::User),
        sso::PrincipalType::Group => Some(PrincipalType::Group),
        _ => None,
    }
}

pub fn account_assignment(assignment: &sso::AccountAssignment) -> Option<AccountAssignment> {
    Some(AccountAssignment {
        account_id: assignment.account_id()?.into(),
        permission_set_arn: assignment.permission_set_arn()?.into(),
        principal_type: principal_type(assignment.principal_type()?)?,
        principal_id: assignment.principal_id()?.into(),
    })
}

pub fn application(app: &sso::Application) -> Option<Application> {
    Some(Application {
        application_arn: app.application_arn()?.into(),
        name: app.name().unwrap_or_default().to_owned(),
        provider: owned(app.application_provider_arn()),
        status: app.status().map(|s| s.as_str().to_owned()),
    })
}

pub fn application_assignment(
    assignment: &sso::ApplicationAssignment,
) -> Option<ApplicationAssignment> {
    Some(ApplicationAssignment {
        application_arn: assignment.application_arn().into(),
        principal_type: principal_type(assignment.principal_type())?,
        principal_id: assignment.principal_id().into(),
    })
}
