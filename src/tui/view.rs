//! Rendering: pure functions of `&App` to a frame. Nothing here changes state, awaits or
//! computes anything heavier than laying out what `update` prepared.

use super::app::{App, Loading, Mode};
use super::detail::{Detail, Tone};
use super::filter::Query;
use super::keymap;
use super::panes::{Mark, PaneKind, Table};
use crate::backend::Stage;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Cell, Clear, Gauge, Paragraph, Row, Table as TableWidget, Wrap,
};
use ratatui::Frame;

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
const STRIP_STAGES: usize = 3;

/// The rows the loading strip takes (0 when no partial load is on screen): a line of calls
/// and throttles, then a gauge for each of the first unfinished stages.
pub fn loading_strip_height(app: &App) -> u16 {
    let partial = app.dataset.as_ref().is_some_and(|d| !d.is_complete());
    match &app.loading {
        Some(loading) if partial => {
            let unfinished = Stage::ALL
                .iter()
                .filter(|s| !loading.stages.get(s).is_some_and(|p| p.finished))
                .count();
            1 + unfinished.min(STRIP_STAGES) as u16
        }
        // A load that failed after its first parts: say so under what it delivered.
        None if partial && app.load_error.is_some() => 1,
        _ => 0,
    }
}

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

    /// The pane whose tab is at `at`.
    pub fn tab_at(&self, at: Position) -> Option<usize> {
        if !self.tabs.contains(at) {
            return None;
        }
        let mut x = self.tabs.x;
        for (i, kind) in PaneKind::ALL.iter().enumerate() {
            let width = tab_label(i, *kind).chars().count() as u16;
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

fn tab_label(i: usize, kind: PaneKind) -> String {
    format!(" {} {} ", i + 1, kind.title())
}

fn widths(table: &Table) -> Vec<Constraint> {
    let mut widths = vec![Constraint::Length(1)];
    widths.extend(table.columns.iter().map(|c| match c.width {
        0 => Constraint::Fill(1),
        cells => Constraint::Length(cells),
    }));
    widths
}

fn column_areas(inner: Rect, table: &Table) -> Vec<Rect> {
    Layout::horizontal(widths(table))
        .spacing(1)
        .split(inner)
        .to_vec()
}

pub fn render(app: &App, frame: &mut Frame) {
    if let Some(screen) = app.cleanup_screen() {
        super::cleanup_screen::view::render(app, screen, frame);
        super::apply_screen::view::render_overlays(app, frame);
        return;
    }
    if let Some(screen) = app.apply_screen() {
        super::apply_screen::view::render(app, screen, frame);
        super::apply_screen::view::render_overlays(app, frame);
        return;
    }
    if let Some(migration) = app.migration_screen() {
        super::migration::view::render(app, migration, frame);
        super::apply_screen::view::render_overlays(app, frame);
        return;
    }
    let theme = Theme::new(app.no_color);
    let areas = layout(frame.area(), loading_strip_height(app));
    render_header(app, frame, areas.header, &theme);
    render_tabs(app, frame, areas.tabs, &theme);
    // READ-ONLY / WRITES ENABLED / applying n/m, where the (long) header cannot cut it off.
    let tabs_width = PaneKind::ALL
        .iter()
        .enumerate()
        .map(|(i, kind)| tab_label(i, *kind).chars().count() as u16)
        .sum::<u16>()
        + if app.migration.is_some() { 13 } else { 0 };
    super::apply_screen::view::render_mode_right(app, frame, areas.tabs, tabs_width, areas.header);
    if app.dataset.is_none() {
        render_loading(app, frame, areas.main, &theme);
    } else if let Some(top) = app.stack.last() {
        let crumbs: Vec<String> = std::iter::once(app.pane_kind().title().to_owned())
            .chain(app.stack.iter().map(|d| d.detail.label.clone()))
            .collect();
        render_detail(
            frame,
            areas.main,
            &top.detail,
            Some((top.selected, top.offset)),
            &crumbs.join(" › "),
            &theme,
        );
    } else {
        render_table(app, frame, areas.table, &theme);
        if let (Some(area), Some(preview)) = (areas.preview, &app.preview) {
            render_detail(frame, area, preview, None, &preview.label, &theme);
        }
    }
    if areas.loading.height > 0 {
        render_loading_strip(app, frame, areas.loading, &theme);
    }
    render_footer(app, frame, areas.footer, &theme);
    if app.mode == Mode::Help {
        render_help(frame, frame.area(), &theme);
    }
    super::apply_screen::view::render_overlays(app, frame);
}

fn render_header(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut spans = vec![Span::styled(" cutover ", theme.accent), Span::raw("· ")];
    if let Some(dataset) = &app.dataset {
        let s = dataset.snapshot();
        let instance = s
            .instance
            .instance_arn
            .rsplit('/')
            .next()
            .unwrap_or(&s.instance.instance_arn);
        spans.push(Span::raw(format!(
            "{instance} · {} · {} · {} ",
            s.instance.identity_store_id,
            s.instance.region.as_deref().unwrap_or("?"),
            app.source
        )));
        let age = app.now - s.captured_at;
        spans.push(Span::styled(
            format!(
                "captured {} ({} ago) ",
                s.captured_at.format("%Y-%m-%d %H:%M"),
                human_age(age)
            ),
            theme.dim,
        ));
        if !s.warnings.is_empty() {
            spans.push(Span::styled(
                format!("⚠ {} parts unread ", s.warnings.len()),
                theme.warning,
            ));
        }
    } else {
        spans.push(Span::raw(format!("{} ", app.source)));
    }
    if let Some(loading) = &app.loading {
        match &app.dataset {
            Some(d) if d.is_complete() => spans.push(Span::styled(
                format!("↻ reloading ({} calls) ", loading.calls),
                theme.accent,
            )),
            Some(_) => spans.push(Span::styled("↻ loading ", theme.accent)),
            None => {}
        }
    }

    frame.render_widget(Line::from(spans), area);
}

fn human_age(age: chrono::TimeDelta) -> String {
    let minutes = age.num_minutes().max(0);
    match minutes {
        0 => "just now".to_owned(),
        1..=59 => format!("{minutes} min"),
        60..=2879 => format!("{} h", minutes / 60),
        _ => format!("{} days", minutes / 1440),
    }
}

fn render_tabs(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut spans: Vec<Span> = PaneKind::ALL
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let label = tab_label(i, *kind);
            if i == app.pane {
                Span::styled(label, theme.selected)
            } else {
                Span::raw(label)
            }
        })
        .collect();
    if app.migration.is_some() {
        spans.push(Span::raw(" 7 Migration "));
    }
    frame.render_widget(Line::from(spans), area);
}

fn render_table(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(table) = app.table() else {
        let block = Block::bordered().title(format!(" {} ", app.pane_kind().title()));
        let inner = area.inner(ratatui::layout::Margin::new(2, 2));
        frame.render_widget(block, area);
        frame.render_widget(
            Paragraph::new(format!(
                "building the {} table…",
                app.pane_kind().title().to_lowercase()
            ))
            .style(theme.dim),
            inner,
        );
        return;
    };
    let view = app.view();
    let mut title = format!(" {} ({}", table.kind.title(), thousands(view.visible.len()));
    if view.visible.len() != table.len() {
        title.push_str(&format!(" of {}", thousands(table.len())));
    }
    if !view.query.is_empty() {
        title.push_str(&format!(" · filter: {}", view.query));
    }
    if let Some((column, descending)) = view.sort {
        let arrow = if descending { "↓" } else { "↑" };
        title.push_str(&format!(
            " · sort: {}{arrow}",
            table.columns[column].title.to_lowercase()
        ));
    }
    if view.pending.is_some() {
        title.push_str(" · filtering…");
    }
    title.push_str(") ");

    let mut header_cells = vec![Cell::from("")];
    header_cells.extend(table.columns.iter().enumerate().map(|(i, c)| {
        let marker = match view.sort {
            Some((s, true)) if s == i => " ↓",
            Some((s, false)) if s == i => " ↑",
            _ => "",
        };
        Cell::from(format!("{}{marker}", c.title)).style(theme.heading)
    }));
    // Highlights only for the rows on screen, from the query as typed.
    let query = Query::parse(&view.query);
    let height = area.height.saturating_sub(3) as usize;
    let rows = view
        .visible
        .iter()
        .enumerate()
        .skip(view.offset)
        .take(height)
        .filter(|(_, &row)| (row as usize) < table.len())
        .map(|(position, &row)| {
            let row = row as usize;
            let mark = match table.marks[row] {
                Mark::None => Cell::from(" "),
                Mark::Orphan => Cell::from("⚠").style(theme.warning),
                Mark::NoAccess => Cell::from("∅").style(theme.dim),
            };
            let texts = table.row(row);
            let highlights = if query.is_empty() {
                None
            } else {
                let keyed: Vec<(&str, &str)> = table
                    .columns
                    .iter()
                    .zip(&texts)
                    .map(|(c, t)| (c.key, t.as_ref()))
                    .collect();
                query.matches(&keyed).map(|m| m.highlights)
            };
            let mut cells = vec![mark];
            cells.extend(texts.into_iter().enumerate().map(|(c, text)| {
                let positions = highlights
                    .as_ref()
                    .and_then(|h| h.get(c))
                    .map(Vec::as_slice);
                let line = highlighted(&text, positions.unwrap_or(&[]), theme);
                let line = if table.columns[c].numeric {
                    line.right_aligned()
                } else {
                    line
                };
                Cell::from(line)
            }));
            let row_widget = Row::new(cells);
            let row_widget = match table.marks[row] {
                Mark::Orphan => row_widget.style(theme.warning),
                Mark::NoAccess => row_widget.style(theme.dim),
                Mark::None => row_widget,
            };
            if position == view.selected {
                row_widget.style(theme.selected)
            } else {
                row_widget
            }
        });
    let widget = TableWidget::new(rows, widths(table))
        .header(Row::new(header_cells))
        .column_spacing(1)
        .block(Block::bordered().title(title));
    frame.render_widget(widget, area);
    let inner = area.inner(ratatui::layout::Margin::new(2, 2));
    if table.waiting {
        frame.render_widget(
            Paragraph::new(format!("loading {}…", table.kind.title().to_lowercase()))
                .style(theme.dim),
            inner,
        );
    } else if table.is_empty() {
        frame.render_widget(Paragraph::new("nothing here").style(theme.dim), inner);
    } else if view.visible.is_empty() && view.pending.is_none() {
        frame.render_widget(
            Paragraph::new("no row matches the filter (esc clears it)").style(theme.dim),
            inner,
        );
    }
}

fn highlighted(text: &str, positions: &[usize], theme: &Theme) -> Line<'static> {
    if positions.is_empty() {
        return Line::raw(text.to_owned());
    }
    let spans: Vec<Span> = text
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if positions.binary_search(&i).is_ok() {
                Span::styled(c.to_string(), theme.matched)
            } else {
                Span::raw(c.to_string())
            }
        })
        .collect();
    Line::from(spans)
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    detail: &Detail,
    cursor: Option<(usize, usize)>,
    title: &str,
    theme: &Theme,
) {
    let height = area.height.saturating_sub(2) as usize;
    let offset = cursor.map(|c| c.1).unwrap_or(0);
    let lines: Vec<Line> = detail
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, item)| {
            let style = match item.tone {
                Tone::Title => theme.accent,
                Tone::Heading => theme.heading,
                Tone::Normal => Style::new(),
                Tone::Dim => theme.dim,
                Tone::Warning => theme.warning,
            };
            let style = if cursor.is_some_and(|c| c.0 == i) {
                theme.selected
            } else {
                style
            };
            Line::styled(item.text.as_str(), style)
        })
        .collect();
    let block = Block::bordered().title(format!(" {title} "));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn render_loading(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let block = Block::bordered().title(" Loading ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(error) = &app.load_error {
        frame.render_widget(
            Paragraph::new(format!("Loading failed:\n\n{error}\n\nr retries · q quits"))
                .style(theme.warning)
                .wrap(Wrap { trim: false }),
            inner,
        );
        return;
    }
    let Some(loading) = &app.loading else {
        return;
    };
    let mut constraints = vec![Constraint::Length(1); Stage::ALL.len() + 2];
    constraints.push(Constraint::Min(0));
    let rows = Layout::vertical(constraints).split(inner);
    frame.render_widget(
        Line::styled(
            format!(
                "{} API calls · {} throttled (retried) · the UI stays usable: q quits",
                loading.calls, loading.throttles
            ),
            theme.dim,
        ),
        rows[0],
    );
    for (i, stage) in Stage::ALL.iter().enumerate() {
        render_stage(loading, *stage, frame, rows[i + 2], theme);
    }
}

/// One stage's name and gauge on one line.
fn render_stage(loading: &Loading, stage: Stage, frame: &mut Frame, area: Rect, theme: &Theme) {
    let progress = loading.stages.get(&stage);
    let (ratio, label) = match progress {
        Some(p) if p.finished => (1.0, format!("{} done", p.done)),
        Some(p) => match p.total {
            Some(total) if total > 0 => (
                (p.done as f64 / total as f64).min(1.0),
                format!("{}/{}", p.done, total),
            ),
            _ => (0.0, format!("{}", p.done)),
        },
        None => (0.0, "waiting".to_owned()),
    };
    let [name, gauge] =
        Layout::horizontal([Constraint::Length(28), Constraint::Min(10)]).areas(area);
    frame.render_widget(Line::raw(format!("{:>26} ", stage.label())), name);
    frame.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(label)
            .gauge_style(theme.accent),
        gauge,
    );
}

/// Under panes that a live load is still filling: calls, throttles, and a gauge for each of
/// the first unfinished stages.
fn render_loading_strip(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(loading) = &app.loading else {
        if let Some(error) = &app.load_error {
            let text = format!("loading failed, these panes are incomplete: {error} · r retries");
            frame.render_widget(Line::styled(text, theme.warning), area);
        }
        return;
    };
    // Stages under way first, then those still waiting.
    let mut unfinished: Vec<Stage> = Stage::ALL
        .into_iter()
        .filter(|s| !loading.stages.get(s).is_some_and(|p| p.finished))
        .collect();
    unfinished.sort_by_key(|s| !loading.stages.contains_key(s));
    let more = unfinished.len().saturating_sub(STRIP_STAGES);
    let mut text = format!(
        "loading: {} API calls · {} throttled (retried)",
        loading.calls, loading.throttles
    );
    if more > 0 {
        text.push_str(&format!(" · {more} more stages after these"));
    }
    let rows = Layout::vertical(vec![Constraint::Length(1); 1 + STRIP_STAGES]).split(area);
    frame.render_widget(Line::styled(text, theme.dim), rows[0]);
    for (i, stage) in unfinished.iter().take(STRIP_STAGES).enumerate() {
        if let Some(&row) = rows.get(i + 1) {
            render_stage(loading, *stage, frame, row, theme);
        }
    }
}

fn render_footer(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let line = match app.mode {
        Mode::Filter => Line::from(vec![
            Span::styled("/", theme.accent),
            Span::raw(app.view().query.clone()),
            Span::styled("▏  ⏎ keep · esc clear · column:term restricts", theme.dim),
        ]),
        Mode::Command => Line::from(vec![
            Span::styled(":", theme.accent),
            Span::raw(app.input.clone()),
            Span::styled("▏", theme.dim),
        ]),
        _ => match &app.message {
            Some(message) => Line::styled(message.clone(), theme.accent),
            None => {
                let mut spans = Vec::new();
                for b in keymap::footer_hints() {
                    spans.push(Span::styled(format!(" {}", b.label), theme.accent));
                    spans.push(Span::raw(format!(" {} ", short_help(b.help))));
                }
                Line::from(spans)
            }
        },
    };
    frame.render_widget(line, area);
}

/// The footer uses the first words of the help text.
fn short_help(help: &str) -> &str {
    let cut = help.find([' ', '(']).unwrap_or(help.len());
    let first = &help[..cut];
    match first {
        "open" | "filter" | "sort" | "back" | "export" | "reload" | "command:" | "show"
        | "quit" | "enable" => match first {
            "command:" => "command",
            "show" => "help",
            "enable" => "writes",
            other => other,
        },
        _ => first,
    }
}

fn render_help(frame: &mut Frame, area: Rect, theme: &Theme) {
    let bindings: Vec<&keymap::Binding> = keymap::BINDINGS.iter().collect();
    render_key_help(frame, area, theme, &bindings, " Keys (esc closes) ", 96);
}

/// The `?` popup of any screen: one line per binding, from the table that also drives the keys
/// and the footer.
pub(super) fn render_key_help(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    bindings: &[&keymap::Binding],
    title: &str,
    max_width: u16,
) {
    let height = (bindings.len() as u16 + 2).min(area.height);
    // Every key must be visible: when the terminal is too short for one column, use two (the
    // descriptions are then cut to fit, the keys never are).
    let rows = height.saturating_sub(2).max(1) as usize;
    let columns = bindings.len().div_ceil(rows).max(1);
    let width = if columns == 1 {
        area.width.saturating_sub(8).min(max_width)
    } else {
        area.width.saturating_sub(2)
    };
    let popup = Rect::new(
        area.x + (area.width.saturating_sub(width)) / 2,
        area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    );
    let column_width = (width.saturating_sub(2) as usize / columns).max(14);
    let lines: Vec<Line> = (0..rows.min(bindings.len()))
        .map(|row| {
            let mut spans = Vec::new();
            for column in 0..columns {
                let Some(binding) = bindings.get(column * rows + row) else {
                    continue;
                };
                let label = format!(" {:>10}  ", binding.label);
                let room = column_width.saturating_sub(label.chars().count());
                let help: String = binding.help.chars().take(room).collect();
                let pad = room.saturating_sub(help.chars().count());
                spans.push(Span::styled(label, theme.accent));
                spans.push(Span::raw(help));
                if column + 1 < columns {
                    spans.push(Span::raw(" ".repeat(pad)));
                }
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        popup,
    );
}

fn thousands(n: usize) -> String {
    crate::humanize::thousands(n as u64)
}
