//! The directory commands' common path: read the live directory, plan, show the plan, refuse
//! what must be refused, confirm, run the engine with a journal, report. `cutover user ...`,
//! `cutover group ...`, `cutover directory apply` and `cutover directory restore` all end here.

use crate::apply::directory::{self as engine, StepResult, PARALLEL_STEPS};
use crate::apply::journal::{self, JournalWriter, Record};
use crate::backend::directory::DirectoryWriter;
use crate::directory::{render, DirectoryState, Step};
use crate::model::GroupId;
use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::Args;
use futures::stream::{self, StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

/// Flags of every directory command that writes.
#[derive(Debug, Clone, Args)]
pub struct WriteFlags {
    /// Show what would be sent against the live directory, and send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Write without typed confirmation (for automation).
    #[arg(long)]
    pub yes: bool,

    /// Write although the directory is managed by an external identity source (SCIM or AD
    /// sync): changes made here are not sent back to it and may be overwritten by it.
    #[arg(long)]
    pub force: bool,

    /// Where to journal the requests (JSONL, mode 0600, appended; a rerun with the same journal resumes).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

/// The warning shown (and `--force` required) when the directory has an external source.
pub const EXTERNAL_SOURCE: &str = "This directory's users and groups carry external ids: an external identity source (SCIM provisioning or AD sync) manages them. Changes made here are not synchronised back to that source, and the source may overwrite or undo them.";

/// Prints; a reader that went away (`| head`) is no reason to stop, and every write is in the
/// journal anyway.
pub fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
}

pub fn checksum(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads every user and group, and the members of `groups(state)`.
pub async fn read_state<W: DirectoryWriter>(
    writer: &W,
    groups: impl FnOnce(&DirectoryState) -> Vec<GroupId>,
) -> Result<DirectoryState> {
    let (users, groups_listed) = tokio::try_join!(writer.list_users(), writer.list_groups())
        .context("cannot read the directory")?;
    let mut state = DirectoryState {
        users,
        groups: groups_listed,
        ..DirectoryState::default()
    };
    let wanted = groups(&state);
    let members: Vec<(GroupId, Vec<crate::model::GroupMembership>)> = stream::iter(wanted)
        .map(|id| async move {
            let members = writer.list_members(&id).await?;
            Ok::<_, crate::backend::WriteError>((id, members))
        })
        .buffer_unordered(PARALLEL_STEPS)
        .try_collect()
        .await
        .context("cannot read group memberships")?;
    state.members = members.into_iter().collect();
    Ok(state)
}

/// Typed confirmation of a write to the identity store: `question`, then the identity store
/// id typed back on a terminal; `--yes` skips it, and without a terminal it refuses. `done`
/// is the past participle the refusals use ("written", "deleted").
pub async fn confirm_store(store: &str, question: &str, done: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("stdin is not a terminal, so this cannot be confirmed by typing: pass --yes to go ahead without confirmation (nothing was {done})");
    }
    print!("\n{question}\nType the identity store id ({store}) to confirm: ");
    std::io::stdout().flush().ok();
    let typed = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .context("cannot read the confirmation")?
    .context("cannot read the confirmation")?;
    if typed.trim() != store {
        bail!("the confirmation did not match {store}: nothing was {done}");
    }
    Ok(())
}

/// Refuses to write to an externally managed directory without `--force`; says why either way.
pub fn check_external(state: &DirectoryState, force: bool) -> Result<()> {
    if !state.externally_managed() {
        return Ok(());
    }
    eprintln!("warning: {EXTERNAL_SOURCE}");
    if !force {
        bail!("pass --force to change it anyway (nothing was written)");
    }
    Ok(())
}

pub fn check_journal_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!(
            "the directory for the journal does not exist: {} (create it first)",
            dir.display()
        );
    }
    if path.is_dir() {
        bail!("the journal {} is a directory; name a file", path.display());
    }
    Ok(())
}

/// Opens the journal for a run of `input_checksum`, refusing one of another input.
pub fn open_journal(
    path: &Path,
    input_checksum: &str,
    store: &str,
) -> Result<(JournalWriter, Vec<Record>)> {
    check_journal_dir(path)?;
    let records = journal::read(path)?.records;
    let runs = engine::check_journal(path, &records, input_checksum).map_err(anyhow::Error::msg)?;
    let mut writer = JournalWriter::open(path)?;
    writer.append(&Record::DirectoryRun {
        at: Utc::now(),
        run: runs + 1,
        input_checksum: input_checksum.to_owned(),
        identity_store_id: store.to_owned(),
        cutover_version: env!("CARGO_PKG_VERSION").to_owned(),
    })?;
    Ok((writer, records))
}

/// The default journal of a one-off command: `directory-<store>-<UTC time>.journal.jsonl`.
pub fn one_off_journal(store: &str) -> PathBuf {
    PathBuf::from(format!(
        "directory-{store}-{}.journal.jsonl",
        Utc::now().format("%Y%m%dT%H%M%SZ")
    ))
}

/// Confirms and runs `steps`, printing a line per result. `Ok(SUCCESS)` when every step
/// ended done.
pub async fn run_steps<W: DirectoryWriter>(
    writer: &W,
    steps: &[Step],
    journal: &mut JournalWriter,
) -> Result<ExitCode> {
    let stop = AtomicBool::new(false);
    let report = engine::run(
        writer,
        steps,
        journal,
        &stop,
        PARALLEL_STEPS,
        |step, result| {
            say(&result_line(step, result));
        },
    )
    .await?;
    say(&format!(
        "\n{} done, {} already done, {} failed{}. Journal: {}",
        report.done,
        report.already_done,
        report.failed,
        if report.not_attempted > 0 {
            format!(", {} not attempted", report.not_attempted)
        } else {
            String::new()
        },
        journal.path().display()
    ));
    if report.complete() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: not everything was done: run the same command again with --journal {} to retry what is left (what is done is not sent twice)",
            journal.path().display()
        );
        Ok(ExitCode::from(1))
    }
}

fn result_line(step: &Step, result: &StepResult) -> String {
    let what = render::step(step);
    match result {
        StepResult::Done { .. } => format!("done     {what}"),
        StepResult::AlreadyDone { .. } => format!("already  {what}"),
        StepResult::Failed { message, .. } => {
            format!("FAILED   {what}: {}", render::shown(message))
        }
        StepResult::NotAttempted => format!("skipped  {what} (stopped before it)"),
    }
}

/// The path every writing directory command takes once it has a plan: print it, stop at a
/// dry run or when nothing is to do, refuse an externally managed directory without
/// `--force`, confirm, run.
pub async fn execute<W: DirectoryWriter>(
    writer: &W,
    state: &DirectoryState,
    steps: &[Step],
    flags: &WriteFlags,
    journal_path: PathBuf,
    input_checksum: &str,
) -> Result<ExitCode> {
    if steps.is_empty() {
        say("Nothing to send.");
        return Ok(ExitCode::SUCCESS);
    }
    if flags.dry_run {
        if state.externally_managed() {
            eprintln!("warning: {EXTERNAL_SOURCE} (a real run needs --force)");
        }
        say("Dry run: nothing was sent.");
        return Ok(ExitCode::SUCCESS);
    }
    check_external(state, flags.force)?;
    let store = writer.identity_store_id();
    check_journal_dir(&journal_path)?;
    let question = format!(
        "Send these {} to identity store {store}?",
        if steps.len() == 1 {
            "1 request".to_owned()
        } else {
            format!("{} requests", steps.len())
        }
    );
    confirm_store(&store, &question, "written", flags.yes).await?;
    let (mut journal, _) = open_journal(&journal_path, input_checksum, &store)?;
    run_steps(writer, steps, &mut journal).await
}
