//! `cutover export`: load a live instance and write it as a snapshot file.

use super::LiveArgs;
use crate::backend::LoadStats;
use crate::fsio;
use crate::humanize::thousands;
use crate::model::Snapshot;
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Snapshot file to write (mode 0600, replaced atomically: a failed export leaves no file).
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,

    /// Replace an existing snapshot at --output (a baseline cannot be taken again after the switch: without this flag an existing file is refused).
    #[arg(long)]
    pub force: bool,

    /// Don't draw progress bars (they are drawn only on a terminal anyway).
    #[arg(long)]
    pub quiet: bool,
}

pub async fn run(live: &LiveArgs, args: ExportArgs) -> Result<()> {
    let output = fsio::Output {
        flag: "--output",
        path: &args.output,
        irreplaceable: Some("snapshot"),
        force: args.force,
    };
    fsio::check_output(&output, &[])?;
    let outcome = super::load_live(live, !args.quiet).await?;

    fsio::write_private_atomic(&args.output, outcome.snapshot.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    for warning in &outcome.snapshot.warnings {
        crate::errln!(
            "warning: {} not read ({}): {}",
            warning.affects,
            warning.operation,
            warning.message
        );
    }
    crate::outln!(
        "{}",
        summary_line(&outcome.snapshot, &outcome.stats, &args.output)
    );
    Ok(())
}

pub fn summary_line(snapshot: &Snapshot, stats: &LoadStats, output: &Path) -> String {
    let per_family = stats
        .calls
        .iter()
        .map(|(family, n)| format!("{family} {}", thousands(*n)))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "Exported {} objects ({} users, {} groups, {} memberships, {} permission sets, {} accounts, {} account assignments, {} applications, {} application assignments) to {} in {:.1} s: {} API calls ({per_family}), {} throttled and retried, {} transient errors retried, {} warnings.",
        thousands(snapshot.object_count() as u64),
        thousands(snapshot.users.len() as u64),
        thousands(snapshot.groups.len() as u64),
        thousands(snapshot.group_memberships.len() as u64),
        thousands(snapshot.permission_sets.len() as u64),
        thousands(snapshot.accounts.len() as u64),
        thousands(snapshot.account_assignments.len() as u64),
        thousands(snapshot.applications.len() as u64),
        thousands(snapshot.application_assignments.len() as u64),
        output.display(),
        stats.wall.as_secs_f64(),
        thousands(stats.total_calls()),
        thousands(stats.throttles),
        thousands(stats.transient_retries),
        snapshot.warnings.len(),
    )
}
