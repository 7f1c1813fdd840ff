//! The mapping file: CSV with a header row.
//!
//! ```text
//! principal_type,old_id,new_id,old_name,new_name,method,note
//! USER,90670a1b2c-1111,90670a1b2c-2222,ana.chen@old-corp.example,ana.chen@new-corp.example,external_id,
//! GROUP,90670a1b2c-3333,,aws-legacy-admins,,manual,retired with the old tenant
//! ```
//!
//! `principal_type`, `old_id` and `new_id` are required; an empty `new_id` means "no successor".
//! Ids are the source of truth; `old_name`, `new_name`, `method` and `note` are for humans and
//! are ignored when reading (except `method` and `note`, which are kept and written back).
//! Rows are written sorted by type and old id so that the file diffs well between saves.

use super::{Decision, Entry, Mapping};
use crate::model::{PrincipalId, PrincipalType, Snapshot};
use crate::text::{csv_cell, csv_cell_read, Inert};
use std::collections::HashMap;
use std::fmt;

const REQUIRED_COLUMNS: [&str; 3] = ["principal_type", "old_id", "new_id"];
const OPTIONAL_COLUMNS: [&str; 4] = ["old_name", "new_name", "method", "note"];
/// How many problems one error message lists before saying "and N more".
const MAX_LISTED_PROBLEMS: usize = 20;

/// Every problem found in a mapping file, each with its line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingFileError {
    pub problems: Vec<Problem>,
}

/// One problem: the 1-based line of the file (the header is line 1) and what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<u64>,
    pub message: String,
}

impl fmt::Display for MappingFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_problems(f, "the mapping file", &self.problems)
    }
}

/// Every problem of a CSV input file with its line, at most [`MAX_LISTED_PROBLEMS`] of them.
pub(super) fn write_problems(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    problems: &[Problem],
) -> fmt::Result {
    let count = problems.len();
    writeln!(
        f,
        "{what} has {count} problem{}; fix {} and load it again:",
        if count == 1 { "" } else { "s" },
        if count == 1 { "it" } else { "them" }
    )?;
    for problem in problems.iter().take(MAX_LISTED_PROBLEMS) {
        match problem.line {
            Some(line) => writeln!(f, "  line {line}: {}", Inert(&problem.message))?,
            None => writeln!(f, "  {}", Inert(&problem.message))?,
        }
    }
    if count > MAX_LISTED_PROBLEMS {
        writeln!(f, "  … and {} more", count - MAX_LISTED_PROBLEMS)?;
    }
    Ok(())
}

impl std::error::Error for MappingFileError {}

/// The principals a snapshot knows, by id: type and a human name.
pub struct Directory<'s> {
    principals: HashMap<&'s str, (PrincipalType, &'s str)>,
}

impl<'s> Directory<'s> {
    /// Users and groups of `snapshot`, plus the principal ids its assignments name that resolve
    /// to nothing (deleted principals: their access can still be handed to a successor).
    pub fn of(snapshot: &'s Snapshot) -> Self {
        let mut principals = HashMap::with_capacity(snapshot.users.len() + snapshot.groups.len());
        for user in &snapshot.users {
            principals.insert(
                user.user_id.as_str(),
                (PrincipalType::User, user.user_name.as_str()),
            );
        }
        for group in &snapshot.groups {
            principals.insert(
                group.group_id.as_str(),
                (PrincipalType::Group, group.display_name.as_str()),
            );
        }
        let assigned = snapshot
            .account_assignments
            .iter()
            .map(|a| (a.principal_type, a.principal_id.as_str()))
            .chain(
                snapshot
                    .application_assignments
                    .iter()
                    .map(|a| (a.principal_type, a.principal_id.as_str())),
            );
        for (principal_type, id) in assigned {
            principals.entry(id).or_insert((principal_type, ""));
        }
        Self { principals }
    }

    /// Only the users and groups that exist (successors must exist).
    pub fn existing(snapshot: &'s Snapshot) -> Self {
        let mut directory = Self::of(snapshot);
        directory.principals.retain(|_, (_, name)| !name.is_empty());
        directory
    }

    pub fn get(&self, id: &str) -> Option<(PrincipalType, &'s str)> {
        self.principals.get(id).copied()
    }

    pub fn name(&self, id: &str) -> &'s str {
        self.principals.get(id).map(|(_, name)| *name).unwrap_or("")
    }
}

/// Reads a mapping, checking every row against the baseline (old ids) and current (new ids).
pub fn parse(
    text: &str,
    baseline: &Snapshot,
    current: &Snapshot,
) -> Result<Mapping, MappingFileError> {
    let old = Directory::of(baseline);
    let new = Directory::existing(current);
    let mut problems = Vec::new();
    let mut mapping = Mapping::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    // Excel, Python's csv module and RFC 4180 end lines with CRLF; the reader's line numbers
    // are right for LF only.
    let text = crlf_to_lf(text);

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let columns = match reader.headers() {
        Ok(headers) => match Columns::from_header(headers) {
            Ok(columns) => columns,
            Err(message) => return Err(single(Some(1), message)),
        },
        Err(error) => return Err(single(Some(1), format!("unreadable header: {error}"))),
    };

    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| p.line());
                problems.push(Problem {
                    line,
                    message: format!("malformed row ({error}); every row needs the header's {} columns, quote values that contain commas", columns.width),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line());
        if record.iter().all(str::is_empty) {
            continue; // a row of commas, as spreadsheets write below the data
        }
        // Cells cutover wrote carry a `'` against spreadsheet formulas; it is not part of the value.
        let field =
            |index: Option<usize>| index.and_then(|i| record.get(i)).map_or("", csv_cell_read);
        let type_text = field(Some(columns.principal_type));
        let old_id = field(Some(columns.old_id));
        let new_id = field(Some(columns.new_id));
        let mut problem = |message: String| problems.push(Problem { line, message });

        let principal_type = match type_text {
            "USER" => PrincipalType::User,
            "GROUP" => PrincipalType::Group,
            other => {
                problem(format!(
                    "principal_type is {other:?}; it must be USER or GROUP"
                ));
                continue;
            }
        };
        if old_id.is_empty() {
            problem("old_id is empty; every row names the old principal's id".to_owned());
            continue;
        }
        if let Some(earlier) = first_line.get(old_id) {
            problem(format!(
                "old_id {old_id} is mapped again (first on line {earlier}); keep one row per old principal"
            ));
            continue;
        }
        first_line.insert(old_id.to_owned(), line.unwrap_or(0));
        match old.get(old_id) {
            None => {
                problem(format!(
                    "old_id {old_id} is not a user or group of the baseline snapshot; check the id (or the --baseline file)"
                ));
                continue;
            }
            Some((actual, _)) if actual != principal_type => {
                problem(format!(
                    "old_id {old_id} is a {actual} in the baseline but the row says {principal_type}; correct principal_type"
                ));
                continue;
            }
            Some(_) => {}
        }
        let decision = if new_id.is_empty() {
            Decision::NoSuccessor
        } else {
            match new.get(new_id) {
                None => {
                    problem(format!(
                        "new_id {new_id} is not a user or group of the current instance; check the id, or leave it empty for \"no successor\""
                    ));
                    continue;
                }
                Some((actual, _)) if actual != principal_type => {
                    problem(format!(
                        "new_id {new_id} is a {actual} but old_id {old_id} is a {principal_type}; a successor has the old principal's type"
                    ));
                    continue;
                }
                Some(_) => Decision::Successor(PrincipalId::from(new_id)),
            }
        };
        let optional = |index: Option<usize>| {
            let value = field(index);
            (!value.is_empty()).then(|| value.to_owned())
        };
        mapping.insert(
            PrincipalId::from(old_id),
            Entry {
                principal_type,
                decision,
                method: optional(columns.method),
                note: optional(columns.note),
            },
        );
    }

    if problems.is_empty() {
        Ok(mapping)
    } else {
        Err(MappingFileError { problems })
    }
}

/// Renders the mapping as CSV, sorted by type (users first) and old id, with names looked up in
/// the baseline and current snapshots.
pub fn render(mapping: &Mapping, baseline: &Snapshot, current: &Snapshot) -> String {
    let old = Directory::of(baseline);
    let new = Directory::of(current);
    let mut rows: Vec<(&PrincipalId, &Entry)> = mapping.iter().collect();
    rows.sort_by(|a, b| (a.1.principal_type, a.0).cmp(&(b.1.principal_type, b.0)));
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let header: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .chain(OPTIONAL_COLUMNS.iter())
        .copied()
        .collect();
    writer
        .write_record(&header)
        .expect("writing to memory cannot fail");
    for (old_id, entry) in rows {
        let (new_id, new_name) = match &entry.decision {
            Decision::Successor(id) => (id.as_str(), new.name(id.as_str())),
            Decision::NoSuccessor => ("", ""),
        };
        writer
            .write_record(
                [
                    entry.principal_type.as_str(),
                    old_id.as_str(),
                    new_id,
                    old.name(old_id.as_str()),
                    new_name,
                    entry.method.as_deref().unwrap_or(""),
                    entry.note.as_deref().unwrap_or(""),
                ]
                .map(|cell| csv_cell(cell).into_owned()),
            )
            .expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
        .expect("CSV of UTF-8 fields is UTF-8")
}

/// Column positions found in the header.
struct Columns {
    principal_type: usize,
    old_id: usize,
    new_id: usize,
    method: Option<usize>,
    note: Option<usize>,
    width: usize,
}

impl Columns {
    fn from_header(headers: &csv::StringRecord) -> Result<Self, String> {
        let position = |name: &str| headers.iter().position(|h| h == name);
        for (index, header) in headers.iter().enumerate() {
            if headers.iter().take(index).any(|earlier| earlier == header) {
                return Err(format!(
                    "column {:?} appears twice; keep one (a repeated column is ambiguous)",
                    Inert(header).to_string()
                ));
            }
            if !REQUIRED_COLUMNS.contains(&header) && !OPTIONAL_COLUMNS.contains(&header) {
                let semicolons = if header.contains(';') {
                    " (the file is separated by semicolons: save it from Excel as \"CSV UTF-8 (comma delimited)\")"
                } else {
                    ""
                };
                return Err(format!(
                    "unknown column {:?}; the columns are {} (required) and {} (optional){semicolons}",
                    Inert(header).to_string(),
                    REQUIRED_COLUMNS.join(","),
                    OPTIONAL_COLUMNS.join(",")
                ));
            }
        }
        let missing: Vec<&str> = REQUIRED_COLUMNS
            .iter()
            .copied()
            .filter(|name| position(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the header lacks {}; the first line must name the columns, e.g. principal_type,old_id,new_id",
                missing.join(", ")
            ));
        }
        Ok(Self {
            principal_type: position("principal_type").expect("checked above"),
            old_id: position("old_id").expect("checked above"),
            new_id: position("new_id").expect("checked above"),
            method: position("method"),
            note: position("note"),
            width: headers.len(),
        })
    }
}

/// The mapping file's bytes as text, or which line is not UTF-8 and what to do about it.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..valid].iter().filter(|&&b| b == b'\n').count();
        format!(
            "line {line} is not UTF-8 text (byte {} of the file); save it as \"CSV UTF-8\" (in Excel: Save As, CSV UTF-8)",
            valid + 1
        )
    })
}

fn crlf_to_lf(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn single(line: Option<u64>, message: String) -> MappingFileError {
    MappingFileError {
        problems: vec![Problem { line, message }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::demo::{demo_ground_truth, load_demo};

    fn demo_mapping() -> (Mapping, crate::fixture::demo::DemoOrg) {
        let org = load_demo();
        let truth = demo_ground_truth();
        let mut mapping = Mapping::new();
        for (old, new) in truth.user_successors.iter().take(50) {
            let decision = match new {
                Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
                None => Decision::NoSuccessor,
            };
            mapping.decide(
                PrincipalType::User,
                PrincipalId::from(old.as_str()),
                decision,
                Some("manual".into()),
            );
        }
        for (old, new) in truth.group_successors.iter().take(10) {
            let decision = match new {
                Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
                None => Decision::NoSuccessor,
            };
            mapping.decide(
                PrincipalType::Group,
                PrincipalId::from(old.as_str()),
                decision,
                None,
            );
        }
        (mapping, org)
    }

    #[test]
    fn render_then_parse_round_trips_and_is_sorted() {
        let (mut mapping, org) = demo_mapping();
        let old_id = mapping.iter().next().map(|(id, _)| id.clone()).unwrap();
        let mut entry = mapping.get(&old_id).unwrap().clone();
        entry.note = Some("checked with HR, \"Ana\", 2026-11-26".into());
        mapping.insert(old_id, entry);
        let text = render(&mapping, &org.baseline, &org.current);
        let parsed = parse(&text, &org.baseline, &org.current).unwrap();
        assert_eq!(parsed, mapping);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "principal_type,old_id,new_id,old_name,new_name,method,note"
        );
        assert_eq!(lines.len(), mapping.len() + 1);
        let keys: Vec<(&str, &str)> = lines[1..]
            .iter()
            .map(|l| {
                let mut fields = l.split(',');
                (fields.next().unwrap(), fields.next().unwrap())
            })
            .collect();
        let mut sorted = keys.clone();
        sorted.sort_by_key(|(t, id)| (*t != "USER", *id));
        assert_eq!(
            keys, sorted,
            "rows are sorted by type, users first, then id"
        );
        assert!(text.contains("@old-corp.example"), "old names are written");
    }

    #[test]
    fn only_the_required_columns_in_any_order_are_enough() {
        let org = load_demo();
        let truth = demo_ground_truth();
        let (old, new) = truth
            .user_successors
            .iter()
            .find_map(|(o, n)| n.as_ref().map(|n| (o, n)))
            .unwrap();
        let text = format!("new_id,principal_type,old_id\n{new},USER,{old}\n");
        let mapping = parse(&text, &org.baseline, &org.current).unwrap();
        assert_eq!(
            mapping.successor(&PrincipalId::from(old.as_str())),
            Some(&PrincipalId::from(new.as_str()))
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_a_fix() {
        let org = load_demo();
        let truth = demo_ground_truth();
        let user = truth.user_successors[0].0.as_str();
        let successor = truth
            .user_successors
            .iter()
            .find_map(|(_, n)| n.clone())
            .unwrap();
        let group = truth.group_successors[0].0.as_str();
        let new_group = truth
            .group_successors
            .iter()
            .find_map(|(_, n)| n.clone())
            .unwrap();
        let text = format!(
            "principal_type,old_id,new_id\n\
             USER,{user},{successor}\n\
             USER,{user},\n\
             ROLE,{user},\n\
             USER,no-such-id,\n\
             GROUP,{},\n\
             GROUP,{group},{successor}\n\
             USER,{},missing-new\n\
             USER,only-two-fields\n\
             GROUP,{},{new_group}\n",
            truth.user_successors[2].0, truth.user_successors[1].0, truth.group_successors[1].0
        );
        let error = parse(&text, &org.baseline, &org.current).unwrap_err();
        let lines: Vec<Option<u64>> = error.problems.iter().map(|p| p.line).collect();
        assert_eq!(
            lines,
            vec![
                Some(3),
                Some(4),
                Some(5),
                Some(6),
                Some(7),
                Some(8),
                Some(9)
            ]
        );
        let message = error.to_string();
        assert!(message.starts_with("the mapping file has 7 problems"));
        assert!(message.contains("line 3: old_id"), "{message}");
        assert!(message.contains("first on line 2"), "{message}");
        assert!(message.contains("must be USER or GROUP"), "{message}");
        assert!(
            message.contains("not a user or group of the baseline"),
            "{message}"
        );
        assert!(message.contains("is a USER in the baseline but the row says GROUP"));
        assert!(message.contains("a successor has the old principal's type"));
        assert!(message.contains("not a user or group of the current instance"));
        assert!(message.contains("malformed row"), "{message}");
    }

    #[test]
    fn header_problems_name_the_expected_columns() {
        let org = load_demo();
        let missing = parse("principal_type,old_id\n", &org.baseline, &org.current).unwrap_err();
        assert!(missing.to_string().contains("lacks new_id"));
        let typo = parse(
            "principal_type,old_id,new-id\n",
            &org.baseline,
            &org.current,
        )
        .unwrap_err();
        assert!(typo.to_string().contains("unknown column \"new-id\""));
        assert_eq!(typo.problems[0].line, Some(1));
    }
}
