//! Shared helpers for the integration tests: seeded synthetic data and reference metrics.
#![allow(dead_code)]

use churn_core::rng::Rng;
use churn_learn::Matrix;

/// XOR-like data: y = [x0 * x1 > 0] flipped with probability `noise`; `p - 2` pure-noise
/// features. No linear model beats AUC 0.5 on it.
pub fn xor_data(n: usize, p: usize, noise: f64, seed: u64) -> (Matrix, Vec<bool>) {
    let mut rng = Rng::new(seed);
    let mut rows = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let r: Vec<f64> = (0..p).map(|_| rng.next_f64() * 2.0 - 1.0).collect();
        let mut label = r[0] * r[1] > 0.0;
        if rng.next_f64() < noise {
            label = !label;
        }
        rows.push(r);
        y.push(label);
    }
    (Matrix::from_rows(&rows).unwrap(), y)
}

/// Logistic data with a smooth nonlinear signal and some NaNs in column 2 (informative
/// missingness: missing rows are more often positive).
pub fn churn_like(n: usize, p: usize, seed: u64) -> (Matrix, Vec<bool>) {
    let mut rng = Rng::new(seed);
    let mut rows = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let mut r: Vec<f64> = (0..p).map(|_| rng.normal()).collect();
        let mut s = -1.5 + 1.2 * r[0] - 0.8 * r[1] * r[1] + if r[3] > 0.5 { 1.0 } else { 0.0 };
        if p > 2 && rng.next_f64() < 0.15 {
            r[2] = f64::NAN;
            s += 1.5;
        } else if p > 2 {
            s += 0.5 * r[2];
        }
        let pr = 1.0 / (1.0 + (-s).exp());
        y.push(rng.next_f64() < pr);
        rows.push(r);
    }
    (Matrix::from_rows(&rows).unwrap(), y)
}

/// Area under the ROC curve by brute force over all (positive, negative) pairs; ties = 1/2.
pub fn auc(scores: &[f64], y: &[bool]) -> f64 {
    let pos: Vec<f64> = scores.iter().zip(y).filter(|(_, &l)| l).map(|(s, _)| *s).collect();
    let neg: Vec<f64> = scores.iter().zip(y).filter(|(_, &l)| !l).map(|(s, _)| *s).collect();
    let mut sorted_neg = neg.clone();
    sorted_neg.sort_by(f64::total_cmp);
    let mut total = 0.0;
    for &s in &pos {
        let below = sorted_neg.partition_point(|&v| v < s) as f64;
        let le = sorted_neg.partition_point(|&v| v <= s) as f64;
        total += below + 0.5 * (le - below);
    }
    total / (pos.len() as f64 * neg.len() as f64)
}

pub fn ones(n: usize) -> Vec<f64> {
    vec![1.0; n]
}

pub fn mean_prob(raw: &[f64]) -> f64 {
    raw.iter().map(|s| 1.0 / (1.0 + (-s).exp())).sum::<f64>() / raw.len() as f64
}

/// Rows of a matrix, for per-row scoring.
pub fn rows(x: &Matrix) -> Vec<Vec<f64>> {
    (0..x.n_rows())
        .map(|i| {
            let mut r = vec![0.0; x.n_cols()];
            x.row_into(i, &mut r);
            r
        })
        .collect()
}

/// Shapley values of `f` at `row` by enumerating all feature subsets, where `v(S)` is the
/// cover-weighted conditional expectation of the trees given the features in `S`.
pub fn brute_force_shap(trees: &[(&churn_learn::Tree, f64)], row: &[f64], m: usize) -> Vec<f64> {
    use churn_learn::Tree;
    fn cover(t: &Tree, c: i32) -> f64 {
        if c < 0 {
            t.leaf_cover[!c as usize]
        } else {
            t.node_cover[c as usize]
        }
    }
    fn cond(t: &Tree, c: i32, row: &[f64], set: u32) -> f64 {
        if c < 0 {
            return t.leaf_value[!c as usize];
        }
        let n = &t.nodes[c as usize];
        if set >> n.feature & 1 == 1 {
            return cond(t, n.next(row[n.feature as usize]), row, set);
        }
        let w = cover(t, c);
        cover(t, n.left) / w * cond(t, n.left, row, set) + cover(t, n.right) / w * cond(t, n.right, row, set)
    }
    let v = |set: u32| -> f64 {
        trees
            .iter()
            .map(|(t, scale)| scale * if t.nodes.is_empty() { t.leaf_value[0] } else { cond(t, 0, row, set) })
            .sum()
    };
    let fact = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    (0..m)
        .map(|i| {
            let mut phi = 0.0;
            for set in 0u32..(1 << m) {
                if set >> i & 1 == 1 {
                    continue;
                }
                let s = set.count_ones() as usize;
                phi += fact(s) * fact(m - s - 1) / fact(m) * (v(set | 1 << i) - v(set));
            }
            phi
        })
        .collect()
}
