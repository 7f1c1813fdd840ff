//! Draws the apply screen, the write-mode marker of the headers and the enable-writes
//! question, from `&App` only. Counts come from the screen's tally (kept by `update`); the
//! rate and ETA are arithmetic on it and the app's clock.

use super::state::{ApplyScreen, OpRow, Stage};
use crate::apply::{hint, OpState, OpStatus, Phase};
use crate::model::Action;
use crate::tui::app::{App, Mode};
use crate::tui::keymap::{self, Action as KeyAction};
use crate::tui::theme::Theme;
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
                screen.tally.done(),
                screen.total(),
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

/// Popups over any screen: the enable-writes question.
pub fn render_overlays(app: &App, frame: &mut Frame) {
    if !app.apply.confirming_writes {
        return;
    }
    let theme = Theme::new(app.no_color);
    let area = frame.area();
    let width = area.width.saturating_sub(4).min(76);
    let height = 8.min(area.height);
    let popup = Rect::new(
        area.x + area.width.saturating_sub(width) / 2,
        area.y + area.height.saturating_sub(height) / 2,
        width,
        height,
    );
    let lines = vec![
        Line::styled("Enable writes for this session? (y/n)", theme.alarm),
        Line::raw(""),
        Line::raw("Read-only is the default. With writes enabled, A on the migration screen can apply the changeset to the instance, after its summary and the typed instance id."),
        Line::styled("Until you quit: the next session starts read-only again.", theme.dim),
    ];
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Writes ")),
        popup,
    );
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
                render_report(screen, frame, areas.bottom, &theme);
            } else if bottom {
                render_failures(screen, frame, areas.bottom, &theme);
            }
            render_footer(app, screen, frame, areas.footer, &theme);
        }
    }
    if app.mode == Mode::Help {
        render_help(frame, area, &theme);
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn render_header(app: &App, screen: &ApplyScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let line = Line::from(vec![
        Span::styled(" cutover ", theme.accent),
        Span::raw("· "),
        Span::styled("APPLY", theme.heading),
        Span::raw(format!(
            " {} to {} · journal {} · ",
            file_name(&screen.plan_path),
            short_id(&screen.instance_id),
            file_name(&screen.journal_path)
        )),
        mode_span(app),
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

fn thousands(n: usize) -> String {
    crate::humanize::thousands(n as u64)
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

    let mut spans = vec![Span::raw(" ")];
    match screen.rate(app.now) {
        Some(rate) => spans.push(Span::raw(format!("{rate:.1} ops/s"))),
        None => spans.push(Span::styled("– ops/s", theme.dim)),
    }
    spans.push(Span::raw(format!(" · {} in flight", t.in_flight)));
    if let Some(throttles) = screen.throttles() {
        spans.push(Span::raw(format!(" · {throttles} throttled (retried)")));
    }
    let failed_style = if t.failed > 0 {
        theme.alarm
    } else {
        Style::new()
    };
    spans.push(Span::styled(
        format!(" · {} failed", t.failed),
        failed_style,
    ));
    spans.push(Span::raw(format!(" · {} unknown", t.unknown)));
    if screen.running() {
        match screen.eta(app.now) {
            Some(eta) => spans.push(Span::raw(format!(" · ETA {}", duration(eta)))),
            None => spans.push(Span::styled(" · ETA –", theme.dim)),
        }
        if screen.stopping {
            spans.push(Span::styled("   STOPPING", theme.alarm));
        } else if screen.paused {
            spans.push(Span::styled("   PAUSED (space resumes)", theme.alarm));
        }
    } else if let (Some(start), Some(end)) = (screen.started_at, screen.ended_at) {
        spans.push(Span::raw(format!(
            " · took {}",
            duration((end - start).num_milliseconds() as f64 / 1000.0)
        )));
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
    let widths = [
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Length(6),
        Constraint::Length(22),
        Constraint::Length(20),
        Constraint::Length(32),
        Constraint::Fill(1),
    ];
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
            format!("    → {}", hint(code.as_deref(), message.as_deref())),
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

fn render_report(screen: &ApplyScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
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
    if report.complete() {
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

fn short(action: KeyAction, help: &str) -> String {
    match action {
        KeyAction::Apply(keymap::ApplyAction::TogglePause) => "pause/resume".to_owned(),
        KeyAction::Apply(keymap::ApplyAction::Stop) => "stop".to_owned(),
        KeyAction::Down => "scroll".to_owned(),
        KeyAction::Apply(keymap::ApplyAction::Follow) => "follow".to_owned(),
        KeyAction::Back => "back (apply keeps running)".to_owned(),
        _ => help.split(' ').next().unwrap_or("").to_owned(),
    }
}

fn render_footer(app: &App, screen: &ApplyScreen, frame: &mut Frame, area: Rect, theme: &Theme) {
    let line = if app.mode == Mode::Command {
        Line::from(vec![
            Span::styled(":", theme.accent),
            Span::raw(app.input.clone()),
            Span::styled("▏", theme.dim),
        ])
    } else if let Some(message) = &app.message {
        Line::styled(message.clone(), theme.accent)
    } else {
        let mut spans = Vec::new();
        match screen.stage {
            Stage::Confirm => {
                spans.push(Span::styled(" ⏎", theme.accent));
                spans.push(Span::raw(" confirm "));
                spans.push(Span::styled(" esc", theme.accent));
                spans.push(Span::raw(" cancel "));
            }
            Stage::Preparing => {
                spans.push(Span::styled(" esc", theme.accent));
                spans.push(Span::raw(" cancel "));
            }
            Stage::Refused { .. } | Stage::Finished => {
                spans.push(Span::styled(" A", theme.accent));
                spans.push(Span::raw(" run again "));
                spans.push(Span::styled(" esc", theme.accent));
                spans.push(Span::raw(" back "));
                if screen.stage == Stage::Finished {
                    spans.push(Span::styled(" j/k", theme.accent));
                    spans.push(Span::raw(" scroll "));
                }
            }
            Stage::Running => {
                for b in keymap::APPLY_BINDINGS.iter().filter(|b| b.hint) {
                    spans.push(Span::styled(format!(" {}", b.label), theme.accent));
                    spans.push(Span::raw(format!(" {} ", short(b.action, b.help))));
                }
            }
        }
        if screen.stage != Stage::Confirm {
            spans.push(Span::styled(" ?", theme.accent));
            spans.push(Span::raw(" help "));
            spans.push(Span::styled(" q", theme.accent));
            spans.push(Span::raw(" quit"));
        }
        Line::from(spans)
    };
    frame.render_widget(line, area);
}

fn render_help(frame: &mut Frame, area: Rect, theme: &Theme) {
    let app_wide = keymap::BINDINGS
        .iter()
        .filter(|b| matches!(b.action, KeyAction::ToggleHelp | KeyAction::Quit));
    let bindings: Vec<&keymap::Binding> = keymap::APPLY_BINDINGS.iter().chain(app_wide).collect();
    crate::tui::view::render_key_help(
        frame,
        area,
        theme,
        &bindings,
        " Apply keys (q while running: stop, then quit · esc closes) ",
        96,
    );
}
