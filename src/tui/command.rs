//! The `:` command line: commands matched by their name, an alias or any unambiguous prefix,
//! completed with Tab, the pane commands taking a filter (`:user hana`). Pure: the app carries
//! out what [`parse`] returns.

/// What a command does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Go to browse pane `n` (0-5), optionally filtering it.
    Pane(usize),
    /// The mapping screen (pane 7).
    Mapping,
    /// Write the plan file (the mapping screen's `w`).
    WritePlan,
    /// Enable writes for this session (`W`, asks first).
    EnableWrites,
    Reload,
    Export,
    Help,
    Quit,
}

pub struct Spec {
    pub name: &'static str,
    /// Exact short names that win over prefix matching (`:q`, `:w`, `:u`).
    pub aliases: &'static [&'static str],
    pub command: Command,
    /// Takes a filter for the pane (`:user hana`).
    pub takes_filter: bool,
}

const fn spec(
    name: &'static str,
    aliases: &'static [&'static str],
    command: Command,
    takes_filter: bool,
) -> Spec {
    Spec {
        name,
        aliases,
        command,
        takes_filter,
    }
}

pub const COMMANDS: &[Spec] = &[
    spec("users", &["user", "u"], Command::Pane(0), true),
    spec("groups", &["group", "g"], Command::Pane(1), true),
    spec(
        "permission-sets",
        &["ps", "permissionsets", "permission-set"],
        Command::Pane(2),
        true,
    ),
    spec("accounts", &["account", "a"], Command::Pane(3), true),
    spec("assignments", &["assignment"], Command::Pane(4), true),
    spec("apps", &["applications", "app"], Command::Pane(5), true),
    spec("mapping", &["map", "migration"], Command::Mapping, false),
    spec("write", &["w"], Command::WritePlan, false),
    spec("enable-writes", &[], Command::EnableWrites, false),
    spec("reload", &[], Command::Reload, false),
    spec("export", &[], Command::Export, false),
    spec("help", &["h"], Command::Help, false),
    spec("quit", &["q", "q!"], Command::Quit, false),
];

/// What a command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Nothing typed.
    Empty,
    /// The command, and the filter given to a pane command.
    Run(Command, Option<String>),
    /// Nothing starts with this.
    Unknown(String),
    /// Several commands start with this: their names.
    Ambiguous(String, Vec<&'static str>),
    /// This command takes no argument.
    NoArgument(&'static str),
}

fn find(word: &str) -> Result<&'static Spec, Vec<&'static Spec>> {
    let word = word.to_lowercase();
    if let Some(spec) = COMMANDS
        .iter()
        .find(|s| s.name == word || s.aliases.contains(&word.as_str()))
    {
        return Ok(spec);
    }
    let matches: Vec<&Spec> = COMMANDS
        .iter()
        .filter(|s| s.name.starts_with(&word) || s.aliases.iter().any(|a| a.starts_with(&word)))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        _ => Err(matches),
    }
}

/// Reads a command line (without the `:`).
pub fn parse(line: &str) -> Parsed {
    let line = line.trim();
    let (word, rest) = match line.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (line, ""),
    };
    if word.is_empty() {
        return Parsed::Empty;
    }
    match find(word) {
        Ok(spec) if rest.is_empty() => Parsed::Run(spec.command, None),
        Ok(spec) if spec.takes_filter => Parsed::Run(spec.command, Some(rest.to_owned())),
        Ok(spec) => Parsed::NoArgument(spec.name),
        Err(matches) if matches.is_empty() => Parsed::Unknown(word.to_owned()),
        Err(matches) => {
            Parsed::Ambiguous(word.to_owned(), matches.iter().map(|s| s.name).collect())
        }
    }
}

/// Tab: the command line with its command word completed as far as it is unambiguous (a
/// space after a complete name); `None` when there is nothing to add.
pub fn complete(line: &str) -> Option<String> {
    if line.contains(char::is_whitespace) {
        return None;
    }
    let word = line.to_lowercase();
    let names: Vec<&str> = COMMANDS
        .iter()
        .map(|s| s.name)
        .filter(|n| n.starts_with(&word))
        .collect();
    match names.as_slice() {
        [] => None,
        [one] => Some(format!("{one} ")),
        [first, rest @ ..] => {
            let common = rest.iter().fold(first.len(), |len, name| {
                first
                    .bytes()
                    .zip(name.bytes())
                    .take(len)
                    .take_while(|(a, b)| a == b)
                    .count()
            });
            (common > word.len()).then(|| first[..common].to_owned())
        }
    }
}

/// The commands that start with what is typed so far, for the command line's hint.
pub fn candidates(line: &str) -> Vec<&'static str> {
    let word = line.split_whitespace().next().unwrap_or("").to_lowercase();
    COMMANDS
        .iter()
        .map(|s| s.name)
        .filter(|n| n.starts_with(&word))
        .collect()
}

/// Every command, as `:name`, for messages.
pub fn all() -> String {
    COMMANDS
        .iter()
        .map(|s| format!(":{}", s.name))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What was typed before, for ↑ and ↓ on the command line.
#[derive(Clone, Debug, Default)]
pub struct History {
    entries: Vec<String>,
    /// While browsing with ↑/↓: which entry is shown (`entries.len()`: the line being typed).
    at: Option<usize>,
    draft: String,
}

impl History {
    /// Remembers a command that was run (not twice in a row).
    pub fn push(&mut self, line: &str) {
        let line = line.trim();
        if !line.is_empty() && self.entries.last().map(String::as_str) != Some(line) {
            self.entries.push(line.to_owned());
        }
        self.at = None;
    }

    /// ↑ (`older`) or ↓: the entry to show instead of `current`, if any.
    pub fn step(&mut self, current: &str, older: bool) -> Option<String> {
        let at = match self.at {
            None => {
                self.draft = current.to_owned();
                self.entries.len()
            }
            Some(at) => at,
        };
        let next = if older {
            at.checked_sub(1)?
        } else if at < self.entries.len() {
            at + 1
        } else {
            return None;
        };
        self.at = Some(next);
        Some(
            self.entries
                .get(next)
                .cloned()
                .unwrap_or_else(|| self.draft.clone()),
        )
    }

    /// The command line was left or run: browsing starts afresh next time.
    pub fn reset(&mut self) {
        self.at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_unambiguous_prefixes() {
        assert_eq!(parse("users"), Parsed::Run(Command::Pane(0), None));
        assert_eq!(parse("gr"), Parsed::Run(Command::Pane(1), None));
        assert_eq!(parse("q"), Parsed::Run(Command::Quit, None));
        assert_eq!(parse("w"), Parsed::Run(Command::WritePlan, None));
        assert_eq!(parse("en"), Parsed::Run(Command::EnableWrites, None));
        assert_eq!(
            parse("a"),
            Parsed::Run(Command::Pane(3), None),
            "an alias wins"
        );
        assert_eq!(
            parse("as"),
            Parsed::Run(Command::Pane(4), None),
            "assignments"
        );
        assert_eq!(
            parse("e"),
            Parsed::Ambiguous("e".into(), vec!["enable-writes", "export"])
        );
        assert_eq!(parse("nope"), Parsed::Unknown("nope".into()));
        assert_eq!(parse("  "), Parsed::Empty);
    }

    #[test]
    fn pane_commands_take_a_filter_and_others_refuse_one() {
        assert_eq!(
            parse("user hana.ng"),
            Parsed::Run(Command::Pane(0), Some("hana.ng".into()))
        );
        assert_eq!(
            parse("account  1222 prod "),
            Parsed::Run(Command::Pane(3), Some("1222 prod".into()))
        );
        assert_eq!(parse("reload now"), Parsed::NoArgument("reload"));
    }

    #[test]
    fn tab_completes_as_far_as_unambiguous() {
        assert_eq!(complete("gr"), Some("groups ".into()));
        assert_eq!(complete("a"), None);
        assert_eq!(complete("ass"), Some("assignments ".into()));
        assert_eq!(complete("p"), Some("permission-sets ".into()));
        assert_eq!(complete("x"), None);
        assert_eq!(complete("user hana"), None);
        assert_eq!(
            complete("e"),
            None,
            "enable-writes and export share only the e"
        );
        assert_eq!(complete("re"), Some("reload ".into()));
    }

    #[test]
    fn history_walks_back_and_forth_and_keeps_the_draft() {
        let mut history = History::default();
        history.push("users");
        history.push("groups");
        history.push("groups");
        assert_eq!(history.step("ma", true), Some("groups".into()));
        assert_eq!(history.step("groups", true), Some("users".into()));
        assert_eq!(history.step("users", true), None);
        assert_eq!(history.step("users", false), Some("groups".into()));
        assert_eq!(history.step("groups", false), Some("ma".into()));
        assert_eq!(history.step("ma", false), None);
    }
}
