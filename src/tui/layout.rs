//! Where everything of the browse screen goes, computed from the terminal size alone so that
//! mouse handling in `update` and rendering agree on it.

use super::panes::{PaneKind, Table};
use ratatui::layout::{Constraint, Layout, Position, Rect};

/// Where everything goes, computed from the terminal size alone so that mouse handling in
/// `update` and rendering agree on it.
#[derive(Clone, Copy, Debug)]
pub struct Areas {
    pub header: Rect,
    pub tabs: Rect,
    pub main: Rect,
    pub table: Rect,
    pub preview: Option<Rect>,
    /// Progress of a live load whose first parts are already on screen.
    pub loading: Rect,
    pub footer: Rect,
}

/// Panes are shown beside the table only where there is room for both.
const PREVIEW_MIN_WIDTH: u16 = 110;

/// Stages shown as gauges under the panes while a live load fills them.
pub const STRIP_STAGES: usize = 3;

pub fn layout(area: Rect, loading_rows: u16) -> Areas {
    let [header, tabs, main, loading, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(loading_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    let (table, preview) = if main.width >= PREVIEW_MIN_WIDTH {
        let [t, p] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
            .areas(main);
        (t, Some(p))
    } else {
        (main, None)
    };
    Areas {
        header,
        tabs,
        main,
        table,
        preview,
        loading,
        footer,
    }
}

impl Areas {
    /// Table rows visible between the borders and below the column header.
    pub fn table_body_height(&self) -> u16 {
        self.table.height.saturating_sub(3)
    }

    pub fn detail_body_height(&self) -> u16 {
        self.main.height.saturating_sub(2)
    }

    /// The pane whose tab is at `at` (`mapping`: the tabs end with the mapping screen's).
    pub fn tab_at(&self, at: Position, mapping: bool) -> Option<usize> {
        if !self.tabs.contains(at) {
            return None;
        }
        let mut x = self.tabs.x;
        for (i, label) in tab_labels(self.tabs.width, mapping).iter().enumerate() {
            let width = label.chars().count() as u16;
            if at.x >= x && at.x < x + width {
                return Some(i);
            }
            x += width;
        }
        None
    }

    /// The column whose header is at `at`.
    pub fn header_column_at(&self, at: Position, table: &Table) -> Option<usize> {
        let inner = self.table.inner(ratatui::layout::Margin::new(1, 1));
        if at.y != inner.y || !inner.contains(at) {
            return None;
        }
        column_areas(inner, table)
            .iter()
            .position(|r| at.x >= r.x && at.x < r.x + r.width)
            .map(|i| i.saturating_sub(1))
            .filter(|_| at.x >= inner.x + 2)
    }

    /// The body row (0 = first visible) at `at`.
    pub fn table_row_at(&self, at: Position) -> Option<usize> {
        let inner = self.table.inner(ratatui::layout::Margin::new(1, 1));
        if !inner.contains(at) || at.y <= inner.y {
            return None;
        }
        Some((at.y - inner.y - 1) as usize)
    }
}

/// The tab of the mapping screen (pane 7), when there is one.
pub const MAPPING_TAB: &str = " 7 Mapping ";

/// The tab labels at this width: the panes' titles, shortened where they would not all fit
/// (so that pane 7 is never cut off), and the mapping screen's when `mapping`.
pub fn tab_labels(width: u16, mapping: bool) -> Vec<String> {
    let full: Vec<String> = PaneKind::ALL
        .iter()
        .enumerate()
        .map(|(i, kind)| format!(" {} {} ", i + 1, kind.title()))
        .collect();
    let extra = if mapping { MAPPING_TAB.len() } else { 0 };
    if full.iter().map(|l| l.chars().count()).sum::<usize>() + extra <= width as usize {
        return full;
    }
    PaneKind::ALL
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let title = match kind {
                PaneKind::PermissionSets => "Perm sets",
                other => other.title(),
            };
            format!(" {} {title} ", i + 1)
        })
        .collect()
}

pub fn widths(table: &Table) -> Vec<Constraint> {
    let mut widths = vec![Constraint::Length(1)];
    widths.extend(table.columns.iter().map(|c| match c.width {
        0 => Constraint::Fill(c.fill_weight()),
        cells => Constraint::Length(cells),
    }));
    widths
}

pub fn column_areas(inner: Rect, table: &Table) -> Vec<Rect> {
    Layout::horizontal(widths(table))
        .spacing(1)
        .split(inner)
        .to_vec()
}
