//! What to tell the user about a failed write: the cause and its remedy, worded for any front
//! end. What to do afterwards differs between them (a flag of `cutover apply`, a key of the TUI),
//! so each adds its own words for [`Next`].

/// What to do about a failed write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    /// The likely cause and its remedy.
    pub remedy: &'static str,
    /// What to do once the remedy is applied.
    pub next: Next,
}

/// The step after the remedy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Run the same plan again: its journal resumes and the failed writes are tried again.
    RunAgain,
    /// The plan no longer fits the instance: make a new one from the current state.
    PlanAgain,
}

/// What to do about a failed write with this error code and message.
pub fn hint(code: Option<&str>, message: Option<&str>) -> Hint {
    let message = message.unwrap_or("").to_ascii_lowercase();
    let (remedy, next) = match code {
        Some("AccessDeniedException") => (
            "the credentials may not change this account's assignments: permission sets in the management account need management-account credentials (a delegated administrator cannot); fix that",
            Next::RunAgain,
        ),
        Some("ConflictException") => (
            "another change to this (account, permission set) pair was in progress",
            Next::RunAgain,
        ),
        Some("ResourceNotFoundException") => (
            "the principal, permission set or account no longer exists",
            Next::PlanAgain,
        ),
        _ if message.contains("policy") => (
            "a customer managed policy or permissions boundary the permission set names is missing in that account: create it there",
            Next::RunAgain,
        ),
        _ => (
            "see the journal and the log for details, and fix the cause",
            Next::RunAgain,
        ),
    };
    Hint { remedy, next }
}

#[cfg(test)]
mod tests {
    use super::{hint, Next};

    #[test]
    fn names_the_fix_for_the_usual_failures() {
        assert!(hint(Some("AccessDeniedException"), None)
            .remedy
            .contains("management-account"));
        assert!(hint(None, Some("Customer managed POLICY missing"))
            .remedy
            .contains("create it there"));
        assert_eq!(
            hint(Some("ResourceNotFoundException"), None).next,
            Next::PlanAgain
        );
    }

    #[test]
    fn says_nothing_only_one_front_end_offers() {
        for code in [
            Some("AccessDeniedException"),
            Some("ConflictException"),
            Some("ResourceNotFoundException"),
            None,
        ] {
            let text = hint(code, Some("policy")).remedy;
            assert!(!text.contains("--"), "{text}");
            assert!(!text.contains("rerun"), "{text}");
        }
    }
}
