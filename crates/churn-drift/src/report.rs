//! The drift report: what was measured, against which critical values, and the verdicts.

use churn_core::ColumnKind;
use churn_eval::{BootstrapCi, ChiSquareTest, KsTest};
use serde::{Deserialize, Serialize};

/// PSI bands of the field: `< 0.1` stable, `0.1-0.25` moderate, `> 0.25` significant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PsiBand {
    /// PSI below 0.1.
    Stable,
    /// PSI from 0.1 to 0.25.
    Moderate,
    /// PSI above 0.25.
    Significant,
}

impl PsiBand {
    /// The band of a PSI value.
    pub fn of(psi: f64) -> PsiBand {
        if psi > 0.25 {
            PsiBand::Significant
        } else if psi >= 0.1 {
            PsiBand::Moderate
        } else {
            PsiBand::Stable
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            PsiBand::Stable => "stable",
            PsiBand::Moderate => "moderate",
            PsiBand::Significant => "significant",
        }
    }
}

/// One effect size judged against its threshold and its null distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EffectCheck {
    /// The effect size measured.
    pub value: f64,
    /// The configured threshold it must exceed.
    pub threshold: f64,
    /// The value exceeded with probability `alpha / checks` under no drift at these sample sizes.
    pub critical: f64,
    /// `P(effect >= value)` under no drift (an upper bound for the Wasserstein distance).
    pub p_value: f64,
    /// `value > threshold` and `value > critical` (and the batch is large enough to judge).
    pub drift: bool,
}

impl EffectCheck {
    /// Judges `value`; `judge` is false for batches too small or ignored features.
    pub fn new(value: f64, threshold: f64, critical: f64, p_value: f64, judge: bool) -> EffectCheck {
        EffectCheck { value, threshold, critical, p_value, drift: judge && value > threshold && value > critical }
    }
}

/// Training and current share of one bin, for tables and charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinShare {
    /// The bin, e.g. `(12.5, 20]`, `Month-to-month`, `(missing)`.
    pub label: String,
    /// Share of training rows.
    pub reference: f64,
    /// Share of current rows.
    pub current: f64,
}

/// Missing values now and in training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MissingShift {
    /// Training missing rate.
    pub reference: f64,
    /// Current missing rate.
    pub current: f64,
    /// `current − reference`.
    pub change: f64,
    /// Two-proportion z-test p-value of the change.
    pub p_value: f64,
}

/// A category seen now but never in training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnseenCategory {
    /// The category text.
    pub value: String,
    /// Current rows with it.
    pub count: u64,
}

/// Drift of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// Column name.
    pub name: String,
    /// Column kind.
    pub kind: ColumnKind,
    /// PSI over the training quantile bins (or categories) plus a missing bucket.
    pub psi: EffectCheck,
    /// The PSI band.
    pub band: PsiBand,
    /// Numeric features: two-sample KS test of the present values (reported, not judged).
    pub ks: Option<KsTest>,
    /// Numeric features: Wasserstein distance in training standard deviations.
    pub wasserstein: Option<EffectCheck>,
    /// Categorical features: Jensen-Shannon distance (base 2) over the categories.
    pub js: Option<EffectCheck>,
    /// Categorical features: chi-square test of homogeneity (reported, not judged).
    pub chi2: Option<ChiSquareTest>,
    /// Missing rate now and in training.
    pub missing: MissingShift,
    /// Categorical features: categories never seen in training, most frequent first (at most 20).
    pub unseen_categories: Vec<UnseenCategory>,
    /// Share of current rows with a never-seen category.
    pub unseen_share: f64,
    /// Training and current share per bin.
    pub bins: Vec<BinShare>,
    /// Excluded from verdicts by configuration.
    pub ignored: bool,
    /// Whether any judged check of this feature fired.
    pub drift: bool,
}

/// Share of one risk tier now and in training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierShift {
    /// Tier name.
    pub name: String,
    /// Share of reference rows.
    pub reference: f64,
    /// Share of current rows.
    pub current: f64,
}

/// Drift of the calibrated churn probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreDrift {
    /// Held-out reference rows.
    pub reference_rows: u64,
    /// PSI over the reference's quantile bins.
    pub psi: EffectCheck,
    /// The PSI band.
    pub band: PsiBand,
    /// KS test against the reference probabilities (reported).
    pub ks: Option<KsTest>,
    /// Mean probability of the reference rows.
    pub reference_mean: f64,
    /// Mean probability now.
    pub current_mean: f64,
    /// Per-bin shares.
    pub bins: Vec<BinShare>,
    /// PSI of the tier mix.
    pub tier_psi: EffectCheck,
    /// Chi-square test of the tier mix (reported).
    pub tier_chi2: Option<ChiSquareTest>,
    /// Tier shares, highest tier first.
    pub tiers: Vec<TierShift>,
    /// Whether the score or the tier mix drifted.
    pub drift: bool,
}

/// One performance metric now against the training test figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricShift {
    /// The model's test-split figure from training.
    pub reference: Option<f64>,
    /// Now, with a 95% stratified bootstrap interval.
    pub current: BootstrapCi,
    /// Tolerated worsening.
    pub threshold: f64,
    /// Worse than the reference by more than the threshold, with the interval excluding it.
    pub drift: bool,
}

/// Calibration in the large: observed against mean predicted churn rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationShift {
    /// Mean calibrated probability now.
    pub predicted: f64,
    /// Observed churn rate now.
    pub observed: f64,
    /// 95% interval of the observed rate (Wilson).
    pub observed_lo: f64,
    /// Upper end.
    pub observed_hi: f64,
    /// `observed − predicted`.
    pub gap: f64,
    /// p-value of the gap (normal approximation of a sum of Bernoulli outcomes).
    pub p_value: f64,
    /// Expected calibration error now.
    pub ece: f64,
    /// Expected calibration error on the training test split.
    pub reference_ece: Option<f64>,
    /// Tolerated `|gap|`.
    pub threshold: f64,
    /// `|gap|` above the threshold and significant.
    pub drift: bool,
}

/// Performance on labeled current data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceDrift {
    /// Churn rate now.
    pub churn_rate: f64,
    /// Churn rate of the training rows.
    pub reference_churn_rate: f64,
    /// ROC AUC (None when the labels hold one class only).
    pub auc: Option<MetricShift>,
    /// Brier score.
    pub brier: MetricShift,
    /// Calibration in the large.
    pub calibration: CalibrationShift,
    /// Whether performance degraded beyond the thresholds.
    pub drift: bool,
}

/// Performance implied by the calibrated probabilities alone (no labels needed): an
/// estimate that holds only as long as the model stays calibrated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerformanceEstimate {
    /// Expected AUC now.
    pub expected_auc: Option<f64>,
    /// Expected AUC of the reference rows.
    pub reference_expected_auc: Option<f64>,
    /// Expected precision in the top decile now.
    pub expected_precision_top_decile: Option<f64>,
    /// Same for the reference rows.
    pub reference_expected_precision_top_decile: Option<f64>,
    /// Expected churn rate now (mean probability).
    pub expected_churn_rate: f64,
}

/// The whole drift report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Model name.
    pub model: String,
    /// Model id.
    pub model_id: String,
    /// The current data file.
    pub data: String,
    /// Current rows.
    pub rows: usize,
    /// Rows of the training profile.
    pub reference_rows: usize,
    /// Family-wise false-alarm rate.
    pub alpha: f64,
    /// Number of judged checks (each at `alpha / checks`).
    pub checks: usize,
    /// Whether the batch had enough rows to judge (`min_rows`).
    pub judged: bool,
    /// Overall verdict.
    pub drift: bool,
    /// Names of drifting features, by decreasing PSI.
    pub drifting_features: Vec<String>,
    /// Things the reader must know (small batches, one-class labels, ...).
    pub warnings: Vec<String>,
    /// Per-feature results, in model order.
    pub features: Vec<FeatureDrift>,
    /// Score and tier drift.
    pub score: ScoreDrift,
    /// With labels: performance now against training.
    pub performance: Option<PerformanceDrift>,
    /// Without labels too: performance estimated from the probabilities.
    pub estimate: PerformanceEstimate,
}

impl DriftReport {
    /// The process exit code of a finished check: 0 no drift, 1 drift.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.drift)
    }
}
