//! The output schema of scoring: one list of columns (names, order, types) that the CSV header,
//! the JSON Lines keys and the Parquet schemas are all made from, for classifier and survival
//! models alike.

use churn_model::ModelFile;
use churn_survival::SurvivalSection;

/// What an output column holds, and its Parquet type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Text (UTF8), present on every row.
    Text,
    /// Text that may be absent (a risk driver): an empty CSV cell, JSON `null`, a Parquet null.
    OptionalText,
    /// A number (DOUBLE).
    Number,
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputColumn {
    /// Its name: the CSV header cell, the JSON key, the Parquet field.
    pub name: String,
    /// What it holds.
    pub kind: ColumnType,
}

/// The output columns of a scoring run, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSchema {
    /// The columns.
    pub columns: Vec<OutputColumn>,
}

impl OutputSchema {
    /// The columns of a classifier's scores: the model's id column (if any), `churn_probability`,
    /// `risk_tier`, `health_score`, `health_state`, `risk_driver_1..drivers`,
    /// `recommended_action`, `model_id`, `model_version`, `scored_at`.
    pub fn scores(model: &ModelFile, drivers: usize) -> OutputSchema {
        OutputSchema::build(model.schema.id.as_deref(), Vec::new(), drivers)
    }

    /// The columns of a survival model's scores: those of [`OutputSchema::scores`], with
    /// `churn_probability_<h>` per horizon and `expected_lifetime` after the id (the plain
    /// `churn_probability` is that of the main horizon).
    pub fn survival(model: &ModelFile, sec: &SurvivalSection, drivers: usize) -> OutputSchema {
        let mut extra: Vec<String> =
            sec.horizons.iter().map(|&h| format!("churn_probability_{}", horizon_name(h))).collect();
        extra.push("expected_lifetime".into());
        OutputSchema::build(model.schema.id.as_deref(), extra, drivers)
    }

    /// The columns of a classifier with an id column `id` (if any), or of a survival model with
    /// the `numbers` columns after it.
    pub(crate) fn build(id: Option<&str>, numbers: Vec<String>, drivers: usize) -> OutputSchema {
        let col = |name: &str, kind| OutputColumn { name: name.to_string(), kind };
        let mut columns: Vec<OutputColumn> = id.iter().map(|id| col(id, ColumnType::Text)).collect();
        columns.extend(numbers.iter().map(|n| col(n, ColumnType::Number)));
        columns.extend([
            col("churn_probability", ColumnType::Number),
            col("risk_tier", ColumnType::Text),
            col("health_score", ColumnType::Number),
            col("health_state", ColumnType::Text),
        ]);
        columns.extend((1..=drivers).map(|k| col(&format!("risk_driver_{k}"), ColumnType::OptionalText)));
        columns
            .extend(["recommended_action", "model_id", "model_version", "scored_at"].map(|n| col(n, ColumnType::Text)));
        OutputSchema { columns }
    }

    /// The column names, in order.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

/// A horizon as it appears in column names: `3`, `2.5`.
pub fn horizon_name(h: f64) -> String {
    format!("{h}")
}

/// The output columns of a classifier, in order ([`OutputSchema::scores`]'s names).
pub fn output_columns(model: &ModelFile, drivers: usize) -> Vec<String> {
    OutputSchema::scores(model, drivers).names()
}
