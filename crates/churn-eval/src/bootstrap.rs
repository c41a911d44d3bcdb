//! Seeded bootstrap: percentile confidence intervals for one model and paired differences
//! between two models scored on the same rows.
//!
//! **Resampling.** By default resampling is *stratified*: each replicate draws, with
//! replacement, as many churned rows from the churned rows and as many retained rows from the
//! retained rows as the data has (the default of R's pROC), so every replicate has both classes
//! and the same base rate. With `stratified: false` rows are drawn from all rows ("plain"
//! bootstrap) and replicates in which a ranking metric is undefined (one class only) are skipped
//! and counted in `n_skipped`.
//!
//! **Determinism.** Replicate `b` draws from `Rng::derive(seed, b)`, and replicates run in
//! parallel with rayon but are collected in order, so results are identical for any number of
//! threads.
//!
//! **Speed.** For the built-in [`Metric`]s the scores are sorted once; a replicate only counts
//! how often each distinct score was drawn per class and re-evaluates from those counts, `O(n)`
//! per replicate with no sorting. The `_fn` variants accept any metric function and materialise
//! each resample instead.

use churn_core::rng::Rng;
use rayon::prelude::*;

use crate::calibration::{brier_term, log_loss_term};
use crate::check;
use crate::error::{EvalError, Result};
use crate::ranking::{ap_from_counts, auc_from_counts, Groups};

/// A metric that the fast bootstrap knows how to re-evaluate from resampling counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// [`crate::roc_auc`].
    RocAuc,
    /// [`crate::pr_auc`] (average precision).
    PrAuc,
    /// [`crate::brier`]; needs probabilities.
    Brier,
    /// [`crate::log_loss`]; needs probabilities.
    LogLoss,
}

impl Metric {
    /// The metric's function name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::RocAuc => "roc_auc",
            Metric::PrAuc => "pr_auc",
            Metric::Brier => "brier",
            Metric::LogLoss => "log_loss",
        }
    }

    /// Evaluate on the full data.
    pub fn compute(self, scores: &[f64], labels: &[bool]) -> Result<f64> {
        match self {
            Metric::RocAuc => crate::roc_auc(scores, labels),
            Metric::PrAuc => crate::pr_auc(scores, labels),
            Metric::Brier => crate::brier(scores, labels),
            Metric::LogLoss => crate::log_loss(scores, labels),
        }
    }

    fn is_ranking(self) -> bool {
        matches!(self, Metric::RocAuc | Metric::PrAuc)
    }
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BootstrapOptions {
    /// Number of replicates (2 to 10 million; 1000-2000 is usual).
    pub n_boot: usize,
    /// Seed of the replicate streams.
    pub seed: u64,
    /// Confidence level of the interval, in `(0, 1)`.
    pub level: f64,
    /// Stratified (per-class) instead of plain resampling, see the module docs.
    pub stratified: bool,
}

impl Default for BootstrapOptions {
    /// 1000 stratified replicates, seed 0, 95% level.
    fn default() -> Self {
        BootstrapOptions { n_boot: 1000, seed: 0, level: 0.95, stratified: true }
    }
}

impl BootstrapOptions {
    fn check(&self) -> Result<()> {
        if !(2..=10_000_000).contains(&self.n_boot) {
            return Err(EvalError::param("n_boot", self.n_boot, "must be between 2 and 10000000"));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(EvalError::param("level", self.level, "must be in (0, 1)"));
        }
        Ok(())
    }
}

/// A bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BootstrapCi {
    /// The metric on the full data.
    pub estimate: f64,
    /// Lower end: the `(1 − level) / 2` quantile of the replicates (numpy's linear quantile).
    pub lo: f64,
    /// Upper end: the `(1 + level) / 2` quantile of the replicates.
    pub hi: f64,
    /// Confidence level.
    pub level: f64,
    /// Replicates that were evaluated.
    pub n_used: usize,
    /// Replicates skipped because the metric was undefined on them (plain resampling only).
    pub n_skipped: usize,
}

/// A paired bootstrap comparison of model A against model B (`diff = A − B`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairedDiff {
    /// Metric of model A on the full data.
    pub estimate_a: f64,
    /// Metric of model B on the full data.
    pub estimate_b: f64,
    /// `estimate_a − estimate_b`.
    pub diff: f64,
    /// Lower end of the percentile interval of the replicate differences.
    pub lo: f64,
    /// Upper end of the percentile interval of the replicate differences.
    pub hi: f64,
    /// Confidence level.
    pub level: f64,
    /// Two-sided bootstrap p-value for "no difference": `min(1, 2 · min(P*(d ≤ 0), P*(d ≥ 0)))`
    /// over the replicate differences `d`. Coarse (resolution `1 / n_used`).
    pub p_value: f64,
    /// Replicates that were evaluated.
    pub n_used: usize,
    /// Replicates skipped because the metric was undefined on them.
    pub n_skipped: usize,
}

/// Which rows a replicate draws. Rows are addressed by *slot*: the churned rows first, then the
/// retained rows (each in their original order), so that per-row data laid out by slot is read
/// from one contiguous array per class.
struct Sampler {
    n_pos: usize,
    n: usize,
    stratified: bool,
    /// Original row of each slot.
    perm: Vec<u32>,
}

impl Sampler {
    fn new(labels: &[bool], stratified: bool) -> Result<Self> {
        if labels.len() > (u32::MAX >> 1) as usize {
            return Err(EvalError::param("labels.len()", labels.len(), "bootstrap supports at most 2^31 - 1 rows"));
        }
        let mut perm: Vec<u32> = (0..labels.len() as u32).filter(|&i| labels[i as usize]).collect();
        let n_pos = perm.len();
        perm.extend((0..labels.len() as u32).filter(|&i| !labels[i as usize]));
        Ok(Sampler { n_pos, n: labels.len(), stratified, perm })
    }

    /// Call `visit(slot)` once per draw of replicate `b`.
    #[inline]
    fn draw(&self, seed: u64, b: usize, mut visit: impl FnMut(usize)) {
        let mut rng = Rng::derive(seed, b as u64);
        if self.stratified {
            for (offset, m) in [(0, self.n_pos), (self.n_pos, self.n - self.n_pos)] {
                for _ in 0..m {
                    visit(offset + rng.below(m as u64) as usize);
                }
            }
        } else {
            for _ in 0..self.n {
                visit(rng.below(self.n as u64) as usize);
            }
        }
    }

    /// Original row of a slot.
    #[inline]
    fn row(&self, slot: usize) -> usize {
        self.perm[slot] as usize
    }
}

/// One model prepared for fast re-evaluation, laid out by slot.
struct Prepared {
    metric: Metric,
    /// Ranking metrics: `group << 1 | label` of each slot, `group` being the index of the row's
    /// distinct score.
    code: Vec<u32>,
    /// Loss metrics: the row's loss term.
    term: Vec<f64>,
    groups: usize,
}

impl Prepared {
    fn new(metric: Metric, scores: &[f64], labels: &[bool], sampler: &Sampler) -> Self {
        let mut p = Prepared { metric, code: Vec::new(), term: Vec::new(), groups: 0 };
        let rows = sampler.perm.iter().map(|&r| r as usize);
        match metric {
            Metric::RocAuc | Metric::PrAuc => {
                let (g, row_group) = Groups::with_rows(scores, labels);
                p.code = rows.map(|r| row_group[r] << 1 | u32::from(labels[r])).collect();
                p.groups = g.len();
            }
            Metric::Brier => p.term = rows.map(|r| brier_term(scores[r], labels[r])).collect(),
            Metric::LogLoss => p.term = rows.map(|r| log_loss_term(scores[r], labels[r])).collect(),
        }
        p
    }
}

/// Per-thread scratch for one prepared model.
struct Acc {
    pos: Vec<u32>,
    neg: Vec<u32>,
    sum: f64,
    count: u64,
}

impl Acc {
    fn new(p: &Prepared) -> Self {
        Acc { pos: vec![0; p.groups], neg: vec![0; p.groups], sum: 0.0, count: 0 }
    }

    fn reset(&mut self) {
        self.pos.iter_mut().for_each(|c| *c = 0);
        self.neg.iter_mut().for_each(|c| *c = 0);
        self.sum = 0.0;
        self.count = 0;
    }

    #[inline]
    fn add(&mut self, p: &Prepared, slot: usize) {
        if p.metric.is_ranking() {
            let c = p.code[slot];
            let g = (c >> 1) as usize;
            if c & 1 == 1 {
                self.pos[g] += 1;
            } else {
                self.neg[g] += 1;
            }
        } else {
            self.sum += p.term[slot];
            self.count += 1;
        }
    }

    fn value(&self, p: &Prepared) -> Option<f64> {
        match p.metric {
            Metric::RocAuc => auc_from_counts(&self.pos, &self.neg),
            Metric::PrAuc => ap_from_counts(&self.pos, &self.neg),
            Metric::Brier | Metric::LogLoss => Some(self.sum / self.count as f64),
        }
    }
}

/// Bootstrap percentile interval of `metric` with `n_boot` stratified replicates at the 95%
/// level; see [`bootstrap_ci_with`] and the module docs.
///
/// ```
/// use churn_eval::{bootstrap_ci, Metric};
/// let scores = [0.9, 0.7, 0.6, 0.4, 0.35, 0.3, 0.2, 0.1];
/// let labels = [true, true, false, true, false, false, true, false];
/// let ci = bootstrap_ci(&scores, &labels, Metric::RocAuc, 200, 7)?;
/// assert_eq!(ci.estimate, 0.75);
/// assert!(ci.lo <= ci.estimate && ci.estimate <= ci.hi);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn bootstrap_ci(scores: &[f64], labels: &[bool], metric: Metric, n_boot: usize, seed: u64) -> Result<BootstrapCi> {
    let opts = BootstrapOptions { n_boot, seed, ..BootstrapOptions::default() };
    bootstrap_ci_with(scores, labels, metric, &opts)
}

/// Bootstrap percentile interval of a built-in `metric` with explicit options.
///
/// Errors: whatever `metric` returns on the full data (e.g. [`EvalError::SingleClass`]),
/// invalid options, and [`EvalError::TooFewResamples`] when fewer than half of the replicates
/// could be evaluated.
pub fn bootstrap_ci_with(
    scores: &[f64],
    labels: &[bool],
    metric: Metric,
    opts: &BootstrapOptions,
) -> Result<BootstrapCi> {
    opts.check()?;
    let estimate = metric.compute(scores, labels)?;
    let sampler = Sampler::new(labels, opts.stratified)?;
    let prep = Prepared::new(metric, scores, labels, &sampler);
    let stats: Vec<Option<f64>> = (0..opts.n_boot)
        .into_par_iter()
        .map_init(
            || Acc::new(&prep),
            |acc, b| {
                acc.reset();
                sampler.draw(opts.seed, b, |row| acc.add(&prep, row));
                acc.value(&prep)
            },
        )
        .collect();
    let (sorted, skipped) = used(metric.name(), stats, opts.n_boot)?;
    let (lo, hi) = interval(&sorted, opts.level);
    Ok(BootstrapCi { estimate, lo, hi, level: opts.level, n_used: sorted.len(), n_skipped: skipped })
}

/// Paired bootstrap of `metric(A) − metric(B)` for two models scored on the same rows: each
/// replicate resamples rows once and evaluates both models on them, which keeps the correlation
/// between the models (a narrower, correct interval compared with two separate bootstraps).
///
/// For AUC specifically, [`crate::delong_test`] gives an analytic answer.
pub fn paired_bootstrap(
    scores_a: &[f64],
    scores_b: &[f64],
    labels: &[bool],
    metric: Metric,
    opts: &BootstrapOptions,
) -> Result<PairedDiff> {
    opts.check()?;
    let estimate_a = metric.compute(scores_a, labels)?;
    let estimate_b = metric.compute(scores_b, labels)?;
    let sampler = Sampler::new(labels, opts.stratified)?;
    let (pa, pb) =
        (Prepared::new(metric, scores_a, labels, &sampler), Prepared::new(metric, scores_b, labels, &sampler));
    let diffs: Vec<Option<f64>> = (0..opts.n_boot)
        .into_par_iter()
        .map_init(
            || (Acc::new(&pa), Acc::new(&pb)),
            |(acc_a, acc_b), b| {
                acc_a.reset();
                acc_b.reset();
                sampler.draw(opts.seed, b, |row| {
                    acc_a.add(&pa, row);
                    acc_b.add(&pb, row);
                });
                Some(acc_a.value(&pa)? - acc_b.value(&pb)?)
            },
        )
        .collect();
    paired_result(metric.name(), estimate_a, estimate_b, diffs, opts)
}

/// Bootstrap percentile interval of any metric function `f(scores, labels)`. Each replicate
/// materialises its resample (`O(n)` memory per thread) and calls `f`; replicates on which `f`
/// returns [`EvalError::SingleClass`] are skipped, any other error is returned.
pub fn bootstrap_ci_fn<F>(scores: &[f64], labels: &[bool], f: F, opts: &BootstrapOptions) -> Result<BootstrapCi>
where
    F: Fn(&[f64], &[bool]) -> Result<f64> + Sync,
{
    opts.check()?;
    check::scores_labels(scores, labels)?;
    let estimate = f(scores, labels)?;
    let sampler = Sampler::new(labels, opts.stratified)?;
    let stats: Vec<Result<Option<f64>>> = (0..opts.n_boot)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(s, y): &mut (Vec<f64>, Vec<bool>), b| {
                s.clear();
                y.clear();
                sampler.draw(opts.seed, b, |slot| {
                    let row = sampler.row(slot);
                    s.push(scores[row]);
                    y.push(labels[row]);
                });
                skip_single_class(f(s, y))
            },
        )
        .collect();
    let stats = stats.into_iter().collect::<Result<Vec<_>>>()?;
    let (sorted, skipped) = used("custom metric", stats, opts.n_boot)?;
    let (lo, hi) = interval(&sorted, opts.level);
    Ok(BootstrapCi { estimate, lo, hi, level: opts.level, n_used: sorted.len(), n_skipped: skipped })
}

/// Paired bootstrap of `f(A) − f(B)` for any metric function, see [`paired_bootstrap`] and
/// [`bootstrap_ci_fn`].
///
/// ```
/// use churn_eval::{paired_bootstrap_fn, BootstrapOptions};
/// let labels = [true, false, true, false, true, false];
/// let a = [0.9, 0.1, 0.8, 0.3, 0.6, 0.2];
/// let b = [0.6, 0.5, 0.4, 0.7, 0.9, 0.1];
/// let top_f1 = |s: &[f64], y: &[bool]| Ok(churn_eval::best_f1_threshold(s, y)?.confusion.f1());
/// let opts = BootstrapOptions { n_boot: 100, ..Default::default() };
/// let d = paired_bootstrap_fn(&a, &b, &labels, top_f1, &opts)?;
/// assert_eq!(d.estimate_a, 1.0);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn paired_bootstrap_fn<F>(
    scores_a: &[f64],
    scores_b: &[f64],
    labels: &[bool],
    f: F,
    opts: &BootstrapOptions,
) -> Result<PairedDiff>
where
    F: Fn(&[f64], &[bool]) -> Result<f64> + Sync,
{
    opts.check()?;
    check::scores_labels(scores_a, labels)?;
    check::scores_labels(scores_b, labels)?;
    let estimate_a = f(scores_a, labels)?;
    let estimate_b = f(scores_b, labels)?;
    let sampler = Sampler::new(labels, opts.stratified)?;
    type Buf = (Vec<f64>, Vec<f64>, Vec<bool>);
    let diffs: Vec<Result<Option<f64>>> = (0..opts.n_boot)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), Vec::new()),
            |(sa, sb, y): &mut Buf, b| {
                sa.clear();
                sb.clear();
                y.clear();
                sampler.draw(opts.seed, b, |slot| {
                    let row = sampler.row(slot);
                    sa.push(scores_a[row]);
                    sb.push(scores_b[row]);
                    y.push(labels[row]);
                });
                let va = skip_single_class(f(sa, y))?;
                let vb = skip_single_class(f(sb, y))?;
                Ok(va.zip(vb).map(|(a, b)| a - b))
            },
        )
        .collect();
    let diffs = diffs.into_iter().collect::<Result<Vec<_>>>()?;
    paired_result("custom metric", estimate_a, estimate_b, diffs, opts)
}

fn skip_single_class(r: Result<f64>) -> Result<Option<f64>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(EvalError::SingleClass { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Sorted usable replicate values and the number skipped; error when fewer than half are usable.
fn used(metric: &'static str, stats: Vec<Option<f64>>, requested: usize) -> Result<(Vec<f64>, usize)> {
    let mut v: Vec<f64> = stats.into_iter().flatten().collect();
    if v.len() < 2 || v.len() * 2 < requested {
        return Err(EvalError::TooFewResamples { metric, used: v.len(), requested });
    }
    v.sort_unstable_by(f64::total_cmp);
    let skipped = requested - v.len();
    Ok((v, skipped))
}

fn interval(sorted: &[f64], level: f64) -> (f64, f64) {
    let alpha = 1.0 - level;
    (check::quantile_sorted(sorted, alpha / 2.0), check::quantile_sorted(sorted, 1.0 - alpha / 2.0))
}

fn paired_result(
    metric: &'static str,
    estimate_a: f64,
    estimate_b: f64,
    diffs: Vec<Option<f64>>,
    opts: &BootstrapOptions,
) -> Result<PairedDiff> {
    let (sorted, skipped) = used(metric, diffs, opts.n_boot)?;
    let (lo, hi) = interval(&sorted, opts.level);
    let m = sorted.len() as f64;
    let le = sorted.partition_point(|&d| d <= 0.0) as f64 / m;
    let ge = (sorted.len() - sorted.partition_point(|&d| d < 0.0)) as f64 / m;
    Ok(PairedDiff {
        estimate_a,
        estimate_b,
        diff: estimate_a - estimate_b,
        lo,
        hi,
        level: opts.level,
        p_value: (2.0 * le.min(ge)).min(1.0),
        n_used: sorted.len(),
        n_skipped: skipped,
    })
}
