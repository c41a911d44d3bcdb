//! Fitted preprocessing: imputation, standardisation and one-hot encoding.
//!
//! Fitted on the training split only, stored in the model file, and applied identically at
//! training, evaluation and scoring time. Missing values are explicit: a numeric column with
//! missing values in training gets a `<name>__missing` indicator besides its median imputation,
//! and a categorical column gets a `__missing__` category. Categories too rare in training
//! (and any category never seen in training) go to an `__other__` bucket.

use std::collections::HashMap;

use churn_core::schema::{ColumnKind, FeatureColumn};
use churn_core::table::{is_missing, FnvBuildHasher, Table};
use churn_learn::Matrix;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, RowError};
use crate::target_stats::TargetStat;

/// Categories seen fewer times than this in training go to `__other__`.
pub const MIN_CATEGORY_COUNT: usize = 5;
/// At most this many categories per column get their own column (the most frequent ones).
pub const MAX_CATEGORIES: usize = 100;
/// Columns with at most this many categories are looked up by comparing the text with each
/// (cheaper than hashing it).
const LINEAR_LOOKUP: usize = 8;
/// The bucket for rare and unseen categories.
pub const OTHER: &str = "__other__";
/// The category of missing values.
pub const MISSING: &str = "__missing__";

/// How one input column becomes one or more model inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encoding", rename_all = "snake_case", deny_unknown_fields)]
pub enum ColumnTransform {
    /// Numbers (also booleans as 0/1 and dates as day numbers): impute, then standardise.
    Scaled {
        /// Input column.
        name: String,
        /// How the text is read.
        kind: ColumnKind,
        /// Training median, used for missing values.
        median: f64,
        /// Training mean (after imputation).
        mean: f64,
        /// Training standard deviation (1 when constant).
        std: f64,
        /// Whether a `__missing` indicator column follows.
        missing_indicator: bool,
    },
    /// One column per kept category, then `__missing__` (if seen in training) and `__other__`.
    OneHot {
        /// Input column.
        name: String,
        /// Kept categories, most frequent first.
        categories: Vec<String>,
        /// Whether missing values were seen in training (and get their own column).
        missing_category: bool,
    },
}

impl ColumnTransform {
    /// The input column.
    pub fn name(&self) -> &str {
        match self {
            ColumnTransform::Scaled { name, .. } | ColumnTransform::OneHot { name, .. } => name,
        }
    }

    /// Number of model inputs this column produces.
    pub fn width(&self) -> usize {
        match self {
            ColumnTransform::Scaled { missing_indicator, .. } => 1 + *missing_indicator as usize,
            ColumnTransform::OneHot { categories, missing_category, .. } => {
                categories.len() + *missing_category as usize + 1
            }
        }
    }
}

/// The fitted preprocessing of every feature column, in model order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    /// One transform per input feature column.
    pub columns: Vec<ColumnTransform>,
    /// Target statistics of categorical columns, one model input each after those of
    /// `columns` (see [`crate::target_stats`]); none unless training chose them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_stats: Vec<TargetStat>,
    /// Position in `columns` of each target statistic's column (rebuilt on load; `usize::MAX`
    /// when no column has its name, which validation refuses).
    #[serde(skip)]
    stat_columns: Vec<usize>,
    /// Lookup from category text to its position, per one-hot column (rebuilt on load).
    #[serde(skip)]
    lookup: Vec<HashMap<String, usize, FnvBuildHasher>>,
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Mean and standard deviation of `present` (whose plain sum, in reading order, is `sum`)
/// with `n_missing` more values equal to `med` (the imputed column). Values near `f64::MAX`
/// (`1e308`) overflow the sum or the squares: then both are computed on the values divided by
/// the largest magnitude, so they stay finite (the plain formula otherwise, so that every
/// other model is unchanged to the bit).
fn mean_sd(present: &[f64], sum: f64, med: f64, n_missing: usize) -> (f64, f64) {
    let n = (present.len() + n_missing).max(1) as f64;
    let mean = (sum + med * n_missing as f64) / n;
    let var = (present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() + n_missing as f64 * (med - mean).powi(2)) / n;
    if mean.is_finite() && var.is_finite() {
        return (mean, var.sqrt());
    }
    let scale = present.iter().fold(med.abs(), |m, x| m.max(x.abs()));
    let mean = (present.iter().map(|x| x / scale).sum::<f64>() + med / scale * n_missing as f64) / n;
    let var = (present.iter().map(|x| (x / scale - mean).powi(2)).sum::<f64>()
        + n_missing as f64 * (med / scale - mean).powi(2))
        / n;
    (mean * scale, var.sqrt() * scale)
}

impl Preprocessor {
    /// Fits on the rows `rows` of `table` (the training split).
    pub fn fit(table: &Table, features: &[FeatureColumn], rows: &[usize]) -> Result<Preprocessor, ModelError> {
        let mut columns = Vec::with_capacity(features.len());
        for f in features {
            let j = table.column_index(&f.name)?;
            match f.kind {
                ColumnKind::Categorical => {
                    let mut counts: HashMap<&str, usize> = HashMap::new();
                    let mut missing = 0usize;
                    for &i in rows {
                        let v = table.field(i, j);
                        if is_missing(v) {
                            missing += 1;
                        } else {
                            *counts.entry(v.trim()).or_default() += 1;
                        }
                    }
                    let mut cats: Vec<(&str, usize)> =
                        counts.into_iter().filter(|(_, c)| *c >= MIN_CATEGORY_COUNT).collect();
                    cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                    cats.truncate(MAX_CATEGORIES);
                    columns.push(ColumnTransform::OneHot {
                        name: f.name.clone(),
                        categories: cats.into_iter().map(|(c, _)| c.to_string()).collect(),
                        missing_category: missing > 0,
                    });
                }
                kind => {
                    let mut present = Vec::with_capacity(rows.len());
                    for &i in rows {
                        let v = table.field(i, j);
                        if is_missing(v) {
                            continue;
                        }
                        let x = kind.parse(v).ok_or_else(|| churn_core::CoreError::BadValue {
                            path: table.path().into(),
                            line: table.line(i),
                            column: f.name.clone(),
                            value: v.to_string(),
                            expected: kind.expected(),
                        })?;
                        present.push(x);
                    }
                    let n_missing = rows.len() - present.len();
                    let sum: f64 = present.iter().sum();
                    let mut sorted = present;
                    let med = median(&mut sorted);
                    let (mean, sd) = mean_sd(&sorted, sum, med, n_missing);
                    let std = if sd > 1e-12 * mean.abs().max(1.0) { sd } else { 1.0 };
                    columns.push(ColumnTransform::Scaled {
                        name: f.name.clone(),
                        kind,
                        median: med,
                        mean,
                        std,
                        missing_indicator: n_missing > 0,
                    });
                }
            }
        }
        Ok(Preprocessor::new(columns))
    }

    /// Wraps transforms (e.g. deserialized ones) and builds the category lookups.
    pub fn new(columns: Vec<ColumnTransform>) -> Preprocessor {
        let lookup = columns
            .iter()
            .map(|c| match c {
                ColumnTransform::OneHot { categories, .. } => {
                    categories.iter().enumerate().map(|(k, c)| (c.clone(), k)).collect()
                }
                ColumnTransform::Scaled { .. } => HashMap::default(),
            })
            .collect();
        Preprocessor { columns, target_stats: Vec::new(), stat_columns: Vec::new(), lookup }
    }

    /// The same preprocessing followed by `stats`, one model input each.
    pub fn with_target_stats(self, stats: Vec<TargetStat>) -> Preprocessor {
        let stat_columns =
            stats.iter().map(|s| self.columns.iter().position(|c| c.name() == s.name).unwrap_or(usize::MAX)).collect();
        Preprocessor { target_stats: stats, stat_columns, ..self }
    }

    /// Rebuilds derived lookups after deserialization.
    pub(crate) fn rebuild(&mut self) {
        let stats = std::mem::take(&mut self.target_stats);
        *self = Preprocessor::new(std::mem::take(&mut self.columns)).with_target_stats(stats);
    }

    /// Whether every target statistic names a column of `columns` (checked on load).
    pub(crate) fn stats_bound(&self) -> Result<(), String> {
        match self.stat_columns.iter().position(|&c| c == usize::MAX) {
            Some(k) => Err(format!("target statistic of `{}`, which is no feature column", self.target_stats[k].name)),
            None => Ok(()),
        }
    }

    /// Number of model inputs.
    pub fn width(&self) -> usize {
        self.columns.iter().map(ColumnTransform::width).sum::<usize>() + self.target_stats.len()
    }

    /// Names of the model inputs, in order.
    pub fn output_names(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.width());
        for c in &self.columns {
            match c {
                ColumnTransform::Scaled { name, missing_indicator, .. } => {
                    out.push(name.clone());
                    if *missing_indicator {
                        out.push(format!("{name}__missing"));
                    }
                }
                ColumnTransform::OneHot { name, categories, missing_category } => {
                    out.extend(categories.iter().map(|c| format!("{name}={c}")));
                    if *missing_category {
                        out.push(format!("{name}={MISSING}"));
                    }
                    out.push(format!("{name}={OTHER}"));
                }
            }
        }
        out.extend(self.target_stats.iter().map(|s| format!("{}__target_rate", s.name)));
        out
    }

    /// Index of the input column each model input comes from.
    pub fn output_sources(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .flat_map(|(k, c)| std::iter::repeat_n(k, c.width()))
            .chain(self.stat_columns.iter().copied())
            .collect()
    }

    /// Transforms one row, given its raw fields in model column order, into `out`
    /// (length [`Preprocessor::width`]). A value that cannot be read is a [`RowError`].
    pub fn transform_row(&self, fields: &[&str], out: &mut [f64]) -> Result<(), RowError> {
        self.transform_fields(|c| fields[c], out)
    }

    /// [`Self::transform_row`] with the raw field of model column `c` given by `field(c)`, so
    /// that a caller holding a whole input record need not gather the model's fields first.
    #[inline]
    pub fn transform_fields<'a>(&self, field: impl Fn(usize) -> &'a str, out: &mut [f64]) -> Result<(), RowError> {
        let mut k = 0;
        for (c, t) in self.columns.iter().enumerate() {
            let v = field(c);
            match t {
                ColumnTransform::Scaled { kind, median, mean, std, missing_indicator, .. } => {
                    let (x, miss) = if is_missing(v) {
                        (*median, 1.0)
                    } else {
                        match kind.parse(v) {
                            Some(x) => (x, 0.0),
                            None => {
                                return Err(RowError { column: c, value: v.to_string(), expected: kind.expected() })
                            }
                        }
                    };
                    out[k] = (x - mean) / std;
                    k += 1;
                    if *missing_indicator {
                        out[k] = miss;
                        k += 1;
                    }
                }
                ColumnTransform::OneHot { categories, missing_category, .. } => {
                    let w = t.width();
                    out[k..k + w].fill(0.0);
                    let pos = if is_missing(v) {
                        if *missing_category {
                            categories.len()
                        } else {
                            w - 1
                        }
                    } else {
                        let v = churn_core::table::trim(v);
                        if categories.len() <= LINEAR_LOOKUP {
                            categories.iter().position(|c| c == v).unwrap_or(w - 1)
                        } else {
                            self.lookup[c].get(v).copied().unwrap_or(w - 1)
                        }
                    };
                    out[k + pos] = 1.0;
                    k += w;
                }
            }
        }
        for (s, &c) in self.target_stats.iter().zip(&self.stat_columns) {
            out[k] = s.value(field(c));
            k += 1;
        }
        Ok(())
    }

    /// Transforms rows `rows` of `table` into a design matrix; `cols[c]` is the table column
    /// of model column `c`. Errors name the file, line, column and value.
    pub fn transform_table(&self, table: &Table, cols: &[usize], rows: &[usize]) -> Result<Matrix, ModelError> {
        let w = self.width();
        let mut data = vec![0.0; rows.len() * w];
        let mut buf = vec![0.0; w];
        let mut fields: Vec<&str> = Vec::with_capacity(cols.len());
        for (r, &i) in rows.iter().enumerate() {
            fields.clear();
            fields.extend(cols.iter().map(|&j| table.field(i, j)));
            self.transform_row(&fields, &mut buf).map_err(|e| churn_core::CoreError::BadValue {
                path: table.path().into(),
                line: table.line(i),
                column: self.columns[e.column].name().to_string(),
                value: e.value.clone(),
                expected: e.expected,
            })?;
            for (j, v) in buf.iter().enumerate() {
                data[j * rows.len() + r] = *v;
            }
        }
        Ok(Matrix::from_col_major(rows.len(), w, data).expect("sized above"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let rows: Vec<Vec<String>> = (0..20)
            .map(|i| {
                vec![
                    if i % 5 == 0 { "".into() } else { format!("{}", i) },
                    (if i < 12 {
                        "a"
                    } else if i < 18 {
                        "b"
                    } else {
                        "rare"
                    })
                    .to_string(),
                    (if i % 2 == 0 { "Yes" } else { "No" }).to_string(),
                ]
            })
            .collect();
        Table::from_rows("t.csv", vec!["x".into(), "cat".into(), "flag".into()], &rows)
    }

    #[test]
    fn fit_and_transform() {
        let t = table();
        let feats = vec![
            FeatureColumn { name: "x".into(), kind: ColumnKind::Numeric },
            FeatureColumn { name: "cat".into(), kind: ColumnKind::Categorical },
            FeatureColumn { name: "flag".into(), kind: ColumnKind::Boolean },
        ];
        let rows: Vec<usize> = (0..20).collect();
        let p = Preprocessor::fit(&t, &feats, &rows).unwrap();
        assert_eq!(p.output_names(), ["x", "x__missing", "cat=a", "cat=b", "cat=__other__", "flag"]);
        assert_eq!(p.output_sources(), [0, 0, 1, 1, 1, 2]);
        let ColumnTransform::Scaled { median, mean, .. } = p.columns[0] else { panic!() };
        // present values: 1..19 except multiples of 5 -> median of 15 values
        let mut present: Vec<f64> = (1..20).filter(|i| i % 5 != 0).map(f64::from).collect();
        assert_eq!(median, super::median(&mut present));
        let m = p.transform_table(&t, &[0, 1, 2], &rows).unwrap();
        let col_mean: f64 = m.col(0).iter().sum::<f64>() / 20.0;
        let col_var: f64 = m.col(0).iter().map(|v| v * v).sum::<f64>() / 20.0;
        assert!(col_mean.abs() < 1e-12 && (col_var - 1.0).abs() < 1e-12);
        assert_eq!(m.col(1).iter().sum::<f64>(), 4.0); // four missing x
        assert!((m.get(0, 0) * 0.0 + mean).is_finite());
        let mut out = vec![0.0; 6];
        p.transform_row(&["3", "never-seen", "no"], &mut out).unwrap();
        // x not missing; unseen category -> __other__; "no" standardised: (0 - 0.5) / 0.5.
        assert_eq!(&out[1..], &[0.0, 0.0, 0.0, 1.0, -1.0]);
        let e = p.transform_row(&["three", "a", "yes"], &mut out).unwrap_err();
        assert_eq!((e.column, e.value.as_str()), (0, "three"));
    }

    #[test]
    fn target_statistics_follow_the_column_inputs_and_score_with_the_stored_values() {
        let t = table();
        let feats = vec![
            FeatureColumn { name: "x".into(), kind: ColumnKind::Numeric },
            FeatureColumn { name: "cat".into(), kind: ColumnKind::Categorical },
        ];
        let rows: Vec<usize> = (0..20).collect();
        let y: Vec<bool> = (0..20).map(|i| i % 3 == 0).collect();
        let stat = TargetStat::fit(&t, 1, "cat", &rows, &y);
        let p = Preprocessor::fit(&t, &feats, &rows).unwrap().with_target_stats(vec![stat.clone()]);
        assert_eq!(p.width(), 6);
        assert_eq!(p.output_names()[5], "cat__target_rate");
        assert_eq!(p.output_sources(), [0, 0, 1, 1, 1, 1]);
        // Category a: rows 0..12, churned 0, 3, 6, 9; prior 7 / 20; smoothing 10.
        let prior = 7.0 / 20.0;
        let mut out = vec![0.0; 6];
        p.transform_row(&["3", "a"], &mut out).unwrap();
        assert!((out[5] - (4.0 + 10.0 * prior) / 22.0).abs() < 1e-15);
        p.transform_row(&["3", "unseen"], &mut out).unwrap();
        assert_eq!(out[5], prior);
        // Stored in the model file and rebuilt on load; absent when there is none.
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"target_stats\""));
        let mut back: Preprocessor = serde_json::from_str(&json).unwrap();
        back.rebuild();
        assert_eq!(back, p);
        let mut again = vec![0.0; 6];
        back.transform_row(&["3", "a"], &mut again).unwrap();
        p.transform_row(&["3", "a"], &mut out).unwrap();
        assert_eq!(again, out);
        let plain = Preprocessor::fit(&t, &feats, &rows).unwrap();
        assert!(!serde_json::to_string(&plain).unwrap().contains("target_stats"));
    }

    #[test]
    fn a_value_near_f64_max_keeps_the_scaling_finite() {
        // 99 values of 30 and one 1e308: the plain sum of squares overflows.
        let rows: Vec<Vec<String>> =
            (0..100).map(|i| vec![if i == 7 { "1e308".to_string() } else { "30".to_string() }]).collect();
        let t = Table::from_rows("t.csv", vec!["tenure".into()], &rows);
        let feats = vec![FeatureColumn { name: "tenure".into(), kind: ColumnKind::Numeric }];
        let p = Preprocessor::fit(&t, &feats, &(0..100).collect::<Vec<_>>()).unwrap();
        let ColumnTransform::Scaled { mean, std, .. } = p.columns[0] else { panic!() };
        // Exact moments: mean = 1e306 + 0.99 * 30; sd = |1e308 - 30| * sqrt(99) / 100.
        let (want_mean, want_sd) = (1e306 + 29.7, (1e308 - 30.0) / 100.0 * 99f64.sqrt());
        assert!((mean / want_mean - 1.0).abs() < 1e-12, "{mean}");
        assert!((std / want_sd - 1.0).abs() < 1e-12, "{std}");
        let m = p.transform_table(&t, &[0], &(0..100).collect::<Vec<_>>()).unwrap();
        assert!(m.col(0).iter().all(|v| v.is_finite()));
        // The outlier at sqrt(99) standard deviations above the mean, the rest just below.
        assert!((m.get(7, 0) - 99f64.sqrt()).abs() < 1e-9);
        assert!((m.get(0, 0) + 1.0 / 99f64.sqrt()).abs() < 1e-9);
        // Ordinary columns: the plain formula, as before.
        assert_eq!(mean_sd(&[1.0, 2.0, 3.0, 6.0], 12.0, 2.5, 0), (3.0, 3.5f64.sqrt()));
    }

    #[test]
    fn serde_round_trip_rebuilds_lookup() {
        let t = table();
        let feats = vec![FeatureColumn { name: "cat".into(), kind: ColumnKind::Categorical }];
        let p = Preprocessor::fit(&t, &feats, &(0..20).collect::<Vec<_>>()).unwrap();
        let mut back: Preprocessor = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        back.rebuild();
        let mut a = vec![0.0; 3];
        let mut b = vec![0.0; 3];
        p.transform_row(&["b"], &mut a).unwrap();
        back.transform_row(&["b"], &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, [0.0, 1.0, 0.0]);
    }
}
