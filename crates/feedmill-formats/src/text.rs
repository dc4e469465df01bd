//! Text clean-up for offer fields: HTML stripped, entities decoded, white space collapsed,
//! category paths joined with `" > "`.

use std::borrow::Cow;

/// Strips HTML tags, decodes entities and collapses white space: what a description or title
/// becomes. Returns `None` when nothing (or only a placeholder such as `n/a`) is left.
pub fn clean_text(raw: &str) -> Option<String> {
    let without_tags: Cow<str> = if raw.contains('<') {
        Cow::Owned(strip_tags(raw))
    } else {
        Cow::Borrowed(raw)
    };
    let decoded: Cow<str> = match html_escape::decode_html_entities(&without_tags) {
        Cow::Borrowed(_) => without_tags,
        Cow::Owned(decoded) => Cow::Owned(decoded),
    };
    let collapsed = collapse_whitespace(&decoded);
    (!collapsed.is_empty() && !is_placeholder(&collapsed)).then_some(collapsed)
}

/// Values that mean "nothing here" (`n/a`, `null`, `-`).
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || [
            "n/a",
            "na",
            "null",
            "none",
            "nil",
            "-",
            "--",
            "undefined",
            "#n/a",
        ]
        .iter()
        .any(|p| v.eq_ignore_ascii_case(p))
}

/// Collapses every run of white space (incl. no-break space) to one space and trims.
pub fn collapse_whitespace(text: &str) -> String {
    let trimmed = text.trim();
    if !needs_collapsing(trimmed) {
        return trimmed.to_string();
    }
    let mut out = String::with_capacity(trimmed.len());
    for word in trimmed.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// True unless every white space is a lone ASCII space: the common case, answered on bytes.
/// The lead bytes of the multi-byte spaces (U+00A0, U+1680, U+2000–U+205F, U+3000) are
/// checked by decoding their character, so dashes and quotes (`–`, `”`) stay on the fast path.
fn needs_collapsing(text: &str) -> bool {
    let mut previous_space = false;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        match b {
            b' ' if previous_space => return true,
            b' ' => previous_space = true,
            b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => return true,
            // Lead bytes are character boundaries, so `get` finds the character they start.
            0xC2 | 0xE1 | 0xE2 | 0xE3 => {
                let starts_space = text
                    .get(i..)
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(char::is_whitespace);
                if starts_space {
                    return true;
                }
                previous_space = false;
            }
            _ => previous_space = false,
        }
    }
    false
}

/// Removes `<tag …>` spans; block tags (`<br>`, `<p>`, `<li>` …) leave a space so words don't
/// run together. A `<` that opens no tag (`a < b`) is kept.
fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let opens_tag =
            after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>') {
            Some(close) if opens_tag => {
                out.push(' ');
                rest = &after[close + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Joins a category path with `" > "`, whatever the feed used between levels (`>`, `|`, `/` or
/// ` - ` with spaces around). Repeated and empty levels are dropped.
pub fn category_path(raw: &str) -> Option<String> {
    let cleaned = clean_text(raw)?;
    if is_joined_path(&cleaned) {
        return Some(cleaned);
    }
    let levels: Vec<&str> = split_levels(&cleaned)
        .into_iter()
        .map(str::trim)
        .filter(|level| !level.is_empty())
        .collect();
    (!levels.is_empty()).then(|| levels.join(" > "))
}

/// True when `path` (cleaned: trimmed, no runs of spaces) is already `A > B > C`: every `>`
/// stands between single spaces, with a level on both sides. Most feeds write their paths so.
fn is_joined_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut separators = bytes.iter().enumerate().filter(|(_, b)| **b == b'>');
    let mut any = false;
    let well_placed = separators.all(|(i, _)| {
        any = true;
        i >= 2
            && i + 2 < bytes.len()
            && bytes[i - 1] == b' '
            && bytes[i + 1] == b' '
            && bytes[i - 2] != b'>'
    });
    any && well_placed
}

fn split_levels(path: &str) -> Vec<&str> {
    for separator in [">", "|", " / ", " - "] {
        if path.contains(separator) {
            return path.split(separator).collect();
        }
    }
    vec![path]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_html_and_decodes_entities() {
        assert_eq!(
            clean_text("<p>New&nbsp;design.</p><ul><li>Grön</li><li>R&amp;D</li></ul>"),
            Some("New design. Grön R&D".to_string())
        );
        assert_eq!(
            clean_text("a < b and c > d"),
            Some("a < b and c > d".to_string())
        );
    }

    #[test]
    fn collapses_whitespace_and_drops_placeholders() {
        assert_eq!(
            clean_text("  Härlig\n\nZip   Hood \t"),
            Some("Härlig Zip Hood".to_string())
        );
        assert_eq!(clean_text("n/a"), None);
        assert_eq!(clean_text("   "), None);
    }

    #[test]
    fn collapses_every_kind_of_white_space() {
        assert_eq!(collapse_whitespace("a b c"), "a b c");
        assert_eq!(collapse_whitespace(" a  b\tc\n"), "a b c");
        assert_eq!(
            collapse_whitespace("a\u{a0}\u{a0}b\u{2009}c\u{3000}d"),
            "a b c d"
        );
        assert_eq!(collapse_whitespace("Grön ärm – ok"), "Grön ärm – ok");
        assert_eq!(collapse_whitespace("a –\u{a0} b"), "a – b");
        assert_eq!(
            collapse_whitespace("„Zitat“ — ok\u{2003}x"),
            "„Zitat“ — ok x"
        );
        assert_eq!(collapse_whitespace("a\u{1680}b\u{205f}c"), "a b c");
    }

    #[test]
    fn joins_category_paths() {
        let cases = [
            (
                "Electronics > Accessories > Laptop Cases",
                "Electronics > Accessories > Laptop Cases",
            ),
            ("Tröjor  -  Zip Hoods", "Tröjor > Zip Hoods"),
            ("Home|Kitchen||Knives", "Home > Kitchen > Knives"),
            ("Shoes / Running", "Shoes > Running"),
            ("T-shirts", "T-shirts"),
            ("A > > B", "A > B"),
            ("> A > B >", "A > B"),
            ("A>B", "A > B"),
            ("Sport & Fritid > Løb", "Sport & Fritid > Løb"),
            (
                "antivirus- &amp; beveiligingssoftware",
                "antivirus- & beveiligingssoftware",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(category_path(raw).as_deref(), Some(want), "{raw:?}");
        }
    }
}
