//! `cutover cleanup`: lists the old identity source's leftovers (users and groups of an
//! external-id issuer, or the old principals of a mapping) that hold no access any more, and
//! deletes them after typed confirmation, journaling every delete.

use super::LiveArgs;
use crate::apply::cleanup::{self, Candidate, DeleteReport, DeleteResult, Selector};
use crate::apply::journal::JournalWriter;
use crate::aws::AwsBackend;
use crate::backend::{Backend, ProgressSink, Writer};
use crate::model::Snapshot;
use crate::{fsio, mapping};
use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::{ArgGroup, Args};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// Prints a line; a reader that went away (`| head`) is no reason to stop deleting, and every
/// delete is in the journal anyway.
macro_rules! say {
    ($($arg:tt)*) => {
        say(&format!("{}\n", format_args!($($arg)*)))
    };
}

macro_rules! say_raw {
    ($($arg:tt)*) => {
        say(&format!($($arg)*))
    };
}

fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

use cleanup::SOURCE_REMINDER;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("old").required(true).args(["issuer", "mapping"])))]
pub struct CleanupArgs {
    /// The old source's external-id issuer (e.g. https://sts.windows.net/<tenant>/): its users and groups are the leftovers.
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// The old principals of this mapping CSV are the leftovers (with --baseline).
    #[arg(long, value_name = "FILE", requires = "baseline")]
    pub mapping: Option<PathBuf>,

    /// The baseline snapshot the mapping refers to (with --mapping).
    #[arg(long, value_name = "FILE", requires = "mapping")]
    pub baseline: Option<PathBuf>,

    /// List from this snapshot file instead of the live instance; nothing can be deleted then (a dry run).
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,

    /// Also delete old principals that still hold access (listed with that access first); their assignments stay behind as orphans.
    #[arg(long)]
    pub include_with_access: bool,

    /// Delete without typed confirmation (for automation).
    #[arg(long)]
    pub yes: bool,

    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,

    /// Where to journal the deletes (JSONL, mode 0600, appended). Default: cleanup-<identity store id>-<UTC time>.journal.jsonl in the current directory.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
}

pub async fn run(live: &LiveArgs, args: CleanupArgs) -> Result<()> {
    // Everything that can fail without AWS fails before the load.
    let mapping_input = match (&args.mapping, &args.baseline) {
        (Some(mapping), Some(baseline)) => {
            let baseline_snapshot = fsio::read_snapshot(baseline)
                .with_context(|| format!("cannot use {} as the baseline", baseline.display()))?;
            let text = std::fs::read_to_string(mapping)
                .with_context(|| format!("cannot read the mapping file {}", mapping.display()))?;
            Some((mapping.clone(), baseline_snapshot, text))
        }
        _ => None,
    };
    if let Some(journal) = &args.journal {
        super::directory::check_journal_dir(journal)?;
    }

    let (snapshot, backend) = match &args.current {
        Some(path) => (fsio::read_snapshot(path)?, None),
        None => {
            let backend = AwsBackend::connect(live.options()).await?;
            let (sink, events) = ProgressSink::channel();
            let display = super::progress::spawn(events, std::io::stderr().is_terminal());
            let outcome = backend.load(sink).await;
            let _ = display.await;
            (outcome?.snapshot, Some(backend))
        }
    };
    for warning in &snapshot.warnings {
        eprintln!(
            "warning: the current state is incomplete: {} not read ({}): {}",
            warning.affects, warning.operation, warning.message
        );
    }

    let parsed_mapping = match &mapping_input {
        Some((path, baseline, text)) => Some(
            mapping::file::parse(text, baseline, &snapshot)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        ),
        None => None,
    };
    let selector = match (&args.issuer, &parsed_mapping) {
        (Some(issuer), _) => Selector::Issuer(issuer),
        (None, Some(mapping)) => Selector::Mapping(mapping),
        (None, None) => bail!("pass --issuer URL, or --mapping FILE with --baseline FILE"),
    };
    let selection = cleanup::select(&snapshot, selector);
    let store = snapshot.instance.identity_store_id.clone();
    say!(
        "Identity store {store} (instance {}), as loaded at {}.",
        snapshot.instance.instance_arn,
        snapshot.captured_at.format("%Y-%m-%d %H:%M:%SZ")
    );
    say_raw!("{}", selection.render(args.include_with_access));
    if let (Some(issuer), true) = (&args.issuer, selection.candidates.is_empty()) {
        print_issuers(issuer, &snapshot);
    }

    let to_delete = selection.to_delete(args.include_with_access);
    if to_delete.is_empty() {
        say!("\nNothing to delete.");
        return Ok(());
    }
    let Some(backend) = backend else {
        say!(
            "\n--current FILE: listing only (a dry run); a snapshot file has nothing to delete against. Run without --current to delete in the live instance. Nothing was deleted."
        );
        say!("{SOURCE_REMINDER}");
        return Ok(());
    };
    if args.dry_run {
        say!("\nDry run: nothing was deleted.");
        say!("{SOURCE_REMINDER}");
        return Ok(());
    }
    let unknown = cleanup::access_unknown(&snapshot);
    if !unknown.is_empty() {
        let parts: Vec<&str> = unknown.iter().map(|w| w.affects.as_str()).collect();
        bail!(
            "the load could not read {}: who still holds access cannot be told, so nothing is deleted; grant the missing read permission and run again",
            parts.join(", ")
        );
    }
    let question = format!(
        "Delete these {} users and groups from identity store {store}? This cannot be undone.",
        to_delete.len()
    );
    super::directory::confirm_store(&store, &question, "deleted", args.yes).await?;

    let journal_path = args.journal.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "cleanup-{store}-{}.journal.jsonl",
            Utc::now().format("%Y%m%dT%H%M%SZ")
        ))
    });
    let mut journal = JournalWriter::open(&journal_path)?;
    let outcome = delete_all(&backend, &to_delete, &mut journal).await?;
    say!(
        "\nDeleted {} of {} ({} already gone, {} failed{}). Journal: {}",
        outcome.deleted,
        to_delete.len(),
        outcome.already_gone,
        outcome.failed,
        if outcome.not_attempted > 0 {
            format!(", {} not attempted", outcome.not_attempted)
        } else {
            String::new()
        },
        journal_path.display()
    );
    say!("{SOURCE_REMINDER}");
    if outcome.failed > 0 || outcome.not_attempted > 0 {
        bail!(
            "{} delete{} failed{}: see above and the journal {}; run cleanup again to retry",
            outcome.failed,
            if outcome.failed == 1 { "" } else { "s" },
            if outcome.not_attempted > 0 {
                format!(" and {} were not attempted", outcome.not_attempted)
            } else {
                String::new()
            },
            journal_path.display()
        );
    }
    Ok(())
}

fn print_issuers(issuer: &str, snapshot: &Snapshot) {
    let issuers = cleanup::issuers(snapshot);
    if issuers.is_empty() {
        say!("No user or group carries an external id of {issuer}; no user or group of this instance carries any external id.");
        return;
    }
    say!("No user or group carries an external id of {issuer}. Issuers in this instance:");
    for (issuer, users, groups) in issuers {
        say!("  {issuer}  ({users} users, {groups} groups)");
    }
}

/// Deletes every candidate through the shared loop ([`cleanup::delete_all`]), printing a line
/// for each as it is journaled.
async fn delete_all<W: Writer>(
    writer: &W,
    candidates: &[&Candidate],
    journal: &mut JournalWriter,
) -> Result<DeleteReport> {
    let stop = AtomicBool::new(false);
    let report = cleanup::delete_all(writer, candidates, journal, &stop, |candidate, result| {
        let (kind, name, id) = (
            candidate.principal_type.as_str(),
            &candidate.name,
            &candidate.principal_id,
        );
        match result {
            DeleteResult::Deleted => say!("deleted  {kind:<5} {name}  {id}"),
            DeleteResult::AlreadyGone => say!("gone     {kind:<5} {name}  {id} (already deleted)"),
            DeleteResult::Failed { message, .. } => {
                say!("FAILED   {kind:<5} {name}  {id}: {message}")
            }
            DeleteResult::NotAttempted => {}
        }
    })
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::journal::{OpStatus, Record};
    use crate::backend::sim_writer::{SimFaults, SimWriter};
    use crate::model::*;

    fn candidate(principal_type: PrincipalType, id: &str) -> Candidate {
        Candidate {
            principal_type,
            principal_id: id.into(),
            name: format!("name-{id}"),
            access: Vec::new(),
        }
    }

    #[tokio::test]
    async fn every_delete_is_journaled_and_one_already_gone_does_not_stop_the_others() {
        let mut snapshot = Snapshot::empty(InstanceInfo::default(), crate::fixture::captured_at());
        for id in ["u-1", "u-2"] {
            snapshot.users.push(User {
                user_id: id.into(),
                user_name: id.into(),
                display_name: None,
                name: None,
                emails: Vec::new(),
                external_ids: Vec::new(),
                status: None,
                profile: Default::default(),
            });
        }
        snapshot.groups.push(Group {
            group_id: "g-1".into(),
            display_name: "g".into(),
            description: None,
            external_ids: Vec::new(),
        });
        let writer = SimWriter::new(&snapshot, SimFaults::default());
        // u-gone does not exist: the simulation answers NotFound, which counts as done.
        let candidates = [
            candidate(PrincipalType::User, "u-1"),
            candidate(PrincipalType::User, "u-gone"),
            candidate(PrincipalType::User, "u-2"),
            candidate(PrincipalType::Group, "g-1"),
        ];
        let refs: Vec<&Candidate> = candidates.iter().collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cleanup.journal.jsonl");
        let mut journal = JournalWriter::open(&path).unwrap();
        let outcome = delete_all(&writer, &refs, &mut journal).await.unwrap();
        assert_eq!((outcome.deleted, outcome.already_gone), (3, 1));
        assert_eq!(outcome.failed, 0);
        assert_eq!(writer.log().deleted_principals.len(), 3);
        let records = crate::apply::journal::read(&path).unwrap().records;
        assert_eq!(records.len(), 4);
        let statuses: Vec<(String, OpStatus)> = records
            .iter()
            .map(|r| match r {
                Record::PrincipalDeleted {
                    principal_id,
                    status,
                    ..
                } => (principal_id.clone(), *status),
                other => panic!("unexpected record {other:?}"),
            })
            .collect();
        assert!(statuses.contains(&("u-gone".to_owned(), OpStatus::AlreadyDone)));
        assert!(statuses.contains(&("g-1".to_owned(), OpStatus::Succeeded)));
    }
}
