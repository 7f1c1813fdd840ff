//! The one rule for text that leaves cutover. User, group and account names come from the
//! customer's identity provider, where ordinary employees can rename things; they are data and
//! must never act as terminal commands, spreadsheet formulas or Markdown/HTML markup.
//!
//! - [`inert`] (and [`Inert`] for `format!`): text for a terminal or a log line. Every control
//!   character (C0, DEL, C1, so every ESC/OSC sequence is broken at its first byte) and every
//!   invisible formatting character (bidi overrides and isolates, zero-width characters, line
//!   and paragraph separators, the BOM, tag characters) is shown visibly as `\u{…}`.
//! - [`csv_cell`] / [`csv_cell_read`]: a cell of a CSV file cutover writes and its inverse for
//!   cutover's own reader. Inert text, then the OWASP rule against formula injection: a cell
//!   that begins with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` (and so does a cell that
//!   already begins with `'`, so that reading back is exact).
//! - [`markdown`]: inert text with everything Markdown and HTML interpret escaped, safe inside a
//!   table cell or a list item.
//! - [`inert_lines`]: the same for several lines (the net under everything cutover prints).
//! - [`json`]: JSON text whose strings carry hidden characters as `\uXXXX` escapes.
//!
//! Pure: no I/O, no terminal.

mod csv;
mod markdown;
mod terminal;

pub use self::csv::{csv_cell, csv_cell_read};
pub use self::markdown::markdown;
pub use self::terminal::{inert, inert_lines, is_hidden, json, Inert};

#[cfg(test)]
mod tests;
