//! Churn is predictable from usage change, much less from static columns, and not trivially
//! (no leakage); the churn rate is plausible.

mod common;

use churn_sim::SimConfig;
use common::{auc, run, Table};

#[test]
fn churn_follows_usage_decline_not_static_columns() {
    let config = SimConfig { accounts: 3000, seed: 2024, ..SimConfig::default() };
    let (dir, summary) = run(&config, 2);
    let snap = Table::read(&dir.path().join("snapshot.csv"));
    let churned: Vec<bool> = snap.rows.iter().map(|r| r[snap.col("churned")] == "1").collect();
    let n = churned.len();
    let positives = churned.iter().filter(|&&c| c).count();
    let rate = positives as f64 / n as f64;
    assert!((0.04..=0.20).contains(&rate), "snapshot churn rate {rate}");
    assert_eq!(positives as u64, summary.snapshot_churned);
    // Over the whole year a good share churns, but not most accounts.
    let yearly = summary.churned as f64 / summary.accounts as f64;
    assert!((0.15..=0.50).contains(&yearly), "yearly churn {yearly}");

    let num = |name: &str| -> Vec<f64> {
        let c = snap.col(name);
        snap.rows.iter().map(|r| r[c].parse::<f64>().unwrap_or(f64::NAN)).collect()
    };
    let mean = |v: &[f64], want: bool| {
        let x: Vec<f64> = v.iter().zip(&churned).filter(|(_, &c)| c == want).map(|(&x, _)| x).collect();
        x.iter().sum::<f64>() / x.len() as f64
    };
    let velocity = num("usage_velocity_30d");
    let trend = num("usage_trend_8w");
    let (v1, v0) = (mean(&velocity, true), mean(&velocity, false));
    let (t1, t0) = (mean(&trend, true), mean(&trend, false));
    assert!(v1 < v0 - 0.1, "velocity churned {v1} vs retained {v0}");
    assert!(t1 < t0 - 0.03, "trend churned {t1} vs retained {t0}");

    // Univariate AUCs (a decreasing score flags churn): usage change is informative, static
    // columns much less; nothing is so good that it smells of leakage.
    let neg = |v: &[f64]| v.iter().map(|x| -x).collect::<Vec<_>>();
    let auc_velocity = auc(&neg(&velocity), &churned);
    let auc_trend = auc(&neg(&trend), &churned);
    assert!((0.68..0.95).contains(&auc_velocity), "velocity AUC {auc_velocity}");
    assert!((0.68..0.95).contains(&auc_trend), "trend AUC {auc_trend}");
    for name in ["mrr", "seats", "tenure_days"] {
        let a = auc(&num(name), &churned);
        let a = a.max(1.0 - a);
        assert!(a < 0.66, "{name} alone reaches AUC {a}");
        assert!(a + 0.08 < auc_velocity.min(auc_trend), "{name} AUC {a} close to the usage features");
    }
}
