//! `churn evaluate`.

use anyhow::Context;
use churn_core::Table;
use churn_model::ModelFile;

use super::opt;
use crate::args::EvaluateArgs;

/// Loads a model and labeled data, and returns the labels and calibrated probabilities.
pub fn scored(model: &ModelFile, data: &std::path::Path, label: Option<&str>) -> anyhow::Result<(Vec<bool>, Vec<f64>)> {
    scored_table(model, &Table::read(data)?, label)
}

/// The labels and calibrated probabilities of a table read.
fn scored_table(model: &ModelFile, table: &Table, label: Option<&str>) -> anyhow::Result<(Vec<bool>, Vec<f64>)> {
    let mut spec = model.schema.label.clone();
    if let Some(l) = label {
        spec.column = l.to_string();
    }
    let y = spec.read(table)?;
    let (_, p) = model.score_table(table)?;
    Ok((y, p))
}

pub fn run(a: &EvaluateArgs) -> anyhow::Result<()> {
    let model = ModelFile::load(&a.model)?;
    if model.survival.is_some() {
        return crate::cmd::survival::evaluate(&model, &a.data, a.label.as_deref(), a.json.as_deref());
    }
    let table = Table::read(&a.data)?;
    let (y, p) = scored_table(&model, &table, a.label.as_deref())?;
    let m = churn_eval::summarize(&p, &y)?;
    let all: Vec<usize> = (0..table.n_rows()).collect();
    let mut warnings: Vec<String> =
        churn_report::honesty::training_rows_warning(&model, &table, &all).into_iter().collect();
    if let Some((lo, hi)) =
        m.auc.and_then(|auc| churn_report::honesty::hanley_mcneil_interval(auc, m.n_positive, m.n - m.n_positive))
    {
        warnings.extend(churn_report::honesty::auc_interval_warning(m.auc.unwrap_or(0.5), lo, hi, 0.95, "these rows"));
    }
    for w in &warnings {
        eprintln!("{w}");
    }
    println!(
        "model {} ({}) on {}: {} rows, churn rate {:.4}",
        model.name,
        model.learner.name(),
        a.data.display(),
        m.n,
        m.base_rate
    );
    println!("  AUC          {}", opt(m.auc));
    println!("  PR-AUC       {}", opt(m.pr_auc));
    println!("  Brier        {:.4}", m.brier);
    println!("  log loss     {:.4}", m.log_loss);
    println!("  ECE          {:.4}", m.ece);
    println!("  lift@10%     {}", opt(m.lift_at_10));
    if let Some(path) = &a.json {
        let text = serde_json::to_string_pretty(&m)? + "\n";
        churn_core::output::write_atomic(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
