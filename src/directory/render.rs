//! Every line the directory commands print or write that carries a name from the customer's
//! IdP. Names are hostile: they pass through [`shown`] (terminal) or [`cell`] (CSV) and nowhere
//! else, so that switching both to the shared inert-text module is a one-line change each.

use super::check::CheckReport;
use super::plan::{DirectoryPlan, Ref, Settled, Step};
use std::borrow::Cow;
use std::fmt::Write as _;

/// A name as the terminal shows it: control characters (escape sequences, line breaks, bidi
/// overrides) are written as `\u{..}` escapes instead of being interpreted.
pub fn shown(name: &str) -> Cow<'_, str> {
    let hostile = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if name.chars().any(hostile) {
        Cow::Owned(
            name.chars()
                .map(|c| {
                    if hostile(c) {
                        c.escape_unicode().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(name)
    }
}

/// A name as a CSV cell: what [`shown`] makes of it, and a leading `=`, `+`, `-` or `@`
/// quoted so that a spreadsheet does not run it as a formula.
pub fn cell(name: &str) -> String {
    let name = shown(name);
    if name.starts_with(['=', '+', '-', '@']) {
        format!("'{name}")
    } else {
        name.into_owned()
    }
}

fn reference<Id: std::fmt::Display>(r: &Ref<Id>) -> String {
    match r {
        Ref::Existing { id, name } => format!("{} ({id})", shown(name)),
        Ref::New { name } => format!("{} (new)", shown(name)),
    }
}

/// One line per request.
pub fn step(step: &Step) -> String {
    match step {
        Step::CreateUser(spec) => format!(
            "create user {}{}",
            shown(&spec.user_name),
            spec.display_name
                .as_deref()
                .map(|d| format!(" ({})", shown(d)))
                .unwrap_or_default()
        ),
        Step::UpdateUser {
            user_id,
            user_name,
            updates,
        } => format!(
            "update user {} ({user_id}): {}",
            shown(user_name),
            updates
                .iter()
                .map(|u| match &u.value {
                    Some(v) => format!("{} = {}", u.path, shown(&v.to_string())),
                    None => format!("{} removed", u.path),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Step::DeleteUser { user_id, user_name } => {
            format!("delete user {} ({user_id})", shown(user_name))
        }
        Step::CreateGroup(spec) => format!("create group {}", shown(&spec.display_name)),
        Step::UpdateGroup {
            group_id,
            name,
            updates,
        } => format!(
            "update group {} ({group_id}): {}",
            shown(name),
            updates
                .iter()
                .map(|u| format!(
                    "{} = {}",
                    u.path,
                    shown(&u.value.as_ref().map(|v| v.to_string()).unwrap_or_default())
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Step::DeleteGroup { group_id, name } => {
            format!("delete group {} ({group_id})", shown(name))
        }
        Step::AddMember { group, user } => {
            format!("add {} to group {}", reference(user), reference(group))
        }
        Step::RemoveMember { group, user, .. } => {
            format!("remove {} from group {}", shown(user), shown(group))
        }
    }
}

/// The dry run: every change, in order, with what it needs (`lines` names each change as its
/// source does, e.g. `line 4`).
pub fn plan(plan: &DirectoryPlan, label: &dyn Fn(usize) -> String) -> String {
    let mut out = String::new();
    for item in &plan.items {
        let text = match &item.outcome {
            Ok(s) => format!("will    {}", step(s)),
            Err(Settled::AlreadyDone(why)) => format!("done    {}", shown(why)),
            Err(Settled::Refused(why)) => format!("REFUSED {}", shown(why)),
        };
        let _ = writeln!(out, "{:<8} {text}", label(item.change));
    }
    let steps = plan.steps().count();
    let refused = plan.refused().count();
    let _ = writeln!(
        out,
        "\n{steps} request{} to send, {} already done, {refused} refused.",
        if steps == 1 { "" } else { "s" },
        plan.already_done()
    );
    out
}

/// The provisioning check as a table.
pub fn check_table(report: &CheckReport) -> String {
    let mut out = String::new();
    let mut section = |title: &str, items: &[String]| {
        let _ = writeln!(out, "{title}: {}", items.len());
        for item in items {
            let _ = writeln!(out, "  {}", shown(item));
        }
    };
    section("Missing users", &report.missing_users);
    section("Missing groups", &report.missing_groups);
    section("Unexpected users", &report.unexpected_users);
    section("Unexpected groups", &report.unexpected_groups);
    let _ = writeln!(
        out,
        "Groups whose members differ: {}",
        report.groups_differing.len()
    );
    for g in &report.groups_differing {
        let _ = writeln!(out, "  {} ({})", shown(&g.group), g.group_id);
        for m in &g.missing_members {
            let _ = writeln!(out, "    missing     {}", shown(m));
        }
        for m in &g.unexpected_members {
            let _ = writeln!(out, "    unexpected  {}", shown(m));
        }
    }
    out
}

/// The provisioning check as CSV: `kind,name,group`.
pub fn check_csv(report: &CheckReport) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["finding", "name", "group"]);
    let mut row = |finding: &str, name: &str, group: &str| {
        let _ = writer.write_record([finding, &cell(name), &cell(group)]);
    };
    for u in &report.missing_users {
        row("missing_user", u, "");
    }
    for g in &report.missing_groups {
        row("missing_group", "", g);
    }
    for u in &report.unexpected_users {
        row("unexpected_user", u, "");
    }
    for g in &report.unexpected_groups {
        row("unexpected_group", "", g);
    }
    for g in &report.groups_differing {
        for m in &g.missing_members {
            row("missing_member", m, &g.group);
        }
        for m in &g.unexpected_members {
            row("unexpected_member", m, &g.group);
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_inert() {
        assert_eq!(shown("ana"), "ana");
        assert_eq!(shown("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(shown("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
