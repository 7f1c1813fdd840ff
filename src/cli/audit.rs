//! `cutover audit`: who has access to what, from a snapshot file or the live instance, as CSV,
//! JSON or Markdown (read-only).

use super::LiveArgs;
use crate::access::{self, render, AccessIndex, AuditFilter, AuditOptions};
use crate::fsio;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One table per section, for spreadsheets.
    Csv,
    /// An array of rows (an object with sections when extra sections are asked for).
    Json,
    /// A document for auditors: instance, capture time, filter, counts and tables.
    Md,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Read this snapshot file (from `cutover export`) instead of loading the live instance.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,

    /// Write the report to this file (mode 0600, replaced atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Only this account (account id or name).
    #[arg(long, value_name = "ID_OR_NAME")]
    pub account: Option<String>,

    /// Only this permission set (ARN or name).
    #[arg(long, value_name = "ARN_OR_NAME")]
    pub permission_set: Option<String>,

    /// Only this user (user id or user name).
    #[arg(long, value_name = "ID_OR_NAME")]
    pub user: Option<String>,

    /// Only access granted through this group (group id or display name); rows still list every path.
    #[arg(long, value_name = "ID_OR_NAME")]
    pub group: Option<String>,

    /// Add the users and groups that are granted nothing (whole instance, unfiltered).
    #[arg(long)]
    pub include_no_access: bool,

    /// Add the assignments whose user or group no longer exists (whole instance, unfiltered).
    #[arg(long)]
    pub include_orphans: bool,
}

pub async fn run(live: &LiveArgs, args: AuditArgs) -> Result<()> {
    if let Some(output) = &args.output {
        let inputs: Vec<(&str, &std::path::Path)> = args
            .snapshot
            .iter()
            .map(|s| ("--snapshot", s.as_path()))
            .collect();
        fsio::check_output(&fsio::Output::replaceable("--output", output), &inputs)?;
    }
    let snapshot = match &args.snapshot {
        Some(path) => fsio::read_snapshot(path)?,
        None => super::load_live(live, true).await?.snapshot,
    };
    for warning in &snapshot.warnings {
        crate::errln!(
            "warning: the snapshot is incomplete: {} not read ({}): {}",
            warning.affects,
            warning.operation,
            warning.message
        );
    }

    let filter = AuditFilter {
        account: args.account.clone(),
        permission_set: args.permission_set.clone(),
        user: args.user.clone(),
        group: args.group.clone(),
    };
    let options = AuditOptions {
        include_no_access: args.include_no_access,
        include_orphans: args.include_orphans,
    };
    let index = AccessIndex::new(&snapshot);
    let report = access::audit(&index, &filter, options)?;
    let text = match args.format {
        Format::Csv => render::to_csv(&report),
        Format::Json => render::to_json(&report),
        Format::Md => render::to_markdown(&report),
    };

    match &args.output {
        Some(path) => {
            fsio::write_private_atomic(path, text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            crate::outln!(
                "Wrote {} access rows ({} users, {} accounts, {} permission sets) to {}.",
                report.rows.len(),
                report.distinct_users(),
                report.distinct_accounts(),
                report.distinct_permission_sets(),
                path.display()
            );
        }
        None => super::write_stdout(&text)?,
    }
    Ok(())
}
