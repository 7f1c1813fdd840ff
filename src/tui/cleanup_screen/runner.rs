//! The async side of the cleanup screen, run by the TUI's runner (never by `update`): select the
//! mapping's old principals in the session's current state, and delete them in a task whose
//! results reach the app as [`AppEvent`]s.

use super::{CleanupCommand, Selected};
use crate::apply::cleanup::{self, Candidate, Selector};
use crate::apply::journal::JournalWriter;
use crate::aws::AwsBackend;
use crate::backend::Writer;
use crate::mapping::Mapping;
use crate::model::Snapshot;
use crate::tui::background::{BackgroundTask, SessionWriter};
use crate::tui::event::AppEvent;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

/// The selection against `snapshot`, said to be `basis`.
pub fn selected(snapshot: &Snapshot, mapping: &Mapping, basis: String) -> Selected {
    Selected {
        selection: cleanup::select(snapshot, Selector::Mapping(mapping)),
        store: snapshot.instance.identity_store_id.clone(),
        basis,
        access_unknown: cleanup::access_unknown(snapshot)
            .into_iter()
            .map(|w| format!("{} ({}): {}", w.affects, w.operation, w.message))
            .collect(),
    }
}

/// The selection for this session's writer.
///
/// The demo: against its simulation as it is now (`SimWriter::snapshot_from`), so what an
/// apply in this session did is seen (retired old principals hold nothing any more).
///
/// Live: against the current state as loaded, not re-read. A fresh load takes minutes on a large
/// instance, and re-reading only the old principals' access is not cheap either: the writer can
/// list the principals of one (account, permission set) place, so it would take every place of
/// every account, plus the application assignments and the memberships. The screen says so, and
/// that `cutover cleanup` re-reads the state before it deletes. The stale direction that matters
/// after an apply in this session is the safe one: old principals whose access the apply removed
/// still show it, so they stay refused unless included.
pub fn select(writer: &SessionWriter, current: &Snapshot, mapping: &Mapping) -> Selected {
    let captured = current.captured_at.format("%Y-%m-%d %H:%M:%SZ");
    match writer {
        SessionWriter::Demo(sim) => selected(
            &sim.snapshot_from(current),
            mapping,
            "the demo's simulation as it is now (after this session's applies)".to_owned(),
        ),
        SessionWriter::Live(_) => selected(
            current,
            mapping,
            format!("the current state as loaded at {captured}, not re-read here (cutover cleanup re-reads it before deleting); access granted since then is not seen"),
        ),
        SessionWriter::Unavailable(_) => selected(
            current,
            mapping,
            format!("the current state as loaded at {captured} (listing only: this session cannot write)"),
        ),
    }
}

/// Deletes `candidates` through the shared loop ([`cleanup::delete_all`]), journaling each to
/// `journal_path` (created mode 0600 in a directory created if needed); every result reaches
/// `events` as [`AppEvent::CleanupDeleted`] once it is journaled, the totals last as
/// [`AppEvent::CleanupFinished`].
pub async fn run_deletes<W: Writer>(
    writer: &W,
    attempt: u64,
    candidates: &[Candidate],
    journal_path: &std::path::Path,
    stop: &AtomicBool,
    events: &UnboundedSender<AppEvent>,
) {
    let result = async {
        if let Some(dir) = journal_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut journal = JournalWriter::open(journal_path).map_err(|e| e.to_string())?;
        let refs: Vec<&Candidate> = candidates.iter().collect();
        // Candidates are distinct principals: the index of each result is found by its id.
        let index: std::collections::HashMap<&str, usize> = candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (c.principal_id.as_str(), i))
            .collect();
        cleanup::delete_all(writer, &refs, &mut journal, stop, |candidate, result| {
            if let Some(&index) = index.get(candidate.principal_id.as_str()) {
                let _ = events.send(AppEvent::CleanupDeleted {
                    attempt,
                    index,
                    result: result.clone(),
                });
            }
        })
        .await
        .map_err(|e| format!("the journal could not be written, so the deletes stopped: {e}"))
    }
    .await;
    let _ = events.send(AppEvent::CleanupFinished { attempt, result });
}

/// Runs [`run_deletes`] in a task; it ends after sending the totals.
pub fn start_deletes<W: Writer + 'static>(
    writer: Arc<W>,
    attempt: u64,
    candidates: Vec<Candidate>,
    journal_path: PathBuf,
    stop: Arc<AtomicBool>,
    events: UnboundedSender<AppEvent>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        run_deletes(
            &*writer,
            attempt,
            &candidates,
            &journal_path,
            &stop,
            &events,
        )
        .await;
    })
}

/// The runner's cleanup state for one TUI session.
pub struct CleanupRunner {
    writer: SessionWriter,
    run: BackgroundTask<Arc<AtomicBool>>,
}

impl CleanupRunner {
    pub fn new(writer: SessionWriter) -> CleanupRunner {
        CleanupRunner {
            writer,
            run: BackgroundTask::default(),
        }
    }

    pub fn running(&self) -> bool {
        self.run.running()
    }

    /// Carries out one command; results arrive on `events`.
    pub fn handle(&mut self, command: CleanupCommand, events: &UnboundedSender<AppEvent>) {
        match command {
            CleanupCommand::Select {
                attempt,
                current,
                mapping,
            } => {
                let writer = self.writer.clone();
                let events = events.clone();
                tokio::spawn(async move {
                    // The access index is built here, off the UI loop.
                    let result =
                        tokio::task::spawn_blocking(move || select(&writer, &current, &mapping))
                            .await
                            .map(Box::new)
                            .map_err(|e| format!("internal error while selecting: {e}"));
                    let _ = events.send(AppEvent::CleanupSelected { attempt, result });
                });
            }
            CleanupCommand::Stop => self.run.stop(),
            CleanupCommand::Delete {
                attempt,
                store,
                journal_path,
                candidates,
            } => {
                if self.running() {
                    let _ = events.send(AppEvent::CleanupFinished {
                        attempt,
                        result: Err("a cleanup is running already".to_owned()),
                    });
                    return;
                }
                let stop = Arc::new(AtomicBool::new(false));
                let events = events.clone();
                let task = match self.writer.clone() {
                    SessionWriter::Demo(sim) => {
                        start_deletes(sim, attempt, candidates, journal_path, stop.clone(), events)
                    }
                    SessionWriter::Live(options) => tokio::spawn({
                        let stop = stop.clone();
                        async move {
                            let backend = match AwsBackend::connect(options).await {
                                Ok(backend) => backend,
                                Err(e) => {
                                    let _ = events.send(AppEvent::CleanupFinished {
                                        attempt,
                                        result: Err(format!("cannot connect: {e}")),
                                    });
                                    return;
                                }
                            };
                            let reached = backend.instance().identity_store_id.clone();
                            if reached != store {
                                let _ = events.send(AppEvent::CleanupFinished {
                                attempt,
                                result: Err(format!("the principals are in identity store {store}, but the credentials and flags reach {reached}: nothing was deleted")),
                            });
                                return;
                            }
                            run_deletes(
                                &backend,
                                attempt,
                                &candidates,
                                &journal_path,
                                &stop,
                                &events,
                            )
                            .await;
                        }
                    }),
                    SessionWriter::Unavailable(reason) => {
                        let _ = events.send(AppEvent::CleanupFinished {
                            attempt,
                            result: Err(reason),
                        });
                        return;
                    }
                };
                self.run.started(stop, task);
            }
        }
    }

    /// The TUI is closing: no new deletes; the ones in flight get up to `grace` to finish and
    /// be journaled.
    pub async fn shutdown(&mut self, grace: Duration) {
        self.run.shutdown(grace).await;
    }
}
