//! Renderers: Markdown and self-contained HTML. Both are built from the same list of
//! sections, so they always carry the same tables.

use std::fmt::Write;

use churn_eval::ReliabilityRow;

use crate::charts::{Chart, ChartKind};
use crate::report::{Interval, OperatingPoint, Report};

/// A table: headers and rows of already formatted cells.
#[derive(Debug, Clone, PartialEq)]
pub struct TableData {
    /// Caption (may be empty).
    pub caption: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// One section of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Anchor id.
    pub id: &'static str,
    /// Heading.
    pub title: String,
    /// Paragraphs before the tables.
    pub notes: Vec<String>,
    /// Charts shown in this section.
    pub charts: Vec<ChartKind>,
    /// Tables.
    pub tables: Vec<TableData>,
}

fn table(caption: &str, headers: &[&str], rows: Vec<Vec<String>>) -> TableData {
    TableData { caption: caption.into(), headers: headers.iter().map(|h| h.to_string()).collect(), rows }
}

/// `0.8123`; a value that rounds to zero prints `0.0000`, never `-0.0000`.
pub fn f4(x: f64) -> String {
    let s = format!("{x:.4}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

fn opt4(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), f4)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn ci(i: &Interval) -> String {
    format!("[{}, {}]", f4(i.lo), f4(i.hi))
}

fn check(ok: bool) -> String {
    if ok { "yes" } else { "no" }.into()
}

fn op_row(name: &str, o: &OperatingPoint) -> Vec<String> {
    vec![
        name.into(),
        f4(o.threshold),
        o.alerts.to_string(),
        pct(o.alert_rate),
        f4(o.precision),
        f4(o.recall),
        f4(o.f1),
        f4(o.fpr),
        o.confusion.tp.to_string(),
        o.confusion.fp.to_string(),
        o.confusion.fn_.to_string(),
        format!("{:.1}", o.cost),
    ]
}

fn reliability_rows(rows: &[ReliabilityRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            vec![
                format!("[{}, {}]", f4(r.lo), f4(r.hi)),
                r.count.to_string(),
                f4(r.mean_predicted),
                f4(r.observed_rate),
                format!("{:+.4}", r.observed_rate - r.mean_predicted),
            ]
        })
        .collect()
}

/// The sections of a report, in order.
pub fn sections(r: &Report) -> Vec<Section> {
    let mut out = Vec::new();
    if !r.warnings.is_empty() {
        out.push(Section {
            id: "warnings",
            title: "Warnings".into(),
            notes: r.warnings.clone(),
            charts: vec![],
            tables: vec![],
        });
    }

    out.push(metrics_section(r));
    out.push(ranking_section());
    out.push(calibration_section(r));
    out.push(thresholds_section(r));
    out.push(lift_section(r));
    out.push(distribution_section(r));
    out.push(importance_section(r));
    out.push(tiers_section(r));
    out.push(surprises_section(r));
    out.extend(segments_section(r));
    out.push(leaderboard_section(r));
    out
}

/// The headline metrics with intervals, raw and at training.
fn metrics_section(r: &Report) -> Section {
    let m = &r.metrics;
    let level = format!("{:.0}%", 100.0 * m.level);
    let training = &r.model.training_test_metrics;
    Section {
        id: "metrics",
        title: "Metrics".into(),
        notes: vec![format!(
            "{} rows, {} churned (rate {}). Intervals: {level} stratified bootstrap percentile intervals, {} replicates, seed {}. Metrics are of the calibrated probabilities that `churn score` outputs.",
            m.n,
            m.n_positive,
            f4(m.base_rate),
            m.bootstrap,
            m.seed
        )],
        charts: vec![],
        tables: vec![table(
            "",
            &["metric", "value", &format!("{level} interval"), "raw (uncalibrated)", "at training (test split)", "field target"],
            vec![
                vec!["AUC".into(), f4(m.auc), ci(&m.auc_ci), opt4(m.raw.auc), opt4(training.auc), format!("> 0.75: {}", check(m.auc > 0.75))],
                vec!["PR-AUC".into(), f4(m.pr_auc), ci(&m.pr_auc_ci), opt4(m.raw.pr_auc), opt4(training.pr_auc), String::new()],
                vec!["Brier".into(), f4(m.brier), ci(&m.brier_ci), f4(m.raw.brier), f4(training.brier), String::new()],
                vec!["log loss".into(), f4(m.log_loss), ci(&m.log_loss_ci), f4(m.raw.log_loss), f4(training.log_loss), String::new()],
                vec!["ECE".into(), f4(m.ece), ci(&m.ece_ci), f4(m.raw.ece), f4(training.ece), format!("< 0.05: {}", check(m.ece < 0.05))],
                vec!["KS".into(), f4(m.ks), ci(&m.ks_ci), opt4(m.raw.ks), opt4(training.ks), String::new()],
                vec!["lift in top 10%".into(), f4(m.lift_at_10), String::new(), opt4(m.raw.lift_at_10), opt4(training.lift_at_10), format!("> 3: {}", check(m.lift_at_10 > 3.0))],
            ],
        )],
    }
}

/// ROC and precision/recall charts.
fn ranking_section() -> Section {
    Section {
        id: "ranking",
        title: "Ranking".into(),
        notes: vec![],
        charts: vec![ChartKind::Roc, ChartKind::PrecisionRecall],
        tables: vec![],
    }
}

/// Platt scaling and the reliability tables.
fn calibration_section(r: &Report) -> Section {
    let c = &r.calibration;
    Section {
        id: "calibration",
        title: "Calibration".into(),
        notes: vec![format!(
            "Raw probabilities are `sigmoid(log-odds)` of the class-weighted learner; calibrated ones go through Platt scaling `p = sigmoid({} * log-odds {} {})` fitted {}. ECE raw {} / calibrated {} (equal-width bins), {} / {} (quantile bins).",
            f4(r.model.platt_a),
            if r.model.platt_b < 0.0 { '-' } else { '+' },
            f4(r.model.platt_b.abs()),
            match r.model.calibration_folds {
                Some(k) => format!("out of fold ({k}-fold cross-validation on the training and validation rows: each row's score from a model that did not see it)"),
                None => "on the validation split".into(),
            },
            f4(c.raw.ece),
            f4(c.calibrated.ece),
            f4(c.raw.ece_quantile),
            f4(c.calibrated.ece_quantile)
        )],
        charts: vec![ChartKind::Calibration],
        tables: vec![
            table("Calibrated, equal-width bins", &["bin", "rows", "mean predicted", "observed rate", "observed - predicted"], reliability_rows(&c.calibrated.equal_width)),
            table("Calibrated, quantile bins", &["bin", "rows", "mean predicted", "observed rate", "observed - predicted"], reliability_rows(&c.calibrated.quantile)),
            table("Raw, equal-width bins", &["bin", "rows", "mean predicted", "observed rate", "observed - predicted"], reliability_rows(&c.raw.equal_width)),
            table("Raw, quantile bins", &["bin", "rows", "mean predicted", "observed rate", "observed - predicted"], reliability_rows(&c.raw.quantile)),
        ],
    }
}

/// Operating points: max F1, minimum cost, capacity, 0.5.
fn thresholds_section(r: &Report) -> Section {
    let t = &r.thresholds;
    Section {
        id: "thresholds",
        title: "Thresholds".into(),
        notes: vec![format!(
            "Flag accounts whose calibrated probability is at or above the threshold. Cost = {} x false alarms + {} x missed churns; capacity = {} accounts.",
            r.options.cost_fp, r.options.cost_fn, t.capacity_accounts
        )],
        charts: vec![],
        tables: vec![table(
            "",
            &["rule", "threshold", "alerts", "alert rate", "precision", "recall", "F1", "FPR", "TP", "FP", "FN", "cost"],
            vec![op_row("max F1", &t.max_f1), op_row("min expected cost", &t.min_cost), op_row(&format!("capacity {}", t.capacity_accounts), &t.capacity), op_row("p >= 0.5", &t.at_half)],
        )],
    }
}

/// Lift and cumulative gains by decile.
fn lift_section(r: &Report) -> Section {
    Section {
        id: "lift",
        title: "Lift and gains".into(),
        notes: vec![],
        charts: vec![ChartKind::Lift, ChartKind::Gains],
        tables: vec![table(
            "",
            &["decile", "rows", "scores", "churned", "churn rate", "lift", "cumulative gain", "cumulative lift"],
            r.lift
                .iter()
                .map(|l| {
                    vec![
                        l.decile.to_string(),
                        l.count.to_string(),
                        format!("{} - {}", f4(l.min_score), f4(l.max_score)),
                        churned_count(l.positives),
                        f4(l.rate),
                        format!("{:.2}", l.lift),
                        pct(l.cumulative_gain),
                        format!("{:.2}", l.cumulative_lift),
                    ]
                })
                .collect(),
        )],
    }
}

/// Score distribution by outcome.
fn distribution_section(r: &Report) -> Section {
    let d = &r.score_distribution;
    Section {
        id: "distribution",
        title: "Score distribution by outcome".into(),
        notes: vec![format!(
            "Mean calibrated probability: churned {}, retained {}.",
            f4(d.mean_churned),
            f4(d.mean_retained)
        )],
        charts: vec![ChartKind::Distribution],
        tables: vec![table(
            "",
            &["probability", "churned", "retained"],
            d.edges
                .windows(2)
                .zip(d.churned.iter().zip(&d.retained))
                .filter(|(_, (c, r))| **c + **r > 0)
                .map(|(e, (c, r))| vec![format!("[{:.2}, {:.2})", e[0], e[1]), c.to_string(), r.to_string()])
                .collect(),
        )],
    }
}

/// Permutation and model-input importance.
fn importance_section(r: &Report) -> Section {
    let fi = &r.feature_importance;
    // The coefficient column only where there are coefficients (logistic models).
    let coefficients = fi.inputs.iter().any(|i| i.coefficient.is_some());
    let mut columns = vec!["input", "importance", "share"];
    if coefficients {
        columns.push("coefficient");
    }
    let mut tables = vec![table(
        &format!("Model inputs: {}", fi.method),
        &columns,
        fi.inputs
            .iter()
            .take(30)
            .map(|i| {
                let mut row = vec![i.name.clone(), f4(i.value), pct(i.share)];
                if coefficients {
                    row.push(i.coefficient.map_or_else(String::new, |c| format!("{c:+.4}")));
                }
                row
            })
            .collect(),
    )];
    if !fi.permutation.is_empty() {
        tables.insert(
            0,
            table(
                &format!(
                    "Permutation importance: mean AUC drop when the column is shuffled ({} repeats)",
                    r.options.permutation_repeats
                ),
                &["column", "AUC drop", "share"],
                fi.permutation.iter().map(|i| vec![i.name.clone(), f4(i.value), pct(i.share)]).collect(),
            ),
        );
    }
    Section {
        id: "importance",
        title: "Feature importance".into(),
        notes: vec![],
        charts: vec![ChartKind::Importance],
        tables,
    }
}

/// Outcomes by risk tier.
fn tiers_section(r: &Report) -> Section {
    Section {
        id: "tiers",
        title: "Outcomes by risk tier".into(),
        notes: vec![],
        charts: vec![],
        tables: vec![table(
            "",
            &[
                "tier",
                "probability",
                "accounts",
                "churned",
                "churn rate",
                "mean predicted",
                "share of churners",
                "action",
            ],
            r.tiers
                .iter()
                .map(|t| {
                    vec![
                        t.tier.clone(),
                        format!("[{:.2}, {:.2})", t.min, t.max),
                        t.n.to_string(),
                        t.churned.to_string(),
                        opt4(t.churn_rate),
                        opt4(t.mean_probability),
                        pct(t.share_of_churners),
                        t.action.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        )],
    }
}

/// Churned accounts scored in the lowest tiers.
fn surprises_section(r: &Report) -> Section {
    let s = &r.surprise_churns;
    Section {
        id: "surprises",
        title: "Surprise churns".into(),
        notes: vec![format!(
            "{} of {} churned accounts ({}) were scored in the two lowest tiers ({}); field target: below 20% ({}).{}",
            s.count,
            s.churned,
            pct(s.rate),
            s.tiers.join(", "),
            check(s.rate < 0.2),
            if s.accounts.len() < s.count {
                format!(" The {} lowest-scored are listed.", s.accounts.len())
            } else {
                String::new()
            }
        )],
        charts: vec![],
        tables: vec![table(
            "",
            &["account", "line", "probability", "tier"],
            s.accounts
                .iter()
                .map(|a| {
                    vec![
                        a.id.clone().unwrap_or_else(|| "-".into()),
                        a.line.to_string(),
                        f4(a.probability),
                        a.tier.clone(),
                    ]
                })
                .collect(),
        )],
    }
}

/// Key metrics by segment (`--segment-by`), when asked for.
fn segments_section(r: &Report) -> Option<Section> {
    if r.segments.is_empty() {
        return None;
    }
    Some(Section {
        id: "segments",
        title: "Segments".into(),
        notes: vec![format!("Recall and precision at the max-F1 threshold {}.", f4(r.thresholds.max_f1.threshold))],
        charts: vec![],
        tables: r
            .segments
            .iter()
            .map(|sg| {
                table(
                    &format!("by {} ({})", sg.column, sg.grouping),
                    &[
                        "segment",
                        "accounts",
                        "churned",
                        "churn rate",
                        "mean predicted",
                        "AUC",
                        "PR-AUC",
                        "Brier",
                        "recall",
                        "precision",
                    ],
                    sg.rows
                        .iter()
                        .map(|x| {
                            vec![
                                x.value.clone(),
                                x.n.to_string(),
                                x.churned.to_string(),
                                f4(x.churn_rate),
                                f4(x.mean_probability),
                                opt4(x.auc),
                                opt4(x.pr_auc),
                                f4(x.brier),
                                opt4(x.recall_at_max_f1),
                                opt4(x.precision_at_max_f1),
                            ]
                        })
                        .collect(),
                )
            })
            .collect(),
    })
}

/// The training search's leaderboard.
fn leaderboard_section(r: &Report) -> Section {
    Section {
        id: "leaderboard",
        title: "Training leaderboard".into(),
        notes: vec![format!(
            "Candidates of the training search, selected by validation {} (from the model file).",
            r.model.selected_by
        )],
        charts: vec![],
        tables: vec![table(
            "",
            &["", "model", "settings", "val AUC", "val PR-AUC", "val Brier", "test AUC", "test PR-AUC", "test Brier"],
            r.leaderboard
                .iter()
                .map(|e| {
                    vec![
                        if e.selected { "*".into() } else { String::new() },
                        e.model.clone(),
                        e.settings.clone(),
                        opt4(e.validation.auc),
                        opt4(e.validation.pr_auc),
                        f4(e.validation.brier),
                        opt4(e.test.auc),
                        opt4(e.test.pr_auc),
                        f4(e.test.brier),
                    ]
                })
                .collect(),
        )],
    }
}

fn title(r: &Report) -> String {
    format!("Churn model report: {} v{} ({}) on {}", r.model.name, r.model.version, r.model.learner, r.data.source)
}

fn md_cell(s: &str) -> String {
    crate::mdtext::md_text(s)
}

/// Markdown of one table.
pub fn markdown_table(t: &TableData) -> String {
    let mut s = String::new();
    if !t.caption.is_empty() {
        let _ = writeln!(s, "*{}*\n", md_cell(&t.caption));
    }
    let _ = writeln!(s, "| {} |", t.headers.iter().map(|h| md_cell(h)).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(
        s,
        "|{}",
        t.headers.iter().enumerate().map(|(i, _)| if i == 0 { "---|" } else { "---:|" }).collect::<String>()
    );
    for row in &t.rows {
        let _ = writeln!(s, "| {} |", row.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | "));
    }
    s
}

/// `report.md`: every table, with the PNG charts linked by file name.
pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", md_cell(&title(r)));
    let _ = writeln!(
        s,
        "Model {} (id {}), trained on {}; evaluated on {} rows of {}. Row fingerprint {} ({}).\n",
        md_cell(&r.model.name),
        md_cell(&r.model.id),
        md_cell(&r.model.trained_on),
        r.data.rows,
        md_cell(&r.data.source),
        md_cell(&r.rows.fingerprint),
        md_cell(&r.rows.fingerprint_basis)
    );
    for sec in sections(r) {
        let _ = writeln!(s, "## {}\n", md_cell(&sec.title));
        for n in &sec.notes {
            let _ = writeln!(s, "{n}\n");
        }
        for c in &sec.charts {
            let _ = writeln!(s, "![{}]({}.png)\n", c.title(), c.name());
        }
        for t in &sec.tables {
            let _ = writeln!(s, "{}", markdown_table(t));
        }
    }
    s
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Inline `code` spans of a note become `<code>`.
fn note_html(s: &str) -> String {
    escape(s)
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{part}</code>") } else { part.to_string() })
        .collect()
}

const CSS: &str = "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}\
th{background:#f4f6f8}td:first-child,th:first-child{text-align:left}caption{text-align:left;font-style:italic;padding:.2em 0}\
.charts{display:flex;flex-wrap:wrap;gap:1em}figure.chart{margin:0;flex:1 1 520px;max-width:640px}figure.chart svg{width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:.85em;color:#555}.meta{color:#555}nav a{margin-right:1em}";

/// `report.html`: a self-contained page (inline CSS and SVG, no scripts, no external files).
pub fn html(r: &Report, charts: &[Chart]) -> String {
    let mut s = String::new();
    let t = escape(&title(r));
    let _ = write!(s, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{t}</h1>\n");
    let _ = writeln!(
        s,
        "<p class=\"meta\">Model <code>{}</code> (id {}), trained on {}; evaluated on {} rows of {}. Row fingerprint {} ({}). churn {}.</p>",
        escape(&r.model.name),
        escape(&r.model.id),
        escape(&r.model.trained_on),
        r.data.rows,
        escape(&r.data.source),
        escape(&r.rows.fingerprint),
        escape(&r.rows.fingerprint_basis),
        escape(&r.toolkit_version)
    );
    let secs = sections(r);
    let _ = writeln!(
        s,
        "<nav>{}</nav>",
        secs.iter().map(|x| format!("<a href=\"#{}\">{}</a>", x.id, escape(&x.title))).collect::<String>()
    );
    for sec in secs {
        let _ = writeln!(s, "<section id=\"{}\">\n<h2>{}</h2>", sec.id, escape(&sec.title));
        for n in &sec.notes {
            let _ = writeln!(s, "<p>{}</p>", note_html(n));
        }
        if !sec.charts.is_empty() {
            s.push_str("<div class=\"charts\">\n");
            for kind in &sec.charts {
                if let Some(c) = charts.iter().find(|c| c.kind == *kind) {
                    let svg = c.svg.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>").trim();
                    let _ = writeln!(
                        s,
                        "<figure class=\"chart\" id=\"chart-{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                        kind.name(),
                        svg,
                        escape(kind.title())
                    );
                }
            }
            s.push_str("</div>\n");
        }
        for tb in &sec.tables {
            s.push_str("<table>\n");
            if !tb.caption.is_empty() {
                let _ = writeln!(s, "<caption>{}</caption>", escape(&tb.caption));
            }
            let _ = writeln!(
                s,
                "<thead><tr>{}</tr></thead>\n<tbody>",
                tb.headers.iter().map(|h| format!("<th>{}</th>", escape(h))).collect::<String>()
            );
            for row in &tb.rows {
                let _ = writeln!(
                    s,
                    "<tr>{}</tr>",
                    row.iter().map(|c| format!("<td>{}</td>", escape(c))).collect::<String>()
                );
            }
            s.push_str("</tbody>\n</table>\n");
        }
        s.push_str("</section>\n");
    }
    s.push_str("</body>\n</html>\n");
    s
}

/// Churners of a lift group: whole numbers as such, a tie block shared between groups (pro rata,
/// so fractional) to one decimal (`68.7`, not `68.66666666666667`).
fn churned_count(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}
