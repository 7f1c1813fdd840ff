//! The async side of the apply screen, run by the TUI's runner (never by `update`): prepare a
//! plan (write it, read its journal, read the touched places, check drift) and run the
//! executor in a task whose events reach the app as [`AppEvent`]s.

use super::{ApplyCommand, ApplyTarget, Prepared};
use crate::apply::journal::{self, JournalWriter};
use crate::apply::{execute, ApplyOptions, Control, StartingPoint};
use crate::aws::{AwsBackend, LiveOptions};
use crate::backend::sim_writer::{SimFaults, SimWriter};
use crate::backend::Writer;
use crate::plan::file::PlanFile;
use crate::tui::background::{BackgroundTask, SessionWriter};
use crate::tui::event::AppEvent;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinHandle;

/// Whether two plans are the same work: everything but the time they were made.
fn same_plan(a: &PlanFile, b: &PlanFile) -> bool {
    let mut a = a.body.clone();
    a.created_at = b.body.created_at;
    a == b.body
}

/// Writes `plan` to `plan_path` (atomically, mode 0600) unless an identical plan is already
/// there (then that one is kept, with its checksum, so its journal resumes); reads the journal
/// next to it and the places the plan touches, and checks drift as `cutover apply` does.
/// `fresh_journal` discards an earlier journal (the demo's simulation starts afresh each
/// session, so a journal from an earlier session describes writes it no longer holds).
pub async fn prepare<W: Writer>(
    writer: &W,
    plan_path: &Path,
    plan: PlanFile,
    fresh_journal: bool,
) -> Result<(Prepared, StartingPoint), String> {
    if let Some(dir) = plan_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let journal_path = journal::default_path(plan_path);
    let mut notes = Vec::new();
    let existing = std::fs::read_to_string(plan_path)
        .ok()
        .and_then(|text| PlanFile::from_json(&text).ok());
    let (plan, plan_reused) = match existing {
        Some(existing) if same_plan(&existing, &plan) => (existing, true),
        _ => {
            crate::fsio::write_private_atomic(plan_path, plan.to_json().as_bytes())
                .map_err(|e| format!("cannot write the plan {}: {e}", plan_path.display()))?;
            (plan, false)
        }
    };
    if journal_path.exists() {
        if fresh_journal {
            std::fs::remove_file(&journal_path)
                .map_err(|e| format!("cannot remove {}: {e}", journal_path.display()))?;
            notes.push(
                "the demo's simulation starts afresh each session: an earlier session's journal was removed"
                    .to_owned(),
            );
        } else if !plan_reused {
            // It belongs to the plan this one replaces: kept, out of the way.
            let mut aside = journal_path.clone().into_os_string();
            aside.push(format!(
                ".replaced-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ));
            let aside = PathBuf::from(aside);
            std::fs::rename(&journal_path, &aside)
                .map_err(|e| format!("cannot move {} aside: {e}", journal_path.display()))?;
            notes.push(format!(
                "the mapping changed since the last plan: its journal was moved to {}",
                aside.display()
            ));
        }
    }
    if plan_reused {
        notes.push("the same plan as before: its journal is resumed".to_owned());
    }
    let checked = crate::apply::prepare::prepare(writer, &plan, &journal_path)
        .await
        .map_err(|e| e.to_string())?;
    if checked.prior.torn_tail {
        notes.push("the journal's last line was cut off (a run was killed while writing it): it is ignored and the operation checked against the instance".to_owned());
    }
    let prepared = Prepared {
        plan_path: plan_path.to_owned(),
        journal_path,
        plan_reused,
        prior: checked.prior.state.clone(),
        drift: checked.drift.iter().flat_map(|d| d.lines()).collect(),
        blocking: checked.blocking().flat_map(|d| d.lines()).collect(),
        notes,
        plan,
    };
    Ok((prepared, checked.starting_point()))
}

/// Runs the executor in a task: every [`crate::apply::ApplyEvent`] reaches `events` as
/// [`AppEvent::Apply`], the writer's request counters as [`AppEvent::ApplyStats`] (at the
/// start, every half second, at the end), and the report last as
/// [`AppEvent::ApplyFinished`]. The task ends after sending the report.
pub fn start_apply<W: Writer + 'static>(
    writer: Arc<W>,
    plan: Arc<PlanFile>,
    journal_path: PathBuf,
    start: StartingPoint,
    options: ApplyOptions,
    control: Control,
    events: UnboundedSender<AppEvent>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _ = events.send(AppEvent::ApplyStats(writer.stats()));
        let mut journal = match JournalWriter::open(&journal_path) {
            Ok(journal) => journal,
            Err(e) => {
                let _ = events.send(AppEvent::ApplyFinished(Err(e.to_string())));
                return;
            }
        };
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let forward = {
            let events = events.clone();
            tokio::spawn(async move {
                while let Some(event) = receiver.recv().await {
                    if events.send(AppEvent::Apply(event)).is_err() {
                        break;
                    }
                }
            })
        };
        let ticker = {
            let (events, writer) = (events.clone(), writer.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(Duration::from_millis(500));
                every.tick().await;
                loop {
                    every.tick().await;
                    if events.send(AppEvent::ApplyStats(writer.stats())).is_err() {
                        break;
                    }
                }
            })
        };
        let report = execute(
            &*writer,
            &plan,
            &mut journal,
            start,
            &options,
            &control,
            Some(sender),
        )
        .await;
        ticker.abort();
        let _ = forward.await;
        let _ = events.send(AppEvent::ApplyStats(writer.stats()));
        let _ = events.send(AppEvent::ApplyFinished(report.map_err(|e| e.to_string())));
    })
}

#[derive(Clone)]
enum AnyWriter {
    Sim(Arc<SimWriter>),
    Aws(Arc<AwsBackend>),
}

/// What a prepare found, waiting for the typed confirmation.
struct Ready {
    writer: AnyWriter,
    plan: PlanFile,
    journal_path: PathBuf,
    start: StartingPoint,
}

/// The runner's apply state for one TUI session.
pub struct Session {
    writer: SessionWriter,
    /// The demo's simulation starts afresh each session: the first prepare drops an earlier
    /// session's journal.
    fresh: Arc<AtomicBool>,
    ready: Arc<Mutex<Option<Ready>>>,
    run: BackgroundTask<Control>,
}

/// How the demo's simulation behaves: each write stays IN_PROGRESS for two polls, polled
/// every 150 ms at first, so the progress is there to watch.
pub fn demo_options() -> (SimFaults, ApplyOptions) {
    (
        SimFaults {
            in_progress_polls: 2,
            ..SimFaults::default()
        },
        ApplyOptions {
            poll_first: Duration::from_millis(150),
            poll_interval: Duration::from_millis(150),
            poll_max: Duration::from_millis(600),
            ..ApplyOptions::default()
        },
    )
}

impl Session {
    /// `cutover demo`: applies to a simulation of the demo's current state.
    pub fn demo() -> Session {
        let current = crate::fixture::demo::load_demo().current;
        let (faults, _) = demo_options();
        Session::with(SessionWriter::Demo(Arc::new(SimWriter::new(
            &current, faults,
        ))))
    }

    pub fn live(options: LiveOptions) -> Session {
        Session::with(SessionWriter::Live(options))
    }

    pub fn unavailable(reason: impl Into<String>) -> Session {
        Session::with(SessionWriter::Unavailable(reason.into()))
    }

    fn with(writer: SessionWriter) -> Session {
        Session {
            writer,
            fresh: Arc::new(AtomicBool::new(true)),
            ready: Arc::new(Mutex::new(None)),
            run: BackgroundTask::default(),
        }
    }

    /// The writer of this session, shared with the cleanup screen: the demo's simulation is the
    /// one the apply screen writes to, so a cleanup sees what an apply did.
    pub fn writer(&self) -> SessionWriter {
        self.writer.clone()
    }

    /// What the app may offer.
    pub fn app_target(&self) -> ApplyTarget {
        match &self.writer {
            SessionWriter::Demo(_) => ApplyTarget::Demo,
            SessionWriter::Live(_) => ApplyTarget::Live,
            SessionWriter::Unavailable(reason) => ApplyTarget::Unavailable(reason.clone()),
        }
    }

    /// An apply task is running.
    pub fn running(&self) -> bool {
        self.run.running()
    }

    /// Carries out one command; results arrive on `events`.
    pub fn handle(&mut self, command: ApplyCommand, events: &UnboundedSender<AppEvent>) {
        match command {
            ApplyCommand::Prepare {
                attempt,
                plan_path,
                plan,
            } => self.prepare(attempt, plan_path, *plan, events.clone()),
            ApplyCommand::Start => self.start(events.clone()),
            ApplyCommand::Pause(paused) => {
                if let Some(control) = self.run.control() {
                    control.set_paused(paused);
                }
            }
            ApplyCommand::Stop => self.run.stop(),
        }
    }

    fn prepare(
        &mut self,
        attempt: u64,
        plan_path: PathBuf,
        plan: PlanFile,
        events: UnboundedSender<AppEvent>,
    ) {
        let target = self.writer.clone();
        let fresh = self.fresh.clone();
        let slot = self.ready.clone();
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
        tokio::spawn(async move {
            let result = async {
                let (writer, fresh) = match target {
                    SessionWriter::Demo(sim) => {
                        (AnyWriter::Sim(sim), fresh.swap(false, Ordering::SeqCst))
                    }
                    SessionWriter::Live(options) => {
                        let backend = AwsBackend::connect(options)
                            .await
                            .map_err(|e| format!("cannot connect: {e}"))?;
                        let reached = &backend.instance().instance_arn;
                        if *reached != plan.body.target.instance_arn {
                            return Err(format!(
                                "the plan is for instance {}, but the credentials and flags reach {reached}",
                                plan.body.target.instance_arn
                            ));
                        }
                        (AnyWriter::Aws(Arc::new(backend)), false)
                    }
                    SessionWriter::Unavailable(reason) => return Err(reason),
                };
                let (prepared, start) = match &writer {
                    AnyWriter::Sim(w) => prepare(&**w, &plan_path, plan, fresh).await?,
                    AnyWriter::Aws(w) => prepare(&**w, &plan_path, plan, fresh).await?,
                };
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Ready {
                    writer,
                    plan: prepared.plan.clone(),
                    journal_path: prepared.journal_path.clone(),
                    start,
                });
                Ok(Box::new(prepared))
            }
            .await;
            let _ = events.send(AppEvent::ApplyPrepared { attempt, result });
        });
    }

    fn start(&mut self, events: UnboundedSender<AppEvent>) {
        let ready = self.ready.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(Ready {
            writer,
            plan,
            journal_path,
            start,
        }) = ready
        else {
            let _ = events.send(AppEvent::ApplyFinished(Err(
                "nothing prepared to run (press A again)".to_owned(),
            )));
            return;
        };
        if self.running() {
            let _ = events.send(AppEvent::ApplyFinished(Err(
                "an apply is running already".to_owned()
            )));
            return;
        }
        let control = Control::default();
        let plan = Arc::new(plan);
        let task = match writer {
            AnyWriter::Sim(sim) => {
                let (_, options) = demo_options();
                start_apply(
                    sim,
                    plan,
                    journal_path,
                    start,
                    options,
                    control.clone(),
                    events,
                )
            }
            AnyWriter::Aws(backend) => start_apply(
                backend,
                plan,
                journal_path,
                start,
                ApplyOptions::default(),
                control.clone(),
                events,
            ),
        };
        self.run.started(control, task);
    }

    /// The TUI is closing: stop the apply (no new writes) and give the outstanding ones up to
    /// `grace` to finish and be journaled. What is cut short is settled by the next run.
    pub async fn shutdown(&mut self, grace: Duration) {
        self.run.shutdown(grace).await;
    }
}
