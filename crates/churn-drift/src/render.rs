//! Renderers: a console table, JSON, Markdown for a CI job summary, and a self-contained HTML
//! section with inline SVG bar charts. Each returns the text; the caller writes it.

use std::fmt::Write as _;

use crate::report::{BinShare, DriftReport, EffectCheck, FeatureDrift, MetricShift, PerformanceDrift};

fn verdict(drift: bool) -> &'static str {
    if drift {
        "DRIFT"
    } else {
        "ok"
    }
}

fn p(v: f64) -> String {
    if v < 1e-4 {
        format!("{v:.1e}")
    } else {
        format!("{v:.4}")
    }
}

fn second(f: &FeatureDrift) -> (&'static str, Option<EffectCheck>) {
    match (f.wasserstein, f.js) {
        (Some(w), _) => ("W/sd", Some(w)),
        (None, Some(j)) => ("JS", Some(j)),
        _ => ("", None),
    }
}

fn feature_verdict(f: &FeatureDrift) -> &'static str {
    if f.ignored {
        "ignored"
    } else {
        verdict(f.drift)
    }
}

fn headline(r: &DriftReport) -> String {
    if !r.judged {
        "not judged: batch too small".into()
    } else if r.drift {
        let mut parts = Vec::new();
        if !r.drifting_features.is_empty() {
            parts.push(format!("features {}", r.drifting_features.join(", ")));
        }
        if r.score.psi.drift {
            parts.push("score distribution".into());
        }
        if r.score.tier_psi.drift {
            parts.push("tier mix".into());
        }
        if r.performance.as_ref().is_some_and(|p| p.drift) {
            parts.push("performance".into());
        }
        format!("DRIFT in {}", parts.join("; "))
    } else {
        "no drift beyond thresholds".into()
    }
}

/// One line of the labelled-performance block, as every text format shows it.
struct PerfLine {
    metric: &'static str,
    /// The value now, with its 95% interval.
    now: String,
    /// The training test figure (`–` when there is none to compare).
    reference: String,
    verdict: &'static str,
}

/// The labelled-performance block: AUC (with two classes), Brier, churn rate against the
/// predicted one, and ECE.
fn performance_lines(pf: &PerformanceDrift) -> Vec<PerfLine> {
    let opt = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.4}"));
    let interval = |m: &MetricShift| format!("{:.4} [{:.4}, {:.4}]", m.current.estimate, m.current.lo, m.current.hi);
    let mut lines = Vec::new();
    if let Some(a) = &pf.auc {
        lines.push(PerfLine {
            metric: "AUC",
            now: interval(a),
            reference: opt(a.reference),
            verdict: verdict(a.drift),
        });
    }
    let b = &pf.brier;
    lines.push(PerfLine { metric: "Brier", now: interval(b), reference: opt(b.reference), verdict: verdict(b.drift) });
    let c = &pf.calibration;
    lines.push(PerfLine {
        metric: "churn rate observed vs predicted",
        now: format!(
            "{:.4} [{:.4}, {:.4}] vs {:.4} (p {})",
            c.observed,
            c.observed_lo,
            c.observed_hi,
            c.predicted,
            p(c.p_value)
        ),
        reference: "–".into(),
        verdict: verdict(c.drift),
    });
    lines.push(PerfLine {
        metric: "ECE", now: format!("{:.4}", c.ece), reference: opt(c.reference_ece), verdict: "–"
    });
    lines
}

/// The console table.
pub fn console(r: &DriftReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "drift check of model {} ({}) on {}: {} rows against {} training rows",
        r.model, r.model_id, r.data, r.rows, r.reference_rows
    );
    let _ = writeln!(s, "verdict: {}", headline(r));
    let _ = writeln!(s, "({} checks, family-wise false-alarm rate {}; a check fires when its effect exceeds both its threshold and its critical value)", r.checks, r.alpha);
    for w in &r.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    let name_w = r.features.iter().map(|f| f.name.len()).max().unwrap_or(7).max(7);
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:<name_w$}  {:>7}  {:>7}  {:<11}  {:>6}  {:>8}  {:>11}  {:>7}  {:>9}  verdict",
        "feature", "PSI", "crit", "band", "KS D", "KS p", "W/sd | JS", "crit", "missing Δ"
    );
    for f in &r.features {
        let (ks_d, ks_p) =
            f.ks.map_or(("-".to_string(), "-".to_string()), |k| (format!("{:.3}", k.statistic), p(k.p_value)));
        let (kind, c2) = second(f);
        let (v2, crit2) = c2.map_or(("-".to_string(), "-".to_string()), |c| {
            (format!("{kind} {:.3}", c.value), format!("{:.3}", c.critical))
        });
        let _ = writeln!(
            s,
            "{:<name_w$}  {:>7.4}  {:>7.4}  {:<11}  {:>6}  {:>8}  {:>11}  {:>7}  {:>+8.1}%  {}",
            f.name,
            f.psi.value,
            f.psi.critical,
            f.band.name(),
            ks_d,
            ks_p,
            v2,
            crit2,
            100.0 * f.missing.change,
            feature_verdict(f)
        );
    }
    let sc = &r.score;
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "score: PSI {:.4} (critical {:.4}, {}), mean probability {:.4} -> {:.4}, KS D {}  {}",
        sc.psi.value,
        sc.psi.critical,
        sc.band.name(),
        sc.reference_mean,
        sc.current_mean,
        sc.ks.map_or("-".into(), |k| format!("{:.3} (p {})", k.statistic, p(k.p_value))),
        verdict(sc.psi.drift)
    );
    let tiers = sc
        .tiers
        .iter()
        .map(|t| format!("{} {:.1}% -> {:.1}%", t.name, 100.0 * t.reference, 100.0 * t.current))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        s,
        "tier mix: PSI {:.4} (critical {:.4}): {tiers}  {}",
        sc.tier_psi.value,
        sc.tier_psi.critical,
        verdict(sc.tier_psi.drift)
    );
    let e = &r.estimate;
    let opt = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.4}"));
    let _ = writeln!(
        s,
        "estimated from probabilities (assumes calibration): expected AUC {} (training {}), expected top-decile precision {} (training {}), expected churn rate {:.4}",
        opt(e.expected_auc),
        opt(e.reference_expected_auc),
        opt(e.expected_precision_top_decile),
        opt(e.reference_expected_precision_top_decile),
        e.expected_churn_rate
    );
    if let Some(pf) = &r.performance {
        let _ = writeln!(s, "with labels: churn rate {:.4} (training {:.4})", pf.churn_rate, pf.reference_churn_rate);
        for l in performance_lines(pf) {
            let _ = writeln!(s, "  {:<34} {}  vs training test {}  {}", l.metric, l.now, l.reference, l.verdict);
        }
    }
    s
}

/// Pretty JSON of the whole report.
pub fn json(r: &DriftReport) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("the report serializes");
    s.push('\n');
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('<', "&lt;")
}

/// Markdown for a CI job summary (e.g. `$GITHUB_STEP_SUMMARY`).
pub fn markdown(r: &DriftReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## Drift check: {}\n",
        if r.drift {
            "drift detected"
        } else if r.judged {
            "no drift"
        } else {
            "not judged"
        }
    );
    let _ = writeln!(
        s,
        "Model `{}` (`{}`) on `{}`: {} rows against {} training rows. **{}**.\n",
        md_escape(&r.model),
        r.model_id,
        md_escape(&r.data),
        r.rows,
        r.reference_rows,
        md_escape(&headline(r))
    );
    for w in &r.warnings {
        let _ = writeln!(s, "> **Warning:** {}\n", md_escape(w));
    }
    let _ =
        writeln!(s, "| feature | PSI | critical | band | KS D | KS p | W/sd or JS | critical | missing Δ | verdict |");
    let _ = writeln!(s, "|---|---:|---:|---|---:|---:|---:|---:|---:|---|");
    for f in &r.features {
        let (kind, c2) = second(f);
        let _ = writeln!(
            s,
            "| {}{} | {:.4} | {:.4} | {} | {} | {} | {} | {} | {:+.1}% | {} |",
            md_escape(&f.name),
            if f.drift { " ⚠" } else { "" },
            f.psi.value,
            f.psi.critical,
            f.band.name(),
            f.ks.map_or("–".into(), |k| format!("{:.3}", k.statistic)),
            f.ks.map_or("–".into(), |k| p(k.p_value)),
            c2.map_or("–".into(), |c| format!("{kind} {:.3}", c.value)),
            c2.map_or("–".into(), |c| format!("{:.3}", c.critical)),
            100.0 * f.missing.change,
            if f.drift { "**drift**" } else { feature_verdict(f) }
        );
    }
    let sc = &r.score;
    let _ = writeln!(
        s,
        "\n**Score distribution:** PSI {:.4} (critical {:.4}, {}); mean churn probability {:.4} → {:.4}. {}\n",
        sc.psi.value,
        sc.psi.critical,
        sc.band.name(),
        sc.reference_mean,
        sc.current_mean,
        if sc.psi.drift { "**drift**" } else { "ok" }
    );
    let _ = writeln!(s, "| tier | training | now |\n|---|---:|---:|");
    for t in &sc.tiers {
        let _ = writeln!(s, "| {} | {:.1}% | {:.1}% |", md_escape(&t.name), 100.0 * t.reference, 100.0 * t.current);
    }
    let _ = writeln!(
        s,
        "\nTier mix PSI {:.4} (critical {:.4}): {}\n",
        sc.tier_psi.value,
        sc.tier_psi.critical,
        if sc.tier_psi.drift { "**drift**" } else { "ok" }
    );
    let e = &r.estimate;
    let opt = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.3}"));
    let _ = writeln!(
        s,
        "*Estimated from the probabilities (valid while the model stays calibrated):* expected AUC {} (training {}), expected top-decile precision {} (training {}).\n",
        opt(e.expected_auc),
        opt(e.reference_expected_auc),
        opt(e.expected_precision_top_decile),
        opt(e.reference_expected_precision_top_decile)
    );
    if let Some(pf) = &r.performance {
        let _ = writeln!(s, "| metric (labels) | now [95% CI] | training test | verdict |\n|---|---|---:|---|");
        for l in performance_lines(pf) {
            let _ = writeln!(s, "| {} | {} | {} | {} |", l.metric, l.now, l.reference, l.verdict);
        }
    }
    s
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Paired horizontal bars (training grey, current blue) of bin shares, as inline SVG.
fn bars_svg(title: &str, bins: &[BinShare]) -> String {
    let (label_w, bar_w, row_h) = (150.0, 260.0, 18.0);
    let max = bins.iter().map(|b| b.reference.max(b.current)).fold(0.0f64, f64::max).max(1e-9);
    let h = 24.0 + row_h * bins.len() as f64 + 8.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{t}"><text x="0" y="14" font-size="12" font-weight="bold">{t}</text><rect x="{lx}" y="4" width="10" height="8" fill="#9aa0a6"/><text x="{lx2}" y="12" font-size="10">training</text><rect x="{cx}" y="4" width="10" height="8" fill="#1a73e8"/><text x="{cx2}" y="12" font-size="10">current</text>"##,
        w = label_w + bar_w + 60.0,
        t = html_escape(title),
        lx = label_w + bar_w - 110.0,
        lx2 = label_w + bar_w - 96.0,
        cx = label_w + bar_w - 40.0,
        cx2 = label_w + bar_w - 26.0,
    );
    for (i, b) in bins.iter().enumerate() {
        let y = 24.0 + row_h * i as f64;
        let label: String = b.label.chars().take(24).collect();
        let _ = write!(
            s,
            r##"<text x="{tx}" y="{ty}" font-size="10" text-anchor="end">{l}</text><rect x="{x}" y="{y1}" width="{w1:.1}" height="7" fill="#9aa0a6"><title>training {r:.1}%</title></rect><rect x="{x}" y="{y2}" width="{w2:.1}" height="7" fill="#1a73e8"><title>current {c:.1}%</title></rect><text x="{vx:.1}" y="{ty}" font-size="9">{c:.1}%</text>"##,
            tx = label_w - 4.0,
            ty = y + 11.0,
            l = html_escape(&label),
            x = label_w,
            y1 = y + 1.0,
            y2 = y + 8.0,
            w1 = bar_w * b.reference / max,
            w2 = bar_w * b.current / max,
            r = 100.0 * b.reference,
            c = 100.0 * b.current,
            vx = label_w + bar_w * b.reference.max(b.current) / max + 3.0,
        );
    }
    s.push_str("</svg>");
    s
}

/// A self-contained HTML `<section>` (inline styles and SVG, no scripts or external files)
/// to embed in a report page.
pub fn html(r: &DriftReport) -> String {
    let mut s = String::new();
    let color = if r.drift { "#c5221f" } else { "#188038" };
    let _ = write!(s, r#"<section class="churn-drift" style="font-family:system-ui,sans-serif;font-size:13px">"#);
    let _ = write!(
        s,
        r#"<h2>Drift check</h2><p>Model <code>{}</code> on <code>{}</code>: {} rows against {} training rows. <strong style="color:{color}">{}</strong></p>"#,
        html_escape(&r.model),
        html_escape(&r.data),
        r.rows,
        r.reference_rows,
        html_escape(&headline(r))
    );
    for w in &r.warnings {
        let _ = write!(s, r#"<p style="color:#b06000"><strong>Warning:</strong> {}</p>"#, html_escape(w));
    }
    let _ = write!(s, r#"<table style="border-collapse:collapse"><thead><tr>"#);
    for h in ["feature", "PSI", "critical", "band", "KS D", "KS p", "W/sd or JS", "critical", "missing Δ", "verdict"] {
        let _ = write!(s, r#"<th style="text-align:left;padding:2px 8px;border-bottom:1px solid #ccc">{h}</th>"#);
    }
    s.push_str("</tr></thead><tbody>");
    for f in &r.features {
        let (kind, c2) = second(f);
        let style = if f.drift { "background:#fce8e6" } else { "" };
        let cells = [
            html_escape(&f.name),
            format!("{:.4}", f.psi.value),
            format!("{:.4}", f.psi.critical),
            f.band.name().to_string(),
            f.ks.map_or("–".into(), |k| format!("{:.3}", k.statistic)),
            f.ks.map_or("–".into(), |k| p(k.p_value)),
            c2.map_or("–".into(), |c| format!("{kind} {:.3}", c.value)),
            c2.map_or("–".into(), |c| format!("{:.3}", c.critical)),
            format!("{:+.1}%", 100.0 * f.missing.change),
            feature_verdict(f).to_string(),
        ];
        let _ = write!(s, r#"<tr style="{style}">"#);
        for c in cells {
            let _ = write!(s, r#"<td style="padding:2px 8px">{c}</td>"#);
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s.push_str(r#"<div style="display:flex;flex-wrap:wrap;gap:16px;margin-top:12px">"#);
    let sc = &r.score;
    let _ = write!(s, "<div>{}</div>", bars_svg(&format!("churn probability (PSI {:.3})", sc.psi.value), &sc.bins));
    let tiers: Vec<BinShare> = sc
        .tiers
        .iter()
        .map(|t| BinShare { label: t.name.clone(), reference: t.reference, current: t.current })
        .collect();
    let _ = write!(s, "<div>{}</div>", bars_svg(&format!("risk tiers (PSI {:.3})", sc.tier_psi.value), &tiers));
    let mut shown: Vec<&FeatureDrift> = r.features.iter().filter(|f| f.drift).collect();
    if shown.is_empty() {
        shown = r.features.iter().collect();
        shown.sort_by(|a, b| b.psi.value.total_cmp(&a.psi.value));
        shown.truncate(3);
    }
    for f in shown {
        let _ = write!(s, "<div>{}</div>", bars_svg(&format!("{} (PSI {:.3})", f.name, f.psi.value), &f.bins));
    }
    s.push_str("</div>");
    if let Some(pf) = &r.performance {
        s.push_str(
            "<table><thead><tr><th>metric (labels)</th><th>now [95% CI]</th><th>training test</th><th>verdict</th>\
             </tr></thead><tbody>",
        );
        for l in performance_lines(pf) {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                l.metric,
                html_escape(&l.now),
                l.reference,
                l.verdict
            );
        }
        s.push_str("</tbody></table>");
    }
    s.push_str("</section>\n");
    s
}
