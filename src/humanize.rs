//! Numbers as people read them, the same on every screen and in every report: counts with
//! thousands separators, plurals, durations.

/// A count of anything (the integer types counts come in).
pub trait Count: Copy {
    fn as_u64(self) -> u64;
}

impl Count for u64 {
    fn as_u64(self) -> u64 {
        self
    }
}

impl Count for usize {
    fn as_u64(self) -> u64 {
        self as u64
    }
}

impl Count for u32 {
    fn as_u64(self) -> u64 {
        self.into()
    }
}

/// Groups digits in threes, the way counts are printed in summaries.
///
/// ```
/// assert_eq!(cutover::humanize::thousands(1_234_567u64), "1,234,567");
/// assert_eq!(cutover::humanize::thousands(999usize), "999");
/// ```
pub fn thousands(n: impl Count) -> String {
    let digits = n.as_u64().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The plural ending of a noun after a count: "" for one, "s" otherwise.
pub fn plural(n: impl Count) -> &'static str {
    if n.as_u64() == 1 {
        ""
    } else {
        "s"
    }
}

/// A count and its noun: `1 member`, `1,204 members` (nouns with a plain "s" plural).
pub fn counted(n: impl Count, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), plural(n))
}

/// An ISO 8601 duration as Identity Center stores session lengths (`PT8H`, `PT1H30M`, `PT15M`,
/// `P1D`) in words: `8 h`, `1 h 30 min`, `15 min`, `1 day`; anything else as given.
pub fn iso_duration(text: &str) -> String {
    let Some(rest) = text.strip_prefix('P') else {
        return text.to_owned();
    };
    let (days, time) = match rest.split_once('T') {
        Some((days, time)) => (days, time),
        None => (rest, ""),
    };
    let mut parts = Vec::new();
    let mut number = String::new();
    let units = days
        .chars()
        .map(|c| (c, false))
        .chain(time.chars().map(|c| (c, true)));
    for (c, in_time) in units {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let Ok(n) = number.parse::<u64>() else {
            return text.to_owned();
        };
        number.clear();
        let part = match (c, in_time) {
            ('D', false) => counted(n, "day"),
            ('H', true) => format!("{n} h"),
            ('M', true) => format!("{n} min"),
            ('S', true) => format!("{n} s"),
            _ => return text.to_owned(),
        };
        parts.push(part);
    }
    if parts.is_empty() || !number.is_empty() {
        return text.to_owned();
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0u64), "0");
        assert_eq!(thousands(999usize), "999");
        assert_eq!(thousands(1000u32), "1,000");
        assert_eq!(thousands(1234567u64), "1,234,567");
    }

    #[test]
    fn plurals_and_counts() {
        assert_eq!(counted(1usize, "member"), "1 member");
        assert_eq!(counted(0usize, "member"), "0 members");
        assert_eq!(counted(4743usize, "operation"), "4,743 operations");
    }

    #[test]
    fn session_durations_in_words() {
        assert_eq!(iso_duration("PT8H"), "8 h");
        assert_eq!(iso_duration("PT1H30M"), "1 h 30 min");
        assert_eq!(iso_duration("PT15M"), "15 min");
        assert_eq!(iso_duration("P1D"), "1 day");
        assert_eq!(iso_duration("P2DT12H"), "2 days 12 h");
        // Not a duration this understands: shown as stored.
        assert_eq!(iso_duration("PT"), "PT");
        assert_eq!(iso_duration("8 hours"), "8 hours");
        assert_eq!(iso_duration("PT8X"), "PT8X");
    }
}
