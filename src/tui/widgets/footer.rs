//! The footer's key hints, written the same way on every screen: the key, then what it does
//! in a word or two (the binding's `short`). On a narrow terminal the hints that do not fit
//! are left out from the end, but `? help` and `q quit` always stay: help lists the rest.

use crate::tui::keymap::Binding;
use crate::tui::theme::Theme;
use ratatui::text::{Line, Span};

/// The hints of one footer, in order.
#[derive(Default)]
pub struct Hints {
    hints: Vec<(String, String)>,
}

impl Hints {
    pub fn new() -> Hints {
        Hints::default()
    }

    /// Adds one hint: `label` is the key, `short` what it does.
    pub fn push(&mut self, label: impl Into<String>, short: impl Into<String>) -> &mut Self {
        self.hints.push((label.into(), short.into()));
        self
    }

    /// Adds the hints of `bindings` that are marked for the footer.
    pub fn bindings<'a>(&mut self, bindings: impl IntoIterator<Item = &'a Binding>) -> &mut Self {
        for b in bindings.into_iter().filter(|b| b.hint) {
            self.push(b.label, b.short);
        }
        self
    }

    /// The hints that fit in `width` cells, as spans.
    pub fn spans(&self, width: u16, theme: &Theme) -> Vec<Span<'static>> {
        let cells =
            |(label, short): &(String, String)| label.chars().count() + short.chars().count() + 3;
        let keep = |(label, _): &(String, String)| label == "?" || label == "q";
        let mut shown: Vec<&(String, String)> = self.hints.iter().collect();
        while shown.iter().map(|h| cells(h)).sum::<usize>() > width as usize {
            let Some(last) = shown.iter().rposition(|h| !keep(h)) else {
                break;
            };
            shown.remove(last);
        }
        let mut spans = Vec::new();
        for (label, short) in shown {
            spans.push(Span::styled(format!(" {label}"), theme.accent));
            spans.push(Span::raw(format!(" {short} ")));
        }
        spans
    }

    pub fn line(&self, width: u16, theme: &Theme) -> Line<'static> {
        Line::from(self.spans(width, theme))
    }
}

/// The `:` line being typed, and the commands it could still become.
pub fn command_line(input: &str, theme: &Theme) -> Line<'static> {
    let candidates = crate::tui::command::candidates(input);
    let hint = if input.contains(' ') || candidates.is_empty() {
        String::new()
    } else {
        format!("  {}", candidates.join(" "))
    };
    Line::from(vec![
        Span::styled(":", theme.accent),
        Span::raw(input.to_owned()),
        Span::styled(format!("▏{hint}"), theme.dim),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(hints: &Hints, width: u16) -> String {
        hints
            .spans(width, &Theme::new(true))
            .iter()
            .map(|s| s.content.to_string())
            .collect()
    }

    #[test]
    fn what_does_not_fit_goes_from_the_end_but_help_and_quit_stay() {
        let mut hints = Hints::new();
        hints
            .push("/", "filter")
            .push("s", "sort")
            .push("?", "help")
            .push("q", "quit")
            .push("W", "writes");
        assert_eq!(
            text(&hints, 80),
            " / filter  s sort  ? help  q quit  W writes "
        );
        assert_eq!(text(&hints, 34), " / filter  s sort  ? help  q quit ");
        assert_eq!(text(&hints, 20), " ? help  q quit ");
    }
}
