//! `churn score`.

use anyhow::Context;
use churn_model::ModelFile;
use std::io::Write;

use churn_score::{score_file_staged, score_table_staged, ScoreOptions};

use crate::args::ScoreArgs;

pub fn run(a: &ScoreArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&a.max_reject_rate) {
        anyhow::bail!("invalid --max-reject-rate {}: must be between 0 and 1", a.max_reject_rate);
    }
    churn_score::epoch::source_date_epoch().map_err(anyhow::Error::msg)?;
    let model = ModelFile::load(&a.model)?;
    let summary_path = summary_path(a);
    let rejects_path = a.rejects.clone().unwrap_or_else(|| churn_score::sibling(&a.out, ".rejects.csv"));
    let mut paths: Vec<(&str, &std::path::Path)> = vec![("--model", &a.model)];
    if let Some(d) = &a.data {
        paths.push(("--data", d));
    }
    paths.extend([("--out", a.out.as_path()), ("--rejects", &rejects_path), ("--summary", &summary_path)]);
    if let Some(c) = &a.config {
        paths.push(("--config", c));
    }
    churn_core::publish::check_distinct(&paths)?;
    // At most one driver per feature column: a larger --drivers (even 2^64 - 1) means "all".
    let drivers = a.drivers.min(model.schema.features.len());
    // Raw activity: recompute the model's own features at the snapshot date and score that
    // table in memory (`data` then only names it in messages).
    let mut features = None;
    let data = match (&a.data, &a.as_of, &a.activity_dir) {
        (Some(d), _, _) => d.clone(),
        (None, Some(date), Some(dir)) => {
            let day = churn_core::date::parse_date(date)
                .ok_or_else(|| anyhow::anyhow!("invalid --as-of '{date}': expected a date YYYY-MM-DD"))?;
            let dict = model.features.as_ref().ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: the model has no feature spec (train it with --features to score raw activity)",
                    a.model.display()
                )
            })?;
            let (mut table, summary) = churn_features::features_at(&dict.spec, dir, day)?;
            check_as_of(date, day, dir, summary.activity_days)?;
            if let Some(sec) = &model.survival {
                // Survival from the snapshot: every account's time so far is 0 at the date.
                table.times = Some((sec.time.clone(), vec![0; table.len()]));
            }
            if !a.quiet {
                eprintln!("{summary}");
            }
            features = Some(table);
            std::path::PathBuf::from(format!("{} (features as of {date})", dir.display()))
        }
        _ => anyhow::bail!("pass --data FILE, or --as-of DATE with --activity-dir DIR"),
    };
    let mut opts = ScoreOptions::new(&data, &a.out);
    opts.format = a.format;
    opts.rejects = a.rejects.clone();
    opts.max_reject_rate = a.max_reject_rate;
    opts.drivers = drivers;
    opts.revenue = a.revenue.clone();
    opts.drivers_exclude = a.drivers_exclude.clone();
    if let Some(path) = &a.config {
        let config = crate::cmd::project::load_config(path)?;
        crate::cmd::project::warn_unmatched_rules(&config, &model);
        opts.actions = config.actions.clone();
        if config.health.is_some() {
            opts.health = Some(churn_health::HealthConfig::from_config(&config, path)?);
        }
        if let Some(d) = &config.drivers {
            opts.drivers_exclude.extend(d.exclude.iter().cloned());
            if let Some(m) = d.min_contribution {
                opts.drivers_min = m;
            }
        }
    }
    if let Some(m) = a.drivers_min {
        opts.drivers_min = m;
    }
    if !(opts.drivers_min.is_finite() && opts.drivers_min >= 0.0) {
        anyhow::bail!("invalid --drivers-min {}: must be a number >= 0", opts.drivers_min);
    }
    opts.progress = !a.quiet;
    opts.raw_csv = a.raw_csv;
    if model.survival.is_some() {
        return crate::cmd::survival::score(a, &model, &opts, &data, features.as_ref());
    }
    // Scores, rejects and summary are published together, once all are complete.
    let (s, mut outputs) = match &features {
        Some(table) => score_table_staged(&model, table, &opts)?,
        None => score_file_staged(&model, &opts)?,
    };
    let json = s.to_json(&model, &input_record(a, &data), &a.out, None);
    let mut f = churn_core::output::AtomicFile::create(&summary_path)?;
    f.write_all((serde_json::to_string_pretty(&json)? + "\n").as_bytes())
        .with_context(|| format!("writing {}", summary_path.display()))?;
    outputs.add(f.finish()?);
    outputs.publish()?;
    if !a.quiet {
        eprintln!(
            "scored {} of {} rows ({} rejected) in {:.2} s ({:.0} rows/s) -> {}",
            s.rows_scored,
            s.rows_read,
            s.rows_rejected,
            s.seconds,
            s.rows_read as f64 / s.seconds.max(1e-9),
            a.out.display()
        );
        eprint!("{}", s.summary.to_table());
        if let Some(r) = &s.rejects_file {
            eprintln!("  rejected rows listed in {}", r.display());
        }
        eprintln!("  summary written to {}", summary_path.display());
    }
    if let Some(m) = churn_score::timing::drivers_dominate(s.work_seconds, s.driver_seconds, s.seconds) {
        eprintln!("{m}");
    }
    for (column, n) in &s.summary.unseen_categories {
        eprintln!(
            "warning: {n} of {} scored rows have a `{column}` value never seen in training (scored as the model's other bucket)",
            s.rows_scored
        );
    }
    let tier_counts: Vec<u64> = s.summary.tiers.iter().map(|t| t.accounts).collect();
    if let Some(w) = churn_core::tiers::one_tier_warning(&model.tiers, &tier_counts) {
        eprintln!("{w}");
    }
    Ok(())
}

/// Where the run summary goes: `--summary`, or `<output>.summary.json` beside the output, so
/// that several outputs in one folder keep their own summaries.
pub fn summary_path(a: &ScoreArgs) -> std::path::PathBuf {
    a.summary.clone().unwrap_or_else(|| churn_score::sibling(&a.out, ".summary.json"))
}

/// What the summary records as the input: the data file, or with `--as-of` the activity folder
/// and the date (the features were computed and scored in memory).
pub fn input_record(a: &ScoreArgs, data: &std::path::Path) -> serde_json::Value {
    match (&a.data, &a.activity_dir, &a.as_of) {
        (None, Some(dir), Some(date)) => serde_json::json!({ "activity_dir": dir, "as_of": date }),
        _ => serde_json::json!(a.data.as_deref().unwrap_or(data)),
    }
}

/// `--as-of` must fall inside the activity: after its first day and no later than the day after
/// its last (features as of a date the data does not reach would silently read as inactivity).
fn check_as_of(date: &str, day: i32, dir: &std::path::Path, days: Option<(i32, i32)>) -> anyhow::Result<()> {
    let fmt = churn_core::date::format_date;
    match days {
        None => anyhow::bail!("--as-of {date}: the activity in {} has no rows for these accounts", dir.display()),
        Some((first, last)) if day <= first || day > last + 1 => anyhow::bail!(
            "--as-of {date} is outside the activity's date range in {} ({} to {}): choose a date after {} and no later than {}",
            dir.display(),
            fmt(first),
            fmt(last),
            fmt(first),
            fmt(last + 1)
        ),
        Some(_) => Ok(()),
    }
}
