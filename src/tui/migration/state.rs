//! The migration screen's state and how keys change it. Pure: edits return
//! [`Effect`]s (the mapping autosave, the plan file) for the runner to carry out.

use crate::mapping::suggest::{ExactMatch, Suggester};
use crate::mapping::{Decision, Mapping, Status};
use crate::model::{PrincipalId, PrincipalType, Snapshot};
use crate::plan::file::{sha256, PlanFile};
use crate::plan::{PlanOptions, Planner, RiskKind, Severity, Summary};
use crate::tui::event::Effect;
use crate::tui::filter::Query;
use crate::tui::keymap::{self, Action, MapAction, Scope};
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// How many candidates are shown for the selected old principal.
pub const CANDIDATES: usize = 5;
/// How many accounts and principals the preview lists.
pub const OPS_GROUPS: usize = 20;
/// How many risk lines the preview keeps (the counts cover all of them).
pub const RISKS_KEPT: usize = 50;
/// How many picker matches are kept after a keystroke (only the first screenful is shown).
const PICKER_KEPT: usize = 500;
/// Above this many old principals with access the preview does not list the risks after every
/// edit: the listing names every one of them (one risk per undecided principal), about 60 ms
/// per 20,000 in a debug build, while the counts it shows come from the cheap summary. The
/// plan file (`w`) lists them all.
pub const RISK_LIST_MAX_PRINCIPALS: usize = 5_000;

/// Everything the screen is opened with.
pub struct MigrationInputs {
    pub baseline: Snapshot,
    pub current: Snapshot,
    /// As read from the mapping file (already validated), or empty.
    pub mapping: Mapping,
    /// The mapping file, autosaved after every edit; `None` keeps the mapping in memory.
    pub mapping_path: Option<PathBuf>,
    /// Whether the mapping file exists yet (a new one is created on the first edit).
    pub mapping_file_exists: bool,
    pub options: PlanOptions,
    /// Where each snapshot came from, for the header: "file", "live", "demo".
    pub baseline_source: String,
    pub current_source: String,
}

/// The snapshots, owned.
pub struct Snapshots {
    pub baseline: Snapshot,
    pub current: Snapshot,
}

/// What borrows the snapshots: the planner, the suggester, and the group members by group id
/// (user id, user name) in each snapshot.
pub struct Engines<'s> {
    pub planner: Planner<'s>,
    pub suggester: Suggester<'s>,
    old_members: HashMap<&'s str, Vec<(&'s str, &'s str)>>,
    new_members: HashMap<&'s str, Vec<(&'s str, &'s str)>>,
}

self_cell::self_cell!(
    struct Cell {
        owner: Snapshots,
        // The suggester borrows the snapshots through interior types that are not covariant.
        #[not_covariant]
        dependent: Engines,
    }
);

/// One old principal of the baseline.
#[derive(Clone, Debug)]
pub struct OldRow {
    pub principal_type: PrincipalType,
    pub id: PrincipalId,
    /// User name or group display name.
    pub name: String,
    /// Baseline assignments it holds directly (account and application).
    pub access: usize,
}

/// A current principal the picker offers.
#[derive(Clone, Debug)]
pub struct PickEntry {
    pub id: PrincipalId,
    pub name: String,
    /// Display name (users: and email), for telling namesakes apart.
    pub detail: String,
    /// The id is also a principal of the baseline (an old principal still present): rarely
    /// the successor.
    pub in_baseline: bool,
}

#[derive(Clone, Debug)]
pub struct CandidateView {
    pub id: PrincipalId,
    pub name: String,
    pub detail: String,
    pub reason: String,
    pub confidence: f32,
    /// The mapping file's `method` when accepted: the strongest evidence (`external_id`, ...).
    pub method: String,
}

/// Both groups' members, so the admin can judge a group mapping.
#[derive(Clone, Debug, Default)]
pub struct GroupMembers {
    pub old_name: String,
    /// Old members: user name, and whether the user's mapped successor is a member of the new
    /// group (`None`: the user is not mapped, or there is no new group to compare with).
    pub old: Vec<(String, Option<bool>)>,
    /// The new group shown: the highlighted candidate, or the mapped successor.
    pub new_name: Option<String>,
    pub new_is_successor: bool,
    pub new: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpsLine {
    pub label: String,
    pub creates: usize,
    pub deletes: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskCounts {
    pub high: usize,
    pub medium: usize,
    pub info: usize,
    pub roles_deleted: usize,
    pub shared_successors: usize,
    pub successors_with_other_access: usize,
    pub missing_permission_sets: usize,
    pub missing_accounts: usize,
    pub missing_applications: usize,
}

/// The live changeset figures, refreshed after every edit.
#[derive(Clone, Debug, Default)]
pub struct Preview {
    pub summary: Summary,
    pub retire_old: bool,
    pub by_account: Vec<OpsLine>,
    pub by_principal: Vec<OpsLine>,
    /// The first [`RISKS_KEPT`] risks, most severe first (HIGH: lost access, deleted roles).
    pub risks: Vec<(Severity, String)>,
    pub risk_counts: RiskCounts,
    /// The risks were not listed (see [`RISK_LIST_MAX_PRINCIPALS`]): `risks` and
    /// `risk_counts` are empty, the summary's counts stand.
    pub risks_skipped: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFilter {
    All,
    Unmapped,
    HasAccess,
}

impl ListFilter {
    pub fn label(self) -> &'static str {
        match self {
            ListFilter::All => "all",
            ListFilter::Unmapped => "unmapped",
            ListFilter::HasAccess => "has access",
        }
    }

    fn next(self) -> ListFilter {
        match self {
            ListFilter::All => ListFilter::Unmapped,
            ListFilter::Unmapped => ListFilter::HasAccess,
            ListFilter::HasAccess => ListFilter::All,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    OldPrincipals,
    Candidates,
}

/// The fuzzy picker: any current principal of the old principal's type.
#[derive(Clone, Debug)]
pub struct Picker {
    pub principal_type: PrincipalType,
    pub for_name: String,
    pub query: String,
    /// Indices into the picks of that type, best first, with the name's matched chars.
    pub matches: Vec<(usize, Vec<usize>)>,
    pub total: usize,
    pub selected: usize,
    pub offset: usize,
}

#[derive(Clone, Debug)]
pub enum MapMode {
    Normal,
    /// Typing the old-principal filter.
    Search,
    Picker(Picker),
    /// Bulk accept, waiting for y/n: the matches it would accept.
    Confirm(Vec<ExactMatch>),
}

pub use crate::tui::event::KeyOutcome;

pub struct Migration {
    cell: Cell,
    mapping: Mapping,
    pub mapping_path: Option<PathBuf>,
    /// The mapping file holds the mapping as shown (false after an edit whose write failed,
    /// or before the first edit of a new file).
    pub saved: bool,
    pub mapping_file_exists: bool,
    pub options: PlanOptions,
    pub baseline_label: String,
    pub current_label: String,

    rows: Vec<OldRow>,
    /// Row index by old principal id.
    old_index: HashMap<PrincipalId, usize>,
    picks: [Vec<PickEntry>; 2],
    names: HashMap<PrincipalId, usize>,
    /// Unambiguous exact matches, found once (the suggester's work is the expensive part).
    exact: Vec<ExactMatch>,

    pub filter: ListFilter,
    pub query: String,
    /// Row indices passing the filter, in list order.
    pub visible: Vec<usize>,
    pub highlights: Vec<Vec<usize>>,
    pub selected: usize,
    pub offset: usize,
    pub focus: Focus,
    pub candidates: Vec<CandidateView>,
    pub candidate_selected: usize,
    pub group: Option<GroupMembers>,
    pub preview: Preview,
    pub mode: MapMode,
    /// For the footer, taken by the app after each key.
    pub message: Option<String>,
    /// Rows of the old-principal list and of the picker that fit (set by the app from the
    /// terminal size before each key).
    pub list_rows: usize,
    pub picker_rows: usize,
}

fn type_slot(principal_type: PrincipalType) -> usize {
    match principal_type {
        PrincipalType::User => 0,
        PrincipalType::Group => 1,
    }
}

fn members_by_group(snapshot: &Snapshot) -> HashMap<&str, Vec<(&str, &str)>> {
    let names: HashMap<&str, &str> = snapshot
        .users
        .iter()
        .map(|u| (u.user_id.as_str(), u.user_name.as_str()))
        .collect();
    let mut members: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for m in &snapshot.group_memberships {
        let id = m.user_id.as_str();
        members
            .entry(m.group_id.as_str())
            .or_default()
            .push((id, names.get(id).copied().unwrap_or(id)));
    }
    for list in members.values_mut() {
        list.sort_by(|a, b| a.1.cmp(b.1));
    }
    members
}

impl Migration {
    pub fn new(inputs: MigrationInputs) -> Migration {
        let MigrationInputs {
            baseline,
            current,
            mapping,
            mapping_path,
            mapping_file_exists,
            options,
            baseline_source,
            current_source,
        } = inputs;
        let baseline_label = format!(
            "{} ({baseline_source})",
            baseline.captured_at.format("%Y-%m-%d")
        );
        let current_label = format!(
            "{} ({current_source})",
            current.captured_at.format("%Y-%m-%d %H:%M")
        );
        let mut cell = Cell::new(Snapshots { baseline, current }, |s| {
            let mut planner = Planner::new(&s.baseline, &s.current, options);
            planner.set_mapping(&mapping);
            Engines {
                planner,
                suggester: Suggester::new(&s.baseline, &s.current),
                old_members: members_by_group(&s.baseline),
                new_members: members_by_group(&s.current),
            }
        });
        let (rows, picks, names, exact) = cell.with_dependent_mut(|s, e| {
            let mut rows: Vec<OldRow> = Vec::new();
            for u in &s.baseline.users {
                rows.push(OldRow {
                    principal_type: PrincipalType::User,
                    id: PrincipalId::from(u.user_id.as_str()),
                    name: u.user_name.clone(),
                    access: e
                        .planner
                        .baseline_assignments_of(PrincipalType::User, u.user_id.as_str()),
                });
            }
            for g in &s.baseline.groups {
                rows.push(OldRow {
                    principal_type: PrincipalType::Group,
                    id: PrincipalId::from(g.group_id.as_str()),
                    name: g.display_name.clone(),
                    access: e
                        .planner
                        .baseline_assignments_of(PrincipalType::Group, g.group_id.as_str()),
                });
            }
            // Most access first: that is where a wrong or missing decision hurts most.
            rows.sort_by(|a, b| {
                b.access
                    .cmp(&a.access)
                    .then(a.principal_type.cmp(&b.principal_type))
                    .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
                    .then_with(|| a.id.cmp(&b.id))
            });
            let baseline_ids: HashSet<&str> = s
                .baseline
                .users
                .iter()
                .map(|u| u.user_id.as_str())
                .chain(s.baseline.groups.iter().map(|g| g.group_id.as_str()))
                .collect();
            let mut users: Vec<PickEntry> = s
                .current
                .users
                .iter()
                .map(|u| {
                    let email = u
                        .emails
                        .iter()
                        .find(|e| e.primary)
                        .or(u.emails.first())
                        .map(|e| e.value.as_str());
                    let detail = match (u.display_name.as_deref(), email) {
                        (Some(d), Some(e)) if !e.eq_ignore_ascii_case(&u.user_name) => {
                            format!("{d} · {e}")
                        }
                        (Some(d), _) => d.to_owned(),
                        (None, Some(e)) => e.to_owned(),
                        (None, None) => String::new(),
                    };
                    PickEntry {
                        id: PrincipalId::from(u.user_id.as_str()),
                        name: u.user_name.clone(),
                        detail,
                        in_baseline: baseline_ids.contains(u.user_id.as_str()),
                    }
                })
                .collect();
            let mut groups: Vec<PickEntry> = s
                .current
                .groups
                .iter()
                .map(|g| PickEntry {
                    id: PrincipalId::from(g.group_id.as_str()),
                    name: g.display_name.clone(),
                    detail: g.description.clone().unwrap_or_default(),
                    in_baseline: baseline_ids.contains(g.group_id.as_str()),
                })
                .collect();
            for list in [&mut users, &mut groups] {
                list.sort_by(|a, b| {
                    (a.in_baseline, a.name.to_lowercase())
                        .cmp(&(b.in_baseline, b.name.to_lowercase()))
                });
            }
            let mut names = HashMap::new();
            for (slot, list) in [&users, &groups].into_iter().enumerate() {
                for (i, p) in list.iter().enumerate() {
                    names.insert(p.id.clone(), (slot << 31) | i);
                }
            }
            (
                rows,
                [users, groups],
                names,
                e.suggester.unambiguous_exact(),
            )
        });
        let old_index = rows
            .iter()
            .enumerate()
            .map(|(i, row)| (row.id.clone(), i))
            .collect();
        let mut migration = Migration {
            cell,
            old_index,
            mapping,
            saved: mapping_path.is_some() && mapping_file_exists,
            mapping_path,
            mapping_file_exists,
            options,
            baseline_label,
            current_label,
            rows,
            picks,
            names,
            exact,
            filter: ListFilter::All,
            query: String::new(),
            visible: Vec::new(),
            highlights: Vec::new(),
            selected: 0,
            offset: 0,
            focus: Focus::OldPrincipals,
            candidates: Vec::new(),
            candidate_selected: 0,
            group: None,
            preview: Preview::default(),
            mode: MapMode::Normal,
            message: None,
            list_rows: 10,
            picker_rows: 10,
        };
        migration.refresh_visible();
        migration.refresh_selection();
        migration.refresh_preview();
        migration
    }

    // -----------------------------------------------------------------------------------------
    // Reading

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    pub fn rows(&self) -> &[OldRow] {
        &self.rows
    }

    pub fn picks(&self, principal_type: PrincipalType) -> &[PickEntry] {
        &self.picks[type_slot(principal_type)]
    }

    pub fn baseline(&self) -> &Snapshot {
        &self.cell.borrow_owner().baseline
    }

    pub fn current(&self) -> &Snapshot {
        &self.cell.borrow_owner().current
    }

    /// The old principal under the cursor.
    pub fn selected_row(&self) -> Option<&OldRow> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    /// The name of a current principal ("" when unknown).
    pub fn current_name(&self, id: &PrincipalId) -> &str {
        match self.names.get(id) {
            Some(&packed) => &self.picks[packed >> 31][packed & ((1 << 31) - 1)].name,
            None => "",
        }
    }

    fn current_entry(&self, id: &PrincipalId) -> Option<&PickEntry> {
        self.names
            .get(id)
            .map(|&packed| &self.picks[packed >> 31][packed & ((1 << 31) - 1)])
    }

    /// The exact matches bulk-accept would take now: those whose old principal is undecided.
    pub fn pending_exact(&self) -> usize {
        self.exact
            .iter()
            .filter(|m| self.mapping.status(&m.old_id) == Status::Unmapped)
            .count()
    }

    /// The mapping as its CSV file holds it: what [`crate::mapping::file::render`] writes (a test holds
    /// the two together), from the names indexed once instead of indexing both snapshots on
    /// every save.
    pub fn mapping_csv(&self) -> String {
        let mut entries: Vec<_> = self.mapping.iter().collect();
        entries.sort_by(|a, b| (a.1.principal_type, a.0).cmp(&(b.1.principal_type, b.0)));
        let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
        let mut write = |record: [&str; 7]| {
            writer
                .write_record(record)
                .expect("writing to memory cannot fail")
        };
        write([
            "principal_type",
            "old_id",
            "new_id",
            "old_name",
            "new_name",
            "method",
            "note",
        ]);
        for (old_id, entry) in entries {
            let (new_id, new_name) = match &entry.decision {
                Decision::Successor(id) => (id.as_str(), self.current_name(id)),
                Decision::NoSuccessor => ("", ""),
            };
            write([
                entry.principal_type.as_str(),
                old_id.as_str(),
                new_id,
                self.old_name(old_id),
                new_name,
                entry.method.as_deref().unwrap_or(""),
                entry.note.as_deref().unwrap_or(""),
            ]);
        }
        String::from_utf8(writer.into_inner().expect("writing to memory cannot fail"))
            .expect("CSV of UTF-8 fields is UTF-8")
    }

    /// The name of a baseline user or group ("" when unknown).
    pub fn old_name(&self, id: &PrincipalId) -> &str {
        self.old_index
            .get(id)
            .map_or("", |&i| self.rows[i].name.as_str())
    }

    /// Where `w` writes the plan: beside the mapping file, or `plan.json` in the working
    /// directory.
    pub fn plan_path(&self) -> PathBuf {
        match &self.mapping_path {
            Some(path) => path.with_extension("plan.json"),
            None => PathBuf::from("plan.json"),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Keys

    pub fn on_key(&mut self, key: &KeyEvent, now: DateTime<Utc>) -> KeyOutcome {
        if key.code == KeyCode::Char('c') && key.modifiers == KeyModifiers::CONTROL {
            return KeyOutcome::Global(Action::Quit);
        }
        match &mut self.mode {
            MapMode::Search => {
                self.on_search_key(key);
                KeyOutcome::Handled(Vec::new())
            }
            MapMode::Picker(_) => KeyOutcome::Handled(self.on_picker_key(key)),
            MapMode::Confirm(_) => KeyOutcome::Handled(self.on_confirm_key(key)),
            MapMode::Normal => match keymap::action_for(key, Scope::Migration) {
                Some(Action::Map(action)) => KeyOutcome::Handled(self.on_map_action(action, now)),
                Some(Action::Up) => self.moved(-1),
                Some(Action::Down) => self.moved(1),
                Some(Action::PageUp) => self.moved(-(self.list_rows.max(1) as isize)),
                Some(Action::PageDown) => self.moved(self.list_rows.max(1) as isize),
                Some(Action::Top) => self.moved(isize::MIN / 2),
                Some(Action::Bottom) => self.moved(isize::MAX / 2),
                Some(Action::StartFilter) => {
                    self.mode = MapMode::Search;
                    self.focus = Focus::OldPrincipals;
                    KeyOutcome::Handled(Vec::new())
                }
                Some(Action::Back) => {
                    if !self.query.is_empty() {
                        self.query.clear();
                        self.refresh_visible();
                        self.refresh_selection();
                    } else if self.focus == Focus::Candidates {
                        self.focus = Focus::OldPrincipals;
                        self.refresh_group();
                    } else {
                        return KeyOutcome::Leave;
                    }
                    KeyOutcome::Handled(Vec::new())
                }
                Some(other) => KeyOutcome::Global(other),
                // The app's own keys (panes, command line, quit) work here too.
                None => match keymap::action_for(key, Scope::Browse) {
                    Some(
                        action @ (Action::GotoPane(_)
                        | Action::OpenMigration
                        | Action::Quit
                        | Action::StartCommand
                        | Action::ToggleHelp),
                    ) => KeyOutcome::Global(action),
                    _ => KeyOutcome::Handled(Vec::new()),
                },
            },
        }
    }

    fn moved(&mut self, delta: isize) -> KeyOutcome {
        match self.focus {
            Focus::OldPrincipals => self.move_selection(delta),
            Focus::Candidates => {
                if !self.candidates.is_empty() {
                    self.candidate_selected =
                        clamp_add(self.candidate_selected, delta, self.candidates.len());
                    self.refresh_group();
                }
            }
        }
        KeyOutcome::Handled(Vec::new())
    }

    pub fn move_selection(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let before = self.selected;
        self.selected = clamp_add(self.selected, delta, self.visible.len());
        self.offset = scroll_into_view(self.selected, self.offset, self.list_rows.max(1));
        if before != self.selected {
            self.refresh_selection();
        }
    }

    pub fn on_map_action(&mut self, action: MapAction, now: DateTime<Utc>) -> Vec<Effect> {
        match action {
            MapAction::Accept => return self.accept_candidate(),
            MapAction::Pick => self.open_picker(),
            MapAction::NoSuccessor => {
                if let Some(i) = self.selected_index() {
                    return self.decide(i, Some(Decision::NoSuccessor), Some("manual"));
                }
            }
            MapAction::Unmap => {
                if let Some(i) = self.selected_index() {
                    return self.decide(i, None, None);
                }
            }
            MapAction::AcceptExact => {
                let pending: Vec<ExactMatch> = self
                    .exact
                    .iter()
                    .filter(|m| self.mapping.status(&m.old_id) == Status::Unmapped)
                    .cloned()
                    .collect();
                self.offer_exact_matches(pending);
            }
            MapAction::CycleFilter => {
                self.filter = self.filter.next();
                self.refresh_visible();
                self.refresh_selection();
                self.message = Some(format!("showing: {}", self.filter.label()));
            }
            MapAction::WritePlan => return self.write_plan(now),
            MapAction::ToggleRetireOld => self.toggle_retire_old(),
            MapAction::FocusOther => {
                self.focus = match self.focus {
                    Focus::OldPrincipals => Focus::Candidates,
                    Focus::Candidates => Focus::OldPrincipals,
                };
                self.refresh_group();
            }
            MapAction::FocusLeft => {
                self.focus = Focus::OldPrincipals;
                self.refresh_group();
            }
            MapAction::FocusRight => {
                self.focus = Focus::Candidates;
                self.refresh_group();
            }
        }
        Vec::new()
    }

    fn on_search_key(&mut self, key: &KeyEvent) {
        match key.code {
            KeyCode::Esc => {
                self.query.clear();
                self.mode = MapMode::Normal;
            }
            KeyCode::Enter => {
                self.mode = MapMode::Normal;
                return;
            }
            KeyCode::Backspace => {
                self.query.pop();
            }
            KeyCode::Up | KeyCode::Down => {
                self.move_selection(if key.code == KeyCode::Up { -1 } else { 1 });
                return;
            }
            KeyCode::Char(c) => self.query.push(c),
            _ => return,
        }
        self.refresh_visible();
        // While typing, the best match is the one under the cursor.
        self.selected = 0;
        self.offset = 0;
        self.refresh_selection();
    }

    fn on_picker_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let rows = self.picker_rows.max(1);
        let MapMode::Picker(picker) = &mut self.mode else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => self.mode = MapMode::Normal,
            KeyCode::Enter => {
                let chosen = picker
                    .matches
                    .get(picker.selected)
                    .map(|(i, _)| self.picks[type_slot(picker.principal_type)][*i].id.clone());
                self.mode = MapMode::Normal;
                if let (Some(id), Some(row)) = (chosen, self.selected_index()) {
                    return self.decide(row, Some(Decision::Successor(id)), Some("manual"));
                }
            }
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                let delta = match key.code {
                    KeyCode::Up => -1,
                    KeyCode::Down => 1,
                    KeyCode::PageUp => -(rows as isize),
                    _ => rows as isize,
                };
                if !picker.matches.is_empty() {
                    picker.selected = clamp_add(picker.selected, delta, picker.matches.len());
                    picker.offset = scroll_into_view(picker.selected, picker.offset, rows);
                }
            }
            KeyCode::Backspace => {
                picker.query.pop();
                self.refilter_picker();
            }
            KeyCode::Char(c) => {
                picker.query.push(c);
                self.refilter_picker();
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_confirm_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                let MapMode::Confirm(matches) = std::mem::replace(&mut self.mode, MapMode::Normal)
                else {
                    return Vec::new();
                };
                self.accept_exact(&matches)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                self.mode = MapMode::Normal;
                self.message = Some("nothing accepted".to_owned());
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Edits

    fn selected_index(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    fn accept_candidate(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_index() else {
            return Vec::new();
        };
        match self.candidates.get(self.candidate_selected) {
            Some(candidate) => {
                let (id, method) = (candidate.id.clone(), candidate.method.clone());
                self.decide(row, Some(Decision::Successor(id)), Some(&method))
            }
            None => {
                self.message = Some(format!(
                    "no suggestion for {}: p picks a successor by hand, n marks no successor",
                    self.rows[row].name
                ));
                Vec::new()
            }
        }
    }

    /// Opens the y/n question for bulk-accepting `matches` (what `B` does with the
    /// suggester's unambiguous exact matches that are still undecided).
    pub fn offer_exact_matches(&mut self, matches: Vec<ExactMatch>) {
        let matches: Vec<ExactMatch> = matches
            .into_iter()
            .filter(|m| self.mapping.status(&m.old_id) == Status::Unmapped)
            .collect();
        if matches.is_empty() {
            self.message = Some(
                "no unambiguous exact match is left to accept: accept or pick the rest one by one"
                    .to_owned(),
            );
        } else {
            self.mode = MapMode::Confirm(matches);
        }
    }

    /// Records one decision (`None`: unmap), re-plans, and autosaves.
    pub fn decide(
        &mut self,
        row: usize,
        decision: Option<Decision>,
        method: Option<&str>,
    ) -> Vec<Effect> {
        let OldRow {
            principal_type,
            id,
            name,
            ..
        } = self.rows[row].clone();
        let result = self.cell.with_dependent_mut(|_, e| {
            e.planner
                .decide(principal_type, id.as_str(), decision.as_ref())
        });
        if let Err(error) = result {
            self.message = Some(format!("cannot record that: {error}"));
            return Vec::new();
        }
        self.message = Some(match &decision {
            Some(Decision::Successor(new)) => {
                format!("{name} → {}", or_id(self.current_name(new), new))
            }
            Some(Decision::NoSuccessor) => format!("{name}: no successor"),
            None => format!("{name}: unmapped"),
        });
        match decision {
            Some(decision) => {
                self.mapping
                    .decide(principal_type, id, decision, method.map(str::to_owned))
            }
            None => {
                self.mapping.unmap(&id);
            }
        }
        self.after_edit()
    }

    /// Accepts every match whose old principal is still undecided; one re-plan and one save.
    pub fn accept_exact(&mut self, matches: &[ExactMatch]) -> Vec<Effect> {
        let mut accepted = 0;
        for m in matches {
            if self.mapping.status(&m.old_id) != Status::Unmapped {
                continue;
            }
            let decision = Decision::Successor(m.new_id.clone());
            let ok = self.cell.with_dependent_mut(|_, e| {
                e.planner
                    .decide(m.principal_type, m.old_id.as_str(), Some(&decision))
                    .is_ok()
            });
            if ok {
                let method = m.evidence.first().map(|e| snake_case(&format!("{e:?}")));
                self.mapping
                    .decide(m.principal_type, m.old_id.clone(), decision, method);
                accepted += 1;
            }
        }
        self.message = Some(format!(
            "accepted {accepted} exact match{}",
            if accepted == 1 { "" } else { "es" }
        ));
        self.after_edit()
    }

    fn after_edit(&mut self) -> Vec<Effect> {
        self.refresh_visible();
        self.refresh_selection();
        self.refresh_preview();
        match &self.mapping_path {
            Some(path) => {
                self.saved = true;
                self.mapping_file_exists = true;
                vec![Effect::WriteFile {
                    path: path.clone(),
                    contents: self.mapping_csv(),
                }]
            }
            None => Vec::new(),
        }
    }

    fn toggle_retire_old(&mut self) {
        self.options.retire_old = !self.options.retire_old;
        let options = self.options;
        let mapping = &self.mapping;
        // A different target: the planner is rebuilt (indexing both snapshots again), then
        // follows the mapping as before.
        self.cell.with_dependent_mut(|s, e| {
            let mut planner = Planner::new(&s.baseline, &s.current, options);
            planner.set_mapping(mapping);
            e.planner = planner;
        });
        self.refresh_preview();
        self.message = Some(format!(
            "retire old: {} (re-planned)",
            if options.retire_old { "on" } else { "off" }
        ));
    }

    /// The plan file for the mapping as it stands (what `w` writes and `A` applies).
    pub fn plan_file(&self, now: DateTime<Utc>) -> PlanFile {
        let digest = self
            .mapping_path
            .as_ref()
            .map(|_| sha256(self.mapping_csv().as_bytes()));
        let options = self.options;
        self.cell.with_dependent(|s, e| {
            PlanFile::new(
                &e.planner.changeset(),
                &s.baseline,
                &s.current,
                options,
                digest,
                now,
            )
        })
    }

    fn write_plan(&mut self, now: DateTime<Utc>) -> Vec<Effect> {
        let plan = self.plan_file(now);
        let path = self.plan_path();
        let summary = &plan.body.summary;
        self.message = Some(format!(
            "plan written to {}: {} creates, {} deletes, {} high risks",
            path.display(),
            summary.creates,
            summary.deletes,
            summary.high_risks
        ));
        vec![Effect::WriteFile {
            path,
            contents: plan.to_json(),
        }]
    }

    /// The write of `path` failed (the runner says so): the mapping is not saved.
    pub fn write_failed(&mut self, path: &std::path::Path) {
        if self.mapping_path.as_deref() == Some(path) {
            self.saved = false;
        }
    }

    // -----------------------------------------------------------------------------------------
    // Derived state

    /// Recomputes which rows pass the filters, keeping the selected row when it still passes,
    /// else the cursor's position (so deciding under "unmapped" moves on to the next one).
    fn refresh_visible(&mut self) {
        let previously = self.selected_index();
        let query = Query::parse(&self.query);
        let mut passing: Vec<(usize, i64, Vec<usize>)> = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            let keep = match self.filter {
                ListFilter::All => true,
                ListFilter::Unmapped => self.mapping.status(&row.id) == Status::Unmapped,
                ListFilter::HasAccess => row.access > 0,
            };
            if !keep {
                continue;
            }
            if query.is_empty() {
                passing.push((i, 0, Vec::new()));
                continue;
            }
            let successor = self
                .mapping
                .successor(&row.id)
                .map(|s| self.current_name(s))
                .unwrap_or("");
            let cells = [
                ("name", row.name.as_str()),
                ("type", row.principal_type.as_str()),
                ("id", row.id.as_str()),
                ("successor", successor),
            ];
            if let Some(m) = query.matches(&cells) {
                let highlights = m.highlights.into_iter().next().unwrap_or_default();
                passing.push((i, m.score + name_bonus(&row.name, &self.query), highlights));
            }
        }
        if !query.is_empty() {
            passing.sort_by_key(|p| std::cmp::Reverse(p.1));
        }
        self.visible = passing.iter().map(|p| p.0).collect();
        self.highlights = passing.into_iter().map(|p| p.2).collect();
        self.selected = previously
            .and_then(|row| self.visible.iter().position(|&r| r == row))
            .unwrap_or_else(|| self.selected.min(self.visible.len().saturating_sub(1)));
        self.offset = scroll_into_view(self.selected, self.offset, self.list_rows.max(1));
    }

    /// The selected principal's candidates (and, for a group, the members).
    fn refresh_selection(&mut self) {
        let Some(row) = self.selected_row().cloned() else {
            self.candidates.clear();
            self.group = None;
            return;
        };
        let found = self
            .cell
            .with_dependent(|_, e| e.suggester.suggest(row.principal_type, &row.id, CANDIDATES));
        self.candidates = found
            .into_iter()
            .map(|c| {
                let (name, detail) = match self.current_entry(&c.principal_id) {
                    Some(p) => (p.name.clone(), p.detail.clone()),
                    None => (c.principal_id.to_string(), String::new()),
                };
                CandidateView {
                    method: c
                        .evidence
                        .first()
                        .map_or_else(|| "suggested".to_owned(), |e| snake_case(&format!("{e:?}"))),
                    id: c.principal_id,
                    name,
                    detail,
                    reason: c.reason,
                    confidence: c.confidence,
                }
            })
            .collect();
        let successor = self.mapping.successor(&row.id);
        self.candidate_selected = successor
            .and_then(|s| self.candidates.iter().position(|c| &c.id == s))
            .unwrap_or(0);
        self.refresh_group();
    }

    fn refresh_group(&mut self) {
        let Some(row) = self.selected_row().cloned() else {
            self.group = None;
            return;
        };
        if row.principal_type != PrincipalType::Group {
            self.group = None;
            return;
        }
        let successor = self.mapping.successor(&row.id).cloned();
        let highlighted = self
            .candidates
            .get(self.candidate_selected)
            .map(|c| c.id.clone());
        let shown = match (self.focus, &highlighted, &successor) {
            (Focus::Candidates, Some(h), _) => Some(h.clone()),
            (_, _, Some(s)) => Some(s.clone()),
            (_, h, None) => h.clone(),
        };
        let new_is_successor = shown.is_some() && shown == successor;
        let new_name = shown
            .as_ref()
            .map(|id| or_id(self.current_name(id), id).to_owned());
        let mapping = &self.mapping;
        let group = self.cell.with_dependent(|_, e| {
            let new_ids: Vec<(&str, &str)> = shown
                .as_ref()
                .and_then(|id| e.new_members.get(id.as_str()))
                .cloned()
                .unwrap_or_default();
            let in_new: HashSet<&str> = new_ids.iter().map(|(id, _)| *id).collect();
            let old = e
                .old_members
                .get(row.id.as_str())
                .map(|members| {
                    members
                        .iter()
                        .map(|(id, name)| {
                            let mark = match (mapping.successor(&PrincipalId::from(*id)), &shown) {
                                (Some(s), Some(_)) => Some(in_new.contains(s.as_str())),
                                _ => None,
                            };
                            ((*name).to_owned(), mark)
                        })
                        .collect()
                })
                .unwrap_or_default();
            GroupMembers {
                old_name: row.name.clone(),
                old,
                new_name,
                new_is_successor,
                new: new_ids.iter().map(|(_, n)| (*n).to_owned()).collect(),
            }
        });
        self.group = Some(group);
    }

    /// Re-reads the planner's figures. The planner follows each edit incrementally; reading
    /// the summary and the busiest accounts and principals costs O(old principals with access)
    /// and a sort of the principals with operations. The risk listing names every risk, so it
    /// is skipped above [`RISK_LIST_MAX_PRINCIPALS`] (the counts shown come from the summary).
    fn refresh_preview(&mut self) {
        let retire_old = self.options.retire_old;
        let (summary, by_account, by_principal, risks) = self.cell.with_dependent(|_, e| {
            let planner = &e.planner;
            let summary = planner.summary();
            let by_account: Vec<OpsLine> = planner
                .ops_by_account(OPS_GROUPS)
                .into_iter()
                .map(|g| OpsLine {
                    label: g.label,
                    creates: g.creates,
                    deletes: g.deletes,
                })
                .collect();
            let by_principal: Vec<(PrincipalType, PrincipalId, usize, usize)> = planner
                .ops_by_principal_id(OPS_GROUPS)
                .into_iter()
                .map(|(t, id, c, d)| (t, PrincipalId::from(id), c, d))
                .collect();
            let risks = (summary.principals_with_access <= RISK_LIST_MAX_PRINCIPALS)
                .then(|| planner.current_risks());
            (summary, by_account, by_principal, risks)
        });
        let by_principal = by_principal
            .into_iter()
            .map(|(principal_type, id, creates, deletes)| {
                // Current names first, as the planner's labels.
                let name = match self.current_name(&id) {
                    "" => self.old_name(&id),
                    name => name,
                };
                OpsLine {
                    label: format!("{principal_type} {}", or_id(name, &id)),
                    creates,
                    deletes,
                }
            })
            .collect();
        let mut counts = RiskCounts::default();
        for risk in risks.iter().flatten() {
            match risk.severity {
                Severity::High => counts.high += 1,
                Severity::Medium => counts.medium += 1,
                Severity::Info => counts.info += 1,
            }
            match &risk.kind {
                RiskKind::RoleDeleted { .. } => counts.roles_deleted += 1,
                RiskKind::SharedSuccessor { .. } => counts.shared_successors += 1,
                RiskKind::SuccessorHasOtherAccess { .. } => {
                    counts.successors_with_other_access += 1
                }
                RiskKind::MissingPermissionSet { .. } => counts.missing_permission_sets += 1,
                RiskKind::MissingAccount { .. } => counts.missing_accounts += 1,
                RiskKind::MissingApplication { .. } => counts.missing_applications += 1,
                _ => {}
            }
        }
        self.preview = Preview {
            summary,
            retire_old,
            by_account,
            by_principal,
            risks_skipped: risks.is_none(),
            risks: risks
                .iter()
                .flatten()
                .take(RISKS_KEPT)
                .map(|r| (r.severity, r.message()))
                .collect(),
            risk_counts: counts,
        };
    }

    fn open_picker(&mut self) {
        let Some(row) = self.selected_row().cloned() else {
            return;
        };
        let mut picker = Picker {
            principal_type: row.principal_type,
            for_name: row.name.clone(),
            query: String::new(),
            matches: Vec::new(),
            total: self.picks[type_slot(row.principal_type)].len(),
            selected: 0,
            offset: 0,
        };
        fill_picker(&mut picker, &self.picks[type_slot(row.principal_type)]);
        self.mode = MapMode::Picker(picker);
    }

    fn refilter_picker(&mut self) {
        if let MapMode::Picker(picker) = &mut self.mode {
            fill_picker(picker, &self.picks[type_slot(picker.principal_type)]);
        }
    }
}

fn fill_picker(picker: &mut Picker, picks: &[PickEntry]) {
    let query = Query::parse(&picker.query);
    let mut matches: Vec<(usize, i64, Vec<usize>)> = Vec::new();
    for (i, p) in picks.iter().enumerate() {
        if query.is_empty() {
            matches.push((i, 0, Vec::new()));
            continue;
        }
        let cells = [
            ("name", p.name.as_str()),
            ("detail", p.detail.as_str()),
            ("id", p.id.as_str()),
        ];
        if let Some(m) = query.matches(&cells) {
            matches.push((
                i,
                m.score + name_bonus(&p.name, &picker.query),
                m.highlights.into_iter().next().unwrap_or_default(),
            ));
        }
    }
    // Best first; among equals, the list order (new principals before old ones, by name).
    matches.sort_by_key(|m| std::cmp::Reverse(m.1));
    picker.total = matches.len();
    matches.truncate(PICKER_KEPT);
    picker.matches = matches.into_iter().map(|m| (m.0, m.2)).collect();
    picker.selected = 0;
    picker.offset = 0;
}

/// Typing a whole name (or its start) puts that principal first: fuzzy scores alone tie
/// `ana.chen` with `hana.chen`.
fn name_bonus(name: &str, query: &str) -> i64 {
    let query = query.trim();
    if query.is_empty() || query.contains(char::is_whitespace) {
        return 0;
    }
    let name = name.to_lowercase();
    let query = query.to_lowercase();
    if name == query {
        1 << 40
    } else if name.starts_with(&query) {
        1 << 39
    } else {
        0
    }
}

fn or_id<'a>(name: &'a str, id: &'a PrincipalId) -> &'a str {
    if name.is_empty() {
        id.as_str()
    } else {
        name
    }
}

/// `ExternalId` → `external_id`: the mapping file's `method` column for an evidence kind.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub use crate::tui::widgets::scroll_list::{clamp_add, scroll_into_view};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::file as mapping_file;

    use crate::fixture::demo::{demo_ground_truth, load_demo};

    fn demo_migration() -> Migration {
        let org = load_demo();
        Migration::new(MigrationInputs {
            baseline: org.baseline,
            current: org.current,
            mapping: Mapping::new(),
            mapping_path: None,
            mapping_file_exists: false,
            options: PlanOptions::default(),
            baseline_source: "demo".into(),
            current_source: "demo".into(),
        })
    }

    #[test]
    fn the_saved_csv_is_what_the_mapping_file_module_renders() {
        let mut migration = demo_migration();
        let truth = demo_ground_truth();
        for (old, new) in truth.user_successors.iter().step_by(3) {
            let decision = match new {
                Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
                None => Decision::NoSuccessor,
            };
            migration.mapping.decide(
                PrincipalType::User,
                PrincipalId::from(old.as_str()),
                decision,
                Some("manual".into()),
            );
        }
        for (old, new) in &truth.group_successors {
            let decision = match new {
                Some(id) => Decision::Successor(PrincipalId::from(id.as_str())),
                None => Decision::NoSuccessor,
            };
            migration.mapping.decide(
                PrincipalType::Group,
                PrincipalId::from(old.as_str()),
                decision,
                None,
            );
        }
        // A principal deleted before the baseline (named only by its assignments) and a note
        // that needs quoting.
        let deleted = PrincipalId::from(truth.deleted_principals[0].as_str());
        let principal_type = migration
            .baseline()
            .account_assignments
            .iter()
            .find(|a| a.principal_id == deleted)
            .map(|a| a.principal_type)
            .unwrap();
        migration.mapping.insert(
            deleted,
            crate::mapping::Entry {
                principal_type,
                decision: Decision::NoSuccessor,
                method: None,
                note: Some("gone, \"long ago\", checked".into()),
            },
        );
        let expected = mapping_file::render(
            &migration.mapping,
            migration.baseline(),
            migration.current(),
        );
        assert_eq!(migration.mapping_csv(), expected);
    }

    #[test]
    fn the_preview_labels_principals_as_the_planner_does() {
        let mut migration = demo_migration();
        let truth = demo_ground_truth();
        for (old, new) in truth.group_successors.iter().take(8) {
            let decision = new
                .as_ref()
                .map(|id| Decision::Successor(PrincipalId::from(id.as_str())));
            let row = migration.old_index[&PrincipalId::from(old.as_str())];
            migration.decide(row, decision.or(Some(Decision::NoSuccessor)), None);
        }
        migration.toggle_retire_old();
        let expected: Vec<OpsLine> = migration.cell.with_dependent(|_, e| {
            e.planner
                .ops_by_principal(OPS_GROUPS)
                .into_iter()
                .map(|g| OpsLine {
                    label: g.label,
                    creates: g.creates,
                    deletes: g.deletes,
                })
                .collect()
        });
        assert!(expected.iter().any(|l| l.deletes > 0), "{expected:?}");
        assert_eq!(migration.preview.by_principal, expected);
    }

    #[test]
    fn evidence_names_become_method_words() {
        assert_eq!(snake_case("ExternalId"), "external_id");
        assert_eq!(snake_case("UserName"), "user_name");
        assert_eq!(snake_case("Email"), "email");
    }
}
