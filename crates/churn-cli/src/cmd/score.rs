//! `churn score`.

use anyhow::Context;
use churn_model::ModelFile;
use churn_score::{score_file, Format, ScoreOptions};

use crate::args::ScoreArgs;

pub fn run(a: &ScoreArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&a.max_reject_rate) {
        anyhow::bail!("invalid --max-reject-rate {}: must be between 0 and 1", a.max_reject_rate);
    }
    let format: Format = a.format.parse().map_err(|e| anyhow::anyhow!("invalid --format: {e}"))?;
    let model = ModelFile::load(&a.model)?;
    let mut opts = ScoreOptions::new(&a.data, &a.out);
    opts.format = format;
    opts.rejects = a.rejects.clone();
    opts.max_reject_rate = a.max_reject_rate;
    opts.drivers = a.drivers;
    opts.revenue = a.revenue.clone();
    opts.progress = !a.quiet;
    let s = score_file(&model, &opts)?;
    let summary_path = a.summary.clone().unwrap_or_else(|| match a.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join("summary.json"),
        _ => "summary.json".into(),
    });
    let json = serde_json::json!({
        "model_id": model.model_id,
        "model_version": model.version,
        "input": a.data,
        "output": a.out,
        "rows_read": s.rows_read,
        "rows_scored": s.rows_scored,
        "rows_rejected": s.rows_rejected,
        "rejects_file": s.rejects_file,
        "summary": s.summary,
    });
    churn_core::output::write_atomic(&summary_path, (serde_json::to_string_pretty(&json)? + "\n").as_bytes())
        .with_context(|| format!("writing {}", summary_path.display()))?;
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
    Ok(())
}
