//! Editing a line of text the way shells do (readline keys), for every input of the TUI: the
//! filter, the command line, the searches, the typed confirmations. The cursor stays at the end
//! of the line.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key did to the text.
#[derive(Debug, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// A key that edits, but there was nothing to edit (Backspace on an empty line).
    Unchanged,
    /// Not an editing key: the caller decides (Enter, Esc, arrows…).
    NotEditing,
}

/// Applies one key to `text`: characters are typed; Backspace (or Ctrl-H) deletes one;
/// Ctrl-W and Alt-Backspace delete the word before the cursor; Ctrl-U deletes the line.
/// Other keys with Ctrl or Alt are never typed as letters.
pub fn edit(text: &mut String, key: &KeyEvent) -> Edit {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let changed = |before: usize, text: &String| {
        if text.len() == before {
            Edit::Unchanged
        } else {
            Edit::Changed
        }
    };
    let before = text.len();
    match key.code {
        KeyCode::Backspace if alt => {
            delete_word(text);
            changed(before, text)
        }
        KeyCode::Backspace => {
            text.pop();
            changed(before, text)
        }
        KeyCode::Char('h') if ctrl => {
            text.pop();
            changed(before, text)
        }
        KeyCode::Char('w') if ctrl => {
            delete_word(text);
            changed(before, text)
        }
        KeyCode::Char('u') if ctrl => {
            text.clear();
            changed(before, text)
        }
        KeyCode::Char(_) if ctrl || alt => Edit::Unchanged,
        KeyCode::Char(c) => {
            text.push(c);
            Edit::Changed
        }
        _ => Edit::NotEditing,
    }
}

/// Deletes the word before the end, and the spaces after it (as readline's Ctrl-W).
fn delete_word(text: &mut String) {
    let trimmed = text.trim_end().len();
    text.truncate(trimmed);
    let start = text
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    text.truncate(start);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn readline_keys_edit_instead_of_typing_letters() {
        let mut text = "account:prod ps:admin".to_owned();
        let ctrl = KeyModifiers::CONTROL;
        assert_eq!(
            edit(&mut text, &key(KeyCode::Char('w'), ctrl)),
            Edit::Changed
        );
        assert_eq!(text, "account:prod ");
        edit(&mut text, &key(KeyCode::Char('w'), ctrl));
        assert_eq!(text, "");
        text.push_str("héllo wörld  ");
        edit(&mut text, &key(KeyCode::Backspace, KeyModifiers::ALT));
        assert_eq!(text, "héllo ");
        edit(&mut text, &key(KeyCode::Char('h'), ctrl));
        assert_eq!(text, "héllo");
        assert_eq!(
            edit(&mut text, &key(KeyCode::Char('u'), ctrl)),
            Edit::Changed
        );
        assert_eq!(text, "");
        assert_eq!(
            edit(&mut text, &key(KeyCode::Backspace, KeyModifiers::NONE)),
            Edit::Unchanged
        );
        // Unknown chords are not typed.
        assert_eq!(
            edit(&mut text, &key(KeyCode::Char('x'), ctrl)),
            Edit::Unchanged
        );
        assert_eq!(text, "");
        assert_eq!(
            edit(&mut text, &key(KeyCode::Char('Q'), KeyModifiers::SHIFT)),
            Edit::Changed
        );
        assert_eq!(text, "Q");
        assert_eq!(
            edit(&mut text, &key(KeyCode::Enter, KeyModifiers::NONE)),
            Edit::NotEditing
        );
    }
}
