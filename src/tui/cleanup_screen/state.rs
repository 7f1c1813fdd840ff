//! The cleanup screen's state. Pure: keys and the runner's reports change it; nothing here
//! awaits or touches a file.

use super::{CleanupCommand, Selected};
use crate::apply::cleanup::{Candidate, DeleteReport, DeleteResult, Path};
use crate::humanize::plural;
use crate::model::PrincipalType;
use crate::tui::event::{Effect, KeyOutcome};
use crate::tui::keymap::{self, Action, CleanupAction, Scope};
use crate::tui::widgets::scroll_list::ScrollList;
use crate::tui::widgets::typed_confirm::{self, Confirmation};
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;
use std::path::PathBuf;

/// How many of one principal's accesses the listing shows.
const ACCESS_SHOWN: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The runner computes the selection.
    Selecting,
    /// The two parts, and what `d` would do.
    List,
    /// The typed identity store id.
    Confirm,
    Running,
    Finished,
    /// The selection could not be made: why.
    Failed(String),
}

/// How a line of the listing is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Heading,
    Plain,
    /// Still holds access, included: will be deleted anyway.
    Marked,
    Dim,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListLine {
    pub tone: Tone,
    pub text: String,
}

pub struct CleanupScreen {
    /// Which select this screen waits for.
    pub attempt: u64,
    pub stage: Stage,
    pub selected: Option<Selected>,
    pub include_with_access: bool,
    /// The listing, built when the selection arrives or `i` toggles (drawing only slices it).
    pub lines: Vec<ListLine>,
    pub offset: usize,
    /// Rows the list shows (set from the terminal size before each key).
    pub list_rows: usize,
    pub typed: String,
    /// What the run deletes, and how each ended (`None`: not yet).
    pub to_delete: Vec<Candidate>,
    pub results: Vec<Option<DeleteResult>>,
    /// Kept up to date with every result.
    pub tally: DeleteReport,
    pub journal_path: Option<PathBuf>,
    /// The run's end: its report, or why it stopped early.
    pub outcome: Option<Result<DeleteReport, String>>,
    /// What the last key did, for the footer (the app takes it).
    pub message: Option<String>,
}

/// What the cleanup screen's keys need to know of the session.
pub struct KeyContext<'a> {
    pub writes_enabled: bool,
    /// Where the journal goes (the state directory, else beside the mapping file).
    pub journal_dir: Option<&'a std::path::Path>,
    pub now: DateTime<Utc>,
}

fn principal_line(candidate: &Candidate) -> String {
    format!(
        "{:<5} {}  {}",
        candidate.principal_type.as_str(),
        candidate.name,
        candidate.principal_id
    )
}

impl CleanupScreen {
    pub fn new(attempt: u64) -> CleanupScreen {
        CleanupScreen {
            attempt,
            stage: Stage::Selecting,
            selected: None,
            include_with_access: false,
            lines: Vec::new(),
            offset: 0,
            list_rows: 10,
            typed: String::new(),
            to_delete: Vec::new(),
            results: Vec::new(),
            tally: DeleteReport::default(),
            journal_path: None,
            outcome: None,
            message: None,
        }
    }

    pub fn running(&self) -> bool {
        self.stage == Stage::Running
    }

    /// The store id to type.
    pub fn store(&self) -> &str {
        self.selected.as_ref().map_or("", |s| s.store.as_str())
    }

    /// What `d` would delete now.
    pub fn candidates(&self) -> Vec<&Candidate> {
        self.selected.as_ref().map_or_else(Vec::new, |s| {
            s.selection.to_delete(self.include_with_access)
        })
    }

    pub fn without_access(&self) -> usize {
        self.selected
            .as_ref()
            .map_or(0, |s| s.selection.without_access().count())
    }

    pub fn with_access(&self) -> usize {
        self.selected
            .as_ref()
            .map_or(0, |s| s.selection.with_access().count())
    }

    pub fn on_selected(&mut self, result: Result<Selected, String>) {
        match result {
            Ok(selected) => {
                self.selected = Some(selected);
                self.stage = Stage::List;
                self.rebuild_lines();
            }
            Err(reason) => self.stage = Stage::Failed(reason),
        }
    }

    pub fn toggle_include(&mut self) {
        self.include_with_access = !self.include_with_access;
        self.rebuild_lines();
    }

    /// The listing: the part to delete first. Without `i`: those without access, then those
    /// still holding access (refused). With `i`: those still holding access first, marked,
    /// with what they reach, then the others.
    fn rebuild_lines(&mut self) {
        let Some(selected) = &self.selected else {
            return;
        };
        let selection = &selected.selection;
        let mut lines = Vec::new();
        let mut push = |tone, text: String| lines.push(ListLine { tone, text });
        let without: Vec<&Candidate> = selection.without_access().collect();
        let with: Vec<&Candidate> = selection.with_access().collect();
        let without_part = |push: &mut dyn FnMut(Tone, String)| {
            push(
                Tone::Heading,
                format!(
                    "{} old principal{} without access (to delete):",
                    without.len(),
                    plural(without.len())
                ),
            );
            for c in &without {
                push(Tone::Plain, format!("  {}", principal_line(c)));
            }
        };
        let include = self.include_with_access;
        let with_part = |push: &mut dyn FnMut(Tone, String)| {
            if with.is_empty() {
                return;
            }
            push(
                Tone::Heading,
                format!(
                    "{} old principal{} still holding access ({}):",
                    with.len(),
                    plural(with.len()),
                    if include {
                        "INCLUDED with i: deleted too, their assignments stay behind as orphans"
                    } else {
                        "refused: i includes them"
                    }
                ),
            );
            for c in &with {
                let (tone, mark) = if include {
                    (Tone::Marked, "⚠ ")
                } else {
                    (Tone::Dim, "  ")
                };
                push(tone, format!("{mark}{}", principal_line(c)));
                for held in c.access.iter().take(ACCESS_SHOWN) {
                    let via: Vec<String> = held.via.iter().map(Path::label).collect();
                    push(
                        tone,
                        format!("      {} ({})", held.target.label(), via.join(", ")),
                    );
                }
                if c.access.len() > ACCESS_SHOWN {
                    push(
                        tone,
                        format!(
                            "      … and {} more (cutover audit --{} {} lists them all)",
                            c.access.len() - ACCESS_SHOWN,
                            match c.principal_type {
                                PrincipalType::User => "user",
                                PrincipalType::Group => "group",
                            },
                            c.principal_id
                        ),
                    );
                }
            }
        };
        if include {
            with_part(&mut push);
            push(Tone::Plain, String::new());
            without_part(&mut push);
        } else {
            without_part(&mut push);
            push(Tone::Plain, String::new());
            with_part(&mut push);
        }
        if !selection.skipped.is_empty() {
            push(Tone::Plain, String::new());
            push(
                Tone::Heading,
                format!("{} never deleted:", selection.skipped.len()),
            );
            for s in &selection.skipped {
                push(
                    Tone::Dim,
                    format!(
                        "  {:<5} {}  {}: {}",
                        s.principal_type.as_str(),
                        s.name,
                        s.principal_id,
                        s.reason
                    ),
                );
            }
        }
        if selection.already_gone > 0 {
            push(Tone::Plain, String::new());
            push(
                Tone::Dim,
                format!(
                    "{} old principal{} of the mapping no longer exist{}.",
                    selection.already_gone,
                    plural(selection.already_gone),
                    if selection.already_gone == 1 { "s" } else { "" }
                ),
            );
        }
        while lines.last().is_some_and(|l| l.text.is_empty()) {
            lines.pop();
        }
        self.lines = lines;
        self.offset = 0;
    }

    /// Rows the scrollable part has in this stage.
    fn scroll_len(&self) -> usize {
        match self.stage {
            Stage::Running | Stage::Finished => self.to_delete.len(),
            _ => self.lines.len(),
        }
    }

    pub fn scroll(&mut self, delta: isize) {
        let mut list = ScrollList {
            selected: 0,
            offset: self.offset,
        };
        list.scroll_by(delta, self.scroll_len(), self.list_rows);
        self.offset = list.offset;
    }

    /// A key on the cleanup screen (the app has already handled Ctrl-C and its popups).
    pub fn on_key(&mut self, key: &KeyEvent, context: KeyContext) -> KeyOutcome {
        if self.stage == Stage::Confirm {
            return self.on_confirm_key(key, context);
        }
        let rows = self.list_rows.max(1) as isize;
        let action = keymap::action_for(key, Scope::Cleanup).or_else(|| {
            keymap::action_for(key, Scope::Browse)
                .filter(|a| matches!(a, Action::Quit | Action::ToggleHelp))
        });
        match action {
            Some(Action::Cleanup(CleanupAction::ToggleInclude)) if self.stage == Stage::List => {
                self.toggle_include();
                self.message = Some(if self.include_with_access {
                    format!(
                        "included: the {} still holding access are deleted too; their assignments stay behind as orphans",
                        self.with_access()
                    )
                } else {
                    "only the old principals without access are deleted".to_owned()
                });
            }
            Some(Action::Cleanup(CleanupAction::Delete)) if self.stage == Stage::List => {
                let unknown = self.selected.as_ref().map_or(0, |s| s.access_unknown.len());
                if !context.writes_enabled {
                    self.message = Some("read-only: press W (or :enable-writes) to enable writes for this session, then d deletes (after the typed identity store id)".to_owned());
                } else if unknown > 0 {
                    self.message = Some("refused: parts of the state that decide who holds access could not be read (listed above); nothing is deleted".to_owned());
                } else if self.candidates().is_empty() {
                    self.message = Some("nothing to delete".to_owned());
                } else {
                    self.stage = Stage::Confirm;
                    self.typed.clear();
                }
            }
            Some(Action::Up) => self.scroll(-1),
            Some(Action::Down) => self.scroll(1),
            Some(Action::PageUp) => self.scroll(-rows),
            Some(Action::PageDown) => self.scroll(rows),
            Some(Action::Top) => self.scroll(isize::MIN / 2),
            Some(Action::Bottom) => self.scroll(isize::MAX / 2),
            Some(Action::Back) => {
                if self.running() {
                    self.message = Some(
                        "the deletes keep running (progress in the header): C on the mapping screen returns"
                            .to_owned(),
                    );
                    return KeyOutcome::Leave;
                }
                return KeyOutcome::Close;
            }
            Some(action @ (Action::EnableWrites | Action::Quit | Action::ToggleHelp)) => {
                return KeyOutcome::Global(action)
            }
            _ => {}
        }
        KeyOutcome::Handled(Vec::new())
    }

    /// The typed confirmation: the identity store id, then Enter.
    fn on_confirm_key(&mut self, key: &KeyEvent, context: KeyContext) -> KeyOutcome {
        let store = self.store().to_owned();
        match typed_confirm::on_key(&mut self.typed, key, &store) {
            Confirmation::Typing => {}
            Confirmation::Cancelled => {
                self.stage = Stage::List;
                self.message = Some("cleanup cancelled: nothing was deleted".to_owned());
            }
            Confirmation::Confirmed => {
                let name = format!(
                    "cleanup-{store}-{}.journal.jsonl",
                    context.now.format("%Y%m%dT%H%M%SZ")
                );
                let journal_path = context
                    .journal_dir
                    .map_or_else(|| PathBuf::from(&name), |d| d.join(&name));
                let candidates = self.start(journal_path.clone());
                self.message = Some(format!(
                    "deleting {} from {store}; journal {}",
                    candidates.len(),
                    journal_path.display()
                ));
                return KeyOutcome::Handled(vec![Effect::Cleanup(CleanupCommand::Delete {
                    attempt: self.attempt,
                    store,
                    journal_path,
                    candidates,
                })]);
            }
            Confirmation::Refused(typed) => {
                self.message = Some(format!(
                    "not confirmed: \"{typed}\" is not the identity store id {store}; nothing was deleted"
                ));
            }
        }
        KeyOutcome::Handled(Vec::new())
    }

    /// The typed id matched: the run starts; returns what it deletes.
    pub fn start(&mut self, journal_path: PathBuf) -> Vec<Candidate> {
        self.to_delete = self.candidates().into_iter().cloned().collect();
        self.results = vec![None; self.to_delete.len()];
        self.tally = DeleteReport::default();
        self.journal_path = Some(journal_path);
        self.outcome = None;
        self.offset = 0;
        self.stage = Stage::Running;
        self.to_delete.clone()
    }

    pub fn on_deleted(&mut self, index: usize, result: DeleteResult) {
        if let Some(slot) = self.results.get_mut(index) {
            if slot.is_none() {
                self.tally.count(&result);
                *slot = Some(result);
            }
        }
    }

    pub fn on_finished(&mut self, result: Result<DeleteReport, String>) {
        self.outcome = Some(result);
        self.stage = Stage::Finished;
    }

    /// The failed deletes (indices into `to_delete`).
    pub fn failures(&self) -> impl Iterator<Item = usize> + '_ {
        self.results
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, Some(DeleteResult::Failed { .. })))
            .map(|(i, _)| i)
    }
}
