//! `cutover doctor`: before anything is loaded, what the caller can and cannot do on this
//! instance, how big it is, and how long an export and a full migration would take.

use super::LiveArgs;
use crate::apply::ApplyOptions;
use crate::aws::doctor::examine;
use crate::doctor::{render_text, Budgets, Report};
use crate::permissions::Mode;
use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// What you are about to do: the report says whether everything it needs is allowed, and
    /// the exit code is 0 only then.
    #[arg(long, value_enum, default_value_t = Mode::ReadOnly)]
    pub mode: Mode,

    /// The report as text, or as JSON for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the checks and prints the report; the exit code: 0 ready, 1 something required is
/// denied (or there is no instance to use), 2 something required could not be checked.
pub async fn run(live: &LiveArgs, args: DoctorArgs) -> anyhow::Result<u8> {
    let options = live.options();
    let budgets = Budgets {
        sso_admin_rps: options.max_rps_sso_admin,
        identitystore_rps: options.max_rps_identitystore,
        organizations_rps: options.max_rps_organizations,
        writes_outstanding: ApplyOptions::default().max_in_flight,
    };
    let findings = examine(&options).await?;
    let report = Report::new(findings, args.mode, &budgets);
    let text = match args.format {
        Format::Text => render_text(&report, &budgets),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    super::write_stdout(&text)?;
    Ok(report.exit_code())
}
