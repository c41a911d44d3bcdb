//! Warnings about single values that dominate a numeric column.
//!
//! One `tenure=1e308` among thousands of ordinary values trains (the scaling stays finite,
//! see `churn_model::preprocess`), but the column's other values then barely differ once
//! standardised. Training names such a value: column, line and value.

use churn_core::schema::{ColumnKind, FeatureColumn};
use churn_core::table::{is_missing, parse_number, Table};
use churn_learn::Matrix;

/// Training clamps standardised inputs to ± this. Within the rows the scaling was fitted on a
/// value is at most sqrt(n) standard deviations out; a row outside them (validation, test)
/// can be 1e306 out, and its square then overflows the logistic solver's Hessian. No real
/// input comes near the bound, so ordinary models are unchanged to the bit.
pub const INPUT_BOUND: f64 = 1e100;

/// `m` with every value clamped to ±[`INPUT_BOUND`] (`m` itself when none is beyond it).
pub fn bounded(m: Matrix) -> Matrix {
    if m.as_slice().iter().all(|v| v.abs() <= INPUT_BOUND) {
        return m;
    }
    let data = m.as_slice().iter().map(|v| v.clamp(-INPUT_BOUND, INPUT_BOUND));
    Matrix::from_col_major(m.n_rows(), m.n_cols(), data.collect()).expect("the same shape")
}

/// A value carrying more than this share of its column's sum of squared deviations (over all
/// rows) is reported.
pub const DOMINANT_SHARE: f64 = 0.9;
/// Columns with fewer numbers than this are not checked (one value of three is not news).
const MIN_VALUES: usize = 20;

/// One warning per numeric feature whose largest deviation from the mean carries more than
/// [`DOMINANT_SHARE`] of the column's variance over `rows`.
pub fn dominant_values(table: &Table, features: &[FeatureColumn], cols: &[usize], rows: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    for (f, &j) in features.iter().zip(cols) {
        if f.kind != ColumnKind::Numeric {
            continue;
        }
        let values: Vec<(usize, f64)> = rows
            .iter()
            .filter(|&&i| !is_missing(table.field(i, j)))
            .filter_map(|&i| parse_number(table.field(i, j)).map(|x| (i, x)))
            .collect();
        if values.len() < MIN_VALUES {
            continue;
        }
        // On values divided by the largest magnitude, so that 1e308 does not overflow.
        let scale = values.iter().fold(0.0f64, |m, &(_, x)| m.max(x.abs()));
        if scale == 0.0 {
            continue;
        }
        let mean = values.iter().map(|&(_, x)| x / scale).sum::<f64>() / values.len() as f64;
        let dev = |x: f64| (x / scale - mean).powi(2);
        let total: f64 = values.iter().map(|&(_, x)| dev(x)).sum();
        let (i, x) = values.iter().copied().fold(values[0], |b, v| if dev(v.1) > dev(b.1) { v } else { b });
        let share = dev(x) / total;
        if total > 0.0 && share > DOMINANT_SHARE {
            out.push(format!(
                "column `{}`: line {}, value `{}` is an outlier: it alone carries {:.1}% of the column's variance, so its \
                 other values barely differ once scaled; check the value, or drop the column",
                f.name,
                table.line(i),
                churn_core::excerpt(table.field(i, j)),
                100.0 * share
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(values: &[String]) -> Table {
        let rows: Vec<Vec<String>> = values.iter().map(|v| vec![v.clone()]).collect();
        Table::from_rows("t.csv", vec!["tenure".into()], &rows)
    }

    #[test]
    fn inputs_beyond_the_bound_are_clamped_and_others_kept() {
        let m = Matrix::from_col_major(3, 1, vec![1.5, -2.0, 3.0]).unwrap();
        assert_eq!(bounded(m.clone()), m);
        let b = bounded(Matrix::from_col_major(3, 1, vec![1.5, 1.3e306, -f64::INFINITY]).unwrap());
        assert_eq!(b.col(0), [1.5, INPUT_BOUND, -INPUT_BOUND]);
    }

    #[test]
    fn names_a_dominant_value_and_nothing_else() {
        let feats = [FeatureColumn { name: "tenure".into(), kind: ColumnKind::Numeric }];
        let mut v: Vec<String> = (0..100).map(|i| (i % 72).to_string()).collect();
        let all: Vec<usize> = (0..100).collect();
        assert!(dominant_values(&table(&v), &feats, &[0], &all).is_empty());
        v[41] = "1e308".into();
        let w = dominant_values(&table(&v), &feats, &[0], &all);
        assert_eq!(w.len(), 1);
        // 99 ordinary values and one at 1e308: it carries 99% of the squared deviations (see
        // the preprocessing test: deviations 0.99 d and 0.01 d, 0.99^2 / (0.99^2 + 99 * 0.01^2)).
        assert!(
            w[0].starts_with("column `tenure`: line 43, value `1e308` is an outlier: it alone carries 99.0%"),
            "{}",
            w[0]
        );
        // Not among the rows checked (another split): nothing.
        let rows: Vec<usize> = (0..100).filter(|&i| i != 41).collect();
        assert!(dominant_values(&table(&v), &feats, &[0], &rows).is_empty());
        // A value far out (300 among 0-71, about 60% of the variance) is not reported.
        v[41] = "300".into();
        assert!(dominant_values(&table(&v), &feats, &[0], &all).is_empty());
    }
}
