//! `cutover cleanup`: which of the old identity source's users and groups are left over, and
//! which of them still hold access.
//!
//! [`select`] is pure: a snapshot and a selector in, a [`Selection`] out. The old principals are
//! chosen either by the external-id issuer of the old source (SCIM / AD), or as the old
//! principals of a mapping. A user *holds access* when an account or application assignment
//! names it, or names a group it is a member of; a group when an assignment names it.
//!
//! [`delete_all`] is the delete loop `cutover cleanup` and the TUI's cleanup screen share: a few
//! at a time, every result journaled, one failure not stopping the others.

use crate::access::{AccessIndex, Via};
use crate::apply::journal::{JournalError, JournalWriter, OpStatus, Record};
use crate::backend::{WriteErrorKind, Writer};
use crate::mapping::{Decision, Mapping};
use crate::model::*;
use chrono::Utc;
use futures::stream::{self, StreamExt};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

/// How many of one principal's accesses the listing shows.
const ACCESS_SHOWN: usize = 5;

/// How the old principals are chosen.
#[derive(Clone, Copy, Debug)]
pub enum Selector<'a> {
    /// Users and groups with an external id of this issuer (a trailing `/` does not matter).
    Issuer(&'a str),
    /// The old principals of a mapping (mapped or "no successor").
    Mapping(&'a Mapping),
}

/// What a principal can still reach.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Account {
        account_id: AccountId,
        account_name: Option<String>,
        permission_set_arn: PermissionSetArn,
        permission_set_name: Option<String>,
    },
    Application {
        application_arn: ApplicationArn,
        name: Option<String>,
    },
}

impl Target {
    pub fn label(&self) -> String {
        match self {
            Target::Account {
                account_id,
                account_name,
                permission_set_arn,
                permission_set_name,
            } => format!(
                "account {} / permission set {}",
                match account_name {
                    Some(name) => format!("{name} ({account_id})"),
                    None => account_id.to_string(),
                },
                permission_set_name
                    .clone()
                    .unwrap_or_else(|| permission_set_arn.to_string())
            ),
            Target::Application {
                application_arn,
                name,
            } => format!(
                "application {}",
                name.clone().unwrap_or_else(|| application_arn.to_string())
            ),
        }
    }
}

/// How it is reached.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Path {
    Direct,
    Group { group_id: GroupId, name: String },
}

impl Path {
    pub fn label(&self) -> String {
        match self {
            Path::Direct => "direct".to_owned(),
            Path::Group { group_id, name } => format!("via group {name} ({group_id})"),
        }
    }
}

/// One thing a principal holds, with every path to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    pub target: Target,
    /// Sorted: `Direct` first.
    pub via: Vec<Path>,
}

/// An old principal that still exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub principal_type: PrincipalType,
    pub principal_id: PrincipalId,
    /// User name or group display name.
    pub name: String,
    /// Empty: holds nothing, safe to delete.
    pub access: Vec<Held>,
}

impl Candidate {
    pub fn has_access(&self) -> bool {
        !self.access.is_empty()
    }
}

/// An old principal that is never deleted, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub principal_type: PrincipalType,
    pub principal_id: PrincipalId,
    pub name: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Users (by name), then groups (by name).
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
    /// Old principals of the mapping that no longer exist.
    pub already_gone: usize,
}

impl Selection {
    pub fn without_access(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|c| !c.has_access())
    }

    pub fn with_access(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|c| c.has_access())
    }

    /// What would be deleted: users first, then groups.
    pub fn to_delete(&self, include_with_access: bool) -> Vec<&Candidate> {
        self.candidates
            .iter()
            .filter(|c| include_with_access || !c.has_access())
            .collect()
    }

    /// The listing for the terminal: type, name, id; the access of those that hold any.
    pub fn render(&self, include_with_access: bool) -> String {
        let mut out = String::new();
        let without: Vec<&Candidate> = self.without_access().collect();
        let with: Vec<&Candidate> = self.with_access().collect();
        let _ = writeln!(
            out,
            "{} old principal{} without access (to delete):",
            without.len(),
            if without.len() == 1 { "" } else { "s" }
        );
        for candidate in &without {
            line(&mut out, candidate);
        }
        if !with.is_empty() {
            let _ = writeln!(
                out,
                "\n{} old principal{} still holding access ({}):",
                with.len(),
                if with.len() == 1 { "" } else { "s" },
                if include_with_access {
                    "deleted too, because of --include-with-access; their assignments stay behind as orphans"
                } else {
                    "refused: pass --include-with-access to delete them anyway"
                }
            );
            for candidate in &with {
                line(&mut out, candidate);
                for held in candidate.access.iter().take(ACCESS_SHOWN) {
                    let via: Vec<String> = held.via.iter().map(Path::label).collect();
                    let _ = writeln!(out, "      {} ({})", held.target.label(), via.join(", "));
                }
                if candidate.access.len() > ACCESS_SHOWN {
                    let _ = writeln!(
                        out,
                        "      … and {} more (`cutover audit --{} {}` lists them all)",
                        candidate.access.len() - ACCESS_SHOWN,
                        match candidate.principal_type {
                            PrincipalType::User => "user",
                            PrincipalType::Group => "group",
                        },
                        candidate.principal_id
                    );
                }
            }
        }
        if !self.skipped.is_empty() {
            let _ = writeln!(out, "\n{} never deleted:", self.skipped.len());
            for skipped in &self.skipped {
                let _ = writeln!(
                    out,
                    "  {:<5} {}  {}: {}",
                    skipped.principal_type.as_str(),
                    skipped.name,
                    skipped.principal_id,
                    skipped.reason
                );
            }
        }
        if self.already_gone > 0 {
            let _ = writeln!(
                out,
                "\n{} old principal{} of the mapping no longer exist{}.",
                self.already_gone,
                if self.already_gone == 1 { "" } else { "s" },
                if self.already_gone == 1 { "s" } else { "" }
            );
        }
        out
    }
}

fn line(out: &mut String, candidate: &Candidate) {
    let _ = writeln!(
        out,
        "  {:<5} {}  {}",
        candidate.principal_type.as_str(),
        candidate.name,
        candidate.principal_id
    );
}

fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Every external-id issuer in `snapshot`, with how many users and groups carry it.
pub fn issuers(snapshot: &Snapshot) -> Vec<(String, usize, usize)> {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for user in &snapshot.users {
        for issuer in distinct_issuers(&user.external_ids) {
            counts.entry(issuer).or_default().0 += 1;
        }
    }
    for group in &snapshot.groups {
        for issuer in distinct_issuers(&group.external_ids) {
            counts.entry(issuer).or_default().1 += 1;
        }
    }
    counts
        .into_iter()
        .map(|(issuer, (users, groups))| (issuer.to_owned(), users, groups))
        .collect()
}

fn distinct_issuers(ids: &[ExternalId]) -> Vec<&str> {
    let mut issuers: Vec<&str> = ids.iter().map(|e| e.issuer.as_str()).collect();
    issuers.sort_unstable();
    issuers.dedup();
    issuers
}

/// The parts of the snapshot that could not be read and that decide who holds access: with
/// any of them, "holds no access" cannot be trusted and nothing may be deleted.
pub fn access_unknown(snapshot: &Snapshot) -> Vec<&Warning> {
    snapshot
        .warnings
        .iter()
        .filter(|w| w.affects.contains("assignment") || w.affects.contains("membership"))
        .collect()
}

/// The old principals `selector` names that exist in `snapshot`, with their access.
pub fn select(snapshot: &Snapshot, selector: Selector<'_>) -> Selection {
    let index = AccessIndex::new(snapshot);
    let access = AccessLookup::new(&index);
    let mut selection = Selection::default();
    // (type, id, name) of every chosen principal.
    let mut chosen: Vec<(PrincipalType, PrincipalId, String)> = Vec::new();

    match selector {
        Selector::Issuer(issuer) => {
            let mut consider = |principal_type: PrincipalType,
                                id: &str,
                                name: &str,
                                external_ids: &[ExternalId]| {
                if !external_ids.iter().any(|e| same_issuer(&e.issuer, issuer)) {
                    return;
                }
                let others: Vec<&str> = distinct_issuers(external_ids)
                    .into_iter()
                    .filter(|i| !same_issuer(i, issuer))
                    .collect();
                if others.is_empty() {
                    chosen.push((principal_type, id.into(), name.to_owned()));
                } else {
                    selection.skipped.push(Skipped {
                        principal_type,
                        principal_id: id.into(),
                        name: name.to_owned(),
                        reason: format!(
                            "also carries an external id of {}: another source manages it",
                            others.join(", ")
                        ),
                    });
                }
            };
            for user in &snapshot.users {
                consider(
                    PrincipalType::User,
                    user.user_id.as_str(),
                    &user.user_name,
                    &user.external_ids,
                );
            }
            for group in &snapshot.groups {
                consider(
                    PrincipalType::Group,
                    group.group_id.as_str(),
                    &group.display_name,
                    &group.external_ids,
                );
            }
        }
        Selector::Mapping(mapping) => {
            // Old id → the old principal it succeeds, for principals that are both.
            let successors: HashMap<&PrincipalId, &PrincipalId> = mapping
                .iter()
                .filter_map(|(old, entry)| match &entry.decision {
                    Decision::Successor(new) => Some((new, old)),
                    Decision::NoSuccessor => None,
                })
                .collect();
            for (old_id, entry) in mapping.iter() {
                let name = match entry.principal_type {
                    PrincipalType::User => index
                        .user(&UserId::from(old_id.as_str()))
                        .map(|u| u.user_name.as_str()),
                    PrincipalType::Group => index
                        .group(&GroupId::from(old_id.as_str()))
                        .map(|g| g.display_name.as_str()),
                };
                let Some(name) = name else {
                    selection.already_gone += 1;
                    continue;
                };
                if let Some(predecessor) = successors.get(old_id) {
                    selection.skipped.push(Skipped {
                        principal_type: entry.principal_type,
                        principal_id: old_id.clone(),
                        name: name.to_owned(),
                        reason: format!(
                            "the mapping makes it the successor of {predecessor}: it inherits access, it is not a leftover"
                        ),
                    });
                    continue;
                }
                chosen.push((entry.principal_type, old_id.clone(), name.to_owned()));
            }
        }
    }

    selection.candidates = chosen
        .into_iter()
        .map(|(principal_type, principal_id, name)| Candidate {
            access: access.of(principal_type, &principal_id),
            principal_type,
            principal_id,
            name,
        })
        .collect();
    selection.candidates.sort_by(|a, b| {
        (a.principal_type, &a.name, &a.principal_id).cmp(&(
            b.principal_type,
            &b.name,
            &b.principal_id,
        ))
    });
    selection
}

/// Deletes in flight at once (the identitystore APIs share 20 requests/s; the backend paces).
pub const PARALLEL_DELETES: usize = 4;

/// What users of the old source must still do in the source itself.
pub const SOURCE_REMINDER: &str = "Reminder: users and groups provisioned by SCIM or synced from Active Directory must also be removed (or deprovisioned, or taken out of the sync scope) in the source; otherwise the source provisions them again.";

/// How one delete ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeleteResult {
    Deleted,
    /// The store answered not found: deleted already (counts as done).
    AlreadyGone,
    Failed {
        code: Option<String>,
        message: String,
    },
    /// Not tried: the credentials stopped working, or the run was stopped.
    NotAttempted,
}

/// The totals of a [`delete_all`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeleteReport {
    pub deleted: usize,
    pub already_gone: usize,
    pub failed: usize,
    pub not_attempted: usize,
}

impl DeleteReport {
    pub fn count(&mut self, result: &DeleteResult) {
        match result {
            DeleteResult::Deleted => self.deleted += 1,
            DeleteResult::AlreadyGone => self.already_gone += 1,
            DeleteResult::Failed { .. } => self.failed += 1,
            DeleteResult::NotAttempted => self.not_attempted += 1,
        }
    }

    pub fn settled(&self) -> usize {
        self.deleted + self.already_gone + self.failed + self.not_attempted
    }

    /// Every candidate is gone.
    pub fn complete(&self) -> bool {
        self.failed == 0 && self.not_attempted == 0
    }
}

/// Deletes every candidate, [`PARALLEL_DELETES`] at a time; one failure does not stop the
/// others, missing or expired credentials do (nothing else would succeed), and so does `stop`
/// (the ones in flight finish). Every delete that was tried is journaled before `on_result`
/// hears of it and before the next result is looked at; `on_result` hears of every candidate.
/// An error: the journal could not be written (the deletes stop there).
pub async fn delete_all<W: Writer>(
    writer: &W,
    candidates: &[&Candidate],
    journal: &mut JournalWriter,
    stop: &AtomicBool,
    mut on_result: impl FnMut(&Candidate, &DeleteResult),
) -> Result<DeleteReport, JournalError> {
    let mut report = DeleteReport::default();
    // Indices, not references, go through the stream: a closure taking `&Candidate` would
    // have to be general over its lifetime, which a future spawned on tokio cannot prove.
    let mut results = stream::iter(0..candidates.len())
        .map(|i| {
            let candidate = candidates[i];
            async move {
                if stop.load(Ordering::SeqCst) {
                    return (candidate, None);
                }
                let result = writer
                    .delete_principal(candidate.principal_type, candidate.principal_id.as_str())
                    .await;
                if let Err(error) = &result {
                    if error.kind == WriteErrorKind::Credentials {
                        stop.store(true, Ordering::SeqCst);
                    }
                }
                (candidate, Some(result))
            }
        })
        .buffer_unordered(PARALLEL_DELETES);
    while let Some((candidate, result)) = results.next().await {
        let Some(result) = result else {
            report.count(&DeleteResult::NotAttempted);
            on_result(candidate, &DeleteResult::NotAttempted);
            continue;
        };
        let (outcome, status, code, message) = match result {
            Ok(()) => (DeleteResult::Deleted, OpStatus::Succeeded, None, None),
            Err(error) if error.kind == WriteErrorKind::NotFound => (
                DeleteResult::AlreadyGone,
                OpStatus::AlreadyDone,
                error.code.clone(),
                Some(error.to_string()),
            ),
            Err(error) => (
                DeleteResult::Failed {
                    code: error.code.clone(),
                    message: error.to_string(),
                },
                OpStatus::Failed,
                error.code.clone(),
                Some(error.to_string()),
            ),
        };
        journal.append(&Record::PrincipalDeleted {
            at: Utc::now(),
            principal_type: candidate.principal_type,
            principal_id: candidate.principal_id.to_string(),
            name: candidate.name.clone(),
            status,
            code,
            message,
        })?;
        report.count(&outcome);
        on_result(candidate, &outcome);
    }
    Ok(report)
}

/// Effective access of one principal, account and application assignments alike.
struct AccessLookup<'i, 's> {
    index: &'i AccessIndex<'s>,
    /// Principal id → the applications assigned to it, with the type the assignment names.
    applications: HashMap<&'s str, Vec<(PrincipalType, &'s ApplicationArn)>>,
}

impl<'i, 's> AccessLookup<'i, 's> {
    fn new(index: &'i AccessIndex<'s>) -> Self {
        let mut applications: HashMap<&'s str, Vec<(PrincipalType, &'s ApplicationArn)>> =
            HashMap::new();
        for a in &index.snapshot().application_assignments {
            applications
                .entry(a.principal_id.as_str())
                .or_default()
                .push((a.principal_type, &a.application_arn));
        }
        AccessLookup {
            index,
            applications,
        }
    }

    fn group_path(&self, id: &GroupId) -> Path {
        Path::Group {
            group_id: id.clone(),
            name: self
                .index
                .group(id)
                .map(|g| g.display_name.clone())
                .unwrap_or_default(),
        }
    }

    fn account_target(&self, account_id: &AccountId, arn: &PermissionSetArn) -> Target {
        Target::Account {
            account_id: account_id.clone(),
            account_name: self.index.account(account_id).and_then(|a| a.name.clone()),
            permission_set_arn: arn.clone(),
            permission_set_name: self.index.permission_set(arn).map(|p| p.name.clone()),
        }
    }

    fn application_target(&self, arn: &ApplicationArn) -> Target {
        Target::Application {
            application_arn: arn.clone(),
            name: self.index.application(arn).map(|a| a.name.clone()),
        }
    }

    /// The applications assigned to this principal (an assignment naming the id with the
    /// other type grants nothing).
    fn applications_of(&self, principal_type: PrincipalType, id: &str) -> Vec<&'s ApplicationArn> {
        self.applications
            .get(id)
            .into_iter()
            .flatten()
            .filter(|(t, _)| *t == principal_type)
            .map(|(_, arn)| *arn)
            .collect()
    }

    fn of(&self, principal_type: PrincipalType, id: &PrincipalId) -> Vec<Held> {
        let mut held: Vec<Held> = Vec::new();
        match principal_type {
            PrincipalType::User => {
                let user = UserId::from(id.as_str());
                for grant in self.index.effective_access(&user) {
                    held.push(Held {
                        target: self.account_target(grant.account_id, grant.permission_set_arn),
                        via: grant
                            .via
                            .iter()
                            .map(|v| match v {
                                Via::Direct => Path::Direct,
                                Via::Group(g) => self.group_path(g),
                            })
                            .collect(),
                    });
                }
                let mut apps: BTreeMap<&ApplicationArn, Vec<Path>> = BTreeMap::new();
                for arn in self.applications_of(PrincipalType::User, id.as_str()) {
                    apps.entry(arn).or_default().push(Path::Direct);
                }
                for group in self.index.groups_of(&user) {
                    for arn in self.applications_of(PrincipalType::Group, group.group_id.as_str()) {
                        apps.entry(arn)
                            .or_default()
                            .push(self.group_path(&group.group_id));
                    }
                }
                for (arn, mut via) in apps {
                    via.sort();
                    via.dedup();
                    held.push(Held {
                        target: self.application_target(arn),
                        via,
                    });
                }
            }
            PrincipalType::Group => {
                let group = GroupId::from(id.as_str());
                let mut seen = HashSet::new();
                for a in self.index.assignments_of_group(&group) {
                    if seen.insert((&a.account_id, &a.permission_set_arn)) {
                        held.push(Held {
                            target: self.account_target(&a.account_id, &a.permission_set_arn),
                            via: vec![Path::Direct],
                        });
                    }
                }
                let mut apps = self.applications_of(PrincipalType::Group, id.as_str());
                apps.sort();
                apps.dedup();
                for arn in apps {
                    held.push(Held {
                        target: self.application_target(arn),
                        via: vec![Path::Direct],
                    });
                }
            }
        }
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::journal::{JournalState, OpStatus, Record};
    use chrono::Utc;

    const OLD: &str = "https://sts.windows.net/old/";
    const NEW: &str = "https://sts.windows.net/new/";

    fn user(id: &str, name: &str, issuers: &[&str]) -> User {
        User {
            user_id: id.into(),
            user_name: name.to_owned(),
            display_name: None,
            name: None,
            emails: Vec::new(),
            external_ids: issuers
                .iter()
                .map(|i| ExternalId {
                    issuer: (*i).to_owned(),
                    id: format!("x-{id}"),
                })
                .collect(),
            status: None,
            profile: Default::default(),
        }
    }

    fn group(id: &str, name: &str, issuers: &[&str]) -> Group {
        Group {
            group_id: id.into(),
            display_name: name.to_owned(),
            description: None,
            external_ids: issuers
                .iter()
                .map(|i| ExternalId {
                    issuer: (*i).to_owned(),
                    id: format!("x-{id}"),
                })
                .collect(),
        }
    }

    fn assign(principal_type: PrincipalType, id: &str) -> AccountAssignment {
        AccountAssignment {
            account_id: "111111111111".into(),
            permission_set_arn: "arn:ps/admin".into(),
            principal_type,
            principal_id: id.into(),
        }
    }

    /// Old source: u-idle (nothing), u-direct (direct assignment), u-member (only through
    /// g-admins), u-app (application through g-app), g-admins, g-app, g-idle. New source: u-new,
    /// g-new (assigned). u-both carries both issuers.
    fn snapshot() -> Snapshot {
        let mut s = Snapshot::empty(
            InstanceInfo {
                instance_arn: "arn:aws:sso:::instance/ssoins-1".into(),
                identity_store_id: "d-1".into(),
                region: None,
                owner_account_id: None,
            },
            crate::fixture::captured_at(),
        );
        s.users = vec![
            user("u-idle", "idle@old", &[OLD]),
            user("u-direct", "direct@old", &[OLD]),
            user("u-member", "member@old", &[OLD]),
            user("u-app", "app@old", &[OLD]),
            user("u-new", "someone@new", &[NEW]),
            user("u-both", "both@new", &[OLD, NEW]),
        ];
        s.groups = vec![
            group("g-admins", "admins", &[OLD]),
            group("g-app", "app-users", &[OLD]),
            group("g-idle", "idle-group", &[OLD]),
            group("g-new", "sg-admins", &[NEW]),
        ];
        s.group_memberships = vec![
            GroupMembership {
                group_id: "g-admins".into(),
                user_id: "u-member".into(),
                membership_id: None,
            },
            GroupMembership {
                group_id: "g-app".into(),
                user_id: "u-app".into(),
                membership_id: None,
            },
        ];
        s.accounts = vec![Account {
            account_id: "111111111111".into(),
            name: Some("prod".into()),
            email: None,
            status: None,
        }];
        s.account_assignments = vec![
            assign(PrincipalType::User, "u-direct"),
            assign(PrincipalType::Group, "g-admins"),
            assign(PrincipalType::Group, "g-new"),
        ];
        s.application_assignments = vec![ApplicationAssignment {
            application_arn: "arn:app/wiki".into(),
            principal_type: PrincipalType::Group,
            principal_id: "g-app".into(),
        }];
        s.applications = vec![Application {
            application_arn: "arn:app/wiki".into(),
            name: "Wiki".into(),
            provider: None,
            status: None,
        }];
        s.normalize();
        s
    }

    fn ids<'a>(candidates: impl Iterator<Item = &'a Candidate>) -> Vec<&'a str> {
        candidates.map(|c| c.principal_id.as_str()).collect()
    }

    #[test]
    fn issuer_selection_splits_the_old_principals_by_access() {
        let s = snapshot();
        let selection = select(&s, Selector::Issuer(OLD.trim_end_matches('/')));
        assert_eq!(
            ids(selection.without_access()),
            vec!["u-idle", "g-idle"],
            "users first, then groups"
        );
        assert_eq!(
            ids(selection.with_access()),
            vec!["u-app", "u-direct", "u-member", "g-admins", "g-app"]
        );
        // Another source carries u-both: never a leftover.
        assert_eq!(selection.skipped.len(), 1);
        assert_eq!(selection.skipped[0].principal_id.as_str(), "u-both");
        assert!(selection.skipped[0].reason.contains(NEW));
        // The new source's principals are not touched.
        assert!(!selection
            .candidates
            .iter()
            .any(|c| c.principal_id.as_str().ends_with("new")));
        assert_eq!(
            ids(selection.to_delete(false).into_iter()),
            vec!["u-idle", "g-idle"]
        );
        assert_eq!(selection.to_delete(true).len(), 7);
    }

    #[test]
    fn access_through_a_group_counts_and_says_which_group() {
        let s = snapshot();
        let selection = select(&s, Selector::Issuer(OLD));
        let find = |id: &str| {
            selection
                .candidates
                .iter()
                .find(|c| c.principal_id.as_str() == id)
                .unwrap()
        };
        let member = find("u-member");
        assert_eq!(member.access.len(), 1);
        assert_eq!(
            member.access[0].via,
            vec![Path::Group {
                group_id: "g-admins".into(),
                name: "admins".into()
            }]
        );
        assert_eq!(
            member.access[0].target.label(),
            "account prod (111111111111) / permission set arn:ps/admin"
        );
        assert_eq!(find("u-direct").access[0].via, vec![Path::Direct]);
        let app = find("u-app");
        assert_eq!(app.access[0].target.label(), "application Wiki");
        assert_eq!(app.access[0].via[0].label(), "via group app-users (g-app)");

        let listing = selection.render(false);
        assert!(
            listing.contains("refused: pass --include-with-access"),
            "{listing}"
        );
        assert!(listing.contains("via group admins (g-admins)"), "{listing}");
        assert!(listing.contains("USER  idle@old  u-idle"), "{listing}");
        assert!(listing.contains("never deleted"), "{listing}");
    }

    #[test]
    fn mapping_selection_takes_the_old_principals_that_still_exist() {
        let s = snapshot();
        let mut mapping = Mapping::new();
        mapping.decide(
            PrincipalType::User,
            "u-idle".into(),
            Decision::NoSuccessor,
            None,
        );
        mapping.decide(
            PrincipalType::User,
            "u-member".into(),
            Decision::Successor("u-new".into()),
            None,
        );
        mapping.decide(
            PrincipalType::Group,
            "g-admins".into(),
            Decision::Successor("g-new".into()),
            None,
        );
        // Deleted already.
        mapping.decide(
            PrincipalType::User,
            "u-gone".into(),
            Decision::NoSuccessor,
            None,
        );
        // A principal kept across the switch maps to itself: never a leftover.
        mapping.decide(
            PrincipalType::User,
            "u-both".into(),
            Decision::Successor("u-both".into()),
            None,
        );
        let selection = select(&s, Selector::Mapping(&mapping));
        assert_eq!(ids(selection.without_access()), vec!["u-idle"]);
        assert_eq!(ids(selection.with_access()), vec!["u-member", "g-admins"]);
        assert_eq!(selection.already_gone, 1);
        assert_eq!(selection.skipped.len(), 1);
        assert_eq!(selection.skipped[0].principal_id.as_str(), "u-both");
        // Principals outside the mapping are never candidates.
        assert!(!selection
            .candidates
            .iter()
            .any(|c| c.principal_id.as_str() == "g-idle"));
        assert!(selection
            .render(true)
            .contains("1 old principal of the mapping no longer exists."));
    }

    #[test]
    fn an_unknown_issuer_selects_nothing_and_the_issuers_are_listed() {
        let s = snapshot();
        let selection = select(&s, Selector::Issuer("https://elsewhere/"));
        assert!(selection.candidates.is_empty());
        assert_eq!(
            issuers(&s),
            vec![(NEW.to_owned(), 2, 1), (OLD.to_owned(), 5, 3)]
        );
    }

    #[test]
    fn access_is_unknown_when_assignments_or_memberships_could_not_be_read() {
        let mut s = snapshot();
        assert!(access_unknown(&s).is_empty());
        s.warnings.push(Warning {
            affects: "permission_sets[].tags".into(),
            operation: "sso:ListTagsForResource".into(),
            message: "denied".into(),
        });
        assert!(access_unknown(&s).is_empty());
        s.warnings.push(Warning {
            affects: "applications and application_assignments".into(),
            operation: "sso:ListApplications".into(),
            message: "denied".into(),
        });
        assert_eq!(access_unknown(&s).len(), 1);
    }

    #[test]
    fn principal_deleted_records_round_trip_and_apply_replay_ignores_them() {
        let record = Record::PrincipalDeleted {
            at: Utc::now(),
            principal_type: PrincipalType::User,
            principal_id: "u-idle".into(),
            name: "idle@old".into(),
            status: OpStatus::Succeeded,
            code: None,
            message: None,
        };
        let line = serde_json::to_string(&record).unwrap();
        assert!(line.contains("\"event\":\"principal_deleted\""), "{line}");
        assert_eq!(serde_json::from_str::<Record>(&line).unwrap(), record);
        assert_eq!(record.op(), None);
        let state =
            JournalState::replay(std::path::Path::new("j"), &[record], 2, "sha256:x").unwrap();
        assert_eq!(state, JournalState::fresh(2));
    }
}
