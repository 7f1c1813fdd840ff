//! The TUI's state and its update function: every input (key, mouse, resize, load progress,
//! a finished load, a background result) goes through `update`, which changes state and
//! returns effects for the runner to carry out. Rendering (view.rs) only reads this state.
//!
//! Nothing heavy runs in `update`: building the access index and the tables, filtering and
//! sorting are handed to the background workers (worker.rs), whose results come back as
//! events. Meanwhile the screen shows what it had (a table marked "filtering…", counts shown
//! as `…`), so a keystroke costs microseconds whatever the size of the table.

use super::command::{self, Command, Parsed};
use super::dataset::Dataset;
use super::detail::{self, Detail};
use super::filter::Query;
use super::keymap::{self, Action, Scope};
use super::layout::{self, Areas};
use super::panes::{self, Entity, PaneKind, Source, Table};
use super::widgets::key_help::Help;
use super::widgets::scroll_list::{clamp_add, scroll_into_view};
use super::widgets::text_input::{self, Edit};
use super::worker::Workers;
use crate::backend::Stage;
use crate::model::{PartKind, Snapshot};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

pub use super::event::{AppEvent, Effect, Filtered, PartialLoad};

pub use super::screen::{Overlay, Screen};

/// What the bottom line is typing, if anything (the filter and command line of any screen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Browse,
    Filter,
    Command,
}

/// One table's view state: the filter, which rows pass it in which order, the selection.
#[derive(Clone, Debug, Default)]
pub struct TableView {
    pub query: String,
    /// Row indices into the table, filtered and sorted.
    pub visible: Vec<u32>,
    pub selected: usize,
    pub offset: usize,
    /// Column and descending flag.
    pub sort: Option<(usize, bool)>,
    /// The filter job `visible` is waiting for. Until it arrives `visible` is the previous
    /// result, and the table says "filtering…".
    pub pending: Option<u64>,
    /// The last non-empty query and the rows that passed it, in table order: when the next
    /// query only narrows it (see `narrows`), only those rows need testing.
    narrowing: Option<(String, Arc<Vec<u32>>)>,
}

pub struct DetailView {
    pub detail: Detail,
    pub selected: usize,
    pub offset: usize,
}

#[derive(Clone, Debug, Default)]
pub struct StageProgress {
    pub done: u64,
    pub total: Option<u64>,
    pub finished: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Loading {
    pub stages: BTreeMap<Stage, StageProgress>,
    pub calls: u64,
    pub throttles: u64,
}

pub struct App {
    /// Where the data comes from, for the header: "demo", "snapshot FILE", "live".
    pub source: String,
    pub dataset: Option<Dataset>,
    /// One per pane, from the build thread (the pane on screen also at once, without counts).
    pub tables: Vec<Option<Arc<Table>>>,
    /// Which panes the build thread has delivered for the current dataset.
    built: [bool; PaneKind::ALL.len()],
    /// Counts datasets, so results built for an older one are dropped.
    generation: u64,
    workers: Workers,
    pub views: Vec<TableView>,
    pub pane: usize,
    pub stack: Vec<DetailView>,
    /// The detail of the selected row, shown beside the table.
    pub preview: Option<Detail>,
    pub mode: Mode,
    pub input: String,
    pub message: Option<String>,
    pub loading: Option<Loading>,
    pub load_error: Option<String>,
    pub size: Rect,
    pub no_color: bool,
    /// The clock the header's "captured … ago" is measured against; the runner advances it,
    /// tests pin it.
    pub now: chrono::DateTime<chrono::Utc>,
    pub quit: bool,
    /// The user chose to quit while an apply or cleanup ran: the app quits once they stop.
    pub quitting: bool,
    /// The screen on show.
    pub screen: Screen,
    /// Popups over it, the top one last.
    pub overlays: Vec<Overlay>,
    /// How far the `?` popup is scrolled.
    pub help_offset: usize,
    /// The `:` lines run so far, for ↑ and ↓.
    command_history: command::History,
    /// Pane 7, when the app was opened with a baseline (`cutover map`, `cutover demo`).
    pub migration: Option<Box<super::migration::Migration>>,
    /// The write mode and the apply screen.
    pub apply: super::apply_screen::ApplySession,
    /// The cleanup screen.
    pub cleanup: super::cleanup_screen::CleanupSession,
}

impl App {
    /// `events` is the runner's event channel: background results come back on it, to be
    /// passed to `update` like any other event.
    pub fn new(source: impl Into<String>, size: Rect, events: UnboundedSender<AppEvent>) -> App {
        App {
            source: source.into(),
            dataset: None,
            tables: vec![None; PaneKind::ALL.len()],
            built: [false; PaneKind::ALL.len()],
            generation: 0,
            workers: Workers::new(events),
            views: vec![TableView::default(); PaneKind::ALL.len()],
            pane: 0,
            stack: Vec::new(),
            preview: None,
            mode: Mode::Browse,
            input: String::new(),
            message: None,
            loading: None,
            load_error: None,
            size,
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            now: chrono::Utc::now(),
            quit: false,
            quitting: false,
            screen: Screen::Browse,
            overlays: Vec::new(),
            help_offset: 0,
            command_history: Default::default(),
            migration: None,
            apply: Default::default(),
            cleanup: Default::default(),
        }
    }

    /// Shows a loaded snapshot; filters and selections survive a reload. The pane on screen
    /// shows at once; its counts, the other panes and the details follow from the build
    /// thread.
    pub fn set_snapshot(&mut self, snapshot: Snapshot) {
        self.loading = None;
        self.load_error = None;
        self.set_dataset(snapshot, BTreeSet::new());
    }

    fn set_dataset(&mut self, snapshot: Snapshot, missing: BTreeSet<PartKind>) {
        self.generation += 1;
        let dataset = Dataset::new(snapshot, missing);
        self.tables = vec![None; PaneKind::ALL.len()];
        self.built = [false; PaneKind::ALL.len()];
        for (pane, view) in self.views.iter_mut().enumerate() {
            // Those rows were of the old tables.
            view.narrowing = None;
            view.pending = None;
            self.workers.cancel(pane);
        }
        // The pane on screen at once, without the index (its counts follow).
        let first = panes::build(
            self.pane_kind(),
            &Source {
                snapshot: dataset.shared(),
                index: None,
                missing: &dataset.missing,
            },
        );
        self.workers.want(self.pane);
        self.workers.build(
            self.generation,
            dataset.shared().clone(),
            dataset.missing.clone(),
        );
        self.dataset = Some(dataset);
        if let Some(table) = first {
            self.install_table(self.pane, Arc::new(table));
        }
        self.rebuild_details();
    }

    /// Rebuilds the open details and the preview (the index arrived, or the data changed).
    fn rebuild_details(&mut self) {
        let stack_entities: Vec<Entity> =
            self.stack.iter().map(|d| d.detail.entity.clone()).collect();
        self.stack.clear();
        for entity in stack_entities {
            self.push_detail(&entity);
        }
        self.refresh_preview();
    }

    fn install_table(&mut self, pane: usize, table: Arc<Table>) {
        let len = table.len();
        self.tables[pane] = Some(table);
        let view = &mut self.views[pane];
        view.narrowing = None;
        // Shown until the filter result for the new table arrives.
        view.visible.retain(|&row| (row as usize) < len);
        self.refilter(pane);
        if pane == self.pane && self.stack.is_empty() {
            self.refresh_preview();
        }
    }

    pub fn table(&self) -> Option<&Table> {
        self.tables.get(self.pane)?.as_deref()
    }

    /// Whether background work is still to report: the index, a table, or a filter result.
    /// (Tests and benchmarks wait on the event channel while this holds.)
    pub fn is_working(&self) -> bool {
        // The build thread sends the index before any table.
        let building = self.dataset.is_some() && self.built.iter().any(|b| !b);
        building || self.views.iter().any(|v| v.pending.is_some())
    }

    pub fn view(&self) -> &TableView {
        &self.views[self.pane]
    }

    pub fn pane_kind(&self) -> PaneKind {
        PaneKind::ALL[self.pane]
    }

    pub fn update(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Key(key) => self.on_key(key),
            AppEvent::Mouse(mouse) => {
                self.on_mouse(mouse);
                Vec::new()
            }
            AppEvent::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.clamp_scroll();
                Vec::new()
            }
            AppEvent::Progress(event) => {
                let loading = self.loading.get_or_insert_with(Loading::default);
                loading.calls = event.calls;
                loading.throttles = event.throttles;
                loading.stages.insert(
                    event.stage,
                    StageProgress {
                        done: event.done,
                        total: event.total,
                        finished: event.finished,
                    },
                );
                Vec::new()
            }
            AppEvent::Partial(snapshot, missing) => {
                // A complete snapshot on screen (cached, or the one being reloaded) stays until
                // the new one is complete too.
                if !self.dataset.as_ref().is_some_and(Dataset::is_complete) {
                    self.set_dataset(*snapshot, missing);
                }
                Vec::new()
            }
            AppEvent::Loaded(Ok(snapshot)) => {
                self.set_snapshot(*snapshot);
                self.message = Some("loaded".to_owned());
                Vec::new()
            }
            AppEvent::Indexed {
                generation,
                indexed,
            } => {
                if generation == self.generation {
                    if let Some(dataset) = &mut self.dataset {
                        dataset.set_index(indexed);
                    }
                    self.rebuild_details();
                }
                Vec::new()
            }
            AppEvent::TableBuilt {
                generation,
                pane,
                table,
            } => {
                if generation == self.generation && pane < PaneKind::ALL.len() {
                    self.built[pane] = true;
                    self.install_table(pane, table);
                }
                Vec::new()
            }
            AppEvent::Filtered(done) => {
                self.on_filtered(done);
                Vec::new()
            }
            AppEvent::WorkerFailed(what) => {
                // Stop waiting: what is on screen stays, and the log has the panic.
                tracing::error!("the background thread {what} panicked");
                self.built = [true; PaneKind::ALL.len()];
                for view in &mut self.views {
                    view.pending = None;
                }
                self.message = Some(format!(
                    "internal error while {what}: the screen may be out of date (see the log)"
                ));
                Vec::new()
            }
            AppEvent::Loaded(Err(message)) => {
                self.loading = None;
                self.load_error = Some(message);
                Vec::new()
            }
            AppEvent::ApplyPrepared { attempt, result } => {
                self.on_apply_prepared(attempt, result);
                Vec::new()
            }
            AppEvent::Apply(event) => {
                self.on_apply_event(event);
                Vec::new()
            }
            AppEvent::ApplyStats(stats) => {
                self.on_apply_stats(stats);
                Vec::new()
            }
            AppEvent::ApplyFinished(result) => {
                self.on_apply_finished(result);
                Vec::new()
            }
            AppEvent::CleanupSelected { attempt, result } => {
                self.on_cleanup_selected(attempt, result);
                Vec::new()
            }
            AppEvent::CleanupDeleted {
                attempt,
                index,
                result,
            } => {
                self.on_cleanup_deleted(attempt, index, result);
                Vec::new()
            }
            AppEvent::CleanupFinished { attempt, result } => {
                self.on_cleanup_finished(attempt, result);
                Vec::new()
            }
        }
    }

    /// Every key goes through here: the quit check first, then the top popup, then the line
    /// being typed, then the screen on show.
    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.message = None;
        if key.code == KeyCode::Char('c') && key.modifiers == KeyModifiers::CONTROL {
            return self.request_quit();
        }
        if let Some(&overlay) = self.overlays.last() {
            match overlay {
                Overlay::Help => self.on_help_key(&key),
                Overlay::EnableWrites => self.on_enable_writes_key(&key),
                Overlay::Quit => return self.on_quit_question_key(&key),
            }
            return Vec::new();
        }
        match self.mode {
            Mode::Filter => {
                self.on_filter_key(key);
                return Vec::new();
            }
            Mode::Command => return self.on_command_key(key),
            Mode::Browse => {}
        }
        match self.screen {
            Screen::Browse => match keymap::action_for(&key, Scope::Browse) {
                Some(action) => self.on_action(action),
                None => {
                    self.message = keymap::where_it_works(&key, Scope::Browse);
                    Vec::new()
                }
            },
            Screen::Mapping => self.on_migration_key(key),
            Screen::Apply => self.on_apply_key(&key),
            Screen::Cleanup => self.on_cleanup_key(&key),
        }
    }

    /// The `?` popup: esc, ? or q close it; the movement keys scroll it.
    fn on_help_key(&mut self, key: &KeyEvent) {
        if matches!(
            key.code,
            KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q')
        ) {
            self.close_overlay(Overlay::Help);
            return;
        }
        let max = Help::for_screen(self.screen).max_offset(self.size);
        let page = self.size.height.saturating_sub(4).max(1) as isize;
        let delta = match keymap::action_for(key, Scope::Browse) {
            Some(Action::Down) => 1,
            Some(Action::Up) => -1,
            Some(Action::PageDown) => page,
            Some(Action::PageUp) => -page,
            Some(Action::Top) => isize::MIN / 2,
            Some(Action::Bottom) => isize::MAX / 2,
            _ => return,
        };
        self.help_offset = (self.help_offset as isize + delta).clamp(0, max as isize) as usize;
    }

    pub(crate) fn open_overlay(&mut self, overlay: Overlay) {
        if overlay == Overlay::Help {
            self.help_offset = 0;
        }
        if !self.overlays.contains(&overlay) {
            self.overlays.push(overlay);
        }
    }

    pub(crate) fn close_overlay(&mut self, overlay: Overlay) {
        self.overlays.retain(|o| *o != overlay);
    }

    /// Whether the `?` popup is open.
    pub fn help_shown(&self) -> bool {
        self.overlays.contains(&Overlay::Help)
    }

    /// Back from the apply or cleanup screen to the mapping screen they are opened from.
    pub(crate) fn leave_to_mapping(&mut self) {
        self.screen = if self.migration.is_some() {
            Screen::Mapping
        } else {
            Screen::Browse
        };
    }

    /// The one way to quit (`q`, Ctrl-C, `:q`). While an apply or a cleanup runs it asks
    /// first; once the user said yes, asking again quits at once (the journals resume).
    pub(crate) fn request_quit(&mut self) -> Vec<Effect> {
        let running = self.apply.running() || self.cleanup.running();
        if !running || self.quitting {
            self.quit = true;
            return Vec::new();
        }
        if self.overlays.last() == Some(&Overlay::Quit) {
            return self.stop_runs_and_quit();
        }
        self.open_overlay(Overlay::Quit);
        Vec::new()
    }

    fn on_quit_question_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Char('q') => {
                self.stop_runs_and_quit()
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                self.close_overlay(Overlay::Quit);
                self.message = Some("not quitting: the run goes on".to_owned());
                Vec::new()
            }
            _ => {
                self.message = Some("stop the run and quit? y or n".to_owned());
                Vec::new()
            }
        }
    }

    /// No new writes or deletes: the outstanding ones finish and are journaled, then the app
    /// quits.
    fn stop_runs_and_quit(&mut self) -> Vec<Effect> {
        self.close_overlay(Overlay::Quit);
        self.quitting = true;
        let mut effects = Vec::new();
        let mut outstanding = 0;
        if let Some(screen) = self.apply.screen.as_deref_mut().filter(|s| s.running()) {
            screen.stopping = true;
            outstanding += screen.tally.in_flight;
            effects.push(Effect::Apply(super::apply_screen::ApplyCommand::Stop));
        }
        if self.cleanup.running() {
            effects.push(Effect::Cleanup(super::cleanup_screen::CleanupCommand::Stop));
        }
        self.message = Some(format!(
            "quitting once the {outstanding} outstanding writes finish (no new ones start); q again quits now, the journal resumes"
        ));
        effects
    }

    /// When the user quit while an apply or cleanup ran: what was done and how to resume, for
    /// the terminal after the TUI is gone (the process then exits non-zero).
    pub fn interrupted(&self) -> Option<String> {
        if !self.quitting {
            return None;
        }
        let mut parts = Vec::new();
        if let Some(screen) = self.apply.screen.as_deref() {
            let (done, total) = match &screen.report {
                Some(report) => (report.done(), report.states.len()),
                None => (screen.tally.done(), screen.total()),
            };
            if done < total {
                parts.push(format!(
                    "the apply stopped at {} of {} operations done (journal {}); resume with A on the mapping screen, or cutover apply {}",
                    crate::humanize::thousands(done as u64),
                    crate::humanize::thousands(total as u64),
                    screen.journal_path.display(),
                    screen.plan_path.display()
                ));
            }
        }
        if let Some(screen) = self.cleanup.screen.as_deref() {
            let left = screen
                .to_delete
                .len()
                .saturating_sub(screen.tally.deleted + screen.tally.already_gone);
            if left > 0 {
                parts.push(format!(
                    "the cleanup stopped with {} of {} principals left to delete{}; C on the mapping screen lists them again",
                    crate::humanize::thousands(left as u64),
                    crate::humanize::thousands(screen.to_delete.len() as u64),
                    screen
                        .journal_path
                        .as_ref()
                        .map(|p| format!(" (journal {})", p.display()))
                        .unwrap_or_default()
                ));
            }
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// After an apply or cleanup ended: quit if the user asked to while it ran.
    pub(crate) fn quit_if_runs_ended(&mut self) {
        if self.quitting && !self.apply.running() && !self.cleanup.running() {
            self.quit = true;
        }
    }

    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => return self.request_quit(),
            Action::ToggleHelp => self.open_overlay(Overlay::Help),
            Action::StartFilter
            | Action::SortNextColumn
            | Action::ReverseSort
            | Action::ExportCsv
                if !self.stack.is_empty() =>
            {
                self.message = Some(
                    "filter, sort and export work on the table: esc closes the detail first"
                        .to_owned(),
                );
            }
            Action::StartFilter => self.mode = Mode::Filter,
            Action::StartCommand => {
                self.mode = Mode::Command;
                self.input.clear();
            }
            Action::NextPane => self.goto_pane((self.pane + 1) % PaneKind::ALL.len()),
            Action::PreviousPane => {
                self.goto_pane((self.pane + PaneKind::ALL.len() - 1) % PaneKind::ALL.len())
            }
            Action::GotoPane(n) => self.goto_pane(n),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page_size() as isize)),
            Action::PageDown => self.move_selection(self.page_size() as isize),
            Action::Top => self.move_selection(isize::MIN / 2),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::Open => self.open_selected(),
            Action::Back => self.back(),
            Action::SortNextColumn => self.sort_next(),
            Action::ReverseSort => self.reverse_sort(),
            Action::ExportCsv => return self.export_csv(),
            Action::OpenMigration => self.open_migration(),
            // Only the migration screen dispatches these (migration/hook.rs).
            Action::Map(_) => {}
            Action::EnableWrites => self.ask_enable_writes(),
            Action::OpenApply => return self.open_apply(),
            // Only the apply screen dispatches these (apply_screen/hook.rs).
            Action::Apply(_) => {}
            Action::OpenCleanup => return self.open_cleanup(),
            // Only the cleanup screen dispatches these (cleanup_screen/hook.rs).
            Action::Cleanup(_) => {}
            Action::Reload => {
                if self.loading.is_none() {
                    self.loading = Some(Loading::default());
                    self.load_error = None;
                    return vec![Effect::Reload];
                }
            }
        }
        Vec::new()
    }

    fn on_filter_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Esc => {
                self.views[self.pane].query.clear();
                self.mode = Mode::Browse;
                self.refilter(self.pane);
            }
            KeyCode::Enter => self.mode = Mode::Browse,
            KeyCode::Up | KeyCode::Down => {
                self.move_selection(if key.code == KeyCode::Up { -1 } else { 1 })
            }
            _ => {
                if text_input::edit(&mut self.views[self.pane].query, &key) == Edit::Changed {
                    self.refilter(self.pane);
                }
            }
        }
        self.refresh_preview();
    }

    /// The `:` line: readline editing, Tab completes the command, ↑/↓ walk the history.
    fn on_command_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => {
                self.mode = Mode::Browse;
                self.command_history.reset();
            }
            // Backspace on an empty command line leaves command mode, as in vim.
            KeyCode::Backspace if self.input.is_empty() => {
                self.mode = Mode::Browse;
                self.command_history.reset();
            }
            KeyCode::Enter => {
                self.mode = Mode::Browse;
                let line = std::mem::take(&mut self.input);
                self.command_history.push(&line);
                return self.run_command(&line);
            }
            KeyCode::Tab => match command::complete(&self.input) {
                Some(completed) => self.input = completed,
                None => {
                    let candidates = command::candidates(&self.input);
                    self.message = Some(if candidates.is_empty() {
                        format!("no command starts with {}", self.input.trim())
                    } else {
                        format!("commands: :{}", candidates.join(" :"))
                    });
                }
            },
            KeyCode::Up | KeyCode::Down => {
                if let Some(line) = self
                    .command_history
                    .step(&self.input, key.code == KeyCode::Up)
                {
                    self.input = line;
                }
            }
            _ => {
                text_input::edit(&mut self.input, &key);
            }
        }
        Vec::new()
    }

    fn run_command(&mut self, line: &str) -> Vec<Effect> {
        match command::parse(line) {
            Parsed::Empty => {}
            Parsed::Run(Command::Quit, _) => return self.request_quit(),
            Parsed::Run(Command::Help, _) => self.open_overlay(Overlay::Help),
            Parsed::Run(Command::Reload, _) => return self.on_action(Action::Reload),
            Parsed::Run(Command::Export, _) => return self.export_csv(),
            Parsed::Run(Command::Mapping, _) => self.open_migration(),
            Parsed::Run(Command::EnableWrites, _) => self.ask_enable_writes(),
            Parsed::Run(Command::WritePlan, _) => {
                let now = self.now;
                match self.migration.as_deref_mut() {
                    Some(m) => {
                        let effects = m.on_map_action(keymap::MapAction::WritePlan, now);
                        self.message = m.message.take();
                        return effects;
                    }
                    None => {
                        self.message = Some(
                            ":write writes the plan of the mapping screen (cutover map, cutover demo); there is none here"
                                .to_owned(),
                        )
                    }
                }
            }
            Parsed::Run(Command::Pane(pane), filter) => {
                self.goto_pane(pane);
                if let Some(filter) = filter {
                    self.views[pane].query = filter;
                    self.refilter(pane);
                    self.refresh_preview();
                }
            }
            Parsed::Unknown(word) => {
                self.message = Some(format!(
                    "unknown command :{word} (Tab completes; commands: {})",
                    command::all()
                ))
            }
            Parsed::Ambiguous(word, names) => {
                self.message = Some(format!(
                    ":{word} could be :{} (type more, or Tab)",
                    names.join(" :")
                ))
            }
            Parsed::NoArgument(name) => self.message = Some(format!(":{name} takes no argument")),
        }
        Vec::new()
    }

    fn goto_pane(&mut self, pane: usize) {
        if pane < PaneKind::ALL.len() {
            self.screen = Screen::Browse;
            self.pane = pane;
            self.stack.clear();
            self.workers.want(pane);
            self.refresh_preview();
        }
    }

    /// Where everything goes on the screen (the same for mouse handling and rendering).
    pub fn areas(&self) -> Areas {
        layout::layout(self.size, self.loading_strip_height())
    }

    /// The rows the loading strip takes (0 when no partial load is on screen): a line of calls
    /// and throttles, then a gauge for each of the first unfinished stages.
    pub fn loading_strip_height(&self) -> u16 {
        let partial = self.dataset.as_ref().is_some_and(|d| !d.is_complete());
        match &self.loading {
            Some(loading) if partial => {
                let unfinished = Stage::ALL
                    .iter()
                    .filter(|s| !loading.stages.get(s).is_some_and(|p| p.finished))
                    .count();
                1 + unfinished.min(layout::STRIP_STAGES) as u16
            }
            // A load that failed after its first parts: say so under what it delivered.
            None if partial && self.load_error.is_some() => 1,
            _ => 0,
        }
    }

    /// Rows that fit in the table body.
    pub fn page_size(&self) -> usize {
        self.areas().table_body_height().max(1) as usize
    }

    fn move_selection(&mut self, delta: isize) {
        let page = self.page_size();
        let body = self.areas().detail_body_height() as usize;
        if let Some(top) = self.stack.last_mut() {
            let len = top.detail.items.len();
            if len == 0 {
                return;
            }
            top.selected = clamp_add(top.selected, delta, len);
            top.offset = scroll_into_view(top.selected, top.offset, body.max(1));
            return;
        }
        let view = &mut self.views[self.pane];
        if view.visible.is_empty() {
            return;
        }
        view.selected = clamp_add(view.selected, delta, view.visible.len());
        view.offset = scroll_into_view(view.selected, view.offset, page);
        self.refresh_preview();
    }

    fn clamp_scroll(&mut self) {
        let page = self.page_size();
        for view in &mut self.views {
            view.offset = scroll_into_view(view.selected, view.offset, page);
        }
    }

    /// The entity of the selected row (or of the selected link in a detail view).
    pub fn selected_entity(&self) -> Option<Entity> {
        if let Some(top) = self.stack.last() {
            return top.detail.items.get(top.selected)?.link.clone();
        }
        let table = self.table()?;
        let view = self.view();
        let row = *view.visible.get(view.selected)?;
        table.entity(row as usize)
    }

    fn open_selected(&mut self) {
        if let Some(entity) = self.selected_entity() {
            self.push_detail(&entity);
        }
    }

    fn push_detail(&mut self, entity: &Entity) {
        let Some(dataset) = &self.dataset else {
            return;
        };
        let detail = detail::build(dataset, entity);
        let selected = detail.next_link(0, 1).unwrap_or(0);
        self.stack.push(DetailView {
            detail,
            selected,
            offset: 0,
        });
    }

    fn back(&mut self) {
        if self.stack.pop().is_some() {
            return;
        }
        let view = &mut self.views[self.pane];
        if !view.query.is_empty() {
            view.query.clear();
            self.refilter(self.pane);
            self.refresh_preview();
        }
    }

    fn refresh_preview(&mut self) {
        self.preview = match (&self.dataset, self.stack.is_empty()) {
            (Some(dataset), true) => self
                .selected_entity()
                .map(|entity| detail::build(dataset, &entity)),
            _ => None,
        };
    }

    fn sort_next(&mut self) {
        let Some(table) = self.table() else {
            return;
        };
        let columns = table.columns.len();
        let view = &mut self.views[self.pane];
        view.sort = match view.sort {
            None => Some((0, false)),
            Some((c, _)) if c + 1 < columns => Some((c + 1, false)),
            Some(_) => None,
        };
        self.refilter(self.pane);
    }

    fn reverse_sort(&mut self) {
        let view = &mut self.views[self.pane];
        view.sort = Some(match view.sort {
            Some((c, desc)) => (c, !desc),
            None => (0, true),
        });
        self.refilter(self.pane);
    }

    /// Sorts by a column (a click on its header): again on the same column reverses it.
    pub fn sort_by(&mut self, column: usize) {
        let view = &mut self.views[self.pane];
        view.sort = match view.sort {
            Some((c, desc)) if c == column => Some((c, !desc)),
            _ => Some((column, false)),
        };
        self.refilter(self.pane);
    }

    /// Asks for the rows that pass the pane's filter, in its sort order. Without a filter or a
    /// sort that is every row in table order, set at once; anything else goes to the filter
    /// worker, and `visible` keeps the previous result until the new one arrives.
    fn refilter(&mut self, pane: usize) {
        let Some(Some(table)) = self.tables.get(pane) else {
            return;
        };
        let table = table.clone();
        let view = &mut self.views[pane];
        if Query::parse(&view.query).is_empty() && view.sort.is_none() {
            self.workers.cancel(pane);
            let previously = view.visible.get(view.selected).copied();
            view.pending = None;
            view.narrowing = None;
            view.visible = (0..table.len() as u32).collect();
            view.selected = previously
                .map(|row| row as usize)
                .filter(|&row| row < table.len())
                .unwrap_or(0);
            let page = self.areas().table_body_height().max(1) as usize;
            let view = &mut self.views[pane];
            view.offset = scroll_into_view(view.selected, view.offset, page);
            return;
        }
        let candidates = match &view.narrowing {
            Some((last, rows)) if narrows(last, &view.query) => Some(rows.clone()),
            _ => None,
        };
        let id = self
            .workers
            .filter(pane, table, view.query.clone(), view.sort, candidates);
        view.pending = Some(id);
    }

    /// A filter result: shown if it is the one the view waits for, keeping the selected row
    /// selected when it still passes.
    fn on_filtered(&mut self, done: Filtered) {
        let Some(view) = self.views.get_mut(done.pane) else {
            return;
        };
        if view.pending != Some(done.id) {
            return;
        }
        let previously = view.visible.get(view.selected).copied();
        view.pending = None;
        view.visible = done.outcome.visible;
        view.narrowing = done
            .outcome
            .matched
            .map(|rows| (done.query, Arc::new(rows)));
        view.selected = previously
            .and_then(|row| view.visible.iter().position(|&r| r == row))
            .unwrap_or(0);
        let page = self.areas().table_body_height().max(1) as usize;
        let view = &mut self.views[done.pane];
        view.offset = scroll_into_view(view.selected, view.offset, page);
        if done.pane == self.pane && self.stack.is_empty() {
            self.refresh_preview();
        }
    }

    /// The visible rows of the current table as CSV, written to the working directory.
    fn export_csv(&mut self) -> Vec<Effect> {
        let Some(table) = self.table() else {
            return Vec::new();
        };
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header: Vec<&str> = table.columns.iter().map(|c| c.title).collect();
        let _ = writer.write_record(&header);
        for &row in &self.view().visible {
            let cells = table.row(row as usize);
            let _ = writer.write_record(cells.iter().map(|cell| cell.as_bytes()));
        }
        let contents = writer
            .into_inner()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default();
        let name = format!(
            "cutover-{}-{}.csv",
            table.kind.title().to_lowercase().replace(' ', "-"),
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        );
        self.message = Some(format!(
            "exported {} rows to {name}",
            self.view().visible.len()
        ));
        vec![Effect::WriteFile {
            path: PathBuf::from(name),
            contents,
        }]
    }

    /// Mouse events go to the screen on show (none while a popup is open or a line is typed).
    fn on_mouse(&mut self, mouse: MouseEvent) {
        if self.mode != Mode::Browse || !self.overlays.is_empty() {
            return;
        }
        let wheel = match mouse.kind {
            MouseEventKind::ScrollDown => 3,
            MouseEventKind::ScrollUp => -3,
            _ => 0,
        };
        match self.screen {
            Screen::Browse => self.on_browse_mouse(mouse),
            Screen::Mapping => self.on_migration_mouse(mouse),
            Screen::Apply => {
                if let Some(screen) = self.apply.screen.as_deref_mut().filter(|_| wheel != 0) {
                    screen.move_selection(wheel);
                }
            }
            Screen::Cleanup => {
                if let Some(screen) = self.cleanup.screen.as_deref_mut().filter(|_| wheel != 0) {
                    screen.scroll(wheel);
                }
            }
        }
    }

    fn on_browse_mouse(&mut self, mouse: MouseEvent) {
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_selection(3),
            MouseEventKind::ScrollUp => self.move_selection(-3),
            MouseEventKind::Down(MouseButton::Left) => {
                let areas = self.areas();
                let at = Position::new(mouse.column, mouse.row);
                if let Some(pane) = areas.tab_at(at, self.migration.is_some()) {
                    self.goto_pane(pane);
                } else if self.stack.is_empty() {
                    if let Some(column) = self.table().and_then(|t| areas.header_column_at(at, t)) {
                        self.sort_by(column);
                    } else if let Some(row) = areas.table_row_at(at) {
                        let target = self.view().offset + row;
                        if target < self.view().visible.len() {
                            let delta = target as isize - self.view().selected as isize;
                            self.move_selection(delta);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether every row that passes `next` passed `last` too, so filtering for `next` can start
/// from `last`'s rows: `next` only appends to `last`, and what it appends has no `:` (which
/// would turn a word into a column restriction, or drop an empty `key:` term). Extending a
/// needle or adding a term can only narrow a subsequence match. ASCII only, as lower-casing
/// some scripts depends on the following characters.
fn narrows(last: &str, next: &str) -> bool {
    next.is_ascii() && next.starts_with(last) && !next[last.len()..].contains(':')
}
