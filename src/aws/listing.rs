//! The identity store's three listings (users, groups, a group's members), shared by the
//! loader (with progress per page) and the directory writer.

use super::call::{CallFailure, RetryPolicy};
use super::connect::{Clients, Gates};
use super::convert;
use super::loader::list_pages;
use crate::model::{Group, GroupMembership, User};

const PAGE_SIZE: i32 = 100;

/// Every user of `store`; `on_page` hears how many each page brought.
pub(super) async fn users(
    clients: &Clients,
    gates: &Gates,
    retry: &RetryPolicy,
    store: &str,
    on_page: impl Fn(usize),
) -> Result<Vec<User>, CallFailure> {
    let client = &clients.identitystore;
    list_pages(
        &gates.identitystore,
        retry,
        "identitystore:ListUsers",
        |token| {
            client
                .list_users()
                .identity_store_id(store)
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
        },
        |page| {
            on_page(page.users().len());
            (
                page.users().iter().map(convert::user).collect(),
                page.next_token().map(str::to_owned),
            )
        },
    )
    .await
}

/// Every group of `store`; `on_page` hears how many each page brought.
pub(super) async fn groups(
    clients: &Clients,
    gates: &Gates,
    retry: &RetryPolicy,
    store: &str,
    on_page: impl Fn(usize),
) -> Result<Vec<Group>, CallFailure> {
    let client = &clients.identitystore;
    list_pages(
        &gates.identitystore,
        retry,
        "identitystore:ListGroups",
        |token| {
            client
                .list_groups()
                .identity_store_id(store)
                .max_results(PAGE_SIZE)
                .set_next_token(token)
                .send()
        },
        |page| {
            on_page(page.groups().len());
            (
                page.groups().iter().map(convert::group).collect(),
                page.next_token().map(str::to_owned),
            )
        },
    )
    .await
}

/// Every membership of one group.
pub(super) async fn members(
    clients: &Clients,
    gates: &Gates,
    retry: &RetryPolicy,
    store: &str,
    group_id: &str,
) -> Result<Vec<GroupMembership>, CallFailure> {
    let client = &clients.identitystore;
    list_pages(
        &gates.identitystore,
        retry,
        "identitystore:ListGroupMemberships",
        move |token| {
            client
                .list_group_memberships()
                .identity_store_id(store)
                .group_id(group_id)
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
}
