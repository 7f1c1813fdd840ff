//! How long an export and a full migration of an instance of this size take, at cutover's API
//! budgets. The call counts follow the loader (`aws::loader`) and the executor; the constants
//! are calibrated on the benchmarks in docs/benchmarks.md (export: wall time = the busiest
//! family's calls / its rate, within 1 %; apply: 3.9 sso-admin calls per operation and 1.14x
//! the larger of the request and outstanding-writes bounds at 18 requests/s).

use super::{Count, Findings};
use serde::Serialize;

/// Requests per second per API family and writes outstanding: cutover's pacing
/// (`aws::connect::LiveOptions`, `apply::ApplyOptions`), as configured for this run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budgets {
    pub sso_admin_rps: f64,
    pub identitystore_rps: f64,
    pub organizations_rps: f64,
    pub writes_outstanding: usize,
}

/// The describe-and-list calls the loader makes per permission set: DescribePermissionSet,
/// managed policies, customer managed references, inline policy, boundary, tags.
const CALLS_PER_PERMISSION_SET: u64 = 6;
/// sso-admin calls per assignment write in the apply benchmark: the write, its status polls and
/// its share of the re-listings (15,602 calls for 4,000 operations).
const CALLS_PER_WRITE: f64 = 3.9;
/// Seconds an assignment write stays outstanding: the benchmark's completion time (1–3 s,
/// 2 s on average) plus a request's latency. AWS's real completion times vary.
const WRITE_SECONDS: f64 = 2.06;
/// Measured apply wall time over the larger bound at cutover's defaults (997 s / 872 s).
const APPLY_OVERHEAD: f64 = 1.14;
const PAGE: u64 = 100;
const ACCOUNTS_PAGE: u64 = 20;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// True when a count was cut short: the figures are then lower bounds.
    pub at_least: bool,
    pub pairs: u64,
    pub assignments: u64,
    pub export_calls_sso_admin: u64,
    pub export_calls_identitystore: u64,
    pub export_calls_organizations: u64,
    pub export_seconds: f64,
    /// Operations of a full migration: every assignment created for its new principal, and the
    /// old one deleted.
    pub apply_operations: u64,
    pub apply_seconds: f64,
    pub basis: &'static str,
}

pub const BASIS: &str = "calls the loader makes for these counts, at cutover's request rates; a full migration re-creates every assignment and deletes the old one, calibrated on the apply benchmark (docs/benchmarks.md), writes completing in about 2 s";

impl Estimate {
    /// `None` when the sizes could not be read.
    pub fn new(findings: &Findings, budgets: &Budgets) -> Option<Estimate> {
        let users = findings.users?;
        let groups = findings.groups?;
        let permission_sets = findings.permission_sets?;
        let accounts = findings.accounts;
        let mut at_least = !users.complete || !groups.complete || !permission_sets.complete;
        at_least |= accounts.is_some_and(|a| !a.complete);
        let ps = permission_sets.seen;
        let account_count = accounts.map(|a| a.seen);
        // Pairs: sampled accounts per permission set, never more than every account.
        let per_ps = findings.accounts_per_permission_set.unwrap_or(0.0);
        let mut pairs = (per_ps * ps as f64).round() as u64;
        if let Some(n) = account_count {
            pairs = pairs.min(n * ps);
        }
        let assignments =
            (findings.assignments_per_pair.unwrap_or(0.0) * pairs as f64).round() as u64;
        let discovery = match account_count {
            Some(n) => n.min(ps),
            None => ps,
        };
        let sso_admin = 1 + ps.div_ceil(PAGE) + CALLS_PER_PERMISSION_SET * ps + discovery + pairs;
        let identitystore = users.seen.div_ceil(PAGE) + groups.seen.div_ceil(PAGE) + groups.seen;
        let organizations = account_count.map_or(0, |n| n.div_ceil(ACCOUNTS_PAGE).max(1));
        let export_seconds = (sso_admin as f64 / budgets.sso_admin_rps)
            .max(identitystore as f64 / budgets.identitystore_rps)
            .max(organizations as f64 / budgets.organizations_rps);
        let apply_operations = 2 * assignments;
        let requests =
            (pairs as f64 + CALLS_PER_WRITE * apply_operations as f64) / budgets.sso_admin_rps;
        let outstanding =
            apply_operations as f64 * WRITE_SECONDS / budgets.writes_outstanding.max(1) as f64;
        Some(Estimate {
            at_least: at_least || findings.assignments_per_pair.is_none(),
            pairs,
            assignments,
            export_calls_sso_admin: sso_admin,
            export_calls_identitystore: identitystore,
            export_calls_organizations: organizations,
            export_seconds,
            apply_operations,
            apply_seconds: requests.max(outstanding) * APPLY_OVERHEAD,
            basis: BASIS,
        })
    }
}

/// "3 h 20 min", "12 min", "40 s".
pub fn duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..=89 => format!("{s} s"),
        90..=5399 => format!("{} min", (s + 30) / 60),
        5400..=172_799 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{:.1} days", seconds / 86_400.0),
    }
}

impl Count {
    pub fn shown(self) -> String {
        let n = crate::humanize::thousands(self.seen);
        if self.complete {
            n
        } else {
            format!("at least {n}")
        }
    }
}
