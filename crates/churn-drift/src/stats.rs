//! Sample-size-aware critical values and distances computed against a stored profile.
//!
//! The training side of every comparison is a [`NumericProfile`] (bins and a 101-point
//! quantile sketch with its exact CDF), not the raw training values, so the KS and Wasserstein
//! distances here are computed on that sketch; they agree with the raw-sample versions to about
//! one percentile (checked in the tests).

use churn_core::rng::Rng;
use churn_eval::{chi2_sf, kolmogorov_sf, KsTest};
use churn_model::profile::NumericProfile;

/// The `1 − q` quantile of the chi-square distribution with `dof` degrees of freedom, i.e. the
/// `x` with `chi2_sf(x, dof) = q` (bisection; relative accuracy ~1e-10).
pub fn chi2_isf(q: f64, dof: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, dof.max(1.0));
    while chi2_sf(hi, dof) > q {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if chi2_sf(mid, dof) > q {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Null distribution of PSI between two independent samples of sizes `n` and `m` from one
/// distribution over bins of which `dof + 1` are populated: approximately
/// `(1/n + 1/m) · χ²(dof)` (PSI is the symmetrised KL divergence, `Σ (a−e)²/e` to second
/// order, and Pearson's statistic of the two-sample table is `Σ (a−e)²/e / (1/n + 1/m)`).
///
/// With few rows per bin PSI has a heavier tail than this limit (a nearly empty bin costs
/// `ln` of a small ratio), so [`PsiNull::fitted`] also simulates the statistic under
/// multinomial sampling from the reference fractions and fits a scaled chi-square by moments;
/// p-values and critical values are the larger of the two (conservative).
#[derive(Debug, Clone, Copy)]
pub struct PsiNull {
    /// `1/n + 1/m`.
    pub scale: f64,
    /// Degrees of freedom (at least 1).
    pub dof: f64,
    psi_fit: Option<ScaledChi2>,
    js_fit: Option<ScaledChi2>,
}

impl PsiNull {
    /// The asymptotic null of samples of sizes `n`, `m` over `populated` reference bins.
    pub fn new(n: u64, m: u64, populated: usize) -> PsiNull {
        PsiNull {
            scale: 1.0 / n.max(1) as f64 + 1.0 / m.max(1) as f64,
            dof: populated.saturating_sub(1).max(1) as f64,
            psi_fit: None,
            js_fit: None,
        }
    }

    /// The asymptotic null plus a moment fit to [`NULL_REPLICATES`] simulated pairs of
    /// samples (sizes `n` = the reference total and `m`) drawn from the reference fractions;
    /// `seed` makes it reproducible.
    pub fn fitted(reference: &[u64], m: u64, seed: u64) -> PsiNull {
        let n: u64 = reference.iter().sum();
        let mut null = PsiNull::new(n, m, reference.iter().filter(|&&c| c > 0).count());
        if n == 0 || m == 0 {
            return null;
        }
        let e: Vec<f64> = reference.iter().map(|&c| c as f64 / n as f64).collect();
        let mut rng = Rng::new(seed);
        let (mut r, mut c) = (vec![0u64; e.len()], vec![0u64; e.len()]);
        let (mut psis, mut jss) = (Vec::with_capacity(NULL_REPLICATES), Vec::with_capacity(NULL_REPLICATES));
        for _ in 0..NULL_REPLICATES {
            multinomial(&mut rng, n, &e, &mut r);
            multinomial(&mut rng, m, &e, &mut c);
            psis.push(churn_eval::psi_from_counts(&r, &c).unwrap_or(0.0));
            let (rf, cf): (Vec<f64>, Vec<f64>) = r.iter().zip(&c).map(|(&a, &b)| (a as f64, b as f64)).unzip();
            let js = churn_eval::js_distance(&rf, &cf).unwrap_or(0.0);
            jss.push(8.0 * std::f64::consts::LN_2 * js * js);
        }
        null.psi_fit = ScaledChi2::fit(&psis);
        null.js_fit = ScaledChi2::fit(&jss);
        null
    }

    fn sf(&self, fit: Option<ScaledChi2>, stat: f64) -> f64 {
        let asym = chi2_sf(stat / self.scale, self.dof);
        fit.map_or(asym, |f| asym.max(chi2_sf(stat / f.a, f.nu)))
    }

    fn isf(&self, fit: Option<ScaledChi2>, alpha: f64) -> f64 {
        let asym = self.scale * chi2_isf(alpha, self.dof);
        fit.map_or(asym, |f| asym.max(f.a * chi2_isf(alpha, f.nu)))
    }

    /// `P(PSI >= psi)` under no drift.
    pub fn p_value(&self, psi: f64) -> f64 {
        self.sf(self.psi_fit, psi)
    }
    /// The PSI exceeded with probability `alpha` under no drift.
    pub fn critical(&self, alpha: f64) -> f64 {
        self.isf(self.psi_fit, alpha)
    }
    /// `P(JS >= js)` under no drift, for a Jensen-Shannon distance (base 2) over the same bins:
    /// the JS divergence in nats is `Σ (a−e)²/(a+e)/4 ≈ PSI / 8` to second order, so
    /// `8 ln 2 · JS²` has the same limit as PSI.
    pub fn js_p_value(&self, js: f64) -> f64 {
        self.sf(self.js_fit, 8.0 * std::f64::consts::LN_2 * js * js)
    }
    /// The JS distance exceeded with probability `alpha` under no drift.
    pub fn js_critical(&self, alpha: f64) -> f64 {
        (self.isf(self.js_fit, alpha) / (8.0 * std::f64::consts::LN_2)).sqrt()
    }
}

/// Binomial draw: inversion when the smaller tail mean is below 30, otherwise a rounded normal
/// approximation (only the moments of the simulated statistics are used, see [`PsiNull::fitted`]).
fn binomial(rng: &mut Rng, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial(rng, n, 1.0 - p);
    }
    let nf = n as f64;
    if nf * p < 30.0 {
        let q = 1.0 - p;
        let r = p / q;
        let mut f = q.powf(nf);
        let mut u = rng.next_f64();
        let mut x = 0u64;
        while u > f && x < n {
            u -= f;
            x += 1;
            f *= r * (nf - x as f64 + 1.0) / x as f64;
        }
        x
    } else {
        (nf * p + (nf * p * (1.0 - p)).sqrt() * rng.normal()).round().clamp(0.0, nf) as u64
    }
}

fn multinomial(rng: &mut Rng, n: u64, fractions: &[f64], out: &mut [u64]) {
    let (mut rest_n, mut rest_p) = (n, 1.0f64);
    for (i, &f) in fractions.iter().enumerate() {
        let x = if i + 1 == fractions.len() || rest_p <= 0.0 {
            rest_n
        } else {
            binomial(rng, rest_n, (f / rest_p).min(1.0))
        };
        out[i] = x;
        rest_n -= x;
        rest_p -= f;
    }
}

/// Replicates of the simulated null used by [`PsiNull::fitted`].
pub const NULL_REPLICATES: usize = 2000;

/// A scaled chi-square `a · χ²(ν)` fitted to simulated null statistics by their mean and
/// variance (Satterthwaite).
#[derive(Debug, Clone, Copy)]
struct ScaledChi2 {
    a: f64,
    nu: f64,
}

impl ScaledChi2 {
    fn fit(samples: &[f64]) -> Option<ScaledChi2> {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean > 0.0 && var > 0.0).then(|| ScaledChi2 { a: var / (2.0 * mean), nu: 2.0 * mean * mean / var })
    }
}

/// Fraction of `sorted` values `<= x`.
fn ecdf(sorted: &[f64], x: f64) -> f64 {
    sorted.partition_point(|&v| v <= x) as f64 / sorted.len() as f64
}

/// Two-sample KS test of the current values `sorted` (sorted, non-empty) against the profile's
/// sketch: `D = max` over the sketch points of `|F_ref − F_cur|` (and below the training
/// minimum), a lower bound of the raw-sample statistic within one percentile step; the p-value
/// is `churn_eval::ks_2samp`'s, with the profile's count as the reference size.
pub fn ks_against(reference: &NumericProfile, sorted: &[f64]) -> Option<KsTest> {
    if reference.quantiles.is_empty() || sorted.is_empty() {
        return None;
    }
    let below_min = sorted.partition_point(|&v| v < reference.quantiles[0]) as f64 / sorted.len() as f64;
    let d = reference
        .quantiles
        .iter()
        .zip(&reference.cdf)
        .map(|(&q, &f)| (f - ecdf(sorted, q)).abs())
        .fold(below_min, f64::max);
    let (n, m) = (reference.count as f64, sorted.len() as f64);
    let en = (n * m / (n + m)).sqrt();
    Some(KsTest { statistic: d, p_value: kolmogorov_sf((en + 0.12 + 0.11 / en) * d) })
}

/// The percentiles of `sorted` (non-empty) by the profile's rule.
pub fn percentiles(sorted: &[f64]) -> Vec<f64> {
    let n = sorted.len();
    let k = churn_model::profile::SKETCH_POINTS;
    (0..k).map(|i| sorted[((i as f64 / (k - 1) as f64 * (n - 1) as f64).floor() as usize).min(n - 1)]).collect()
}

/// A normalised Wasserstein distance with its sample-size-aware null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wasserstein {
    /// `W1 / s_ref`: the earth mover's distance between the central 98% of the two
    /// distributions, in robust training standard deviations (see [`robust_scale`]).
    pub value: f64,
    /// Upper bound of `P(value >= observed)` under no drift.
    pub p_value: f64,
    /// The value exceeded with probability at most `alpha` under no drift.
    pub critical: f64,
}

/// Percentile steps left out at each end of the grid: the 0-1% and 99-100% slices, where a
/// single extreme value (one `MonthlyCharges=10000` among 1,409 rows) would otherwise move
/// the distance by `(max − max_ref) / 100`, far more than a real shift of the bulk.
pub const TRIM_STEPS: usize = 1;

/// The scale distances are measured in: the interquartile range of the profile over 1.349
/// (the standard deviation for normal data, but moved by no single value), else the standard
/// deviation (a column with more than half its values equal), else 1.
pub fn robust_scale(reference: &NumericProfile) -> f64 {
    let q = &reference.quantiles;
    if q.len() > 75 {
        let iqr = q[75] - q[25];
        if iqr > 0.0 {
            return iqr / 1.349;
        }
    }
    if reference.std > 0.0 {
        reference.std
    } else {
        1.0
    }
}

/// `W1(ref, cur) / s_ref` over the central percentiles (trapezoid rule over the percentile
/// grid without the [`TRIM_STEPS`] outer steps; `s_ref` = [`robust_scale`]), with a
/// conservative null: under no drift `√N · W1 → ∫ |B(F(x))| dx` for a Brownian
/// bridge `B` and `N = nm/(n+m)`, whose mean is `√(2/π) ∫ √(F(1−F)) dx` and whose upper tail
/// is bounded by the Borell-TIS inequality, `P(Z > E Z + t) <= exp(−t²/(2σ²))` (the largest
/// variance of a linear functional `∫ g B(F)`, `|g| <= 1`, is `Var X = σ²`). A constant
/// training column uses σ = 1.
pub fn wasserstein_against(reference: &NumericProfile, sorted: &[f64], alpha: f64) -> Option<Wasserstein> {
    if reference.quantiles.is_empty() || sorted.is_empty() {
        return None;
    }
    let cur = percentiles(sorted);
    let r = &reference.quantiles;
    let steps = r.len() - 1;
    let trim = if steps > 2 * TRIM_STEPS + 1 { TRIM_STEPS } else { 0 };
    let kept = trim..steps - trim;
    let diff = |i: usize| (r[i] - cur[i]).abs();
    let w1: f64 = kept.clone().map(|i| 0.5 * (diff(i) + diff(i + 1))).sum::<f64>() / steps as f64;
    let sigma = robust_scale(reference);
    let spread: f64 =
        kept.map(|i| (r[i + 1] - r[i]) * (reference.cdf[i] * (1.0 - reference.cdf[i])).max(0.0).sqrt()).sum();
    let mean_z = (2.0 / std::f64::consts::PI).sqrt() * spread / sigma;
    let (n, m) = (reference.count as f64, sorted.len() as f64);
    let root_n = (n * m / (n + m)).sqrt();
    let value = w1 / sigma;
    let z = root_n * value;
    let p_value = if z > mean_z { (-(z - mean_z).powi(2) / 2.0).exp().min(1.0) } else { 1.0 };
    let critical = (mean_z + (2.0 * (1.0 / alpha).ln()).sqrt()) / root_n;
    Some(Wasserstein { value, p_value, critical })
}

/// Two-sided p-value of a two-proportion z-test (`k1` of `n1` against `k2` of `n2`); 1 when
/// the pooled proportion is 0 or 1.
pub fn two_proportion_p(k1: u64, n1: u64, k2: u64, n2: u64) -> f64 {
    if n1 == 0 || n2 == 0 {
        return 1.0;
    }
    let (p1, p2) = (k1 as f64 / n1 as f64, k2 as f64 / n2 as f64);
    let pool = (k1 + k2) as f64 / (n1 + n2) as f64;
    let se = (pool * (1.0 - pool) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        return 1.0;
    }
    2.0 * churn_eval::normal_sf(((p1 - p2) / se).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binomial_draws_have_binomial_moments() {
        let mut rng = Rng::new(4);
        for (n, p) in [(100u64, 0.1), (100, 0.93), (5000, 0.2), (7, 0.5)] {
            let xs: Vec<f64> = (0..20_000).map(|_| binomial(&mut rng, n, p) as f64).collect();
            let mean = xs.iter().sum::<f64>() / xs.len() as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
            let (m0, v0) = (n as f64 * p, n as f64 * p * (1.0 - p));
            assert!((mean - m0).abs() < 4.0 * (v0 / 20_000.0).sqrt(), "n {n} p {p}: mean {mean}");
            assert!((var / v0 - 1.0).abs() < 0.05, "n {n} p {p}: var {var} vs {v0}");
        }
    }

    #[test]
    fn chi2_isf_inverts_chi2_sf() {
        for dof in [1.0, 2.0, 9.0, 30.0] {
            for q in [0.5, 0.05, 1e-3, 1e-6] {
                let x = chi2_isf(q, dof);
                assert!((chi2_sf(x, dof) / q - 1.0).abs() < 1e-8, "dof {dof} q {q}: x {x}");
            }
        }
        // scipy.stats.chi2.isf(0.001, 9) = 27.877164871561
        assert!((chi2_isf(0.001, 9.0) - 27.877_164_871_561).abs() < 1e-6);
    }

    #[test]
    fn sketch_distances_match_raw_sample_versions() {
        let mut rng = Rng::new(11);
        for trial in 0..20 {
            let shift = trial as f64 * 0.05;
            let mut a: Vec<f64> = (0..3000).map(|_| rng.normal()).collect();
            let mut b: Vec<f64> = (0..700).map(|_| (rng.normal() + shift).round()).collect();
            if trial % 2 == 0 {
                a.iter_mut().for_each(|x| *x = x.round());
            }
            let exact_ks = churn_eval::ks_2samp(&a, &b).unwrap();
            let exact_w = churn_eval::wasserstein_distance(&a, &b).unwrap();
            let reference = NumericProfile::from_values(&mut a);
            b.sort_by(f64::total_cmp);
            let ks = ks_against(&reference, &b).unwrap();
            assert!(
                ks.statistic <= exact_ks.statistic + 1e-12 && ks.statistic >= exact_ks.statistic - 0.011,
                "trial {trial}: {} vs {}",
                ks.statistic,
                exact_ks.statistic
            );
            let w = wasserstein_against(&reference, &b, 0.01).unwrap();
            let w_exact = exact_w / robust_scale(&reference);
            assert!((w.value - w_exact).abs() < 0.03 + 0.05 * w_exact, "trial {trial}: {} vs {w_exact}", w.value);
        }
    }

    #[test]
    fn one_extreme_value_does_not_make_drift() {
        // 1,409 values like the training ones but one 10000: the bulk did not move.
        let mut rng = Rng::new(5);
        let mut a: Vec<f64> = (0..5634).map(|_| 65.0 + 30.0 * rng.normal()).collect();
        let mut b: Vec<f64> = (0..1409).map(|_| 65.0 + 30.0 * rng.normal()).collect();
        let reference = NumericProfile::from_values(&mut a);
        b.sort_by(f64::total_cmp);
        let clean = wasserstein_against(&reference, &b, 0.01).unwrap();
        *b.last_mut().unwrap() = 10_000.0;
        let outlier = wasserstein_against(&reference, &b, 0.01).unwrap();
        assert_eq!(outlier.value, clean.value, "the 100th percentile is trimmed");
        assert!(outlier.value < 0.1, "{}", outlier.value);
        // Untrimmed over σ (the former statistic), the same row is a distance of about
        // (10000 − max) / 100 / σ ≈ 3.3 training standard deviations.
        let r = &reference.quantiles;
        let top = (10_000.0 - r[100]).abs() / 2.0 / 100.0 / reference.std;
        assert!(top > 1.0, "{top}");
        // A real shift of half a (robust) standard deviation is still seen.
        let shifted: Vec<f64> = b.iter().map(|x| x + 15.0).collect();
        let w = wasserstein_against(&reference, &shifted, 0.01).unwrap();
        assert!((w.value - 0.49).abs() < 0.06, "{}", w.value);
    }
}
