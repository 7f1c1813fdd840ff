//! The cleanup screen's state. Pure: keys and the runner's reports change it; nothing here
//! awaits or touches a file.

use super::Selected;
use crate::apply::cleanup::{Candidate, DeleteReport, DeleteResult, Path};
use crate::model::PrincipalType;
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
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
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
        let max = self.scroll_len().saturating_sub(self.list_rows.max(1));
        self.offset = (self.offset as isize + delta).clamp(0, max as isize) as usize;
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
