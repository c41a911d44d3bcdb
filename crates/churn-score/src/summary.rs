//! Accounts and revenue per risk tier and health state.

use std::collections::BTreeMap;

use churn_model::ModelFile;
use serde::Serialize;

/// One tier or health state of the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// Tier or state name.
    pub name: String,
    /// Accounts in it.
    pub accounts: u64,
    /// Their total revenue (with `--revenue`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue: Option<f64>,
    /// Their expected revenue loss, `Σ p × revenue` (with `--revenue`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_revenue_loss: Option<f64>,
    /// Mean churn probability.
    pub mean_probability: f64,
}

/// What a scoring run found, per tier and per health state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Per risk tier, highest first.
    pub tiers: Vec<SummaryRow>,
    /// Per health state, highest first.
    pub health_states: Vec<SummaryRow>,
    /// Revenue of accounts in the two highest risk tiers (with `--revenue`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue_at_risk: Option<f64>,
    /// Expected revenue loss over all accounts (with `--revenue`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_revenue_loss: Option<f64>,
    /// Scored rows per categorical column whose value was never seen in training (scored as
    /// the model's `__other__` bucket); only columns with any.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unseen_categories: BTreeMap<String, u64>,
    #[serde(skip)]
    sum_p: (Vec<f64>, Vec<f64>),
}

fn rows(names: impl Iterator<Item = String>, revenue: bool) -> Vec<SummaryRow> {
    names
        .map(|name| SummaryRow {
            name,
            accounts: 0,
            revenue: revenue.then_some(0.0),
            expected_revenue_loss: revenue.then_some(0.0),
            mean_probability: 0.0,
        })
        .collect()
}

impl Summary {
    /// An empty summary over the model's tiers and states.
    pub fn new(model: &ModelFile, revenue: bool) -> Summary {
        let t = model.tiers.bands().len();
        let h = model.health_states.bands().len();
        Summary {
            tiers: rows(model.tiers.bands().iter().map(|b| b.name.clone()), revenue),
            health_states: rows(model.health_states.bands().iter().map(|b| b.name.clone()), revenue),
            revenue_at_risk: revenue.then_some(0.0),
            expected_revenue_loss: revenue.then_some(0.0),
            unseen_categories: BTreeMap::new(),
            sum_p: (vec![0.0; t], vec![0.0; h]),
        }
    }

    /// Counts one value of `column` never seen in training.
    pub fn add_unseen(&mut self, column: &str) {
        match self.unseen_categories.get_mut(column) {
            Some(n) => *n += 1,
            None => {
                self.unseen_categories.insert(column.to_string(), 1);
            }
        }
    }

    /// Counts one account.
    pub fn add(&mut self, tier: usize, state: usize, p: f64, revenue: f64) {
        for (row, sum) in [
            (&mut self.tiers[tier], &mut self.sum_p.0[tier]),
            (&mut self.health_states[state], &mut self.sum_p.1[state]),
        ] {
            row.accounts += 1;
            *sum += p;
            row.mean_probability = *sum / row.accounts as f64;
            if let Some(r) = row.revenue.as_mut() {
                *r += revenue;
            }
            if let Some(r) = row.expected_revenue_loss.as_mut() {
                *r += p * revenue;
            }
        }
        if let Some(r) = self.expected_revenue_loss.as_mut() {
            *r += p * revenue;
        }
        if tier < 2 {
            if let Some(r) = self.revenue_at_risk.as_mut() {
                *r += revenue;
            }
        }
    }

    /// Adds another summary's counts (chunks are merged in input order).
    pub fn merge(&mut self, other: &Summary) {
        fn merge_rows(a: &mut [SummaryRow], sa: &mut [f64], b: &[SummaryRow], sb: &[f64]) {
            for ((x, sx), (y, sy)) in a.iter_mut().zip(sa.iter_mut()).zip(b.iter().zip(sb)) {
                x.accounts += y.accounts;
                *sx += sy;
                x.mean_probability = if x.accounts > 0 { *sx / x.accounts as f64 } else { 0.0 };
                if let (Some(r), Some(s)) = (x.revenue.as_mut(), y.revenue) {
                    *r += s;
                }
                if let (Some(r), Some(s)) = (x.expected_revenue_loss.as_mut(), y.expected_revenue_loss) {
                    *r += s;
                }
            }
        }
        merge_rows(&mut self.tiers, &mut self.sum_p.0, &other.tiers, &other.sum_p.0);
        merge_rows(&mut self.health_states, &mut self.sum_p.1, &other.health_states, &other.sum_p.1);
        if let (Some(r), Some(s)) = (self.revenue_at_risk.as_mut(), other.revenue_at_risk) {
            *r += s;
        }
        if let (Some(r), Some(s)) = (self.expected_revenue_loss.as_mut(), other.expected_revenue_loss) {
            *r += s;
        }
        for (c, n) in &other.unseen_categories {
            *self.unseen_categories.entry(c.clone()).or_default() += n;
        }
    }

    /// Accounts counted.
    pub fn accounts(&self) -> u64 {
        self.tiers.iter().map(|r| r.accounts).sum()
    }

    /// A plain-text table for the console.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let revenue = self.revenue_at_risk.is_some();
        for (title, rows) in [("risk tier", &self.tiers), ("health state", &self.health_states)] {
            s.push_str(&format!("  {title:<14} {:>10} {:>8}", "accounts", "mean p"));
            if revenue {
                s.push_str(&format!(" {:>14} {:>14}", "revenue", "expected loss"));
            }
            s.push('\n');
            for r in rows.iter() {
                s.push_str(&format!("  {:<14} {:>10} {:>8.3}", r.name, r.accounts, r.mean_probability));
                if let (Some(a), Some(b)) = (r.revenue, r.expected_revenue_loss) {
                    s.push_str(&format!(" {a:>14.2} {b:>14.2}"));
                }
                s.push('\n');
            }
        }
        if let (Some(a), Some(b)) = (self.revenue_at_risk, self.expected_revenue_loss) {
            s.push_str(&format!("  revenue in the two highest tiers: {a:.2}; expected revenue loss: {b:.2}\n"));
        }
        s
    }
}
