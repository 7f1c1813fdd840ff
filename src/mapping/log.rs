//! The decision log: one line per decision, appended beside the mapping file
//! (`map.csv` → `map.csv.decisions.log`, mode 0600), so that "who mapped Hana Chen to whom,
//! on what evidence, with which key, when" has an answer after the session.
//!
//! ```text
//! 2026-12-07T21:04:11Z  key=⏎  USER hana.chen@old-corp.example → achen@new-corp.example  tier=weak  method=weak:fuzzy  old=90670a1b2c-… new=90670a1b2c-…
//! ```
//!
//! Names come from the customer's directory: they go through [`crate::text::inert`], so a line
//! stays one line and nothing in it reaches a terminal as a command.

use super::tier::Tier;
use super::{Decision, Entry};
use crate::model::{PrincipalId, PrincipalType};
use crate::text::inert;
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the log of `mapping_path` lives.
pub fn path_for(mapping_path: &Path) -> PathBuf {
    let mut name = mapping_path.as_os_str().to_owned();
    name.push(".decisions.log");
    PathBuf::from(name)
}

/// One decision, as the log records it.
pub struct Line<'a> {
    pub at: DateTime<Utc>,
    /// The key (or command) that made it: `⏎`, `B`, `z`, `import`.
    pub key: &'a str,
    pub principal_type: PrincipalType,
    pub old_id: &'a PrincipalId,
    pub old_name: &'a str,
    /// The entry after the decision (`None`: unmapped again).
    pub after: Option<&'a Entry>,
    pub new_name: &'a str,
}

impl Line<'_> {
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(160);
        let _ = write!(
            out,
            "{}  key={}  {} {} → ",
            self.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            inert(self.key),
            self.principal_type,
            inert(or_id(self.old_name, self.old_id.as_str())),
        );
        let method = self.after.and_then(|e| e.method.as_deref()).unwrap_or("");
        let tier = Tier::of_method(method).map_or("-", Tier::label);
        match self.after.map(|e| &e.decision) {
            Some(Decision::Successor(new_id)) => {
                let _ = write!(
                    out,
                    "{}  tier={tier}  method={}  old={} new={}",
                    inert(or_id(self.new_name, new_id.as_str())),
                    inert(or_dash(method)),
                    inert(self.old_id.as_str()),
                    inert(new_id.as_str())
                );
            }
            Some(Decision::NoSuccessor) => {
                let _ = write!(
                    out,
                    "(no successor)  method={}  old={}",
                    inert(or_dash(method)),
                    inert(self.old_id.as_str())
                );
            }
            None => {
                let _ = write!(out, "(unmapped)  old={}", inert(self.old_id.as_str()));
            }
        }
        out.push('\n');
        out
    }
}

fn or_id<'a>(name: &'a str, id: &'a str) -> &'a str {
    if name.is_empty() {
        id
    } else {
        name
    }
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_line_names_who_whom_tier_key_and_time_and_stays_one_line() {
        let entry = Entry {
            principal_type: PrincipalType::User,
            decision: Decision::Successor("u-new".into()),
            method: Some("weak:fuzzy".into()),
            note: None,
        };
        let old_id = PrincipalId::from("u-old");
        let line = Line {
            at: Utc.with_ymd_and_hms(2026, 12, 7, 21, 4, 11).unwrap(),
            key: "⏎",
            principal_type: PrincipalType::User,
            old_id: &old_id,
            old_name: "hana.chen@old\n\u{1b}[2J",
            after: Some(&entry),
            new_name: "achen@new",
        }
        .render();
        assert_eq!(
            line,
            "2026-12-07T21:04:11Z  key=⏎  USER hana.chen@old\\u{a}\\u{1b}[2J → achen@new  tier=weak  method=weak:fuzzy  old=u-old new=u-new\n"
        );
        assert_eq!(
            path_for(Path::new("dir/map.csv")),
            PathBuf::from("dir/map.csv.decisions.log")
        );
    }
}
