//! The training pipeline on generated data: candidates, calibration and exact attributions.

use churn_core::rng::Rng;
use churn_core::Table;
use churn_train::{train_table, ClassWeight, ModelKind, TrainOptions};

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
    let mut o = options(vec![ModelKind::Logistic]);
    o.class_weight = ClassWeight::Balanced;
    let out = train_table(&t, &o).unwrap();
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
    // Balanced weights inflate raw probabilities; the check keeps Platt, which brings their mean
    // back to the base rate.
    let check = m.training.calibration.as_ref().expect("calibration check");
    assert!(check.platt && check.platt_log_loss < check.raw_log_loss, "{check:?}");
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
    o.cv_folds = Some(0); // one fit: a cross-validated model averages the folds' trees
    o.gbdt_trees = Some(37);
    let m = train_table(&t, &o).unwrap().model;
    let churn_model::Learner::Gbdt(g) = &m.learner else { panic!("not a gbdt: {}", m.learner.name()) };
    assert_eq!(g.trees.len(), 37);
    assert_eq!(g.best_iteration, None);
    o.gbdt_trees = Some(0);
    let e = train_table(&t, &o).unwrap_err().to_string();
    assert!(e.contains("--gbdt-trees") && e.contains("at least 1"), "{e}");
}

#[test]
fn small_data_is_cross_validated_calibrated_out_of_fold_and_bagged() {
    // 1000 rows: about 45 churned rows would land in the validation split, too few to choose by.
    let t = table(1000, 3);
    let out = train_table(&t, &options(Vec::new())).unwrap();
    let m = &out.model;
    let tr = &m.training;
    assert_eq!(tr.cv_folds, Some(5), "leaderboard: {:?}", tr.leaderboard);
    // Ranking and calibration saw every train + validation row out of fold.
    assert_eq!(tr.validation_metrics.calibrated.n, tr.train.rows + tr.validation.rows);
    let lb = &tr.leaderboard;
    let selected: Vec<_> = lb.iter().filter(|e| e.selected).collect();
    assert_eq!(selected.len(), 1);
    assert_eq!(selected[0].cv_folds, Some(5), "only a fully cross-validated candidate can win");
    // Each family's first candidate runs on every fold, at most one challenger joins it, the
    // others are screened out on the first fold.
    for family in ["logistic", "gbdt", "forest", "tree"] {
        let entries: Vec<_> = lb.iter().filter(|e| e.model == family).collect();
        assert_eq!(entries[0].cv_folds, Some(5), "{family}");
        let full = entries.iter().filter(|e| e.cv_folds == Some(5)).count();
        assert!(full <= 2 && full == entries.len().min(2), "{family}: {entries:?}");
        assert!(entries.iter().all(|e| e.cv_folds == Some(5) || e.cv_folds == Some(1)));
    }
    if m.learner.name() != "tree" {
        // The model is the mean of the fold models, not a refit, and the leaderboard's test
        // figures of the winner are the model's (all of them when the check kept Platt scaling,
        // which the leaderboard's figures use; the ranking, so the AUC, either way).
        assert!(!tr.refit);
        assert_eq!(selected[0].test.auc, tr.test_metrics.calibrated.auc);
        if tr.calibration.as_ref().unwrap().platt {
            assert_eq!(selected[0].test, tr.test_metrics.calibrated);
        }
    }
    let x = m.design_matrix(&t).unwrap();
    let raw = m.learner.predict_raw(&x);
    let mut row = vec![0.0; x.n_cols()];
    for (i, &raw_i) in raw.iter().enumerate().take(100) {
        x.row_into(i, &mut row);
        let (base, c) = m.learner.contributions(&row, &m.input_means);
        assert!((base + c.iter().sum::<f64>() - raw_i).abs() < 1e-9, "row {i}");
    }
    let (_, p) = m.score_table(&t).unwrap();
    let mean_p = p.iter().sum::<f64>() / p.len() as f64;
    assert!((mean_p - tr.test.churn_rate).abs() < 0.05, "mean calibrated probability {mean_p}");
}

#[test]
fn cross_validation_gives_the_same_model_bytes_for_any_thread_count() {
    let t = table(800, 4);
    let json = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| serde_json::to_string(&train_table(&t, &options(Vec::new())).unwrap().model).unwrap())
    };
    let one = json(1);
    assert!(one.contains("\"cv_folds\":5"));
    assert!(one == json(2), "the model file depends on the number of threads");
}

#[test]
fn cv_folds_option_forces_or_turns_off_cross_validation() {
    let small = table(1000, 5);
    let mut o = options(vec![ModelKind::Logistic, ModelKind::Tree]);
    o.cv_folds = Some(0);
    let off = train_table(&small, &o).unwrap().model.training;
    assert_eq!((off.cv_folds, off.refit), (None, true));
    assert_eq!(off.validation_metrics.calibrated.n, off.validation.rows);
    assert!(off.leaderboard.iter().all(|e| e.cv_folds.is_none()));
    // Without a refit the model is the training-split fit: judged on the validation split.
    let mut o2 = options(vec![ModelKind::Logistic]);
    o2.refit = false;
    assert_eq!(train_table(&small, &o2).unwrap().model.training.cv_folds, None);
    o2.cv_folds = Some(3);
    assert!(train_table(&small, &o2).is_err(), "cross-validation needs the refit");
    let mut o3 = options(vec![ModelKind::Logistic]);
    o3.cv_folds = Some(1);
    assert!(train_table(&small, &o3).is_err());
    // Mid-sized data (4,000 rows, 700+ churned) is cross-validated too: the rule is the size
    // of the data (rows × inputs), not the validation split's count of the rarer class.
    let large = table(4000, 6);
    let mut o4 = options(vec![ModelKind::Logistic]);
    assert_eq!(train_table(&large, &o4).unwrap().model.training.cv_folds, Some(5));
    o4.cv_folds = Some(3);
    assert_eq!(train_table(&large, &o4).unwrap().model.training.cv_folds, Some(3));
}

#[test]
fn unweighted_by_default_and_calibration_is_checked_on_held_out_scores() {
    let t = table(3000, 7);
    let m = train_table(&t, &options(vec![ModelKind::Logistic])).unwrap().model;
    let tr = &m.training;
    assert_eq!((tr.weight_churned, tr.weight_retained), (1.0, 1.0));
    let check = tr.calibration.as_ref().expect("calibration check");
    // The decision follows the figures, and the model's calibrator is the one decided on.
    assert_eq!(check.platt, check.platt_log_loss < check.raw_log_loss, "{check:?}");
    if !check.platt {
        assert_eq!((m.calibrator.a, m.calibrator.b), (1.0, 0.0));
    }
    // An unweighted logistic regression is calibrated by its own loss: raw held-out log loss is
    // within a hair of what Platt could reach, and the raw figures are the brute-force log loss of
    // the learner's out-of-fold probabilities (recomputed from the validation metrics).
    assert!(check.raw_log_loss < check.platt_log_loss + 0.005, "{check:?}");
    assert!((check.raw_log_loss - tr.validation_metrics.raw.log_loss).abs() < 1e-12, "{check:?}");
    // The selected candidate's leaderboard note says why.
    let winner = tr.leaderboard.iter().find(|e| e.selected).unwrap();
    assert!(winner.note.as_deref().is_some_and(|n| n.starts_with("selected: ")), "{:?}", winner.note);
}
