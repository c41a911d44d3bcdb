//! Computing a [`DriftReport`] from a profile and current data.

use std::collections::HashMap;

use churn_core::table::is_missing;
use churn_core::{ColumnKind, FeatureColumn, Table};
use churn_eval::{chi2_homogeneity, js_distance, psi_from_counts, Metric};
use churn_model::profile::{bin_of, numeric_values, CategoricalProfile, Distribution, NumericProfile, ScoreProfile};
use churn_model::{ModelFile, Profile};

use crate::error::{DriftError, Result};
use crate::report::*;
use crate::stats::{ks_against, two_proportion_p, wasserstein_against, PsiNull};
use crate::Thresholds;

/// Categories of at least this share of training rows get their own bin (at most
/// [`MAX_CATEGORY_BINS`]); the others share an `(other)` bin.
pub const MIN_CATEGORY_SHARE: f64 = 0.01;
/// At most this many categories get their own bin.
pub const MAX_CATEGORY_BINS: usize = 20;
/// Bootstrap replicates of the performance intervals.
pub const BOOTSTRAP_REPLICATES: usize = 1000;

/// The current batch.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    /// The data (it must have every profiled feature column).
    pub table: &'a Table,
    /// Calibrated churn probability of every row.
    pub probabilities: &'a [f64],
    /// Labels of every row, when outcomes are known.
    pub labels: Option<&'a [bool]>,
}

/// What the model knew about itself at training time, besides the profile.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reference<'a> {
    /// Model name.
    pub model: &'a str,
    /// Model id.
    pub model_id: &'a str,
    /// Calibrated metrics on the training test split.
    pub test_metrics: Option<&'a churn_eval::Metrics>,
}

/// Reads a model file and its training profile.
///
/// Works on model files whose JSON has a top-level `"profile"` object, whatever version of
/// [`ModelFile`] reads the rest. Errors: the model errors of [`ModelFile::from_bytes`], and
/// [`DriftError::NoProfile`] when the file has no profile.
pub fn load_model(path: &std::path::Path) -> Result<(ModelFile, Profile)> {
    let mut model = ModelFile::load(path)?;
    match model.profile.take() {
        Some(profile) => Ok((model, profile)),
        None => Err(DriftError::NoProfile { path: path.into() }),
    }
}

/// Scores `table` with `model` and checks it against `profile`. The table must have every
/// model column ([`churn_model::ModelError::SchemaMismatch`] names the missing ones).
pub fn check_model(
    model: &ModelFile,
    profile: &Profile,
    table: &Table,
    labels: Option<&[bool]>,
    th: &Thresholds,
) -> Result<DriftReport> {
    model.bind_columns(table.path(), table.headers())?;
    let (_, p) = model.score_table(table)?;
    let reference = Reference {
        model: &model.name,
        model_id: &model.model_id,
        test_metrics: Some(&model.training.test_metrics.calibrated),
    };
    check(profile, &model.schema.features, &Current { table, probabilities: &p, labels }, &reference, th)
}

fn shares(counts: &[u64]) -> Vec<f64> {
    let t: u64 = counts.iter().sum();
    counts.iter().map(|&c| if t == 0 { 0.0 } else { c as f64 / t as f64 }).collect()
}

fn bin_shares(labels: Vec<String>, reference: &[u64], current: &[u64]) -> Vec<BinShare> {
    let (r, c) = (shares(reference), shares(current));
    labels
        .into_iter()
        .zip(r.into_iter().zip(c))
        .map(|(label, (reference, current))| BinShare { label, reference, current })
        .collect()
}

fn fmt_num(x: f64) -> String {
    if x == x.round() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn numeric_labels(cuts: &[f64]) -> Vec<String> {
    let mut v = Vec::with_capacity(cuts.len() + 1);
    if cuts.is_empty() {
        v.push("all".to_string());
        return v;
    }
    v.push(format!("<= {}", fmt_num(cuts[0])));
    for w in cuts.windows(2) {
        v.push(format!("({}, {}]", fmt_num(w[0]), fmt_num(w[1])));
    }
    v.push(format!("> {}", fmt_num(cuts[cuts.len() - 1])));
    v
}

/// Counts of `sorted` values per bin of `cuts`.
fn bin_counts(cuts: &[f64], values: &[f64]) -> Vec<u64> {
    let mut c = vec![0u64; cuts.len() + 1];
    for &x in values {
        c[bin_of(cuts, x)] += 1;
    }
    c
}

/// PSI of two count vectors, guarded against an all-zero side (then 0).
fn psi_counts(reference: &[u64], current: &[u64]) -> Result<f64> {
    if reference.iter().sum::<u64>() == 0 || current.iter().sum::<u64>() == 0 {
        return Ok(0.0);
    }
    Ok(psi_from_counts(reference, current)?)
}

struct Judge<'a> {
    th: &'a Thresholds,
    alpha_each: f64,
    judged: bool,
}

impl Judge<'_> {
    /// A fixed seed per check, so reports are reproducible.
    fn seed(&self, name: &str) -> u64 {
        let mut h = churn_core::table::Fnv64::new();
        h.write(name.as_bytes());
        h.finish()
    }
}

fn numeric_feature(
    f: &churn_model::profile::FeatureProfile,
    np: &NumericProfile,
    table: &Table,
    col: usize,
    feature: &FeatureColumn,
    j: &Judge<'_>,
) -> Result<FeatureDrift> {
    let (mut values, missing) = numeric_values(table, col, feature, 0..table.n_rows())?;
    values.sort_unstable_by(f64::total_cmp);
    let m = table.n_rows() as u64;
    let judge = j.judged && !j.th.ignored(&f.name);
    let mut reference = np.counts.clone();
    reference.push(f.missing);
    let mut current = bin_counts(&np.cuts, &values);
    current.push(missing);
    let psi = psi_counts(&reference, &current)?;
    let null = PsiNull::fitted(&reference, m, j.seed(&f.name));
    let psi = EffectCheck::new(psi, j.th.psi_for(&f.name), null.critical(j.alpha_each), null.p_value(psi), judge);
    let ks = ks_against(np, &values);
    let wasserstein = wasserstein_against(np, &values, j.alpha_each).map(|w| {
        EffectCheck::new(
            w.value,
            j.th.wasserstein_for(&f.name),
            w.critical,
            w.p_value,
            judge && values.len() >= j.th.min_rows,
        )
    });
    let mut labels = numeric_labels(&np.cuts);
    labels.push("(missing)".into());
    let drift = psi.drift || wasserstein.is_some_and(|w| w.drift);
    Ok(FeatureDrift {
        name: f.name.clone(),
        kind: f.kind,
        band: PsiBand::of(psi.value),
        psi,
        ks,
        wasserstein,
        js: None,
        chi2: None,
        missing: missing_shift(f.missing, f.rows, missing, m),
        unseen_categories: Vec::new(),
        unseen_share: 0.0,
        bins: bin_shares(labels, &reference, &current),
        ignored: j.th.ignored(&f.name),
        drift,
    })
}

fn missing_shift(k1: u64, n1: u64, k2: u64, n2: u64) -> MissingShift {
    let r = |k: u64, n: u64| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    MissingShift {
        reference: r(k1, n1),
        current: r(k2, n2),
        change: r(k2, n2) - r(k1, n1),
        p_value: two_proportion_p(k1, n1, k2, n2),
    }
}

fn categorical_feature(
    f: &churn_model::profile::FeatureProfile,
    cp: &CategoricalProfile,
    table: &Table,
    col: usize,
    j: &Judge<'_>,
) -> Result<FeatureDrift> {
    let n = f.rows;
    // Bins: frequent categories, (other), (missing), (unseen).
    let named: Vec<&str> = cp
        .categories
        .iter()
        .filter(|c| c.count as f64 >= MIN_CATEGORY_SHARE * n as f64)
        .take(MAX_CATEGORY_BINS)
        .map(|c| c.value.as_str())
        .collect();
    let k = named.len();
    let (other, missing_bin, unseen_bin) = (k, k + 1, k + 2);
    let index: HashMap<&str, usize> = named.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let listed: HashMap<&str, ()> = cp.categories.iter().map(|c| (c.value.as_str(), ())).collect();
    let mut reference = vec![0u64; k + 3];
    for c in &cp.categories {
        reference[*index.get(c.value.as_str()).unwrap_or(&other)] += c.count;
    }
    reference[other] += cp.other;
    reference[missing_bin] = f.missing;
    let mut current = vec![0u64; k + 3];
    let mut unseen: HashMap<&str, u64> = HashMap::new();
    for i in 0..table.n_rows() {
        let v = table.field(i, col);
        if is_missing(v) {
            current[missing_bin] += 1;
            continue;
        }
        let v = v.trim();
        if let Some(&b) = index.get(v) {
            current[b] += 1;
        } else if listed.contains_key(v) || cp.other > 0 {
            current[other] += 1;
        } else {
            current[unseen_bin] += 1;
            *unseen.entry(v).or_default() += 1;
        }
    }
    let m = table.n_rows() as u64;
    let judge = j.judged && !j.th.ignored(&f.name);
    let psi = psi_counts(&reference, &current)?;
    let null = PsiNull::fitted(&reference, m, j.seed(&f.name));
    let psi = EffectCheck::new(psi, j.th.psi_for(&f.name), null.critical(j.alpha_each), null.p_value(psi), judge);
    let as_f = |v: &[u64]| v.iter().map(|&c| c as f64).collect::<Vec<_>>();
    let js = if n > 0 && m > 0 {
        let d = js_distance(&as_f(&reference), &as_f(&current))?;
        Some(EffectCheck::new(d, j.th.js_for(&f.name), null.js_critical(j.alpha_each), null.js_p_value(d), judge))
    } else {
        None
    };
    let chi2 = chi2_homogeneity(&[reference.clone(), current.clone()]).ok();
    let mut unseen_categories: Vec<UnseenCategory> =
        unseen.into_iter().map(|(v, count)| UnseenCategory { value: v.to_string(), count }).collect();
    unseen_categories.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    unseen_categories.truncate(20);
    let mut labels: Vec<String> = named.iter().map(|s| s.to_string()).collect();
    labels.extend(["(other)".to_string(), "(missing)".to_string(), "(unseen)".to_string()]);
    let drift = psi.drift || js.is_some_and(|c| c.drift);
    Ok(FeatureDrift {
        name: f.name.clone(),
        kind: f.kind,
        band: PsiBand::of(psi.value),
        psi,
        ks: None,
        wasserstein: None,
        js,
        chi2,
        missing: missing_shift(f.missing, n, current[missing_bin], m),
        unseen_share: if m == 0 { 0.0 } else { current[unseen_bin] as f64 / m as f64 },
        unseen_categories,
        bins: bin_shares(labels, &reference, &current),
        ignored: j.th.ignored(&f.name),
        drift,
    })
}

fn score_drift(sp: &ScoreProfile, p: &[f64], j: &Judge<'_>) -> Result<ScoreDrift> {
    let np = &sp.distribution;
    let mut sorted = p.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let reference = np.counts.clone();
    let current = bin_counts(&np.cuts, &sorted);
    let m = p.len() as u64;
    let value = psi_counts(&reference, &current)?;
    let null = PsiNull::fitted(&reference, m, j.seed("(score)"));
    let psi = EffectCheck::new(
        value,
        j.th.score_psi,
        null.critical(j.alpha_each),
        null.p_value(value),
        j.judged && np.count > 0,
    );
    let tiers = &sp.tier_bands;
    let mut tier_now = vec![0u64; tiers.bands().len()];
    for &x in p {
        tier_now[tiers.index_of(x)] += 1;
    }
    let tier_ref: Vec<u64> = sp.tiers.iter().map(|t| t.count).collect();
    let tv = psi_counts(&tier_ref, &tier_now)?;
    let tnull = PsiNull::fitted(&tier_ref, m, j.seed("(tiers)"));
    let tier_psi =
        EffectCheck::new(tv, j.th.tier_psi, tnull.critical(j.alpha_each), tnull.p_value(tv), j.judged && np.count > 0);
    let (rs, cs) = (shares(&tier_ref), shares(&tier_now));
    Ok(ScoreDrift {
        reference_rows: np.count,
        band: PsiBand::of(psi.value),
        psi,
        ks: ks_against(np, &sorted),
        reference_mean: np.mean,
        current_mean: if p.is_empty() { 0.0 } else { p.iter().sum::<f64>() / p.len() as f64 },
        bins: bin_shares(numeric_labels(&np.cuts), &reference, &current),
        tier_psi,
        tier_chi2: chi2_homogeneity(&[tier_ref.clone(), tier_now.clone()]).ok(),
        tiers: sp
            .tiers
            .iter()
            .zip(rs.into_iter().zip(cs))
            .map(|(t, (reference, current))| TierShift { name: t.name.clone(), reference, current })
            .collect(),
        drift: psi.drift || tier_psi.drift,
    })
}

fn wilson(k: f64, n: f64) -> (f64, f64) {
    let z = 1.959_963_984_540_054;
    let p = k / n;
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / d;
    ((c - h).max(0.0), (c + h).min(1.0))
}

fn performance(
    profile: &Profile,
    p: &[f64],
    y: &[bool],
    reference: &Reference<'_>,
    j: &Judge<'_>,
    warnings: &mut Vec<String>,
) -> Result<PerformanceDrift> {
    let m = p.len() as f64;
    let positives = y.iter().filter(|&&b| b).count();
    let tm = reference.test_metrics;
    let auc = if positives == 0 || positives == y.len() {
        warnings.push(format!(
            "the labels hold only {} rows: AUC cannot be measured",
            if positives == 0 { "retained" } else { "churned" }
        ));
        None
    } else {
        let ci = churn_eval::bootstrap_ci(p, y, Metric::RocAuc, BOOTSTRAP_REPLICATES, 0)?;
        let r = tm.and_then(|t| t.auc);
        let drift = j.judged && r.is_some_and(|r| r - ci.estimate > j.th.auc_drop && ci.hi < r);
        Some(MetricShift { reference: r, current: ci, threshold: j.th.auc_drop, drift })
    };
    let brier_ci = if positives == 0 || positives == y.len() {
        // Stratified resampling of one class is a plain resample; use it.
        churn_eval::bootstrap_ci_with(
            p,
            y,
            Metric::Brier,
            &churn_eval::BootstrapOptions { n_boot: BOOTSTRAP_REPLICATES, stratified: false, ..Default::default() },
        )?
    } else {
        churn_eval::bootstrap_ci(p, y, Metric::Brier, BOOTSTRAP_REPLICATES, 0)?
    };
    let rb = tm.map(|t| t.brier);
    let brier = MetricShift {
        reference: rb,
        current: brier_ci,
        threshold: j.th.brier_rise,
        drift: j.judged && rb.is_some_and(|r| brier_ci.estimate - r > j.th.brier_rise && brier_ci.lo > r),
    };
    let predicted = p.iter().sum::<f64>() / m;
    let observed = positives as f64 / m;
    let var: f64 = p.iter().map(|x| x * (1.0 - x)).sum();
    let gap = observed - predicted;
    let p_value = if var > 0.0 {
        2.0 * churn_eval::normal_sf((gap * m).abs() / var.sqrt())
    } else if gap == 0.0 {
        1.0
    } else {
        0.0
    };
    let (lo, hi) = wilson(positives as f64, m);
    let calibration = CalibrationShift {
        predicted,
        observed,
        observed_lo: lo,
        observed_hi: hi,
        gap,
        p_value,
        ece: churn_eval::ece(p, y)?,
        reference_ece: tm.map(|t| t.ece),
        threshold: j.th.calibration_gap,
        drift: j.judged && gap.abs() > j.th.calibration_gap && p_value < j.alpha_each,
    };
    let drift = auc.is_some_and(|a| a.drift) || brier.drift || calibration.drift;
    Ok(PerformanceDrift {
        churn_rate: observed,
        reference_churn_rate: profile.churn_rate,
        auc,
        brier,
        calibration,
        drift,
    })
}

/// Checks the current batch against the training profile. `features` are the model's feature
/// columns (each must have a profile, and a column in `current.table`).
///
/// Every feature gets a PSI check plus a normalised Wasserstein (numeric) or Jensen-Shannon
/// (categorical) check; the score and the tier mix get a PSI check each; with labels,
/// calibration in the large gets a test too. With `k` such checks, each is judged at
/// `alpha / k` (Bonferroni), so the chance of any false alarm on a batch without drift is at
/// most about `alpha`. A check fires only when its effect size exceeds both its threshold and
/// its critical value; AUC and Brier fire when worse than the training test figure by more
/// than their tolerance with the 95% bootstrap interval excluding that figure.
pub fn check(
    profile: &Profile,
    features: &[FeatureColumn],
    current: &Current<'_>,
    reference: &Reference<'_>,
    th: &Thresholds,
) -> Result<DriftReport> {
    let table = current.table;
    if current.probabilities.len() != table.n_rows() {
        return Err(DriftError::LengthMismatch { rows: table.n_rows(), probabilities: current.probabilities.len() });
    }
    if let Some(y) = current.labels {
        if y.len() != table.n_rows() {
            return Err(churn_eval::EvalError::LengthMismatch { scores: table.n_rows(), labels: y.len() }.into());
        }
    }
    let mut missing = Vec::new();
    let mut cols = Vec::with_capacity(features.len());
    for f in features {
        match table.headers().iter().position(|h| h == &f.name) {
            Some(c) => cols.push(c),
            None => missing.push(f.name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(churn_model::ModelError::SchemaMismatch { path: table.path().into(), missing }.into());
    }
    let m = table.n_rows();
    let judged = m >= th.min_rows;
    let with_labels = current.labels.is_some();
    let checks = 2 * features.iter().filter(|f| !th.ignored(&f.name)).count() + 2 + usize::from(with_labels);
    let j = Judge { th, alpha_each: th.alpha / checks as f64, judged };
    let mut warnings = Vec::new();
    if !judged {
        warnings.push(format!(
            "only {m} rows: too few to judge drift (min_rows = {}); statistics are reported, no verdict is given",
            th.min_rows
        ));
    } else {
        let typical =
            PsiNull::new(profile.rows as u64, m as u64, churn_model::profile::FEATURE_BINS + 1).critical(j.alpha_each);
        if typical > 0.25 {
            warnings.push(format!("only {m} rows: at this size only a PSI above {typical:.2} can be told from noise, so moderate drift may go unnoticed"));
        }
    }
    let mut out = Vec::with_capacity(features.len());
    for (f, &c) in features.iter().zip(&cols) {
        let fp = profile.feature(&f.name).ok_or_else(|| DriftError::ProfileMismatch { feature: f.name.clone() })?;
        let d = match (&fp.distribution, f.kind) {
            (Distribution::Numeric(np), k) if k != ColumnKind::Categorical => numeric_feature(fp, np, table, c, f, &j)?,
            (Distribution::Categorical(cp), ColumnKind::Categorical) => categorical_feature(fp, cp, table, c, &j)?,
            _ => return Err(DriftError::ProfileMismatch { feature: f.name.clone() }),
        };
        if d.unseen_share > 0.0 {
            let list = d
                .unseen_categories
                .iter()
                .take(5)
                .map(|u| format!("`{}` ({})", u.value, u.count))
                .collect::<Vec<_>>()
                .join(", ");
            warnings.push(format!(
                "{}: {:.1}% of rows have categories never seen in training: {list}",
                d.name,
                100.0 * d.unseen_share
            ));
        }
        out.push(d);
    }
    let score = score_drift(&profile.score, current.probabilities, &j)?;
    let performance = match current.labels {
        Some(y) => Some(performance(profile, current.probabilities, y, reference, &j, &mut warnings)?),
        None => None,
    };
    let estimate = PerformanceEstimate {
        expected_auc: churn_model::profile::expected_auc(current.probabilities),
        reference_expected_auc: profile.score.expected_auc,
        expected_precision_top_decile: churn_model::profile::expected_precision_top(current.probabilities, 0.1),
        reference_expected_precision_top_decile: profile.score.expected_precision_top_decile,
        expected_churn_rate: score.current_mean,
    };
    let mut drifting: Vec<&FeatureDrift> = out.iter().filter(|f| f.drift).collect();
    drifting.sort_by(|a, b| b.psi.value.total_cmp(&a.psi.value));
    let drifting_features: Vec<String> = drifting.iter().map(|f| f.name.clone()).collect();
    let drift = !drifting_features.is_empty() || score.drift || performance.as_ref().is_some_and(|p| p.drift);
    Ok(DriftReport {
        model: reference.model.to_string(),
        model_id: reference.model_id.to_string(),
        data: table.path().display().to_string(),
        rows: m,
        reference_rows: profile.rows,
        alpha: th.alpha,
        checks,
        judged,
        drift,
        drifting_features,
        warnings,
        features: out,
        score,
        performance,
        estimate,
    })
}
