//! Calendar dates as days since 1970-01-01 (proleptic Gregorian), without a date-time crate.
//!
//! Parsing is on the hot path of feature building, so it works on bytes and accepts
//! `YYYY-MM-DD`, optionally followed by a time part (`T` or space) that is ignored.

/// Days since 1970-01-01 for a civil date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32; // [0, 399]
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe as i32 - 719_468
}

/// The civil date `(year, month, day)` of a day number.
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let (y, m, d) = civil_from_days_wide(i64::from(z));
    (y as i32, m, d) // |y| < 5.9 million for any i32 day number
}

/// [`civil_from_days`] over `i64` day numbers (Howard Hinnant's `civil_from_days`), so that
/// no stored value (a Parquet date or timestamp) can overflow it.
pub fn civil_from_days_wide(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Number of days in month `m` (1-12) of year `y`.
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Parses `YYYY-MM-DD` (also `YYYY/MM/DD`), with an optional trailing time part after `T` or
/// a space. Returns the day number, or `None` when the text is not a valid date.
pub fn parse_date(s: &str) -> Option<i32> {
    let b = s.trim().as_bytes();
    if b.len() < 10 {
        return None;
    }
    let sep = b[4];
    if !(sep == b'-' || sep == b'/') || b[7] != sep {
        return None;
    }
    if b.len() > 10 && !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let y = digits(&b[0..4])? as i32;
    let m = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Formats a day number as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    let mut s = Vec::with_capacity(10);
    write_date(&mut s, i64::from(days));
    s.into_iter().map(char::from).collect()
}

/// Writes a day number as `YYYY-MM-DD` (years 0-9999; other years unpadded, with their sign).
pub fn write_date(out: &mut Vec<u8>, days: i64) {
    use std::io::Write;
    let (y, m, d) = civil_from_days_wide(days);
    let _ =
        if (0..=9999).contains(&y) { write!(out, "{y:04}-{m:02}-{d:02}") } else { write!(out, "{y}-{m:02}-{d:02}") };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_days_agree_and_format() {
        // The i32 and i64 paths agree everywhere they overlap, including near the i32 limits.
        for z in [-1_000_000, -719_468, -1, 0, 1, 11_017, 2_932_896, i32::MAX - 719_468, i32::MIN + 146_097] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(civil_from_days_wide(i64::from(z)), (i64::from(y), m, d), "{z}");
            if (-5_000..3_000_000).contains(&z) {
                assert_eq!(days_from_civil(y, m, d), z);
            }
        }
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(-719_528), "0000-01-01");
        let mut out = Vec::new();
        write_date(&mut out, -719_529);
        assert_eq!(out, b"-1-12-31");
        out.clear();
        write_date(&mut out, 2_932_897);
        assert_eq!(out, b"10000-01-01");
    }

    #[test]
    fn known_dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2020-02-29 13:45:00"), Some(18_321));
        assert_eq!(parse_date("2020-02-29T00:00:00Z"), Some(18_321));
        assert_eq!(parse_date("2021-02-29"), None);
        assert_eq!(parse_date("2020-13-01"), None);
        assert_eq!(parse_date("20-01-01"), None);
        assert_eq!(parse_date("2020-01-01x"), None);
        assert_eq!(format_date(18_321), "2020-02-29");
    }

    #[test]
    fn round_trip_every_day_for_four_centuries() {
        for z in -150_000..150_000 {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
            if (1000..=9999).contains(&y) {
                assert_eq!(parse_date(&format_date(z)), Some(z));
            }
        }
    }
}
