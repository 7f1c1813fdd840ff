//! Unit tests on a hand-made instance whose answers are known, and property tests that compare
//! the index with a naive reading of the snapshot on random instances.

use super::render::{to_csv, to_json, to_markdown};
use super::*;
use crate::fixture::{self, OrgSpec};
use crate::model::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// A small instance with every interesting case

fn user(id: &str, name: &str) -> User {
    User {
        user_id: id.into(),
        user_name: name.to_owned(),
        display_name: Some(format!("{name} display")),
        name: None,
        emails: Vec::new(),
        external_ids: Vec::new(),
        status: None,
        profile: Default::default(),
    }
}

fn group(id: &str, name: &str) -> Group {
    Group {
        group_id: id.into(),
        display_name: name.to_owned(),
        description: None,
        external_ids: Vec::new(),
    }
}

fn member(group: &str, user: &str, membership: &str) -> GroupMembership {
    GroupMembership {
        group_id: group.into(),
        user_id: user.into(),
        membership_id: Some(membership.to_owned()),
    }
}

fn permission_set(arn: &str, name: &str) -> PermissionSet {
    PermissionSet {
        permission_set_arn: arn.into(),
        name: name.to_owned(),
        description: None,
        session_duration: None,
        relay_state: None,
        managed_policies: Vec::new(),
        customer_managed_policies: Vec::new(),
        inline_policy: None,
        permissions_boundary: None,
        tags: Vec::new(),
        provisioned_account_ids: Vec::new(),
    }
}

fn account(id: &str, name: &str) -> Account {
    Account {
        account_id: id.into(),
        name: Some(name.to_owned()),
        email: None,
        status: None,
    }
}

fn assign(account: &str, ps: &str, principal_type: PrincipalType, id: &str) -> AccountAssignment {
    AccountAssignment {
        account_id: account.into(),
        permission_set_arn: ps.into(),
        principal_type,
        principal_id: id.into(),
    }
}

const PROD: &str = "111111111111";
const DEV: &str = "222222222222";
/// Named by an assignment but absent from `accounts` (as when Organizations was not readable).
const UNLISTED: &str = "333333333333";
const ADMIN: &str = "arn:ps/admin";
const READ: &str = "arn:ps/read";
use PrincipalType::{Group as G, User as U};

/// alice: direct + admins + readers. bob: readers + a direct grant in an unlisted account.
/// carol: nothing. dave: an application only, through app-users. Groups: admins, readers,
/// idle (nothing), app-users (an application only).
fn sample() -> Snapshot {
    let mut s = Snapshot::empty(
        InstanceInfo {
            instance_arn: "arn:aws:sso:::instance/ssoins-test".into(),
            identity_store_id: "d-test".into(),
            region: Some("eu-west-1".into()),
            owner_account_id: None,
        },
        "2026-03-04T05:06:07Z".parse().unwrap(),
    );
    s.users = vec![
        user("u-alice", "alice"),
        user("u-bob", "bob"),
        user("u-carol", "carol"),
        user("u-dave", "dave"),
    ];
    s.groups = vec![
        group("g-admins", "admins"),
        group("g-readers", "readers"),
        group("g-idle", "idle"),
        group("g-apps", "app-users"),
    ];
    s.group_memberships = vec![
        member("g-admins", "u-alice", "m1"),
        member("g-admins", "u-alice", "m1-again"),
        member("g-readers", "u-alice", "m2"),
        member("g-readers", "u-bob", "m3"),
        member("g-apps", "u-dave", "m4"),
        member("g-admins", "u-deleted", "m5"),
    ];
    s.permission_sets = vec![
        permission_set(ADMIN, "AdministratorAccess"),
        permission_set(READ, "ReadOnlyAccess"),
    ];
    s.accounts = vec![account(PROD, "prod"), account(DEV, "dev")];
    s.account_assignments = vec![
        assign(PROD, ADMIN, U, "u-alice"),
        assign(PROD, ADMIN, G, "g-admins"),
        assign(PROD, READ, G, "g-readers"),
        assign(DEV, READ, G, "g-readers"),
        assign(DEV, ADMIN, U, "u-deleted"),
        // A group assignment naming a user id: orphaned, grants nothing.
        assign(DEV, ADMIN, G, "u-alice"),
        assign(UNLISTED, READ, U, "u-bob"),
    ];
    s.applications = vec![Application {
        application_arn: "arn:app/wiki".into(),
        name: "Wiki".into(),
        provider: None,
        status: None,
    }];
    s.application_assignments = vec![
        ApplicationAssignment {
            application_arn: "arn:app/wiki".into(),
            principal_type: G,
            principal_id: "g-apps".into(),
        },
        ApplicationAssignment {
            application_arn: "arn:app/wiki".into(),
            principal_type: U,
            principal_id: "u-gone".into(),
        },
    ];
    s
}

fn gid(id: &str) -> GroupId {
    id.into()
}

fn grant_tuples<'a>(grants: &'a [Grant<'a>]) -> Vec<(&'a str, &'a str, Vec<Via<'a>>)> {
    grants
        .iter()
        .map(|g| {
            (
                g.account_id.as_str(),
                g.permission_set_arn.as_str(),
                g.via.clone(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Index unit tests

#[test]
fn lookups_resolve_ids_and_relations() {
    let s = sample();
    let index = AccessIndex::new(&s);
    assert_eq!(index.user(&"u-bob".into()).unwrap().user_name, "bob");
    assert_eq!(index.group(&"g-idle".into()).unwrap().display_name, "idle");
    assert_eq!(
        index.permission_set(&READ.into()).unwrap().name,
        "ReadOnlyAccess"
    );
    assert_eq!(
        index.account(&PROD.into()).unwrap().name.as_deref(),
        Some("prod")
    );
    assert!(index.account(&UNLISTED.into()).is_none());
    assert!(index.user(&"nobody".into()).is_none());

    let groups: Vec<&str> = index
        .groups_of(&"u-alice".into())
        .map(|g| g.display_name.as_str())
        .collect();
    assert_eq!(
        groups,
        ["admins", "readers"],
        "the repeated membership counts once"
    );
    let members: Vec<&str> = index
        .members_of(&"g-admins".into())
        .map(|u| u.user_name.as_str())
        .collect();
    assert_eq!(
        members,
        ["alice"],
        "a membership of a deleted user is ignored"
    );
    assert_eq!(index.members_of(&"g-unknown".into()).count(), 0);

    assert_eq!(index.assignments_of_user(&"u-alice".into()).count(), 1);
    assert_eq!(index.assignments_of_group(&"g-readers".into()).count(), 2);
    assert_eq!(
        index
            .assignments_of_principal(G, &"g-readers".into())
            .count(),
        2
    );
    assert_eq!(
        index
            .assignments_of_principal(U, &"g-readers".into())
            .count(),
        0
    );
    assert_eq!(index.assignments_in_account(&DEV.into()).count(), 3);
    assert_eq!(index.assignments_in_account(&UNLISTED.into()).count(), 1);
    let ids: Vec<&str> = index.account_ids().iter().map(|a| a.as_str()).collect();
    assert_eq!(ids, [PROD, DEV, UNLISTED]);
}

#[test]
fn effective_access_merges_direct_and_group_paths() {
    let s = sample();
    let index = AccessIndex::new(&s);
    let alice = index.effective_access(&"u-alice".into());
    let (admins, readers) = (gid("g-admins"), gid("g-readers"));
    assert_eq!(
        grant_tuples(&alice),
        vec![
            (PROD, ADMIN, vec![Via::Direct, Via::Group(&admins)]),
            (PROD, READ, vec![Via::Group(&readers)]),
            (DEV, READ, vec![Via::Group(&readers)]),
        ]
    );
    let bob = index.effective_access(&"u-bob".into());
    assert_eq!(
        grant_tuples(&bob),
        vec![
            (PROD, READ, vec![Via::Group(&readers)]),
            (DEV, READ, vec![Via::Group(&readers)]),
            (UNLISTED, READ, vec![Via::Direct]),
        ]
    );
    assert!(index.effective_access(&"u-carol".into()).is_empty());
    assert!(index.effective_access(&"u-dave".into()).is_empty());
    assert!(index.effective_access(&"u-deleted".into()).is_empty());
}

#[test]
fn who_can_reach_expands_groups_to_members() {
    let s = sample();
    let index = AccessIndex::new(&s);
    let (admins, readers) = (gid("g-admins"), gid("g-readers"));
    let prod: Vec<(&str, &str, Vec<Via>)> = index
        .who_can_reach(&PROD.into())
        .into_iter()
        .map(|r| {
            (
                r.user.user_name.as_str(),
                r.permission_set_arn.as_str(),
                r.via,
            )
        })
        .collect();
    assert_eq!(
        prod,
        vec![
            ("alice", ADMIN, vec![Via::Direct, Via::Group(&admins)]),
            ("alice", READ, vec![Via::Group(&readers)]),
            ("bob", READ, vec![Via::Group(&readers)]),
        ]
    );
    // The orphaned assignments in dev reach nobody.
    assert_eq!(index.who_can_reach(&DEV.into()).len(), 2);
    assert!(index.who_can_reach(&"999999999999".into()).is_empty());
}

#[test]
fn orphans_are_principals_that_resolve_to_nothing_of_their_type() {
    let s = sample();
    let index = AccessIndex::new(&s);
    let orphans: Vec<(&str, PrincipalType)> = index
        .orphaned_account_assignments()
        .iter()
        .map(|a| (a.principal_id.as_str(), a.principal_type))
        .collect();
    assert_eq!(orphans, [("u-deleted", U), ("u-alice", G)]);
    let apps: Vec<&str> = index
        .orphaned_application_assignments()
        .iter()
        .map(|a| a.principal_id.as_str())
        .collect();
    assert_eq!(apps, ["u-gone"]);
}

#[test]
fn principals_without_access_count_application_access_through_groups() {
    let s = sample();
    let index = AccessIndex::new(&s);
    let nobody = index.principals_without_access();
    let users: Vec<&str> = nobody.users.iter().map(|u| u.user_name.as_str()).collect();
    let groups: Vec<&str> = nobody
        .groups
        .iter()
        .map(|g| g.display_name.as_str())
        .collect();
    assert_eq!(users, ["carol"]);
    assert_eq!(groups, ["idle"]);
}

#[test]
fn repeated_ids_count_once_and_the_first_record_wins() {
    let mut s = sample();
    s.users.push(user("u-alice", "alice-duplicate"));
    s.account_assignments
        .push(assign(PROD, ADMIN, U, "u-alice"));
    let index = AccessIndex::new(&s);
    assert_eq!(index.user(&"u-alice".into()).unwrap().user_name, "alice");
    assert_eq!(index.users().count(), 4);
    let alice = index.effective_access(&"u-alice".into());
    assert_eq!(alice.len(), 3);
    assert_eq!(alice[0].via.len(), 2);
    assert!(index
        .principals_without_access()
        .users
        .iter()
        .all(|u| u.user_name != "alice-duplicate"));
}

#[test]
fn an_empty_snapshot_answers_with_nothing() {
    let s = Snapshot::empty(InstanceInfo::default(), fixture::captured_at());
    let index = AccessIndex::new(&s);
    assert!(index.effective_access(&"u".into()).is_empty());
    assert!(index.who_can_reach(&PROD.into()).is_empty());
    assert!(index.orphaned_account_assignments().is_empty());
    assert_eq!(
        index.principals_without_access(),
        PrincipalsWithoutAccess::default()
    );
}

// ---------------------------------------------------------------------------------------------
// Report unit tests

/// Reports borrow their snapshot, so the report helpers share one that lives forever.
static SAMPLE: std::sync::LazyLock<Snapshot> = std::sync::LazyLock::new(sample);

fn report(filter: AuditFilter) -> Result<AuditReport<'static>, NoMatch> {
    let index = AccessIndex::new(&SAMPLE);
    audit(&index, &filter, AuditOptions::default())
}

fn summary(report: &AuditReport) -> Vec<(String, String, String, String)> {
    report
        .rows
        .iter()
        .map(|r| {
            (
                r.user_name.to_string(),
                r.account_id.to_string(),
                r.permission_set_name.to_string(),
                r.via.join("; "),
            )
        })
        .collect()
}

fn row_tuple(user: &str, account: &str, ps: &str, via: &str) -> (String, String, String, String) {
    (user.into(), account.into(), ps.into(), via.into())
}

#[test]
fn unfiltered_report_has_one_row_per_user_account_and_permission_set() {
    let report = report(AuditFilter::default()).unwrap();
    // Sorted by user name, then account name (dev before prod; the unlisted account by id).
    assert_eq!(
        summary(&report),
        vec![
            row_tuple("alice", DEV, "ReadOnlyAccess", "readers"),
            row_tuple("alice", PROD, "AdministratorAccess", "direct; admins"),
            row_tuple("alice", PROD, "ReadOnlyAccess", "readers"),
            row_tuple("bob", UNLISTED, "ReadOnlyAccess", "direct"),
            row_tuple("bob", DEV, "ReadOnlyAccess", "readers"),
            row_tuple("bob", PROD, "ReadOnlyAccess", "readers"),
        ]
    );
    let unlisted = &report.rows[3];
    assert_eq!(unlisted.account_name, None);
    assert_eq!(unlisted.display_name.as_deref(), Some("bob display"));
    assert_eq!(report.distinct_users(), 2);
    assert_eq!(report.distinct_accounts(), 3);
    assert_eq!(report.distinct_permission_sets(), 2);
    assert!(report.without_access.is_none() && report.orphans.is_none());
}

#[test]
fn filters_match_ids_or_names_and_combine() {
    let by_name = report(AuditFilter {
        account: Some("prod".into()),
        ..AuditFilter::default()
    })
    .unwrap();
    assert_eq!(by_name.rows.len(), 3);
    assert!(by_name.rows.iter().all(|r| r.account_id == PROD));
    let by_id = report(AuditFilter {
        account: Some(PROD.into()),
        ..AuditFilter::default()
    })
    .unwrap();
    assert_eq!(by_id.rows, by_name.rows);
    let ignoring_case = report(AuditFilter {
        account: Some(" PROD ".into()),
        ..AuditFilter::default()
    })
    .unwrap();
    assert_eq!(ignoring_case.rows, by_name.rows);

    let combined = report(AuditFilter {
        account: Some("prod".into()),
        permission_set: Some("ReadOnlyAccess".into()),
        user: Some("u-bob".into()),
        group: None,
    })
    .unwrap();
    assert_eq!(
        summary(&combined),
        vec![row_tuple("bob", PROD, "ReadOnlyAccess", "readers")]
    );

    let unlisted = report(AuditFilter {
        account: Some(UNLISTED.into()),
        permission_set: Some(READ.into()),
        ..AuditFilter::default()
    })
    .unwrap();
    assert_eq!(
        summary(&unlisted),
        vec![row_tuple("bob", UNLISTED, "ReadOnlyAccess", "direct")]
    );
}

#[test]
fn group_filter_keeps_rows_granted_through_the_group_with_every_path() {
    let report = report(AuditFilter {
        group: Some("admins".into()),
        ..AuditFilter::default()
    })
    .unwrap();
    assert_eq!(
        summary(&report),
        vec![row_tuple(
            "alice",
            PROD,
            "AdministratorAccess",
            "direct; admins"
        )]
    );
    let readers_in_prod = self::report(AuditFilter {
        group: Some("g-readers".into()),
        account: Some("prod".into()),
        ..AuditFilter::default()
    })
    .unwrap();
    assert_eq!(readers_in_prod.rows.len(), 2);
}

#[test]
fn a_filter_that_matches_nothing_names_the_value_and_suggests() {
    let err = report(AuditFilter {
        user: Some("alcie".into()),
        ..AuditFilter::default()
    })
    .unwrap_err();
    assert_eq!(err.kind, FilterKind::User);
    assert_eq!(err.suggestions, ["alice"]);
    let message = err.to_string();
    assert!(message.contains("--user \"alcie\""), "{message}");
    assert!(message.contains("Did you mean \"alice\"?"), "{message}");

    let err = report(AuditFilter {
        account: Some("nope".into()),
        ..AuditFilter::default()
    })
    .unwrap_err();
    assert_eq!(err.kind, FilterKind::Account);
    assert!(err.to_string().contains("matches no account"), "{err}");
    assert!(report(AuditFilter {
        permission_set: Some("Nope".into()),
        ..AuditFilter::default()
    })
    .is_err());
    assert!(report(AuditFilter {
        group: Some("nope".into()),
        ..AuditFilter::default()
    })
    .is_err());
}

#[test]
fn a_user_without_access_gives_an_empty_report_not_an_error() {
    let report = report(AuditFilter {
        user: Some("carol".into()),
        ..AuditFilter::default()
    })
    .unwrap();
    assert!(report.rows.is_empty());
    assert!(to_markdown(&report).contains("No user has access that matches the filter."));
}

fn full_report() -> AuditReport<'static> {
    let index = AccessIndex::new(&SAMPLE);
    audit(
        &index,
        &AuditFilter::default(),
        AuditOptions {
            include_no_access: true,
            include_orphans: true,
        },
    )
    .unwrap()
}

#[test]
fn extra_sections_list_principals_without_access_and_orphans_with_names() {
    let report = full_report();
    let nobody: Vec<(PrincipalType, &str)> = report
        .without_access
        .as_ref()
        .unwrap()
        .iter()
        .map(|r| (r.principal_type, r.name.as_str()))
        .collect();
    assert_eq!(nobody, [(U, "carol"), (G, "idle")]);
    let orphans = report.orphans.as_ref().unwrap();
    assert_eq!(orphans.len(), 3);
    assert_eq!(orphans[0].account_name.as_deref(), Some("dev"));
    assert_eq!(
        orphans[0].permission_set_name.as_deref(),
        Some("AdministratorAccess")
    );
    assert_eq!(orphans[2].application_name.as_deref(), Some("Wiki"));
}

// ---------------------------------------------------------------------------------------------
// Rendering

#[test]
fn csv_has_the_documented_columns_and_sections() {
    let plain = report(AuditFilter::default()).unwrap();
    let csv = to_csv(&plain);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("user_id,user_name,display_name,account_id,account_name,permission_set_arn,permission_set_name,via")
    );
    assert_eq!(lines.count(), 6);
    assert!(csv.contains(",direct; admins\n"), "{csv}");

    let full = to_csv(&full_report());
    let sections: Vec<&str> = full.split("\n\n").collect();
    assert_eq!(sections.len(), 3, "{full}");
    assert_eq!(
        sections[1],
        "# principals without access\nprincipal_type,principal_id,name,display_name\nUSER,u-carol,carol,carol display\nGROUP,g-idle,idle,"
    );
    assert!(sections[2].starts_with("# orphaned assignments\nassignment,principal_type,"));
    assert!(sections[2].contains("application,USER,u-gone,,,,,arn:app/wiki,Wiki"));

    // Each table parses as CSV on its own.
    for section in sections {
        let body = section
            .strip_prefix('#')
            .map_or(section, |s| s.split_once('\n').unwrap().1);
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let width = reader.headers().unwrap().len();
        for record in reader.records() {
            assert_eq!(record.unwrap().len(), width);
        }
    }
}

#[test]
fn json_is_an_array_of_rows_or_an_object_with_sections() {
    let plain = report(AuditFilter::default()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&to_json(&plain)).unwrap();
    let rows = value.as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[1]["via"], serde_json::json!(["direct", "admins"]));
    assert_eq!(rows[3]["account_name"], serde_json::Value::Null);
    let parsed: Vec<AuditRow> = serde_json::from_value(value).unwrap();
    assert_eq!(parsed, plain.rows);

    let value: serde_json::Value = serde_json::from_str(&to_json(&full_report())).unwrap();
    assert_eq!(value["access"].as_array().unwrap().len(), 6);
    assert_eq!(
        value["principals_without_access"][0]["principal_type"],
        "USER"
    );
    assert_eq!(
        value["orphaned_assignments"][2]["assignment"],
        "application"
    );
}

#[test]
fn markdown_states_provenance_filter_counts_and_escapes_cells() {
    let mut s = sample();
    s.groups[0].display_name = "admins | root".into();
    s.warnings.push(Warning {
        affects: "accounts".into(),
        operation: "organizations:ListAccounts".into(),
        message: "AccessDenied".into(),
    });
    let index = AccessIndex::new(&s);
    let filter = AuditFilter {
        account: Some("prod".into()),
        ..AuditFilter::default()
    };
    let md = to_markdown(&audit(&index, &filter, AuditOptions::default()).unwrap());
    assert!(
        md.starts_with("# IAM Identity Center access audit\n"),
        "{md}"
    );
    assert!(
        md.contains("| Instance | arn:aws:sso:::instance/ssoins-test |"),
        "{md}"
    );
    assert!(
        md.contains("| Snapshot captured at | 2026-03-04T05:06:07Z |"),
        "{md}"
    );
    assert!(md.contains("| Filter | account = prod |"), "{md}");
    assert!(md.contains("| Access rows | 3 |"), "{md}");
    assert!(md.contains("**The snapshot is incomplete.**"), "{md}");
    assert!(md.contains(
        "| User | Display name | Account | Account ID | Permission set | Via |\n| --- |"
    ));
    assert!(
        md.contains("| alice | alice display | prod | 111111111111 | AdministratorAccess | direct; admins \\| root |"),
        "{md}"
    );
    let full = to_markdown(&full_report());
    assert!(full.contains("| Filter | none (every user, account and permission set) |"));
    assert!(full.contains("## Principals without access"));
    assert!(full.contains("| GROUP | idle |  | g-idle |"), "{full}");
    assert!(full.contains("## Orphaned assignments"));
    assert!(
        full.contains("| application | USER | u-gone |  |  |  | Wiki |"),
        "{full}"
    );
}

// ---------------------------------------------------------------------------------------------
// Properties on random instances

/// A random instance, deliberately messy: memberships and assignments may repeat, name
/// principals that don't exist, or name a user id as a group (and the reverse).
#[derive(Clone, Debug)]
struct RandomOrg {
    users: usize,
    groups: usize,
    accounts: usize,
    permission_sets: usize,
    memberships: Vec<(usize, usize)>,
    /// (account, permission set, is a group assignment, principal pool index).
    assignments: Vec<(usize, usize, bool, usize)>,
    applications: Vec<(bool, usize)>,
}

fn random_org() -> impl Strategy<Value = RandomOrg> {
    (0usize..6, 0usize..5, 1usize..4, 1usize..4).prop_flat_map(|(users, groups, accounts, sets)| {
        // The principal pool: users, then groups, then two deleted ids.
        let pool = users + groups + 2;
        (
            prop::collection::vec((0..users + 1, 0..groups + 1), 0..12),
            prop::collection::vec((0..accounts, 0..sets, any::<bool>(), 0..pool), 0..20),
            prop::collection::vec((any::<bool>(), 0..pool), 0..4),
        )
            .prop_map(move |(memberships, assignments, applications)| RandomOrg {
                users,
                groups,
                accounts,
                permission_sets: sets,
                memberships,
                assignments,
                applications,
            })
    })
}

impl RandomOrg {
    fn user_id(i: usize) -> String {
        format!("user-{i}")
    }

    fn group_id(i: usize) -> String {
        format!("group-{i}")
    }

    fn pool_id(&self, i: usize) -> String {
        if i < self.users {
            Self::user_id(i)
        } else if i < self.users + self.groups {
            Self::group_id(i - self.users)
        } else {
            format!("deleted-{i}")
        }
    }

    /// Indexes past the end (in memberships) name ids that do not exist.
    fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot::empty(InstanceInfo::default(), fixture::captured_at());
        s.users = (0..self.users)
            .map(|i| user(&Self::user_id(i), &format!("name-{i}")))
            .collect();
        s.groups = (0..self.groups)
            .map(|i| group(&Self::group_id(i), &format!("team-{i}")))
            .collect();
        s.group_memberships = self
            .memberships
            .iter()
            .map(|&(u, g)| member(&Self::group_id(g), &Self::user_id(u), "m"))
            .collect();
        s.accounts = (0..self.accounts)
            .map(|i| account(&format!("{:012}", 900 - i), &format!("acct-{i}")))
            .collect();
        s.permission_sets = (0..self.permission_sets)
            .map(|i| permission_set(&format!("arn:ps/{}", 9 - i), &format!("Set{i}")))
            .collect();
        s.account_assignments = self
            .assignments
            .iter()
            .map(|&(a, p, is_group, who)| {
                assign(
                    &format!("{:012}", 900 - a),
                    &format!("arn:ps/{}", 9 - p),
                    if is_group { G } else { U },
                    &self.pool_id(who),
                )
            })
            .collect();
        s.application_assignments = self
            .applications
            .iter()
            .map(|&(is_group, who)| ApplicationAssignment {
                application_arn: "arn:app/x".into(),
                principal_type: if is_group { G } else { U },
                principal_id: self.pool_id(who).into(),
            })
            .collect();
        s
    }
}

/// (account, permission set) → the granting paths, read straight off the snapshot.
type Paths = BTreeMap<(String, String), BTreeSet<Option<String>>>;

/// The effective access of `user` by definition: assignments naming the user directly, and
/// assignments naming an existing group that has a membership for the user. `None` = direct.
fn naive_effective_access(s: &Snapshot, user: &UserId) -> Paths {
    let user_exists = s.users.iter().any(|u| &u.user_id == user);
    let group_exists = |id: &str| s.groups.iter().any(|g| g.group_id.as_str() == id);
    let is_member = |group: &str| {
        s.group_memberships
            .iter()
            .any(|m| m.group_id.as_str() == group && &m.user_id == user)
    };
    let mut paths = Paths::new();
    if !user_exists {
        return paths;
    }
    for a in &s.account_assignments {
        let id = a.principal_id.as_str();
        let path = match a.principal_type {
            PrincipalType::User if id == user.as_str() => Some(None),
            PrincipalType::Group if group_exists(id) && is_member(id) => Some(Some(id.to_owned())),
            _ => None,
        };
        if let Some(path) = path {
            paths
                .entry((a.account_id.0.clone(), a.permission_set_arn.0.clone()))
                .or_default()
                .insert(path);
        }
    }
    paths
}

fn as_paths(grants: &[Grant]) -> Paths {
    grants
        .iter()
        .map(|g| {
            let via = g
                .via
                .iter()
                .map(|v| match v {
                    Via::Direct => None,
                    Via::Group(id) => Some(id.0.clone()),
                })
                .collect();
            (
                (g.account_id.0.clone(), g.permission_set_arn.0.clone()),
                via,
            )
        })
        .collect()
}

fn is_strictly_sorted<T: Ord>(items: &[T]) -> bool {
    items.windows(2).all(|w| w[0] < w[1])
}

fn check_effective_access(s: &Snapshot) -> Result<(), TestCaseError> {
    let index = AccessIndex::new(s);
    let ids: BTreeSet<&UserId> = s.users.iter().map(|u| &u.user_id).collect();
    for id in ids {
        let grants = index.effective_access(id);
        prop_assert_eq!(index.effective_access_count(id), grants.len());
        let keys: Vec<_> = grants
            .iter()
            .map(|g| (g.account_id, g.permission_set_arn))
            .collect();
        prop_assert!(is_strictly_sorted(&keys), "grants sorted and distinct");
        for grant in &grants {
            prop_assert!(!grant.via.is_empty());
            prop_assert!(is_strictly_sorted(&grant.via), "via sorted and distinct");
        }
        prop_assert_eq!(as_paths(&grants), naive_effective_access(s, id));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A user's effective access is exactly the union of their direct assignments and their
    /// groups' assignments, and `via` lists exactly the granting paths.
    #[test]
    fn effective_access_is_the_union_of_direct_and_group_grants(org in random_org()) {
        check_effective_access(&org.snapshot())?;
    }

    /// The same holds after normalization (sorted, de-duplicated), as snapshots are stored.
    #[test]
    fn effective_access_is_the_same_on_a_normalized_snapshot(org in random_org()) {
        let raw = org.snapshot();
        let mut normalized = raw.clone();
        normalized.normalize();
        check_effective_access(&normalized)?;
        let (a, b) = (AccessIndex::new(&raw), AccessIndex::new(&normalized));
        for user in &raw.users {
            prop_assert_eq!(a.effective_access(&user.user_id), b.effective_access(&user.user_id));
        }
    }

    /// `who_can_reach` is the transpose of `effective_access`.
    #[test]
    fn who_can_reach_is_effective_access_seen_from_the_account(org in random_org()) {
        let s = org.snapshot();
        let index = AccessIndex::new(&s);
        let mut from_users = BTreeSet::new();
        for user in index.users() {
            for grant in index.effective_access(&user.user_id) {
                from_users.insert((
                    grant.account_id.clone(),
                    user.user_id.clone(),
                    grant.permission_set_arn.clone(),
                    grant.via.clone(),
                ));
            }
        }
        let mut from_accounts = BTreeSet::new();
        for &account in index.account_ids() {
            let reach = index.who_can_reach(account);
            let keys: Vec<_> = reach.iter().map(|r| (&r.user.user_id, r.permission_set_arn)).collect();
            prop_assert!(is_strictly_sorted(&keys));
            for r in reach {
                from_accounts.insert((
                    account.clone(),
                    r.user.user_id.clone(),
                    r.permission_set_arn.clone(),
                    r.via.clone(),
                ));
            }
        }
        prop_assert_eq!(from_users, from_accounts);
    }

    /// Orphans are exactly the assignments whose principal is no record of the named type, and
    /// principals without access are exactly those with no grant of any kind.
    #[test]
    fn orphans_and_principals_without_access_match_their_definitions(org in random_org()) {
        let s = org.snapshot();
        let index = AccessIndex::new(&s);
        let exists = |t: PrincipalType, id: &PrincipalId| match t {
            PrincipalType::User => s.users.iter().any(|u| u.user_id.as_str() == id.as_str()),
            PrincipalType::Group => s.groups.iter().any(|g| g.group_id.as_str() == id.as_str()),
        };
        let orphans: Vec<&AccountAssignment> = s
            .account_assignments
            .iter()
            .filter(|a| !exists(a.principal_type, &a.principal_id))
            .collect();
        prop_assert_eq!(index.orphaned_account_assignments(), orphans);
        let app_orphans: Vec<&ApplicationAssignment> = s
            .application_assignments
            .iter()
            .filter(|a| !exists(a.principal_type, &a.principal_id))
            .collect();
        prop_assert_eq!(index.orphaned_application_assignments(), app_orphans);

        let named = |t: PrincipalType, id: &str| {
            s.account_assignments.iter().any(|a| a.principal_type == t && a.principal_id.as_str() == id)
        };
        let has_app = |t: PrincipalType, id: &str| {
            s.application_assignments.iter().any(|a| a.principal_type == t && a.principal_id.as_str() == id)
        };
        let groups_without: Vec<&str> = s
            .groups
            .iter()
            .filter(|g| !named(G, g.group_id.as_str()) && !has_app(G, g.group_id.as_str()))
            .map(|g| g.group_id.as_str())
            .collect();
        let users_without: Vec<&str> = s
            .users
            .iter()
            .filter(|u| {
                let groups: Vec<&str> = s
                    .group_memberships
                    .iter()
                    .filter(|m| m.user_id == u.user_id)
                    .map(|m| m.group_id.as_str())
                    .collect();
                naive_effective_access(&s, &u.user_id).is_empty()
                    && !has_app(U, u.user_id.as_str())
                    && !groups.iter().any(|g| has_app(G, g))
            })
            .map(|u| u.user_id.as_str())
            .collect();
        let nobody = index.principals_without_access();
        let found_users: Vec<&str> = nobody.users.iter().map(|u| u.user_id.as_str()).collect();
        let found_groups: Vec<&str> = nobody.groups.iter().map(|g| g.group_id.as_str()).collect();
        prop_assert_eq!(found_users, users_without);
        prop_assert_eq!(found_groups, groups_without);
    }

    /// The unfiltered report has exactly one row per grant, and every single-value filter keeps
    /// exactly the rows that match it.
    #[test]
    fn report_rows_are_the_grants_and_filters_select_them(org in random_org(), pick in any::<prop::sample::Index>()) {
        let s = org.snapshot();
        let index = AccessIndex::new(&s);
        let all = audit(&index, &AuditFilter::default(), AuditOptions::default()).unwrap();
        let grants: usize = index.users().map(|u| index.effective_access(&u.user_id).len()).sum();
        prop_assert_eq!(all.rows.len(), grants);
        if all.rows.is_empty() {
            return Ok(());
        }
        let row = pick.get(&all.rows).clone();
        let by_account = audit(&index, &AuditFilter { account: Some(row.account_id.to_string()), ..AuditFilter::default() }, AuditOptions::default()).unwrap();
        let expected: Vec<&AuditRow> = all.rows.iter().filter(|r| r.account_id == row.account_id).collect();
        prop_assert_eq!(by_account.rows.iter().collect::<Vec<_>>(), expected);
        let by_user = audit(&index, &AuditFilter { user: Some(row.user_name.to_string()), ..AuditFilter::default() }, AuditOptions::default()).unwrap();
        let expected: Vec<&AuditRow> = all.rows.iter().filter(|r| r.user_id == row.user_id).collect();
        prop_assert_eq!(by_user.rows.iter().collect::<Vec<_>>(), expected);
        if let Some(group_name) = row.via.iter().find(|v| *v != "direct") {
            let by_group = audit(&index, &AuditFilter { group: Some(group_name.to_string()), ..AuditFilter::default() }, AuditOptions::default()).unwrap();
            let expected: Vec<&AuditRow> = all.rows.iter().filter(|r| r.via.contains(group_name)).collect();
            prop_assert_eq!(by_group.rows.iter().collect::<Vec<_>>(), expected);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The same union property on realistic organizations from the fixture generator.
    #[test]
    fn effective_access_matches_the_definition_on_fixture_orgs(
        seed in any::<u64>(),
        users in 1usize..30,
        groups in 0usize..8,
        permission_sets in 1usize..5,
        accounts in 1usize..5,
        assignments in 0usize..60,
        orphaned in 0usize..4,
    ) {
        // Keep the spec satisfiable: no more regular assignments than distinct tuples.
        let orphaned = orphaned.min(assignments);
        let possible = accounts * permission_sets * (users + groups);
        let assignments = assignments.min(possible + orphaned);
        let spec = OrgSpec {
            orphaned_assignments: orphaned,
            applications: 2,
            ..OrgSpec::new(users, groups, permission_sets, accounts, assignments).with_seed(seed)
        };
        let s = fixture::generate(&spec);
        check_effective_access(&s)?;
        let index = AccessIndex::new(&s);
        prop_assert_eq!(index.orphaned_account_assignments().len(), spec.orphaned_assignments);
    }
}
