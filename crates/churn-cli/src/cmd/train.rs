//! `churn train`.

use anyhow::{bail, Context};
use churn_core::Config;
use churn_train::{TrainOptions, TrainOutcome};

use super::opt;
use crate::args::TrainArgs;

/// Merges `churn.toml` (if any) with the flags, which win.
pub fn options(a: &TrainArgs) -> anyhow::Result<TrainOptions> {
    let config = match &a.config {
        Some(p) => super::project::load_config(p)?,
        None => Config::default(),
    };
    let dict = match &a.features {
        Some(f) => Some(churn_features::FeatureDictionary::load(f)?),
        None => None,
    };
    let dict_label = dict.as_ref().and_then(|d| d.label_column.clone());
    let Some(label) = a.label.clone().or(config.data.label.clone()).or(dict_label) else {
        bail!("no label column: pass --label COL or set data.label in churn.toml");
    };
    let mut o = TrainOptions::new(&a.data, label);
    o.positive = a.positive.clone().or(config.data.positive.clone());
    o.negative = config.data.negative.clone();
    o.id = a.id.clone().or(config.data.id.clone());
    o.drop = config.data.drop.iter().chain(&a.drop).cloned().collect();
    o.keep = config.data.keep.iter().chain(&a.keep).cloned().collect();
    o.overrides = config.columns.clone();
    o.seed = a.seed;
    o.class_weight = a.class_weight;
    o.tiers = config.tiers()?;
    o.tier_scheme = a.tier_scheme;
    o.health_states = config.health_states()?;
    o.models = crate::values::model_kinds(&a.models);
    o.select = a.select;
    o.refit = !a.no_refit;
    o.gbdt_trees = a.gbdt_trees;
    o.cv_folds = a.cv_folds.0;
    if let Some(dict) = dict {
        // A feature table knows its own id, snapshot and label columns.
        crate::cmd::survival::check_dictionary_time(&dict, a.time.as_deref())?;
        o.id = o.id.or(Some(dict.id_column.clone()));
        if !o.drop.contains(&dict.snapshot_column) {
            o.drop.push(dict.snapshot_column.clone());
        }
        o.features = Some(dict);
    }
    o.name = a.name.clone();
    o.version = a.model_version.clone();
    Ok(o)
}

pub fn run(a: &TrainArgs) -> anyhow::Result<()> {
    let opts = options(a)?;
    let table = churn_core::Table::read(&opts.data)?;
    if let Some(time) = &a.time {
        return crate::cmd::survival::train(a, &opts, &table, time);
    }
    let outcome = churn_train::train_table(&table, &opts)?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(dir) = &a.report {
        // The report is built before the model is saved: a report error leaves nothing written.
        // It reads the data as training did: numeric values that are not numbers set aside.
        let (cleaned, _) = churn_core::unusable::set_aside(&table, &outcome.model.schema.features)?;
        let table = cleaned.as_ref().unwrap_or(&table);
        let report = churn_report::build_from_table(
            &outcome.model,
            table,
            Some(&outcome.test_rows),
            &churn_report::ReportOptions { seed: opts.seed, ..Default::default() },
        )?;
        report.write_dir(dir).with_context(|| format!("writing the report to {}", dir.display()))?;
    }
    outcome.model.save(&a.out).with_context(|| format!("writing the model to {}", a.out.display()))?;
    print_outcome(&outcome);
    print_tiers(&outcome.model);
    let test = &outcome.model.training.test_metrics.calibrated;
    if let Some((auc, (lo, hi))) = test.auc.and_then(|auc| {
        churn_report::honesty::hanley_mcneil_interval(auc, test.n_positive, test.n - test.n_positive)
            .map(|ci| (auc, ci))
    }) {
        if let Some(w) = churn_report::honesty::auc_interval_warning(auc, lo, hi, 0.95, "the test split") {
            eprintln!("{w}");
        }
    }
    println!("model {} written to {}", outcome.model.model_id, a.out.display());
    if let Some(dir) = &a.report {
        println!("report written to {}", dir.join("report.html").display());
    }
    Ok(())
}

/// Prints what training did and the honest (test split) figures.
pub fn print_outcome(outcome: &TrainOutcome) {
    let m = &outcome.model;
    let t = &m.training;
    println!(
        "trained {} ({}) on {} ({} rows)",
        m.name,
        m.learner.name(),
        t.data_file,
        t.train.rows + t.validation.rows + t.test.rows
    );
    print_split(t, "churn rate");
    if let Some(k) = t.cv_folds {
        println!(
            "  {k}-fold cross-validation on train + validation ({} rows): candidates ranked and calibrated out of fold; the model is {}; test rows never used",
            t.train.rows + t.validation.rows,
            if t.refit { "refitted on all of them" } else { "the mean of the fold models" }
        );
    } else if t.refit {
        println!("  refitted on train + validation after calibration; test rows never used");
    }
    println!("  class weights: churned {:.3}, retained {:.3}", t.weight_churned, t.weight_retained);
    println!("  features: {} columns -> {} model inputs", m.schema.features.len(), m.inputs.len());
    for e in &m.schema.excluded {
        println!("  left out `{}`: {}", e.name, e.reason);
    }
    println!(
        "  candidates (selected by {} {}; test figures are reported, never used to choose):",
        if t.cv_folds.is_some() { "out-of-fold" } else { "validation" },
        t.selected_by
    );
    // The settings column is as wide as its longest entry, so the figures stay in their columns.
    let w = t.leaderboard.iter().map(|e| e.settings.chars().count()).max().unwrap_or(0).max(48);
    println!(
        "    {:<2}{:<9} {:<w$} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "", "model", "settings", "val AUC", "val PR", "val Bri", "test AUC", "test PR", "test Bri", "fit s"
    );
    for (e, secs) in t.leaderboard.iter().zip(&outcome.candidate_seconds) {
        println!(
            "    {:<2}{:<9} {:<w$} {:>8} {:>8} {:>8.4} {:>8} {:>8} {:>8.4} {:>8.3}",
            if e.selected {
                "*"
            } else if t.cv_folds.is_some_and(|k| e.cv_folds.is_some_and(|f| f < k)) {
                "~"
            } else {
                ""
            },
            e.model,
            e.settings,
            opt(e.validation.auc),
            opt(e.validation.pr_auc),
            e.validation.brier,
            opt(e.test.auc),
            opt(e.test.pr_auc),
            e.test.brier,
            secs
        );
    }
    if t.leaderboard.iter().any(|e| t.cv_folds.is_some_and(|k| e.cv_folds.is_some_and(|f| f < k))) {
        println!("    (~ screened out on the first fold: validation figures of that fold only)");
    }
    for e in t.leaderboard.iter().filter(|e| e.note.is_some()) {
        println!("    {} {}: {}", e.model, e.settings, e.note.as_deref().unwrap_or_default());
    }
    if let Some(c) = &t.calibration {
        println!(
            "  calibration: {} (cross-fitted held-out log loss {:.4} with Platt vs {:.4} raw; Brier {:.4} vs {:.4})",
            if c.platt {
                "Platt scaling, it improves held-out log loss"
            } else {
                "none, Platt does not improve held-out log loss"
            },
            c.platt_log_loss,
            c.raw_log_loss,
            c.platt_brier,
            c.raw_brier
        );
    }
    let (r, c) = (&t.test_metrics.raw, &t.test_metrics.calibrated);
    println!("  test (rows never seen in training):");
    println!("    {:<22} {:>8} {:>8} {:>8} {:>9} {:>8}", "", "AUC", "PR-AUC", "Brier", "log loss", "ECE");
    let weighted = t.weight_churned != t.weight_retained;
    let raw_name = if weighted { "raw (class-weighted)" } else { "raw (unweighted)" };
    let used = if t.calibration.as_ref().is_none_or(|c| c.platt) { "calibrated (Platt)" } else { "calibrated (= raw)" };
    for (name, x) in [(raw_name, r), (used, c)] {
        println!(
            "    {:<22} {:>8} {:>8} {:>8.4} {:>9.4} {:>8.4}",
            name,
            opt(x.auc),
            opt(x.pr_auc),
            x.brier,
            x.log_loss,
            x.ece
        );
    }
    println!("  search, calibration and refit: {:.3} s", outcome.fit_seconds);
}

/// The split line of the training summary: rows and `rate` (e.g. `churn rate`) per split.
pub fn print_split(t: &churn_model::TrainingSummary, rate: &str) {
    println!(
        "  split by {}: train {} / validation {} / test {} rows; {rate} {:.3} / {:.3} / {:.3}",
        t.split_by,
        t.train.rows,
        t.validation.rows,
        t.test.rows,
        t.train.churn_rate,
        t.validation.churn_rate,
        t.test.churn_rate
    );
}

/// The risk tiers' cut points and the test split's accounts per tier, with the one-tier warning.
pub fn print_tiers(m: &churn_model::ModelFile) {
    let scheme = match &m.tier_scheme {
        Some(s) => format!("percentile, cut points on the {} ({} rows)", s.computed_on, s.rows),
        None => "absolute".into(),
    };
    println!("  risk tiers ({scheme}); test split accounts per tier:");
    let counts: Vec<u64> = match &m.profile {
        Some(p) => p.score.tiers.iter().map(|t| t.count).collect(),
        None => Vec::new(),
    };
    for (i, b) in m.tiers.bands().iter().enumerate() {
        let count = counts.get(i).map(|c| c.to_string()).unwrap_or_default();
        println!("    {:<12} p in [{:.4}, {:.4}{} {:>7}", b.name, b.min, b.max, if i == 0 { "]" } else { ")" }, count);
    }
    if let Some(w) = churn_core::tiers::one_tier_warning(&m.tiers, &counts) {
        eprintln!("{w}");
    }
}
