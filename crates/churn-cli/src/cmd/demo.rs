//! `churn demo`: two simulated quarters; train on the first, evaluate and score the second.

use churn_model::ModelFile;
use churn_score::{score_file, ScoreOptions};
use churn_sim::SimConfig;
use churn_train::TrainOptions;

use super::{opt, simulate::run_sim, train::print_outcome};
use crate::args::DemoArgs;

pub fn run(a: &DemoArgs) -> anyhow::Result<()> {
    let history = a.out.join("history");
    let current = a.out.join("current");
    println!("1. simulating two SaaS customer bases of {} accounts (seeds {} and {})", a.accounts, a.seed, a.seed + 1);
    let s1 = run_sim(&SimConfig { accounts: a.accounts, seed: a.seed, ..SimConfig::default() }, &history)?;
    let s2 = run_sim(&SimConfig { accounts: a.accounts, seed: a.seed + 1, ..SimConfig::default() }, &current)?;
    println!(
        "   {}: {} accounts at {}, {} churned",
        history.display(),
        s1.snapshot_rows,
        s1.snapshot_date,
        s1.snapshot_churned
    );
    println!(
        "   {}: {} accounts at {}, {} churned",
        current.display(),
        s2.snapshot_rows,
        s2.snapshot_date,
        s2.snapshot_churned
    );

    println!("2. training on {}", history.join("snapshot.csv").display());
    let mut opts = TrainOptions::new(history.join("snapshot.csv"), "churned");
    opts.id = Some("account_id".into());
    opts.name = Some("saas-demo".into());
    let outcome = churn_train::train(&opts)?;
    print_outcome(&outcome);
    let model_path = a.out.join("model.json");
    outcome.model.save(&model_path)?;

    println!("3. evaluating on the other customer base (never seen in training)");
    let model = ModelFile::load(&model_path)?;
    let (y, p) = super::evaluate::scored(&model, &current.join("snapshot.csv"), None)?;
    let m = churn_eval::summarize(&p, &y)?;
    println!(
        "   AUC {}  PR-AUC {}  Brier {:.4}  log loss {:.4}  lift@10% {}",
        opt(m.auc),
        opt(m.pr_auc),
        m.brier,
        m.log_loss,
        opt(m.lift_at_10)
    );

    let report_dir = a.out.join("report");
    let table = churn_core::Table::read(&current.join("snapshot.csv"))?;
    let report = churn_report::build_from_table(&model, &table, None, &churn_report::ReportOptions::default())?;
    report.write_dir(&report_dir)?;
    println!("   report: {}", report_dir.join("report.html").display());

    println!("4. scoring {}", current.join("snapshot.csv").display());
    let scores = a.out.join("scores.csv");
    let mut opts = ScoreOptions::new(current.join("snapshot.csv"), &scores);
    opts.revenue = Some("mrr".into());
    let s = score_file(&model, &opts)?;
    print!("{}", s.summary.to_table());
    // The run summary, as `churn score` writes it: beside the scores, named after them.
    let summary_path = churn_score::sibling(&scores, ".summary.json");
    let input = serde_json::json!(current.join("snapshot.csv"));
    let json = s.to_json(&model, &input, &scores, None);
    churn_core::output::write_atomic(&summary_path, (serde_json::to_string_pretty(&json)? + "\n").as_bytes())?;
    println!(
        "\nresults:\n  model   {}\n  scores  {} (summary {})\n  report  {}\n  data    {} and {}",
        model_path.display(),
        scores.display(),
        summary_path.display(),
        report_dir.join("report.html").display(),
        history.display(),
        current.display()
    );
    Ok(())
}
