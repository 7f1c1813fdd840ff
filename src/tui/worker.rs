//! Work that must not run on the input path, and its results coming back as [`AppEvent`]s on
//! the same channel as keys and load progress:
//!
//! - the **build thread**, one per dataset: builds the access index, then every pane's table
//!   (the pane on screen first). A newer dataset stops it between two steps.
//! - the **filter worker**, one thread for the app's lifetime: runs filter and sort jobs. Jobs
//!   queued behind a newer one for the same pane are skipped, a running job stops when a newer
//!   one arrives, and the app drops any result that is not the newest it asked for.

use super::dataset::Indexed;
use super::event::{AppEvent, Filtered};
use super::filter::{self, Query};
use super::panes::{self, PaneKind, Source, Table};
use crate::model::{PartKind, Snapshot};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use tokio::sync::mpsc::UnboundedSender;

const PANES: usize = PaneKind::ALL.len();

/// Reports a panic on a worker thread to the app (which would otherwise wait for its result
/// forever): dropped while the thread unwinds, it sends [`AppEvent::WorkerFailed`].
struct ReportPanic {
    events: UnboundedSender<AppEvent>,
    what: &'static str,
}

impl Drop for ReportPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = self.events.send(AppEvent::WorkerFailed(self.what));
        }
    }
}

/// A filter (and sort) to run over one pane's table.
pub struct FilterJob {
    pub pane: usize,
    pub id: u64,
    pub table: Arc<Table>,
    pub query: String,
    pub sort: Option<(usize, bool)>,
    /// Rows that passed a query this one narrows (see `app::narrows`), in table order.
    pub candidates: Option<Arc<Vec<u32>>>,
}

pub struct Workers {
    events: UnboundedSender<AppEvent>,
    filter: Option<mpsc::Sender<FilterJob>>,
    /// Per pane, the id of the newest filter job; 0 when none is wanted.
    latest: Arc<[AtomicU64; PANES]>,
    next_id: u64,
    /// The dataset generation the build thread works for.
    generation: Arc<AtomicU64>,
    /// The pane on screen, which the build thread builds next.
    wanted: Arc<AtomicUsize>,
}

impl Workers {
    pub fn new(events: UnboundedSender<AppEvent>) -> Workers {
        Workers {
            events,
            filter: None,
            latest: Arc::new(std::array::from_fn(|_| AtomicU64::new(0))),
            next_id: 0,
            generation: Arc::new(AtomicU64::new(0)),
            wanted: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The pane on screen changed: build its table next.
    pub fn want(&self, pane: usize) {
        self.wanted.store(pane, Ordering::Relaxed);
    }

    /// Starts building `snapshot`'s index and tables for dataset `generation` (stopping the
    /// build of an older one).
    pub fn build(&self, generation: u64, snapshot: Arc<Snapshot>, missing: BTreeSet<PartKind>) {
        self.generation.store(generation, Ordering::Relaxed);
        let current = self.generation.clone();
        let wanted = self.wanted.clone();
        let events = self.events.clone();
        let stale = move || current.load(Ordering::Relaxed) != generation;
        std::thread::spawn(move || {
            let _report = ReportPanic {
                events: events.clone(),
                what: "building the tables",
            };
            let indexed = Arc::new(Indexed::build(snapshot.clone()));
            if stale()
                || events
                    .send(AppEvent::Indexed {
                        generation,
                        indexed: indexed.clone(),
                    })
                    .is_err()
            {
                return;
            }
            let source = Source {
                snapshot: &snapshot,
                index: Some(indexed.index()),
                missing: &missing,
            };
            let mut built = [false; PANES];
            loop {
                let first = wanted.load(Ordering::Relaxed);
                let Some(pane) = (0..PANES).map(|i| (first + i) % PANES).find(|&p| !built[p])
                else {
                    return;
                };
                built[pane] = true;
                if stale() {
                    return;
                }
                if let Some(table) = panes::build(PaneKind::ALL[pane], &source) {
                    let table = Arc::new(table);
                    let event = AppEvent::TableBuilt {
                        generation,
                        pane,
                        table,
                    };
                    if stale() || events.send(event).is_err() {
                        return;
                    }
                }
            }
        });
    }

    /// Queues a filter job for `pane` and returns its id; any older job for the pane is void.
    pub fn filter(
        &mut self,
        pane: usize,
        table: Arc<Table>,
        query: String,
        sort: Option<(usize, bool)>,
        candidates: Option<Arc<Vec<u32>>>,
    ) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.latest[pane].store(id, Ordering::Relaxed);
        let job = FilterJob {
            pane,
            id,
            table,
            query,
            sort,
            candidates,
        };
        let sender = self
            .filter
            .get_or_insert_with(|| spawn_filter_worker(self.events.clone(), self.latest.clone()));
        if let Err(mpsc::SendError(job)) = sender.send(job) {
            // The worker died (a panic in a job): start another.
            let sender = spawn_filter_worker(self.events.clone(), self.latest.clone());
            let _ = sender.send(job);
            self.filter = Some(sender);
        }
        id
    }

    /// No filter result is wanted for `pane` any more (its rows were set directly).
    pub fn cancel(&mut self, pane: usize) {
        self.latest[pane].store(0, Ordering::Relaxed);
    }
}

fn spawn_filter_worker(
    events: UnboundedSender<AppEvent>,
    latest: Arc<[AtomicU64; PANES]>,
) -> mpsc::Sender<FilterJob> {
    let (sender, jobs) = mpsc::channel::<FilterJob>();
    std::thread::spawn(move || {
        let _report = ReportPanic {
            events: events.clone(),
            what: "filtering",
        };
        while let Ok(first) = jobs.recv() {
            // Everything queued meanwhile: only the newest job of each pane still matters.
            let mut queued = vec![first];
            queued.extend(jobs.try_iter());
            for job in queued {
                let current = &latest[job.pane];
                if current.load(Ordering::Relaxed) != job.id {
                    continue;
                }
                let cancelled = || current.load(Ordering::Relaxed) != job.id;
                let query = Query::parse(&job.query);
                let Some(outcome) = filter::filter_table(
                    &job.table,
                    &query,
                    job.candidates.as_deref().map(Vec::as_slice),
                    job.sort,
                    &cancelled,
                ) else {
                    continue;
                };
                let done = Filtered {
                    pane: job.pane,
                    id: job.id,
                    query: job.query,
                    outcome,
                };
                if events.send(AppEvent::Filtered(done)).is_err() {
                    return;
                }
            }
        }
    });
    sender
}
