//! What to tell the user about a failed write: shared by `cutover apply` and the TUI's apply
//! screen.

/// What to do about a failed write.
pub fn hint(code: Option<&str>, message: Option<&str>) -> &'static str {
    let message = message.unwrap_or("").to_ascii_lowercase();
    match code {
        Some("AccessDeniedException") => {
            "the credentials may not change this account's assignments: permission sets in the management account need management-account credentials (a delegated administrator cannot); fix, then rerun with --retry-failed"
        }
        Some("ConflictException") => {
            "another change to this (account, permission set) pair was in progress; rerun apply"
        }
        Some("ResourceNotFoundException") => {
            "the principal, permission set or account no longer exists: plan again"
        }
        _ if message.contains("policy") => {
            "a customer managed policy or permissions boundary the permission set names is missing in that account: create it there, then rerun with --retry-failed"
        }
        _ => "see the journal and the log for details; rerun with --retry-failed after fixing the cause",
    }
}

#[cfg(test)]
mod tests {
    use super::hint;

    #[test]
    fn names_the_fix_for_the_usual_failures() {
        assert!(hint(Some("AccessDeniedException"), None).contains("management-account"));
        assert!(hint(None, Some("Customer managed POLICY missing")).contains("create it there"));
        assert!(hint(None, None).contains("--retry-failed"));
    }
}
