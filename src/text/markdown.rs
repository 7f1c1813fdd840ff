//! Markdown: names are text, never markup.

use super::terminal::is_hidden;

/// `text` for a Markdown document (a table cell, a list item, a heading) as CommonMark and
/// GitHub render it: hidden characters as `\u{…}` like [`super::inert`], line breaks as spaces,
/// `<`, `>` and `&` as HTML entities (no tag, no entity of the name's own), and a backslash in
/// front of every character that would start markup:
/// - anywhere: `\` `` ` `` `*` `_` `[` `]` `|` `~` `$` (escapes, code, emphasis, links and
///   images, table cells, strikethrough, math) and `@` (e-mail autolinks);
/// - the `:` of `http:`, `https:`, `ftp:`, `mailto:`, `xmpp:` and the `.` of `www.` (GitHub's
///   bare-URL autolinks), so that ARNs and times stay readable;
/// - at the start: `#`, `+`, `-`, `=` and `1.`/`1)` (headings, lists).
///
/// Leading and trailing spaces are dropped, as a table cell would drop them.
pub fn markdown(text: &str) -> String {
    let text = text.trim_matches(' ');
    let mut out = String::with_capacity(text.len() + 8);
    let mut word = String::new(); // the ASCII letters just before the current character
    let leading_digits = text.chars().take_while(char::is_ascii_digit).count();
    for (i, c) in text.chars().enumerate() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if is_hidden(c) => {
                // `\\u{1b}` renders as `\u{1b}`.
                out.push('\\');
                out.push_str(&c.escape_unicode().to_string());
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' | '@' => {
                out.push('\\');
                out.push(c);
            }
            ':' if is_scheme(&word) => out.push_str("\\:"),
            '.' if word.eq_ignore_ascii_case("www") => out.push_str("\\."),
            '#' | '+' | '-' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if i == leading_digits && i > 0 => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            word.clear();
        }
    }
    out
}

fn is_scheme(word: &str) -> bool {
    ["http", "https", "ftp", "mailto", "xmpp"]
        .iter()
        .any(|scheme| {
            word.len() >= scheme.len()
                && word[word.len() - scheme.len()..].eq_ignore_ascii_case(scheme)
        })
}
