//! Draws the migration screen from `&App`: the old principals and their decisions, the
//! candidates (and, for a group, both groups' members), the live changeset, and the picker,
//! confirm and help popups. Nothing here changes state or does I/O.

use super::state::{
    scroll_into_view, Ask, Focus, GroupMembers, MapMode, Migration, OpsLine, Picker, Review,
};
use crate::humanize::thousands;
use crate::mapping::tier::Tier;
use crate::mapping::Status;

/// Names come from the customer's directory: shown as inert text.
fn inert(text: &str) -> String {
    crate::text::inert(text).into_owned()
}
use crate::model::PrincipalType;
use crate::tui::app::{App, Mode};
use crate::tui::keymap::{self, Action, MapAction};
use crate::tui::layout::{tab_labels, MAPPING_TAB};
use crate::tui::theme::Theme;
use crate::tui::widgets::footer::Hints;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// At this width and more the candidates sit beside the list; below, everything is stacked.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 100;

#[derive(Clone, Copy, Debug)]
pub struct MapAreas {
    pub header: Rect,
    pub tabs: Rect,
    pub list: Rect,
    pub candidates: Rect,
    pub preview: Rect,
    pub footer: Rect,
    /// Everything between the tabs and the footer (where the zoomed risk list goes).
    pub main: Rect,
    pub wide: bool,
}

/// Lines of the changeset pane above its risk list: the counts, the losses, the roles and
/// merges, the risk heading.
const PREVIEW_FIXED_LINES: u16 = 4;

impl MapAreas {
    /// Body rows of the old-principal list (inside the borders, below the column header).
    pub fn list_rows(&self) -> usize {
        self.list.height.saturating_sub(3).max(1) as usize
    }

    /// Rows of the risk list: in the changeset pane, or zoomed to the whole screen.
    pub fn risk_rows(&self, zoom: bool) -> usize {
        let rows = if zoom {
            self.main.height.saturating_sub(3)
        } else {
            self.preview.height.saturating_sub(2 + PREVIEW_FIXED_LINES)
        };
        rows.max(1) as usize
    }
}

pub fn layout(area: Rect) -> MapAreas {
    layout_for(area, false)
}

/// The layout; when the risk pane has the focus on a narrow screen, it takes the room.
pub fn layout_for(area: Rect, risks_focused: bool) -> MapAreas {
    let [header, tabs, main, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let wide = main.width >= SIDE_BY_SIDE_MIN_WIDTH;
    let (list, candidates, preview) = if !wide && risks_focused {
        let [list, candidates, preview] = Layout::vertical([
            Constraint::Length(5),
            Constraint::Length(3),
            Constraint::Min(6),
        ])
        .areas(main);
        (list, candidates, preview)
    } else if wide {
        let preview_height = (main.height * 2 / 5).clamp(7, 16);
        let [top, preview] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(preview_height)]).areas(main);
        let [list, candidates] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
        (list, candidates, preview)
    } else {
        let [list, candidates, preview] = Layout::vertical([
            Constraint::Percentage(42),
            Constraint::Percentage(25),
            Constraint::Min(5),
        ])
        .areas(main);
        (list, candidates, preview)
    };
    MapAreas {
        header,
        tabs,
        list,
        candidates,
        preview,
        footer,
        main,
        wide,
    }
}

fn picker_rect(area: Rect) -> Rect {
    let width = area.width.saturating_sub(4).min(96);
    let height = area.height.saturating_sub(4).min(22);
    Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    )
}

/// Rows of matches the picker shows (inside its borders, below the query line).
pub fn picker_rows(area: Rect) -> usize {
    picker_rect(area).height.saturating_sub(3).max(1) as usize
}

pub fn render(app: &App, m: &Migration, frame: &mut Frame) {
    let theme = Theme::new(app.no_color);
    let areas = layout_for(frame.area(), m.focus == Focus::Risks);
    render_header(m, frame, areas.header, &theme);
    render_tabs(frame, areas.tabs, &theme);
    let tabs_width = tab_labels(areas.tabs.width, true)
        .iter()
        .map(|l| l.chars().count() as u16)
        .sum::<u16>()
        + MAPPING_TAB.len() as u16;
    crate::tui::apply_screen::view::render_mode_right(
        app,
        frame,
        areas.tabs,
        tabs_width,
        areas.header,
    );
    if m.risk_zoom {
        let block = Block::bordered().title(" Risks (zoomed · + or esc returns) ");
        let inner = block.inner(areas.main);
        frame.render_widget(block, areas.main);
        frame.render_widget(
            Paragraph::new(risk_lines(m, inner.height as usize, &theme)).wrap(Wrap { trim: false }),
            inner,
        );
    } else {
        render_list(m, frame, areas.list, &theme);
        render_candidates(m, frame, areas.candidates, &theme);
        render_preview(m, frame, areas.preview, areas.wide, &theme);
    }
    render_footer(app, m, frame, areas.footer, &theme);
    match &m.mode {
        MapMode::Picker(picker) => render_picker(m, picker, frame, frame.area(), &theme),
        MapMode::Review(review) => render_review(review, frame, frame.area(), &theme),
        MapMode::Ask(ask) => render_ask(ask, frame, frame.area(), &theme),
        MapMode::Log { offset } => render_log(m, *offset, frame, frame.area(), &theme),
        MapMode::Normal | MapMode::Search | MapMode::Import(_) => {}
    }
}

fn percent(part: usize, whole: usize) -> String {
    // Floor, so that 100% means every assignment.
    (part * 100)
        .checked_div(whole)
        .map_or_else(|| "–".to_owned(), |p| format!("{p}%"))
}

fn render_header(m: &Migration, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mapping = match &m.mapping_path {
        None => Span::styled("mapping in memory", theme.dim),
        Some(path) => {
            let state = if m.saved {
                "saved"
            } else if !m.mapping_file_exists {
                "new"
            } else {
                "unsaved"
            };
            let style = if m.saved || !m.mapping_file_exists {
                Style::new()
            } else {
                theme.warning
            };
            // The file name: the header has no room for a long directory.
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            Span::styled(format!("mapping {name} ({state})"), style)
        }
    };
    // Whether the mapping is saved comes before the snapshots' labels, which a narrow
    // terminal cuts off.
    let line = Line::from(vec![
        Span::styled(" cutover ", theme.accent),
        Span::raw("· "),
        Span::styled("MAPPING", theme.heading),
        Span::raw(" · "),
        mapping,
        if m.demo {
            Span::styled(" · DEMO: simulated writes", theme.warning)
        } else {
            Span::raw("")
        },
        Span::raw(format!(
            " · baseline {} → current {}",
            m.baseline_label, m.current_label
        )),
    ]);
    frame.render_widget(line, area);
}

fn render_tabs(frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut spans: Vec<Span> = tab_labels(area.width, true)
        .into_iter()
        .map(Span::raw)
        .collect();
    spans.push(Span::styled(MAPPING_TAB, theme.selected));
    frame.render_widget(Line::from(spans), area);
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Mapped => "✔",
        Status::NoSuccessor => "✗",
        Status::Unmapped => "?",
    }
}

/// How a tier looks: exact green, strong in the accent colour, weak as a warning.
pub fn tier_style(tier: Option<Tier>, theme: &Theme) -> Style {
    match tier {
        Some(Tier::Exact) => theme.good,
        Some(Tier::Strong) => theme.accent,
        Some(Tier::Weak) => theme.warning,
        None => Style::new(),
    }
}

fn render_list(m: &Migration, frame: &mut Frame, area: Rect, theme: &Theme) {
    let summary = &m.preview.summary;
    // Two counts, each saying what it counts: every old principal (what the list holds), and
    // those holding assignments directly (what the changeset is about).
    let (rows, decided) = (thousands(m.rows().len()), thousands(m.decided_rows));
    let (with_access, decided_with_access, covered) = (
        thousands(summary.principals_with_access),
        thousands(summary.decided_with_access),
        percent(summary.assignments_covered, summary.assignments_total),
    );
    let title = format!(
        " {rows} old principals: {decided} decided · with direct access {decided_with_access}/{with_access} · {covered} of access covered "
    );
    // The short form keeps every figure when the long one does not fit.
    let title = if title.chars().count() + 2 > area.width as usize {
        format!(" {rows} old: {decided} decided · direct access {decided_with_access}/{with_access} · {covered} covered ")
    } else {
        title
    };
    let mut filters = Vec::new();
    if m.filter != super::ListFilter::All {
        filters.push(format!(
            "showing {} ({})",
            m.filter.label(),
            thousands(m.visible.len())
        ));
    }
    if m.sort == super::state::ListSort::Tier {
        filters.push("by tier".to_owned());
    }
    if !m.marked.is_empty() {
        filters.push(format!("{} marked", m.marked.len()));
    }
    if !m.query.is_empty() {
        filters.push(format!("search: {}", m.query));
    }
    let rows_shown = area.height.saturating_sub(3) as usize;
    let offset = scroll_into_view(m.selected, m.offset, rows_shown.max(1));
    let focused = m.focus == Focus::OldPrincipals && !matches!(m.mode, MapMode::Picker(_));
    let rows = m
        .visible
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows_shown)
        .map(|(position, &index)| {
            let row = &m.rows()[index];
            let status = m.mapping().status(&row.id);
            let decision = match status {
                Status::Mapped => {
                    let id = m.mapping().successor(&row.id).expect("mapped");
                    let name = m.current_name(id);
                    let tier = m.decision_tier(&row.id);
                    let label = tier.map_or("manual", Tier::label);
                    let shared = if m.is_shared(&row.id) {
                        " ⇉shared"
                    } else {
                        ""
                    };
                    Cell::from(Line::from(vec![
                        Span::styled(format!("{label:<6} "), tier_style(tier, theme)),
                        Span::raw(format!(
                            "→ {}",
                            if name.is_empty() { id.as_str() } else { name }
                        )),
                        Span::styled(shared, theme.warning),
                    ]))
                }
                Status::NoSuccessor => Cell::from("no successor").style(theme.warning),
                Status::Unmapped => Cell::from("unmapped").style(theme.dim),
            };
            let highlights = m.highlights.get(position).map(Vec::as_slice).unwrap_or(&[]);
            let marker = if m.marked.contains(&index) {
                "●"
            } else {
                mark(status)
            };
            let cells = vec![
                Cell::from(marker),
                Cell::from(row.principal_type.as_str()),
                Cell::from(highlighted(&row.name, highlights, theme)),
                Cell::from(Line::raw(thousands(row.access)).right_aligned()),
                Cell::from(
                    Line::raw(row.effective.map_or_else(|| "·".to_owned(), thousands))
                        .right_aligned(),
                ),
                decision,
            ];
            let widget = Row::new(cells);
            if position == m.selected {
                widget.style(if focused {
                    theme.selected
                } else {
                    theme.unfocused
                })
            } else {
                widget
            }
        });
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from("TYPE"),
        Cell::from("OLD PRINCIPAL"),
        Cell::from(Line::raw("DIRECT").right_aligned()),
        Cell::from(Line::raw("EFFECTIVE").right_aligned()),
        Cell::from("DECISION"),
    ])
    .style(theme.heading);
    let widths = [
        Constraint::Length(1),
        Constraint::Length(5),
        Constraint::Fill(3),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Fill(3),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(if filters.is_empty() {
            Block::bordered().title(title)
        } else {
            Block::bordered()
                .title(title)
                .title_bottom(format!(" {} ", filters.join(" · ")))
        });
    frame.render_widget(table, area);
    if m.visible.is_empty() {
        let inner = area.inner(ratatui::layout::Margin::new(2, 2));
        let text = if m.rows().is_empty() {
            "the baseline has no users or groups"
        } else {
            "nothing to show with this filter (f cycles it, esc clears the search)"
        };
        frame.render_widget(Paragraph::new(text).style(theme.dim), inner);
    }
}

fn highlighted<'a>(text: &'a str, positions: &[usize], theme: &Theme) -> Line<'a> {
    if positions.is_empty() {
        return Line::raw(text);
    }
    Line::from(
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                if positions.binary_search(&i).is_ok() {
                    Span::styled(c.to_string(), theme.matched)
                } else {
                    Span::raw(c.to_string())
                }
            })
            .collect::<Vec<_>>(),
    )
}

fn render_candidates(m: &Migration, frame: &mut Frame, area: Rect, theme: &Theme) {
    let row = m.selected_row();
    let title = match row {
        Some(row) => format!(" Candidates for {} ", row.name),
        None => " Candidates ".to_owned(),
    };
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(row) = row else {
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    let entry = m.mapping().get(&row.id);
    let now = match entry.map(|e| &e.decision) {
        Some(crate::mapping::Decision::Successor(id)) => {
            let name = m.current_name(id);
            let method = entry
                .and_then(|e| e.method.as_deref())
                .map(|method| format!(" ({method})"))
                .unwrap_or_default();
            format!(
                "now: ✔ → {}{method}",
                if name.is_empty() { id.as_str() } else { name }
            )
        }
        Some(crate::mapping::Decision::NoSuccessor) => "now: ✗ no successor".to_owned(),
        None => format!(
            "now: ? unmapped · {} direct assignment{}{}",
            row.access,
            if row.access == 1 { "" } else { "s" },
            row.effective
                .map(|e| format!(" · {e} effective (with its groups)"))
                .unwrap_or_default()
        ),
    };
    lines.push(Line::styled(now, theme.accent));
    let focused = m.focus == Focus::Candidates;
    if m.candidates.is_empty() {
        lines.push(Line::styled("no suggestions", theme.dim));
        lines.push(Line::styled(
            "p picks any principal by hand · n: no successor",
            theme.dim,
        ));
    }
    let successor = m.mapping().successor(&row.id);
    for (i, candidate) in m.candidates.iter().enumerate() {
        let star = if i == 0 { "★" } else { " " };
        let current = if Some(&candidate.id) == successor {
            " ✔"
        } else {
            ""
        };
        let style = if i == m.candidate_selected {
            if focused {
                theme.selected
            } else {
                theme.unfocused
            }
        } else {
            Style::new()
        };
        let tier = candidate.tier;
        let mut spans = vec![
            Span::raw(format!("{star} ")),
            Span::styled(
                format!("{:<6}", tier.label()),
                tier_style(Some(tier), theme),
            ),
            Span::raw(format!(
                " {}{current}  {}",
                candidate.name, candidate.detail
            )),
        ];
        if let Some(holder) = &candidate.claimed_by {
            spans.push(Span::styled(
                format!("  ⚠ already succeeds {}", inert(holder)),
                theme.warning,
            ));
        }
        lines.push(Line::from(spans).style(style));
        lines.push(Line::styled(
            format!("         {}", inert(&candidate.reason)),
            theme.dim,
        ));
    }
    match &m.group {
        Some(group) if inner.height as usize > lines.len() + 2 => {
            let top = (lines.len() as u16).min(inner.height / 2).max(1);
            let [head, members] =
                Layout::vertical([Constraint::Length(top), Constraint::Min(1)]).areas(inner);
            frame.render_widget(Paragraph::new(lines), head);
            render_members(group, frame, members, theme);
        }
        _ => frame.render_widget(Paragraph::new(lines), inner),
    }
}

fn render_members(group: &GroupMembers, frame: &mut Frame, area: Rect, theme: &Theme) {
    let half = (area.width.saturating_sub(1) / 2) as usize;
    let cut = |text: &str| -> String { inert(text).chars().take(half.saturating_sub(2)).collect() };
    let mut lines: Vec<Line> = Vec::new();
    let (new_count, new_name) = match &group.new_name {
        None => ("NEW".to_owned(), "map the group to compare".to_owned()),
        Some(name) => (
            format!(
                "{} · {} member{}",
                if group.new_is_successor {
                    "SUCCESSOR"
                } else {
                    "CANDIDATE"
                },
                group.new_count,
                if group.new_count == 1 { "" } else { "s" }
            ),
            name.clone(),
        ),
    };
    let old_count = format!(
        "OLD · {} member{}",
        group.old_count,
        if group.old_count == 1 { "" } else { "s" }
    );
    lines.push(Line::styled(
        format!("{:<half$} {}", cut(&old_count), cut(&new_count)),
        theme.heading,
    ));
    lines.push(Line::styled(
        format!("{:<half$} {}", cut(&group.old_name), cut(&new_name)),
        theme.accent,
    ));
    if let Some(summary) = &group.summary {
        lines.push(Line::styled(summary.as_str(), theme.accent));
    }
    let room = (area.height as usize).saturating_sub(lines.len());
    let overflow = group.rows.len() > room;
    let shown = if overflow {
        room.saturating_sub(1)
    } else {
        room
    };
    for row in group.rows.iter().take(shown) {
        let (marker, style) = match row.in_new {
            Some(true) => ("✔", theme.good),
            Some(false) => ("✗", theme.warning),
            None => (" ", Style::new()),
        };
        let old = row.old.as_deref().map(cut).unwrap_or_default();
        let new = row.new.as_deref().map(cut).unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{marker} "), style),
            Span::raw(format!("{old:<width$} ", width = half.saturating_sub(2))),
            Span::raw(new),
        ]));
    }
    if overflow {
        lines.push(Line::styled(
            format!("  … {} more rows", group.rows.len() - shown),
            theme.dim,
        ));
    }
    if group.rows.is_empty() {
        lines.push(Line::styled("no members on either side", theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn ops_text(line: &OpsLine) -> String {
    let mut text = format!("+{}", line.creates);
    if line.deletes > 0 {
        text.push_str(&format!(" −{}", line.deletes));
    }
    text
}

fn render_preview(m: &Migration, frame: &mut Frame, area: Rect, wide: bool, theme: &Theme) {
    let p = &m.preview;
    let s = &p.summary;
    let c = &p.risk_counts;
    let block = Block::bordered().title(" Changeset (re-planned on every edit) ");
    let block = if m.focus == Focus::Risks {
        block.border_style(theme.accent)
    } else {
        block
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let mut left: Vec<Line> = vec![Line::from(vec![
        Span::styled(
            format!(
                "+{} create   −{} delete",
                thousands(s.creates),
                thousands(s.deletes)
            ),
            theme.accent,
        ),
        Span::raw(format!(
            "   (retire old: {} · R toggles)",
            if p.retire_old { "on" } else { "off" }
        )),
    ])];
    // Issue 13: permission sets created before any assignment (plan --create-permission-sets).
    if s.permission_sets_created > 0 {
        left.push(Line::styled(
            format!(
                "first: create {} permission set{} missing in current",
                thousands(s.permission_sets_created),
                if s.permission_sets_created == 1 {
                    ""
                } else {
                    "s"
                }
            ),
            theme.accent,
        ));
    }
    if s.principals_losing_access > 0 {
        left.push(Line::styled(
            format!(
                "⚠ {} lose access (unmapped or no successor: {} assignments)",
                thousands(s.principals_losing_access),
                thousands(s.assignments_losing_access)
            ),
            theme.warning,
        ));
    } else {
        left.push(Line::styled("✔ nobody loses access", theme.good));
    }
    let missing = c.missing_permission_sets + c.missing_accounts + c.missing_applications;
    let missing = if p.risks_skipped {
        s.assignments_missing_target
    } else {
        missing
    };
    let mut counts = vec![
        format!("{} roles deleted", s.emptied_pairs),
        format!("{} shared successors", s.shared_successors),
    ];
    if missing > 0 && p.risks_skipped {
        counts.push(format!(
            "{} assignments cannot be carried over (missing in current)",
            s.assignments_missing_target
        ));
    } else if missing > 0 {
        counts.push(format!(
            "missing: {} permission sets, {} accounts, {} apps ({} assignments)",
            c.missing_permission_sets,
            c.missing_accounts,
            c.missing_applications,
            s.assignments_missing_target
        ));
    } else {
        counts.push("nothing missing in current".to_owned());
    }
    let style = if s.emptied_pairs > 0 || missing > 0 {
        theme.warning
    } else {
        Style::new()
    };
    left.push(Line::styled(counts.join(" · "), style));
    let room = (inner.height as usize).saturating_sub(left.len());
    left.extend(risk_lines(m, room, theme));
    if !wide {
        frame.render_widget(Paragraph::new(left), inner);
        return;
    }
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
            .spacing(1)
            .areas(inner);
    frame.render_widget(Paragraph::new(left), left_area);
    let half = (right_area.height / 2).max(1) as usize;
    let mut right: Vec<Line> = vec![Line::styled("BY ACCOUNT", theme.heading)];
    let width = right_area.width as usize;
    let ops_line = |l: &OpsLine| -> Line {
        let ops = ops_text(l);
        let label_width = width.saturating_sub(ops.chars().count() + 1);
        let label: String = l.label.chars().take(label_width).collect();
        Line::raw(format!("{label:<label_width$} {ops}"))
    };
    if p.by_account.is_empty() {
        right.push(Line::styled("no operations", theme.dim));
    }
    for l in p.by_account.iter().take(half.saturating_sub(1)) {
        right.push(ops_line(l));
    }
    while right.len() < half {
        right.push(Line::raw(""));
    }
    right.push(Line::styled("BY PRINCIPAL", theme.heading));
    if p.by_principal.is_empty() {
        right.push(Line::styled("no operations", theme.dim));
    }
    for l in &p.by_principal {
        if right.len() >= right_area.height as usize {
            break;
        }
        right.push(ops_line(l));
    }
    frame.render_widget(Paragraph::new(right), right_area);
}

/// The risk heading (counts, filter, keys) and the risks from the scroll offset, at most
/// `height` lines in all.
fn risk_lines<'a>(m: &'a Migration, height: usize, theme: &Theme) -> Vec<Line<'a>> {
    let p = &m.preview;
    let c = &p.risk_counts;
    if height == 0 {
        return Vec::new();
    }
    if p.risks_skipped {
        return vec![Line::styled(
            format!(
                "RISKS not listed live above {} old principals with access: w writes them into the plan",
                thousands(super::state::RISK_LIST_MAX_PRINCIPALS)
            ),
            theme.heading,
        )];
    }
    let shown: Vec<&super::RiskLine> = m.shown_risks().collect();
    let offset = m.risk_offset.min(shown.len().saturating_sub(1));
    let mut heading = format!(
        "RISKS {} high · {} medium · {} info · {} to-do (unmapped)",
        c.high, c.medium, c.info, c.todo
    );
    if m.risk_filter != super::RiskFilter::All {
        heading.push_str(&format!(" · showing {}", m.risk_filter.label()));
    }
    if shown.len() > height.saturating_sub(1) {
        heading.push_str(&format!(
            " · {}-{}/{}",
            offset + 1,
            (offset + height - 1).min(shown.len()),
            shown.len()
        ));
    }
    if m.focus != Focus::Risks {
        heading.push_str(" · tab focuses");
    } else {
        heading.push_str(" · s severity · + zoom");
    }
    let mut lines = vec![Line::styled(heading, theme.heading)];
    for risk in shown.iter().skip(offset) {
        if lines.len() >= height {
            break;
        }
        let label = if risk.todo {
            "TO-DO"
        } else {
            risk.severity.label()
        };
        let style = if risk.todo {
            theme.dim
        } else if risk.severity == crate::plan::Severity::High {
            theme.warning
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<6} "), style),
            Span::raw(inert(&risk.message)),
        ]));
    }
    if shown.is_empty() && lines.len() < height {
        lines.push(Line::styled("nothing to show", theme.dim));
    }
    lines
}

/// A footer hint: the binding's short label, with the counts for bulk accept and undo.
fn hint_text(binding: &keymap::Binding, m: &Migration) -> String {
    match binding.action {
        Action::Map(MapAction::AcceptExact) => match m.pending_exact() {
            0 => format!("{} (strong)", binding.short),
            n => format!("{} exact ({n})", binding.short),
        },
        Action::Map(MapAction::Undo) => match m.undo_depth().0 {
            0 => binding.short.to_owned(),
            n => format!("{} ({n})", binding.short),
        },
        _ => binding.short.to_owned(),
    }
}

fn render_footer(app: &App, m: &Migration, frame: &mut Frame, area: Rect, theme: &Theme) {
    let line = if app.mode == Mode::Command {
        crate::tui::widgets::footer::command_line(&app.input, theme)
    } else if matches!(m.mode, MapMode::Search) {
        Line::from(vec![
            Span::styled("/", theme.accent),
            Span::raw(m.query.clone()),
            Span::styled("▏  ⏎ keep · esc clear", theme.dim),
        ])
    } else if let MapMode::Import(path) = &m.mode {
        Line::from(vec![
            Span::styled("leavers CSV (user names or emails): ", theme.accent),
            Span::raw(path.clone()),
            Span::styled("▏  ⏎ import · esc cancel", theme.dim),
        ])
    } else {
        // Most needed first: a narrow terminal leaves out the hints at the end (? lists all).
        let order = |b: &&keymap::Binding| match b.action {
            Action::Map(MapAction::Accept) => 0,
            Action::Map(MapAction::NoSuccessor) => 1,
            Action::Map(MapAction::Pick) => 2,
            Action::Map(MapAction::WritePlan) => 3,
            Action::OpenApply => 4,
            _ => 5,
        };
        let mut bindings: Vec<&keymap::Binding> = keymap::MIGRATION_BINDINGS
            .iter()
            .filter(|b| b.hint)
            .collect();
        bindings.sort_by_key(order);
        let mut hints = Hints::new();
        for b in bindings {
            hints.push(b.label, hint_text(b, m));
        }
        hints.push("?", "help").push("q", "quit");
        hints.line(area.width, theme)
    };
    frame.render_widget(line, area);
}

fn render_picker(m: &Migration, picker: &Picker, frame: &mut Frame, area: Rect, theme: &Theme) {
    let popup = picker_rect(area);
    let kind = match picker.principal_type {
        PrincipalType::User => "user",
        PrincipalType::Group => "group",
    };
    let block = Block::default().borders(Borders::ALL).title(format!(
        " Pick the successor of {} (any current {kind}; ⏎ picks, esc cancels) ",
        picker.for_name
    ));
    let inner = block.inner(popup);
    frame.render_widget(Clear, popup);
    frame.render_widget(block, popup);
    let rows = inner.height.saturating_sub(1) as usize;
    let mut lines: Vec<Line> = vec![Line::from(vec![
        Span::styled("> ", theme.accent),
        Span::raw(picker.query.clone()),
        Span::styled(
            format!(
                "▏  {} of {}",
                thousands(picker.total),
                thousands(m.picks(picker.principal_type).len())
            ),
            theme.dim,
        ),
    ])];
    let offset = scroll_into_view(picker.selected, picker.offset, rows.max(1));
    let picks = m.picks(picker.principal_type);
    for (position, (index, highlights)) in picker.matches.iter().enumerate().skip(offset).take(rows)
    {
        let entry = &picks[*index];
        let mut spans = highlighted(&entry.name, highlights, theme).spans;
        if !entry.detail.is_empty() {
            spans.push(Span::styled(format!("  {}", entry.detail), theme.dim));
        }
        if entry.in_baseline {
            spans.push(Span::styled("  (old: in the baseline)", theme.dim));
        }
        if let Some(holder) = m.holders_of(&entry.id).first() {
            let name = m.old_name(holder);
            spans.push(Span::styled(
                format!(
                    "  ⚠ succeeds {}",
                    inert(if name.is_empty() {
                        holder.as_str()
                    } else {
                        name
                    })
                ),
                theme.warning,
            ));
        }
        let mut line = Line::from(spans);
        if position == picker.selected {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    if picker.matches.is_empty() {
        lines.push(Line::styled("nothing matches", theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let width = area.width.saturating_sub(2).min(width);
    let height = area.height.saturating_sub(2).min(height);
    Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    )
}

fn render_review(review: &Review, frame: &mut Frame, area: Rect, theme: &Theme) {
    let rect = popup(area, 120, area.height.saturating_sub(2));
    let count = review.items.len();
    let what = match review.tier {
        Tier::Exact => "exact: the same external id, user name or email, claimed by nobody else",
        _ => "strong: two independent pieces of evidence agree, claimed by nobody else",
    };
    let block = Block::bordered().title(format!(
        " Bulk accept: {} {} match{} · y accepts all · n/esc cancels · j/k/pgdn scroll ",
        thousands(count),
        review.tier.label(),
        if count == 1 { "" } else { "es" }
    ));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let mut lines = vec![
        Line::styled(
            format!(
                "Accept {} {} match{}? (y/n)",
                thousands(count),
                review.tier.label(),
                if count == 1 { "" } else { "es" }
            ),
            theme.accent,
        ),
        Line::styled(
            format!("{what}. Undecided ones only; z undoes them all at once."),
            theme.dim,
        ),
    ];
    let rows = (inner.height as usize).saturating_sub(lines.len() + 1);
    let offset = review.offset.min(count.saturating_sub(rows.max(1)));
    lines.push(Line::styled(
        format!(
            "{}-{} of {}",
            offset + 1,
            (offset + rows).min(count),
            thousands(count)
        ),
        theme.dim,
    ));
    let longest = review
        .items
        .iter()
        .map(|i| i.old_name.chars().count())
        .max()
        .unwrap_or(0);
    let half = ((inner.width as usize).saturating_sub(10) / 2).min(longest);
    for item in review.items.iter().skip(offset).take(rows) {
        let old: String = inert(&item.old_name).chars().take(half).collect();
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{:<5} {old:<half$} → ",
                item.principal_type.as_str()
            )),
            Span::raw(inert(&item.new_name)),
            Span::styled(format!("  {}", inert(&item.reason)), theme.dim),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_ask(ask: &Ask, frame: &mut Frame, area: Rect, theme: &Theme) {
    // Tall enough for the wrapped reasons.
    let width = area.width.saturating_sub(2).min(90);
    let text_width = width.saturating_sub(2).max(10) as usize;
    let wrapped = |text: &str| text.chars().count().div_ceil(text_width).max(1) as u16;
    let height =
        wrapped(&ask.question) + ask.reasons.iter().map(|r| wrapped(r) + 1).sum::<u16>() + 4;
    let rect = popup(area, 90, height);
    let mut lines = vec![Line::styled(inert(&ask.question), theme.accent)];
    for reason in &ask.reasons {
        lines.push(Line::styled(format!("⚠ {}", inert(reason)), theme.warning));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "y records it (z undoes) · n or esc leaves it as it was",
        theme.dim,
    ));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Check before deciding ")),
        rect,
    );
}

fn render_log(m: &Migration, offset: usize, frame: &mut Frame, area: Rect, theme: &Theme) {
    let rect = popup(area, 160, area.height.saturating_sub(2));
    let where_ = match &m.mapping_path {
        Some(path) => format!(
            "appended to {}",
            crate::mapping::log::path_for(path).display()
        ),
        None => "in memory (no mapping file)".to_owned(),
    };
    let block = Block::bordered().title(format!(
        " Decision log of this session ({} lines, {where_}) · esc closes ",
        m.log.len()
    ));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let rows = inner.height as usize;
    if m.log.is_empty() {
        frame.render_widget(
            Paragraph::new("no decision yet in this session").style(theme.dim),
            inner,
        );
        return;
    }
    // Follows the newest line unless scrolled (offset is the last line shown).
    let last = offset.min(m.log.len() - 1);
    let first = (last + 1).saturating_sub(rows);
    let lines: Vec<Line> = m.log[first..=last]
        .iter()
        .map(|l| Line::raw(l.as_str()))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
