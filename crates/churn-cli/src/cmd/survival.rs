//! Survival models (`churn train --time`): training printout, scoring and evaluation.

use std::path::Path;

use anyhow::Context;
use churn_core::Table;
use churn_model::ModelFile;
use churn_report::survival::{build_survival, evaluate_model};
use churn_score::survival::{horizon_name, score_survival, score_survival_table};
use churn_score::ScoreOptions;
use churn_survival::evaluation::{Evaluation, Interval};
use churn_train::survival::{train_survival, SurvivalOptions};
use churn_train::TrainOptions;

use crate::args::{ScoreArgs, TrainArgs};
use crate::cmd::report::ReportArgs;

/// A feature table with survival labels (`[label] time_column`) trains survival models only, on
/// its own time column (its `churned` is "churned before the end of the data", no window).
pub fn check_dictionary_time(dict: &churn_features::FeatureDictionary, time: Option<&str>) -> anyhow::Result<()> {
    match (&dict.spec.label.time_column, time) {
        (Some(t), None) => anyhow::bail!(
            "this feature table has survival labels (time column `{t}`, days to churn or to the end of the data): \
             pass --time {t} --horizons H1,H2,... (in days), or build it without `label.time_column` for a classifier"
        ),
        (Some(t), Some(given)) if t != given => {
            anyhow::bail!("--time {given}: this feature table's time column is `{t}`")
        }
        _ => Ok(()),
    }
}

/// `churn train --time`.
pub fn train(a: &TrainArgs, opts: &TrainOptions, table: &Table, time: &str) -> anyhow::Result<()> {
    let s = SurvivalOptions {
        time: time.to_string(),
        // A feature table's time column counts days.
        unit: match &opts.features {
            Some(d) if d.spec.label.time_column.is_some() && a.time_unit == "periods" => "days".into(),
            _ => a.time_unit.clone(),
        },
        horizons: a.horizons.clone(),
        main_horizon: a.main_horizon,
    };
    let outcome = train_survival(table, opts, &s)?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(dir) = &a.report {
        // The report of the test split, built before the model is saved: a report error leaves
        // nothing written.
        let test = Some(&outcome.test_rows[..]);
        let mut report = churn_report::survival::build_survival_on(&outcome.model, table, None, test, 1000, opts.seed)?;
        report.source = format!("{} (test split)", table.path().display());
        report.write_dir(dir).with_context(|| format!("writing the report to {}", dir.display()))?;
    }
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
    super::train::print_split(t, "churned");
    println!("  candidates (selected by validation integrated IPCW Brier; test figures reported only):");
    for (e, secs) in t.leaderboard.iter().zip(&outcome.candidate_seconds) {
        println!("    {:<2}{:<12} {} [{:.2} s]", if e.selected { "*" } else { "" }, e.model, e.settings, secs);
    }
    println!("  search and refit: {:.3} s", outcome.fit_seconds);
    println!("model written to {}", a.out.display());
    if let Some(dir) = &a.report {
        println!("report (test split) written to {}", dir.join("report.html").display());
    }
    Ok(())
}

/// `churn score` with a survival model.
pub fn score(
    a: &ScoreArgs,
    model: &ModelFile,
    opts: &ScoreOptions,
    data: &Path,
    features: Option<&churn_features::FeatureTable>,
) -> anyhow::Result<()> {
    let (s, horizons) = match features {
        Some(t) => score_survival_table(model, opts, &churn_score::survival::features_as_table(data, t))?,
        None => score_survival(model, opts)?,
    };
    let summary_path = crate::cmd::score::summary_path(a);
    let json = s.to_json(model, &crate::cmd::score::input_record(a, data), &a.out, Some(&horizons));
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
            if h.beyond_follow_up > 0 {
                eprintln!(
                    "    {} rows pass the training follow-up ({}) at this horizon: their curve is held flat beyond it",
                    h.beyond_follow_up,
                    horizon_name(model.survival.as_ref().map_or(0.0, |s| s.follow_up))
                );
            }
        }
    }
    Ok(())
}

/// `churn evaluate` with a survival model: the data's time column is each account's outcome
/// time, probabilities are from the start; the censoring curve is estimated on the same data.
pub fn evaluate(model: &ModelFile, data: &Path, label: Option<&str>, json: Option<&Path>) -> anyhow::Result<()> {
    let table = Table::read(data)?;
    let (e, rows, churned) = evaluate_model(model, &table, label, None)?;
    println!(
        "survival model {} ({}) on {}: {} rows, {} churned",
        model.name,
        model.learner.name(),
        data.display(),
        rows,
        churned
    );
    print_evaluation(model, &e);
    if let Some(path) = json {
        churn_core::output::write_atomic(path, (serde_json::to_string_pretty(&e)? + "\n").as_bytes())?;
    }
    Ok(())
}

fn ci(c: &Option<Interval>) -> String {
    c.map(|c| format!("  [{:.4}, {:.4}]", c.lo, c.hi)).unwrap_or_default()
}

/// Prints the survival figures (evaluate and report).
fn print_evaluation(model: &ModelFile, e: &Evaluation) {
    let sec = model.survival.as_ref().expect("a survival model");
    let h = sec.main_horizon;
    println!("  Harrell's C (churn within {})  {:.4}{}", horizon_name(h), e.harrell_c, ci(&e.harrell_c_ci));
    println!("  Uno's C (tau {})               {:.4}", horizon_name(e.tau), e.uno_c);
    println!("  {:>8} {:>8} {:>8}", "horizon", "td-AUC", "Brier");
    for ((h, a), b) in e.horizons.iter().zip(&e.td_auc).zip(&e.brier) {
        let auc = if a.is_nan() { "n/a".to_string() } else { format!("{a:.4}") };
        println!(
            "  {:>8} {:>8} {:>8.4}{}",
            horizon_name(*h),
            auc,
            b,
            if a.is_nan() { "  (no churn by then)" } else { "" }
        );
    }
    println!(
        "  mean td-AUC {:.4}; mean Brier {:.4}",
        e.mean_td_auc,
        e.brier.iter().sum::<f64>() / e.brier.len() as f64
    );
    if let Some(ibs) = e.integrated_brier {
        println!("  integrated Brier {ibs:.4}{}", ci(&e.integrated_brier_ci));
    }
    println!("  calibration within {} (decile of prediction: predicted vs Kaplan-Meier):", horizon_name(h));
    for d in &e.calibration {
        println!(
            "    decile {:>2}: {:>5} rows, predicted {:.4}, observed {:.4}",
            d.decile, d.rows, d.predicted, d.observed
        );
    }
    println!("  Kaplan-Meier churn by risk tier (tier of the {} probability):", horizon_name(h));
    for t in &e.km_by_tier {
        println!(
            "    {:<10} {:>5} rows: {}",
            t.tier,
            t.rows,
            e.horizons
                .iter()
                .zip(&t.km_churn)
                .map(|(h, c)| format!("{} {c:.3}", horizon_name(*h)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// `churn report` with a survival model: report.md, report.html and report.json with the
/// survival figures and bootstrap intervals on Harrell's C and the integrated Brier score.
pub fn report(a: &ReportArgs, model: &ModelFile, table: &Table) -> anyhow::Result<()> {
    let r = build_survival(model, table, a.label.as_deref(), a.bootstrap, a.seed)?;
    r.write_dir(&a.out).with_context(|| format!("writing the report to {}", a.out.display()))?;
    if !a.quiet {
        println!(
            "survival report of {} ({}) on {}: {} rows, {} churned",
            r.model.name, r.model.learner, r.source, r.rows, r.churned
        );
        print_evaluation(model, &r.evaluation);
        println!("written to {}", a.out.display());
    }
    Ok(())
}

/// `churn drift` with a survival model: feature drift against the training profile as for
/// classification, and score drift on the churn probability within the main horizon from the
/// start (what the profile recorded on the training test split). Outcome checks (`--label`)
/// are classification figures and are refused.
pub fn drift(
    model: &ModelFile,
    profile: &churn_model::Profile,
    table: &Table,
    labels: bool,
    th: &churn_drift::Thresholds,
) -> anyhow::Result<churn_drift::DriftReport> {
    let sec = model.survival.as_ref().expect("a survival model");
    if labels {
        anyhow::bail!("--label is not available for survival models: use `churn evaluate` or `churn report` for their outcome figures");
    }
    model.bind_columns(table.path(), table.headers())?;
    let main = sec.horizons.iter().position(|&h| h == sec.main_horizon).unwrap_or(sec.horizons.len() - 1);
    let surv = churn_report::survival::survival_matrix(model, sec, table)?;
    let p: Vec<f64> = surv[main].iter().map(|s| 1.0 - s).collect();
    let reference = churn_drift::Reference { model: &model.name, model_id: &model.model_id, test_metrics: None };
    let current = churn_drift::Current { table, probabilities: &p, labels: None };
    Ok(churn_drift::check(profile, &model.schema.features, &current, &reference, th)?)
}

/// Whether a report file is a survival report (`"kind": "survival"`); `None` when it cannot be
/// read as JSON (the classification loader then says why).
fn is_survival_report(path: &Path) -> Option<bool> {
    let bytes = std::fs::read(path).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some(v.get("kind").and_then(|k| k.as_str()) == Some("survival"))
}

/// `churn compare` of survival reports: `None` when every report is a classification one;
/// the comparison and the gate's metric (`harrell_c` unless given) when all are survival
/// reports; an error when they are mixed.
pub fn compare(
    paths: &[std::path::PathBuf],
    options: &churn_report::CompareOptions,
    fail_if_worse: Option<&str>,
) -> anyhow::Result<Option<(churn_report::Comparison, String)>> {
    let kinds: Vec<Option<bool>> = paths.iter().map(|p| is_survival_report(p)).collect();
    if !kinds.contains(&Some(true)) {
        return Ok(None);
    }
    if let Some(k) = kinds.iter().position(|k| *k != Some(true)) {
        let s = kinds.iter().position(|k| *k == Some(true)).unwrap_or(0);
        anyhow::bail!(
            "cannot compare a survival report ({}) with a classification report ({}): compare reports of the same kind",
            paths[s].display(),
            paths[k].display()
        );
    }
    let reports =
        paths.iter().map(|p| churn_report::survival::SurvivalReport::load(p)).collect::<Result<Vec<_>, _>>()?;
    let c = churn_report::survival_compare::compare_survival(&reports, options)?;
    let metric = match fail_if_worse {
        None | Some("auc") => "harrell_c".to_string(),
        Some(m) => m.to_string(),
    };
    Ok(Some((c, metric)))
}
