//! Small text helpers every crate shares, so that users see one behaviour: "did you mean"
//! suggestions in errors and CSV field quoting in outputs.

use std::borrow::Cow;

/// The candidate closest to `value` (case-insensitive) when it is plausibly a misspelling:
/// within two edits (and not a complete rewrite), or a Jaro-Winkler similarity of at least 0.8.
/// Fewest edits win, then similarity, then the first candidate.
pub fn closest_name<'a>(value: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let v = value.to_lowercase();
    let mut best: Option<(usize, f64, &str)> = None;
    for c in candidates {
        let lc = c.to_lowercase();
        let lev = strsim::levenshtein(&v, &lc);
        let jw = strsim::jaro_winkler(&v, &lc);
        if !(lev <= 2 && lev < lc.chars().count().max(v.chars().count()) || jw >= 0.8) {
            continue;
        }
        if best.is_none_or(|(bl, bj, _)| lev < bl || (lev == bl && jw > bj)) {
            best = Some((lev, jw, c));
        }
    }
    best.map(|(_, _, c)| c.to_string())
}

/// The suffix every error uses for a suggestion: `` (did you mean `name`?)``, or nothing.
pub fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
}

/// A CSV field as RFC 4180 writes it: quoted (inner quotes doubled) when it holds a comma, a
/// quote, a line feed or a carriage return; borrowed unchanged otherwise.
pub fn csv_field(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_misspellings_only() {
        let cols = ["customerID", "Churn", "MonthlyCharges", "TotalCharges"];
        assert_eq!(closest_name("Churm", cols).as_deref(), Some("Churn"));
        assert_eq!(closest_name("monthlycharges", cols).as_deref(), Some("MonthlyCharges"));
        assert_eq!(closest_name("zzz", cols), None);
        // Two edits on a short name: Jaro-Winkler alone (0.73) would miss it.
        assert_eq!(closest_name("dya", ["day", "week"]).as_deref(), Some("day"));
        // Fewest edits win over the first match.
        assert_eq!(closest_name("logins", ["login", "logins_7d", "logins"]).as_deref(), Some("logins"));
        // A one-letter name is not "two edits away" from every other one-letter name.
        assert_eq!(closest_name("a", ["b"]), None);
        assert_eq!(did_you_mean(Some("Churn")), " (did you mean `Churn`?)");
        assert_eq!(did_you_mean(None), "");
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert!(matches!(csv_field("plain"), Cow::Borrowed(_)));
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("cr\r"), "\"cr\r\"");
        assert_eq!(csv_field(""), "");
    }
}
