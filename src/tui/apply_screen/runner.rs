//! The async side of the apply screen, run by the TUI's runner (never by `update`): prepare a
//! plan (write it, read its journal, read the touched places, check drift) and run the
//! executor in a task whose events reach the app as [`AppEvent`]s.

use super::{ApplyCommand, ApplyTarget, Prepared};
use crate::apply::journal::{self, JournalState, JournalWriter};
use crate::apply::{drift, execute, observe, ApplyOptions, Control, StartingPoint};
use crate::aws::{AwsBackend, LiveOptions};
use crate::backend::sim_writer::{SimFaults, SimWriter};
use crate::backend::Writer;
use crate::plan::file::PlanFile;
use crate::tui::app::AppEvent;
use std::path::{Path, PathBuf};
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
        crate::fsio::create_private_dir_all(dir)
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
    let contents = journal::read(&journal_path).map_err(|e| e.to_string())?;
    if contents.torn_tail {
        notes.push("the journal's last line was cut off (a run was killed while writing it): it is ignored and the operation checked against the instance".to_owned());
    }
    let prior = JournalState::replay(
        &journal_path,
        &contents.records,
        plan.body.operations.len(),
        &plan.checksum,
    )
    .map_err(|e| e.to_string())?;
    let observed = observe(writer, &plan)
        .await
        .map_err(|e| format!("cannot read the current assignments: {e}"))?;
    let found = drift::check(&plan, &prior, &observed);
    let blocking = found
        .iter()
        .filter(|d| d.changes_outcome.is_some())
        .flat_map(|d| d.lines())
        .collect();
    let prepared = Prepared {
        plan_path: plan_path.to_owned(),
        journal_path,
        plan_reused,
        prior: prior.clone(),
        drift: found.iter().flat_map(|d| d.lines()).collect(),
        blocking,
        notes,
        plan,
    };
    Ok((prepared, StartingPoint { prior, observed }))
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

/// The writer a session applies with.
#[derive(Clone)]
enum Target {
    /// The demo's simulation, created once per session: a rerun resumes against it.
    Demo {
        sim: Arc<SimWriter>,
        fresh: Arc<std::sync::atomic::AtomicBool>,
    },
    Live(LiveOptions),
    Unavailable(String),
}

/// The writer a session writes with, as other screens get it ([`Session::writer`]).
#[derive(Clone)]
pub enum SessionWriter {
    /// The demo's simulation (the same one for the whole session).
    Demo(Arc<SimWriter>),
    /// A live instance: connect with these options.
    Live(LiveOptions),
    /// Nothing can be written: why.
    Unavailable(String),
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
    target: Target,
    ready: Arc<Mutex<Option<Ready>>>,
    control: Option<Control>,
    task: Option<JoinHandle<()>>,
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
        Session::with(Target::Demo {
            sim: Arc::new(SimWriter::new(&current, faults)),
            fresh: Arc::new(std::sync::atomic::AtomicBool::new(true)),
        })
    }

    pub fn live(options: LiveOptions) -> Session {
        Session::with(Target::Live(options))
    }

    pub fn unavailable(reason: impl Into<String>) -> Session {
        Session::with(Target::Unavailable(reason.into()))
    }

    fn with(target: Target) -> Session {
        Session {
            target,
            ready: Arc::new(Mutex::new(None)),
            control: None,
            task: None,
        }
    }

    /// The writer of this session, shared with the cleanup screen: the demo's simulation is the
    /// one the apply screen writes to, so a cleanup sees what an apply did.
    pub fn writer(&self) -> SessionWriter {
        match &self.target {
            Target::Demo { sim, .. } => SessionWriter::Demo(sim.clone()),
            Target::Live(options) => SessionWriter::Live(options.clone()),
            Target::Unavailable(reason) => SessionWriter::Unavailable(reason.clone()),
        }
    }

    /// What the app may offer.
    pub fn app_target(&self) -> ApplyTarget {
        match &self.target {
            Target::Demo { .. } => ApplyTarget::Demo,
            Target::Live(_) => ApplyTarget::Live,
            Target::Unavailable(reason) => ApplyTarget::Unavailable(reason.clone()),
        }
    }

    /// An apply task is running.
    pub fn running(&self) -> bool {
        self.task.as_ref().is_some_and(|t| !t.is_finished())
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
                if let Some(control) = &self.control {
                    control.set_paused(paused);
                }
            }
            ApplyCommand::Stop => {
                if let Some(control) = &self.control {
                    control.stop();
                }
            }
        }
    }

    fn prepare(
        &mut self,
        attempt: u64,
        plan_path: PathBuf,
        plan: PlanFile,
        events: UnboundedSender<AppEvent>,
    ) {
        let target = self.target.clone();
        let slot = self.ready.clone();
        *slot.lock().unwrap_or_else(|e| e.into_inner()) = None;
        tokio::spawn(async move {
            let result = async {
                let (writer, fresh) = match target {
                    Target::Demo { sim, fresh } => (
                        AnyWriter::Sim(sim),
                        fresh.swap(false, std::sync::atomic::Ordering::SeqCst),
                    ),
                    Target::Live(options) => {
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
                    Target::Unavailable(reason) => return Err(reason),
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
        self.task = Some(match writer {
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
        });
        self.control = Some(control);
    }

    /// The TUI is closing: stop the apply (no new writes) and give the outstanding ones up to
    /// `grace` to finish and be journaled. What is cut short is settled by the next run.
    pub async fn shutdown(&mut self, grace: Duration) {
        if let (Some(control), Some(task)) = (&self.control, self.task.take()) {
            control.stop();
            let _ = tokio::time::timeout(grace, task).await;
        }
    }
}
