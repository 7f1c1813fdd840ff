//! `cutover instances` and `cutover duplicates` as a table (for a terminal), CSV or JSON.
//!
//! Account, instance, application and user names come from customers' directories and are
//! hostile by assumption: every name that reaches a table passes through [`table_cell`], every
//! CSV cell through [`csv_cell`] (both `crate::text`).

use super::duplicates::DuplicatePerson;
use super::Inventory;

/// A name for a terminal table: the project's one rule (`crate::text::inert`).
pub fn table_cell(text: &str) -> String {
    crate::text::inert(text).into_owned()
}

/// A name for a CSV cell: inert, and never a formula (`crate::text::csv_cell`).
pub fn csv_cell(text: &str) -> String {
    crate::text::csv_cell(text).into_owned()
}

fn or_dash(value: Option<String>) -> String {
    value.unwrap_or_else(|| "-".to_owned())
}

/// Columns padded to their widest cell (counted in characters), two spaces apart.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if index < last {
                let pad = width - cell.chars().count() + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).expect("writing to memory");
    for row in rows {
        writer.write_record(row).expect("writing to memory");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory")).expect("UTF-8 cells")
}

const INSTANCE_COLUMNS: [&str; 12] = [
    "owner_account_id",
    "owner_account_name",
    "kind",
    "region",
    "instance_arn",
    "identity_store_id",
    "status",
    "created_at",
    "users",
    "groups",
    "applications",
    "problems",
];

fn instance_rows(inventory: &Inventory, cell: fn(&str) -> String) -> Vec<Vec<String>> {
    inventory
        .instances
        .iter()
        .map(|i| {
            vec![
                i.owner_account_id.clone(),
                or_dash(i.owner_account_name.as_deref().map(cell)),
                i.kind.label().to_owned(),
                i.region.clone(),
                i.instance_arn.clone(),
                i.identity_store_id.clone(),
                or_dash(i.status.as_deref().map(cell)),
                or_dash(i.created_at.map(|t| t.format("%Y-%m-%d").to_string())),
                or_dash(i.users.map(|n| n.to_string())),
                or_dash(i.groups.map(|n| n.to_string())),
                match &i.applications {
                    None => "?".to_owned(),
                    Some(apps) if apps.is_empty() => "-".to_owned(),
                    Some(apps) => apps.iter().map(|a| cell(a)).collect::<Vec<_>>().join("; "),
                },
                i.problems
                    .iter()
                    .map(|p| cell(p))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect()
}

const UNREADABLE_COLUMNS: [&str; 4] = ["account_id", "account_name", "region", "reason"];

fn unreadable_rows(inventory: &Inventory, cell: fn(&str) -> String) -> Vec<Vec<String>> {
    inventory
        .unreadable
        .iter()
        .map(|u| {
            vec![
                u.account_id.clone(),
                or_dash(u.account_name.as_deref().map(cell)),
                u.region.clone().unwrap_or_else(|| "all".to_owned()),
                cell(&u.reason),
            ]
        })
        .collect()
}

/// The inventory for a terminal: the instances, then the accounts that could not be read.
pub fn instances_table(inventory: &Inventory) -> String {
    let mut out = format!(
        "{} instance{} in {} account{} scanned ({}), as {}{}\n\n",
        inventory.instances.len(),
        if inventory.instances.len() == 1 {
            ""
        } else {
            "s"
        },
        inventory.accounts_scanned,
        if inventory.accounts_scanned == 1 {
            ""
        } else {
            "s"
        },
        inventory.regions.join(", "),
        inventory.caller_account_id,
        inventory
            .management_account_id
            .as_deref()
            .map(|m| format!("; management account {m}"))
            .unwrap_or_default(),
    );
    out.push_str(&table(
        &INSTANCE_COLUMNS,
        &instance_rows(inventory, table_cell),
    ));
    if !inventory.unreadable.is_empty() {
        out.push_str(&format!(
            "\n{} account{} could not be read:\n",
            inventory.unreadable.len(),
            if inventory.unreadable.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
        out.push_str(&table(
            &UNREADABLE_COLUMNS,
            &unreadable_rows(inventory, table_cell),
        ));
    }
    out
}

/// One CSV row per instance, then one per unreadable account (its `problems` column says why;
/// the instance columns are empty), so one file holds the whole scan.
pub fn instances_csv(inventory: &Inventory) -> String {
    let mut rows = instance_rows(inventory, csv_cell);
    for u in &inventory.unreadable {
        let mut row = vec![String::new(); INSTANCE_COLUMNS.len()];
        row[0] = u.account_id.clone();
        row[1] = u.account_name.as_deref().map(csv_cell).unwrap_or_default();
        row[3] = u.region.clone().unwrap_or_else(|| "all".to_owned());
        row[11] = format!("unreadable: {}", csv_cell(&u.reason));
        rows.push(row);
    }
    csv(&INSTANCE_COLUMNS, &rows)
}

pub fn instances_json(inventory: &Inventory) -> String {
    let mut text = serde_json::to_string_pretty(inventory).expect("the inventory serializes");
    text.push('\n');
    crate::text::json(text)
}

const DUPLICATE_COLUMNS: [&str; 11] = [
    "person",
    "matched_by",
    "instances",
    "instance_arn",
    "identity_store_id",
    "owner_account_id",
    "user_id",
    "user_name",
    "email",
    "account_assignments",
    "application_assignments",
];

fn duplicate_rows(people: &[DuplicatePerson], cell: fn(&str) -> String) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for person in people {
        let matched: Vec<&str> = person.matched_by.iter().map(|m| m.label()).collect();
        for a in &person.appearances {
            rows.push(vec![
                cell(&person.key),
                matched.join("+"),
                person.instances().to_string(),
                a.instance_arn.clone(),
                a.identity_store_id.clone(),
                a.owner_account_id.clone().unwrap_or_default(),
                a.user_id.clone(),
                cell(&a.user_name),
                a.email.as_deref().map(cell).unwrap_or_default(),
                a.account_assignments.to_string(),
                a.application_assignments.to_string(),
            ]);
        }
    }
    rows
}

pub fn duplicates_table(people: &[DuplicatePerson], instances: usize) -> String {
    let holding = people
        .iter()
        .filter(|p| p.appearances.iter().filter(|a| a.holds_access()).count() > 1)
        .count();
    let mut out = format!(
        "{} {} in more than one of {} instance{} ({} hold access in more than one)\n\n",
        people.len(),
        if people.len() == 1 {
            "person is"
        } else {
            "people are"
        },
        instances,
        if instances == 1 { "" } else { "s" },
        holding
    );
    if people.is_empty() {
        return out;
    }
    out.push_str(&table(
        &DUPLICATE_COLUMNS,
        &duplicate_rows(people, table_cell),
    ));
    out
}

pub fn duplicates_csv(people: &[DuplicatePerson]) -> String {
    csv(&DUPLICATE_COLUMNS, &duplicate_rows(people, csv_cell))
}

pub fn duplicates_json(people: &[DuplicatePerson]) -> String {
    let mut text = serde_json::to_string_pretty(people).expect("duplicates serialize");
    text.push('\n');
    crate::text::json(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{InstanceKind, InstanceRecord, UnreadableAccount};

    fn inventory() -> Inventory {
        Inventory {
            scanned_at: crate::fixture::captured_at(),
            caller_account_id: "111111111111".into(),
            management_account_id: Some("111111111111".into()),
            regions: vec!["eu-west-1".into()],
            accounts_scanned: 3,
            instances: vec![InstanceRecord {
                owner_account_id: "222222222222".into(),
                owner_account_name: Some("sandbox\u{1b}[31m".into()),
                kind: InstanceKind::Account,
                region: "eu-west-1".into(),
                instance_arn: "arn:aws:sso:::instance/ssoins-2".into(),
                identity_store_id: "d-2".into(),
                name: None,
                status: Some("ACTIVE".into()),
                created_at: Some(crate::fixture::captured_at()),
                users: Some(12),
                groups: Some(3),
                applications: Some(vec!["=HYPERLINK(\"x\")".into()]),
                problems: Vec::new(),
            }],
            unreadable: vec![UnreadableAccount {
                account_id: "333333333333".into(),
                account_name: Some("legacy".into()),
                region: None,
                reason: "sts:AssumeRole: AccessDenied".into(),
            }],
        }
    }

    #[test]
    fn names_reach_a_terminal_and_a_spreadsheet_inert() {
        let table = instances_table(&inventory());
        assert!(!table.contains('\u{1b}'), "{table}");
        assert!(table.contains("sandbox\\u{1b}[31m"), "{table}");
        assert!(table.contains("333333333333  legacy"), "{table}");
        let csv = instances_csv(&inventory());
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        assert!(
            csv.contains("unreadable: sts:AssumeRole: AccessDenied"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 3);
        let json: serde_json::Value = serde_json::from_str(&instances_json(&inventory())).unwrap();
        assert_eq!(json["instances"][0]["users"], 12);
        assert_eq!(
            json["unreadable"][0]["reason"],
            "sts:AssumeRole: AccessDenied"
        );
    }

    #[test]
    fn table_columns_line_up() {
        let out = table(
            &["a", "bb"],
            &[vec!["xyz".into(), "1".into()], vec!["é".into(), "2".into()]],
        );
        assert_eq!(out, "a    bb\nxyz  1\né    2\n");
    }
}
