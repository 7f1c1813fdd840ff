//! The doctor's report as text for a terminal. Everything AWS returned passes through
//! [`shown`] before it is printed.

use super::estimate::duration;
use super::{Budgets, Report, Verdict};
use crate::humanize::thousands;
use std::borrow::Cow;
use std::fmt::Write;

/// Text from AWS (ARNs, issuers, messages) as inert text: control and invisible characters
/// are shown, never sent to the terminal.
fn shown(text: &str) -> Cow<'_, str> {
    crate::text::inert(text)
}

pub fn render_text(report: &Report, budgets: &Budgets) -> String {
    let mut out = String::new();
    let mode = report.mode.name();
    let _ = writeln!(out, "cutover doctor, for mode {mode}\n");

    let _ = writeln!(out, "Caller");
    let _ = writeln!(out, "  identity  {}", shown(&report.caller.arn));
    let _ = writeln!(
        out,
        "  account   {}: {}",
        shown(&report.caller.account),
        report.standing.describe()
    );
    if let Some(management) = &report.management_account {
        if *management != report.caller.account {
            let _ = writeln!(out, "            management account: {}", shown(management));
        }
    }

    let _ = writeln!(out, "\nInstances visible in {}", shown(&report.region));
    if let Some(error) = &report.instances_error {
        let _ = writeln!(out, "  cannot list them: {}", shown(error));
    } else if report.instances.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for instance in &report.instances {
        let used = report
            .chosen_instance
            .as_ref()
            .is_some_and(|c| c.instance_arn == instance.instance_arn);
        let _ = writeln!(
            out,
            "  {} {}  identity store {}, owner {}{}",
            if used { "*" } else { " " },
            shown(&instance.instance_arn),
            shown(&instance.identity_store_id),
            shown(instance.owner_account_id.as_deref().unwrap_or("not given")),
            if used { "  (used)" } else { "" }
        );
    }
    if let Some(error) = &report.chosen_instance_error {
        let _ = writeln!(out, "  none is used: {}", shown(error));
    }

    let source = &report.identity_source;
    let _ = writeln!(out, "\nIdentity source");
    let kind = match source.kind {
        "external" => "probably an external identity provider or Active Directory",
        "identity-center-directory" => "probably the Identity Center directory",
        _ => "cannot be told",
    };
    let _ = writeln!(out, "  {kind}");
    let _ = writeln!(out, "  because  {}", shown(&source.evidence));
    let _ = writeln!(out, "  confirm  {}", source.how_to_confirm);

    let _ = writeln!(out, "\nPermissions");
    for line in &report.capabilities {
        let detail = match &line.verdict {
            Verdict::Allowed { how } => Cow::Borrowed(how.as_str()),
            Verdict::Denied { actions, detail } => {
                Cow::Owned(format!("{}: {}", actions.join(", "), detail))
            }
            Verdict::Unknown { why } => Cow::Borrowed(why.as_str()),
        };
        let mut detail = shown(&detail).into_owned();
        if line.need == "optional" && !matches!(line.verdict, Verdict::Allowed { .. }) {
            detail = format!("{detail}; without it {}", line.capability.without());
        }
        let _ = writeln!(
            out,
            "  {:<8} {:<26} {:<9} {}",
            line.verdict.word(),
            line.label,
            line.need,
            detail
        );
    }

    let _ = writeln!(out, "\nSize");
    let size = &report.size;
    let count = |c: Option<super::Count>| c.map_or("not read".to_owned(), |c| c.shown());
    let _ = writeln!(
        out,
        "  users {}, groups {}, permission sets {}, accounts {}",
        count(size.users),
        count(size.groups),
        count(size.permission_sets),
        count(size.accounts)
    );
    match &report.estimate {
        Some(estimate) => {
            let about = if estimate.at_least {
                "at least"
            } else {
                "about"
            };
            let _ = writeln!(
                out,
                "  {about} {} (account, permission set) pairs holding {about} {} assignments (from a sample)",
                thousands(estimate.pairs),
                thousands(estimate.assignments)
            );
            let _ = writeln!(
                out,
                "\nEstimates at {} requests/s to sso-admin, {} to identitystore, {} writes outstanding",
                budgets.sso_admin_rps, budgets.identitystore_rps, budgets.writes_outstanding
            );
            let _ = writeln!(
                out,
                "  export          {about} {} ({} sso-admin, {} identitystore, {} organizations calls)",
                duration(estimate.export_seconds),
                thousands(estimate.export_calls_sso_admin),
                thousands(estimate.export_calls_identitystore),
                thousands(estimate.export_calls_organizations)
            );
            let _ = writeln!(
                out,
                "  full migration  {about} {} to apply {} operations (every assignment created for its new principal, the old one deleted)",
                duration(estimate.apply_seconds),
                thousands(estimate.apply_operations)
            );
        }
        None => {
            let _ = writeln!(out, "  no estimate: the sizes could not be read");
        }
    }

    let _ = writeln!(out);
    if report.ready {
        let _ = writeln!(out, "Ready: everything mode {mode} requires is allowed.");
    } else {
        let _ = writeln!(out, "Not ready for mode {mode}:");
        if let Some(error) = &report.chosen_instance_error {
            let _ = writeln!(out, "  - no instance to use: {}", shown(error));
        }
        for blocker in &report.blockers {
            let _ = writeln!(out, "  - {}", shown(blocker));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(shown("a\u{1b}[2Kb"), "a\\u{1b}[2Kb");
        assert_eq!(shown("plain"), "plain");
    }
}
