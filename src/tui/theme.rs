//! The styles every screen draws with, in colour or, under `NO_COLOR`, with modifiers only.

use ratatui::style::{Modifier, Style};

pub struct Theme {
    pub accent: Style,
    pub selected: Style,
    /// The selection of a list that does not have the focus.
    pub unfocused: Style,
    /// Characters a filter matched.
    pub matched: Style,
    pub warning: Style,
    /// A warning that must stand out on the apply and cleanup screens (failures, write mode).
    pub alarm: Style,
    pub good: Style,
    pub dim: Style,
    pub heading: Style,
}

impl Theme {
    pub fn new(no_color: bool) -> Theme {
        if no_color {
            Theme {
                accent: Style::new().add_modifier(Modifier::BOLD),
                selected: Style::new().add_modifier(Modifier::REVERSED),
                unfocused: Style::new().add_modifier(Modifier::UNDERLINED),
                matched: Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
                warning: Style::new().add_modifier(Modifier::BOLD),
                alarm: Style::new().add_modifier(Modifier::BOLD),
                good: Style::new(),
                dim: Style::new().add_modifier(Modifier::DIM),
                heading: Style::new().add_modifier(Modifier::BOLD),
            }
        } else {
            Theme {
                accent: Style::new().cyan().bold(),
                selected: Style::new().black().on_cyan(),
                unfocused: Style::new().black().on_dark_gray(),
                matched: Style::new().yellow().bold().underlined(),
                warning: Style::new().light_red(),
                alarm: Style::new().light_red().bold(),
                good: Style::new().green(),
                dim: Style::new().dark_gray(),
                heading: Style::new().cyan().bold(),
            }
        }
    }
}
