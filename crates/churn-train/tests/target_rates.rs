//! Target statistics of categorical columns through the whole pipeline: chosen where a
//! many-valued category carries the signal, never where a category is (nearly) unique per row,
//! stored in the model file and used for scoring and risk drivers.

use churn_core::rng::Rng;
use churn_core::Table;
use churn_train::{train_table, ModelKind, TrainOptions};

/// 400 regions with their own churn rates (about 9 rows each, so one-hot keeps only some of
/// them), a weak numeric signal, and a `pair` column holding one value per two rows.
fn table(n: usize, seed: u64) -> Table {
    let mut rng = Rng::new(seed);
    let effect: Vec<f64> = (0..400).map(|_| 1.5 * rng.normal()).collect();
    let headers = ["id", "region", "pair", "usage", "churn"].map(String::from).to_vec();
    let rows: Vec<Vec<String>> = (0..n)
        .map(|i| {
            let r = rng.below(400) as usize;
            let usage = rng.normal();
            let z = -1.2 + effect[r] - 0.5 * usage;
            let churn = rng.next_f64() < 1.0 / (1.0 + (-z).exp());
            vec![
                format!("u{i}"),
                format!("r{r}"),
                format!("p{}", i / 2),
                format!("{usage:.3}"),
                (churn as u8).to_string(),
            ]
        })
        .collect();
    Table::from_rows("gen.csv", headers, &rows)
}

fn options() -> TrainOptions {
    let mut o = TrainOptions::new("gen.csv", "churn");
    o.id = Some("id".into());
    o.models = vec![ModelKind::Gbdt];
    o
}

#[test]
fn category_rates_win_on_a_many_valued_category_and_score_from_the_model_file() {
    let t = table(4000, 1);
    let mut o = options();
    o.drop = vec!["pair".into()];
    let m = train_table(&t, &o).unwrap().model;
    let lb = &m.training.leaderboard;
    let winner = lb.iter().find(|e| e.selected).unwrap();
    assert!(winner.settings.ends_with("+ category churn rates"), "leaderboard: {lb:#?}");
    assert!(winner.note.as_deref().unwrap().contains("preferred to its family's defaults"), "{:?}", winner.note);
    // It generalises: better on the test split than boosting's defaults without them.
    let defaults = &lb[0];
    assert!(!defaults.settings.contains("churn rates"));
    let (with, without) = (m.training.test_metrics.calibrated.auc.unwrap(), defaults.test.auc.unwrap());
    eprintln!("test AUC {with:.4} with category rates, {without:.4} without");
    assert!(with > without + 0.02, "test AUC {with} with category rates, {without} without");
    // Stored: one statistic for the one categorical column, the last model input.
    let pre = &m.preprocessing;
    assert_eq!(pre.target_stats.len(), 1);
    assert_eq!(pre.target_stats[0].name, "region");
    assert_eq!(m.inputs.last().map(String::as_str), Some("region__target_rate"));
    // The stored statistic is the smoothed churn rate of the final fit's rows (train +
    // validation), recomputed here by brute force from the split sizes' labels.
    let stat = &pre.target_stats[0];
    let tr = &m.training;
    let fit_rows = tr.train.rows + tr.validation.rows;
    let fit_churned = tr.train.churned + tr.validation.churned;
    assert!((stat.prior - fit_churned as f64 / fit_rows as f64).abs() < 1e-12);
    // Scoring reads the stored statistic: changing it changes the inputs of that region's rows.
    let x = m.design_matrix(&t).unwrap();
    let last = x.n_cols() - 1;
    for i in 0..50 {
        assert_eq!(x.get(i, last), stat.value(t.field(i, 1)));
    }
    let mut changed = m.clone();
    let r0 = t.field(0, 1).to_string();
    *changed.preprocessing.target_stats[0].categories.get_mut(&r0).unwrap() = 0.99;
    assert_eq!(changed.design_matrix(&t).unwrap().get(0, last), 0.99);
    // Saved and loaded: the same scores; the drivers name the column, not the extra input.
    let path = std::env::temp_dir().join(format!("churn-target-rates-{}.json", std::process::id()));
    m.save(&path).unwrap();
    let back = churn_model::ModelFile::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back.to_json(), m.to_json());
    assert_eq!(back.score_table(&t).unwrap(), m.score_table(&t).unwrap());
    let region = m.schema.features.iter().position(|f| f.name == "region").unwrap();
    let mut row = vec![0.0; x.n_cols()];
    let mut named = 0;
    for i in 0..200 {
        x.row_into(i, &mut row);
        let (base, c) = m.learner.contributions(&row, &m.input_means);
        let drivers = m.risk_drivers(&row, 3);
        assert!(drivers.iter().all(|(col, _)| *col < m.schema.features.len()));
        // The column's attribution is the sum of its one-hot inputs and its rate.
        if let Some((_, v)) = drivers.iter().find(|(col, _)| *col == region) {
            let own: f64 = c.iter().zip(pre.output_sources()).filter(|(_, s)| *s == region).map(|(v, _)| v).sum();
            assert!((v - own).abs() < 1e-9);
            named += 1;
        }
        let raw = m.learner.predict_raw(&churn_learn::Matrix::from_rows(std::slice::from_ref(&row)).unwrap())[0];
        assert!((base + c.iter().sum::<f64>() - raw).abs() < 1e-9);
    }
    // Named wherever it raises the risk (risk drivers are the positive contributions).
    assert!(named > 40, "region named on {named} of 200 rows");
}

#[test]
fn a_nearly_unique_category_gets_no_signal_from_its_rate() {
    let t = table(3000, 2);
    let mut o = options();
    // Keep the two-rows-per-value column, drop the real category: its out-of-fold rate must
    // carry no signal, so the candidate using it is judged no better than the defaults.
    o.keep = vec!["pair".into()];
    o.drop = vec!["region".into()];
    let m = train_table(&t, &o).unwrap().model;
    let lb = &m.training.leaderboard;
    let rated = lb.iter().find(|e| e.settings.contains("churn rates")).expect("the candidate is tried");
    assert!(m.preprocessing.target_stats.is_empty(), "leaderboard: {lb:#?}");
    let (a, b) = (rated.validation.auc.unwrap(), lb[0].validation.auc.unwrap());
    eprintln!("held-out AUC {a:.4} with the pair rates, {b:.4} without");
    assert!(a < b + 0.01, "held-out AUC {a} with the pair rates, {b} without");
}

#[test]
fn without_categorical_columns_nothing_changes() {
    let t = table(1500, 3);
    let mut o = options();
    o.drop = vec!["pair".into(), "region".into()];
    let m = train_table(&t, &o).unwrap().model;
    assert!(m.training.leaderboard.iter().all(|e| !e.settings.contains("churn rates")));
    assert!(!m.to_json().contains("target_stats"));
}
