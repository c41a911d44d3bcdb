//! Hand-rolled, allocation-free byte formatting for the hot loops.

use churn_core::date::civil_from_days;

pub(crate) use churn_core::output::push_uint;

/// Appends `v` left-padded with zeros to at least `width` digits.
pub(crate) fn push_uint_padded(buf: &mut Vec<u8>, v: u64, width: usize) {
    let mut tmp = Vec::with_capacity(20);
    push_uint(&mut tmp, v);
    for _ in tmp.len()..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(&tmp);
}

/// The two decimal digits of `v` (`0..100`).
#[inline]
fn two_digits(v: u32) -> [u8; 2] {
    [b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]
}

/// `YYYY-MM-DD` for a day number (years 0..=9999).
pub(crate) fn date_bytes(day: i32) -> [u8; 10] {
    let (y, m, d) = civil_from_days(day);
    let y = y.clamp(0, 9999) as u32;
    let ([y1, y2], [y3, y4], [m1, m2], [d1, d2]) =
        (two_digits(y / 100), two_digits(y % 100), two_digits(m), two_digits(d));
    [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2]
}

/// Appends `HH:MM:SS` for a second of the day (`0..86400`).
#[inline]
pub(crate) fn push_hms(buf: &mut Vec<u8>, secs: u32) {
    let ([h1, h2], [m1, m2], [s1, s2]) = (two_digits(secs / 3600), two_digits(secs % 3600 / 60), two_digits(secs % 60));
    buf.extend_from_slice(&[h1, h2, b':', m1, m2, b':', s1, s2]);
}

/// Appends `x` rounded to 4 decimals (`-0.0000` is written as `0.0000`).
pub(crate) fn push_fixed4(buf: &mut Vec<u8>, x: f64) {
    let scaled = (x * 10_000.0).round();
    let scaled = if scaled.is_finite() { scaled as i64 } else { 0 };
    if scaled < 0 {
        buf.push(b'-');
    }
    let a = scaled.unsigned_abs();
    push_uint(buf, a / 10_000);
    buf.push(b'.');
    push_uint_padded(buf, a % 10_000, 4);
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::date::{days_from_civil, format_date};

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn integers_dates_times_and_decimals() {
        assert_eq!(s(|b| push_uint(b, 0)), "0");
        assert_eq!(s(|b| push_uint(b, 1_234_567_890)), "1234567890");
        assert_eq!(s(|b| push_uint(b, u64::MAX)), u64::MAX.to_string());
        assert_eq!(s(|b| push_uint_padded(b, 42, 4)), "0042");
        assert_eq!(s(|b| push_uint_padded(b, 123_456, 4)), "123456");
        for day in [-3650, 0, 20_089, days_from_civil(2025, 12, 31), 2_932_896] {
            assert_eq!(std::str::from_utf8(&date_bytes(day)).unwrap(), format_date(day));
        }
        assert_eq!(s(|b| push_hms(b, 0)), "00:00:00");
        assert_eq!(s(|b| push_hms(b, 86_399)), "23:59:59");
        assert_eq!(s(|b| push_hms(b, 13 * 3600 + 5 * 60 + 7)), "13:05:07");
        assert_eq!(s(|b| push_fixed4(b, 0.0)), "0.0000");
        assert_eq!(s(|b| push_fixed4(b, -0.00001)), "0.0000");
        assert_eq!(s(|b| push_fixed4(b, -0.5)), "-0.5000");
        assert_eq!(s(|b| push_fixed4(b, 1.23456)), "1.2346");
        assert_eq!(s(|b| push_fixed4(b, -12.00004)), "-12.0000");
        for x in [-3.25159, 0.1, 2.5e-3, 17.0, -0.99995] {
            assert_eq!(s(|b| push_fixed4(b, x)), format!("{:.4}", (x * 1e4f64).round() / 1e4));
        }
    }
}
