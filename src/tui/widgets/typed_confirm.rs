//! The typed confirmation before anything is written: the user types an id (the instance id,
//! the identity store id) and Enter compares it; Esc cancels. The same keys on every screen
//! that writes.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// What a key did to the confirmation.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// Still typing.
    Typing,
    /// Esc: nothing is written.
    Cancelled,
    /// Enter, and the text is the expected id.
    Confirmed,
    /// Enter, and the text is not the expected id: what was typed (the field is cleared).
    Refused(String),
}

/// A key for the confirmation field `typed`, which must read `expected` on Enter.
pub fn on_key(typed: &mut String, key: &KeyEvent, expected: &str) -> Confirmation {
    match key.code {
        KeyCode::Esc => {
            typed.clear();
            Confirmation::Cancelled
        }
        KeyCode::Enter if typed.trim() == expected => {
            typed.clear();
            Confirmation::Confirmed
        }
        KeyCode::Enter => Confirmation::Refused(std::mem::take(typed).trim().to_owned()),
        _ => {
            super::text_input::edit(typed, key);
            Confirmation::Typing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyModifiers;

    fn press(typed: &mut String, code: KeyCode) -> Confirmation {
        on_key(typed, &KeyEvent::new(code, KeyModifiers::NONE), "d-123")
    }

    #[test]
    fn only_the_expected_id_confirms() {
        let mut typed = String::new();
        for c in "d-12".chars() {
            assert_eq!(press(&mut typed, KeyCode::Char(c)), Confirmation::Typing);
        }
        assert_eq!(
            press(&mut typed, KeyCode::Enter),
            Confirmation::Refused("d-12".to_owned())
        );
        assert!(typed.is_empty());
        for c in " d-1234".chars() {
            press(&mut typed, KeyCode::Char(c));
        }
        press(&mut typed, KeyCode::Backspace);
        assert_eq!(press(&mut typed, KeyCode::Enter), Confirmation::Confirmed);
        press(&mut typed, KeyCode::Char('x'));
        assert_eq!(press(&mut typed, KeyCode::Esc), Confirmation::Cancelled);
        assert!(typed.is_empty());
    }
}
