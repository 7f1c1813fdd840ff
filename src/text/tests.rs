use super::*;
use proptest::prelude::*;

#[test]
fn inert_shows_control_and_invisible_characters() {
    assert_eq!(inert("plain name"), "plain name");
    assert!(matches!(inert("plain"), std::borrow::Cow::Borrowed(_)));
    assert_eq!(inert("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    assert_eq!(inert("\u{1b}]0;PWNED\u{7}"), "\\u{1b}]0;PWNED\\u{7}");
    assert_eq!(inert("x\u{9b}31m"), "x\\u{9b}31m");
    assert_eq!(inert("admin\u{202e}gnp.exe"), "admin\\u{202e}gnp.exe");
    assert_eq!(inert("a\u{2066}b\u{200b}"), "a\\u{2066}b\\u{200b}");
    assert_eq!(inert("nul\0 del\u{7f}"), "nul\\u{0} del\\u{7f}");
    assert_eq!(
        inert("line\nbreak\r\ttab"),
        "line\\u{a}break\\u{d}\\u{9}tab"
    );
    assert_eq!(inert("José Ñandú 🙂 名前"), "José Ñandú 🙂 名前");
}

#[test]
fn inert_display_matches_inert() {
    for s in ["", "x", "\u{1b}[2K\r", "é\u{202e}é", "a\u{e0041}"] {
        assert_eq!(Inert(s).to_string(), inert(s));
    }
}

#[test]
fn csv_cells_never_start_a_formula() {
    assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(csv_cell("+1-2"), "'+1-2");
    assert_eq!(csv_cell("-2+3"), "'-2+3");
    assert_eq!(csv_cell("@SUM(1+1)"), "'@SUM(1+1)");
    assert_eq!(csv_cell("\tx"), "\\u{9}x");
    assert_eq!(csv_cell("'quoted"), "''quoted");
    assert_eq!(csv_cell("alice@example.com"), "alice@example.com");
    assert_eq!(csv_cell("123456789012"), "123456789012");
    assert_eq!(csv_cell(""), "");
}

#[test]
fn csv_read_undoes_the_prefix() {
    assert_eq!(csv_cell_read("'=1+2"), "=1+2");
    assert_eq!(csv_cell_read("''quoted"), "'quoted");
    assert_eq!(csv_cell_read("'plain"), "'plain");
    assert_eq!(csv_cell_read("'"), "'");
    assert_eq!(csv_cell_read("x"), "x");
}

#[test]
fn markdown_escapes_markup_html_and_controls() {
    assert_eq!(markdown("a|b"), "a\\|b");
    assert_eq!(markdown("a\\|b"), "a\\\\\\|b");
    assert_eq!(
        markdown("<script>alert(1)</script>"),
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    );
    assert_eq!(
        markdown("![t](https://e.example/p.png)"),
        "!\\[t\\](https\\://e.example/p.png)"
    );
    assert_eq!(markdown("see www.evil.example"), "see www\\.evil.example");
    assert_eq!(
        markdown("ana.chen@old-corp.example"),
        "ana.chen\\@old-corp.example"
    );
    assert_eq!(
        markdown("`tick` *b* _i_ ~s~ $x$"),
        "\\`tick\\` \\*b\\* \\_i\\_ \\~s\\~ \\$x\\$"
    );
    assert_eq!(markdown("two\nlines\rx"), "two lines x");
    assert_eq!(markdown("\u{1b}[31m"), "\\\\u{1b}\\[31m");
    assert_eq!(markdown("  padded "), "padded");
    assert_eq!(markdown("&amp;"), "&amp;amp;");
    assert_eq!(markdown("# h"), "\\# h");
    assert_eq!(markdown("- item"), "\\- item");
    assert_eq!(markdown("> quote"), "&gt; quote");
    assert_eq!(markdown("12. x"), "12\\. x");
    assert_eq!(markdown("a-b # c"), "a-b # c");
    assert_eq!(
        markdown("arn:aws:sso:::instance/ssoins-1 at 2026-03-04T05:06:07Z"),
        "arn:aws:sso:::instance/ssoins-1 at 2026-03-04T05:06:07Z"
    );
}

proptest! {
    #[test]
    fn inert_output_has_no_hidden_character(s in "\\PC*|[\\x00-\\x{a0}\\x{2000}-\\x{2070}]*") {
        prop_assert!(!inert(&s).chars().any(is_hidden));
    }

    #[test]
    fn csv_cell_round_trips_inert_text(s in "[=+\\-@'\t\r a-z]{0,6}") {
        let cell = csv_cell(&s);
        prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']));
        let expected = inert(&s);
        prop_assert_eq!(csv_cell_read(&cell), expected.as_ref());
    }

    #[test]
    fn markdown_output_has_no_live_markup(s in "[\\x00-\\x7f\\x{202e}]{0,40}") {
        let md = markdown(&s);
        prop_assert!(!md.chars().any(is_hidden));
        prop_assert!(!md.contains('<') && !md.contains('>'));
        // Every markup character is preceded by an odd run of backslashes (escaped).
        let chars: Vec<char> = md.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if "|[]`*_".contains(*c) {
                let run = chars[..i].iter().rev().take_while(|&&b| b == '\\').count();
                prop_assert!(run % 2 == 1, "unescaped {c:?} in {md:?}");
            }
        }
    }
}

#[test]
fn inert_lines_keeps_line_breaks_only() {
    assert_eq!(inert_lines("a\nb\n"), "a\nb\n");
    assert_eq!(inert_lines("a\u{1b}[2K\r\nb"), "a\\u{1b}[2K\\u{d}\nb");
}

#[test]
fn json_escapes_hidden_characters_losslessly() {
    let value = serde_json::json!({"name": "a\u{1b}]0;x\u{7}\u{9b}\u{202e}\u{e0041}\u{7f}"});
    let text = json(serde_json::to_string_pretty(&value).unwrap());
    assert!(!text.chars().any(|c| c != '\n' && is_hidden(c)), "{text}");
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back, value);
}
