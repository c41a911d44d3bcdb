//! Scoring rows with a bound [`HealthConfig`].

use std::path::Path;

use churn_core::error::closest_name;
use churn_core::table::{is_missing, parse_bool, parse_number};

use crate::config::{HealthConfig, Normaliser};
use crate::error::{HealthError, RowError};

/// A [`HealthConfig`] bound to the columns of one data file.
#[derive(Debug, Clone)]
pub struct HealthScorer {
    config: HealthConfig,
    /// Per component: value column index and, for `trend`, the trend column index.
    cols: Vec<(usize, Option<usize>)>,
}

fn bind(headers: &[String], path: &Path, component: &str, column: &str) -> Result<usize, HealthError> {
    headers.iter().position(|h| h == column).ok_or_else(|| HealthError::MissingColumn {
        path: path.into(),
        component: component.into(),
        column: column.into(),
        suggestion: closest_name(column, headers.iter().map(String::as_str)),
    })
}

/// Reads a value: `None` when missing, a number, or yes/no as 1/0.
fn read_value(column: &str, text: &str) -> Result<Option<f64>, RowError> {
    if is_missing(text) {
        return Ok(None);
    }
    if let Some(v) = parse_number(text) {
        return Ok(Some(v));
    }
    if let Some(b) = parse_bool(text) {
        return Ok(Some(if b { 1.0 } else { 0.0 }));
    }
    Err(RowError { column: column.into(), value: text.into(), reason: "not a number".into() })
}

impl HealthScorer {
    /// Binds `config` to a file with these `headers`; `path` names the data file in messages.
    pub fn new(config: &HealthConfig, headers: &[String], path: &Path) -> Result<HealthScorer, HealthError> {
        let mut cols = Vec::with_capacity(config.components.len());
        for c in &config.components {
            let j = bind(headers, path, &c.name, &c.column)?;
            let t = match &c.normaliser {
                Normaliser::Trend { trend_column, .. } => Some(bind(headers, path, &c.name, trend_column)?),
                _ => None,
            };
            cols.push((j, t));
        }
        Ok(HealthScorer { config: config.clone(), cols })
    }

    /// The configuration.
    pub fn config(&self) -> &HealthConfig {
        &self.config
    }

    /// Each component's 0-100 score for one row (`None` where the value is missing);
    /// `field(j)` returns the text of column `j`.
    pub fn component_scores_with<'a>(&self, field: impl Fn(usize) -> &'a str) -> Result<Vec<Option<f64>>, RowError> {
        let mut out = Vec::with_capacity(self.cols.len());
        for (c, &(j, t)) in self.config.components.iter().zip(&self.cols) {
            let v = read_value(&c.column, field(j))?;
            let trend = match (&c.normaliser, t) {
                (Normaliser::Trend { trend_column, .. }, Some(t)) => read_value(trend_column, field(t))?,
                _ => Some(0.0),
            };
            out.push(match (v, trend) {
                (Some(v), Some(tr)) => Some(c.normaliser.apply(v, tr)),
                _ => None,
            });
        }
        Ok(out)
    }

    /// Each component's 0-100 score for one row of fields (`None` where missing).
    pub fn component_scores<S: AsRef<str>>(&self, fields: &[S]) -> Result<Vec<Option<f64>>, RowError> {
        self.component_scores_with(|j| fields.get(j).map_or("", AsRef::as_ref))
    }

    /// Combines component scores with the configured weights.
    pub fn combine(&self, scores: &[Option<f64>]) -> Option<f64> {
        let w: Vec<f64> = self.config.components.iter().map(|c| c.weight).collect();
        combine(scores, &w)
    }

    /// The 0-100 health score of one row (a `&[&str]`, `&[String]`, or a
    /// `csv::StringRecord` via `record.iter().collect::<Vec<_>>()`).
    ///
    /// Missing components are left out and the other weights rescaled; a row with every
    /// component missing is an error.
    /// The health score (0-100) of one row, reading field `j` through `field(j)`.
    pub fn score_with<'a>(&self, field: impl Fn(usize) -> &'a str) -> Result<f64, RowError> {
        let s = self.component_scores_with(field)?;
        self.combine(&s).ok_or_else(|| self.all_missing())
    }

    /// The health score (0-100) of one input row, given all its fields.
    pub fn score<S: AsRef<str>>(&self, fields: &[S]) -> Result<f64, RowError> {
        let s = self.component_scores(fields)?;
        self.combine(&s).ok_or_else(|| self.all_missing())
    }

    pub(crate) fn all_missing(&self) -> RowError {
        RowError {
            column: self.config.components.iter().map(|c| c.column.as_str()).collect::<Vec<_>>().join(", "),
            value: String::new(),
            reason: "every health component is missing".into(),
        }
    }
}

/// Weighted mean of the present scores, the weights of the present components rescaled to
/// sum to 1; `None` when no component with a positive weight is present.
pub fn combine(scores: &[Option<f64>], weights: &[f64]) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for (s, &w) in scores.iter().zip(weights) {
        if let Some(s) = s {
            num += w * s;
            den += w;
        }
    }
    (den > 0.0).then(|| (num / den).clamp(0.0, 100.0))
}
