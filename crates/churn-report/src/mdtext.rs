//! Escaping untrusted text (column names, category values, model names, file names) for
//! `report.md`.
//!
//! Markdown passes raw HTML through, and links and images run or load whatever they name; a
//! column called `<img src=https://tracker/x>` or a category `[click](javascript:alert(1))`
//! must show as text. [`md_text`] turns `&`, `<` and `>` into entities, backslash-escapes
//! the characters that start links, images, code spans and table cells (`[`, `]`, `` ` ``,
//! `|`, `\`), and makes line breaks and other control characters visible as escapes, so one
//! value stays on one line (one table row, one heading).

/// `s` as inert Markdown text (see the module docs).
pub fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '[' | ']' | '`' | '|' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_links_and_newlines_are_inert() {
        assert_eq!(md_text("monthly_fee"), "monthly_fee");
        assert_eq!(md_text("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(md_text("[x](javascript:alert(1))"), "\\[x\\](javascript:alert(1))");
        assert_eq!(md_text("![t](https://evil/p.png)"), "!\\[t\\](https://evil/p.png)");
        assert_eq!(md_text("a|b\n# h"), "a\\|b\\n# h");
        assert_eq!(md_text("`x` & \\"), "\\`x\\` &amp; \\\\");
    }
}
