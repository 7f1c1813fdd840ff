//! The `/` filter: fuzzy matching of a query against a table row, with the matched characters
//! reported for highlighting, and `column:term` terms that restrict a term to one column
//! (`account:prod ps:admin`).
//!
//! [`filter_table`] runs a query over a whole table (on the filter worker, never on the input
//! path): it scores each distinct text of a shared column once, allocates nothing for a row
//! unless it passes, spreads the rows over the cores and stops early when cancelled. Matched
//! positions, for highlighting, are only computed by the view for the rows on screen.

use super::panes::{Cells, Table};

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

    /// The `column:` restrictions that name none of `keys` (no key starts with them): such a
    /// term matches nothing, and the user should be told which columns exist.
    pub fn unknown_columns(&self, keys: &[&str]) -> Vec<String> {
        let mut unknown: Vec<String> = self
            .terms
            .iter()
            .filter_map(|t| t.column.clone())
            .filter(|column| !keys.iter().any(|k| k.starts_with(column.as_str())))
            .collect();
        unknown.dedup();
        unknown
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

impl Term {
    /// The score of the best match of this term in `text`, without the positions.
    fn score(&self, text: &str) -> Option<i64> {
        match &self.ascii {
            Some(needle) if text.is_ascii() => fuzzy_ascii_score(needle, text.as_bytes()),
            _ => fuzzy(&self.needle, text).map(|(score, _)| score),
        }
    }

    fn applies_to(&self, key: &str) -> bool {
        self.column
            .as_ref()
            .is_none_or(|column| key.starts_with(column.as_str()))
    }
}

/// What [`filter_table`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The passing rows in table order (for narrowing the next query); `None` for an empty
    /// query, which every row passes.
    pub matched: Option<Vec<u32>>,
    /// The passing rows in display order: sorted by the column, else best matches first, else
    /// table order.
    pub visible: Vec<u32>,
}

/// Below this many rows (or texts) a second thread costs more than it saves.
#[cfg(not(test))]
const ROWS_PER_THREAD: usize = 32 * 1024;
/// Small in unit tests, so that the demo organization's tables take the threaded path too.
#[cfg(test)]
const ROWS_PER_THREAD: usize = 64;
/// How many rows a thread tests between two looks at the cancel flag.
const CANCEL_EVERY: usize = 4096;

fn threads_for(items: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(8).min(items / ROWS_PER_THREAD).max(1)
}

/// `items.chunks(..).map(f)` over scoped threads when there are enough items, in order.
fn parallel_chunks<T: Sync, U: Send>(items: &[T], f: impl Fn(&[T]) -> U + Sync) -> Vec<U> {
    let threads = threads_for(items.len());
    if threads == 1 {
        return vec![f(items)];
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        workers
            .into_iter()
            .map(|w| match w.join() {
                Ok(part) => part,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// Runs `query` over `table`: the rows that pass (all of `candidates` when given, which must be
/// in table order, else every row), in display order for `sort` (column, descending). `None`
/// when `cancelled` said so along the way.
pub fn filter_table(
    table: &Table,
    query: &Query,
    candidates: Option<&[u32]>,
    sort: Option<(usize, bool)>,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Outcome> {
    let passing: Vec<(u32, i64)> = if query.is_empty() {
        (0..table.len() as u32).map(|row| (row, 0)).collect()
    } else {
        let all: Vec<u32>;
        let rows = match candidates {
            Some(rows) => rows,
            None => {
                all = (0..table.len() as u32).collect();
                &all
            }
        };
        let scored = scored_texts(table, query, rows.len());
        let parts = parallel_chunks(rows, |part| {
            score_rows(table, query, &scored, part, cancelled)
        });
        let mut passing = Vec::with_capacity(parts.iter().flatten().map(Vec::len).sum());
        for part in parts {
            passing.extend(part?);
        }
        passing
    };
    if cancelled() {
        return None;
    }
    let matched = (!query.is_empty()).then(|| passing.iter().map(|p| p.0).collect());
    let visible = match sort {
        Some((column, descending)) => {
            let keys = table.sort_keys(column);
            stable_order(&passing, |row, _| {
                let key = i64::from(keys[row as usize]);
                if descending {
                    -key
                } else {
                    key
                }
            })
        }
        // Best matches first.
        None if !query.is_empty() => stable_order(&passing, |_, score| -score),
        None => passing.into_iter().map(|p| p.0).collect(),
    };
    Some(Outcome { matched, visible })
}

/// The rows of `passing` by ascending `key`, ties in the given (table) order. Sort ranks and
/// scores span a small range, so this is a counting sort: linear, where a comparison sort of a
/// million rows costs a good part of a second on a slow machine.
fn stable_order(passing: &[(u32, i64)], key: impl Fn(u32, i64) -> i64) -> Vec<u32> {
    let keys: Vec<i64> = passing
        .iter()
        .map(|&(row, score)| key(row, score))
        .collect();
    let (Some(&min), Some(&max)) = (keys.iter().min(), keys.iter().max()) else {
        return Vec::new();
    };
    let range = (i128::from(max) - i128::from(min)) as u128 + 1;
    if range > (4 * passing.len() as u128).max(1 << 16) {
        let mut order: Vec<(i64, u32)> = keys
            .iter()
            .zip(passing)
            .map(|(&k, &(row, _))| (k, row))
            .collect();
        // Rows ascend in `passing`, so (key, row) breaks ties as a stable sort would.
        order.sort_unstable();
        return order.into_iter().map(|(_, row)| row).collect();
    }
    let mut starts = vec![0u32; range as usize + 1];
    for &k in &keys {
        starts[(k - min) as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut order = vec![0u32; passing.len()];
    for (&k, &(row, _)) in keys.iter().zip(passing) {
        let slot = &mut starts[(k - min) as usize];
        order[*slot as usize] = row;
        *slot += 1;
    }
    order
}

/// A score not computed yet, and no match, in a per-text memo (of `i32`s: half the cache
/// footprint of the 200,000 principals' scores).
const NOT_YET: i32 = i32::MIN;
const NO_MATCH: i32 = i32::MIN + 1;

/// A term's score in `text` for a memo; scores are far inside `i32`.
fn memo_score(term: &Term, text: &str) -> i32 {
    term.score(text).map_or(NO_MATCH, |s| {
        s.clamp(i64::from(NO_MATCH) + 1, i64::from(i32::MAX)) as i32
    })
}
/// A shared column's texts are all scored up front when they are at most this many times the
/// rows to test.
const EAGER_RATIO: usize = 4;
/// Counts below this are scored once per value.
const SMALL_COUNTS: usize = 1024;

/// Per term, per column it may match: the column and, for a shared column with not many more
/// texts than there are rows to test, every text's score (computed once, over the cores,
/// instead of once per thread). Other shared columns (a few thousand narrowed rows among
/// 200,000 principals) are scored lazily per thread, for the texts those rows name.
type Scored = Vec<Vec<(usize, Option<Vec<i32>>)>>;

fn scored_texts(table: &Table, query: &Query, rows: usize) -> Scored {
    query
        .terms
        .iter()
        .map(|term| {
            table
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| term.applies_to(c.key))
                .map(|(i, c)| {
                    let scores = match &c.cells {
                        Cells::Shared { values, .. } if values.len() <= rows * EAGER_RATIO => Some(
                            parallel_chunks(values, |part| {
                                part.iter().map(|v| memo_score(term, v)).collect::<Vec<_>>()
                            })
                            .concat(),
                        ),
                        _ => None,
                    };
                    (i, scores)
                })
                .collect()
        })
        .collect()
}

/// The rows of `rows` that pass, with their scores, in the order given.
fn score_rows(
    table: &Table,
    query: &Query,
    scored: &Scored,
    rows: &[u32],
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<(u32, i64)>> {
    // This thread's memos: per term and column, per shared text or small count.
    let mut memos: Vec<Vec<Vec<i32>>> = scored
        .iter()
        .map(|columns| {
            columns
                .iter()
                .map(
                    |(column, scores)| match (&table.columns[*column].cells, scores) {
                        (Cells::Shared { values, .. }, None) => vec![NOT_YET; values.len()],
                        (Cells::Count(_), _) => vec![NOT_YET; SMALL_COUNTS],
                        _ => Vec::new(),
                    },
                )
                .collect()
        })
        .collect();
    let snapshot = table.snapshot();
    let mut digits = [0u8; 10];
    let mut passing = Vec::new();
    'rows: for (n, &row) in rows.iter().enumerate() {
        if n % CANCEL_EVERY == 0 && cancelled() {
            return None;
        }
        let r = row as usize;
        let mut total = 0i64;
        for ((term, columns), memos) in query.terms.iter().zip(scored).zip(&mut memos) {
            let mut best: Option<i64> = None;
            for ((column, scores), memo) in columns.iter().zip(memos.iter_mut()) {
                let score = match (&table.columns[*column].cells, scores) {
                    (Cells::Shared { slot, .. }, Some(scores)) => scores[table.shared_id(r, *slot)],
                    (Cells::Shared { values, slot }, None) => {
                        let id = table.shared_id(r, *slot);
                        if memo[id] == NOT_YET {
                            memo[id] = memo_score(term, &values[id]);
                        }
                        memo[id]
                    }
                    (Cells::Field(field), _) => memo_score(term, field(snapshot, r)),
                    (Cells::Count(counts), _) => {
                        let n = counts[r];
                        match memo.get_mut(n as usize) {
                            Some(m) => {
                                if *m == NOT_YET {
                                    *m = memo_score(term, count_str(n, &mut digits));
                                }
                                *m
                            }
                            None => memo_score(term, count_str(n, &mut digits)),
                        }
                    }
                };
                if score != NO_MATCH {
                    let score = i64::from(score);
                    best = Some(best.map_or(score, |b| b.max(score)));
                }
            }
            match best {
                Some(score) => total += score,
                None => continue 'rows,
            }
        }
        passing.push((row, total));
    }
    Some(passing)
}

/// A count as the table shows it, written into `buffer` (no allocation per row).
fn count_str(n: u32, buffer: &mut [u8; 10]) -> &str {
    if n == super::panes::UNKNOWN {
        return "…";
    }
    let mut at = buffer.len();
    let mut n = n;
    loop {
        at -= 1;
        buffer[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buffer[at..]).unwrap_or("")
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

/// `fuzzy_ascii`'s score without its positions: allocates nothing.
fn fuzzy_ascii_score(needle: &[u8], haystack: &[u8]) -> Option<i64> {
    if needle.is_empty() {
        return Some(0);
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
        return Some(
            1_000 + needle.len() as i64 * 10 + if at_word_start { 200 } else { 0 } - start as i64,
        );
    }
    // The same greedy positions and score as `fuzzy_positions`.
    let mut next = 0;
    let mut score = 0i64;
    let mut first_at = 0;
    let mut previous: Option<usize> = None;
    for &wanted in needle {
        let p = haystack[next..]
            .iter()
            .position(|&c| c.to_ascii_lowercase() == wanted)?
            + next;
        match previous {
            Some(q) if q + 1 == p => score += 15,
            Some(_) => {}
            None => first_at = p,
        }
        if p == 0 || !haystack[p - 1].is_ascii_alphanumeric() {
            score += 10;
        }
        previous = Some(p);
        next = p + 1;
    }
    Some(score - (previous.unwrap_or(0) - first_at) as i64)
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

    #[test]
    fn names_the_column_restrictions_that_match_no_column() {
        let keys = ["account", "ps", "type", "principal"];
        assert!(Query::parse("acc:prod ps:admin hana")
            .unknown_columns(&keys)
            .is_empty());
        assert_eq!(
            Query::parse("foo:bar ps:x permission:y").unknown_columns(&keys),
            vec!["foo".to_owned(), "permission".to_owned()]
        );
    }
    use crate::tui::dataset::Dataset;
    use crate::tui::panes::{self, PaneKind, Source};

    /// `filter_table` gives exactly what testing every row with `Query::matches` and sorting
    /// stably would: same rows, same order, on every pane of the demo organization.
    #[test]
    fn filter_table_agrees_with_matching_each_row() {
        let dataset = Dataset::indexed(crate::fixture::demo::load_demo().current);
        let missing = Default::default();
        let source = Source {
            snapshot: dataset.shared(),
            index: dataset.index(),
            missing: &missing,
        };
        let never = || false;
        for kind in PaneKind::ALL {
            let table = panes::build(kind, &source).unwrap();
            for text in [
                "a",
                "prod",
                "ana ch",
                "account:prod ps:adm",
                "1",
                "enab",
                "⚠",
                "zzz",
            ] {
                let query = Query::parse(text);
                let mut expected: Vec<(u32, i64)> = (0..table.len())
                    .filter_map(|row| {
                        let cells = table.row(row);
                        let keyed: Vec<(&str, &str)> = table
                            .columns
                            .iter()
                            .zip(&cells)
                            .map(|(c, t)| (c.key, t.as_ref()))
                            .collect();
                        query.matches(&keyed).map(|m| (row as u32, m.score))
                    })
                    .collect();
                let outcome = filter_table(&table, &query, None, None, &never).unwrap();
                let rows: Vec<u32> = expected.iter().map(|e| e.0).collect();
                assert_eq!(outcome.matched.as_ref(), Some(&rows), "{kind:?} {text}");
                expected.sort_by_key(|e| std::cmp::Reverse(e.1));
                let order: Vec<u32> = expected.iter().map(|e| e.0).collect();
                assert_eq!(outcome.visible, order, "{kind:?} {text}");
                // Narrowing from the rows of a shorter query gives the same.
                let from = filter_table(&table, &query, Some(&rows), None, &never).unwrap();
                assert_eq!(from, outcome, "{kind:?} {text}");
                // Sorted by each column, both ways: a stable sort of the matches.
                for column in 0..table.columns.len() {
                    for descending in [false, true] {
                        let sorted =
                            filter_table(&table, &query, None, Some((column, descending)), &never)
                                .unwrap();
                        let mut by_column = rows.clone();
                        let numeric = table.columns[column].numeric;
                        by_column.sort_by(|&a, &b| {
                            let (x, y) = (
                                table.cell(a as usize, column),
                                table.cell(b as usize, column),
                            );
                            let order = if numeric {
                                x.parse::<u64>()
                                    .unwrap_or(0)
                                    .cmp(&y.parse::<u64>().unwrap_or(0))
                            } else {
                                x.to_lowercase().cmp(&y.to_lowercase())
                            };
                            if descending {
                                order.reverse()
                            } else {
                                order
                            }
                        });
                        assert_eq!(sorted.visible, by_column, "{kind:?} {text} {column}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_cancelled_filter_gives_nothing() {
        let dataset = Dataset::indexed(crate::fixture::demo::load_demo().current);
        let missing = Default::default();
        let source = Source {
            snapshot: dataset.shared(),
            index: dataset.index(),
            missing: &missing,
        };
        let table = panes::build(PaneKind::Assignments, &source).unwrap();
        assert_eq!(
            filter_table(&table, &Query::parse("a"), None, None, &|| true),
            None
        );
    }

    #[test]
    fn stable_order_keeps_ties_in_table_order_for_any_key_range() {
        let passing = [(0, 5), (1, -3), (2, 5), (3, 0), (4, -3)];
        assert_eq!(stable_order(&passing, |_, s| -s), vec![0, 2, 3, 1, 4]);
        let wide = [
            (0, i64::MAX / 4),
            (1, 0),
            (2, i64::MAX / 4),
            (3, -(i64::MAX / 4)),
        ];
        assert_eq!(stable_order(&wide, |_, s| -s), vec![0, 2, 1, 3]);
    }

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
            "a-b adm.n x",
        ] {
            for n in [
                "adm", "ac", "chen", "a", "ANA", "zz", "aa", "an.c", "ment", "aan", "dmt", "asm",
            ] {
                let n = n.to_lowercase();
                assert_eq!(
                    fuzzy_ascii(n.as_bytes(), hay.as_bytes()),
                    fuzzy(&needle(&n), hay),
                    "{n} in {hay}"
                );
                assert_eq!(
                    fuzzy_ascii_score(n.as_bytes(), hay.as_bytes()),
                    fuzzy(&needle(&n), hay).map(|m| m.0),
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
