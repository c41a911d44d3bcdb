//! Elementary functions in plain IEEE-754 arithmetic.
//!
//! The platform's libm may differ in the last bit between systems, and one flipped bit can
//! change a draw and every row after it. These versions use only `+ - * /`, float-to-integer casts and bit
//! manipulation (Rust never fuses them into FMAs), so the simulation gives the same bytes on
//! every platform. They are accurate to ~1e-11 relative, plenty for a simulator.

use churn_core::rng::Rng;

/// `ln 2` split fdlibm-style: `LN2_HI` has trailing zero bits, so `k * LN2_HI` is exact.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const LN2: f64 = std::f64::consts::LN_2;

/// `2^(j/32)` for `j` in `0..32`, computed at compile time from a long Taylor series.
static EXP2_TABLE: [f64; 32] = {
    let mut t = [0.0; 32];
    let mut j = 0;
    while j < 32 {
        let x = j as f64 * LN2 / 32.0;
        let (mut sum, mut term, mut n) = (1.0, 1.0, 1);
        while n < 30 {
            term = term * x / n as f64;
            sum += term;
            n += 1;
        }
        t[j] = sum;
        j += 1;
    }
    t
};

/// `e^x`; 0 below -700, `f64::MAX` above 700.
#[inline]
pub(crate) fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < -700.0 {
        return 0.0;
    }
    if x > 700.0 {
        return f64::MAX;
    }
    // x = (32 m + j) ln2 / 32 + r with |r| <= ln2 / 64; round to nearest by truncation
    // (`f64::round` is a libm call on baseline x86-64).
    let t = x * (32.0 * std::f64::consts::LOG2_E);
    let k = (if t >= 0.0 { t + 0.5 } else { t - 0.5 }) as i64;
    let kf = k as f64;
    let r = (x - kf * (LN2_HI / 32.0)) - kf * (LN2_LO / 32.0);
    // Degree-5 Taylor polynomial: truncation error < 3e-15 on the reduced range.
    let r2 = r * r;
    let p = 1.0 + r + r2 * (0.5 + r * (1.0 / 6.0)) + r2 * r2 * (1.0 / 24.0 + r * (1.0 / 120.0));
    let (m, j) = (k >> 5, (k & 31) as usize);
    p * EXP2_TABLE[j] * f64::from_bits(((m + 1023) as u64) << 52)
}

/// Natural logarithm of a positive, finite, normal `x` (NaN otherwise).
pub(crate) fn ln(x: f64) -> f64 {
    if !(x.is_finite() && x >= f64::MIN_POSITIVE) {
        return f64::NAN;
    }
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52)); // [1, 2)
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut p = 1.0 / 19.0;
    for d in [17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0, 1.0] {
        p = p * s2 + 1.0 / d;
    }
    e as f64 * LN2 + 2.0 * s * p
}

/// `x^y` for positive `x`.
pub(crate) fn powf(x: f64, y: f64) -> f64 {
    exp(y * ln(x))
}

/// An approximately standard normal draw from one random word: the sum of four 16-bit
/// uniforms (Irwin-Hall), scaled to unit variance; bounded by +-3.46.
#[inline]
pub(crate) fn normal(rng: &mut Rng) -> f64 {
    let r = rng.next_u64();
    let sum = (r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48);
    // mean of each 16-bit uniform (k + 0.5) / 65536 is 0.5; sd of the sum is sqrt(4/12).
    ((sum as f64 + 2.0) / 65_536.0 - 2.0) * 1.732_050_807_568_877_2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_ln_pow_match_std() {
        let mut rng = Rng::new(3);
        for _ in 0..100_000 {
            let x = (rng.next_f64() - 0.5) * 1380.0;
            let (a, b) = (exp(x), x.exp());
            assert!(((a - b) / b).abs() < 1e-12, "exp({x}) = {a} vs {b}");
            let y = exp((rng.next_f64() - 0.5) * 1400.0);
            let (a, b) = (ln(y), y.ln());
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "ln({y}) = {a} vs {b}");
        }
        for x in [-1e-300, 1e-300, 0.0, 1.0, 2.0, 0.5, std::f64::consts::E] {
            assert!((exp(x) - x.exp()).abs() <= 1e-14 * x.exp().max(1.0), "{x}");
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(ln(0.0).is_nan() && ln(-1.0).is_nan() && ln(f64::INFINITY).is_nan());
        assert_eq!(exp(-800.0), 0.0);
        assert!((powf(50.0, 0.7) - 50f64.powf(0.7)).abs() < 1e-11);
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut rng = Rng::new(9);
        let n = 400_000;
        let (mut s, mut s2, mut s4) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let z = normal(&mut rng);
            assert!(z.abs() < 3.47);
            s += z;
            s2 += z * z;
            s4 += z * z * z * z;
        }
        let n = n as f64;
        assert!((s / n).abs() < 0.01);
        assert!((s2 / n - 1.0).abs() < 0.01);
        // Irwin-Hall(4) kurtosis is 3 - 6/20 = 2.7 (a normal's is 3).
        assert!((s4 / n - 2.7).abs() < 0.05, "{}", s4 / n);
    }
}
