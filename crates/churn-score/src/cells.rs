//! CSV formula neutralisation (OWASP "CSV injection").
//!
//! Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula (and tab or
//! carriage return can hide such a start), so an account id such as `=HYPERLINK(...)` in the
//! scores CSV that customer-success teams open would be executed. By default every text cell
//! the toolkit writes to CSV that starts with one of those characters is prefixed with `'`
//! (numbers such as `-3.5` or `+1` are left alone); `--raw-csv` keeps values exact. JSON
//! Lines and Parquet outputs are never altered.

use std::borrow::Cow;

use crate::csv_field;

/// Whether a spreadsheet could read `s` as a formula.
pub fn is_formula_like(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => s.trim().parse::<f64>().is_err(),
        _ => false,
    }
}

/// `s` with a leading `'` when it is formula-like (see the module docs).
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if is_formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// One CSV cell of text: neutralised unless `raw`, then quoted when it needs it.
pub fn csv_cell(s: &str, raw: bool) -> Cow<'_, str> {
    if raw || !is_formula_like(s) {
        csv_field(s)
    } else {
        Cow::Owned(csv_field(&neutralise(s)).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_prefixed_and_numbers_kept() {
        for (v, want) in [
            ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("-2+3", "'-2+3"),
            ("\tx", "'\tx"),
            ("\r=1", "\"'\r=1\""),
            ("-3.5", "-3.5"),
            ("+1", "+1"),
            ("acct-1", "acct-1"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(v, false), want, "{v:?}");
        }
        assert_eq!(csv_cell("=1+1", true), "=1+1");
    }
}
