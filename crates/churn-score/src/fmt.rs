//! Number formatting for the output rows, byte-identical to Rust's `Display` but cheaper.

use std::io::Write;

/// Writes `v` as `{}` would: the shortest text that reads back as the same `f64`, in plain
/// decimal notation. Ryu finds the digits; values it would print in scientific notation
/// (very small or very large) take the standard formatter.
#[inline]
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_finite() {
        let mut buf = ryu::Buffer::new();
        let s = buf.format_finite(v).as_bytes();
        if !s.contains(&b'e') {
            // Ryu writes integral values as `1.0`; `Display` writes `1`.
            out.extend_from_slice(s.strip_suffix(b".0").unwrap_or(s));
            return;
        }
    }
    let _ = write!(out, "{v}");
}

/// Writes `v`, a multiple of 0.1 (as rounded by `(x * 10).round() / 10`), as `{:.1}` would.
#[inline]
pub(crate) fn write_tenths(out: &mut Vec<u8>, v: f64) {
    let t = (v * 10.0).round();
    if !(0.0..1e15).contains(&t) || (t == 0.0 && v.is_sign_negative()) {
        let _ = write!(out, "{v:.1}");
        return;
    }
    let t = t as u64;
    churn_core::output::push_uint(out, t / 10);
    out.push(b'.');
    out.push(b'0' + (t % 10) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64) -> String {
        let mut b = Vec::new();
        write_f64(&mut b, v);
        String::from_utf8(b).unwrap()
    }

    fn t(v: f64) -> String {
        let mut b = Vec::new();
        write_tenths(&mut b, v);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn floats_match_display() {
        let mut r = churn_core::rng::Rng::new(5);
        let mut values = vec![0.0, -0.0, 1.0, 0.5, 1e-7, 3e-6, 0.1, 0.2 + 0.1, 1e16, 123456.0, f64::NAN, f64::INFINITY];
        values.extend((0..20_000).map(|_| r.next_f64()));
        values.extend((0..2_000).map(|_| r.next_f64() * 1e-4));
        for v in values {
            assert_eq!(f(v), format!("{v}"), "{v:e}");
        }
    }

    #[test]
    fn tenths_match_display() {
        let mut r = churn_core::rng::Rng::new(6);
        for _ in 0..20_000 {
            let h = (100.0 * (1.0 - r.next_f64()) * 10.0).round() / 10.0;
            assert_eq!(t(h), format!("{h:.1}"), "{h}");
        }
        for v in [0.0, -0.0, 100.0, 99.9, 0.1, 50.0, -3.2, 1e20, f64::NAN] {
            assert_eq!(t(v), format!("{v:.1}"), "{v}");
        }
    }
}
