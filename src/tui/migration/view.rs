//! Draws the migration screen from `&App`: the old principals and their decisions, the
//! candidates (and, for a group, both groups' members), the live changeset, and the picker,
//! confirm and help popups. Nothing here changes state or does I/O.

use super::state::{scroll_into_view, Focus, GroupMembers, MapMode, Migration, OpsLine, Picker};
use crate::humanize::thousands;
use crate::mapping::Status;
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
    pub wide: bool,
}

impl MapAreas {
    /// Body rows of the old-principal list (inside the borders, below the column header).
    pub fn list_rows(&self) -> usize {
        self.list.height.saturating_sub(3).max(1) as usize
    }
}

pub fn layout(area: Rect) -> MapAreas {
    let [header, tabs, main, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let wide = main.width >= SIDE_BY_SIDE_MIN_WIDTH;
    let (list, candidates, preview) = if wide {
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
    let areas = layout(frame.area());
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
    render_list(m, frame, areas.list, &theme);
    render_candidates(m, frame, areas.candidates, &theme);
    render_preview(m, frame, areas.preview, areas.wide, &theme);
    render_footer(app, m, frame, areas.footer, &theme);
    match &m.mode {
        MapMode::Picker(picker) => render_picker(m, picker, frame, frame.area(), &theme),
        MapMode::Confirm(matches) => render_confirm(matches.len(), frame, frame.area(), &theme),
        MapMode::Normal | MapMode::Search => {}
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

fn render_list(m: &Migration, frame: &mut Frame, area: Rect, theme: &Theme) {
    let summary = &m.preview.summary;
    let title = format!(
        " Old principals ({}) · {}/{} mapped · {} of access covered ",
        thousands(m.visible.len()),
        thousands(summary.decided_with_access),
        thousands(summary.principals_with_access),
        percent(summary.assignments_covered, summary.assignments_total)
    );
    let mut filters = Vec::new();
    if m.filter != super::ListFilter::All {
        filters.push(format!("showing {}", m.filter.label()));
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
                    Cell::from(format!(
                        "→ {}",
                        if name.is_empty() { id.as_str() } else { name }
                    ))
                }
                Status::NoSuccessor => Cell::from("no successor").style(theme.warning),
                Status::Unmapped => Cell::from("unmapped").style(theme.dim),
            };
            let highlights = m.highlights.get(position).map(Vec::as_slice).unwrap_or(&[]);
            let cells = vec![
                Cell::from(mark(status)),
                Cell::from(row.principal_type.as_str()),
                Cell::from(highlighted(&row.name, highlights, theme)),
                Cell::from(Line::raw(thousands(row.access)).right_aligned()),
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
        Cell::from(Line::raw("ACCESS").right_aligned()),
        Cell::from("DECISION"),
    ])
    .style(theme.heading);
    let widths = [
        Constraint::Length(1),
        Constraint::Length(5),
        Constraint::Fill(3),
        Constraint::Length(6),
        Constraint::Fill(2),
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
            "now: ? unmapped · {} assignment{} in the baseline",
            row.access,
            if row.access == 1 { "" } else { "s" }
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
        lines.push(Line::styled(
            format!(
                "{star} {}  {:.2}{current}  {}",
                candidate.name, candidate.confidence, candidate.detail
            ),
            style,
        ));
        lines.push(Line::styled(format!("    {}", candidate.reason), theme.dim));
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
    let [old_area, new_area] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(1)
            .areas(area);
    let height = area.height.saturating_sub(2) as usize;
    let mut old: Vec<Line> = vec![
        Line::styled(format!("OLD · {} members", group.old.len()), theme.heading),
        Line::styled(group.old_name.as_str(), theme.accent),
    ];
    for (name, in_new) in group.old.iter().take(height) {
        let (marker, style) = match in_new {
            Some(true) => ("✔", theme.good),
            Some(false) => ("✗", theme.warning),
            None => (" ", Style::new()),
        };
        old.push(Line::from(vec![
            Span::styled(format!("{marker} "), style),
            Span::raw(name.as_str()),
        ]));
    }
    if group.old.len() > height {
        if let Some(last) = old.last_mut() {
            *last = Line::styled(
                format!("  … {} more", group.old.len() + 1 - height),
                theme.dim,
            );
        }
    }
    if group.old.is_empty() {
        old.push(Line::styled("no members", theme.dim));
    }
    frame.render_widget(Paragraph::new(old), old_area);

    let mut new: Vec<Line> = Vec::new();
    match &group.new_name {
        None => {
            new.push(Line::styled("NEW", theme.heading));
            new.push(Line::styled(
                "map the group to compare its members",
                theme.dim,
            ));
        }
        Some(name) => {
            let what = if group.new_is_successor {
                "SUCCESSOR"
            } else {
                "CANDIDATE"
            };
            new.push(Line::styled(
                format!("{what} · {} members", group.new.len()),
                theme.heading,
            ));
            new.push(Line::styled(name.as_str(), theme.accent));
            for member in group.new.iter().take(height) {
                new.push(Line::raw(format!("  {member}")));
            }
            if group.new.len() > height {
                if let Some(last) = new.last_mut() {
                    *last = Line::styled(
                        format!("  … {} more", group.new.len() + 1 - height),
                        theme.dim,
                    );
                }
            }
            if group.new.is_empty() {
                new.push(Line::styled("no members", theme.dim));
            }
        }
    }
    frame.render_widget(Paragraph::new(new), new_area);
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
    if !wide {
        let join = |lines: &[OpsLine]| -> String {
            if lines.is_empty() {
                return "none".to_owned();
            }
            lines
                .iter()
                .take(6)
                .map(|l| format!("{} {}", l.label, ops_text(l)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        left.push(Line::raw(format!("by account: {}", join(&p.by_account))));
        left.push(Line::raw(format!(
            "by principal: {}",
            join(&p.by_principal)
        )));
    }
    if p.risks_skipped {
        left.push(Line::styled(
            format!(
                "RISKS not listed live above {} old principals with access: w writes them into the plan",
                thousands(super::state::RISK_LIST_MAX_PRINCIPALS)
            ),
            theme.heading,
        ));
    } else {
        left.push(Line::styled(
            format!(
                "RISKS {} high · {} medium · {} info",
                c.high, c.medium, c.info
            ),
            theme.heading,
        ));
    }
    for (severity, message) in &p.risks {
        left.push(Line::from(vec![
            Span::styled(
                format!("{:<6} ", severity.label()),
                if *severity == crate::plan::Severity::High {
                    theme.warning
                } else {
                    theme.dim
                },
            ),
            Span::raw(message.as_str()),
        ]));
        if left.len() >= inner.height as usize {
            break;
        }
    }
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

/// A footer hint: the binding's short label, with the count for bulk accept.
fn hint_text(binding: &keymap::Binding, m: &Migration) -> String {
    match binding.action {
        Action::Map(MapAction::AcceptExact) => format!("{} ({})", binding.short, m.pending_exact()),
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

fn render_confirm(count: usize, frame: &mut Frame, area: Rect, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(72);
    let height = 6.min(area.height);
    let popup = Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    );
    let lines = vec![
        Line::styled(
            format!(
                "Accept {} exact match{}? (y/n)",
                thousands(count),
                if count == 1 { "" } else { "es" }
            ),
            theme.accent,
        ),
        Line::raw(""),
        Line::styled(
            "Each has one successor by external id, user name or email that no other old principal claims. Undecided ones only.",
            theme.dim,
        ),
    ];
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Bulk accept ")),
        popup,
    );
}
