//! The account map: for moves between organizations, where every account has a new id. CSV with
//! a header row, one row per old account:
//!
//! ```text
//! old_account_id,new_account_id,note
//! 111111111111,555555555555,payments prod
//! ```
//!
//! `old_account_id` and `new_account_id` are required; other columns are for humans. Validated
//! like the mapping file: every problem is reported with its line number and what to fix.

use super::file::{write_problems, Problem};
use crate::model::{AccountId, Snapshot};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Every problem found in an account map, each with its line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountMapError {
    pub problems: Vec<Problem>,
}

impl std::fmt::Display for AccountMapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_problems(f, "the account map", &self.problems)
    }
}

impl std::error::Error for AccountMapError {}

/// Old account id → new account id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountMap {
    /// Keyed by the old id's text: the planner looks every baseline assignment up by `&str`.
    entries: BTreeMap<String, AccountId>,
}

impl AccountMap {
    /// The account an old account id stands for in current: its mapped id, or itself.
    pub fn translate<'a>(&'a self, old: &'a str) -> &'a str {
        self.entries.get(old).map_or(old, |new| new.as_str())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &AccountId)> {
        self.entries.iter().map(|(old, new)| (old.as_str(), new))
    }
}

impl FromIterator<(AccountId, AccountId)> for AccountMap {
    fn from_iter<T: IntoIterator<Item = (AccountId, AccountId)>>(iter: T) -> Self {
        AccountMap {
            entries: iter.into_iter().map(|(old, new)| (old.0, new)).collect(),
        }
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Reads an account map. Old ids must be accounts the baseline knows (its accounts, or the
/// accounts its assignments name); new ids must be accounts of current when current lists its
/// accounts (Organizations readable). An old id may appear once; two old accounts may not fold
/// into one new account (their assignments would merge silently).
pub fn parse(
    text: &str,
    baseline: &Snapshot,
    current: &Snapshot,
) -> Result<AccountMap, AccountMapError> {
    let known_old: HashSet<&str> = baseline
        .accounts
        .iter()
        .map(|a| a.account_id.as_str())
        .chain(
            baseline
                .account_assignments
                .iter()
                .map(|a| a.account_id.as_str()),
        )
        .collect();
    let known_new: Option<HashSet<&str>> = (!current.accounts.is_empty()).then(|| {
        current
            .accounts
            .iter()
            .map(|a| a.account_id.as_str())
            .collect()
    });
    let mut problems = Vec::new();
    let mut entries = BTreeMap::new();
    let mut old_line: HashMap<String, u64> = HashMap::new();
    let mut new_line: HashMap<String, (u64, String)> = HashMap::new();

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header_problem = |message: String| AccountMapError {
        problems: vec![Problem {
            line: Some(1),
            message,
        }],
    };
    let headers = reader
        .headers()
        .map_err(|e| header_problem(format!("unreadable header: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(old_column), Some(new_column)) = (column("old_account_id"), column("new_account_id"))
    else {
        return Err(header_problem(format!(
            "the header must name the columns old_account_id and new_account_id (found: {}); the first line is the header",
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    };

    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                problems.push(Problem {
                    line: error.position().map(|p| p.line()),
                    message: format!("malformed row ({error})"),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line());
        let old = record.get(old_column).unwrap_or("");
        let new = record.get(new_column).unwrap_or("");
        let mut problem = |message: String| problems.push(Problem { line, message });
        if !is_account_id(old) {
            problem(format!(
                "old_account_id {old:?} is not a 12-digit AWS account id"
            ));
            continue;
        }
        if !is_account_id(new) {
            problem(format!(
                "new_account_id {new:?} is not a 12-digit AWS account id"
            ));
            continue;
        }
        if let Some(earlier) = old_line.get(old) {
            problem(format!(
                "old_account_id {old} is mapped again (first on line {earlier}); keep one row per old account"
            ));
            continue;
        }
        old_line.insert(old.to_owned(), line.unwrap_or(0));
        if let Some((earlier, other)) = new_line.get(new) {
            problem(format!(
                "new_account_id {new} is also the new id of {other} (line {earlier}); two old accounts cannot become one"
            ));
            continue;
        }
        new_line.insert(new.to_owned(), (line.unwrap_or(0), old.to_owned()));
        if !known_old.contains(old) {
            problem(format!(
                "old_account_id {old} is not an account of the baseline snapshot; check the id (or the --baseline file)"
            ));
            continue;
        }
        if known_new.as_ref().is_some_and(|known| !known.contains(new)) {
            problem(format!(
                "new_account_id {new} is not an account of the current organization; check the id"
            ));
            continue;
        }
        entries.insert(old.to_owned(), AccountId::from(new));
    }
    if problems.is_empty() {
        Ok(AccountMap { entries })
    } else {
        Err(AccountMapError { problems })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Account, InstanceInfo};

    fn snapshot(accounts: &[&str]) -> Snapshot {
        let mut s = Snapshot::empty(InstanceInfo::default(), crate::fixture::captured_at());
        s.accounts = accounts
            .iter()
            .map(|id| Account {
                account_id: AccountId::from(*id),
                name: None,
                email: None,
                status: None,
            })
            .collect();
        s
    }

    #[test]
    fn a_good_map_translates_and_leaves_other_accounts_alone() {
        let baseline = snapshot(&["111111111111", "222222222222"]);
        let current = snapshot(&["555555555555", "222222222222"]);
        let map = parse(
            "old_account_id,new_account_id,note\n111111111111,555555555555,prod\n",
            &baseline,
            &current,
        )
        .unwrap();
        assert_eq!(map.translate("111111111111"), "555555555555");
        assert_eq!(map.translate("222222222222"), "222222222222");
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let baseline = snapshot(&["111111111111", "222222222222", "333333333333"]);
        let current = snapshot(&["555555555555", "666666666666"]);
        let text = "new_account_id,old_account_id\n\
                    555555555555,111111111111\n\
                    666666666666,111111111111\n\
                    555555555555,222222222222\n\
                    12,222222222222\n\
                    666666666666,999999999999\n\
                    777777777777,333333333333\n";
        let error = parse(text, &baseline, &current).unwrap_err();
        let found: Vec<(Option<u64>, &str)> = error
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(found.len(), 5, "{error}");
        assert_eq!(found[0].0, Some(3));
        assert!(found[0].1.contains("mapped again (first on line 2)"));
        assert_eq!(found[1].0, Some(4));
        assert!(found[1].1.contains("two old accounts cannot become one"));
        assert!(found[2].1.contains("not a 12-digit"));
        assert!(found[3]
            .1
            .contains("999999999999 is not an account of the baseline"));
        assert!(found[4]
            .1
            .contains("777777777777 is not an account of the current"));
    }

    #[test]
    fn a_header_without_the_columns_says_which_are_needed() {
        let empty = snapshot(&[]);
        let error = parse("old,new\n1,2\n", &empty, &empty).unwrap_err();
        assert_eq!(error.problems[0].line, Some(1));
        assert!(error
            .to_string()
            .contains("old_account_id and new_account_id"));
    }
}
