//! `cutover map`: the migration screen of the TUI on a baseline snapshot and the current state
//! (a snapshot file, or the live instance), with the mapping file autosaved as it is edited.

use super::{load_live, LiveArgs};
use crate::fsio;
use crate::mapping::{file as mapping_file, Mapping};
use crate::model::Snapshot;
use crate::plan::PlanOptions;
use crate::tui::migration::{Migration, MigrationInputs};
use crate::tui::{self, Source};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct MapArgs {
    /// The snapshot taken before the cutover (from `cutover export`).
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,

    /// The snapshot after the new identity source provisioned its users. Without it, the live
    /// instance is loaded first (same flags as export).
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,

    /// The mapping file (CSV): read when it exists, saved after every edit (mode 0600,
    /// replaced atomically), created on the first edit when it does not. Without it the
    /// mapping lives in memory only.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// Plan with retire-old on: also delete the decided old principals' assignments (R toggles
    /// it in the screen).
    #[arg(long)]
    pub retire_old: bool,
}

/// `cutover demo`: the bundled demo organization, with its migration screen.
#[derive(Debug, Args, Default)]
pub struct DemoArgs {
    /// Keep the demo's mapping in this file (read when it exists, saved after every edit).
    /// Without it the mapping lives in memory.
    #[arg(long, value_name = "FILE")]
    pub mapping: Option<PathBuf>,
}

pub async fn run(live: &LiveArgs, args: MapArgs) -> Result<()> {
    let baseline = fsio::read_snapshot(&args.baseline)?;
    // Checked before a long load, not after it.
    read_mapping(args.mapping.as_deref(), &baseline, None)?;
    // The screen saves the mapping after every edit: two screens on one file would each
    // overwrite the other's decisions.
    let _lock = lock_mapping(args.mapping.as_deref())?;
    let (current, current_source, source) = match &args.current {
        Some(path) => (
            fsio::read_snapshot(path)?,
            "file",
            Source::Snapshot(path.clone()),
        ),
        None => {
            let snapshot = load_live(live, true).await?.snapshot;
            let source = Source::Loaded {
                label: "live".to_owned(),
                snapshot: Box::new(snapshot.clone()),
            };
            (snapshot, "live", source)
        }
    };
    let (mapping, exists) = read_mapping(args.mapping.as_deref(), &baseline, Some(&current))?;
    let migration = Migration::new(MigrationInputs {
        baseline,
        current,
        mapping,
        mapping_path: args.mapping,
        mapping_file_exists: exists,
        options: PlanOptions {
            retire_old: args.retire_old,
            ..PlanOptions::default()
        },
        baseline_source: "file".to_owned(),
        current_source: current_source.to_owned(),
    });
    // With a live current, the apply screen writes to that instance (after the user enables
    // writes and types its id); with a current file there is nothing to write to.
    let live_apply = args.current.is_none().then(|| live.options());
    tui::run_with_live_apply(source, Some((migration, true)), live_apply).await
}

pub async fn demo(args: DemoArgs) -> Result<()> {
    let org = crate::fixture::demo::load_demo();
    read_mapping(args.mapping.as_deref(), &org.baseline, None)?;
    let _lock = lock_mapping(args.mapping.as_deref())?;
    let (mapping, exists) =
        read_mapping(args.mapping.as_deref(), &org.baseline, Some(&org.current))?;
    let migration = Migration::new(MigrationInputs {
        baseline: org.baseline,
        current: org.current,
        mapping,
        mapping_path: args.mapping,
        mapping_file_exists: exists,
        options: PlanOptions::default(),
        baseline_source: "demo".to_owned(),
        current_source: "demo".to_owned(),
    });
    tui::run_with(Source::Demo, Some((migration, false))).await
}

fn lock_mapping(path: Option<&Path>) -> Result<Option<crate::lock::RunLock>> {
    path.map(|path| super::take_lock(path, "cutover map (editing this mapping)"))
        .transpose()
}

/// The mapping in `path`, checked against both snapshots, and whether the file exists. A
/// missing file is an empty mapping (the screen creates it on the first edit); a file with
/// problems is an error listing every one with its line. With `current` unknown yet, only
/// checks that the file can be read or created.
fn read_mapping(
    path: Option<&Path>,
    baseline: &Snapshot,
    current: Option<&Snapshot>,
) -> Result<(Mapping, bool)> {
    let Some(path) = path else {
        return Ok((Mapping::new(), false));
    };
    match fsio::read_mapping_text(path) {
        Ok(text) => match current {
            None => Ok((Mapping::new(), true)),
            Some(current) => mapping_file::parse(&text, baseline, current)
                .map(|mapping| (mapping, true))
                .map_err(|error| anyhow!("{}: {}", path.display(), error.to_string().trim_end())),
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if !dir.is_dir() {
                bail!(
                    "the directory for --mapping does not exist: {} (create it first)",
                    dir.display()
                );
            }
            Ok((Mapping::new(), false))
        }
        Err(error) => {
            Err(error).with_context(|| format!("cannot read the mapping file {}", path.display()))
        }
    }
}
