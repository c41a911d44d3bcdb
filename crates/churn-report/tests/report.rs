//! Reports built from real trained models on generated data: numbers agree with direct
//! computations, renderers produce what they promise, bad input fails cleanly, and comparison
//! picks the better model with the right test.

use std::path::Path;
use std::sync::OnceLock;

use churn_core::rng::Rng;
use churn_core::Table;
use churn_model::ModelFile;
use churn_report::compare::RowMatch;
use churn_report::{build_from_table, compare, CompareOptions, Report, ReportError, ReportOptions};
use churn_train::{ModelKind, TrainOptions};

/// Labeled customers where churn depends on usage, tickets, autopay and plan.
fn customers_csv(n: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::from("account_id,plan,monthly_fee,logins_30d,tickets,autopay,churned\n");
    for i in 0..n {
        let plan = ["basic", "pro", "enterprise"][rng.below(3) as usize];
        let fee = 20.0 + 100.0 * rng.next_f64();
        let logins = (rng.next_f64() * 40.0).floor();
        let tickets = rng.below(6);
        let autopay = rng.next_f64() < 0.6;
        // A non-monotone effect of the fee that trees can use and a linear model cannot.
        let band = if (fee - 70.0).abs() > 30.0 { 1.5 } else { -1.5 };
        let z = 0.5 - 0.1 * logins + 0.4 * tickets as f64 + band + if autopay { -0.8 } else { 0.0 }
            - if plan == "enterprise" { 1.0 } else { 0.0 };
        let churned = rng.next_f64() < 1.0 / (1.0 + (-z).exp());
        s.push_str(&format!(
            "A{i:05},{plan},{fee:.2},{logins},{tickets},{},{}\n",
            if autopay { "yes" } else { "no" },
            if churned { "Yes" } else { "No" }
        ));
    }
    s
}

struct Fixture {
    _dir: tempfile::TempDir,
    logistic: ModelFile,
    gbdt: ModelFile,
    test: Table,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let train = dir.path().join("train.csv");
        std::fs::write(&train, customers_csv(3000, 1)).unwrap();
        let test_path = dir.path().join("test.csv");
        std::fs::write(&test_path, customers_csv(1500, 2)).unwrap();
        let model = |kind| {
            let mut o = TrainOptions::new(&train, "churned");
            o.positive = Some("Yes".into());
            o.id = Some("account_id".into());
            o.models = vec![kind];
            churn_train::train(&o).unwrap().model
        };
        Fixture {
            logistic: model(ModelKind::Logistic),
            gbdt: model(ModelKind::Gbdt),
            test: Table::read(&test_path).unwrap(),
            _dir: dir,
        }
    })
}

fn quick() -> ReportOptions {
    ReportOptions {
        bootstrap: 200,
        seed: 3,
        segment_by: vec!["plan".into(), "logins_30d".into()],
        ..ReportOptions::default()
    }
}

fn report(model: &ModelFile) -> Report {
    build_from_table(model, &fixture().test, None, &quick()).unwrap()
}

#[test]
fn numbers_agree_with_direct_computation() {
    let f = fixture();
    let r = report(&f.logistic);
    let (raw, p) = f.logistic.score_table(&f.test).unwrap();
    let y = f.logistic.schema.label.read(&f.test).unwrap();
    assert_eq!(r.metrics.auc, churn_eval::roc_auc(&p, &y).unwrap());
    assert_eq!(r.metrics.brier, churn_eval::brier(&p, &y).unwrap());
    assert_eq!(r.metrics.pr_auc, churn_eval::pr_auc(&p, &y).unwrap());
    assert_eq!(r.metrics.log_loss, churn_eval::log_loss(&p, &y).unwrap());
    assert_eq!(r.metrics.ece, churn_eval::ece(&p, &y).unwrap());
    assert_eq!(r.metrics.ks, churn_eval::ks_statistic(&p, &y).unwrap());
    let raw_p: Vec<f64> = raw.iter().map(|&z| 1.0 / (1.0 + (-z).exp())).collect();
    assert!((r.metrics.raw.brier - churn_eval::brier(&raw_p, &y).unwrap()).abs() < 1e-12);
    assert_eq!(r.rows.probabilities, p);
    assert_eq!(r.rows.label_vec(), y);
    assert_eq!(r.data.rows, 1500);
    for (est, ci) in [
        (r.metrics.auc, r.metrics.auc_ci),
        (r.metrics.pr_auc, r.metrics.pr_auc_ci),
        (r.metrics.brier, r.metrics.brier_ci),
        (r.metrics.log_loss, r.metrics.log_loss_ci),
        (r.metrics.ks, r.metrics.ks_ci),
    ] {
        assert!(ci.lo < est && est < ci.hi, "{est} outside [{}, {}]", ci.lo, ci.hi);
        assert!(ci.hi - ci.lo < 0.2, "interval too wide: [{}, {}]", ci.lo, ci.hi);
    }
    // Thresholds: what the eval crate chooses, and consistent counts.
    let f1 = churn_eval::best_f1_threshold(&p, &y).unwrap();
    assert_eq!(r.thresholds.max_f1.threshold, f1.threshold);
    assert_eq!(r.thresholds.max_f1.alerts, f1.alerts);
    assert_eq!(r.thresholds.capacity_accounts, 150);
    assert!(r.thresholds.capacity.alerts <= 150);
    let c = churn_eval::min_cost_threshold(&p, &y, 1.0, 5.0).unwrap();
    assert_eq!(r.thresholds.min_cost.cost, (c.confusion.fp + 5 * c.confusion.fn_) as f64);
    // Tiers partition the rows; surprise churns match a brute-force count.
    assert_eq!(r.tiers.iter().map(|t| t.n).sum::<usize>(), 1500);
    assert_eq!(r.tiers.iter().map(|t| t.churned).sum::<usize>(), r.metrics.n_positive);
    let bands = f.logistic.tiers.bands();
    let low: Vec<&str> = bands[bands.len() - 2..].iter().map(|b| b.name.as_str()).collect();
    let brute =
        p.iter().zip(&y).filter(|(&q, &l)| l && low.contains(&f.logistic.tiers.band_of(q).name.as_str())).count();
    assert_eq!(r.surprise_churns.count, brute);
    assert_eq!(r.surprise_churns.tiers, low);
    assert!(r.surprise_churns.accounts.windows(2).all(|w| w[0].probability <= w[1].probability));
    assert!(r.surprise_churns.accounts.iter().all(|a| a.id.as_deref().is_some_and(|id| id.starts_with('A'))));
    // Segments partition the rows.
    assert_eq!(r.segments.len(), 2);
    let plan = &r.segments[0];
    assert_eq!((plan.column.as_str(), plan.grouping.as_str()), ("plan", "values"));
    assert_eq!(plan.rows.len(), 3);
    assert_eq!(plan.rows.iter().map(|s| s.n).sum::<usize>(), 1500);
    assert_eq!(r.segments[1].grouping, "quantiles");
    assert_eq!(r.segments[1].rows.iter().map(|s| s.churned).sum::<usize>(), r.metrics.n_positive);
    // Lift: ten deciles, gains reach 100%.
    assert_eq!(r.lift.len(), 10);
    assert!((r.lift[9].cumulative_gain - 1.0).abs() < 1e-12);
    // Importance: every input, and permutation importance per input column.
    assert_eq!(r.feature_importance.inputs.len(), f.logistic.inputs.len());
    assert_eq!(r.feature_importance.permutation.len(), f.logistic.schema.features.len());
    let top: Vec<&str> = r.feature_importance.permutation.iter().take(2).map(|i| i.name.as_str()).collect();
    assert!(top.contains(&"logins_30d") && top.contains(&"tickets"), "{:?}", r.feature_importance.permutation);
    assert_eq!(r.leaderboard, f.logistic.training.leaderboard);
}

#[test]
fn json_round_trips_and_the_report_is_deterministic() {
    let f = fixture();
    let a = report(&f.gbdt);
    let b = report(&f.gbdt);
    let json = a.to_json();
    assert_eq!(json, b.to_json());
    let back = Report::from_bytes(json.as_bytes(), Path::new("r.json")).unwrap();
    assert_eq!(back, a);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in ["auc", "pr_auc", "brier", "log_loss", "ece"] {
        assert!(v["metrics"][key].is_f64(), "metrics.{key}");
        assert!(v["metrics"][format!("{key}_ci")]["lo"].is_f64(), "metrics.{key}_ci");
    }
    assert!(a.feature_importance.method.contains("gain"));
    // The fee acts through a band only trees can represent: it leads the permutation importance.
    assert_eq!(a.feature_importance.permutation[0].name, "monthly_fee", "{:?}", a.feature_importance.permutation);
}

#[test]
fn rendered_files_html_markdown_png() {
    let r = report(&fixture().gbdt);
    let files = r.render().unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "report.html",
            "report.md",
            "report.json",
            "roc.png",
            "precision_recall.png",
            "calibration.png",
            "lift.png",
            "gains.png",
            "score_distribution.png",
            "feature_importance.png"
        ]
    );
    let html = String::from_utf8(files[0].1.clone()).unwrap();
    assert_eq!(html.matches("<svg").count(), 7);
    for id in ["roc", "precision_recall", "calibration", "lift", "gains", "score_distribution", "feature_importance"] {
        assert!(html.contains(&format!("id=\"chart-{id}\"")), "{id}");
    }
    assert!(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("<link"), "not self-contained");
    assert!(
        html.contains("Surprise churns") && html.contains("Training leaderboard") && html.contains("by plan (values)")
    );
    let md = String::from_utf8(files[1].1.clone()).unwrap();
    assert!(md.contains("![ROC curve](roc.png)"));
    for (name, png) in &files[3..] {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}");
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND", "{name}");
        // A drawn chart, not a blank page: compressed size well above an all-white image.
        assert!(png.len() > 8000, "{name}: {} bytes", png.len());
    }
}

#[test]
fn metrics_section_markdown_snapshot() {
    let mut r = report(&fixture().logistic);
    let m = &mut r.metrics;
    (m.n, m.n_positive, m.base_rate, m.bootstrap, m.seed) = (1000, 250, 0.25, 1000, 0);
    (m.auc, m.pr_auc, m.brier, m.log_loss, m.ece, m.ks, m.lift_at_10) = (0.81234, 0.6, 0.15, 0.45, 0.031, 0.5, 3.2);
    m.auc_ci = churn_report::Interval { lo: 0.8, hi: 0.83 };
    m.raw = churn_eval::Metrics {
        n: 1000,
        n_positive: 250,
        base_rate: 0.25,
        auc: Some(0.81234),
        pr_auc: Some(0.6),
        brier: 0.2,
        log_loss: 0.6,
        ece: 0.12,
        ks: Some(0.5),
        lift_at_10: Some(3.2),
    };
    r.model.training_test_metrics = m.raw.clone();
    let sec = &churn_report::render::sections(&r)[0];
    let md = churn_report::render::markdown_table(&sec.tables[0]);
    let first_rows: Vec<&str> = md.lines().take(3).collect();
    assert_eq!(
        first_rows,
        [
            "| metric | value | 95% interval | raw (uncalibrated) | at training (test split) | field target |",
            "|---|---:|---:|---:|---:|---:|",
            // Every cell is escaped Markdown text: `\\[`, `&gt;` render as `[`, `>`.
            "| AUC | 0.8123 | \\[0.8000, 0.8300\\] | 0.8123 | 0.8123 | &gt; 0.75: yes |",
        ]
    );
    assert!(md.contains("| ECE | 0.0310 |"), "{md}");
    assert!(md.contains("| lift in top 10% | 3.2000 |  | 3.2000 | 3.2000 | &gt; 3: yes |"), "{md}");
    assert_eq!(sec.notes[0], "1000 rows, 250 churned (rate 0.2500). Intervals: 95% stratified bootstrap percentile intervals, 1000 replicates, seed 0. Metrics are of the calibrated probabilities that `churn score` outputs.");
}

fn err(model: &ModelFile, csv: &str, opts: &ReportOptions) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.csv");
    std::fs::write(&p, csv).unwrap();
    let t = Table::read(&p).unwrap();
    let e: ReportError = build_from_table(model, &t, None, opts).unwrap_err();
    e.to_string().replace(&p.display().to_string(), "bad.csv")
}

#[test]
fn bad_input_errors() {
    let f = fixture();
    let text = customers_csv(200, 9);
    let m = &f.logistic;
    let o = ReportOptions { bootstrap: 50, ..ReportOptions::default() };
    // No label column.
    let no_label: String = text.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n").collect();
    assert_eq!(
        err(m, &no_label, &o),
        "bad.csv: no label column `churned`: a report needs labeled data (the model was trained with label `churned`); pass --label COL if the outcome has another name"
    );
    // A renamed label column gets a suggestion.
    let renamed = text.replacen("churned\n", "churn\n", 1);
    assert_eq!(
        err(m, &renamed, &o),
        "bad.csv: no label column `churned`: a report needs labeled data (the model was trained with label `churned`); did you mean `churn`? pass --label COL"
    );
    // One class.
    let one_class = text.replace(",Yes\n", ",No\n");
    assert_eq!(
        err(m, &one_class, &o),
        "bad.csv: the label column `churned` has a single class ('No'): need both churned and retained rows"
    );
    // Schema mismatch.
    let no_tickets: String = text
        .lines()
        .map(|l| l.split(',').enumerate().filter(|(i, _)| *i != 4).map(|(_, v)| v).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    assert_eq!(
        err(m, &no_tickets, &o),
        "bad.csv: the data does not match the model's schema: missing column `tickets`"
    );
    // Unknown segment column.
    let seg = ReportOptions { segment_by: vec!["plam".into()], ..o.clone() };
    assert_eq!(err(m, &text, &seg), "bad.csv: no column `plam` to segment by (--segment-by) (did you mean `plan`?)");
    // Invalid options.
    let bad = ReportOptions { cost_fn: -1.0, ..o.clone() };
    assert_eq!(err(m, &text, &bad), "invalid --cost-fn: must be a finite, non-negative number");
    let bad = ReportOptions { bootstrap: 1, ..o };
    assert_eq!(err(m, &text, &bad), "invalid --bootstrap: must be between 2 and 100000 replicates");
}

#[test]
fn write_dir_creates_the_folder_whole_and_replaces_files() {
    let r = report(&fixture().logistic);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested").join("rep");
    let written = r.write_dir(&out).unwrap();
    assert_eq!(written.len(), 10);
    assert!(written.iter().all(|p| p.is_file()));
    let json = std::fs::read_to_string(out.join("report.json")).unwrap();
    assert_eq!(Report::load(&out.join("report.json")).unwrap(), r);
    std::fs::write(out.join("report.json"), "stale").unwrap();
    r.write_dir(&out).unwrap();
    assert_eq!(std::fs::read_to_string(out.join("report.json")).unwrap(), json);
    let leftovers: Vec<_> =
        std::fs::read_dir(dir.path().join("nested")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["rep"]);
}

#[test]
fn report_files_are_checked_on_load() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "{\"format\": \"churn-model\"}").unwrap();
    let e = Report::load(&p).unwrap_err().to_string();
    assert!(e.ends_with("x.json: not a churn report (no \"format\": \"churn-report\" field); pass the report.json written by `churn report`"), "{e}");
    std::fs::write(&p, "{\"format\": \"churn-report\", \"format_version\": 9}").unwrap();
    let e = Report::load(&p).unwrap_err().to_string();
    assert!(e.ends_with("x.json: report format version 9 is not supported (supported: 1)"), "{e}");
}

#[test]
fn compare_names_the_better_model_with_delong_on_the_same_rows() {
    let f = fixture();
    let (lr, gb) = (report(&f.logistic), report(&f.gbdt));
    assert!(gb.metrics.auc > lr.metrics.auc + 0.01, "fixture: gbdt {} vs logistic {}", gb.metrics.auc, lr.metrics.auc);
    let c =
        compare(&[lr.clone(), gb.clone()], &CompareOptions { bootstrap: 300, ..CompareOptions::default() }).unwrap();
    assert_eq!(c.reports[1].rows_match, RowMatch::Same);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.better, 1);
    let auc = &c.metrics[0];
    let d = auc.differences[1].as_ref().unwrap();
    assert_eq!(d.test, "DeLong");
    let (y, pa, pb) = (lr.rows.label_vec(), &lr.rows.probabilities, &gb.rows.probabilities);
    let t = churn_eval::delong_test(pb, pa, &y).unwrap();
    assert_eq!(d.p_value, t.p_value);
    assert!(d.significant && d.better);
    assert!(c.verdict.starts_with("train v1 (gbdt) is better: AUC"), "{}", c.verdict);
    assert!(c.verdict.contains("DeLong test on the same rows"), "{}", c.verdict);
    let brier = c.metrics.iter().find(|m| m.metric == "brier").unwrap().differences[1].clone().unwrap();
    assert_eq!(brier.test, "paired bootstrap");
    assert!(brier.ci.is_some_and(|ci| ci.lo <= brier.diff && brier.diff <= ci.hi));
    let md = c.to_markdown();
    assert!(md.contains("| auc (higher is better) |") && md.contains("**Verdict:** train v1 (gbdt) is better"), "{md}");
    // Rows in another order are aligned by id and give the same test.
    let mut shuffled = gb.clone();
    let n = shuffled.rows.probabilities.len();
    let perm: Vec<usize> = (0..n).rev().collect();
    let ids = shuffled.rows.ids.clone().unwrap();
    shuffled.rows.ids = Some(perm.iter().map(|&i| ids[i].clone()).collect());
    shuffled.rows.probabilities = perm.iter().map(|&i| gb.rows.probabilities[i]).collect();
    shuffled.rows.labels = perm.iter().map(|&i| gb.rows.labels.as_bytes()[i] as char).collect();
    shuffled.rows.fingerprint = "other".into();
    let c2 = compare(&[lr.clone(), shuffled], &CompareOptions { bootstrap: 300, ..CompareOptions::default() }).unwrap();
    assert_eq!(c2.reports[1].rows_match, RowMatch::AlignedById);
    assert_eq!(c2.metrics[0].differences[1].as_ref().unwrap().p_value, t.p_value);
}

#[test]
fn compare_warns_when_rows_differ() {
    let f = fixture();
    let lr = report(&f.logistic);
    let half: Vec<usize> = (0..700).collect();
    let other = build_from_table(&f.gbdt, &f.test, Some(&half), &quick()).unwrap();
    assert_eq!(other.data.source, "test.csv (700 of 1500 rows)");
    let c = compare(&[lr, other], &CompareOptions::default()).unwrap();
    assert!(matches!(c.reports[1].rows_match, RowMatch::Different { .. }));
    assert_eq!(c.warnings.len(), 1);
    assert!(c.warnings[0].contains("were not computed on the same rows (1500 rows vs 700)"), "{}", c.warnings[0]);
    assert!(c.metrics.iter().all(|m| m.differences[1].as_ref().unwrap().test == "unpaired (approximate)"));
    assert!(c.verdict.contains("approximate unpaired test"), "{}", c.verdict);
    assert!(c.to_markdown().contains("> **warning:**"));
    let e = compare(&[report(&f.logistic)], &CompareOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "compare needs at least two reports, got 1");
}

/// What `churn train --report DIR` does: the report of the test split carries the test
/// metrics recorded in the model file.
#[test]
fn train_report_on_the_test_split_matches_the_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.csv");
    std::fs::write(&train, customers_csv(2000, 5)).unwrap();
    let mut opts = TrainOptions::new(&train, "churned");
    opts.id = Some("account_id".into());
    let table = Table::read(&train).unwrap();
    let outcome = churn_train::train_table(&table, &opts).unwrap();
    // The lead's call in `churn train`:
    let y = outcome.model.schema.label.read(&table).unwrap();
    let split = churn_train::stratified_split(&y, opts.fractions, opts.seed).unwrap();
    let r = build_from_table(&outcome.model, &table, Some(&split.test), &ReportOptions::default()).unwrap();
    let recorded = &outcome.model.training.test_metrics.calibrated;
    assert_eq!(r.data.rows, outcome.model.training.test.rows);
    assert_eq!(Some(r.metrics.auc), recorded.auc);
    assert_eq!(r.metrics.brier, recorded.brier);
    assert_eq!(r.metrics.raw.auc, outcome.model.training.test_metrics.raw.auc);
    assert_eq!(r.data.source, format!("train.csv ({} of 2000 rows)", split.test.len()));
}
