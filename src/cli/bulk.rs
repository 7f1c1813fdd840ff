//! `cutover directory apply` (a CSV of directory changes), `cutover directory restore` (a
//! baseline's users, groups and memberships recreated, and the mapping written) and
//! `cutover provisioning-check`.

use super::directory::{check_journal_dir, checksum, execute, read_state, say, WriteFlags};
use super::LiveArgs;
use crate::apply::directory::created_keys;
use crate::apply::journal;
use crate::aws::AwsBackend;
use crate::backend::directory::DirectoryWriter;
use crate::directory::restore::{self, Only};
use crate::directory::{changes_file, check, plan, render, Step};
use crate::{fsio, mapping};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Apply a CSV of directory changes (create/update/delete users, create/update/delete groups, add/remove members; docs/directory-changes.md): journaled, resumable, idempotent.
    Apply(ApplyArgs),
    /// Recreate a baseline's users, groups and memberships in the Identity Center directory, reusing those that exist, and write the mapping old id → new id for `cutover plan`.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The changes file (CSV).
    #[arg(long, value_name = "FILE")]
    pub changes: PathBuf,
    #[command(flatten)]
    pub flags: WriteFlags,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The baseline snapshot taken before the switch (`cutover export`).
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,
    /// Where to write the mapping (old id → new id, method `restored` or `existing`).
    #[arg(long, value_name = "FILE")]
    pub mapping: PathBuf,
    /// Restore only the users, or only the groups (with the memberships of users that exist).
    #[arg(long, value_enum)]
    pub only: Option<Only>,
    #[command(flatten)]
    pub flags: WriteFlags,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The expected principals (CSV with a `user` column of user names or emails, and an optional `group` column).
    #[arg(long, value_name = "FILE.csv")]
    pub expected: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

pub async fn run(live: &LiveArgs, command: DirectoryCommand) -> Result<ExitCode> {
    match command {
        DirectoryCommand::Apply(args) => {
            let bytes = std::fs::read(&args.changes)
                .with_context(|| format!("cannot read {}", args.changes.display()))?;
            let text = String::from_utf8(bytes.clone())
                .with_context(|| format!("{} is not UTF-8 text", args.changes.display()))?;
            let rows = changes_file::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", args.changes.display()))?;
            let journal = args
                .flags
                .journal
                .clone()
                .unwrap_or_else(|| with_suffix(&args.changes, ".journal.jsonl"));
            let backend = AwsBackend::connect(live.options()).await?;
            apply_changes(&backend, &rows, &args.flags, journal, &checksum(&[&bytes])).await
        }
        DirectoryCommand::Restore(args) => {
            let bytes = std::fs::read(&args.baseline)
                .with_context(|| format!("cannot read {}", args.baseline.display()))?;
            let baseline = fsio::read_snapshot(&args.baseline)?;
            fsio::check_output_path(&args.mapping)?;
            let journal = args
                .flags
                .journal
                .clone()
                .unwrap_or_else(|| with_suffix(&args.mapping, ".restore.journal.jsonl"));
            let only = format!("{:?}", args.only);
            let sum = checksum(&[&bytes, only.as_bytes()]);
            let backend = AwsBackend::connect(live.options()).await?;
            restore(
                &backend,
                &baseline,
                args.only,
                &args.mapping,
                &args.flags,
                journal,
                &sum,
            )
            .await
        }
    }
}

/// Plans the rows against the live directory, prints the plan, and runs what can run; the
/// refused rows are reported and make the exit code 1, the others go ahead.
pub async fn apply_changes<W: DirectoryWriter>(
    writer: &W,
    rows: &[changes_file::Row],
    flags: &WriteFlags,
    journal: PathBuf,
    input_checksum: &str,
) -> Result<ExitCode> {
    let changes: Vec<_> = rows.iter().map(|r| r.change.clone()).collect();
    let state = read_state(writer, |s| s.groups_to_read(&changes)).await?;
    let planned = plan::plan(&state, &changes);
    say(&render::plan(&planned, &|i| {
        format!("line {}", rows[i].line)
    }));
    let refused = planned.refused().count();
    let steps: Vec<Step> = planned.steps().cloned().collect();
    let code = execute(writer, &state, &steps, flags, journal, input_checksum).await?;
    if refused > 0 {
        eprintln!(
            "error: {refused} change{} refused (see above): fix {} in the file and run again",
            if refused == 1 { " was" } else { "s were" },
            if refused == 1 { "it" } else { "them" }
        );
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}

/// Restores `baseline` into the directory and writes the mapping.
pub async fn restore<W: DirectoryWriter>(
    writer: &W,
    baseline: &crate::model::Snapshot,
    only: Option<Only>,
    mapping_path: &Path,
    flags: &WriteFlags,
    journal: PathBuf,
    input_checksum: &str,
) -> Result<ExitCode> {
    let state = read_state(writer, |s| restore::groups_to_read(baseline, s)).await?;
    let planned = restore::plan(baseline, &state, only);
    for step in &planned.steps {
        say(&format!("will  {}", render::step(step)));
    }
    for skipped in &planned.skipped {
        say(&format!("SKIP  {}", render::shown(skipped)));
    }
    let count = |f: fn(&Step) -> bool| planned.steps.iter().filter(|s| f(s)).count();
    say(&format!(
        "\nRestore: {} users and {} groups to create, {} memberships to add; {} users and {} groups exist already (reused), {} memberships in place, {} skipped.",
        count(|s| matches!(s, Step::CreateUser(_))),
        count(|s| matches!(s, Step::CreateGroup(_))),
        count(|s| matches!(s, Step::AddMember { .. })),
        planned.reused_users,
        planned.reused_groups,
        planned.memberships_present,
        planned.skipped.len()
    ));
    if flags.dry_run {
        return execute(
            writer,
            &state,
            &planned.steps,
            flags,
            journal,
            input_checksum,
        )
        .await;
    }
    check_journal_dir(&journal)?;
    let code = if planned.steps.is_empty() {
        say("Nothing to create.");
        ExitCode::SUCCESS
    } else {
        execute(
            writer,
            &state,
            &planned.steps,
            flags,
            journal.clone(),
            input_checksum,
        )
        .await?
    };
    // The mapping from what the directory holds now; `restored` for what any run created.
    let after = read_state(writer, |_| Vec::new()).await?;
    let records = journal::read(&journal)?.records;
    let result = restore::mapping(baseline, &after, &created_keys(&records), only);
    let current = restore::as_snapshot(&after, baseline);
    let text = mapping::file::render(&result.mapping, baseline, &current);
    fsio::write_private_atomic(mapping_path, text.as_bytes())
        .with_context(|| format!("cannot write the mapping {}", mapping_path.display()))?;
    say(&format!(
        "Mapping: {} principals → {}. Next: cutover plan --baseline BASELINE --mapping {} ...",
        result.mapping.len(),
        mapping_path.display(),
        mapping_path.display()
    ));
    if !result.missing.is_empty() {
        for (kind, id, name) in &result.missing {
            eprintln!("not restored: {kind} {} ({id})", render::shown(name));
        }
        bail!(
            "{} baseline principal{} not in the directory (see above): run the restore again to retry",
            result.missing.len(),
            if result.missing.len() == 1 { " is" } else { "s are" }
        );
    }
    Ok(code)
}

pub async fn provisioning_check(live: &LiveArgs, args: CheckArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.expected)
        .with_context(|| format!("cannot read {}", args.expected.display()))?;
    let expected = check::parse_expected(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.expected.display()))?;
    let backend = AwsBackend::connect(live.options()).await?;
    check_against(&backend, &expected, args.format).await
}

pub async fn check_against<W: DirectoryWriter>(
    writer: &W,
    expected: &check::Expected,
    format: Format,
) -> Result<ExitCode> {
    let state = read_state(writer, |s| check::groups_to_read(expected, s)).await?;
    let report = check::check(expected, &state);
    let text = match format {
        Format::Table => render::check_table(&report),
        Format::Csv => render::check_csv(&report),
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    super::write_stdout(&text)?;
    Ok(if report.anything_missing() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
