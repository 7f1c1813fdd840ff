//! The `/` filter: fuzzy matching of a query against a table row, with the matched characters
//! reported for highlighting, and `column:term` terms that restrict a term to one column
//! (`account:prod ps:admin`). Pure and allocation-light: it runs on every keystroke over every
//! row of the largest table.

/// A parsed query: terms that must all match (AND).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<Term>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Term {
    /// Lower-cased column key prefix (`account` matches a column keyed `account`), if any.
    column: Option<String>,
    /// Lower-cased needle.
    needle: Vec<char>,
    /// The needle as bytes when it is ASCII, for `fuzzy_ascii` (computed once per query, not
    /// per cell).
    ascii: Option<Vec<u8>>,
}

impl Query {
    /// Splits on whitespace; `key:value` restricts `value` to columns whose key starts with
    /// `key`. An empty query matches everything.
    ///
    /// ```
    /// use cutover::tui::filter::Query;
    /// let row = [("account", "corp-prod-payments"), ("ps", "AdministratorAccess")];
    /// assert!(Query::parse("account:prod ps:admin").matches(&row).is_some());
    /// assert!(Query::parse("account:admin").matches(&row).is_none());
    /// ```
    pub fn parse(text: &str) -> Query {
        let terms = text
            .split_whitespace()
            .filter_map(|word| {
                let (column, needle) = match word.split_once(':') {
                    Some((key, value)) if !key.is_empty() => (Some(key.to_lowercase()), value),
                    _ => (None, word),
                };
                (!needle.is_empty()).then(|| {
                    let needle = needle.to_lowercase();
                    Term {
                        column,
                        ascii: needle.is_ascii().then(|| needle.as_bytes().to_vec()),
                        needle: needle.chars().collect(),
                    }
                })
            })
            .collect();
        Query { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Matches a row given as (column key, cell text) pairs. Returns the score (higher is
    /// better) and, per cell, the char indices that matched; `None` when a term matches no
    /// allowed cell.
    pub fn matches(&self, cells: &[(&str, &str)]) -> Option<RowMatch> {
        // Each term's best cell and positions; the highlights are only built once every term
        // matched, so a rejected row (most rows, on a big table) allocates nothing.
        let mut found: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut score = 0i64;
        for term in &self.terms {
            let mut best: Option<(usize, i64, Vec<usize>)> = None;
            for (index, (key, text)) in cells.iter().enumerate() {
                if let Some(column) = &term.column {
                    if !key.starts_with(column.as_str()) {
                        continue;
                    }
                }
                let matched = match &term.ascii {
                    Some(needle) if text.is_ascii() => fuzzy_ascii(needle, text.as_bytes()),
                    _ => fuzzy(&term.needle, text),
                };
                if let Some((s, positions)) = matched {
                    if best.as_ref().is_none_or(|(_, b, _)| s > *b) {
                        best = Some((index, s, positions));
                    }
                }
            }
            let (index, s, positions) = best?;
            score += s;
            found.push((index, positions));
        }
        let mut highlights = vec![Vec::new(); cells.len()];
        for (index, positions) in found {
            highlights[index].extend(positions);
        }
        for h in &mut highlights {
            h.sort_unstable();
            h.dedup();
        }
        Some(RowMatch { score, highlights })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowMatch {
    pub score: i64,
    /// Per cell, the char indices to highlight.
    pub highlights: Vec<Vec<usize>>,
}

/// Subsequence match of `needle` (lower case) in `haystack`, case-insensitively. Scores
/// contiguous runs and word starts higher, so `adm` ranks `AdministratorAccess` above
/// `aws-data-management`. Returns the score and the matched char positions.
pub fn fuzzy(needle: &[char], haystack: &str) -> Option<(i64, Vec<usize>)> {
    if needle.is_empty() {
        return Some((0, Vec::new()));
    }
    // Prefer an exact substring: its score beats any scattered match.
    let lower: Vec<char> = haystack.chars().flat_map(char::to_lowercase).collect();
    if lower.len() != haystack.chars().count() {
        // Lower-casing changed the length (rare scripts): fall back to plain matching.
        return fuzzy_positions(needle, &haystack.chars().collect::<Vec<_>>());
    }
    if let Some(start) = find_substring(&lower, needle) {
        let at_word_start = start == 0 || !lower[start - 1].is_alphanumeric();
        let score =
            1_000 + needle.len() as i64 * 10 + if at_word_start { 200 } else { 0 } - start as i64;
        return Some((score, (start..start + needle.len()).collect()));
    }
    fuzzy_positions(needle, &lower)
}

/// `fuzzy` for an ASCII needle (lower case) and an ASCII haystack, on bytes and without
/// allocating unless it matches: the same result as `fuzzy` (for ASCII, byte positions are char
/// positions, lower-casing keeps the length, and `is_alphanumeric` is `is_ascii_alphanumeric`).
fn fuzzy_ascii(needle: &[u8], haystack: &[u8]) -> Option<(i64, Vec<usize>)> {
    if needle.is_empty() {
        return Some((0, Vec::new()));
    }
    if needle.len() > haystack.len() {
        return None;
    }
    let first = needle[0];
    let substring = (0..=haystack.len() - needle.len()).find(|&i| {
        haystack[i].to_ascii_lowercase() == first
            && haystack[i..i + needle.len()].eq_ignore_ascii_case(needle)
    });
    if let Some(start) = substring {
        let at_word_start = start == 0 || !haystack[start - 1].is_ascii_alphanumeric();
        let score =
            1_000 + needle.len() as i64 * 10 + if at_word_start { 200 } else { 0 } - start as i64;
        return Some((score, (start..start + needle.len()).collect()));
    }
    // A scattered match: check it exists before allocating its positions.
    let mut next = 0;
    for &wanted in needle {
        next += haystack[next..]
            .iter()
            .position(|&c| c.to_ascii_lowercase() == wanted)?
            + 1;
    }
    let lower: Vec<char> = haystack
        .iter()
        .map(|&b| char::from(b.to_ascii_lowercase()))
        .collect();
    let needle: Vec<char> = needle.iter().map(|&b| char::from(b)).collect();
    fuzzy_positions(&needle, &lower)
}

fn find_substring(haystack: &[char], needle: &[char]) -> Option<usize> {
    if needle.len() > haystack.len() {
        return None;
    }
    (0..=haystack.len() - needle.len()).find(|&i| haystack[i..i + needle.len()] == *needle)
}

fn fuzzy_positions(needle: &[char], haystack: &[char]) -> Option<(i64, Vec<usize>)> {
    let mut positions = Vec::with_capacity(needle.len());
    let mut next = 0;
    for &wanted in needle {
        let found = haystack[next..].iter().position(|&c| c == wanted)? + next;
        positions.push(found);
        next = found + 1;
    }
    let mut score = 0i64;
    for (i, &p) in positions.iter().enumerate() {
        if i > 0 && positions[i - 1] + 1 == p {
            score += 15;
        }
        if p == 0 || !haystack[p - 1].is_alphanumeric() {
            score += 10;
        }
    }
    score -= (positions.last().unwrap_or(&0) - positions.first().unwrap_or(&0)) as i64;
    Some((score, positions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needle(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn substring_beats_scattered_and_word_starts_win() {
        let (admin, _) = fuzzy(&needle("adm"), "AdministratorAccess").unwrap();
        let (scattered, _) = fuzzy(&needle("adm"), "aws-data-management").unwrap();
        assert!(admin > scattered);
        assert!(fuzzy(&needle("xyz"), "AdministratorAccess").is_none());
    }

    #[test]
    fn reports_matched_positions() {
        assert_eq!(
            fuzzy(&needle("chen"), "Ana Chen").unwrap().1,
            vec![4, 5, 6, 7]
        );
        assert_eq!(fuzzy(&needle("ac"), "ana.chen").unwrap().1, vec![0, 4]);
    }

    #[test]
    fn the_ascii_fast_path_agrees_with_fuzzy() {
        for hay in [
            "AdministratorAccess",
            "aws-data-management",
            "Ana Chen",
            "ana.chen",
            "a",
            "",
        ] {
            for n in ["adm", "ac", "chen", "a", "ANA", "zz", "aa", "an.c", "ment"] {
                let n = n.to_lowercase();
                assert_eq!(
                    fuzzy_ascii(n.as_bytes(), hay.as_bytes()),
                    fuzzy(&needle(&n), hay),
                    "{n} in {hay}"
                );
            }
        }
    }

    #[test]
    fn column_terms_restrict_and_all_terms_must_match() {
        let row = [
            ("account", "corp-prod-payments"),
            ("ps", "AdministratorAccess"),
        ];
        let q = Query::parse("account:prod ps:admin");
        let m = q.matches(&row).unwrap();
        assert_eq!(m.highlights[0], vec![5, 6, 7, 8]);
        assert!(Query::parse("account:admin").matches(&row).is_none());
        assert!(Query::parse("prod nomatch").matches(&row).is_none());
        assert!(Query::parse("").matches(&row).is_some());
        assert!(Query::parse("  ").is_empty());
    }
}
