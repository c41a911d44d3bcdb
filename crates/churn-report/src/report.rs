//! The report document: every number of a model report, serialised as `report.json`.
//!
//! All numbers are finite; quantities that are undefined for the data (AUC of a segment in
//! which nobody churned, say) are `null`. Field names are a contract the notebook and
//! `churn compare` rely on; new fields may be added within a format version.

use std::path::Path;

use churn_eval::{LiftRow, ReliabilityRow};
use churn_model::LeaderboardEntry;
use serde::{Deserialize, Serialize};

use crate::error::{ReportError, Result};

/// The `format` field of every report.
pub const FORMAT_NAME: &str = "churn-report";
/// The report format version this toolkit writes.
pub const FORMAT_VERSION: u64 = 1;
/// Report format versions this toolkit reads.
pub const SUPPORTED_VERSIONS: &[u64] = &[1];

/// A complete model report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always `churn-report`.
    pub format: String,
    /// Report format version.
    pub format_version: u64,
    /// Version of the toolkit that wrote the report.
    pub toolkit_version: String,
    /// The model reported on.
    pub model: ModelInfo,
    /// The labeled rows it was evaluated on.
    pub data: DataInfo,
    /// The options the report was computed with.
    pub options: ReportOptions,
    /// Headline metrics of the calibrated probabilities, with bootstrap intervals.
    pub metrics: MetricsBlock,
    /// Reliability of the raw (`sigmoid(log-odds)`) and the Platt-calibrated probabilities.
    pub calibration: Calibration,
    /// Operating points.
    pub thresholds: Thresholds,
    /// Lift and cumulative gains by decile of the calibrated probability.
    pub lift: Vec<LiftRow>,
    /// ROC and precision-recall curves, thinned for plotting.
    pub curves: Curves,
    /// Histogram of the calibrated probability by outcome.
    pub score_distribution: ScoreDistribution,
    /// Which inputs drive the model.
    pub feature_importance: FeatureImportance,
    /// Outcomes and calibration per risk tier (highest first).
    pub tiers: Vec<TierRow>,
    /// Churned accounts the model put in the two lowest tiers.
    pub surprise_churns: SurpriseChurns,
    /// Key metrics per value of each `--segment-by` column.
    pub segments: Vec<SegmentTable>,
    /// Candidates of the training search, from the model file.
    pub leaderboard: Vec<LeaderboardEntry>,
    /// Per-row labels and probabilities, so reports can be compared on the same rows.
    pub rows: RowScores,
    /// What a reader must know before trusting the figures (e.g. one risk tier holding 90%
    /// or more of the accounts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Identity of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Content hash of the model file.
    pub id: String,
    /// Model name.
    pub name: String,
    /// Model version label.
    pub version: String,
    /// Learner family (`logistic`, `gbdt`).
    pub learner: String,
    /// Training file name.
    pub trained_on: String,
    /// Metric that selected the learner on the validation split.
    pub selected_by: String,
    /// Platt calibrator: `p = 1 / (1 + exp(-(a · log-odds + b)))`.
    pub platt_a: f64,
    /// Platt intercept.
    pub platt_b: f64,
    /// When the calibration was fitted out of fold by k-fold cross-validation on the training
    /// and validation rows, k (absent: fitted on the validation split).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_folds: Option<usize>,
    /// Identifier column, if the model has one.
    pub id_column: Option<String>,
    /// Label column and churn value the model was trained with.
    pub label_column: String,
    /// The label value meaning churn.
    pub positive: String,
    /// Calibrated test-split metrics recorded at training time.
    pub training_test_metrics: churn_eval::Metrics,
}

/// The evaluated rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// Where the rows came from (file name, and split if any).
    pub source: String,
    /// Rows evaluated.
    pub rows: usize,
    /// Rows that churned.
    pub churned: usize,
    /// Churn rate.
    pub churn_rate: f64,
}

/// Report settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Bootstrap replicates of the intervals.
    pub bootstrap: usize,
    /// Seed of the bootstrap and of permutation importance.
    pub seed: u64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Cost of an unneeded intervention (a false alarm).
    pub cost_fp: f64,
    /// Cost of a missed churn.
    pub cost_fn: f64,
    /// Accounts the team can contact (`None`: 10% of the rows).
    pub capacity: Option<usize>,
    /// Reliability-table bins.
    pub bins: usize,
    /// Columns to break the metrics down by.
    pub segment_by: Vec<String>,
    /// Label column to use instead of the model's.
    pub label: Option<String>,
    /// At most this many surprise churns are listed (all are counted).
    pub max_surprises: usize,
    /// Permutation-importance repeats (0 turns it off).
    pub permutation_repeats: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            bootstrap: 1000,
            seed: 0,
            level: 0.95,
            cost_fp: 1.0,
            cost_fn: 5.0,
            capacity: None,
            bins: 10,
            segment_by: Vec::new(),
            label: None,
            max_surprises: 100,
            permutation_repeats: 3,
        }
    }
}

impl ReportOptions {
    /// Checks ranges; called by every builder.
    pub fn validate(&self) -> Result<()> {
        let bad = |option, reason: &str| Err(ReportError::InvalidOption { option, reason: reason.into() });
        if !(2..=100_000).contains(&self.bootstrap) {
            return bad("--bootstrap", "must be between 2 and 100000 replicates");
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return bad("level", "must be between 0 and 1");
        }
        if !(self.cost_fp.is_finite() && self.cost_fp >= 0.0) {
            return bad("--cost-fp", "must be a finite, non-negative number");
        }
        if !(self.cost_fn.is_finite() && self.cost_fn >= 0.0) {
            return bad("--cost-fn", "must be a finite, non-negative number");
        }
        if self.cost_fp == 0.0 && self.cost_fn == 0.0 {
            return bad("--cost-fp/--cost-fn", "at least one cost must be positive");
        }
        if !(2..=1000).contains(&self.bins) {
            return bad("--bins", "must be between 2 and 1000");
        }
        Ok(())
    }
}

/// A bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

/// Headline metrics of the calibrated probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsBlock {
    /// Rows.
    pub n: usize,
    /// Churned rows.
    pub n_positive: usize,
    /// Churn rate.
    pub base_rate: f64,
    /// ROC AUC.
    pub auc: f64,
    /// Its bootstrap interval.
    pub auc_ci: Interval,
    /// Average precision.
    pub pr_auc: f64,
    /// Its bootstrap interval.
    pub pr_auc_ci: Interval,
    /// Brier score.
    pub brier: f64,
    /// Its bootstrap interval.
    pub brier_ci: Interval,
    /// Log loss.
    pub log_loss: f64,
    /// Its bootstrap interval.
    pub log_loss_ci: Interval,
    /// Expected calibration error (equal-width bins).
    pub ece: f64,
    /// Its bootstrap interval.
    pub ece_ci: Interval,
    /// KS separation.
    pub ks: f64,
    /// Its bootstrap interval.
    pub ks_ci: Interval,
    /// Lift in the top 10%.
    pub lift_at_10: f64,
    /// Confidence level of every interval.
    pub level: f64,
    /// Bootstrap replicates (stratified by outcome).
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
    /// The same summary for the raw (uncalibrated) probabilities.
    pub raw: churn_eval::Metrics,
}

/// Reliability of one set of probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// ECE over equal-width bins.
    pub ece: f64,
    /// ECE over quantile (equal-count) bins.
    pub ece_quantile: f64,
    /// Brier score.
    pub brier: f64,
    /// Equal-width bins.
    pub equal_width: Vec<ReliabilityRow>,
    /// Quantile bins.
    pub quantile: Vec<ReliabilityRow>,
}

/// Calibration section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// `sigmoid(log-odds)` of the learner, distorted by class weights.
    pub raw: Reliability,
    /// After Platt scaling (what `churn score` outputs).
    pub calibrated: Reliability,
}

/// One operating point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    /// Flag accounts with a calibrated probability at or above this.
    pub threshold: f64,
    /// Accounts flagged.
    pub alerts: u64,
    /// Share of rows flagged.
    pub alert_rate: f64,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Specificity.
    pub specificity: f64,
    /// False-positive rate.
    pub fpr: f64,
    /// Expected cost `cost_fp · fp + cost_fn · fn` with the report's costs.
    pub cost: f64,
    /// The confusion matrix.
    pub confusion: churn_eval::Confusion,
}

/// Operating points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// The threshold maximising F1.
    pub max_f1: OperatingPoint,
    /// The threshold minimising `cost_fp · fp + cost_fn · fn`.
    pub min_cost: OperatingPoint,
    /// The lowest threshold flagging at most `capacity` accounts.
    pub capacity: OperatingPoint,
    /// The capacity used (from `--capacity`, or 10% of the rows).
    pub capacity_accounts: usize,
    /// Flag at probability 0.5.
    pub at_half: OperatingPoint,
}

/// A curve thinned for plotting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// x values (FPR or recall).
    pub x: Vec<f64>,
    /// y values (TPR or precision).
    pub y: Vec<f64>,
    /// Threshold of each point (`null` for "flag nobody").
    pub thresholds: Vec<Option<f64>>,
}

/// Curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curves {
    /// ROC: x = false-positive rate, y = true-positive rate.
    pub roc: Curve,
    /// Precision-recall: x = recall, y = precision.
    pub pr: Curve,
}

/// Histogram of the calibrated probability by outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreDistribution {
    /// Bin edges (`bins + 1` values from 0 to 1, or from the smallest to the largest probability
    /// when fewer than 5 of the bins over [0, 1] would hold any row).
    pub edges: Vec<f64>,
    /// Churned rows per bin.
    pub churned: Vec<usize>,
    /// Retained rows per bin.
    pub retained: Vec<usize>,
    /// Mean probability of churned rows.
    pub mean_churned: f64,
    /// Mean probability of retained rows.
    pub mean_retained: f64,
}

/// One importance figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    /// Model input (after preprocessing) or input column.
    pub name: String,
    /// The importance (see [`FeatureImportance::method`]).
    pub value: f64,
    /// Share of the total importance.
    pub share: f64,
    /// Signed logistic coefficient (logistic models only).
    pub coefficient: Option<f64>,
}

/// Feature importance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportance {
    /// How [`FeatureImportance::inputs`] is measured.
    pub method: String,
    /// Per model input, most important first.
    pub inputs: Vec<Importance>,
    /// Permutation importance per input column: mean AUC drop when the column is shuffled
    /// (all its model inputs together), most important first; empty when turned off.
    pub permutation: Vec<Importance>,
}

/// Outcomes in one risk tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TierRow {
    /// Tier name.
    pub tier: String,
    /// Lower probability bound.
    pub min: f64,
    /// Upper probability bound.
    pub max: f64,
    /// Accounts.
    pub n: usize,
    /// Accounts that churned.
    pub churned: usize,
    /// Observed churn rate (`null` for an empty tier).
    pub churn_rate: Option<f64>,
    /// Mean predicted probability (`null` for an empty tier).
    pub mean_probability: Option<f64>,
    /// Share of all churners found in this tier.
    pub share_of_churners: f64,
    /// The tier's recommended action.
    pub action: Option<String>,
}

/// One surprise churn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurpriseRow {
    /// Account id (when the model has an id column).
    pub id: Option<String>,
    /// Line of the data file (1 = header; for Parquet input, the 1-based row number).
    pub line: u64,
    /// Calibrated probability.
    pub probability: f64,
    /// Tier.
    pub tier: String,
}

/// Churned accounts scored in the two lowest risk tiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurpriseChurns {
    /// The tiers counted as "scored safe".
    pub tiers: Vec<String>,
    /// Surprise churns.
    pub count: usize,
    /// All churners.
    pub churned: usize,
    /// `count / churned` (field target: below 20%).
    pub rate: f64,
    /// The lowest-scored surprise churns, at most `max_surprises`.
    pub accounts: Vec<SurpriseRow>,
}

/// Metrics of one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    /// Segment value (or value range).
    pub value: String,
    /// Accounts.
    pub n: usize,
    /// Accounts that churned.
    pub churned: usize,
    /// Churn rate.
    pub churn_rate: f64,
    /// Mean predicted probability.
    pub mean_probability: f64,
    /// AUC (`null` with one class).
    pub auc: Option<f64>,
    /// PR-AUC (`null` without churners).
    pub pr_auc: Option<f64>,
    /// Brier score.
    pub brier: f64,
    /// Recall at the report's max-F1 threshold (`null` without churners).
    pub recall_at_max_f1: Option<f64>,
    /// Precision at the max-F1 threshold (`null` without alerts).
    pub precision_at_max_f1: Option<f64>,
}

/// Key metrics per value of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentTable {
    /// The column.
    pub column: String,
    /// How values were grouped (`values`, or `quantiles` for many-valued numbers).
    pub grouping: String,
    /// One row per segment, largest first.
    pub rows: Vec<SegmentRow>,
}

/// Per-row outcomes and calibrated probabilities in data order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowScores {
    /// FNV-1a hash identifying the rows (ids or row contents) and their labels.
    pub fingerprint: String,
    /// What the fingerprint hashes: `id+label` or `fields+label`.
    pub fingerprint_basis: String,
    /// Account ids, when the model has an id column.
    pub ids: Option<Vec<String>>,
    /// Labels as a string of `0` and `1`.
    pub labels: String,
    /// Calibrated probabilities.
    pub probabilities: Vec<f64>,
}

impl RowScores {
    /// The labels as booleans.
    pub fn label_vec(&self) -> Vec<bool> {
        self.labels.bytes().map(|b| b == b'1').collect()
    }
}

impl Report {
    /// Pretty, deterministic JSON (floats round-trip exactly).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("report serializes");
        s.push('\n');
        s
    }

    /// Reads a `report.json`, checking the format and version first.
    pub fn load(path: &Path) -> Result<Report> {
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                ReportError::from(churn_core::CoreError::FileNotFound { path: path.into() })
            }
            _ => ReportError::io(path, e),
        })?;
        Report::from_bytes(&bytes, path)
    }

    /// Parses report bytes; `path` is used in messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Report> {
        let not_a_report = |reason: String| ReportError::NotAReport { path: path.into(), reason };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| not_a_report(format!("invalid JSON: {e}")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT_NAME) {
            return Err(not_a_report("no \"format\": \"churn-report\" field".into()));
        }
        let version = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| not_a_report("no format_version".into()))?;
        if !SUPPORTED_VERSIONS.contains(&version) {
            return Err(ReportError::UnsupportedVersion {
                path: path.into(),
                found: version,
                supported: SUPPORTED_VERSIONS.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            });
        }
        let r: Report = serde_json::from_value(value).map_err(|e| not_a_report(e.to_string()))?;
        let n = r.rows.labels.len();
        if r.rows.probabilities.len() != n
            || r.rows.ids.as_ref().is_some_and(|ids| ids.len() != n)
            || r.rows.labels.bytes().any(|b| b != b'0' && b != b'1')
        {
            return Err(not_a_report("the per-row section is inconsistent".into()));
        }
        Ok(r)
    }
}
