//! Survival models (`churn train --time`): training printout, scoring and evaluation.

use std::path::Path;

use anyhow::Context;
use churn_core::Table;
use churn_model::ModelFile;
use churn_score::survival::{horizon_name, score_survival};
use churn_score::ScoreOptions;
use churn_survival::metrics;
use churn_train::survival::{read_times, train_survival, SurvivalOptions};
use churn_train::TrainOptions;

use crate::args::{ScoreArgs, TrainArgs};

/// A clear error for commands that do not handle survival models yet.
pub fn refuse(model: &ModelFile, path: &Path, command: &str) -> anyhow::Result<()> {
    if model.survival.is_some() {
        anyhow::bail!(
            "{}: a survival model (time column `{}`); {command} does not handle survival models yet: use `churn evaluate` for its survival metrics",
            path.display(),
            model.survival.as_ref().map(|s| s.time.as_str()).unwrap_or("")
        );
    }
    Ok(())
}

/// `churn train --time`.
pub fn train(a: &TrainArgs, opts: &TrainOptions, table: &Table, time: &str) -> anyhow::Result<()> {
    if a.report.is_some() {
        anyhow::bail!("--report is not available for survival models yet");
    }
    let s = SurvivalOptions {
        time: time.to_string(),
        unit: a.time_unit.clone(),
        horizons: a.horizons.clone(),
        main_horizon: a.main_horizon,
    };
    let outcome = train_survival(table, opts, &s)?;
    outcome.model.save(&a.out).with_context(|| format!("writing the model to {}", a.out.display()))?;
    let m = &outcome.model;
    let t = &m.training;
    let sec = m.survival.as_ref().expect("a survival model");
    println!(
        "trained survival model {} ({}) on {} ({} rows): time `{}` ({}), follow-up {}, horizons {}, main {}",
        m.name,
        m.learner.name(),
        t.data_file,
        t.train.rows + t.validation.rows + t.test.rows,
        sec.time,
        sec.unit,
        sec.follow_up,
        sec.horizons.iter().map(|&h| horizon_name(h)).collect::<Vec<_>>().join(","),
        horizon_name(sec.main_horizon)
    );
    println!(
        "  split by {}: train {} / validation {} / test {} rows; churned {:.3} / {:.3} / {:.3}",
        t.split_by,
        t.train.rows,
        t.validation.rows,
        t.test.rows,
        t.train.churn_rate,
        t.validation.churn_rate,
        t.test.churn_rate
    );
    println!("  candidates (selected by validation integrated IPCW Brier; test figures reported only):");
    for (e, secs) in t.leaderboard.iter().zip(&outcome.candidate_seconds) {
        println!("    {:<2}{:<12} {} [{:.2} s]", if e.selected { "*" } else { "" }, e.model, e.settings, secs);
    }
    println!("  search and refit: {:.3} s", outcome.fit_seconds);
    println!("model written to {}", a.out.display());
    Ok(())
}

/// `churn score` with a survival model.
pub fn score(a: &ScoreArgs, model: &ModelFile, opts: &ScoreOptions, data: &Path) -> anyhow::Result<()> {
    let (s, horizons) = score_survival(model, opts)?;
    let summary_path = a.summary.clone().unwrap_or_else(|| match a.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("summary.json"),
        _ => "summary.json".into(),
    });
    let json = serde_json::json!({
        "model_id": model.model_id,
        "model_version": model.version,
        "input": data,
        "output": a.out,
        "rows_read": s.rows_read,
        "rows_scored": s.rows_scored,
        "rows_rejected": s.rows_rejected,
        "summary": s.summary,
        "horizons": horizons,
    });
    churn_core::output::write_atomic(&summary_path, (serde_json::to_string_pretty(&json)? + "\n").as_bytes())
        .with_context(|| format!("writing {}", summary_path.display()))?;
    if !a.quiet {
        eprintln!("scored {} rows in {:.2} s -> {}", s.rows_scored, s.seconds, a.out.display());
        for h in &horizons {
            eprintln!(
                "  within {}: mean churn probability {:.4}{}",
                horizon_name(h.horizon),
                h.mean_probability,
                h.expected_revenue_loss.map(|r| format!(", expected revenue loss {r:.2}")).unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// `churn evaluate` with a survival model: the data's time column is each account's outcome
/// time, probabilities are from the start; the censoring curve is estimated on the same data.
pub fn evaluate(model: &ModelFile, data: &Path, label: Option<&str>, json: Option<&Path>) -> anyhow::Result<()> {
    let sec = model.survival.as_ref().expect("a survival model");
    let table = Table::read(data)?;
    let mut spec = model.schema.label.clone();
    if let Some(l) = label {
        spec.column = l.to_string();
    }
    let event = spec.read(&table)?;
    let time = read_times(&table, &sec.time)?;
    let x = model.design_matrix(&table)?;
    let raw = |r: &[f64]| model.learner.predict_raw_row(r);
    let mut row = vec![0.0; x.n_cols()];
    let mut surv = vec![vec![0.0; x.n_rows()]; sec.horizons.len()];
    for i in 0..x.n_rows() {
        x.row_into(i, &mut row);
        let c = sec.curve(&row, &raw);
        for (s, &h) in surv.iter_mut().zip(&sec.horizons) {
            s[i] = c.survival(h);
        }
    }
    let risk: Vec<Vec<f64>> = surv.iter().map(|s| s.iter().map(|v| 1.0 - v).collect()).collect();
    let main = sec.horizons.iter().position(|&h| h == sec.main_horizon).unwrap_or(sec.horizons.len() - 1);
    let longest = sec.horizons[sec.horizons.len() - 1];
    let harrell = metrics::harrell_c(&time, &event, &risk[main])?;
    let uno = metrics::uno_c(&time, &event, &time, &event, &risk[main], Some(longest))?;
    let (auc, mean_auc) = metrics::cumulative_dynamic_auc(&time, &event, &time, &event, &risk, &sec.horizons)?;
    let brier = metrics::brier(&time, &event, &time, &event, &surv, &sec.horizons)?;
    let ibs = if sec.horizons.len() >= 2 {
        Some(metrics::integrated_brier(&time, &event, &time, &event, &surv, &sec.horizons)?)
    } else {
        None
    };
    println!(
        "survival model {} ({}) on {}: {} rows, {} churned",
        model.name,
        model.learner.name(),
        data.display(),
        time.len(),
        event.iter().filter(|&&e| e).count()
    );
    println!("  Harrell's C (churn within {})  {harrell:.4}", horizon_name(sec.main_horizon));
    println!("  Uno's C (tau {})               {uno:.4}", horizon_name(longest));
    println!("  {:>8} {:>8} {:>8}", "horizon", "td-AUC", "Brier");
    for ((h, a), b) in sec.horizons.iter().zip(&auc).zip(&brier) {
        println!("  {:>8} {:>8.4} {:>8.4}", horizon_name(*h), a, b);
    }
    println!("  mean td-AUC {mean_auc:.4}; mean Brier {:.4}", brier.iter().sum::<f64>() / brier.len() as f64);
    if let Some(ibs) = ibs {
        println!("  integrated Brier {ibs:.4}");
    }
    // Calibration at the main horizon: predicted vs Kaplan-Meier churn by decile of prediction.
    let h = sec.main_horizon;
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| risk[main][a].total_cmp(&risk[main][b]));
    let observed = |rows: &[usize]| -> Option<f64> {
        let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
        let e: Vec<bool> = rows.iter().map(|&i| event[i]).collect();
        churn_survival::KaplanMeier::fit(&t, &e).ok().map(|km| 1.0 - km.at_clamped(h))
    };
    println!("  calibration within {} (decile of prediction: predicted vs Kaplan-Meier):", horizon_name(h));
    let mut deciles = Vec::new();
    for d in 0..10 {
        let rows = &order[d * order.len() / 10..(d + 1) * order.len() / 10];
        if rows.is_empty() {
            continue;
        }
        let pred = rows.iter().map(|&i| risk[main][i]).sum::<f64>() / rows.len() as f64;
        let obs = observed(rows).unwrap_or(f64::NAN);
        println!("    decile {:>2}: {:>5} rows, predicted {pred:.4}, observed {obs:.4}", d + 1, rows.len());
        deciles.push(serde_json::json!({"decile": d + 1, "rows": rows.len(), "predicted": pred, "observed": obs}));
    }
    println!("  Kaplan-Meier churn by risk tier (tier of the {} probability):", horizon_name(h));
    let mut tiers = Vec::new();
    for (k, band) in model.tiers.bands().iter().enumerate() {
        let rows: Vec<usize> = (0..time.len()).filter(|&i| model.tiers.index_of(risk[main][i]) == k).collect();
        if rows.is_empty() {
            continue;
        }
        let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
        let e: Vec<bool> = rows.iter().map(|&i| event[i]).collect();
        let km = churn_survival::KaplanMeier::fit(&t, &e)?;
        let churn: Vec<f64> = sec.horizons.iter().map(|&h| 1.0 - km.at_clamped(h)).collect();
        println!(
            "    {:<10} {:>5} rows: {}",
            band.name,
            rows.len(),
            sec.horizons
                .iter()
                .zip(&churn)
                .map(|(h, c)| format!("{} {c:.3}", horizon_name(*h)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        tiers.push(serde_json::json!({"tier": band.name, "rows": rows.len(), "km_churn": churn}));
    }
    if let Some(path) = json {
        let v = serde_json::json!({
            "harrell_c": harrell, "uno_c": uno, "tau": longest, "horizons": sec.horizons,
            "td_auc": auc, "mean_td_auc": mean_auc, "brier": brier, "integrated_brier": ibs,
            "calibration": deciles, "km_by_tier": tiers,
        });
        churn_core::output::write_atomic(path, (serde_json::to_string_pretty(&v)? + "\n").as_bytes())?;
    }
    Ok(())
}
