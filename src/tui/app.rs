//! The TUI's state and its update function: every input (key, mouse, resize, load progress,
//! a finished load, a background result) goes through `update`, which changes state and
//! returns effects for the runner to carry out. Rendering (view.rs) only reads this state.
//!
//! Nothing heavy runs in `update`: building the access index and the tables, filtering and
//! sorting are handed to the background workers (worker.rs), whose results come back as
//! events. Meanwhile the screen shows what it had (a table marked "filtering…", counts shown
//! as `…`), so a keystroke costs microseconds whatever the size of the table.

use super::dataset::{Dataset, Indexed};
use super::detail::{self, Detail};
use super::filter::Query;
use super::keymap::{self, Action, Scope};
use super::panes::{self, Entity, PaneKind, Source, Table};
use super::view;
use super::worker::{Filtered, Workers};
use crate::backend::{LoadUpdate, ProgressEvent, Stage};
use crate::model::{PartKind, Snapshot, SnapshotPart};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Browse,
    Filter,
    Command,
    Help,
}

pub enum AppEvent {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Progress(ProgressEvent),
    /// What a live load has delivered so far, and the lists still missing: shown while no
    /// complete snapshot is on screen (see [`PartialLoad`]).
    Partial(Box<Snapshot>, BTreeSet<PartKind>),
    Loaded(Result<Box<Snapshot>, String>),
    /// The build thread's access index for dataset `generation`.
    Indexed {
        generation: u64,
        indexed: Arc<Indexed>,
    },
    /// The build thread's table for one pane of dataset `generation`.
    TableBuilt {
        generation: u64,
        pane: usize,
        table: Arc<Table>,
    },
    /// The filter worker's result.
    Filtered(Filtered),
    /// A worker thread panicked (a bug): its result will never come.
    WorkerFailed(&'static str),
    /// The apply screen's prepare (plan written, journal and drift read) finished.
    ApplyPrepared {
        attempt: u64,
        result: Result<Box<super::apply_screen::Prepared>, String>,
    },
    /// What the running apply did.
    Apply(crate::apply::ApplyEvent),
    /// The writer's request counters during an apply.
    ApplyStats(crate::backend::WriteStats),
    /// The apply ended: the executor's report.
    ApplyFinished(Result<crate::apply::ApplyReport, String>),
    /// The cleanup screen's selection (the mapping's old principals in the current state).
    CleanupSelected {
        attempt: u64,
        result: Result<Box<super::cleanup_screen::Selected>, String>,
    },
    /// One delete of a cleanup ended (and is journaled); `index` into what it deletes.
    CleanupDeleted {
        attempt: u64,
        index: usize,
        result: crate::apply::cleanup::DeleteResult,
    },
    /// The cleanup ended: its totals, or why it stopped early.
    CleanupFinished {
        attempt: u64,
        result: Result<crate::apply::cleanup::DeleteReport, String>,
    },
}

/// Turns a live load's updates into app events: progress as it is, and each finished part
/// added to the snapshot so far, sent whole (the copy is made here, on the load's task, not in
/// `update`).
#[derive(Default)]
pub struct PartialLoad {
    snapshot: Option<Snapshot>,
    missing: BTreeSet<PartKind>,
}

impl PartialLoad {
    pub fn accept(&mut self, update: LoadUpdate) -> Option<AppEvent> {
        match update {
            LoadUpdate::Progress(event) => Some(AppEvent::Progress(event)),
            LoadUpdate::Part(SnapshotPart::Started {
                instance,
                captured_at,
            }) => {
                self.snapshot = Some(Snapshot::empty(instance, captured_at));
                self.missing = PartKind::ALL.into_iter().collect();
                None
            }
            LoadUpdate::Part(part) => {
                let snapshot = self.snapshot.as_mut()?;
                if let Some(kind) = part.kind() {
                    self.missing.remove(&kind);
                }
                snapshot.apply_part(part);
                Some(AppEvent::Partial(
                    Box::new(snapshot.clone()),
                    self.missing.clone(),
                ))
            }
        }
    }
}

/// Work the runner does for the app: I/O never happens inside `update`.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    Reload,
    WriteFile {
        path: PathBuf,
        contents: String,
    },
    /// Appends to a log file (created 0600): the mapping's decision log.
    AppendFile {
        path: PathBuf,
        contents: String,
    },
    /// The apply screen's work (prepare, start, pause, stop).
    Apply(super::apply_screen::ApplyCommand),
    /// The cleanup screen's work (select, delete).
    Cleanup(super::cleanup_screen::CleanupCommand),
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
    /// Pane 7, when the app was opened with a baseline (`cutover map`, `cutover demo`).
    pub migration: Option<Box<super::migration::Migration>>,
    /// The migration screen is shown instead of the browse panes.
    pub migration_shown: bool,
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
            migration: None,
            migration_shown: false,
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

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.message = None;
        if let Some(effects) = self.apply_key(&key) {
            return effects;
        }
        if let Some(effects) = self.cleanup_key(&key) {
            return effects;
        }
        if self.mode == Mode::Browse && self.migration_shown {
            return self.on_migration_key(key);
        }
        match self.mode {
            Mode::Filter => {
                self.on_filter_key(key);
                Vec::new()
            }
            Mode::Command => self.on_command_key(key),
            Mode::Help => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q')
                ) {
                    self.mode = Mode::Browse;
                } else if key.code == KeyCode::Char('c') && key.modifiers == KeyModifiers::CONTROL {
                    self.quit = true;
                }
                Vec::new()
            }
            Mode::Browse => match keymap::action_for(&key, Scope::Browse) {
                Some(action) => self.on_action(action),
                None => Vec::new(),
            },
        }
    }

    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => return self.request_quit(),
            Action::ToggleHelp => self.mode = Mode::Help,
            Action::StartFilter => {
                if self.stack.is_empty() {
                    self.mode = Mode::Filter;
                }
            }
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
            KeyCode::Backspace => {
                self.views[self.pane].query.pop();
                self.refilter(self.pane);
            }
            KeyCode::Up | KeyCode::Down => {
                self.move_selection(if key.code == KeyCode::Up { -1 } else { 1 })
            }
            KeyCode::Char('c') if key.modifiers == KeyModifiers::CONTROL => self.quit = true,
            KeyCode::Char(c) => {
                self.views[self.pane].query.push(c);
                self.refilter(self.pane);
            }
            _ => {}
        }
        self.refresh_preview();
    }

    fn on_command_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => self.mode = Mode::Browse,
            // Backspace on an empty command line leaves command mode, as in vim.
            KeyCode::Backspace if self.input.pop().is_none() => self.mode = Mode::Browse,
            KeyCode::Backspace => {}
            KeyCode::Enter => {
                self.mode = Mode::Browse;
                let command = std::mem::take(&mut self.input);
                return self.run_command(command.trim());
            }
            KeyCode::Char('c') if key.modifiers == KeyModifiers::CONTROL => self.quit = true,
            KeyCode::Char(c) => self.input.push(c),
            _ => {}
        }
        Vec::new()
    }

    fn run_command(&mut self, command: &str) -> Vec<Effect> {
        match command {
            "q" | "quit" => self.quit = true,
            "help" => self.mode = Mode::Help,
            "reload" => return self.on_action(Action::Reload),
            "export" => return self.export_csv(),
            "migration" | "map" => self.open_migration(),
            "write" => self.ask_enable_writes(),
            other => match PaneKind::from_command(other) {
                Some(kind) => self.goto_pane(kind.position()),
                None => {
                    self.message = Some(format!(
                        "unknown command :{other} (try :users :groups :ps :accounts :assignments :apps :map :write :quit)"
                    ))
                }
            },
        }
        Vec::new()
    }

    fn goto_pane(&mut self, pane: usize) {
        if pane < PaneKind::ALL.len() {
            self.migration_shown = false;
            self.pane = pane;
            self.stack.clear();
            self.workers.want(pane);
            self.refresh_preview();
        }
    }

    /// Where everything goes on the screen (the same for mouse handling and rendering).
    pub fn areas(&self) -> view::Areas {
        view::layout(self.size, view::loading_strip_height(self))
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

    fn on_mouse(&mut self, mouse: MouseEvent) {
        if self.mode != Mode::Browse {
            return;
        }
        if self.migration_shown {
            self.on_migration_mouse(mouse);
            return;
        }
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_selection(3),
            MouseEventKind::ScrollUp => self.move_selection(-3),
            MouseEventKind::Down(MouseButton::Left) => {
                let areas = self.areas();
                let at = Position::new(mouse.column, mouse.row);
                if let Some(pane) = areas.tab_at(at) {
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

fn clamp_add(current: usize, delta: isize, len: usize) -> usize {
    let target = current as isize + delta;
    target.clamp(0, len.saturating_sub(1) as isize) as usize
}

/// The smallest scroll change that keeps `selected` within a window of `height` rows.
fn scroll_into_view(selected: usize, offset: usize, height: usize) -> usize {
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}
