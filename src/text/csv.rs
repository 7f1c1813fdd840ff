//! CSV cells: inert text, and no cell a spreadsheet would run as a formula (OWASP).

use super::terminal::inert;
use std::borrow::Cow;

/// First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection),
/// plus the quote itself so that the prefix can always be undone exactly.
fn needs_prefix(first: char) -> bool {
    matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
}

/// A cell for a CSV file: [`inert`] text, with a `'` in front when it would otherwise begin a
/// formula (or begins with `'`). Ids never begin with any of these and pass unchanged.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let text = inert(text);
    match text.chars().next() {
        Some(first) if needs_prefix(first) => Cow::Owned(format!("'{text}")),
        _ => text,
    }
}

/// Undoes the prefix [`csv_cell`] added, for cutover's own reader of files it wrote (and that a
/// person may have edited): a `'` followed by a prefixed character is dropped.
pub fn csv_cell_read(cell: &str) -> &str {
    let mut chars = cell.chars();
    match (chars.next(), chars.next()) {
        (Some('\''), Some(second)) if needs_prefix(second) => &cell[1..],
        _ => cell,
    }
}
