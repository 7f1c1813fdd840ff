//! The risk pane: focusable (tab), scrollable, zoomable (`+`) and filtered by severity (`s`).
//! Decided consequences (merges, role deletions, deliberate losses) are listed above the
//! to-do items (unmapped principals losing access), which are counted apart.

use super::Migration;
use crate::plan::Severity;
use crate::tui::keymap::{self, Action, MapAction, Scope};
use ratatui::crossterm::event::KeyEvent;

/// One risk as the pane shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskLine {
    pub severity: Severity,
    pub message: String,
    /// An unmapped principal losing access: a to-do item of the mapping.
    pub todo: bool,
}

/// Which risks the pane lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskFilter {
    All,
    /// Everything decided (no to-do items).
    Decided,
    High,
    Medium,
    Info,
    /// Only the unmapped principals losing access.
    Todo,
}

impl RiskFilter {
    pub fn label(self) -> &'static str {
        match self {
            RiskFilter::All => "all",
            RiskFilter::Decided => "decided only",
            RiskFilter::High => "high",
            RiskFilter::Medium => "medium",
            RiskFilter::Info => "info",
            RiskFilter::Todo => "to-do (unmapped)",
        }
    }

    fn next(self) -> RiskFilter {
        match self {
            RiskFilter::All => RiskFilter::Decided,
            RiskFilter::Decided => RiskFilter::High,
            RiskFilter::High => RiskFilter::Medium,
            RiskFilter::Medium => RiskFilter::Info,
            RiskFilter::Info => RiskFilter::Todo,
            RiskFilter::Todo => RiskFilter::All,
        }
    }

    pub fn passes(self, risk: &RiskLine) -> bool {
        match self {
            RiskFilter::All => true,
            RiskFilter::Decided => !risk.todo,
            RiskFilter::High => !risk.todo && risk.severity == Severity::High,
            RiskFilter::Medium => !risk.todo && risk.severity == Severity::Medium,
            RiskFilter::Info => !risk.todo && risk.severity == Severity::Info,
            RiskFilter::Todo => risk.todo,
        }
    }
}

impl Migration {
    /// The risks passing the filter, in the pane's order.
    pub fn shown_risks(&self) -> impl Iterator<Item = &RiskLine> + '_ {
        let filter = self.risk_filter;
        self.preview.risks.iter().filter(move |r| filter.passes(r))
    }

    pub(super) fn scroll_risks(&mut self, delta: isize) {
        let total = self.shown_risks().count();
        let last = total.saturating_sub(self.risk_rows.max(1));
        self.risk_offset = (self.risk_offset as isize + delta).clamp(0, last as isize) as usize;
    }

    pub(super) fn cycle_risk_filter(&mut self) {
        self.risk_filter = self.risk_filter.next();
        self.risk_offset = 0;
        self.message = Some(format!(
            "risks: {} ({})",
            self.risk_filter.label(),
            self.shown_risks().count()
        ));
    }

    /// Keys of the focused risk pane; false for the keys it leaves to the screen.
    pub(super) fn on_risk_key(&mut self, key: &KeyEvent) -> bool {
        let page = self.risk_rows.max(1) as isize;
        match keymap::action_for(key, Scope::Migration) {
            Some(Action::Up) => self.scroll_risks(-1),
            Some(Action::Down) => self.scroll_risks(1),
            Some(Action::PageUp) => self.scroll_risks(-page),
            Some(Action::PageDown) => self.scroll_risks(page),
            Some(Action::Top) => self.risk_offset = 0,
            Some(Action::Bottom) => self.scroll_risks(isize::MAX / 2),
            Some(Action::Map(MapAction::RiskSeverity)) => self.cycle_risk_filter(),
            _ => return false,
        }
        true
    }
}
