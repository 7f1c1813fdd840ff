//! The CSV of directory changes `cutover directory apply` reads (documented in
//! docs/directory-changes.md). One change per row; a header names the columns; an empty cell
//! leaves that attribute alone.

use super::fields::UserFields;
use super::plan::Change;
use std::collections::HashMap;

pub const COLUMNS: &[&str] = &[
    "action",
    "user",
    "group",
    "display_name",
    "given_name",
    "family_name",
    "middle_name",
    "emails",
    "phone_numbers",
    "nick_name",
    "title",
    "user_type",
    "preferred_language",
    "locale",
    "timezone",
    "profile_url",
    "website",
    "description",
    "new_name",
];

pub const ACTIONS: &[&str] = &[
    "create-user",
    "update-user",
    "delete-user",
    "create-group",
    "update-group",
    "delete-group",
    "add-member",
    "remove-member",
];

/// A change and the line it came from (the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub change: Change,
}

/// Every problem of the file, each with its line; nothing is planned from a file with any.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} problem{} in the changes file; fix and run again:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.join("\n"))]
pub struct ChangesFileError(pub Vec<String>);

pub fn parse(text: &str) -> Result<Vec<Row>, ChangesFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ChangesFileError(vec![format!("line 1: {e}")]))?
        .clone();
    let mut problems = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, header) in headers.iter().enumerate() {
        if !COLUMNS.contains(&header) {
            problems.push(format!(
                "line 1: unknown column {header:?} (columns: {})",
                COLUMNS.join(", ")
            ));
        } else if index.insert(header, i).is_some() {
            problems.push(format!("line 1: column {header:?} appears twice"));
        }
    }
    if !index.contains_key("action") {
        problems.push("line 1: the header needs an `action` column".to_owned());
    }
    if !problems.is_empty() {
        return Err(ChangesFileError(problems));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |name: &str| {
            index
                .get(name)
                .and_then(|&i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        match change(&cell) {
            Ok(change) => rows.push(Row { line, change }),
            Err(why) => problems.push(format!("line {line}: {why}")),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(ChangesFileError(problems))
    }
}

fn list(value: Option<String>) -> Option<Vec<String>> {
    value.map(|v| {
        v.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

fn change(cell: &dyn Fn(&str) -> Option<String>) -> Result<Change, String> {
    let action = cell("action").unwrap_or_default();
    let need = |name: &str| {
        cell(name).ok_or_else(|| format!("{action} needs a value in the `{name}` column"))
    };
    let fields = || UserFields {
        display_name: cell("display_name"),
        given_name: cell("given_name"),
        family_name: cell("family_name"),
        middle_name: cell("middle_name"),
        emails: list(cell("emails")),
        phone_numbers: list(cell("phone_numbers")),
        nick_name: cell("nick_name"),
        title: cell("title"),
        user_type: cell("user_type"),
        preferred_language: cell("preferred_language"),
        locale: cell("locale"),
        timezone: cell("timezone"),
        profile_url: cell("profile_url"),
        website: cell("website"),
    };
    Ok(match action.as_str() {
        "create-user" => Change::CreateUser {
            user_name: need("user")?,
            fields: fields(),
        },
        "update-user" => Change::UpdateUser {
            user: need("user")?,
            fields: fields(),
        },
        "delete-user" => Change::DeleteUser {
            user: need("user")?,
        },
        "create-group" => Change::CreateGroup {
            name: need("group")?,
            description: cell("description"),
        },
        "update-group" => Change::UpdateGroup {
            group: need("group")?,
            new_name: cell("new_name"),
            description: cell("description"),
        },
        "delete-group" => Change::DeleteGroup {
            group: need("group")?,
        },
        "add-member" => Change::AddMember {
            group: need("group")?,
            user: need("user")?,
        },
        "remove-member" => Change::RemoveMember {
            group: need("group")?,
            user: need("user")?,
        },
        other => {
            return Err(format!(
                "unknown action {other:?} (one of {})",
                ACTIONS.join(", ")
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_changes_and_every_problem_is_listed_with_its_line() {
        let text = "action,user,group,display_name,emails,description\n\
                    create-user,ana,,Ana Chen,ana@example.com; a@example.com,\n\
                    add-member,ana,ops,,,\n\
                    ,,,,,\n\
                    create-group,,ops,,,on call\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].line, 3);
        match &rows[0].change {
            Change::CreateUser { user_name, fields } => {
                assert_eq!(user_name, "ana");
                assert_eq!(
                    fields.emails.as_deref(),
                    Some(&["ana@example.com".to_owned(), "a@example.com".to_owned()][..])
                );
            }
            other => panic!("{other:?}"),
        }
        let bad = "action,user,colour\nfly,x,red\n";
        let error = parse(bad).unwrap_err();
        assert!(error.0[0].contains("colour"));
        let bad = "action,user,group\nfly,x,\nadd-member,x,\n";
        let error = parse(bad).unwrap_err();
        assert_eq!(error.0.len(), 2);
        assert!(error.0[0].starts_with("line 2: unknown action"));
        assert!(error.0[1].contains("line 3") && error.0[1].contains("`group`"));
    }
}
