//! The detail of one object — profile, relations and access — as a list of lines, some of
//! which link to other objects (Enter follows them). Built in `update` when the selection
//! changes (or the access index arrives), never while rendering.

use super::dataset::Dataset;
use super::panes::{issuer_label, Entity};
use crate::access::{AccessIndex, Via};
use crate::model::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Title,
    Heading,
    Normal,
    Dim,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub text: String,
    pub tone: Tone,
    pub link: Option<Entity>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    /// Short label for the breadcrumb.
    pub label: String,
    pub entity: Entity,
    pub items: Vec<Item>,
}

impl Detail {
    /// Index of the first linked item at or after `from`, in `direction` (+1 / -1).
    pub fn next_link(&self, from: usize, direction: isize) -> Option<usize> {
        let mut i = from as isize;
        while i >= 0 && (i as usize) < self.items.len() {
            if self.items[i as usize].link.is_some() {
                return Some(i as usize);
            }
            i += direction;
        }
        None
    }
}

struct Builder {
    items: Vec<Item>,
}

impl Builder {
    fn push(&mut self, tone: Tone, text: impl Into<String>, link: Option<Entity>) {
        self.items.push(Item {
            text: text.into(),
            tone,
            link,
        });
    }
    fn title(&mut self, text: impl Into<String>) {
        self.push(Tone::Title, text, None);
    }
    fn heading(&mut self, text: impl Into<String>) {
        self.push(Tone::Normal, "", None);
        self.push(Tone::Heading, text, None);
    }
    fn line(&mut self, text: impl Into<String>) {
        self.push(Tone::Normal, text, None);
    }
    fn dim(&mut self, text: impl Into<String>) {
        self.push(Tone::Dim, text, None);
    }
    fn warn(&mut self, text: impl Into<String>) {
        self.push(Tone::Warning, text, None);
    }
    fn link(&mut self, text: impl Into<String>, entity: Entity) {
        self.push(Tone::Normal, text, Some(entity));
    }
    fn external_ids(&mut self, ids: &[ExternalId]) {
        for ext in ids {
            self.line(format!(
                "external id  {} / {}",
                issuer_label(&ext.issuer),
                ext.id
            ));
        }
    }
}

/// The detail of `entity`; until the access index is built (just after a snapshot is shown),
/// a placeholder that says so, rebuilt when the index arrives.
pub fn build(dataset: &Dataset, entity: &Entity) -> Detail {
    let Some(index) = dataset.index() else {
        let mut b = Builder { items: Vec::new() };
        b.dim("working out who can reach what…");
        return Detail {
            label: "…".to_owned(),
            entity: entity.clone(),
            items: b.items,
        };
    };
    let mut b = Builder { items: Vec::new() };
    let label = match entity {
        Entity::User(id) => user(index, id, &mut b),
        Entity::Group(id) => group(index, id, &mut b),
        Entity::PermissionSet(arn) => permission_set(index, arn, &mut b),
        Entity::Account(id) => account(index, id, &mut b),
        Entity::Application(arn) => application(index, arn, &mut b),
        Entity::Principal(PrincipalType::User, id)
            if index.user(&UserId(id.0.clone())).is_some() =>
        {
            user(index, &UserId(id.0.clone()), &mut b)
        }
        Entity::Principal(PrincipalType::Group, id)
            if index.group(&GroupId(id.0.clone())).is_some() =>
        {
            group(index, &GroupId(id.0.clone()), &mut b)
        }
        Entity::Principal(kind, id) => orphan(index, *kind, id, &mut b),
    };
    if !dataset.missing.is_empty() {
        // A live load still running: say what is not in yet, right under the title.
        let missing: Vec<&str> = dataset.missing.iter().map(|p| part_label(*p)).collect();
        let at = b.items.len().min(1);
        b.items.insert(
            at,
            Item {
                text: format!(
                    "still loading {}: what follows is incomplete",
                    missing.join(", ")
                ),
                tone: Tone::Warning,
                link: None,
            },
        );
    }
    Detail {
        label,
        entity: entity.clone(),
        items: b.items,
    }
}

fn part_label(part: PartKind) -> &'static str {
    match part {
        PartKind::Users => "users",
        PartKind::Groups => "groups",
        PartKind::GroupMemberships => "group memberships",
        PartKind::PermissionSets => "permission sets",
        PartKind::Accounts => "accounts",
        PartKind::AccountAssignments => "account assignments",
        PartKind::Applications => "applications",
        PartKind::ApplicationAssignments => "application assignments",
    }
}

fn account_name(index: &AccessIndex<'_>, id: &AccountId) -> String {
    index
        .account(id)
        .and_then(|a| a.name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn ps_name(index: &AccessIndex<'_>, arn: &PermissionSetArn) -> String {
    index
        .permission_set(arn)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| format!("⚠ unknown permission set {arn}"))
}

/// The principal's name, or `None` when its id resolves to nobody of that type (an orphan).
fn resolved_name(index: &AccessIndex<'_>, kind: PrincipalType, id: &PrincipalId) -> Option<String> {
    match kind {
        PrincipalType::User => index
            .user(&UserId(id.0.clone()))
            .map(|u| u.user_name.clone()),
        PrincipalType::Group => index
            .group(&GroupId(id.0.clone()))
            .map(|g| g.display_name.clone()),
    }
}

fn principal_name(index: &AccessIndex<'_>, kind: PrincipalType, id: &PrincipalId) -> String {
    resolved_name(index, kind, id).unwrap_or_else(|| format!("⚠ orphan {id}"))
}

/// One line per assignment: account and permission set, opening the account.
fn assignment_links<'s>(
    index: &AccessIndex<'_>,
    assignments: impl IntoIterator<Item = &'s AccountAssignment>,
    b: &mut Builder,
) {
    for a in assignments {
        b.link(
            format!(
                "  {:<28} {}",
                account_name(index, &a.account_id),
                ps_name(index, &a.permission_set_arn)
            ),
            Entity::Account(a.account_id.clone()),
        );
    }
}

fn via_text(index: &AccessIndex<'_>, via: &[Via<'_>]) -> String {
    via.iter()
        .map(|v| match v {
            Via::Direct => "direct".to_owned(),
            Via::Group(g) => format!(
                "via {}",
                index
                    .group(g)
                    .map(|g| g.display_name.as_str())
                    .unwrap_or(g.as_str())
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn user(index: &AccessIndex<'_>, id: &UserId, b: &mut Builder) -> String {
    let Some(user) = index.user(id) else {
        b.warn(format!("⚠ user {id} is not in this snapshot"));
        return id.to_string();
    };
    let display = user.display_name.clone().unwrap_or_default();
    b.title(format!("{display} · {}", user.user_name));
    b.dim(format!("user id      {}", user.user_id));
    if let Some(status) = &user.status {
        b.line(format!("status       {status}"));
    }
    for email in &user.emails {
        let primary = if email.primary { " (primary)" } else { "" };
        b.line(format!("email        {}{primary}", email.value));
    }
    b.external_ids(&user.external_ids);
    let groups: Vec<_> = index.groups_of(id).collect();
    b.heading(format!("GROUPS ({})", groups.len()));
    for g in &groups {
        b.link(
            format!("  {}", g.display_name),
            Entity::Group(g.group_id.clone()),
        );
    }
    let access = index.effective_access(id);
    b.heading(format!("EFFECTIVE ACCESS ({})", access.len()));
    if access.is_empty() {
        b.warn("  no account access");
    }
    for grant in &access {
        b.link(
            format!(
                "  {:<28} {:<26} {}",
                account_name(index, grant.account_id),
                ps_name(index, grant.permission_set_arn),
                via_text(index, &grant.via)
            ),
            Entity::Account(grant.account_id.clone()),
        );
    }
    applications_of(index, PrincipalType::User, &PrincipalId(id.0.clone()), b);
    user.user_name.clone()
}

fn applications_of(
    index: &AccessIndex<'_>,
    kind: PrincipalType,
    id: &PrincipalId,
    b: &mut Builder,
) {
    let apps: Vec<_> = index
        .snapshot()
        .application_assignments
        .iter()
        .filter(|a| a.principal_type == kind && a.principal_id == *id)
        .collect();
    if apps.is_empty() {
        return;
    }
    b.heading(format!("APPLICATIONS ({})", apps.len()));
    for a in apps {
        let name = index
            .application(&a.application_arn)
            .map(|app| app.name.clone())
            .unwrap_or_else(|| a.application_arn.to_string());
        b.link(
            format!("  {name}"),
            Entity::Application(a.application_arn.clone()),
        );
    }
}

fn group(index: &AccessIndex<'_>, id: &GroupId, b: &mut Builder) -> String {
    let Some(group) = index.group(id) else {
        b.warn(format!("⚠ group {id} is not in this snapshot"));
        return id.to_string();
    };
    b.title(group.display_name.clone());
    b.dim(format!("group id     {}", group.group_id));
    if let Some(description) = &group.description {
        b.line(format!("description  {description}"));
    }
    b.external_ids(&group.external_ids);
    let members: Vec<_> = index.members_of(id).collect();
    b.heading(format!("MEMBERS ({})", members.len()));
    for u in &members {
        b.link(
            format!(
                "  {:<40} {}",
                u.user_name,
                u.display_name.as_deref().unwrap_or_default()
            ),
            Entity::User(u.user_id.clone()),
        );
    }
    let assignments: Vec<_> = index.assignments_of_group(id).collect();
    b.heading(format!("ASSIGNMENTS ({})", assignments.len()));
    if assignments.is_empty() {
        b.warn("  no account access");
    }
    assignment_links(index, assignments, b);
    applications_of(index, PrincipalType::Group, &PrincipalId(id.0.clone()), b);
    group.display_name.clone()
}

fn permission_set(index: &AccessIndex<'_>, arn: &PermissionSetArn, b: &mut Builder) -> String {
    let Some(ps) = index.permission_set(arn) else {
        b.warn(format!("⚠ permission set {arn} is not in this snapshot"));
        return arn.to_string();
    };
    b.title(ps.name.clone());
    b.dim(format!("arn          {}", ps.permission_set_arn));
    if let Some(d) = &ps.description {
        b.line(format!("description  {d}"));
    }
    if let Some(s) = &ps.session_duration {
        b.line(format!(
            "session      {} ({s})",
            crate::humanize::iso_duration(s)
        ));
    }
    if let Some(r) = &ps.relay_state {
        b.line(format!("relay state  {r}"));
    }
    for tag in &ps.tags {
        b.line(format!("tag          {} = {}", tag.key, tag.value));
    }
    b.heading("POLICIES");
    for p in &ps.managed_policies {
        b.line(format!("  AWS managed       {}", p.arn));
    }
    for p in &ps.customer_managed_policies {
        b.line(format!("  customer managed  {}{}", p.path, p.name));
    }
    match &ps.permissions_boundary {
        Some(PermissionsBoundary::ManagedPolicy { arn }) => {
            b.line(format!("  boundary          {arn}"))
        }
        Some(PermissionsBoundary::CustomerManagedPolicy { name, path }) => {
            b.line(format!("  boundary          {path}{name}"))
        }
        None => {}
    }
    if let Some(inline) = &ps.inline_policy {
        b.line("  inline policy:");
        let pretty = serde_json::from_str::<serde_json::Value>(inline)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or_else(|_| inline.clone());
        for line in pretty.lines() {
            b.dim(format!("    {line}"));
        }
    }
    let assignments: Vec<_> = index
        .snapshot()
        .account_assignments
        .iter()
        .filter(|a| a.permission_set_arn == *arn)
        .collect();
    b.heading(format!(
        "ASSIGNED ({} assignments in {} provisioned accounts)",
        assignments.len(),
        ps.provisioned_account_ids.len()
    ));
    for a in assignments {
        b.link(
            format!(
                "  {:<28} {:<5} {}",
                account_name(index, &a.account_id),
                a.principal_type,
                principal_name(index, a.principal_type, &a.principal_id)
            ),
            Entity::Principal(a.principal_type, a.principal_id.clone()),
        );
    }
    ps.name.clone()
}

fn account(index: &AccessIndex<'_>, id: &AccountId, b: &mut Builder) -> String {
    let name = account_name(index, id);
    b.title(format!("{name} · {id}"));
    if let Some(account) = index.account(id) {
        if let Some(email) = &account.email {
            b.line(format!("email        {email}"));
        }
        if let Some(status) = &account.status {
            b.line(format!("status       {status}"));
        }
    }
    let reach = index.who_can_reach(id);
    b.heading(format!("WHO CAN REACH IT ({})", reach.len()));
    for r in &reach {
        b.link(
            format!(
                "  {:<36} {:<26} {}",
                r.user.user_name,
                ps_name(index, r.permission_set_arn),
                via_text(index, &r.via)
            ),
            Entity::User(r.user.user_id.clone()),
        );
    }
    let orphans: Vec<_> = index
        .assignments_in_account(id)
        .filter(|a| resolved_name(index, a.principal_type, &a.principal_id).is_none())
        .collect();
    if !orphans.is_empty() {
        b.heading(format!("ORPHANED ASSIGNMENTS ({})", orphans.len()));
        for a in orphans {
            b.push(
                Tone::Warning,
                format!(
                    "  ⚠ {:<5} {} → {}",
                    a.principal_type,
                    a.principal_id,
                    ps_name(index, &a.permission_set_arn)
                ),
                Some(Entity::Principal(a.principal_type, a.principal_id.clone())),
            );
        }
    }
    name
}

fn application(index: &AccessIndex<'_>, arn: &ApplicationArn, b: &mut Builder) -> String {
    let name = index
        .application(arn)
        .map(|a| a.name.clone())
        .unwrap_or_else(|| arn.to_string());
    b.title(name.clone());
    b.dim(format!("arn          {arn}"));
    if let Some(app) = index.application(arn) {
        if let Some(status) = &app.status {
            b.line(format!("status       {status}"));
        }
        if let Some(provider) = &app.provider {
            b.line(format!("provider     {provider}"));
        }
    }
    let assigned: Vec<_> = index
        .snapshot()
        .application_assignments
        .iter()
        .filter(|a| a.application_arn == *arn)
        .collect();
    b.heading(format!("ASSIGNED ({})", assigned.len()));
    for a in assigned {
        b.link(
            format!(
                "  {:<5} {}",
                a.principal_type,
                principal_name(index, a.principal_type, &a.principal_id)
            ),
            Entity::Principal(a.principal_type, a.principal_id.clone()),
        );
    }
    name
}

fn orphan(
    index: &AccessIndex<'_>,
    kind: PrincipalType,
    id: &PrincipalId,
    b: &mut Builder,
) -> String {
    b.title(format!("⚠ orphaned {kind} {id}"));
    b.warn("This principal id resolves to no user or group: it was deleted (or recreated with a new id).");
    b.warn("Its assignments grant nobody access. Map it to its successor, or clean them up.");
    let assignments: Vec<_> = index
        .snapshot()
        .account_assignments
        .iter()
        .filter(|a| a.principal_type == kind && a.principal_id == *id)
        .collect();
    b.heading(format!("ASSIGNMENTS ({})", assignments.len()));
    assignment_links(index, assignments, b);
    format!("orphan {id}")
}
