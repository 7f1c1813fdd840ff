//! Rendering: pure functions of `&App` to a frame. Nothing here changes state, awaits or
//! computes anything heavier than laying out what `update` prepared.

use super::app::{App, Loading, Mode, Overlay, Screen};
use super::detail::{Detail, Tone};
use super::filter::Query;
use super::keymap;
use super::layout::{tab_labels, widths, MAPPING_TAB, STRIP_STAGES};
use super::panes::Mark;
use super::widgets::footer::Hints;
use super::widgets::key_help::Help;
use crate::backend::Stage;
use crate::humanize::thousands;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Gauge, Paragraph, Row, Table as TableWidget, Wrap};
use ratatui::Frame;

/// Draws the screen on show, then the popups over it, bottom first.
pub fn render(app: &App, frame: &mut Frame) {
    match app.screen {
        Screen::Mapping if app.migration.is_some() => {
            if let Some(migration) = app.migration.as_deref() {
                super::migration::view::render(app, migration, frame);
            }
        }
        Screen::Apply if app.apply.screen.is_some() => {
            if let Some(screen) = app.apply.screen.as_deref() {
                super::apply_screen::view::render(app, screen, frame);
            }
        }
        Screen::Cleanup if app.cleanup.screen.is_some() => {
            if let Some(screen) = app.cleanup.screen.as_deref() {
                super::cleanup_screen::view::render(app, screen, frame);
            }
        }
        _ => render_browse(app, frame),
    }
    let theme = Theme::new(app.no_color);
    render_message(app, frame, &theme);
    for overlay in &app.overlays {
        match overlay {
            Overlay::Help => {
                Help::for_screen(app.screen).render(frame, frame.area(), &theme, app.help_offset)
            }
            Overlay::EnableWrites => super::apply_screen::view::render_writes_question(app, frame),
            Overlay::Quit => render_quit_question(app, frame, &theme),
        }
    }
}

/// Panes 1-6.
fn render_browse(app: &App, frame: &mut Frame) {
    let theme = Theme::new(app.no_color);
    let areas = super::layout::layout(frame.area(), app.loading_strip_height());
    render_header(app, frame, areas.header, &theme);
    render_tabs(app, frame, areas.tabs, &theme);
    // READ-ONLY / WRITES ENABLED / applying n/m, where the (long) header cannot cut it off.
    let mapping = app.migration.is_some();
    let tabs_width = tab_labels(areas.tabs.width, mapping)
        .iter()
        .map(|l| l.chars().count() as u16)
        .sum::<u16>()
        + if mapping { MAPPING_TAB.len() as u16 } else { 0 };
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
    let mapping = app.migration.is_some();
    let mut spans: Vec<Span> = tab_labels(area.width, mapping)
        .into_iter()
        .enumerate()
        .map(|(i, label)| {
            if i == app.pane {
                Span::styled(label, theme.selected)
            } else {
                Span::raw(label)
            }
        })
        .collect();
    if mapping {
        spans.push(Span::raw(MAPPING_TAB));
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
        let keys: Vec<&str> = table.columns.iter().map(|c| c.key).collect();
        let unknown = query.unknown_columns(&keys);
        let text = if unknown.is_empty() {
            "no row matches the filter (esc clears it)".to_owned()
        } else {
            format!(
                "no column is called {} (columns: {}); esc clears the filter",
                unknown
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                keys.join(", ")
            )
        };
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.dim)
                .wrap(Wrap { trim: false }),
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
        Mode::Filter => {
            let columns = app
                .table()
                .map(|t| {
                    t.columns
                        .iter()
                        .map(|c| c.key)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default();
            Line::from(vec![
                Span::styled("/", theme.accent),
                Span::raw(app.view().query.clone()),
                Span::styled(
                    format!("▏  ⏎ keep · esc clear · column:term ({columns})"),
                    theme.dim,
                ),
            ])
        }
        Mode::Command => super::widgets::footer::command_line(&app.input, theme),
        Mode::Browse => Hints::new()
            .bindings(keymap::BINDINGS)
            .line(area.width, theme),
    };
    frame.render_widget(line, area);
}

/// What the last key did, just above the footer (over the bottom border there), so that the
/// footer's key hints stay in view. A long message takes a second line.
fn render_message(app: &App, frame: &mut Frame, theme: &Theme) {
    let Some(message) = &app.message else {
        return;
    };
    let area = frame.area();
    let width = area.width.saturating_sub(2) as usize;
    if area.height < 4 || width < 10 {
        return;
    }
    let rows = message_rows(message, width);
    let bottom = area.y + area.height - 2;
    for (i, row) in rows.iter().enumerate() {
        let y = bottom + 1 - rows.len() as u16 + i as u16;
        let at = Rect::new(area.x + 1, y, row.chars().count().min(width) as u16, 1);
        frame.render_widget(Clear, at);
        frame.render_widget(Line::styled(row.clone(), theme.accent), at);
    }
}

/// A message in at most two rows of `width` cells, broken between words; what does not fit
/// ends in `…`.
fn message_rows(message: &str, width: usize) -> Vec<String> {
    let text = format!(" {message} ");
    if text.chars().count() <= width {
        return vec![text];
    }
    let chars: Vec<char> = text.chars().collect();
    // The last space that leaves the first row within the width.
    let cut = chars[..width]
        .iter()
        .rposition(|c| *c == ' ')
        .filter(|&i| i > width / 2)
        .unwrap_or(width);
    let first: String = chars[..cut].iter().collect();
    let rest: String = chars[cut..]
        .iter()
        .collect::<String>()
        .trim_start()
        .to_owned();
    let second = if rest.chars().count() + 1 > width {
        format!(" {}…", rest.chars().take(width - 2).collect::<String>())
    } else {
        format!(" {rest}")
    };
    let first = if cut < width { first + " " } else { first };
    vec![first, second]
}

/// Quitting while an apply or cleanup runs: stop it first?
fn render_quit_question(app: &App, frame: &mut Frame, theme: &Theme) {
    let what = match (app.apply.running(), app.cleanup.running()) {
        (true, true) => "An apply and a cleanup are running.",
        (true, false) => "An apply is running.",
        _ => "A cleanup is running.",
    };
    let lines = vec![
        Line::styled("Stop the run and quit? (y/n)", theme.alarm),
        Line::raw(""),
        Line::raw(format!(
            "{what} y stops it: no new writes start, the outstanding ones finish and are journaled, then cutover quits. Running it again resumes from the journal."
        )),
        Line::styled("n or esc: keep it running.", theme.dim),
    ];
    super::widgets::popup::render(frame, " Quit ", lines, 76, 8);
}

#[cfg(test)]
mod tests {
    use super::message_rows;

    #[test]
    fn a_long_message_breaks_between_words_into_two_rows() {
        assert_eq!(message_rows("saved", 20), vec![" saved "]);
        let rows = message_rows("read-only: press W to enable writes for this session", 30);
        assert_eq!(
            rows,
            vec![
                " read-only: press W to enable ",
                " writes for this session "
            ]
        );
        assert!(rows.iter().all(|r| r.chars().count() <= 30));
        let rows = message_rows(&"word ".repeat(40), 30);
        assert!(rows[1].ends_with('…'), "{rows:?}");
        assert!(rows.iter().all(|r| r.chars().count() <= 30), "{rows:?}");
    }
}
