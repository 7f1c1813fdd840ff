//! "Did you mean": the names closest to something that matched nothing.

/// At most `limit` distinct candidates close to `wanted`, best first. Close means, ignoring
/// case: one contains the other, or they are a few edits apart (at most a third of the length
/// of `wanted`, and at least 2).
pub(super) fn closest<'a>(
    wanted: &str,
    candidates: impl Iterator<Item = &'a str>,
    limit: usize,
) -> Vec<String> {
    let wanted: Vec<char> = wanted.trim().to_lowercase().chars().collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let wanted_text: String = wanted.iter().collect();
    let budget = (wanted.len() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|candidate| {
            let folded = candidate.to_lowercase();
            if folded.contains(&wanted_text) || wanted_text.contains(&folded) {
                // Containment beats any edit distance; shorter extras first.
                return Some((folded.chars().count().abs_diff(wanted.len()), candidate));
            }
            let folded: Vec<char> = folded.chars().collect();
            edit_distance(&wanted, &folded, budget).map(|d| (1_000 + d, candidate))
        })
        .collect();
    scored.sort_unstable();
    let mut out: Vec<String> = Vec::with_capacity(limit);
    for (_, candidate) in scored {
        if out.len() == limit {
            break;
        }
        if !out.iter().any(|c| c == candidate) {
            out.push(candidate.to_owned());
        }
    }
    out
}

/// Levenshtein distance, or `None` once it certainly exceeds `budget` (most candidates are far
/// from what was typed, and this keeps a scan of 100,000 user names cheap).
fn edit_distance(a: &[char], b: &[char], budget: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > budget {
        return None;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min > budget {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= budget).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn edit_distance_counts_edits_within_budget() {
        assert_eq!(
            edit_distance(&chars("kitten"), &chars("sitting"), 5),
            Some(3)
        );
        assert_eq!(edit_distance(&chars("same"), &chars("same"), 0), Some(0));
        assert_eq!(edit_distance(&chars("kitten"), &chars("sitting"), 2), None);
        assert_eq!(edit_distance(&chars("a"), &chars("abcdef"), 2), None);
    }

    #[test]
    fn prefers_containment_then_small_typos() {
        let names = [
            "corp-prod-payments",
            "corp-dev-payments",
            "corp-prod-data",
            "unrelated",
        ];
        let found = closest("prod-payment", names.iter().copied(), 3);
        assert_eq!(found[0], "corp-prod-payments");
        let found = closest("corp-prod-dta", names.iter().copied(), 3);
        assert_eq!(found, ["corp-prod-data"]);
        assert!(closest("zzzzzz", names.iter().copied(), 3).is_empty());
        assert!(closest("  ", names.iter().copied(), 3).is_empty());
    }

    #[test]
    fn ignores_case_and_repeats() {
        let names = ["ReadOnlyAccess", "ReadOnlyAccess", "ViewOnlyAccess"];
        assert_eq!(
            closest("readonlyaccess", names.iter().copied(), 3),
            ["ReadOnlyAccess", "ViewOnlyAccess"]
        );
    }
}
