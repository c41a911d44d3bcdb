//! Short, escaped excerpts of untrusted text for error messages.
//!
//! A value from a data or model file can be a megabyte long or carry terminal escape
//! sequences; echoed whole into an error it floods logs (or rewrites the terminal). Every
//! message that quotes such a value quotes [`excerpt`] of it instead.

/// Characters of a value an error message shows at most.
pub const EXCERPT_CHARS: usize = 80;

/// `s` with control characters (including ESC, CR, LF, tab and Unicode bidi controls)
/// escaped as `\u{..}`/`\n`-style sequences, cut after [`EXCERPT_CHARS`] characters with a
/// note of the full length.
pub fn excerpt(s: &str) -> String {
    let mut out = String::new();
    for (shown, c) in s.chars().enumerate() {
        if shown == EXCERPT_CHARS {
            out.push_str(&format!("… ({} bytes in all)", s.len()));
            return out;
        }
        if c.is_control() || is_format_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// ` (out of range)` when `value` was expected to be a number and is one, but too large for
/// a 64-bit float (`1e999`); else empty. Appended to "cannot read ... as a number" messages.
pub fn range_note(expected: &str, value: &str) -> &'static str {
    let t = value.trim();
    if expected == "a number"
        && t.parse::<f64>().is_ok_and(|v| v.is_infinite())
        && !t.to_ascii_lowercase().contains("inf")
    {
        " (out of range)"
    } else {
        ""
    }
}

/// Unicode format characters that reorder or hide text (bidi overrides, zero-width).
fn is_format_control(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_truncates_long_values() {
        assert_eq!(excerpt("plain"), "plain");
        assert_eq!(excerpt("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\n");
        assert_eq!(excerpt("x\u{202E}y"), "x\\u{202e}y");
        let long = "é".repeat(1_000_000);
        let e = excerpt(&long);
        assert_eq!(e, format!("{}… (2000000 bytes in all)", "é".repeat(EXCERPT_CHARS)));
        assert_eq!(excerpt(&"z".repeat(EXCERPT_CHARS)), "z".repeat(EXCERPT_CHARS));
        assert_eq!(range_note("a number", "1e999"), " (out of range)");
        assert_eq!(range_note("a number", "-1E400 "), " (out of range)");
        assert_eq!(range_note("a number", "inf"), "");
        assert_eq!(range_note("a number", "abc"), "");
        assert_eq!(range_note("a date (YYYY-MM-DD)", "1e999"), "");
    }
}
