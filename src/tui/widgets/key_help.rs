//! The `?` popup every screen shows: one entry per binding of the screen on show, from the
//! table that also drives the keys and the footer. Descriptions wrap; when the entries do not
//! fit, the popup scrolls (its title says how).

use crate::tui::keymap::{self, Action, Binding};
use crate::tui::screen::Screen;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Where the key labels end: ` {label:>10}  `.
const LABEL_WIDTH: usize = 13;

/// What the popup shows for one screen.
pub struct Help {
    pub bindings: Vec<&'static Binding>,
    pub title: &'static str,
    pub max_width: u16,
}

impl Help {
    pub fn for_screen(screen: Screen) -> Help {
        let app_wide = |actions: &'static [Action]| {
            keymap::BINDINGS
                .iter()
                .filter(move |b| actions.contains(&b.action))
        };
        match screen {
            Screen::Browse => Help {
                bindings: keymap::BINDINGS.iter().collect(),
                title: " Keys (esc closes) ",
                max_width: 96,
            },
            Screen::Mapping => Help {
                bindings: keymap::MIGRATION_BINDINGS
                    .iter()
                    .chain(app_wide(&[
                        Action::ToggleHelp,
                        Action::Quit,
                        Action::StartCommand,
                    ]))
                    .collect(),
                title: " Mapping screen keys (1-6 browse panes · esc closes) ",
                max_width: 96,
            },
            Screen::Apply => Help {
                bindings: keymap::APPLY_BINDINGS
                    .iter()
                    .chain(app_wide(&[Action::ToggleHelp, Action::Quit]))
                    .collect(),
                title: " Apply keys (q while running: asks, stops, then quits · esc closes) ",
                max_width: 96,
            },
            Screen::Cleanup => Help {
                bindings: keymap::CLEANUP_BINDINGS
                    .iter()
                    .chain(app_wide(&[Action::ToggleHelp, Action::Quit]))
                    .collect(),
                title: " Cleanup keys (esc closes) ",
                max_width: 100,
            },
        }
    }

    /// Where the popup goes in `area`.
    fn popup(&self, area: Rect) -> Rect {
        let width = area.width.saturating_sub(8).min(self.max_width).max(
            // Narrow terminals: all of it rather than a sliver.
            area.width.min(40),
        );
        let wanted = self.lines(width).len() as u16 + 2;
        let height = wanted.min(area.height);
        Rect::new(
            area.x + area.width.saturating_sub(width) / 2,
            area.y + area.height.saturating_sub(height) / 2,
            width,
            height,
        )
    }

    /// Every entry, its description wrapped to a popup `width` cells wide: (label or "", text).
    fn lines(&self, width: u16) -> Vec<(&'static str, String)> {
        let room = (width.saturating_sub(2) as usize)
            .saturating_sub(LABEL_WIDTH)
            .max(10);
        let mut lines = Vec::new();
        for binding in &self.bindings {
            for (i, part) in wrap(binding.help, room).into_iter().enumerate() {
                lines.push((if i == 0 { binding.label } else { "" }, part));
            }
        }
        lines
    }

    /// The largest scroll offset that still fills the popup in `area`.
    pub fn max_offset(&self, area: Rect) -> usize {
        let popup = self.popup(area);
        let rows = popup.height.saturating_sub(2) as usize;
        self.lines(popup.width).len().saturating_sub(rows)
    }

    /// Draws the popup over `area`, scrolled down by `offset` lines.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, offset: usize) {
        let popup = self.popup(area);
        let rows = popup.height.saturating_sub(2) as usize;
        let lines = self.lines(popup.width);
        let offset = offset.min(lines.len().saturating_sub(rows));
        let shown: Vec<Line> = lines
            .iter()
            .skip(offset)
            .take(rows)
            .map(|(label, text)| {
                Line::from(vec![
                    Span::styled(format!(" {label:>10}  "), theme.accent),
                    Span::raw(text.clone()),
                ])
            })
            .collect();
        let title = if lines.len() > rows {
            format!(
                "{}· j/k scroll: {}-{} of {} ",
                self.title,
                offset + 1,
                (offset + rows).min(lines.len()),
                lines.len()
            )
        } else {
            self.title.to_owned()
        };
        frame.render_widget(Clear, popup);
        frame.render_widget(
            Paragraph::new(shown).block(Block::default().borders(Borders::ALL).title(title)),
            popup,
        );
    }
}

/// `text` in lines of at most `width` characters, broken between words (a word longer than a
/// line is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = if line.is_empty() {
            word.chars().count()
        } else {
            line.chars().count() + 1 + word.chars().count()
        };
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            let tail: String = line.chars().skip(width).collect();
            lines.push(head);
            line = tail;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_between_words() {
        assert_eq!(
            wrap("accept the highlighted candidate as the successor", 20),
            vec!["accept the", "highlighted", "candidate as the", "successor"]
        );
        assert_eq!(wrap("short", 20), vec!["short"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn every_screen_has_help_and_it_scrolls_when_short() {
        for screen in [
            Screen::Browse,
            Screen::Mapping,
            Screen::Apply,
            Screen::Cleanup,
        ] {
            let help = Help::for_screen(screen);
            assert!(!help.bindings.is_empty());
            assert_eq!(help.max_offset(Rect::new(0, 0, 200, 200)), 0);
            assert!(help.max_offset(Rect::new(0, 0, 80, 10)) > 0);
        }
    }
}
