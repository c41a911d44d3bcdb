//! `churn explain`: one account's full explanation for a customer-success manager.
//!
//! The contributions are the learner's exact ones ([`churn_model::Learner::contributions`]:
//! exact TreeSHAP for tree models, `coef (x − mean)` for logistic regression), not the path
//! attribution `churn score` uses for speed: one row is cheap. They add up to the raw log-odds
//! (`base + Σ contributions`); the probability is the calibrated one.

use std::path::PathBuf;

use anyhow::Context;
use churn_core::table::{is_missing, Table};
use churn_model::profile::FeatureProfile;
use churn_model::ModelFile;

/// `churn explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Data holding the account (CSV or CSV.gz) with the model's id column.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The account id (value of the model's id column); the first row with it is explained.
    #[arg(long, value_name = "ID")]
    pub id: String,
    /// JSON to stdout instead of Markdown.
    #[arg(long)]
    pub json: bool,
    /// Project file: its `[[actions]]` rules give the recommended action (matched against the
    /// account's top 3 risk drivers, as `churn score` names them) and `[drivers]` its exclusions.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// One feature column's part in the explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Column name.
    pub feature: String,
    /// The account's value as read (rounded for display), empty when missing.
    pub value: String,
    /// Percentile (0–100) of the value among the training rows' present values: the share at
    /// or below it for numbers, the share holding the same category for categories. `None`:
    /// missing value or no profile.
    pub percentile: Option<f64>,
    /// Log-odds contribution (one-hot parts summed).
    pub contribution: f64,
    /// The feature dictionary's definition, when the model carries one.
    pub definition: Option<String>,
    /// The value in words, as `churn score` phrases its drivers (`post events in the last 28
    /// days fell 60% from the 28 days before`), when the model carries a feature dictionary
    /// that phrases this column and the value is present.
    pub text: Option<String>,
}

/// The whole explanation of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub id: String,
    pub probability: f64,
    pub tier: String,
    pub action: Option<String>,
    pub health_score: f64,
    pub health_state: String,
    pub base_value: f64,
    pub log_odds: f64,
    /// Largest |contribution| first.
    pub contributions: Vec<Contribution>,
    /// Columns left out of the explanation by `[drivers] exclude` (their contributions stay in
    /// the log-odds).
    pub hidden: Vec<String>,
    /// The smallest |contribution| named among the top drivers (`[drivers] min_contribution`).
    pub min_contribution: f64,
}

pub fn run(a: &ExplainArgs) -> anyhow::Result<()> {
    let model = ModelFile::load(&a.model)?;
    let table = Table::read(&a.data)?;
    let mut e = explain(&model, &table, &a.id)?;
    if let Some(path) = &a.config {
        let config = crate::cmd::project::load_config(path)?;
        crate::cmd::project::warn_unmatched_rules(&config, &model);
        apply_rules(&mut e, &config);
    }
    let text = if a.json { serde_json::to_string_pretty(&to_json(&model, &e))? + "\n" } else { markdown(&model, &e) };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).context("writing to stdout")?;
    Ok(())
}

/// Explains the first row of `table` whose id is `id`.
pub fn explain(model: &ModelFile, table: &Table, id: &str) -> anyhow::Result<Explanation> {
    let path = table.path().display().to_string();
    let id_col = model.schema.id.as_deref().ok_or_else(|| {
        anyhow::anyhow!("the model has no id column (train it with --id COL) so accounts cannot be looked up")
    })?;
    let id_idx = table.column_index(id_col)?;
    let row = (0..table.n_rows())
        .find(|&r| table.field(r, id_idx).trim() == id.trim())
        .ok_or_else(|| anyhow::anyhow!("{path}: no account with {id_col} = '{}'", id.trim()))?;
    let cols = model.bind_columns(table.path(), table.headers())?;
    let fields: Vec<&str> = cols.iter().map(|&c| table.field(row, c)).collect();
    let mut x = vec![0.0; model.preprocessing.width()];
    model.preprocessing.transform_row(&fields, &mut x).map_err(|e| {
        anyhow::anyhow!(
            "{path}: line {}, column {}: invalid value '{}' (expected {})",
            table.line(row),
            model.schema.features[e.column].name,
            e.value,
            e.expected
        )
    })?;
    let log_odds = model.learner.predict_raw_row(&x);
    let probability = model.calibrator.probability(log_odds);
    let (base_value, c) = model.learner.contributions(&x, &model.input_means);
    let mut per_column = vec![0.0; model.schema.features.len()];
    for (v, &src) in c.iter().zip(&model.input_sources) {
        per_column[src] += v;
    }
    let words = model.driver_words();
    let mut contributions: Vec<Contribution> = model
        .schema
        .features
        .iter()
        .enumerate()
        .map(|(j, f)| {
            let raw = fields[j].trim();
            let missing = is_missing(raw);
            let profile = model.profile.as_ref().and_then(|p| p.feature(&f.name));
            Contribution {
                feature: f.name.clone(),
                value: if missing { String::new() } else { churn_model::drivers::display_value(raw).into_owned() },
                percentile: if missing { None } else { profile.and_then(|p| percentile(p, raw)) },
                contribution: per_column[j],
                definition: model
                    .features
                    .as_ref()
                    .and_then(|d| d.features.iter().find(|d| d.name == f.name))
                    .map(|d| d.definition.clone()),
                text: if missing { None } else { words.as_ref().and_then(|w| w.long(&f.name, raw)) },
            }
        })
        .collect();
    contributions.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()).then(a.feature.cmp(&b.feature)));
    let tier = model.tiers.band_of(probability);
    let health_score = (100.0 * (1.0 - probability) * 10.0).round() / 10.0;
    Ok(Explanation {
        id: id.trim().to_string(),
        probability,
        tier: tier.name.clone(),
        action: tier.action.clone(),
        health_score,
        health_state: model.health_states.band_of(health_score).name.clone(),
        base_value,
        log_odds,
        contributions,
        hidden: Vec::new(),
        min_contribution: churn_model::drivers::DEFAULT_MIN_CONTRIBUTION,
    })
}

/// The first `[[actions]]` rule matching the account's tier and its top 3 risk drivers (the
/// largest positive contributions of at least `[drivers] min_contribution`, default 0.05, of
/// columns not in `[drivers] exclude`) replaces the tier's action.
pub fn apply_rules(e: &mut Explanation, config: &churn_core::Config) {
    let (exclude, min) = match &config.drivers {
        Some(d) => (d.exclude.as_slice(), d.min_contribution.unwrap_or(churn_model::drivers::DEFAULT_MIN_CONTRIBUTION)),
        None => (&[][..], churn_model::drivers::DEFAULT_MIN_CONTRIBUTION),
    };
    let mut risk: Vec<&Contribution> = e
        .contributions
        .iter()
        .filter(|c| c.contribution > 0.0 && c.contribution >= min && !exclude.contains(&c.feature))
        .collect();
    risk.sort_by(|a, b| b.contribution.total_cmp(&a.contribution).then(a.feature.cmp(&b.feature)));
    let names: Vec<&str> = risk.iter().take(3).map(|c| c.feature.as_str()).collect();
    if let Some(r) = churn_core::actions::first_match(&config.actions, &e.tier, &names) {
        e.action = Some(config.actions[r].action.clone());
    }
    // Excluded columns (protected attributes) are never shown.
    e.min_contribution = min;
    e.hidden = e.contributions.iter().filter(|c| exclude.contains(&c.feature)).map(|c| c.feature.clone()).collect();
    e.contributions.retain(|c| !exclude.contains(&c.feature));
}

/// Percentile (0–100) of a present raw value against a training profile: numbers, the share of
/// training values at or below it (exact at the profile's percentile points, the next lower
/// point's share in between); categories, the share of training rows with that category.
pub fn percentile(p: &FeatureProfile, raw: &str) -> Option<f64> {
    p.percentile(raw)
}

fn r3(x: f64) -> f64 {
    churn_model::drivers::round3(x)
}

fn to_json(model: &ModelFile, e: &Explanation) -> serde_json::Value {
    serde_json::json!({
        "id": e.id,
        "model_id": model.model_id,
        "model_version": model.version,
        "churn_probability": r3(e.probability),
        "risk_tier": e.tier,
        "recommended_action": e.action,
        "health_score": e.health_score,
        "health_state": e.health_state,
        "base_value": e.base_value,
        "log_odds": e.log_odds,
        "hidden_columns": e.hidden,
        "contributions": e.contributions.iter().map(|c| serde_json::json!({
            "feature": c.feature,
            "value": c.value,
            "percentile": c.percentile.map(|p| (p * 10.0).round() / 10.0),
            "contribution": c.contribution,
            "direction": direction(c.contribution),
            "definition": c.definition,
            "text": c.text,
        })).collect::<Vec<_>>(),
    })
}

fn direction(c: f64) -> &'static str {
    if c > 0.0 {
        "raises risk"
    } else if c < 0.0 {
        "lowers risk"
    } else {
        "no effect"
    }
}

fn markdown(model: &ModelFile, e: &Explanation) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "# Account {}\n", e.id);
    let _ = writeln!(s, "- Churn probability: **{:.1}%**", 100.0 * e.probability);
    let _ = writeln!(s, "- Risk tier: **{}**", e.tier);
    let _ = writeln!(s, "- Health: {:.1} ({})", e.health_score, e.health_state);
    let _ = writeln!(s, "- Recommended action: {}", e.action.as_deref().unwrap_or("none"));
    let _ = writeln!(
        s,
        "- Log-odds {:+.3} = base value {:+.3} (the average account) + the contributions below",
        e.log_odds, e.base_value
    );
    let _ = writeln!(s, "- Model {} version {} ({})\n", model.name, model.version, model.model_id);
    for (title, raising) in [("What raises the risk", true), ("What lowers the risk", false)] {
        let top: Vec<&Contribution> = e
            .contributions
            .iter()
            .filter(|c| if raising { c.contribution > 0.0 } else { c.contribution < 0.0 })
            .filter(|c| c.contribution.abs() >= e.min_contribution && !c.value.is_empty())
            .take(3)
            .collect();
        if !top.is_empty() {
            let _ = writeln!(s, "**{title}**\n");
            for c in top {
                let _ = writeln!(s, "- {} ({:+.3})", md(&sentence(c)), c.contribution);
            }
            s.push('\n');
        }
    }
    if !e.hidden.is_empty() {
        let (what, verb, its) = if e.hidden.len() == 1 {
            ("column", "is", "its contribution is")
        } else {
            ("columns", "are", "their contributions are")
        };
        let _ = writeln!(
            s,
            "{} {what} excluded from drivers by `[drivers] exclude` {verb} not shown; {its} in the log-odds.\n",
            e.hidden.len()
        );
    }
    let _ = writeln!(
        s,
        "| Feature | Value | Training percentile | Contribution (log-odds) | Effect | In words | Definition |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---|---|---|");
    for c in &e.contributions {
        let pct = c.percentile.map_or_else(|| "n/a".to_string(), |p| format!("{p:.0}"));
        let value = if c.value.is_empty() { "(missing)" } else { &c.value };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:+.3} | {} | {} | {} |",
            md(&c.feature),
            md(value),
            pct,
            c.contribution,
            direction(c.contribution),
            md(c.text.as_deref().unwrap_or("")),
            md(c.definition.as_deref().unwrap_or(""))
        );
    }
    s
}

/// A contribution as a CSM reads it: the value in words when the dictionary phrases it, else
/// `feature = value`, with the training percentile of a number.
fn sentence(c: &Contribution) -> String {
    match (&c.text, c.percentile) {
        (Some(t), _) => t.clone(),
        (None, Some(p)) if c.value.parse::<f64>().is_ok() => {
            format!("{} = {} ({} percentile of training)", c.feature, c.value, ordinal(p.round() as u32))
        }
        (None, _) => format!("{} = {}", c.feature, c.value),
    }
}

/// `1st`, `2nd`, `3rd`, `11th`, `42nd`.
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Escapes table-breaking characters of a Markdown cell.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
