//! Text for a terminal: control and invisible formatting characters shown as `\u{…}`.

use std::borrow::Cow;
use std::fmt;

/// True for a character that a terminal would interpret or that is invisible on screen:
/// C0 controls (tab and newline included: a name is one line), DEL, C1 controls, and the
/// formatting characters that reorder or hide text.
pub fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{ad}'                      // soft hyphen
        | '\u{34f}'                     // combining grapheme joiner
        | '\u{61c}'                     // Arabic letter mark
        | '\u{115f}' | '\u{1160}'       // Hangul fillers
        | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}'       // Mongolian selectors and vowel separator
        | '\u{200b}'..='\u{200f}'       // zero width space/joiners, LRM, RLM
        | '\u{2028}'..='\u{202e}'       // line/paragraph separators, bidi embeddings and overrides
        | '\u{2060}'..='\u{206f}'       // word joiner, invisible operators, bidi isolates
        | '\u{3164}'                    // Hangul filler
        | '\u{fe00}'..='\u{fe0f}'       // variation selectors
        | '\u{feff}'                    // BOM / zero width no-break space
        | '\u{ffa0}'
        | '\u{fff0}'..='\u{fffb}'       // interlinear annotations
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}'     // tags and variation selectors supplement
    )
}

/// `text` with every hidden character written as `\u{hex}`; borrowed when there is none.
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_inert(&mut out, text);
    Cow::Owned(out)
}

pub(super) fn push_inert(out: &mut String, text: &str) {
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
}

/// Displays its text through [`inert`], for `println!("{}", Inert(name))` without a copy.
#[derive(Clone, Copy, Debug)]
pub struct Inert<'a>(pub &'a str);

impl fmt::Display for Inert<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut start = 0;
        for (i, c) in self.0.char_indices() {
            if is_hidden(c) {
                f.write_str(&self.0[start..i])?;
                write!(f, "{}", c.escape_unicode())?;
                start = i + c.len_utf8();
            }
        }
        f.write_str(&self.0[start..])
    }
}

/// Several lines for a terminal: like [`inert`], but line breaks stay line breaks. The last
/// safety net of every line cutover prints (names are made inert where they are formatted too).
pub fn inert_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_hidden(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(body) => {
                push_inert(&mut out, body);
                out.push('\n');
            }
            None => push_inert(&mut out, line),
        }
    }
    Cow::Owned(out)
}

/// JSON text (as serde_json writes it) with every hidden character inside its strings written
/// as a JSON `\uXXXX` escape: the same value for a parser, inert on a terminal. serde_json
/// already escapes C0; this covers DEL, C1 and the invisible formatting characters.
pub fn json(text: String) -> String {
    if !text
        .chars()
        .any(|c| !c.is_ascii_whitespace() && is_hidden(c))
    {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) && !c.is_ascii_whitespace() {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}
