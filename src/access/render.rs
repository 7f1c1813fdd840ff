//! The audit report as text: CSV for spreadsheets, JSON for scripts, Markdown for the auditor.
//!
//! **CSV.** The first table is the access rows, columns
//! `user_id,user_name,display_name,account_id,account_name,permission_set_arn,permission_set_name,via`,
//! with `via` joined by `"; "`. Extra sections, when asked for, follow as further tables in the
//! same file, each after an empty line and a title line (`# principals without access`,
//! `# orphaned assignments`), then its own header row. A spreadsheet shows them below the
//! access rows; a script that wants only the access rows stops at the first empty line.
//!
//! **JSON.** Without extra sections: an array of row objects (the [`AuditRow`] fields, `via` a
//! list, absent names `null`). With extra sections: an object with `access` (that array) and
//! `principals_without_access` / `orphaned_assignments` as asked for.
//!
//! **Markdown.** A title, the instance, the snapshot's capture time, the filter, counts, a
//! warning when the snapshot is incomplete, then one table per section.

use super::report::{AuditReport, AuditRow, NoAccessRow, OrphanRow};
use crate::text;
use chrono::SecondsFormat;
use serde::Serialize;
use std::fmt::Write as _;

const ACCESS_HEADER: [&str; 8] = [
    "user_id",
    "user_name",
    "display_name",
    "account_id",
    "account_name",
    "permission_set_arn",
    "permission_set_name",
    "via",
];
const NO_ACCESS_HEADER: [&str; 4] = ["principal_type", "principal_id", "name", "display_name"];
const ORPHAN_HEADER: [&str; 9] = [
    "assignment",
    "principal_type",
    "principal_id",
    "account_id",
    "account_name",
    "permission_set_arn",
    "permission_set_name",
    "application_arn",
    "application_name",
];
const NO_ACCESS_TITLE: &str = "principals without access";
const ORPHAN_TITLE: &str = "orphaned assignments";

// ---------------------------------------------------------------------------------------------
// CSV

/// The report as CSV; see the module documentation for the layout of extra sections.
pub fn to_csv(report: &AuditReport<'_>) -> String {
    let mut writer = csv_writer(&ACCESS_HEADER);
    let mut via = String::new();
    for r in &report.rows {
        join_into(&mut via, &r.via, "; ");
        write_csv(
            &mut writer,
            [
                &r.user_id,
                &r.user_name,
                opt(&r.display_name),
                &r.account_id,
                opt(&r.account_name),
                &r.permission_set_arn,
                &r.permission_set_name,
                &via,
            ],
        );
    }
    let mut out = finish_csv(writer);
    if let Some(rows) = &report.without_access {
        append_csv_section(&mut out, NO_ACCESS_TITLE, csv_no_access(rows));
    }
    if let Some(rows) = &report.orphans {
        append_csv_section(&mut out, ORPHAN_TITLE, csv_orphans(rows));
    }
    out
}

fn append_csv_section(out: &mut String, title: &str, table: String) {
    out.push('\n');
    out.push_str("# ");
    out.push_str(title);
    out.push('\n');
    out.push_str(&table);
}

fn csv_no_access(rows: &[NoAccessRow]) -> String {
    let mut writer = csv_writer(&NO_ACCESS_HEADER);
    for r in rows {
        write_csv(
            &mut writer,
            [
                r.principal_type.as_str(),
                &r.principal_id,
                &r.name,
                opt(&r.display_name),
            ],
        );
    }
    finish_csv(writer)
}

fn csv_orphans(rows: &[OrphanRow]) -> String {
    let mut writer = csv_writer(&ORPHAN_HEADER);
    for r in rows {
        write_csv(
            &mut writer,
            [
                r.assignment.as_str(),
                r.principal_type.as_str(),
                &r.principal_id,
                opt(&r.account_id),
                opt(&r.account_name),
                opt(&r.permission_set_arn),
                opt(&r.permission_set_name),
                opt(&r.application_arn),
                opt(&r.application_name),
            ],
        );
    }
    finish_csv(writer)
}

// Writing to memory fails only on a bug (a record of the wrong length), hence the `expect`s.

fn csv_writer(header: &[&str]) -> csv::Writer<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    write_csv(&mut writer, header);
    writer
}

/// Every cell through [`text::csv_cell`]: inert, and never a live spreadsheet formula.
fn write_csv<I>(writer: &mut csv::Writer<Vec<u8>>, record: I)
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    writer
        .write_record(
            record
                .into_iter()
                .map(|cell| text::csv_cell(cell.as_ref()).into_owned()),
        )
        .expect("CSV record to memory");
}

fn finish_csv(writer: csv::Writer<Vec<u8>>) -> String {
    let bytes = writer.into_inner().expect("CSV flush to memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8")
}

fn join_into<S: AsRef<str>>(out: &mut String, items: &[S], separator: &str) {
    out.clear();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(item.as_ref());
    }
}

fn opt<S: AsRef<str>>(value: &Option<S>) -> &str {
    value.as_ref().map_or("", |v| v.as_ref())
}

// ---------------------------------------------------------------------------------------------
// JSON

#[derive(Serialize)]
struct JsonWithSections<'a> {
    access: &'a [AuditRow<'a>],
    #[serde(skip_serializing_if = "Option::is_none")]
    principals_without_access: Option<&'a [NoAccessRow]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    orphaned_assignments: Option<&'a [OrphanRow]>,
}

/// The report as pretty JSON with a trailing newline; see the module documentation.
pub fn to_json(report: &AuditReport<'_>) -> String {
    let mut text = if report.without_access.is_none() && report.orphans.is_none() {
        serde_json::to_string_pretty(&report.rows)
    } else {
        serde_json::to_string_pretty(&JsonWithSections {
            access: &report.rows,
            principals_without_access: report.without_access.as_deref(),
            orphaned_assignments: report.orphans.as_deref(),
        })
    }
    .expect("report rows always serialize");
    text.push('\n');
    crate::text::json(text)
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// The report as a Markdown document; see the module documentation.
pub fn to_markdown(report: &AuditReport<'_>) -> String {
    let mut md = String::new();
    md.push_str("# IAM Identity Center access audit\n\n");
    write_summary(&mut md, report);
    write_warnings(&mut md, report);
    write_access(&mut md, &report.rows);
    if let Some(rows) = &report.without_access {
        write_no_access(&mut md, rows);
    }
    if let Some(rows) = &report.orphans {
        write_orphans(&mut md, rows);
    }
    md
}

fn write_summary(md: &mut String, report: &AuditReport<'_>) {
    let instance = &report.instance;
    let filter = if report.filter.is_empty() {
        "none (every user, account and permission set)".to_owned()
    } else {
        report
            .filter
            .terms()
            .iter()
            .map(|(what, value)| format!("{what} = {value}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let captured = report
        .captured_at
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut facts: Vec<(&str, String)> = vec![
        ("Instance", instance.instance_arn.clone()),
        ("Identity store", instance.identity_store_id.clone()),
    ];
    if let Some(region) = &instance.region {
        facts.push(("Region", region.clone()));
    }
    facts.extend([
        ("Snapshot captured at", captured),
        ("Filter", filter),
        ("Access rows", report.rows.len().to_string()),
        ("Users with access", report.distinct_users().to_string()),
        ("Accounts", report.distinct_accounts().to_string()),
        (
            "Permission sets",
            report.distinct_permission_sets().to_string(),
        ),
    ]);
    if let Some(rows) = &report.without_access {
        facts.push(("Principals without access", rows.len().to_string()));
    }
    if let Some(rows) = &report.orphans {
        facts.push(("Orphaned assignments", rows.len().to_string()));
    }
    write_header(md, &["Item", "Value"]);
    for (item, value) in &facts {
        write_row(md, [*item, value.as_str()]);
    }
    md.push('\n');
}

fn write_warnings(md: &mut String, report: &AuditReport<'_>) {
    if report.warnings.is_empty() {
        return;
    }
    md.push_str(
        "**The snapshot is incomplete.** These parts could not be read, so this report may miss access:\n\n",
    );
    for w in &report.warnings {
        let _ = writeln!(
            md,
            "- {} ({}): {}",
            inline(&w.affects),
            inline(&w.operation),
            inline(&w.message)
        );
    }
    md.push('\n');
}

fn write_access(md: &mut String, rows: &[AuditRow<'_>]) {
    md.push_str("## Access\n\n");
    md.push_str(
        "One row per user, account and permission set. *Via* says how the access is granted: \
         `direct` (an assignment names the user) or the name of each group whose assignment \
         covers the user. The CSV and JSON formats add user ids and permission set ARNs.\n\n",
    );
    if rows.is_empty() {
        md.push_str("No user has access that matches the filter.\n\n");
        return;
    }
    write_header(
        md,
        &[
            "User",
            "Display name",
            "Account",
            "Account ID",
            "Permission set",
            "Via",
        ],
    );
    let mut via = String::new();
    for r in rows {
        join_into(&mut via, &r.via, "; ");
        write_row(
            md,
            [
                &r.user_name,
                opt(&r.display_name),
                opt(&r.account_name),
                &r.account_id,
                name_or_id(&r.permission_set_name, &r.permission_set_arn),
                &via,
            ],
        );
    }
    md.push('\n');
}

fn write_no_access(md: &mut String, rows: &[NoAccessRow]) {
    md.push_str("## Principals without access\n\n");
    md.push_str(
        "Users who can reach no account and are assigned no application (directly or through a \
         group), and groups with no account or application assignment. This section covers \
         the whole instance; the filter does not apply.\n\n",
    );
    if rows.is_empty() {
        md.push_str("None.\n\n");
        return;
    }
    write_header(md, &["Type", "Name", "Display name", "ID"]);
    for r in rows {
        write_row(
            md,
            [
                r.principal_type.as_str(),
                &r.name,
                opt(&r.display_name),
                &r.principal_id,
            ],
        );
    }
    md.push('\n');
}

fn write_orphans(md: &mut String, rows: &[OrphanRow]) {
    md.push_str("## Orphaned assignments\n\n");
    md.push_str(
        "Assignments whose user or group no longer exists. They grant nothing and can be \
         deleted. This section covers the whole instance; the filter does not apply.\n\n",
    );
    if rows.is_empty() {
        md.push_str("None.\n\n");
        return;
    }
    write_header(
        md,
        &[
            "Assignment",
            "Principal type",
            "Principal ID",
            "Account",
            "Account ID",
            "Permission set",
            "Application",
        ],
    );
    for r in rows {
        write_row(
            md,
            [
                r.assignment.as_str(),
                r.principal_type.as_str(),
                &r.principal_id,
                opt(&r.account_name),
                opt(&r.account_id),
                name_or_id(opt(&r.permission_set_name), opt(&r.permission_set_arn)),
                name_or_id(opt(&r.application_name), opt(&r.application_arn)),
            ],
        );
    }
    md.push('\n');
}

/// A name for a person to read; the id when the snapshot has no name for it.
fn name_or_id<'a>(name: &'a str, id: &'a str) -> &'a str {
    if name.is_empty() {
        id
    } else {
        name
    }
}

fn write_header(md: &mut String, header: &[&str]) {
    write_row(md, header.iter().copied());
    md.push('|');
    for _ in header {
        md.push_str(" --- |");
    }
    md.push('\n');
}

fn write_row<'a>(md: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    md.push('|');
    for text in cells {
        md.push(' ');
        push_cell(md, text);
        md.push_str(" |");
    }
    md.push('\n');
}

/// Appends a name as text for a table cell: no markup, no HTML, no control character
/// ([`text::markdown`]).
fn push_cell(md: &mut String, cell: &str) {
    md.push_str(&text::markdown(cell.trim()));
}

/// Text for a list item outside tables, the same way.
fn inline(cell: &str) -> String {
    text::markdown(cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_backslashes_html_and_line_breaks() {
        let cell = |text: &str| {
            let mut out = String::new();
            push_cell(&mut out, text);
            out
        };
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(cell("two\nlines"), "two lines");
        assert_eq!(cell("<script>"), "&lt;script&gt;");
        assert_eq!(cell("  padded "), "padded");
    }

    #[test]
    fn rows_are_pipe_delimited() {
        let mut md = String::new();
        write_header(&mut md, &["A", "B"]);
        write_row(&mut md, ["x", ""]);
        assert_eq!(md, "| A | B |\n| --- | --- |\n| x |  |\n");
    }
}
