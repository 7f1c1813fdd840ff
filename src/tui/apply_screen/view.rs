//! Draws the apply screen, the write-mode marker of the headers and the enable-writes
//! question, from `&App` only. Counts come from the screen's tally (kept by `update`); the
//! rate and ETA are arithmetic on it and the app's clock.

use super::state::{ApplyScreen, OpRow, Stage};
use crate::apply::{hint, Next, OpState, OpStatus, Phase};
use crate::humanize::thousands;
use crate::model::Action;
use crate::tui::app::{App, Mode};
use crate::tui::keymap;
use crate::tui::theme::Theme;
use crate::tui::widgets::footer::Hints;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Gauge, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

/// Rows of the bottom box (failures or the report) when it is shown.
const BOTTOM_HEIGHT: u16 = 8;

struct Areas {
    header: Rect,
    gauge: Rect,
    counts: Rect,
    rates: Rect,
    table: Rect,
    bottom: Rect,
    footer: Rect,
}

fn layout(area: Rect, bottom: bool) -> Areas {
    let bottom_height = if bottom { BOTTOM_HEIGHT } else { 0 };
    let [header, gauge, counts, rates, table, bottom, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(4),
        Constraint::Length(bottom_height),
        Constraint::Length(1),
    ])
    .areas(area);
    Areas {
        header,
        gauge,
        counts,
        rates,
        table,
        bottom,
        footer,
    }
}

/// Body rows of the operations table at this terminal size (with the bottom box shown: the
/// fewer, so scrolling never hides the selection).
pub fn table_rows(area: Rect) -> usize {
    layout(area, true).table.height.saturating_sub(3).max(1) as usize
}

/// The header's write-mode marker: what would happen if the user pressed a key that writes.
pub fn mode_span(app: &App) -> Span<'static> {
    let theme = Theme::new(app.no_color);
    match app.apply.screen.as_deref() {
        Some(screen) if screen.running() => Span::styled(
            format!(
                "applying {}/{}{}",
                thousands(screen.tally.done()),
                thousands(screen.total()),
                if screen.paused { " (paused)" } else { "" }
            ),
            theme.alarm,
        ),
        _ if app.apply.writes_enabled => Span::styled("WRITES ENABLED", theme.alarm),
        _ => Span::styled("READ-ONLY", theme.dim),
    }
}

/// The marker at the right end of the tab row (the migration screen), or of `fallback` (its
/// header, cut off there anyway) when the tabs leave no room.
pub fn render_mode_right(app: &App, frame: &mut Frame, tabs: Rect, used: u16, fallback: Rect) {
    let span = mode_span(app);
    // A space on each side, so it never runs into the text it covers.
    let width = span.width() as u16 + 2;
    let area = if tabs.width > used + width {
        tabs
    } else {
        fallback
    };
    if area.width > width {
        let at = Rect::new(area.x + area.width - width, area.y, width, 1);
        frame.render_widget(Clear, at);
        frame.render_widget(Line::from(vec![Span::raw(" "), span, Span::raw(" ")]), at);
    }
}

/// The enable-writes question, over any screen.
pub fn render_writes_question(app: &App, frame: &mut Frame) {
    let theme = Theme::new(app.no_color);
    let lines = vec![
        Line::styled("Enable writes for this session? (y/n)", theme.alarm),
        Line::raw(""),
        Line::raw("Read-only is the default. With writes enabled, A on the mapping screen can apply the changeset to the instance, after its summary and the typed instance id."),
        Line::styled("Until you quit: the next session starts read-only again.", theme.dim),
    ];
    crate::tui::widgets::popup::render(frame, " Writes ", lines, 76, 8);
}

pub fn render(app: &App, screen: &ApplyScreen, frame: &mut Frame) {
    let theme = Theme::new(app.no_color);
    let area = frame.area();
    let bottom = !screen.failures.is_empty() || screen.stage == Stage::Finished;
    let areas = layout(area, bottom);
    render_header(app, screen, frame, areas.header, &theme);
    match &screen.stage {
        Stage::Preparing | Stage::Confirm | Stage::Refused { .. } => {
            let [main, footer] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)])
                .areas(Rect::new(
                    area.x,
                    area.y + 1,
                    area.width,
                    area.height.saturating_sub(1),
                ));
            render_summary(screen, frame, main, &theme);
            render_footer(app, screen, frame, footer, &theme);
        }
        Stage::Running | Stage::Finished => {
            render_progress(app, screen, frame, &areas, &theme);
            render_table(screen, frame, areas.table, &theme);
            if screen.stage == Stage::Finished {
                let demo = matches!(app.apply.target, super::ApplyTarget::Demo);
                render_report(screen, demo, frame, areas.bottom, &theme);
            } else if bottom {
                render_failures(screen, frame, areas.bottom, &theme);
            }
            render_footer(app, screen, frame, areas.footer, &theme);
        }
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn render_header(app: &App, screen: &ApplyScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    // The safety marker first: at 80 columns the file names are what gets cut off.
    let line = Line::from(vec![
        Span::styled(" cutover ", theme.accent),
        Span::raw("· "),
        Span::styled("APPLY", theme.heading),
        Span::raw(" "),
        mode_span(app),
        Span::raw(format!(
            " · {} to {} · journal {}",
            file_name(&screen.plan_path),
            short_id(&screen.instance_id),
            file_name(&screen.journal_path)
        )),
    ]);
    frame.render_widget(line, area);
}

/// `ssoins-7223…`: the header's room is for the progress; the full id is in the summary.
fn short_id(id: &str) -> String {
    if id.chars().count() > 12 {
        format!("{}…", id.chars().take(11).collect::<String>())
    } else {
        id.to_owned()
    }
}

fn render_summary(screen: &ApplyScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let body = &screen.plan.body;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("+{} create", thousands(screen.creates)),
                theme.heading,
            ),
            Span::raw(", then "),
            Span::styled(
                format!("−{} delete", thousands(screen.deletes)),
                theme.heading,
            ),
            Span::raw(" (deletes only after every create has succeeded)"),
        ]),
        Line::raw(format!(
            "instance   {} ({})",
            screen.instance_arn,
            body.target
                .region
                .as_deref()
                .unwrap_or("region not recorded")
        )),
        Line::raw(format!(
            "risks      {} high · {} medium (listed in the plan file)",
            body.summary.high_risks, body.summary.medium_risks
        )),
    ];
    if screen.held_back_planned > 0 {
        lines.push(Line::styled(
            format!(
                "held back  {} delete{} would empty its (account, permission set) pair and delete the IAM role: not run (plan with --allow-role-deletion to run them)",
                screen.held_back_planned,
                if screen.held_back_planned == 1 { "" } else { "s" }
            ),
            theme.alarm,
        ));
    }
    lines.push(Line::raw(format!(
        "plan       {}",
        screen.plan_path.display()
    )));
    lines.push(Line::raw(format!(
        "journal    {}",
        screen.journal_path.display()
    )));
    if let Some(prepared) = &screen.prepared {
        if prepared.prior_runs > 0 {
            let t = &screen.tally;
            lines.push(Line::styled(
                format!(
                    "resuming   {} earlier run{}: {} done, {} failed, {} unknown (settled first), {} to do",
                    prepared.prior_runs,
                    if prepared.prior_runs == 1 { "" } else { "s" },
                    t.done(),
                    t.failed,
                    t.unknown,
                    screen.total().saturating_sub(t.done() + t.failed + t.unknown)
                ),
                theme.accent,
            ));
        }
        for note in &prepared.notes {
            lines.push(Line::styled(format!("note       {note}"), theme.dim));
        }
        if prepared.drift.is_empty() {
            lines.push(Line::styled(
                "drift      none: the touched places are as planned",
                theme.good,
            ));
        } else {
            lines.push(Line::styled(
                format!(
                    "drift      {} change{} since the plan was made:",
                    prepared.drift.len(),
                    if prepared.drift.len() == 1 { "" } else { "s" }
                ),
                theme.alarm,
            ));
        }
    }
    lines.push(Line::raw(""));
    match &screen.stage {
        Stage::Preparing => lines.push(Line::styled(
            format!(
                "Reading the journal and the {} places the plan touches (drift check)…",
                body.fingerprint.touched.len()
            ),
            theme.dim,
        )),
        Stage::Confirm => {
            lines.push(Line::styled(
                format!(
                    "Type the instance id ({}) and ⏎ to write to it · esc cancels",
                    screen.instance_id
                ),
                theme.alarm,
            ));
            lines.push(Line::from(vec![
                Span::styled("> ", theme.accent),
                Span::raw(screen.typed.clone()),
                Span::styled("▏", theme.dim),
            ]));
        }
        Stage::Refused {
            headline,
            lines: why,
        } => {
            lines.push(Line::styled(
                format!("Not applied: {headline}"),
                theme.alarm,
            ));
            lines.extend(why.iter().map(|l| Line::raw(format!("  {l}"))));
        }
        Stage::Running | Stage::Finished => {}
    }
    if let Some(prepared) = &screen.prepared {
        if !matches!(screen.stage, Stage::Refused { .. }) {
            lines.extend(
                prepared
                    .drift
                    .iter()
                    .map(|l| Line::styled(format!("  {l}"), theme.dim)),
            );
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Apply: summary ")),
        area,
    );
}

fn duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

fn render_progress(
    app: &App,
    screen: &ApplyScreen,
    frame: &mut Frame,
    areas: &Areas,
    theme: &Theme,
) {
    let t = &screen.tally;
    let total = screen.total();
    let ratio = if total == 0 {
        1.0
    } else {
        t.done() as f64 / total as f64
    };
    frame.render_widget(
        Gauge::default()
            .ratio(ratio.min(1.0))
            .label(format!("{}/{} done", thousands(t.done()), thousands(total)))
            .gauge_style(theme.accent),
        areas.gauge,
    );
    let deletes_note = match screen.phase {
        Some(Phase::Deletes) | Some(Phase::Finished) => "",
        _ if screen.deletes > 0 => " (after creates)",
        _ => "",
    };
    let mut counts = vec![Span::raw(format!(
        " creates {}/{}   deletes {}/{}{deletes_note}",
        thousands(t.creates_done),
        thousands(screen.creates),
        thousands(t.deletes_done),
        thousands(screen.deletes)
    ))];
    if t.held_back > 0 {
        counts.push(Span::styled(
            format!("   {} held back (would delete a role)", t.held_back),
            theme.alarm,
        ));
    }
    frame.render_widget(Line::from(counts), areas.counts);

    // What matters most first (the state, the time left, what went wrong), as the line is cut
    // off at the right on a narrow terminal.
    let mut parts: Vec<Span> = Vec::new();
    if screen.running() {
        if screen.stopping {
            parts.push(Span::styled("STOPPING", theme.alarm));
        } else if screen.paused {
            parts.push(Span::styled("PAUSED (space resumes)", theme.alarm));
        }
        parts.push(match screen.eta(app.now) {
            Some(eta) => Span::raw(format!("ETA {}", duration(eta))),
            None if screen.paused => Span::styled("ETA – (paused)", theme.dim),
            None => Span::styled("ETA –", theme.dim),
        });
    } else if let (Some(start), Some(end)) = (screen.started_at, screen.ended_at) {
        parts.push(Span::raw(format!(
            "took {}",
            duration((end - start).num_milliseconds() as f64 / 1000.0)
        )));
    }
    let failed_style = if t.failed > 0 {
        theme.alarm
    } else {
        Style::new()
    };
    parts.push(Span::styled(
        format!("{} failed", thousands(t.failed)),
        failed_style,
    ));
    parts.push(Span::raw(format!("{} unknown", thousands(t.unknown))));
    parts.push(match screen.rate(app.now) {
        Some(rate) => Span::raw(format!("{rate:.1} ops/s")),
        None => Span::styled("– ops/s", theme.dim),
    });
    parts.push(Span::raw(format!("{} in flight", t.in_flight)));
    if let Some(throttles) = screen.throttles() {
        parts.push(Span::raw(format!(
            "{} throttled (retried)",
            thousands(throttles)
        )));
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, part) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" · "));
        }
        spans.push(part);
    }
    frame.render_widget(Line::from(spans), areas.rates);
}

fn symbol(row: &OpRow) -> &'static str {
    match &row.state {
        OpState::Done => "✔",
        OpState::Failed { .. } => "✗",
        OpState::HeldBack => "⏸",
        OpState::Unknown { .. } if row.in_flight() => "…",
        OpState::Unknown { .. } => "?",
        OpState::NotStarted => "·",
    }
}

fn status_text(row: &OpRow) -> String {
    match &row.state {
        OpState::NotStarted => "waiting".to_owned(),
        OpState::Done => match row.status {
            Some(OpStatus::AlreadyDone) => "already done".to_owned(),
            Some(_) if row.polls > 0 => format!("SUCCEEDED after {} polls", row.polls),
            Some(_) => "SUCCEEDED".to_owned(),
            None => "done (earlier run)".to_owned(),
        },
        OpState::Failed { code, message } => format!(
            "FAILED {}{}",
            code.as_deref()
                .map(|c| format!("{c}: "))
                .unwrap_or_default(),
            message.as_deref().unwrap_or("")
        ),
        OpState::Unknown { .. } if row.in_flight() => match row.polls {
            0 => "IN_PROGRESS".to_owned(),
            n => format!("IN_PROGRESS poll {n}"),
        },
        OpState::Unknown { .. } => "UNKNOWN: asked again on the next run".to_owned(),
        OpState::HeldBack => "held back: would delete the IAM role".to_owned(),
    }
}

fn render_table(screen: &ApplyScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let height = area.height.saturating_sub(3) as usize;
    let offset = if screen.follow {
        screen.follow_offset()
    } else if screen.selected >= screen.offset + height.max(1) {
        screen.selected + 1 - height.max(1)
    } else {
        screen.offset.min(screen.selected)
    };
    let rows = screen
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            let style = match row.state {
                OpState::Failed { .. } | OpState::HeldBack => theme.alarm,
                OpState::NotStarted => theme.dim,
                _ => Style::new(),
            };
            let widget = Row::new(vec![
                Cell::from(symbol(row)),
                Cell::from(format!("{:>4}", i + 1)),
                Cell::from(match row.action {
                    Action::Create => "create",
                    Action::Delete => "delete",
                }),
                Cell::from(row.account.as_str()),
                Cell::from(row.target.as_str()),
                Cell::from(row.principal.as_str()),
                Cell::from(status_text(row)),
            ])
            .style(style);
            if i == screen.selected && !screen.follow {
                widget.style(theme.selected)
            } else {
                widget
            }
        });
    let header = Row::new([
        "",
        "#",
        "ACTION",
        "ACCOUNT",
        "PERMISSION SET",
        "PRINCIPAL",
        "STATUS",
    ])
    .style(theme.heading);
    let widths = column_widths(area.width);
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(Block::bordered().title(format!(
                " Operations ({}) · {} ",
                thousands(screen.total()),
                match screen.phase {
                    Some(Phase::Settling) => "settling what an earlier run left unknown",
                    Some(Phase::Creates) => "creates",
                    Some(Phase::Deletes) => "deletes",
                    Some(Phase::Finished) => "finished",
                    None => "starting",
                }
            ))),
        area,
    );
}

/// The operations table's columns. The status always keeps room: on a narrow terminal the
/// account, permission set and principal share what is left.
fn column_widths(width: u16) -> [Constraint; 7] {
    // Borders, the marker, the number, the action and the spaces between the seven columns.
    let room = width.saturating_sub(2 + 1 + 4 + 6 + 6);
    const WIDE: [u16; 3] = [22, 20, 32];
    const STATUS: u16 = 16;
    let [account, permission_set, principal] = if room >= WIDE.iter().sum::<u16>() + STATUS {
        WIDE
    } else {
        let names = room.saturating_sub(STATUS);
        let account = names * 3 / 10;
        let permission_set = names * 3 / 10;
        [account, permission_set, names - account - permission_set]
    };
    [
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Length(6),
        Constraint::Length(account),
        Constraint::Length(permission_set),
        Constraint::Length(principal),
        Constraint::Fill(1),
    ]
}

fn failure_lines<'a>(screen: &'a ApplyScreen, theme: &Theme, limit: usize) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    for &i in screen.failures.iter().take(limit) {
        let row = &screen.rows[i];
        let OpState::Failed { code, message } = &row.state else {
            continue;
        };
        lines.push(Line::styled(
            format!(
                "✗ #{} {} {} {} {}: {}{}",
                i + 1,
                match row.action {
                    Action::Create => "create",
                    Action::Delete => "delete",
                },
                row.account,
                row.target,
                row.principal,
                code.as_deref()
                    .map(|c| format!("{c}: "))
                    .unwrap_or_default(),
                message.as_deref().unwrap_or("")
            ),
            theme.alarm,
        ));
        lines.push(Line::styled(
            format!("    → {}", hint_line(code.as_deref(), message.as_deref())),
            theme.dim,
        ));
    }
    if screen.failures.len() > limit {
        lines.push(Line::styled(
            format!(
                "… {} more failures (in the table and the journal)",
                screen.failures.len() - limit
            ),
            theme.dim,
        ));
    }
    lines
}

fn render_failures(screen: &ApplyScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let limit = (area.height.saturating_sub(3) / 2) as usize;
    frame.render_widget(
        Paragraph::new(failure_lines(screen, theme, limit.max(1)))
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" Failures ({}) ", screen.failures.len()))),
        area,
    );
}

/// `demo`: the writes went to the demo's simulation, which `cutover verify` cannot read.
fn render_report(screen: &ApplyScreen, demo: bool, frame: &mut Frame, area: Rect, theme: &Theme) {
    let Some(report) = &screen.report else {
        return;
    };
    let mut lines = vec![Line::styled(
        format!(
            "{} of {} done · {} failed · {} unknown · {} held back · {} not started{}",
            report.done(),
            report.states.len(),
            report.failed(),
            report.unknown(),
            report.held_back(),
            report.not_started(),
            screen
                .calls()
                .map(|c| format!(" · {} API calls", crate::humanize::thousands(c)))
                .unwrap_or_default()
        ),
        if report.complete() {
            theme.good
        } else {
            theme.alarm
        },
    )];
    if let Some(reason) = &report.fatal {
        lines.push(Line::styled(
            format!("Stopped: the credentials stopped working ({reason}). Log in again (e.g. aws sso login) and run again."),
            theme.alarm,
        ));
    }
    if let Some(reason) = &report.deletes_waiting {
        lines.push(Line::raw(format!("Deletes not run: {reason}.")));
    }
    if report.complete() && demo {
        lines.push(Line::raw(
            "Done: the plan's target is reached in the demo's simulation (nothing was sent to AWS).",
        ));
    } else if report.complete() {
        lines.push(Line::raw(format!(
            "Done: the plan's target is reached. Check it with cutover verify {}",
            screen.plan_path.display()
        )));
    } else {
        lines.push(Line::styled(
            format!(
                "Incomplete{}: run again to resume (A here, or cutover apply {}): the journal is read, unknown writes settled, nothing done is repeated",
                if report.interrupted { " (stopped)" } else { "" },
                screen.plan_path.display()
            ),
            theme.accent,
        ));
    }
    let room = area.height.saturating_sub(2) as usize;
    let left = room.saturating_sub(lines.len());
    if left >= 2 {
        lines.extend(failure_lines(screen, theme, (left - 1) / 2));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(" Report ")),
        area,
    );
}

fn render_footer(app: &App, screen: &ApplyScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let line = if app.mode == Mode::Command {
        crate::tui::widgets::footer::command_line(&app.input, theme)
    } else {
        let mut hints = Hints::new();
        match screen.stage {
            Stage::Confirm => {
                hints.push("⏎", "confirm").push("esc", "cancel");
            }
            Stage::Preparing => {
                hints.push("esc", "cancel");
            }
            Stage::Refused { .. } | Stage::Finished => {
                hints.push("A", "run again").push("esc", "back");
                if screen.stage == Stage::Finished {
                    hints.push("j/k", "scroll");
                }
            }
            Stage::Running => {
                hints.bindings(keymap::APPLY_BINDINGS);
            }
        }
        if screen.stage != Stage::Confirm {
            hints.push("?", "help").push("q", "quit");
        }
        hints.line(area.width, theme)
    };
    frame.render_widget(line, area);
}

/// A failed write's hint, with what to do next in the TUI.
fn hint_line(code: Option<&str>, message: Option<&str>) -> String {
    let hint = hint(code, message);
    let next = match hint.next {
        Next::RunAgain => {
            "then A runs the plan again (its journal resumes, failed writes are retried)"
        }
        Next::PlanAgain => "then plan again from the current state (restart cutover map)",
    };
    format!("{}; {next}", hint.remedy)
}
