//! `cutover instances` and `cutover duplicates`: the whole organization, read-only.

use super::LiveArgs;
use crate::aws::inventory::{self, ScanOptions, DEFAULT_MEMBER_ROLE};
use crate::inventory::{duplicates, render};
use crate::{fsio, model::Snapshot};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    Csv,
    Json,
}

/// How the organization is scanned.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// The role assumed into member accounts (their own credentials are needed to see their
    /// account instances).
    #[arg(long, default_value = DEFAULT_MEMBER_ROLE, value_name = "NAME")]
    pub member_role: String,

    /// Regions to scan, comma separated (default: --region / the profile's Region).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    pub regions: Vec<String>,

    /// Accounts scanned at once (each has its own API budget).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub parallel_accounts: usize,
}

impl ScanArgs {
    fn options(&self) -> ScanOptions {
        ScanOptions {
            member_role: self.member_role.clone(),
            regions: self.regions.clone(),
            parallel_accounts: self.parallel_accounts.max(1),
        }
    }
}

#[derive(Debug, Args)]
pub struct InstancesArgs {
    #[command(flatten)]
    pub scan: ScanArgs,

    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report here (mode 0600, replaced atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DuplicatesArgs {
    #[command(flatten)]
    pub scan: ScanArgs,

    /// Compare these snapshot files (one per instance, from `cutover export`) instead of
    /// scanning the organization live; repeat the flag.
    #[arg(long = "snapshot", value_name = "FILE")]
    pub snapshots: Vec<PathBuf>,

    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report here (mode 0600, replaced atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn emit(output: &Option<PathBuf>, text: &str) -> Result<()> {
    match output {
        Some(path) => fsio::write_private_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display())),
        None => super::write_stdout(text),
    }
}

pub async fn instances(live: &LiveArgs, args: InstancesArgs) -> Result<()> {
    if let Some(output) = &args.output {
        fsio::check_output_path(output)?;
    }
    let scan = inventory::scan(&live.options(), &args.scan.options()).await?;
    let inventory = &scan.inventory;
    let text = match args.format {
        Format::Table => render::instances_table(inventory),
        Format::Csv => render::instances_csv(inventory),
        Format::Json => render::instances_json(inventory),
    };
    emit(&args.output, &text)
}

pub async fn duplicates(live: &LiveArgs, args: DuplicatesArgs) -> Result<()> {
    if let Some(output) = &args.output {
        fsio::check_output_path(output)?;
    }
    let snapshots: Vec<Snapshot> = if args.snapshots.is_empty() {
        let scan = inventory::scan(&live.options(), &args.scan.options()).await?;
        for unreadable in &scan.inventory.unreadable {
            eprintln!(
                "warning: account {} ({}) not compared: {}",
                unreadable.account_id,
                unreadable.region.as_deref().unwrap_or("every Region"),
                render::table_cell(&unreadable.reason)
            );
        }
        let mut loaded = Vec::new();
        for record in &scan.inventory.instances {
            eprintln!(
                "Loading {} ({}, {})…",
                record.instance_arn, record.owner_account_id, record.region
            );
            match scan.load(record).await {
                Ok(snapshot) => loaded.push(snapshot),
                Err(error) => eprintln!(
                    "warning: instance {} not compared: {error}",
                    record.instance_arn
                ),
            }
        }
        loaded
    } else {
        args.snapshots
            .iter()
            .map(|path| {
                fsio::read_snapshot(path)
                    .with_context(|| format!("cannot use {} as a snapshot", path.display()))
            })
            .collect::<Result<_>>()?
    };
    let people = duplicates::find(&snapshots);
    let text = match args.format {
        Format::Table => render::duplicates_table(&people, snapshots.len()),
        Format::Csv => render::duplicates_csv(&people),
        Format::Json => render::duplicates_json(&people),
    };
    emit(&args.output, &text)
}
