//! Target statistics of categorical columns: a smoothed churn rate per category, one extra
//! model input per categorical column (after the inputs of every column transform).
//!
//! The statistic of category `c` is `(churned_c + m · prior) / (rows_c + m)`, with `prior` the
//! churn rate of the rows it is fitted on and `m` = [`SMOOTHING`] prior rows, so that a rare
//! category stays near the prior. Missing values are a category of their own; a category never
//! seen in fitting gets the prior.
//!
//! A row's own label must never enter its statistic, or the learner learns the label through
//! it (a column holding a distinct value per row would look perfect). Training rows therefore
//! get [`out_of_fold`] values: the rows are cut into [`OOF_FOLDS`] seeded folds and each fold's
//! rows get the statistics of the other folds (with the prior of all the rows, which is the
//! same for every row and so carries no signal). Scoring uses the statistics of all the
//! training rows, stored in the model file ([`TargetStat::fit`]).

use std::collections::BTreeMap;

use churn_core::rng::Rng;
use churn_core::table::{is_missing, trim, Table};
use serde::{Deserialize, Serialize};

/// Prior rows of the smoothed mean (`m` of the m-estimate).
pub const SMOOTHING: f64 = 10.0;
/// Folds of the out-of-fold statistics of training rows.
pub const OOF_FOLDS: usize = 5;

/// The fitted target statistic of one categorical column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetStat {
    /// Input column.
    pub name: String,
    /// Churn rate of the rows fitted on: the value of unseen categories.
    pub prior: f64,
    /// Value of missing values.
    pub missing: f64,
    /// Smoothed churn rate per category seen in fitting.
    pub categories: BTreeMap<String, f64>,
}

/// Counts of (rows, churned) per category and of missing values.
#[derive(Default)]
struct Counts<'a> {
    by_category: BTreeMap<&'a str, (f64, f64)>,
    missing: (f64, f64),
}

impl<'a> Counts<'a> {
    fn add(&mut self, v: &'a str, churned: bool) {
        let slot =
            if is_missing(v) { &mut self.missing } else { self.by_category.entry(trim(v)).or_insert((0.0, 0.0)) };
        slot.0 += 1.0;
        slot.1 += f64::from(u8::from(churned));
    }
}

fn smoothed((rows, churned): (f64, f64), prior: f64) -> f64 {
    (churned + SMOOTHING * prior) / (rows + SMOOTHING)
}

impl TargetStat {
    /// Fits the statistic of table column `j` (named `name`) on `rows`, whose labels are `y`
    /// (`y[k]` is the label of `rows[k]`).
    pub fn fit(table: &Table, j: usize, name: &str, rows: &[usize], y: &[bool]) -> TargetStat {
        let mut counts = Counts::default();
        for (&i, &label) in rows.iter().zip(y) {
            counts.add(table.field(i, j), label);
        }
        let prior = y.iter().filter(|&&b| b).count() as f64 / y.len().max(1) as f64;
        TargetStat {
            name: name.to_string(),
            prior,
            missing: smoothed(counts.missing, prior),
            categories: counts.by_category.into_iter().map(|(c, n)| (c.to_string(), smoothed(n, prior))).collect(),
        }
    }

    /// The statistic of a raw field.
    #[inline]
    pub fn value(&self, v: &str) -> f64 {
        if is_missing(v) {
            self.missing
        } else {
            self.categories.get(trim(v)).copied().unwrap_or(self.prior)
        }
    }
}

/// The fold (`0..OOF_FOLDS`) of each of `n` rows: a seeded shuffle dealt round-robin.
pub fn oof_folds(n: usize, seed: u64) -> Vec<usize> {
    let k = OOF_FOLDS.min(n.max(1));
    let mut order: Vec<usize> = (0..n).collect();
    Rng::derive(seed, 0x7473).shuffle(&mut order);
    let mut fold = vec![0usize; n];
    for (pos, &r) in order.iter().enumerate() {
        fold[r] = pos % k;
    }
    fold
}

/// Out-of-fold statistics of table column `j` for `rows` (labels `y`): each row gets the
/// statistic fitted on the rows of the other [`OOF_FOLDS`] folds (seeded by `seed`), smoothed
/// towards the churn rate of all `rows`, so its own label never enters its value.
pub fn out_of_fold(table: &Table, j: usize, rows: &[usize], y: &[bool], seed: u64) -> Vec<f64> {
    let n = rows.len();
    let fold = oof_folds(n, seed);
    let k = OOF_FOLDS.min(n.max(1));
    let prior = y.iter().filter(|&&b| b).count() as f64 / n.max(1) as f64;
    let mut per_fold: Vec<Counts> = (0..k).map(|_| Counts::default()).collect();
    let mut total = Counts::default();
    for (r, &i) in rows.iter().enumerate() {
        let v = table.field(i, j);
        per_fold[fold[r]].add(v, y[r]);
        total.add(v, y[r]);
    }
    let minus = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0, a.1 - b.1);
    rows.iter()
        .enumerate()
        .map(|(r, &i)| {
            let v = table.field(i, j);
            let own = &per_fold[fold[r]];
            let counts = if is_missing(v) {
                minus(total.missing, own.missing)
            } else {
                let c = trim(v);
                minus(total.by_category[c], own.by_category[c])
            };
            smoothed(counts, prior)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(values: &[String]) -> Table {
        let rows: Vec<Vec<String>> = values.iter().map(|v| vec![v.clone()]).collect();
        Table::from_rows("t.csv", vec!["c".into()], &rows)
    }

    #[test]
    fn the_stored_statistic_is_the_smoothed_churn_rate_of_each_category() {
        let values: Vec<String> = ["a", "a", "a", "b", "", "a", " b ", "NA"].iter().map(|s| s.to_string()).collect();
        let y = [true, false, true, false, true, true, true, false];
        let t = table(&values);
        let rows: Vec<usize> = (0..8).collect();
        let s = TargetStat::fit(&t, 0, "c", &rows, &y);
        let prior = 5.0 / 8.0;
        assert_eq!(s.prior, prior);
        // a: 4 rows, 3 churned; b (trimmed): 2 rows, 1 churned; missing ("" and NA): 2 rows, 1.
        assert!((s.value("a") - (3.0 + 10.0 * prior) / 14.0).abs() < 1e-15);
        assert!((s.value("b") - (1.0 + 10.0 * prior) / 12.0).abs() < 1e-15);
        assert!((s.value("null") - (1.0 + 10.0 * prior) / 12.0).abs() < 1e-15);
        assert_eq!(s.value("never seen"), prior);
    }

    #[test]
    fn out_of_fold_values_use_only_the_other_folds() {
        let mut rng = Rng::new(3);
        let n = 200;
        let values: Vec<String> = (0..n).map(|_| format!("c{}", rng.below(7))).collect();
        let y: Vec<bool> = (0..n).map(|_| rng.next_f64() < 0.3).collect();
        let t = table(&values);
        let rows: Vec<usize> = (0..n).collect();
        let oof = out_of_fold(&t, 0, &rows, &y, 9);
        let prior = y.iter().filter(|&&b| b).count() as f64 / n as f64;
        let fold = oof_folds(n, 9);
        for k in 0..OOF_FOLDS {
            assert_eq!(fold.iter().filter(|&&f| f == k).count(), n / OOF_FOLDS);
        }
        // Brute force: the same category in the other folds.
        for r in 0..n {
            let others: Vec<usize> = (0..n).filter(|&i| fold[i] != fold[r] && values[i] == values[r]).collect();
            let churned = others.iter().filter(|&&i| y[i]).count() as f64;
            let expected = (churned + SMOOTHING * prior) / (others.len() as f64 + SMOOTHING);
            assert!((oof[r] - expected).abs() < 1e-12, "row {r}: {} vs {expected}", oof[r]);
        }
        // Flipping a row's label changes its own value only through the prior (shared by all).
        let mut flipped = y.clone();
        flipped[17] = !flipped[17];
        let again = out_of_fold(&t, 0, &rows, &flipped, 9);
        let others = (0..n).filter(|&i| fold[i] != fold[17] && values[i] == values[17]).count() as f64;
        let shift = SMOOTHING * (if flipped[17] { 1.0 } else { -1.0 }) / n as f64 / (others + SMOOTHING);
        assert!((again[17] - oof[17] - shift).abs() < 1e-12);
    }

    /// A column with a distinct value for each pair of rows: an in-sample statistic would
    /// predict the label well; the out-of-fold one must carry no signal (AUC about 0.5).
    #[test]
    fn an_id_like_column_carries_no_signal_out_of_fold() {
        let mut rng = Rng::new(11);
        let n = 4000;
        let values: Vec<String> = (0..n).map(|i| format!("id{}", i / 2)).collect();
        let y: Vec<bool> = (0..n).map(|_| rng.next_f64() < 0.25).collect();
        let t = table(&values);
        let rows: Vec<usize> = (0..n).collect();
        let oof = out_of_fold(&t, 0, &rows, &y, 5);
        let auc = churn_eval_free_auc(&oof, &y);
        assert!((auc - 0.5).abs() < 0.03, "out-of-fold AUC {auc}");
        let in_sample = TargetStat::fit(&t, 0, "c", &rows, &y);
        let leaky: Vec<f64> = values.iter().map(|v| in_sample.value(v)).collect();
        assert!(churn_eval_free_auc(&leaky, &y) > 0.65, "the in-sample statistic should leak");
        // A fully unique column: every row's category is unseen in the other folds.
        let unique: Vec<String> = (0..n).map(|i| format!("u{i}")).collect();
        let t = table(&unique);
        let prior = y.iter().filter(|&&b| b).count() as f64 / n as f64;
        assert!(out_of_fold(&t, 0, &rows, &y, 5).iter().all(|&v| v == prior));
    }

    /// Brute-force AUC (pairs, ties count half), so the test does not lean on churn-eval.
    fn churn_eval_free_auc(s: &[f64], y: &[bool]) -> f64 {
        let pos: Vec<f64> = s.iter().zip(y).filter(|(_, &l)| l).map(|(v, _)| *v).collect();
        let neg: Vec<f64> = s.iter().zip(y).filter(|(_, &l)| !l).map(|(v, _)| *v).collect();
        let mut sum = 0.0;
        for p in &pos {
            for q in &neg {
                sum += if p > q {
                    1.0
                } else if p == q {
                    0.5
                } else {
                    0.0
                };
            }
        }
        sum / (pos.len() * neg.len()) as f64
    }
}
