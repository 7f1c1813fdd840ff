//! What the screens that write share on the runner's side: the session's writer, and a task
//! that can be told to stop and is given a grace period to finish when the TUI closes.

use crate::apply::Control;
use crate::aws::LiveOptions;
use crate::backend::sim_writer::SimWriter;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// The writer a session writes with, the same for every screen: the demo's simulation is the
/// one the apply screen writes to, so a cleanup sees what an apply did.
#[derive(Clone)]
pub enum SessionWriter {
    /// The demo's simulation (the same one for the whole session).
    Demo(Arc<SimWriter>),
    /// A live instance: connect with these options.
    Live(LiveOptions),
    /// Nothing can be written: why.
    Unavailable(String),
}

/// How a running task is told to stop: no new writes, the outstanding ones finish.
pub trait Stop {
    fn stop(&self);
}

impl Stop for Control {
    fn stop(&self) {
        Control::stop(self);
    }
}

impl Stop for Arc<AtomicBool> {
    fn stop(&self) {
        self.store(true, Ordering::SeqCst);
    }
}

/// A write run in a task: at most one at a time.
pub struct BackgroundTask<S: Stop> {
    stop: Option<S>,
    task: Option<JoinHandle<()>>,
}

impl<S: Stop> Default for BackgroundTask<S> {
    fn default() -> Self {
        BackgroundTask {
            stop: None,
            task: None,
        }
    }
}

impl<S: Stop> BackgroundTask<S> {
    /// A task is running.
    pub fn running(&self) -> bool {
        self.task.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// The task just started, and how to stop it.
    pub fn started(&mut self, stop: S, task: JoinHandle<()>) {
        self.stop = Some(stop);
        self.task = Some(task);
    }

    /// How the last task is controlled (pause, stop).
    pub fn control(&self) -> Option<&S> {
        self.stop.as_ref()
    }

    /// Asks the task to stop; its report still arrives.
    pub fn stop(&self) {
        if let Some(stop) = &self.stop {
            stop.stop();
        }
    }

    /// The TUI is closing: stop the task and give the outstanding work up to `grace` to
    /// finish and be journaled. What is cut short is settled by the next run.
    pub async fn shutdown(&mut self, grace: Duration) {
        if let (Some(stop), Some(task)) = (&self.stop, self.task.take()) {
            stop.stop();
            let _ = tokio::time::timeout(grace, task).await;
        }
    }
}
