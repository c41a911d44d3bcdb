//! Warnings that keep figures honest: an AUC indistinguishable from chance, and evaluation on
//! the rows a model was trained on.

use churn_core::Table;
use churn_model::ModelFile;

/// Hanley & McNeil's (1982) 95% interval of an AUC from the class sizes alone: what `train` can
/// say about its test split from the model file's figures.
/// `SE² = (A(1−A) + (n₁−1)(Q₁−A²) + (n₂−1)(Q₂−A²)) / (n₁ n₂)`, `Q₁ = A/(2−A)`, `Q₂ = 2A²/(1+A)`.
pub fn hanley_mcneil_interval(auc: f64, positives: usize, negatives: usize) -> Option<(f64, f64)> {
    if positives == 0 || negatives == 0 || !auc.is_finite() {
        return None;
    }
    let (a, n1, n2) = (auc, positives as f64, negatives as f64);
    let (q1, q2) = (a / (2.0 - a), 2.0 * a * a / (1.0 + a));
    let var = (a * (1.0 - a) + (n1 - 1.0) * (q1 - a * a) + (n2 - 1.0) * (q2 - a * a)) / (n1 * n2);
    let se = var.max(0.0).sqrt();
    Some(((a - 1.96 * se).max(0.0), (a + 1.96 * se).min(1.0)))
}

/// A warning when an AUC interval includes 0.5 (`what`: which rows, e.g. "the test split").
pub fn auc_interval_warning(auc: f64, lo: f64, hi: f64, level: f64, what: &str) -> Option<String> {
    (lo <= 0.5 && 0.5 <= hi).then(|| {
        format!(
            "warning: the AUC on {what} is {auc:.3} and its {:.0}% interval [{lo:.3}, {hi:.3}] includes 0.5: the model's ranking is not distinguishable from chance on these rows",
            level * 100.0
        )
    })
}

/// A warning when most of `rows` of `table` were rows `model` was trained on (see
/// [`churn_model::rows`]); nothing for a model without the sketch.
pub fn training_rows_warning(model: &ModelFile, table: &Table, rows: &[usize]) -> Option<String> {
    model.training_rows.as_ref()?.warning(model, table, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hanley_mcneil_at_one_half_is_the_mann_whitney_null_variance() {
        // At A = 0.5 the formula reduces to Var(U / n1 n2) = (n1 + n2 + 1) / (12 n1 n2).
        for (n1, n2) in [(45usize, 64usize), (10, 300), (500, 500)] {
            let (lo, hi) = hanley_mcneil_interval(0.5, n1, n2).unwrap();
            let se = (hi - lo) / (2.0 * 1.96);
            let want = (((n1 + n2 + 1) as f64) / (12.0 * n1 as f64 * n2 as f64)).sqrt();
            assert!((se - want).abs() < 1e-12, "{se} vs {want}");
        }
        assert!(auc_interval_warning(0.55, 0.48, 0.62, 0.95, "x").is_some());
        assert!(auc_interval_warning(0.85, 0.80, 0.90, 0.95, "x").is_none());
    }
}
