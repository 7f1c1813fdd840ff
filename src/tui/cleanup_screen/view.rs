//! Draws the cleanup screen from `&App` only: the listing was built by `update`, the run's
//! counts are kept with every result, so drawing only slices and formats what is visible.

use super::state::{CleanupScreen, Stage, Tone};
use crate::apply::cleanup::{Candidate, DeleteResult, SOURCE_REMINDER};
use crate::humanize::plural;
use crate::tui::app::App;
use crate::tui::keymap;
use crate::tui::theme::Theme;
use crate::tui::widgets::footer::Hints;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// Rows of the summary box (borders included).
const SUMMARY_HEIGHT: u16 = 8;
/// Rows of the report box once the run has ended.
const REPORT_HEIGHT: u16 = 9;

struct Areas {
    header: Rect,
    summary: Rect,
    list: Rect,
    report: Rect,
    footer: Rect,
}

fn layout(area: Rect, report: bool) -> Areas {
    let [header, summary, list, report, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(SUMMARY_HEIGHT),
        Constraint::Min(3),
        Constraint::Length(if report { REPORT_HEIGHT } else { 0 }),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        summary,
        list,
        report,
        footer,
    }
}

/// Body rows of the list at this terminal size (with the report shown: the fewer, so
/// scrolling never hides the end).
pub fn list_rows(area: Rect) -> usize {
    layout(area, true).list.height.saturating_sub(2).max(1) as usize
}

pub fn render(app: &App, screen: &CleanupScreen, frame: &mut Frame) {
    let theme = Theme::new(app.no_color);
    let area = frame.area();
    let areas = layout(area, screen.stage == Stage::Finished);
    render_header(app, screen, frame, areas.header, &theme);
    render_summary(app, screen, frame, areas.summary, &theme);
    match screen.stage {
        Stage::Running | Stage::Finished => render_run(screen, frame, areas.list, &theme),
        _ => render_list(screen, frame, areas.list, &theme),
    }
    if screen.stage == Stage::Finished {
        render_report(screen, frame, areas.report, &theme);
    }
    render_footer(screen, frame, areas.footer, &theme);
}

fn render_header(app: &App, screen: &CleanupScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mode = if screen.running() {
        Span::styled(
            format!(
                "deleting {}/{}",
                screen.tally.settled(),
                screen.to_delete.len()
            ),
            theme.alarm,
        )
    } else {
        crate::tui::apply_screen::view::mode_span(app)
    };
    let store = screen.store();
    frame.render_widget(
        Line::from(vec![
            Span::styled(" cutover ", theme.accent),
            Span::raw("· "),
            Span::styled("CLEANUP", theme.heading),
            Span::raw(format!(
                " the mapping's old principals{} · ",
                if store.is_empty() {
                    String::new()
                } else {
                    format!(" in identity store {store}")
                }
            )),
            mode,
        ]),
        area,
    );
}

fn render_summary(app: &App, screen: &CleanupScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines = Vec::new();
    let selected = screen.selected.as_ref();
    if let Some(selected) = selected {
        lines.push(Line::raw(format!("state      {}", selected.basis)));
    }
    match &screen.stage {
        Stage::Selecting => lines.push(Line::styled(
            "Selecting the mapping's old principals in the session's current state…",
            theme.dim,
        )),
        Stage::Failed(reason) => {
            lines.push(Line::styled(format!("Cannot list: {reason}"), theme.alarm))
        }
        Stage::List | Stage::Confirm => {
            let to_delete = screen.candidates();
            let users = to_delete
                .iter()
                .filter(|c| c.principal_type == crate::model::PrincipalType::User)
                .count();
            let with = screen.with_access();
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "to delete  {} ({users} user{}, {} group{})",
                        to_delete.len(),
                        plural(users),
                        to_delete.len() - users,
                        plural(to_delete.len() - users)
                    ),
                    theme.heading,
                ),
                Span::raw(format!(
                    " · {} without access · {with} holding access",
                    screen.without_access()
                )),
                if with == 0 {
                    Span::raw("")
                } else if screen.include_with_access {
                    Span::styled(" (INCLUDED: assignments stay as orphans)", theme.alarm)
                } else {
                    Span::styled(" (refused; i includes them)", theme.dim)
                },
            ]));
            let unknown = selected.map_or(&[][..], |s| &s.access_unknown[..]);
            if screen.stage == Stage::Confirm {
                lines.push(Line::styled(
                    format!(
                        "Type the identity store id ({}) and ⏎ to delete these {} users and groups (cannot be undone) · esc cancels",
                        screen.store(),
                        to_delete.len()
                    ),
                    theme.alarm,
                ));
                lines.push(Line::from(vec![
                    Span::styled("> ", theme.accent),
                    Span::raw(screen.typed.clone()),
                    Span::styled("▏", theme.dim),
                ]));
            } else if !unknown.is_empty() {
                lines.push(Line::styled(
                    format!(
                        "Nothing can be deleted: who holds access cannot be told, these were not read: {}",
                        unknown.join("; ")
                    ),
                    theme.alarm,
                ));
            } else if to_delete.is_empty() {
                lines.push(Line::styled(
                    if with > 0 {
                        "Nothing to delete without access: i includes those still holding access."
                    } else {
                        "Nothing to delete."
                    },
                    theme.good,
                ));
            } else if app.apply.writes_enabled {
                lines.push(Line::styled(
                    format!(
                        "d deletes them, after the typed identity store id ({})",
                        screen.store()
                    ),
                    theme.accent,
                ));
            }
            if screen.stage == Stage::List && !app.apply.writes_enabled {
                lines.push(Line::styled(
                    "READ-ONLY: W (or :enable-writes) enables writes for this session; then d deletes, after the typed identity store id",
                    theme.dim,
                ));
            }
        }
        Stage::Running | Stage::Finished => {
            let t = &screen.tally;
            let total = screen.to_delete.len();
            let waiting = total.saturating_sub(t.settled());
            lines.push(Line::from(vec![
                Span::styled(format!("{}/{} settled", t.settled(), total), theme.heading),
                Span::raw(format!(
                    " · {} deleted · {} already gone · ",
                    t.deleted, t.already_gone
                )),
                Span::styled(
                    format!("{} failed", t.failed),
                    if t.failed > 0 {
                        theme.alarm
                    } else {
                        Style::new()
                    },
                ),
                Span::raw(format!(
                    " · {} not attempted{}",
                    t.not_attempted,
                    if screen.running() {
                        format!(" · {waiting} to go")
                    } else {
                        String::new()
                    }
                )),
            ]));
            if let Some(path) = &screen.journal_path {
                lines.push(Line::raw(format!("journal    {}", path.display())));
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Cleanup: old principals of the mapping ")),
        area,
    );
}

fn render_list(screen: &CleanupScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let height = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = screen
        .lines
        .iter()
        .skip(screen.offset)
        .take(height)
        .map(|l| match l.tone {
            Tone::Heading => Line::styled(l.text.clone(), theme.heading),
            Tone::Plain => Line::raw(l.text.clone()),
            Tone::Marked => Line::styled(l.text.clone(), theme.alarm),
            Tone::Dim => Line::styled(l.text.clone(), theme.dim),
        })
        .collect();
    let title = if screen.lines.len() > height {
        format!(
            " Leftovers · lines {}–{} of {} ",
            screen.offset + 1,
            (screen.offset + height).min(screen.lines.len()),
            screen.lines.len()
        )
    } else {
        " Leftovers ".to_owned()
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}

fn status(result: Option<&DeleteResult>) -> (&'static str, String) {
    match result {
        None => ("·", "waiting".to_owned()),
        Some(DeleteResult::Deleted) => ("✔", "deleted".to_owned()),
        Some(DeleteResult::AlreadyGone) => ("✔", "already gone".to_owned()),
        Some(DeleteResult::Failed { message, .. }) => ("✗", format!("FAILED {message}")),
        Some(DeleteResult::NotAttempted) => ("-", "not attempted".to_owned()),
    }
}

fn row_text(candidate: &Candidate, result: Option<&DeleteResult>) -> (&'static str, String) {
    let (symbol, text) = status(result);
    (
        symbol,
        format!(
            "{symbol} {:<5} {}  {}  {text}",
            candidate.principal_type.as_str(),
            candidate.name,
            candidate.principal_id
        ),
    )
}

fn render_run(screen: &CleanupScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let height = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = screen
        .to_delete
        .iter()
        .zip(&screen.results)
        .skip(screen.offset)
        .take(height)
        .map(|(candidate, result)| {
            let (symbol, text) = row_text(candidate, result.as_ref());
            let style = match symbol {
                "✗" => theme.alarm,
                "·" | "-" => theme.dim,
                _ => Style::new(),
            };
            let style = if candidate.has_access() {
                style.add_modifier(Modifier::ITALIC)
            } else {
                style
            };
            Line::styled(text, style)
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(format!(
            " Deletes ({}, {} at a time) ",
            screen.to_delete.len(),
            crate::apply::cleanup::PARALLEL_DELETES
        ))),
        area,
    );
}

fn render_report(screen: &CleanupScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut lines = Vec::new();
    let total = screen.to_delete.len();
    match &screen.outcome {
        Some(Ok(report)) => lines.push(Line::styled(
            format!(
                "Deleted {} of {total} ({} already gone, {} failed, {} not attempted).",
                report.deleted, report.already_gone, report.failed, report.not_attempted
            ),
            if report.complete() {
                theme.good
            } else {
                theme.alarm
            },
        )),
        Some(Err(reason)) => lines.push(Line::styled(format!("Stopped: {reason}"), theme.alarm)),
        None => {}
    }
    let failures: Vec<usize> = screen.failures().collect();
    for &i in failures.iter().take(3) {
        let (_, text) = row_text(&screen.to_delete[i], screen.results[i].as_ref());
        lines.push(Line::styled(text, theme.alarm));
    }
    if failures.len() > 3 {
        lines.push(Line::styled(
            format!(
                "… {} more failures (above and in the journal)",
                failures.len() - 3
            ),
            theme.dim,
        ));
    }
    if !failures.is_empty() || screen.tally.not_attempted > 0 {
        lines.push(Line::raw(
            "C on the mapping screen lists what is left and can run again.",
        ));
    }
    lines.push(Line::styled(SOURCE_REMINDER, theme.accent));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Report ")),
        area,
    );
}

fn render_footer(screen: &CleanupScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut hints = Hints::new();
    match screen.stage {
        Stage::Confirm => {
            hints.push("⏎", "confirm").push("esc", "cancel");
        }
        Stage::List => {
            hints.bindings(keymap::CLEANUP_BINDINGS);
        }
        _ => {
            hints.push("j/k", "scroll").push("esc", "back");
        }
    }
    if screen.stage != Stage::Confirm {
        hints.push("?", "help").push("q", "quit");
    }
    frame.render_widget(hints.line(area.width, theme), area);
}
