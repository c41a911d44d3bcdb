//! Design matrices with target statistics of the categorical columns
//! ([`churn_model::target_stats`]): the candidate preprocessing "one-hot plus the smoothed churn
//! rate of each category", offered to gradient boosting as a challenger of its defaults.
//!
//! Rows a learner is fitted on get out-of-fold statistics (their own label never enters their
//! value); rows it is judged or scored on get the statistics of all the rows it was fitted on.

use churn_core::Table;
use churn_learn::Matrix;
use churn_model::preprocess::ColumnTransform;
use churn_model::target_stats::{out_of_fold, TargetStat};
use churn_model::Preprocessor;

use crate::search::HeldOut;
use crate::Split;

/// The categorical model columns: (table column, name).
pub(crate) fn categorical_columns(pre: &Preprocessor, cols: &[usize]) -> Vec<(usize, String)> {
    pre.columns
        .iter()
        .zip(cols)
        .filter(|(c, _)| matches!(c, ColumnTransform::OneHot { .. }))
        .map(|(c, &j)| (j, c.name().to_string()))
        .collect()
}

/// `x` with `extra` columns appended (each of `x.n_rows()` values).
fn append(x: &Matrix, extra: Vec<Vec<f64>>) -> Matrix {
    let (n, w) = (x.n_rows(), x.n_cols());
    let mut data = Vec::with_capacity(n * (w + extra.len()));
    data.extend_from_slice(x.as_slice());
    let k = extra.len();
    for col in extra {
        data.extend(col);
    }
    Matrix::from_col_major(n, w + k, data).expect("appended columns of the same rows")
}

/// The statistics of every categorical column fitted on table rows `rows` (labels `y`).
pub(crate) fn fit(table: &Table, cats: &[(usize, String)], rows: &[usize], y: &[bool]) -> Vec<TargetStat> {
    cats.iter().map(|(j, name)| TargetStat::fit(table, *j, name, rows, y)).collect()
}

/// `x` (the design of table rows `rows`, labels `y`) with the out-of-fold statistics appended.
pub(crate) fn with_out_of_fold(
    x: &Matrix,
    table: &Table,
    cats: &[(usize, String)],
    rows: &[usize],
    y: &[bool],
    seed: u64,
) -> Matrix {
    append(x, cats.iter().enumerate().map(|(c, (j, _))| out_of_fold(table, *j, rows, y, seed ^ c as u64)).collect())
}

/// `x` (the design of table rows `rows`) with the statistics `stats` appended.
pub(crate) fn with_fitted(
    x: &Matrix,
    table: &Table,
    cats: &[(usize, String)],
    stats: &[TargetStat],
    rows: &[usize],
) -> Matrix {
    append(
        x,
        cats.iter().zip(stats).map(|((j, _), s)| rows.iter().map(|&i| s.value(table.field(i, *j))).collect()).collect(),
    )
}

/// The held-out sets `sets` with target statistics: out of fold on the rows fitted on, fitted
/// on those rows for the held-out ones. `both`: under cross-validation, the table rows of the
/// positions in `sets` (train + validation); `None`: `sets` is the training split judged on
/// the validation split.
pub(crate) fn held_out_sets(
    sets: &[HeldOut],
    table: &Table,
    cats: &[(usize, String)],
    both: Option<&[usize]>,
    split: &Split,
    seed: u64,
) -> Vec<HeldOut> {
    sets.iter()
        .enumerate()
        .map(|(f, set)| {
            let (fit_rows, out_rows): (Vec<usize>, Vec<usize>) = match both {
                Some(both) => {
                    let mut out = vec![false; both.len()];
                    set.rows.iter().for_each(|&i| out[i] = true);
                    let fit = (0..both.len()).filter(|&i| !out[i]).map(|i| both[i]).collect();
                    (fit, set.rows.iter().map(|&i| both[i]).collect())
                }
                None => (split.train.clone(), split.validation.clone()),
            };
            let stats = fit(table, cats, &fit_rows, &set.y_fit);
            let seed = seed ^ ((f as u64 + 1) << 32);
            HeldOut {
                x_fit: with_out_of_fold(&set.x_fit, table, cats, &fit_rows, &set.y_fit, seed),
                y_fit: set.y_fit.clone(),
                w_fit: set.w_fit.clone(),
                x_out: with_fitted(&set.x_out, table, cats, &stats, &out_rows),
                y_out: set.y_out.clone(),
                w_out: set.w_out.clone(),
                rows: set.rows.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::schema::{ColumnKind, FeatureColumn};

    #[test]
    fn appended_columns_match_the_preprocessor_with_the_same_statistics() {
        let rows: Vec<Vec<String>> = (0..30)
            .map(|i| vec![format!("{}", i % 7), ["a", "b", "c", ""][i % 4].to_string(), format!("{}", i % 3 == 0)])
            .collect();
        let t = Table::from_rows("t.csv", vec!["x".into(), "cat".into(), "y".into()], &rows);
        let feats = vec![
            FeatureColumn { name: "x".into(), kind: ColumnKind::Numeric },
            FeatureColumn { name: "cat".into(), kind: ColumnKind::Categorical },
        ];
        let idx: Vec<usize> = (0..30).collect();
        let y: Vec<bool> = idx.iter().map(|i| i % 3 == 0).collect();
        let pre = Preprocessor::fit(&t, &feats, &idx).unwrap();
        let cats = categorical_columns(&pre, &[0, 1]);
        assert_eq!(cats, [(1, "cat".to_string())]);
        let stats = fit(&t, &cats, &idx, &y);
        let x = pre.transform_table(&t, &[0, 1], &idx).unwrap();
        let appended = with_fitted(&x, &t, &cats, &stats, &idx);
        let scoring = pre.clone().with_target_stats(stats).transform_table(&t, &[0, 1], &idx).unwrap();
        assert_eq!(appended, scoring);
        let oof = with_out_of_fold(&x, &t, &cats, &idx, &y, 1);
        assert_eq!(oof.n_cols(), x.n_cols() + 1);
        assert_eq!(&oof.as_slice()[..x.as_slice().len()], x.as_slice());
        assert_eq!(oof.col(x.n_cols()), &out_of_fold(&t, 1, &idx, &y, 1)[..]);
    }
}
