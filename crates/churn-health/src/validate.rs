//! Validating a health score against observed churn, like a model.

use std::fmt::Write as _;

use churn_core::Table;
use churn_learn::{LogisticRegression, LogisticValidParams, Matrix};
use serde::Serialize;

use crate::config::HealthConfig;
use crate::error::HealthError;
use crate::scorer::{combine, HealthScorer};

/// Churn in one health state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateRow {
    /// State name, e.g. `Thriving`.
    pub name: String,
    /// Inclusive lower bound of the health score.
    pub min: f64,
    /// Upper bound of the health score.
    pub max: f64,
    /// Accounts in the state.
    pub n: usize,
    /// Churned accounts in the state.
    pub churned: usize,
    /// `churned / n`; `None` for an empty state.
    pub churn_rate: Option<f64>,
}

/// How one component relates to churn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentValidation {
    /// Component name.
    pub name: String,
    /// Input column.
    pub column: String,
    /// Configured weight (percent).
    pub weight: f64,
    /// Rows where the component is present.
    pub n_present: usize,
    /// Mean component score over those rows.
    pub mean: f64,
    /// Standard deviation (population) of the component score over those rows.
    pub std: f64,
    /// AUC of `100 - component score` against churn over those rows (0.5 = no signal, below
    /// 0.5 = a higher score goes with more churn); `None` without both classes.
    pub auc: Option<f64>,
    /// Logistic-regression coefficient of the standardised component score (log-odds of
    /// churn per standard deviation; negative = risk-reducing), when the fit succeeded.
    pub coefficient: Option<f64>,
    /// Proposed weight (percent), when weights could be proposed.
    pub proposed_weight: Option<u32>,
}

/// Data-driven weights proposed from a logistic regression of churn on the component scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedWeights {
    /// `(component, weight)`, weights summing to 100.
    pub weights: Vec<(String, u32)>,
    /// AUC of the health score with these weights, on the same data they were fitted on
    /// (in-sample, hence optimistic).
    pub in_sample_auc: f64,
}

/// The validation of a health score against churn labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Validation {
    /// Rows in the table.
    pub n_rows: usize,
    /// Rows with a health score (at least one component present).
    pub n_scored: usize,
    /// Churned accounts among the scored rows.
    pub n_churned: usize,
    /// Churn rate among the scored rows.
    pub churn_rate: f64,
    /// Mean health score.
    pub mean_health: f64,
    /// AUC of `100 - health` against churn (0.5 = no better than chance).
    pub auc: f64,
    /// Churn by health state, healthiest first.
    pub states: Vec<StateRow>,
    /// The two healthiest states, where churn is a surprise.
    pub surprise_states: Vec<String>,
    /// Churned accounts in the two healthiest states.
    pub surprise_churns: usize,
    /// `surprise_churns / n_churned`: the share of churners the score called healthy.
    pub surprise_rate: f64,
    /// Per component.
    pub components: Vec<ComponentValidation>,
    /// Proposed weights, when at least one component reduces risk.
    pub proposed: Option<ProposedWeights>,
    /// Things the reader should know.
    pub warnings: Vec<String>,
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, var.sqrt())
}

/// Rounds non-negative `shares` to whole percentages summing to 100 (largest remainder).
pub(crate) fn round_to_100(shares: &[f64]) -> Vec<u32> {
    let total: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares.iter().map(|s| s / total * 100.0).collect();
    let mut out: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
    let short = 100 - out.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &k in order.iter().take(short as usize) {
        out[k] += 1;
    }
    out
}

/// Validates the health score of `config` on `table` against `labels` (true = churned).
///
/// Rows with every component missing are left out (`n_scored < n_rows`). Weights are proposed
/// from an L2 logistic regression (C = 1) of churn on the standardised component scores, a
/// missing score imputed with the component's mean: each component's weight is proportional to
/// its risk-reducing standardised coefficient (the raw coefficient times the component's
/// standard deviation); components whose higher scores go with more churn get 0.
pub fn validate(config: &HealthConfig, table: &Table, labels: &[bool]) -> Result<Validation, HealthError> {
    if labels.len() != table.n_rows() {
        return Err(HealthError::Labels { path: table.path().into(), rows: table.n_rows(), labels: labels.len() });
    }
    let scorer = HealthScorer::new(config, table.headers(), table.path())?;
    let k = config.components.len();
    let mut comps: Vec<Vec<Option<f64>>> = Vec::new();
    let mut health = Vec::new();
    let mut y = Vec::new();
    for (i, &label) in labels.iter().enumerate() {
        let c = scorer.component_scores_with(|j| table.field(i, j)).map_err(|source| HealthError::Row {
            path: table.path().into(),
            line: table.line(i),
            source,
        })?;
        if let Some(h) = scorer.combine(&c) {
            comps.push(c);
            health.push(h);
            y.push(label);
        }
    }
    let mut warnings = Vec::new();
    let n_scored = health.len();
    if n_scored < table.n_rows() {
        warnings.push(format!("{} rows have every component missing and are left out", table.n_rows() - n_scored));
    }
    let risk: Vec<f64> = health.iter().map(|h| 100.0 - h).collect();
    let auc = churn_eval::roc_auc(&risk, &y)?;
    let n_churned = y.iter().filter(|&&b| b).count();

    let bands = config.states.bands();
    let mut states: Vec<StateRow> = bands
        .iter()
        .map(|b| StateRow { name: b.name.clone(), min: b.min, max: b.max, n: 0, churned: 0, churn_rate: None })
        .collect();
    for (&h, &l) in health.iter().zip(&y) {
        let s = &mut states[config.states.index_of(h)];
        s.n += 1;
        s.churned += usize::from(l);
    }
    for s in &mut states {
        s.churn_rate = (s.n > 0).then(|| s.churned as f64 / s.n as f64);
    }
    let top = states.len().min(2);
    let surprise_states: Vec<String> = states[..top].iter().map(|s| s.name.clone()).collect();
    let surprise_churns: usize = states[..top].iter().map(|s| s.churned).sum();

    let mut components = Vec::with_capacity(k);
    let mut means = Vec::with_capacity(k);
    let mut stds = Vec::with_capacity(k);
    for (ci, c) in config.components.iter().enumerate() {
        let (vals, labs): (Vec<f64>, Vec<bool>) =
            comps.iter().zip(&y).filter_map(|(r, &l)| r[ci].map(|v| (v, l))).unzip();
        let (mean, std) = mean_std(&vals);
        let npos = labs.iter().filter(|&&b| b).count();
        let cauc = if npos > 0 && npos < labs.len() {
            let r: Vec<f64> = vals.iter().map(|v| 100.0 - v).collect();
            Some(churn_eval::roc_auc(&r, &labs)?)
        } else {
            None
        };
        if vals.is_empty() {
            warnings.push(format!("component `{}` is missing on every scored row", c.name));
        } else if std == 0.0 {
            warnings.push(format!("component `{}` scores {mean} on every row: it cannot separate anything", c.name));
        }
        means.push(if mean.is_finite() { mean } else { 0.0 });
        stds.push(if std.is_finite() { std } else { 0.0 });
        components.push(ComponentValidation {
            name: c.name.clone(),
            column: c.column.clone(),
            weight: c.weight,
            n_present: vals.len(),
            mean,
            std,
            auc: cauc,
            coefficient: None,
            proposed_weight: None,
        });
    }

    // Logistic regression of churn on the standardised component scores.
    let rows: Vec<Vec<f64>> = comps
        .iter()
        .map(|r| {
            (0..k)
                .map(|ci| if stds[ci] > 0.0 { (r[ci].unwrap_or(means[ci]) - means[ci]) / stds[ci] } else { 0.0 })
                .collect()
        })
        .collect();
    let mut proposed = None;
    let fit = Matrix::from_rows(&rows).ok_or("empty design matrix".to_string()).and_then(|x| {
        LogisticRegression::fit(&x, &y, &vec![1.0; y.len()], &LogisticValidParams::default()).map_err(|e| e.to_string())
    });
    match fit {
        Ok(lr) => {
            let shares: Vec<f64> = lr.coef.iter().map(|&b| (-b).max(0.0)).collect();
            for (cv, &b) in components.iter_mut().zip(&lr.coef) {
                cv.coefficient = Some(b);
            }
            if shares.iter().sum::<f64>() > 0.0 {
                let w = round_to_100(&shares);
                let wf: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
                let r: Vec<f64> = comps.iter().map(|c| 100.0 - combine(c, &wf).unwrap_or(50.0)).collect();
                let in_sample_auc = churn_eval::roc_auc(&r, &y)?;
                for (cv, &wi) in components.iter_mut().zip(&w) {
                    cv.proposed_weight = Some(wi);
                }
                proposed = Some(ProposedWeights {
                    weights: config.components.iter().map(|c| c.name.clone()).zip(w).collect(),
                    in_sample_auc,
                });
            } else {
                warnings.push("no component lowers churn as its score rises: no weights proposed".into());
            }
        }
        Err(e) => warnings.push(format!("the logistic regression for proposed weights failed: {e}")),
    }
    for cv in &components {
        if cv.auc.is_some_and(|a| a < 0.45) {
            warnings.push(format!(
                "component `{}` has AUC {:.3}, below 0.5: accounts scoring higher on it churn more; check its direction (invert?)",
                cv.name,
                cv.auc.unwrap_or(0.5)
            ));
        }
    }

    Ok(Validation {
        n_rows: table.n_rows(),
        n_scored,
        n_churned,
        churn_rate: if n_scored > 0 { n_churned as f64 / n_scored as f64 } else { f64::NAN },
        mean_health: mean_std(&health).0,
        auc,
        states,
        surprise_states,
        surprise_churns,
        surprise_rate: if n_churned > 0 { surprise_churns as f64 / n_churned as f64 } else { 0.0 },
        components,
        proposed,
        warnings,
    })
}

impl Validation {
    /// A plain-text report: headline, churn by state, components, proposed weights.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Health score validation: {} of {} rows scored, {} churned ({:.1}%), mean health {:.1}",
            self.n_scored,
            self.n_rows,
            self.n_churned,
            self.churn_rate * 100.0,
            self.mean_health
        );
        let _ = writeln!(s, "AUC (100 - health vs churn): {:.4}   (0.5 = chance)", self.auc);
        let _ = writeln!(
            s,
            "Surprise churns (churned while {}): {} = {:.1}% of churners\n",
            self.surprise_states.join(" or "),
            self.surprise_churns,
            self.surprise_rate * 100.0
        );
        let _ = writeln!(s, "{:<12} {:>9} {:>7} {:>8} {:>11}", "state", "health", "n", "churned", "churn rate");
        for r in &self.states {
            let range = format!("{}-{}", r.min, r.max);
            let rate = r.churn_rate.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0));
            let _ = writeln!(s, "{:<12} {:>9} {:>7} {:>8} {:>11}", r.name, range, r.n, r.churned, rate);
        }
        let _ = writeln!(
            s,
            "\n{:<14} {:<14} {:>6} {:>7} {:>6} {:>6} {:>7} {:>7} {:>8}",
            "component", "column", "weight", "present", "mean", "std", "AUC", "coef", "proposed"
        );
        for c in &self.components {
            let _ = writeln!(
                s,
                "{:<14} {:<14} {:>6} {:>7} {:>6.1} {:>6.1} {:>7} {:>7} {:>8}",
                c.name,
                c.column,
                c.weight,
                c.n_present,
                c.mean,
                c.std,
                c.auc.map_or_else(|| "n/a".into(), |a| format!("{a:.4}")),
                c.coefficient.map_or_else(|| "n/a".into(), |a| format!("{a:+.3}")),
                c.proposed_weight.map_or_else(|| "-".into(), |w| w.to_string())
            );
        }
        if let Some(p) = &self.proposed {
            let _ = writeln!(
                s,
                "\nProposed weights: {}  -> AUC {:.4} (in-sample: fitted and measured on the same rows, optimistic)",
                p.weights.iter().map(|(n, w)| format!("{n} {w}")).collect::<Vec<_>>().join(", "),
                p.in_sample_auc
            );
        }
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::round_to_100;

    #[test]
    fn rounding_to_100_uses_largest_remainders() {
        assert_eq!(round_to_100(&[1.0, 1.0, 1.0]), [34, 33, 33]);
        assert_eq!(round_to_100(&[0.0, 2.0, 6.0]), [0, 25, 75]);
        assert_eq!(round_to_100(&[0.494, 0.326, 0.06, 0.12]).iter().sum::<u32>(), 100);
    }
}
