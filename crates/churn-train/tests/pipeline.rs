//! The training pipeline on generated data: candidates, calibration and exact attributions.

use churn_core::rng::Rng;
use churn_core::Table;
use churn_train::{train_table, ModelKind, TrainOptions};

fn table(n: usize, seed: u64) -> Table {
    let mut rng = Rng::new(seed);
    let headers = ["id", "plan", "usage", "trend", "tickets", "churn"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = (0..n)
        .map(|i| {
            let plan = ["a", "b", "c"][rng.below(3) as usize];
            let usage = rng.next_f64() * 10.0;
            let trend = rng.normal();
            let tickets = rng.below(5);
            // An interaction a linear model cannot express: risk when usage is low AND trend falls.
            let z = -1.5 + if usage < 3.0 && trend < 0.0 { 2.5 } else { 0.0 } + 0.3 * tickets as f64
                - if plan == "c" { 0.7 } else { 0.0 };
            let churn = rng.next_f64() < 1.0 / (1.0 + (-z).exp());
            let usage = if rng.next_f64() < 0.05 { String::new() } else { format!("{usage:.3}") };
            vec![
                format!("u{i}"),
                plan.into(),
                usage,
                format!("{trend:.3}"),
                tickets.to_string(),
                (churn as u8).to_string(),
            ]
        })
        .collect();
    Table::from_rows("gen.csv", headers, &rows)
}

fn options(models: Vec<ModelKind>) -> TrainOptions {
    let mut o = TrainOptions::new("gen.csv", "churn");
    o.id = Some("id".into());
    o.models = models;
    o
}

#[test]
fn boosting_wins_on_interactions_and_attributions_are_exact() {
    let t = table(4000, 1);
    let out = train_table(&t, &options(Vec::new())).unwrap();
    let m = &out.model;
    assert_eq!(m.learner.name(), "gbdt", "leaderboard: {:?}", m.training.leaderboard);
    let lb = &m.training.leaderboard;
    assert_eq!(lb.iter().filter(|e| e.selected).count(), 1);
    let best_logistic = lb.iter().filter(|e| e.model == "logistic").filter_map(|e| e.test.auc).fold(0.0, f64::max);
    let gbdt = m.training.test_metrics.calibrated.auc.unwrap();
    assert!(gbdt > best_logistic + 0.02, "gbdt {gbdt} vs logistic {best_logistic}");
    // Exact attributions: base + sum of contributions = raw log-odds, for every row.
    let x = m.design_matrix(&t).unwrap();
    let raw = m.learner.predict_raw(&x);
    let mut row = vec![0.0; x.n_cols()];
    for (i, &raw_i) in raw.iter().enumerate().take(200) {
        x.row_into(i, &mut row);
        let (base, c) = m.learner.contributions(&row, &m.input_means);
        assert!((base + c.iter().sum::<f64>() - raw_i).abs() < 1e-9, "row {i}");
        let drivers = m.risk_drivers(&row, 3);
        assert!(drivers.windows(2).all(|w| w[0].1 >= w[1].1) && drivers.iter().all(|d| d.1 > 0.0));
    }
}

#[test]
fn logistic_attributions_are_exact_and_calibration_restores_the_base_rate() {
    let t = table(3000, 2);
    let out = train_table(&t, &options(vec![ModelKind::Logistic])).unwrap();
    let m = &out.model;
    assert_eq!(m.learner.name(), "logistic");
    let x = m.design_matrix(&t).unwrap();
    let raw = m.learner.predict_raw(&x);
    let mut row = vec![0.0; x.n_cols()];
    for (i, &raw_i) in raw.iter().enumerate().take(200) {
        x.row_into(i, &mut row);
        let (base, c) = m.learner.contributions(&row, &m.input_means);
        assert!((base + c.iter().sum::<f64>() - raw_i).abs() < 1e-9);
    }
    // Balanced weights inflate raw probabilities; Platt brings their mean back to the base rate.
    let t_m = &m.training.test_metrics;
    let rate = m.training.test.churn_rate;
    assert!(t_m.raw.brier > t_m.calibrated.brier, "{t_m:?}");
    let (_, p) = m.score_table(&t).unwrap();
    let mean_p = p.iter().sum::<f64>() / p.len() as f64;
    assert!((mean_p - rate).abs() < 0.03, "mean calibrated probability {mean_p} vs churn rate {rate}");
}

#[test]
fn fixed_boosting_rounds_skip_early_stopping() {
    let t = table(1500, 3);
    let mut o = options(vec![ModelKind::Gbdt]);
    o.gbdt_trees = Some(37);
    let m = train_table(&t, &o).unwrap().model;
    let churn_model::Learner::Gbdt(g) = &m.learner else { panic!("not a gbdt: {}", m.learner.name()) };
    assert_eq!(g.trees.len(), 37);
    assert_eq!(g.best_iteration, None);
    o.gbdt_trees = Some(0);
    let e = train_table(&t, &o).unwrap_err().to_string();
    assert!(e.contains("--gbdt-trees") && e.contains("at least 1"), "{e}");
}
