//! Computing a [`Report`] from a model and labeled rows.

use std::collections::BTreeMap;

use churn_core::error::closest_name;
use churn_core::rng::Rng;
use churn_core::table::{is_missing, parse_number, Fnv64};
use churn_core::{CoreError, Table};
use churn_eval::{
    best_f1_threshold, bootstrap_ci_fn, bootstrap_ci_with, capacity_threshold, confusion_at, ece_with, ks_statistic,
    lift_table, min_cost_threshold, pr_curve, reliability_table, roc_curve, Binning, BootstrapCi, BootstrapOptions,
    Confusion, Metric,
};
use churn_learn::{Matrix, Platt};
use churn_model::{Learner, ModelFile};

use crate::error::{ReportError, Result};
use crate::report::*;

/// Points kept of the ROC and precision-recall curves.
pub const CURVE_POINTS: usize = 200;
/// Bins of the score distribution.
pub const DISTRIBUTION_BINS: usize = 20;
/// Segments shown per column; rarer values are grouped as `(other)`.
pub const MAX_SEGMENTS: usize = 20;

/// The labeled, scored rows a report is computed from (see [`build`]); use [`build_from_table`]
/// to get them from a data file.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// Where the rows came from, for the report header (e.g. `test.csv`).
    pub source: String,
    /// Outcome of each row (`true` = churned).
    pub labels: Vec<bool>,
    /// Raw log-odds of the learner for each row.
    pub raw: Vec<f64>,
    /// Account id of each row, if the model has an id column.
    pub ids: Option<Vec<String>>,
    /// Data-file line of each row (for the surprise-churn list).
    pub lines: Vec<u64>,
    /// `(column, value of each row)` for each segment column.
    pub segments: Vec<(String, Vec<String>)>,
    /// The preprocessed design matrix of the rows (enables permutation importance).
    pub design: Option<Matrix>,
    /// Fingerprint of the rows and labels, and what it hashes (see [`RowScores`]).
    pub fingerprint: (String, String),
}

/// Reads labels, scores, ids and segments of `rows` of `table` (all rows when `None`) and
/// builds the report. This is what `churn report` and `churn train --report` call.
///
/// Errors, before anything is computed: no label column ([`ReportError::NoLabel`]), a single
/// class, a label value that is neither class, a missing model column (schema mismatch), an
/// unknown `--segment-by` column, invalid options.
pub fn build_from_table(
    model: &ModelFile,
    table: &Table,
    rows: Option<&[usize]>,
    opts: &ReportOptions,
) -> Result<Report> {
    opts.validate()?;
    let all: Vec<usize>;
    let rows = match rows {
        Some(r) => r,
        None => {
            all = (0..table.n_rows()).collect();
            &all
        }
    };
    let mut spec = model.schema.label.clone();
    if let Some(l) = &opts.label {
        spec.column = l.clone();
    }
    let label_col = table.headers().iter().position(|h| *h == spec.column).ok_or_else(|| ReportError::NoLabel {
        path: table.path().into(),
        column: spec.column.clone(),
        trained: model.schema.label.column.clone(),
        suggestion: closest_name(&spec.column, table.headers().iter().map(String::as_str)),
    })?;
    let y_all = spec.read(table)?;
    let labels: Vec<bool> = rows.iter().map(|&i| y_all[i]).collect();
    let n_pos = labels.iter().filter(|&&b| b).count();
    if n_pos == 0 || n_pos == labels.len() {
        let value = if n_pos == 0 { spec.negative.first().cloned().unwrap_or_default() } else { spec.positive.clone() };
        return Err(CoreError::SingleClass { path: table.path().into(), column: spec.column.clone(), value }.into());
    }
    let mut segment_cols = Vec::new();
    for s in &opts.segment_by {
        let j = table.headers().iter().position(|h| h == s).ok_or_else(|| ReportError::NoSegmentColumn {
            path: table.path().into(),
            column: s.clone(),
            suggestion: closest_name(s, table.headers().iter().map(String::as_str)),
        })?;
        segment_cols.push((s.clone(), j));
    }
    let cols = model.bind_columns(table.path(), table.headers())?;
    let design = model.preprocessing.transform_table(table, &cols, rows)?;
    let raw = model.learner.predict_raw(&design);
    let id_col = model.schema.id.as_ref().and_then(|id| table.headers().iter().position(|h| h == id));
    let ids = id_col.map(|j| rows.iter().map(|&i| table.field(i, j).to_string()).collect::<Vec<_>>());
    let mut h = Fnv64::new();
    let basis = if let Some(ids) = &ids {
        for (id, &y) in ids.iter().zip(&labels) {
            h.write(id.as_bytes());
            h.write(&[0, y as u8]);
        }
        "id+label"
    } else {
        for (&i, &y) in rows.iter().zip(&labels) {
            for j in (0..table.n_cols()).filter(|&j| j != label_col) {
                h.write(table.field(i, j).as_bytes());
                h.write(&[0]);
            }
            h.write(&[1, y as u8]);
        }
        "fields+label"
    };
    let segments = segment_cols
        .into_iter()
        .map(|(name, j)| (name, rows.iter().map(|&i| table.field(i, j).to_string()).collect()))
        .collect();
    let file = table.path().file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let source =
        if rows.len() == table.n_rows() { file } else { format!("{file} ({} of {} rows)", rows.len(), table.n_rows()) };
    let input = ReportInput {
        source,
        labels,
        raw,
        ids,
        lines: rows.iter().map(|&i| table.line(i)).collect(),
        segments,
        design: Some(design),
        fingerprint: (format!("fnv1a64:{:016x}", h.finish()), basis.into()),
    };
    let mut report = build(model, &input, opts)?;
    report.warnings.extend(crate::honesty::training_rows_warning(model, table, rows));
    Ok(report)
}

fn interval(ci: &BootstrapCi) -> Interval {
    Interval { lo: ci.lo, hi: ci.hi }
}

fn operating_point(c: Confusion, threshold: f64, opts: &ReportOptions) -> OperatingPoint {
    OperatingPoint {
        threshold,
        alerts: c.alerts(),
        alert_rate: c.alerts() as f64 / c.total().max(1) as f64,
        precision: c.precision(),
        recall: c.recall(),
        f1: c.f1(),
        specificity: c.specificity(),
        fpr: c.fpr(),
        cost: opts.cost_fp * c.fp as f64 + opts.cost_fn * c.fn_ as f64,
        confusion: c,
    }
}

fn reliability(p: &[f64], y: &[bool], bins: usize) -> Result<Reliability> {
    Ok(Reliability {
        ece: ece_with(p, y, bins, Binning::EqualWidth)?,
        ece_quantile: ece_with(p, y, bins, Binning::Quantile)?,
        brier: churn_eval::brier(p, y)?,
        equal_width: reliability_table(p, y, bins, Binning::EqualWidth)?,
        quantile: reliability_table(p, y, bins, Binning::Quantile)?,
    })
}

fn finite_or_none(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Builds the report from scored rows. Deterministic for given inputs and options.
pub fn build(model: &ModelFile, input: &ReportInput, opts: &ReportOptions) -> Result<Report> {
    opts.validate()?;
    let y = &input.labels;
    let n = y.len();
    for (what, len) in [("raw", input.raw.len()), ("lines", input.lines.len())]
        .into_iter()
        .chain(input.ids.as_ref().map(|v| ("ids", v.len())))
        .chain(input.segments.iter().map(|(_, v)| ("segments", v.len())))
        .chain(input.design.as_ref().map(|d| ("design", d.n_rows())))
    {
        if len != n {
            return Err(ReportError::LengthMismatch { what, found: len, expected: n });
        }
    }
    let p: Vec<f64> = input.raw.iter().map(|&r| model.calibrator.probability(r)).collect();
    let p_raw: Vec<f64> = input.raw.iter().map(|&r| Platt::IDENTITY.probability(r)).collect();
    let summary = churn_eval::summarize(&p, y)?;
    let (Some(auc), Some(pr_auc), Some(ks), Some(lift_at_10)) =
        (summary.auc, summary.pr_auc, summary.ks, summary.lift_at_10)
    else {
        return Err(churn_eval::EvalError::SingleClass {
            metric: "report",
            positives: summary.n_positive,
            negatives: n - summary.n_positive,
        }
        .into());
    };
    let bo = BootstrapOptions { n_boot: opts.bootstrap, seed: opts.seed, level: opts.level, stratified: true };
    let ci = |m: Metric| bootstrap_ci_with(&p, y, m, &bo).map(|c| interval(&c));
    let metrics = MetricsBlock {
        n,
        n_positive: summary.n_positive,
        base_rate: summary.base_rate,
        auc,
        auc_ci: ci(Metric::RocAuc)?,
        pr_auc,
        pr_auc_ci: ci(Metric::PrAuc)?,
        brier: summary.brier,
        brier_ci: ci(Metric::Brier)?,
        log_loss: summary.log_loss,
        log_loss_ci: ci(Metric::LogLoss)?,
        ece: summary.ece,
        ece_ci: interval(&bootstrap_ci_fn(&p, y, churn_eval::ece, &bo)?),
        ks,
        ks_ci: interval(&bootstrap_ci_fn(&p, y, ks_statistic, &bo)?),
        lift_at_10,
        level: opts.level,
        bootstrap: opts.bootstrap,
        seed: opts.seed,
        raw: churn_eval::summarize(&p_raw, y)?,
    };
    let calibration =
        Calibration { raw: reliability(&p_raw, y, opts.bins)?, calibrated: reliability(&p, y, opts.bins)? };

    let f1 = best_f1_threshold(&p, y)?;
    let cost = min_cost_threshold(&p, y, opts.cost_fp, opts.cost_fn)?;
    let capacity_accounts = opts.capacity.unwrap_or(((n as f64) * 0.1).round() as usize);
    let cap = capacity_threshold(&p, y, capacity_accounts)?;
    let thresholds = Thresholds {
        max_f1: operating_point(f1.confusion, f1.threshold, opts),
        min_cost: operating_point(cost.confusion, cost.threshold, opts),
        capacity: operating_point(cap.confusion, cap.threshold, opts),
        capacity_accounts,
        at_half: operating_point(confusion_at(&p, y, 0.5)?, 0.5, opts),
    };

    let roc = roc_curve(&p, y)?.thin(CURVE_POINTS)?;
    let pr = pr_curve(&p, y)?.thin(CURVE_POINTS)?;
    let curves = Curves {
        roc: Curve { x: roc.fpr, y: roc.tpr, thresholds: roc.thresholds.into_iter().map(finite_or_none).collect() },
        pr: Curve {
            x: pr.recall,
            y: pr.precision,
            thresholds: pr.thresholds.into_iter().map(finite_or_none).collect(),
        },
    };

    let mut warnings: Vec<String> =
        churn_core::tiers::one_tier_warning(&model.tiers, &churn_core::tiers::counts(&model.tiers, &p))
            .into_iter()
            .collect();
    warnings.extend(crate::honesty::auc_interval_warning(
        auc,
        metrics.auc_ci.lo,
        metrics.auc_ci.hi,
        opts.level,
        "these rows",
    ));
    Ok(Report {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        toolkit_version: churn_core::TOOLKIT_VERSION.into(),
        model: model_info(model),
        data: DataInfo {
            source: input.source.clone(),
            rows: n,
            churned: summary.n_positive,
            churn_rate: summary.base_rate,
        },
        options: opts.clone(),
        lift: lift_table(&p, y, 10.min(n))?,
        score_distribution: distribution(&p, y),
        feature_importance: importance(model, input.design.as_ref(), y, opts)?,
        tiers: tiers(model, &p, y),
        surprise_churns: surprises(model, &p, input, opts),
        segments: input
            .segments
            .iter()
            .map(|(c, v)| segment_table(c, v, &p, y, f1.threshold))
            .collect::<Result<_>>()?,
        leaderboard: model.training.leaderboard.clone(),
        rows: RowScores {
            fingerprint: input.fingerprint.0.clone(),
            fingerprint_basis: input.fingerprint.1.clone(),
            ids: input.ids.clone(),
            labels: y.iter().map(|&b| if b { '1' } else { '0' }).collect(),
            probabilities: p,
        },
        warnings,
        metrics,
        calibration,
        thresholds,
        curves,
    })
}

fn model_info(model: &ModelFile) -> ModelInfo {
    ModelInfo {
        id: model.model_id.clone(),
        name: model.name.clone(),
        version: model.version.clone(),
        learner: model.learner.name().into(),
        trained_on: model.training.data_file.clone(),
        selected_by: model.training.selected_by.clone(),
        platt_a: model.calibrator.a,
        platt_b: model.calibrator.b,
        calibration_folds: model.training.cv_folds,
        id_column: model.schema.id.clone(),
        label_column: model.schema.label.column.clone(),
        positive: model.schema.label.positive.clone(),
        training_test_metrics: model.training.test_metrics.calibrated.clone(),
    }
}

/// The score histogram: `DISTRIBUTION_BINS` equal-width bins over [0, 1], or over the data's
/// range `[min p, max p]` when fewer than [`crate::charts::MIN_SPREAD_BINS`] of the [0, 1] bins
/// would hold any row (low churn rates crowd every probability into the first bin or two).
fn distribution(p: &[f64], y: &[bool]) -> ScoreDistribution {
    let k = DISTRIBUTION_BINS;
    let unit = |v: f64| ((v * k as f64).floor() as usize).min(k - 1);
    let mut used = vec![false; k];
    for &v in p {
        used[unit(v)] = true;
    }
    let (lo, hi) = p.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let zoom = used.iter().filter(|&&u| u).count() < crate::charts::MIN_SPREAD_BINS && hi > lo;
    let (lo, hi) = if zoom { (lo, hi) } else { (0.0, 1.0) };
    let mut churned = vec![0; k];
    let mut retained = vec![0; k];
    let (mut sc, mut sr) = (0.0, 0.0);
    for (&v, &l) in p.iter().zip(y) {
        let b = if zoom { (((v - lo) / (hi - lo) * k as f64).floor() as usize).min(k - 1) } else { unit(v) };
        if l {
            churned[b] += 1;
            sc += v;
        } else {
            retained[b] += 1;
            sr += v;
        }
    }
    let (nc, nr) = (churned.iter().sum::<usize>(), retained.iter().sum::<usize>());
    ScoreDistribution {
        edges: (0..=k).map(|i| if zoom { lo + (hi - lo) * i as f64 / k as f64 } else { i as f64 / k as f64 }).collect(),
        churned,
        retained,
        mean_churned: sc / nc.max(1) as f64,
        mean_retained: sr / nr.max(1) as f64,
    }
}

fn sorted_importance(items: Vec<(String, f64, Option<f64>)>) -> Vec<Importance> {
    let total: f64 = items.iter().map(|i| i.1.max(0.0)).sum();
    let mut v: Vec<Importance> = items
        .into_iter()
        .map(|(name, value, coefficient)| Importance {
            name,
            value,
            share: if total > 0.0 { value.max(0.0) / total } else { 0.0 },
            coefficient,
        })
        .collect();
    v.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
    v
}

fn gains(model: &ModelFile, gain: Vec<f64>) -> Vec<(String, f64, Option<f64>)> {
    model.inputs.iter().zip(gain).map(|(name, g)| (name.clone(), g, None)).collect()
}

fn importance(
    model: &ModelFile,
    design: Option<&Matrix>,
    y: &[bool],
    opts: &ReportOptions,
) -> Result<FeatureImportance> {
    let (method, inputs) = match &model.learner {
        Learner::Logistic(m) => (
            "absolute logistic coefficient (numeric inputs are standardised, one-hot inputs are 0/1)",
            model.inputs.iter().zip(&m.coef).map(|(name, &c)| (name.clone(), c.abs(), Some(c))).collect::<Vec<_>>(),
        ),
        Learner::Gbdt(m) => {
            ("total split gain over all trees", gains(model, m.feature_importance_gain(model.inputs.len())))
        }
        Learner::Forest(m) => {
            ("total split gain over all trees", gains(model, m.feature_importance_gain(model.inputs.len())))
        }
        Learner::Tree(m) => ("total split gain", gains(model, m.feature_importance_gain(model.inputs.len()))),
        Learner::Blend(_) => {
            let (method, v) = model.learner.native_importance();
            (method, gains(model, v))
        }
    };
    let permutation = match design {
        Some(x) if opts.permutation_repeats > 0 => permutation_importance(model, x, y, opts)?,
        _ => Vec::new(),
    };
    Ok(FeatureImportance { method: method.into(), inputs: sorted_importance(inputs), permutation })
}

/// Mean drop in AUC when one input column (all of its model inputs together) is shuffled.
fn permutation_importance(model: &ModelFile, x: &Matrix, y: &[bool], opts: &ReportOptions) -> Result<Vec<Importance>> {
    let score = |x: &Matrix| -> Result<f64> {
        let p: Vec<f64> = model.learner.predict_raw(x).into_iter().map(|r| model.calibrator.probability(r)).collect();
        Ok(churn_eval::roc_auc(&p, y)?)
    };
    let base = score(x)?;
    let sources = model.preprocessing.output_sources();
    let (n, width) = (x.n_rows(), x.n_cols());
    let mut items = Vec::new();
    for (k, column) in model.preprocessing.columns.iter().enumerate() {
        let mut drop = 0.0;
        for r in 0..opts.permutation_repeats {
            let mut perm: Vec<usize> = (0..n).collect();
            Rng::derive(opts.seed ^ 0x7065_726d, (k * 1000 + r) as u64).shuffle(&mut perm);
            let mut data = x.as_slice().to_vec();
            for j in (0..width).filter(|&j| sources[j] == k) {
                let col = x.col(j);
                for (i, &src) in perm.iter().enumerate() {
                    data[j * n + i] = col[src];
                }
            }
            let shuffled = Matrix::from_col_major(n, width, data).expect("same shape");
            drop += base - score(&shuffled)?;
        }
        items.push((column.name().to_string(), drop / opts.permutation_repeats as f64, None));
    }
    Ok(sorted_importance(items))
}

fn tiers(model: &ModelFile, p: &[f64], y: &[bool]) -> Vec<TierRow> {
    let bands = model.tiers.bands();
    let mut n = vec![0usize; bands.len()];
    let mut churned = vec![0usize; bands.len()];
    let mut sum = vec![0.0; bands.len()];
    for (&v, &l) in p.iter().zip(y) {
        let k = model.tiers.index_of(v);
        n[k] += 1;
        churned[k] += l as usize;
        sum[k] += v;
    }
    let total_churned: usize = churned.iter().sum();
    bands
        .iter()
        .enumerate()
        .map(|(k, b)| TierRow {
            tier: b.name.clone(),
            min: b.min,
            max: b.max,
            n: n[k],
            churned: churned[k],
            churn_rate: (n[k] > 0).then(|| churned[k] as f64 / n[k] as f64),
            mean_probability: (n[k] > 0).then(|| sum[k] / n[k] as f64),
            share_of_churners: churned[k] as f64 / total_churned.max(1) as f64,
            action: b.action.clone(),
        })
        .collect()
}

fn surprises(model: &ModelFile, p: &[f64], input: &ReportInput, opts: &ReportOptions) -> SurpriseChurns {
    let bands = model.tiers.bands();
    let low = bands.len().saturating_sub(2);
    let mut rows: Vec<usize> = (0..p.len()).filter(|&i| input.labels[i] && model.tiers.index_of(p[i]) >= low).collect();
    let count = rows.len();
    rows.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let churned = input.labels.iter().filter(|&&b| b).count();
    SurpriseChurns {
        tiers: bands[low..].iter().map(|b| b.name.clone()).collect(),
        count,
        churned,
        rate: count as f64 / churned.max(1) as f64,
        accounts: rows
            .into_iter()
            .take(opts.max_surprises)
            .map(|i| SurpriseRow {
                id: input.ids.as_ref().map(|ids| ids[i].clone()),
                line: input.lines[i],
                probability: p[i],
                tier: model.tiers.band_of(p[i]).name.clone(),
            })
            .collect(),
    }
}

/// Groups the values of a segment column: its values, or quintile ranges of a many-valued
/// numeric column; missing values are `(missing)` and values beyond the most frequent
/// [`MAX_SEGMENTS`] − 1 are `(other)`.
fn segment_keys(values: &[String]) -> (String, Vec<String>) {
    let mut distinct: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values {
        *distinct.entry(v.trim()).or_default() += 1;
    }
    let numbers: Vec<Option<f64>> =
        values.iter().map(|v| if is_missing(v) { None } else { parse_number(v.trim()) }).collect();
    let numeric = values.iter().zip(&numbers).all(|(v, x)| x.is_some() || is_missing(v));
    if numeric && distinct.len() > 12 {
        let mut sorted: Vec<f64> = numbers.iter().flatten().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let mut cuts: Vec<f64> = (1..5).map(|q| sorted[(q * sorted.len() / 5).min(sorted.len() - 1)]).collect();
        cuts.dedup();
        let keys = numbers
            .iter()
            .map(|x| match x {
                None => "(missing)".to_string(),
                Some(x) => {
                    let b = cuts.partition_point(|&c| c <= *x);
                    let lo = if b == 0 { sorted[0] } else { cuts[b - 1] };
                    let hi = if b == cuts.len() { sorted[sorted.len() - 1] } else { cuts[b] };
                    if b == cuts.len() {
                        format!("{b}: [{}, {}]", fmt_num(lo), fmt_num(hi))
                    } else {
                        format!("{b}: [{}, {})", fmt_num(lo), fmt_num(hi))
                    }
                }
            })
            .collect();
        return ("quantiles".into(), keys);
    }
    let mut by_count: Vec<(&str, usize)> = distinct.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let kept: std::collections::HashSet<&str> = by_count
        .iter()
        .take(if by_count.len() > MAX_SEGMENTS { MAX_SEGMENTS - 1 } else { MAX_SEGMENTS })
        .map(|x| x.0)
        .collect();
    let keys = values
        .iter()
        .map(|v| {
            let v = v.trim();
            if is_missing(v) {
                "(missing)".to_string()
            } else if kept.contains(v) {
                v.to_string()
            } else {
                "(other)".to_string()
            }
        })
        .collect();
    ("values".into(), keys)
}

fn fmt_num(x: f64) -> String {
    if x == x.round() && x.abs() < 1e12 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}").trim_end_matches('0').to_string()
    }
}

fn segment_table(column: &str, values: &[String], p: &[f64], y: &[bool], threshold: f64) -> Result<SegmentTable> {
    let (grouping, keys) = segment_keys(values);
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        groups.entry(k.as_str()).or_default().push(i);
    }
    let mut rows = Vec::new();
    for (value, idx) in groups {
        let (ps, ys): (Vec<f64>, Vec<bool>) = idx.iter().map(|&i| (p[i], y[i])).unzip();
        let m = churn_eval::summarize(&ps, &ys)?;
        let c = confusion_at(&ps, &ys, threshold)?;
        rows.push(SegmentRow {
            value: value.to_string(),
            n: m.n,
            churned: m.n_positive,
            churn_rate: m.base_rate,
            mean_probability: ps.iter().sum::<f64>() / ps.len() as f64,
            auc: m.auc,
            pr_auc: m.pr_auc,
            brier: m.brier,
            recall_at_max_f1: (m.n_positive > 0).then(|| c.recall()),
            precision_at_max_f1: (c.alerts() > 0).then(|| c.precision()),
        });
    }
    if grouping == "values" {
        rows.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.value.cmp(&b.value)));
    }
    Ok(SegmentTable { column: column.into(), grouping, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_valued_numbers_become_quintiles_and_rare_values_other() {
        let values: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let (g, keys) = segment_keys(&values);
        assert_eq!(g, "quantiles");
        assert_eq!(keys[0], "0: [0, 20)");
        assert_eq!(keys[99], "4: [80, 99]");
        let values: Vec<String> =
            (0..100).map(|i| if i < 50 { "a".into() } else { format!("v{}", i % 30) }).chain([String::new()]).collect();
        let (g, keys) = segment_keys(&values);
        assert_eq!(g, "values");
        assert_eq!(keys[0], "a");
        assert_eq!(keys[100], "(missing)");
        let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
        assert!(distinct.contains(&"(other)".to_string()));
        assert!(distinct.len() <= MAX_SEGMENTS + 1);
    }
}
