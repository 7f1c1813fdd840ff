//! The terminal UI: browse an instance (live, a snapshot file, or the bundled demo), see who
//! has access to what and through which group; map old principals to new ones on the mapping
//! screen; apply the changeset and delete the leftovers. Read-only until the user enables
//! writes for the session (`W`, confirmed), and then each write run needs a typed id.
//!
//! Shape (the Elm architecture, as in gitui's update loop): a thread turns terminal input into
//! events, background tasks send load progress, finished parts of a live load and results on
//! the same channel ([`event`]), as do the app's own workers (index, tables, filtering;
//! worker.rs), `App::update` turns each event into a state change plus effects, and
//! `view::render` draws the state. Which screen gets keys, mouse and drawing is decided in one
//! place ([`screen::Screen`]). Nothing that renders awaits the network.

pub mod app;
pub mod apply_screen;
pub mod background;
pub mod cleanup_screen;
pub mod command;
pub mod dataset;
pub mod detail;
pub mod event;
pub mod filter;
pub mod keymap;
pub mod layout;
pub mod migration;
pub mod panes;
pub mod screen;
mod theme;
pub mod view;
pub mod widgets;
pub mod worker;

use crate::aws::{AwsBackend, LiveOptions};
use crate::backend::{Backend, ProgressSink};
use crate::fsio;
use crate::model::Snapshot;

use anyhow::Result;
use app::App;
use event::{AppEvent, Effect, PartialLoad};
use ratatui::crossterm::event::{
    self as terminal_event, DisableMouseCapture, EnableMouseCapture, Event,
};
use ratatui::crossterm::execute;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// Where the TUI's data comes from.
pub enum Source {
    /// The bundled demo organization (no AWS).
    Demo,
    /// A snapshot file.
    Snapshot(PathBuf),
    /// A live instance, loaded in the background.
    Live(LiveOptions),
    /// A snapshot loaded before the UI started (`cutover map` loads current live first);
    /// reload shows it again.
    Loaded {
        label: String,
        snapshot: Box<Snapshot>,
    },
}

/// Restores the terminal however the TUI ends (return, error or panic: ratatui's init installs
/// a panic hook that restores it before the panic message is printed).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

pub async fn run(source: Source) -> Result<()> {
    run_with(source, None).await
}

/// Runs the TUI with pane 7, the migration screen; `show` opens on it.
pub async fn run_with(
    source: Source,
    migration: Option<(migration::Migration, bool)>,
) -> Result<()> {
    run_with_live_apply(source, migration, None).await
}

/// As [`run_with`], with the live instance the apply screen writes to when the source is not
/// live itself (`cutover map` loads the current state before the UI starts).
pub async fn run_with_live_apply(
    source: Source,
    migration: Option<(migration::Migration, bool)>,
    live: Option<LiveOptions>,
) -> Result<()> {
    // Everything that can fail without a terminal fails before the screen is taken over.
    let (label, initial) = match &source {
        Source::Demo => (
            "demo organization".to_owned(),
            Some(crate::fixture::demo::load_demo().current),
        ),
        Source::Snapshot(path) => (
            format!("snapshot {}", path.display()),
            Some(fsio::read_snapshot(path)?),
        ),
        Source::Live(options) => ("live".to_owned(), cache::read(options)),
        Source::Loaded { label, snapshot } => (label.clone(), Some((**snapshot).clone())),
    };

    let mut terminal = ratatui::init();
    let _guard = TerminalGuard;
    // ratatui's panic hook leaves the alternate screen and raw mode; mouse capture is ours to
    // turn off, or the shell after a panic would fill with escape codes on every mouse move.
    let restore_terminal = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        restore_terminal(info);
    }));
    let _ = execute!(std::io::stdout(), EnableMouseCapture);
    let size = terminal.size()?;
    let (events, mut inbox) = unbounded_channel::<AppEvent>();
    let mut app = App::new(
        label,
        ratatui::layout::Rect::new(0, 0, size.width, size.height),
        events.clone(),
    );

    let mut applying = match (&source, live.as_ref()) {
        (Source::Demo, _) => apply_screen::runner::Session::demo(),
        (Source::Live(options), _) | (_, Some(options)) => {
            apply_screen::runner::Session::live(options.clone())
        }
        (Source::Snapshot(_), None) => apply_screen::runner::Session::unavailable(
            "this session shows a snapshot file: apply needs a live instance (cutover map without --current) or cutover demo",
        ),
        (Source::Loaded { .. }, None) => apply_screen::runner::Session::unavailable(
            "this session was not given the live instance's connection: apply with cutover apply PLAN (w writes the plan), or try it in cutover demo",
        ),
    };
    app.apply.target = applying.app_target();
    let mut cleaning = cleanup_screen::runner::CleanupRunner::new(applying.writer());

    let stop = Arc::new(AtomicBool::new(false));
    let input = spawn_input_thread(events.clone(), stop.clone());

    let cached = matches!(source, Source::Live(_)) && initial.is_some();
    if let Some(snapshot) = initial {
        app.set_snapshot(snapshot);
    }
    if let Some((migration, show)) = migration {
        app.set_migration(migration, show);
    }
    if let Source::Live(options) = &source {
        // A cached snapshot shows at once (its age is in the header) while a fresh load runs.
        app.loading = Some(Default::default());
        spawn_live_load(options.clone(), events.clone());
        if cached {
            app.message = Some("showing the cached snapshot while loading".to_owned());
        }
    }

    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        app.now = chrono::Utc::now();
        terminal.draw(|frame| view::render(&app, frame))?;
        if app.quit {
            break;
        }
        let event = tokio::select! {
            event = inbox.recv() => event,
            _ = tick.tick(), if app.loading.is_some() || app.apply.running() || app.cleanup.running() => continue,
        };
        let Some(event) = event else { break };
        // What is already waiting is handled before the next draw: a running apply sends a few
        // events per operation, and drawing after each one would fall behind.
        let mut effects = app.update(event);
        for _ in 0..512 {
            let Ok(next) = inbox.try_recv() else { break };
            effects.extend(app.update(next));
        }
        for effect in effects {
            match effect {
                Effect::Reload => match &source {
                    Source::Live(options) => spawn_live_load(options.clone(), events.clone()),
                    Source::Snapshot(path) => {
                        let result = fsio::read_snapshot(path)
                            .map(Box::new)
                            .map_err(|e| format!("{e:#}"));
                        let _ = events.send(AppEvent::Loaded(result));
                    }
                    Source::Demo => {
                        let demo = crate::fixture::demo::load_demo().current;
                        let _ = events.send(AppEvent::Loaded(Ok(Box::new(demo))));
                    }
                    Source::Loaded { snapshot, .. } => {
                        let _ = events.send(AppEvent::Loaded(Ok(snapshot.clone())));
                    }
                },
                Effect::Apply(command) => applying.handle(command, &events),
                Effect::Cleanup(command) => cleaning.handle(command, &events),
                Effect::WriteFile { path, contents } => {
                    if let Err(e) = fsio::write_private_atomic(&path, contents.as_bytes()) {
                        app.message = Some(format!("cannot write {}: {e}", path.display()));
                        app.write_failed(&path);
                    }
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let _ = input.join();
    // Quitting while an apply runs: no new writes; the outstanding ones get a little time to
    // finish and be journaled (the next run settles whatever is cut short).
    applying.shutdown(Duration::from_secs(30)).await;
    // The same for a running cleanup: no new deletes, the ones in flight journaled.
    cleaning.shutdown(Duration::from_secs(30)).await;
    match app.interrupted() {
        Some(what) => anyhow::bail!("quit during a run: {what}"),
        None => Ok(()),
    }
}

fn spawn_input_thread(
    events: UnboundedSender<AppEvent>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            // Poll with a timeout so the thread notices `stop` and the TUI can exit.
            match terminal_event::poll(Duration::from_millis(100)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => break,
            }
            let app_event = match terminal_event::read() {
                Ok(Event::Key(key)) if key.kind == terminal_event::KeyEventKind::Press => {
                    AppEvent::Key(key)
                }
                Ok(Event::Mouse(mouse)) => AppEvent::Mouse(mouse),
                Ok(Event::Resize(w, h)) => AppEvent::Resize(w, h),
                Ok(_) => continue,
                Err(_) => break,
            };
            if events.send(app_event).is_err() {
                break;
            }
        }
    })
}

fn spawn_live_load(options: LiveOptions, events: UnboundedSender<AppEvent>) {
    tokio::spawn(async move {
        let (sink, mut updates) = ProgressSink::with_parts();
        let forward = {
            let events = events.clone();
            tokio::spawn(async move {
                // Each finished stage's part joins the snapshot so far, so the panes fill
                // while the rest loads.
                let mut partial = PartialLoad::default();
                while let Some(update) = updates.recv().await {
                    if let Some(event) = partial.accept(update) {
                        let _ = events.send(event);
                    }
                }
            })
        };
        let result = async {
            let backend = AwsBackend::connect(options.clone()).await?;
            backend.load(sink).await
        }
        .await;
        // Cached here, off the UI loop, before the snapshot is handed over (no copy needed).
        if let Ok(outcome) = &result {
            if let Err(e) = cache::write(&options, &outcome.snapshot) {
                tracing::warn!("cannot cache the snapshot: {e}");
            }
        }
        let _ = forward.await;
        let _ = events.send(AppEvent::Loaded(
            result
                .map(|o| Box::new(o.snapshot))
                .map_err(|e| e.to_string()),
        ));
    });
}

/// The last snapshot loaded live, per (profile, region, endpoint, instance) choice, so the
/// next start shows it at once.
mod cache {
    use crate::aws::LiveOptions;
    use crate::model::Snapshot;
    use std::hash::{Hash, Hasher};
    use std::path::PathBuf;

    fn path(options: &LiveOptions) -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (
            &options.profile,
            &options.region,
            &options.endpoint_url,
            &options.instance_arn,
        )
            .hash(&mut hasher);
        Some(
            base.join("cutover")
                .join(format!("live-{:016x}.json", hasher.finish())),
        )
    }

    pub fn read(options: &LiveOptions) -> Option<Snapshot> {
        let text = std::fs::read_to_string(path(options)?).ok()?;
        Snapshot::from_json(&text).ok()
    }

    pub fn write(options: &LiveOptions, snapshot: &Snapshot) -> std::io::Result<()> {
        let Some(path) = path(options) else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        crate::fsio::write_private_atomic(&path, snapshot.to_json().as_bytes())
    }
}
