//! Ranking metrics: ROC AUC, ROC and precision-recall curves, average precision, KS separation.
//!
//! All of them sort the scores once (`O(n log n)`) and then walk one entry per distinct score,
//! so ties are treated as a block exactly as scikit-learn does: a threshold either takes all rows
//! with a given score or none of them.

use crate::check;
use crate::error::{EvalError, Result};

/// Order-preserving map of a finite `f64` to `u64` (`-0.0` and `0.0` map to the same key).
#[inline]
pub(crate) fn sort_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

#[inline]
fn from_key(k: u64) -> f64 {
    if k >> 63 == 1 {
        f64::from_bits(k & !(1 << 63))
    } else {
        f64::from_bits(!k)
    }
}

/// Scores collapsed to one entry per distinct value, in descending score order, with the number
/// of positive and negative rows at each value.
#[derive(Debug, Clone)]
pub(crate) struct Groups {
    /// Distinct scores, strictly descending.
    pub scores: Vec<f64>,
    /// Positive rows per distinct score.
    pub pos: Vec<u64>,
    /// Negative rows per distinct score.
    pub neg: Vec<u64>,
    /// Total positives.
    pub n_pos: u64,
    /// Total negatives.
    pub n_neg: u64,
}

impl Groups {
    /// Build from validated input (equal lengths, finite scores). Sorts the positive and the
    /// negative scores separately (8 bytes per row) and merges them.
    pub(crate) fn new(scores: &[f64], labels: &[bool]) -> Groups {
        let n_pos = check::count_positive(labels);
        let mut pk = Vec::with_capacity(n_pos);
        let mut nk = Vec::with_capacity(scores.len() - n_pos);
        for (&s, &y) in scores.iter().zip(labels) {
            // Complemented so that an ascending sort gives descending scores.
            if y {
                pk.push(!sort_key(s));
            } else {
                nk.push(!sort_key(s));
            }
        }
        pk.sort_unstable();
        nk.sort_unstable();
        let mut g = Groups {
            scores: Vec::new(),
            pos: Vec::new(),
            neg: Vec::new(),
            n_pos: pk.len() as u64,
            n_neg: nk.len() as u64,
        };
        let (mut i, mut j) = (0, 0);
        while i < pk.len() || j < nk.len() {
            let k = match (pk.get(i), nk.get(j)) {
                (Some(&a), Some(&b)) => a.min(b),
                (Some(&a), None) => a,
                (None, Some(&b)) => b,
                (None, None) => unreachable!(),
            };
            let i0 = i;
            while i < pk.len() && pk[i] == k {
                i += 1;
            }
            let j0 = j;
            while j < nk.len() && nk[j] == k {
                j += 1;
            }
            g.scores.push(from_key(!k));
            g.pos.push((i - i0) as u64);
            g.neg.push((j - j0) as u64);
        }
        g
    }

    /// Groups plus the group index of every row, by sorting `(score, row)` pairs: one pass of
    /// random writes instead of a binary search per row (which misses the cache when most
    /// scores are distinct). Needs `scores.len() <= u32::MAX`.
    pub(crate) fn with_rows(scores: &[f64], labels: &[bool]) -> (Groups, Vec<u32>) {
        debug_assert!(scores.len() <= u32::MAX as usize);
        let mut keyed: Vec<(u64, u32)> = scores.iter().enumerate().map(|(i, &s)| (!sort_key(s), i as u32)).collect();
        keyed.sort_unstable();
        let mut g = Groups { scores: Vec::new(), pos: Vec::new(), neg: Vec::new(), n_pos: 0, n_neg: 0 };
        let mut row_group = vec![0u32; scores.len()];
        let mut last = None;
        for &(k, i) in &keyed {
            if last != Some(k) {
                last = Some(k);
                g.scores.push(from_key(!k));
                g.pos.push(0);
                g.neg.push(0);
            }
            let gi = g.scores.len() - 1;
            row_group[i as usize] = gi as u32;
            if labels[i as usize] {
                g.pos[gi] += 1;
                g.n_pos += 1;
            } else {
                g.neg[gi] += 1;
                g.n_neg += 1;
            }
        }
        (g, row_group)
    }

    pub(crate) fn len(&self) -> usize {
        self.scores.len()
    }
}

/// A per-group count or weight.
pub(crate) trait Count: Copy {
    fn f(self) -> f64;
}
impl Count for u32 {
    #[inline]
    fn f(self) -> f64 {
        self as f64
    }
}
impl Count for u64 {
    #[inline]
    fn f(self) -> f64 {
        self as f64
    }
}

/// AUC from per-group counts (any weights), with ties counted half.
pub(crate) fn auc_from_counts<T: Count>(pos: &[T], neg: &[T]) -> Option<f64> {
    // Integer-valued weights keep every partial sum exact in f64 up to 2^53.
    let (mut above, mut num, mut tp, mut tn) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (&p, &q) in pos.iter().zip(neg) {
        let (p, q) = (p.f(), q.f());
        num += q * (2.0 * above + p);
        above += p;
        tp += p;
        tn += q;
    }
    (tp > 0.0 && tn > 0.0).then(|| num / (2.0 * tp * tn))
}

/// Average precision from per-group counts; `None` without positives.
pub(crate) fn ap_from_counts<T: Count>(pos: &[T], neg: &[T]) -> Option<f64> {
    let total: f64 = pos.iter().map(|&p| p.f()).sum();
    if total <= 0.0 {
        return None;
    }
    let (mut tp, mut fp, mut sum) = (0.0f64, 0.0f64, 0.0f64);
    for (&p, &q) in pos.iter().zip(neg) {
        let (p, q) = (p.f(), q.f());
        tp += p;
        fp += q;
        if p > 0.0 {
            sum += p * (tp / (tp + fp));
        }
    }
    // Dividing once at the end makes all-positive data exactly 1.
    Some(sum / total)
}

/// Area under the ROC curve: the probability that a random churned account scores higher than
/// a random retained one, ties counting one half (identical to scikit-learn's `roc_auc_score`).
///
/// `O(n log n)`. Errors: [`EvalError::SingleClass`] when all labels are equal, plus the usual
/// input validation ([`EvalError::LengthMismatch`], [`EvalError::Empty`],
/// [`EvalError::NonFinite`]).
///
/// ```
/// let auc = churn_eval::roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true])?;
/// assert_eq!(auc, 0.75);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64> {
    check::scores_labels(scores, labels)?;
    let g = Groups::new(scores, labels);
    check::both_classes("roc_auc", g.n_pos as usize, scores.len())?;
    Ok(auc_from_counts(&g.pos, &g.neg).expect("both classes present"))
}

/// Average precision (the precision-recall AUC as scikit-learn's `average_precision_score`):
/// `AP = Σ_k (R_k − R_{k−1}) · P_k` over distinct thresholds in descending order, a step-wise
/// sum without interpolation.
///
/// Needs at least one churned row ([`EvalError::SingleClass`] otherwise); all-churned data gives
/// `1.0`.
///
/// ```
/// let ap = churn_eval::pr_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true])?;
/// assert!((ap - 0.8333333333333333).abs() < 1e-15);
/// # Ok::<(), churn_eval::EvalError>(())
/// ```
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Result<f64> {
    check::scores_labels(scores, labels)?;
    let g = Groups::new(scores, labels);
    check::some_positive("pr_auc", g.n_pos as usize, scores.len())?;
    Ok(ap_from_counts(&g.pos, &g.neg).expect("positives present"))
}

/// Kolmogorov-Smirnov separation: `max |TPR − FPR|` over all thresholds, i.e. the largest gap
/// between the score distributions of churned and retained accounts (equal to the two-sample KS
/// statistic of the two groups, see [`crate::stats::ks_2samp`]). In `[0, 1]`.
///
/// Errors with [`EvalError::SingleClass`] when all labels are equal.
pub fn ks_statistic(scores: &[f64], labels: &[bool]) -> Result<f64> {
    check::scores_labels(scores, labels)?;
    let g = Groups::new(scores, labels);
    check::both_classes("ks_statistic", g.n_pos as usize, scores.len())?;
    Ok(ks_from_groups(&g))
}

pub(crate) fn ks_from_groups(g: &Groups) -> f64 {
    let (p, q) = (g.n_pos as f64, g.n_neg as f64);
    let (mut tp, mut fp, mut best) = (0u64, 0u64, 0.0f64);
    for (&a, &b) in g.pos.iter().zip(&g.neg) {
        tp += a;
        fp += b;
        best = best.max((tp as f64 / p - fp as f64 / q).abs());
    }
    best
}

/// Points of a ROC curve, one per distinct threshold plus the origin, in order of decreasing
/// threshold (so `fpr` and `tpr` are non-decreasing).
///
/// Point `i` is the result of predicting churn when `score >= thresholds[i]`. The first point is
/// `(0, 0)` with threshold `f64::INFINITY` (no alerts), as in scikit-learn ≥ 1.3; the last is
/// `(1, 1)` at the smallest score. This is scikit-learn's `roc_curve(..., drop_intermediate=False)`;
/// use [`RocCurve::thin`] for a plotting-sized curve.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RocCurve {
    /// False-positive rate at each threshold.
    pub fpr: Vec<f64>,
    /// True-positive rate (recall) at each threshold.
    pub tpr: Vec<f64>,
    /// Thresholds, strictly decreasing; the first is `f64::INFINITY`.
    pub thresholds: Vec<f64>,
}

/// ROC curve for all distinct thresholds, see [`RocCurve`].
///
/// Errors with [`EvalError::SingleClass`] when all labels are equal.
pub fn roc_curve(scores: &[f64], labels: &[bool]) -> Result<RocCurve> {
    check::scores_labels(scores, labels)?;
    let g = Groups::new(scores, labels);
    check::both_classes("roc_curve", g.n_pos as usize, scores.len())?;
    let m = g.len() + 1;
    let mut c = RocCurve { fpr: Vec::with_capacity(m), tpr: Vec::with_capacity(m), thresholds: Vec::with_capacity(m) };
    c.fpr.push(0.0);
    c.tpr.push(0.0);
    c.thresholds.push(f64::INFINITY);
    let (p, q) = (g.n_pos as f64, g.n_neg as f64);
    let (mut tp, mut fp) = (0u64, 0u64);
    for k in 0..g.len() {
        tp += g.pos[k];
        fp += g.neg[k];
        c.fpr.push(fp as f64 / q);
        c.tpr.push(tp as f64 / p);
        c.thresholds.push(g.scores[k]);
    }
    Ok(c)
}

impl RocCurve {
    /// A copy with at most `max_points` points (`max_points >= 2`) that keeps the shape: first
    /// collinear interior points are dropped (lossless, like scikit-learn's
    /// `drop_intermediate`), then, if still too many, points are kept at evenly spaced steps of
    /// path length (`|Δfpr| + |Δtpr|`), always keeping both end points. Every dropped point lies
    /// within one step (`2 / (max_points − 1)` in path length) of a kept one.
    pub fn thin(&self, max_points: usize) -> Result<RocCurve> {
        let keep = thin_indices(&self.fpr, &self.tpr, max_points)?;
        Ok(RocCurve {
            fpr: keep.iter().map(|&i| self.fpr[i]).collect(),
            tpr: keep.iter().map(|&i| self.tpr[i]).collect(),
            thresholds: keep.iter().map(|&i| self.thresholds[i]).collect(),
        })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.fpr.len()
    }

    /// `true` when the curve has no points (never for a curve from [`roc_curve`]).
    pub fn is_empty(&self) -> bool {
        self.fpr.is_empty()
    }
}

/// Points of a precision-recall curve, one per distinct threshold, in order of decreasing
/// threshold (so `recall` is non-decreasing).
///
/// Point `i` is the result of predicting churn when `score >= thresholds[i]`. Unlike
/// scikit-learn's `precision_recall_curve`, which lists thresholds in increasing order and appends
/// a synthetic `(recall 0, precision 1)` point without a threshold, every point here is a real
/// threshold; reversing scikit-learn's arrays and dropping that last point gives these.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PrCurve {
    /// Precision `tp / (tp + fp)` at each threshold (never `0/0`: every threshold is a score).
    pub precision: Vec<f64>,
    /// Recall `tp / positives` at each threshold.
    pub recall: Vec<f64>,
    /// Thresholds, strictly decreasing.
    pub thresholds: Vec<f64>,
}

/// Precision-recall curve for all distinct thresholds, see [`PrCurve`].
///
/// Needs at least one churned row ([`EvalError::SingleClass`] otherwise).
pub fn pr_curve(scores: &[f64], labels: &[bool]) -> Result<PrCurve> {
    check::scores_labels(scores, labels)?;
    let g = Groups::new(scores, labels);
    check::some_positive("pr_curve", g.n_pos as usize, scores.len())?;
    let mut c = PrCurve {
        precision: Vec::with_capacity(g.len()),
        recall: Vec::with_capacity(g.len()),
        thresholds: g.scores.clone(),
    };
    let p = g.n_pos as f64;
    let (mut tp, mut fp) = (0u64, 0u64);
    for k in 0..g.len() {
        tp += g.pos[k];
        fp += g.neg[k];
        c.precision.push(tp as f64 / (tp + fp) as f64);
        c.recall.push(tp as f64 / p);
    }
    Ok(c)
}

impl PrCurve {
    /// A copy with at most `max_points` points (`max_points >= 2`), chosen like
    /// [`RocCurve::thin`] (collinear points dropped, then even steps of path length
    /// `|Δrecall| + |Δprecision|`, end points kept).
    pub fn thin(&self, max_points: usize) -> Result<PrCurve> {
        let keep = thin_indices(&self.recall, &self.precision, max_points)?;
        Ok(PrCurve {
            precision: keep.iter().map(|&i| self.precision[i]).collect(),
            recall: keep.iter().map(|&i| self.recall[i]).collect(),
            thresholds: keep.iter().map(|&i| self.thresholds[i]).collect(),
        })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.recall.len()
    }

    /// `true` when the curve has no points (never for a curve from [`pr_curve`]).
    pub fn is_empty(&self) -> bool {
        self.recall.is_empty()
    }
}

/// Indices of the points of polyline `(x, y)` to keep, see [`RocCurve::thin`].
pub(crate) fn thin_indices(x: &[f64], y: &[f64], max_points: usize) -> Result<Vec<usize>> {
    if max_points < 2 {
        return Err(EvalError::param("max_points", max_points, "must be at least 2"));
    }
    let n = x.len();
    if n <= 2 {
        return Ok((0..n).collect());
    }
    // 1. Drop interior points on the straight line through their kept neighbours.
    let mut keep = vec![0usize];
    for i in 1..n - 1 {
        let l = *keep.last().expect("non-empty");
        let (ax, ay) = (x[i] - x[l], y[i] - y[l]);
        let (bx, by) = (x[i + 1] - x[i], y[i + 1] - y[i]);
        let cross = ax * by - ay * bx;
        let scale = (ax.abs() + ay.abs()) * (bx.abs() + by.abs());
        let collinear = cross.abs() <= 1e-12 * scale && ax * bx + ay * by >= 0.0;
        let duplicate = bx == 0.0 && by == 0.0;
        if !(collinear || duplicate) {
            keep.push(i);
        }
    }
    keep.push(n - 1);
    if keep.len() <= max_points {
        return Ok(keep);
    }
    // 2. Even steps of path length.
    let mut s = Vec::with_capacity(keep.len());
    let mut acc = 0.0;
    s.push(0.0);
    for w in keep.windows(2) {
        acc += (x[w[1]] - x[w[0]]).abs() + (y[w[1]] - y[w[0]]).abs();
        s.push(acc);
    }
    let total = acc;
    let steps = (max_points - 1) as f64;
    let bucket = |v: f64| -> usize {
        if total > 0.0 {
            ((v / total * steps).floor() as usize).min(max_points - 1)
        } else {
            0
        }
    };
    let mut out = vec![keep[0]];
    let mut last_bucket = 0usize;
    for (j, &i) in keep.iter().enumerate().skip(1) {
        let b = bucket(s[j]);
        if b > last_bucket {
            out.push(i);
            last_bucket = b;
        }
    }
    let last = *keep.last().expect("non-empty");
    if *out.last().expect("non-empty") != last {
        if out.len() == max_points {
            out.pop();
        }
        out.push(last);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_key_preserves_order_and_merges_signed_zeros() {
        let v = [-1e300, -2.5, -f64::MIN_POSITIVE, -0.0, 0.0, 1e-300, 0.5, 7.0, f64::MAX];
        for w in v.windows(2) {
            assert!(sort_key(w[0]) <= sort_key(w[1]), "{w:?}");
            assert_eq!(from_key(sort_key(w[1])), w[1]);
        }
        assert_eq!(sort_key(-0.0), sort_key(0.0));
    }

    #[test]
    fn groups_merge_ties_across_classes() {
        let g = Groups::new(&[0.5, 0.9, 0.5, -0.0, 0.0], &[true, false, false, true, false]);
        assert_eq!(g.scores, [0.9, 0.5, 0.0]);
        assert_eq!((g.pos.as_slice(), g.neg.as_slice()), (&[0, 1, 1][..], &[1, 1, 1][..]));
        let (h, rows) = Groups::with_rows(&[0.5, 0.9, 0.5, -0.0, 0.0], &[true, false, false, true, false]);
        assert_eq!((h.scores, h.pos, h.neg), (g.scores, g.pos, g.neg));
        assert_eq!(rows, [1, 0, 1, 2, 2]);
    }

    #[test]
    fn thinning_small_curves() {
        // A straight diagonal collapses to its end points.
        let x = [0.0, 0.25, 0.5, 1.0];
        assert_eq!(thin_indices(&x, &x, 10).unwrap(), [0, 3]);
        // A staircase keeps its corners.
        let (x, y) = ([0.0, 0.0, 0.0, 0.5, 1.0], [0.0, 0.5, 1.0, 1.0, 1.0]);
        assert_eq!(thin_indices(&x, &y, 10).unwrap(), [0, 2, 4]);
        assert_eq!(thin_indices(&x, &y, 2).unwrap(), [0, 4]);
    }
}
