//! `churn score`.

use churn_model::ModelFile;
use churn_score::{score_file, ScoreOptions};

use crate::args::ScoreArgs;

pub fn run(a: &ScoreArgs) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&a.max_reject_rate) {
        anyhow::bail!(
            "invalid --max-reject-rate {}: must be between 0 and 1",
            a.max_reject_rate
        );
    }
    let model = ModelFile::load(&a.model)?;
    let mut opts = ScoreOptions::new(&a.data, &a.out);
    opts.rejects = a.rejects.clone();
    opts.max_reject_rate = a.max_reject_rate;
    let s = score_file(&model, &opts)?;
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
        for (tier, n) in &s.tier_counts {
            eprintln!("  {tier:<10} {n:>10}");
        }
        if let Some(r) = &s.rejects_file {
            eprintln!("  rejected rows listed in {}", r.display());
        }
    }
    Ok(())
}
