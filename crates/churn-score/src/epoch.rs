//! `SOURCE_DATE_EPOCH`: the reproducible-builds convention for a fixed "now".

/// Latest accepted epoch: 9999-12-31T23:59:59Z.
pub const MAX_EPOCH: i64 = 253_402_300_799;

/// `SOURCE_DATE_EPOCH` parsed, `Ok(None)` when unset or empty, or an error naming the
/// (escaped, truncated) value when it is not an integer number of seconds in 0..=9999-12-31.
pub fn source_date_epoch() -> Result<Option<i64>, String> {
    match std::env::var_os("SOURCE_DATE_EPOCH") {
        None => Ok(None),
        Some(v) => parse_epoch(&v.to_string_lossy()),
    }
}

/// [`source_date_epoch`] of a given text.
pub fn parse_epoch(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<i64>() {
        Ok(v) if (0..=MAX_EPOCH).contains(&v) => Ok(Some(v)),
        _ => Err(format!(
            "SOURCE_DATE_EPOCH='{}' is not a number of seconds since 1970-01-01 (an integer from 0 to {MAX_EPOCH})",
            churn_core::excerpt(text)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_in_range_only() {
        assert_eq!(parse_epoch("1700000000"), Ok(Some(1_700_000_000)));
        assert_eq!(parse_epoch(" 0 "), Ok(Some(0)));
        assert_eq!(parse_epoch(""), Ok(None));
        for bad in ["abc", "1.5", "-1", "1e9", "253402300800", "99999999999999999999"] {
            assert!(parse_epoch(bad).unwrap_err().contains("SOURCE_DATE_EPOCH"), "{bad}");
        }
    }
}
