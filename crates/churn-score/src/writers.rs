//! The writers of scored rows: CSV, JSON lines and Parquet columns, and the rejects file.

use std::io::Write;
use std::path::Path;

use churn_core::output::AtomicFile;
use churn_core::table::is_missing;
use churn_core::CoreError;

use crate::rows::Bound;
use crate::{csv_cell, fmt, parquet, Reject};

/// One scored row, ready to be written.
pub(crate) struct Row<'a> {
    /// The `[[actions]]` rule giving the action (index into the options' rules).
    pub(crate) rule: Option<usize>,
    pub(crate) id: Option<&'a str>,
    pub(crate) p: f64,
    pub(crate) tier: usize,
    pub(crate) health: f64,
    pub(crate) state: usize,
    pub(crate) drivers: Vec<(&'a str, &'a str, f64)>,
    pub(crate) protective: Vec<(&'a str, &'a str, f64)>,
}

/// A risk driver as text: `feature=value (+contribution)`, or with a feature dictionary the
/// value in words, `28-day post events fell 60% (+0.310)`.
fn driver_text(&(name, value, c): &(&str, &str, f64), words: Option<&churn_model::drivers::ModelWords>) -> String {
    match words.and_then(|w| w.short(name, value)) {
        Some(t) => format!("{t} ({c:+.3})"),
        None => format!("{name}={} ({c:+.3})", driver_value(value)),
    }
}

/// A driver as a JSON object: feature, value, the direction in words and the rounded
/// contribution (log-odds); with a feature dictionary also `text`, the value in words.
fn driver_json(
    &(name, value, c): &(&str, &str, f64),
    words: Option<&churn_model::drivers::ModelWords>,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "feature": name,
        "value": driver_value(value),
        "direction": if c > 0.0 { "raises risk" } else { "lowers risk" },
        "contribution": churn_model::drivers::round3(c),
    });
    if let Some(t) = words.and_then(|w| w.long(name, value)) {
        v["text"] = t.into();
    }
    v
}

fn driver_value(v: &str) -> std::borrow::Cow<'_, str> {
    if is_missing(v) {
        "missing".into()
    } else {
        churn_model::drivers::display_value(v)
    }
}

impl Bound<'_> {
    pub(crate) fn write_csv(&self, row: &Row<'_>, b: &mut Vec<u8>) {
        if let Some(id) = row.id {
            b.extend_from_slice(csv_cell(id, self.opts.raw_csv).as_bytes());
            b.push(b',');
        }
        fmt::write_f64(b, row.p);
        b.extend_from_slice(self.tier_text[row.tier].as_bytes());
        fmt::write_tenths(b, row.health);
        b.extend_from_slice(self.state_text[row.state].as_bytes());
        for k in 0..self.opts.drivers {
            b.push(b',');
            if let Some(d) = row.drivers.get(k) {
                b.extend_from_slice(csv_cell(&driver_text(d, self.words.as_ref()), self.opts.raw_csv).as_bytes());
            }
        }
        match row.rule {
            None => b.extend_from_slice(self.tail_text[row.tier].as_bytes()),
            Some(r) => {
                // The tier's tail with the rule's action in place of the tier's.
                let tail = &self.tail_text[row.tier];
                let tier_action = self.model.tiers.bands()[row.tier].action.as_deref().unwrap_or("");
                let rest = &tail[1 + csv_cell(tier_action, self.opts.raw_csv).len()..];
                b.push(b',');
                b.extend_from_slice(csv_cell(&self.opts.actions[r].action, self.opts.raw_csv).as_bytes());
                b.extend_from_slice(rest.as_bytes());
            }
        }
    }

    /// The recommended action of a row: its rule's, or its tier's.
    fn action(&self, row: &Row<'_>) -> String {
        match row.rule {
            Some(r) => self.opts.actions[r].action.clone(),
            None => self.model.tiers.bands()[row.tier].action.clone().unwrap_or_default(),
        }
    }

    pub(crate) fn push_columns(&self, row: &Row<'_>, c: &mut parquet::ScoredColumns) {
        let tier = &self.model.tiers.bands()[row.tier];
        if let Some(id) = row.id {
            c.id.push(id.to_string());
        }
        c.churn_probability.push(row.p);
        c.risk_tier.push(tier.name.clone());
        c.health_score.push(row.health);
        c.health_state.push(self.model.health_states.bands()[row.state].name.clone());
        for (k, col) in c.drivers.iter_mut().enumerate() {
            col.push(row.drivers.get(k).map(|d| driver_text(d, self.words.as_ref())));
        }
        c.recommended_action.push(self.action(row));
    }

    pub(crate) fn write_json(&self, row: &Row<'_>, b: &mut Vec<u8>) {
        let model = self.model;
        let tier = &model.tiers.bands()[row.tier];
        // The values in the schema's column order, keyed by its names.
        let mut values: Vec<serde_json::Value> = Vec::with_capacity(self.schema.columns.len());
        if let Some(id) = row.id {
            values.push(id.into());
        }
        values.push(row.p.into());
        values.push(tier.name.clone().into());
        values.push(row.health.into());
        values.push(model.health_states.bands()[row.state].name.clone().into());
        for k in 0..self.opts.drivers {
            values.push(row.drivers.get(k).map_or(serde_json::Value::Null, |d| driver_json(d, self.words.as_ref())));
        }
        values.push(self.action(row).into());
        values.push(model.model_id.clone().into());
        values.push(model.version.clone().into());
        values.push(self.opts.scored_at.clone().into());
        debug_assert_eq!(values.len(), self.schema.columns.len());
        let mut obj: serde_json::Map<String, serde_json::Value> =
            self.schema.columns.iter().map(|c| c.name.clone()).zip(values).collect();
        if self.opts.drivers > 0 {
            obj.insert(
                "protective_factors".into(),
                row.protective.iter().map(|d| driver_json(d, self.words.as_ref())).collect(),
            );
        }
        let _ = serde_json::to_writer(&mut *b, &obj);
        b.push(b'\n');
    }
}

/// Writes the rejects file (staged, published with the scores).
pub(crate) fn write_rejects(
    path: &Path,
    rejects: &[Reject],
    raw: bool,
) -> Result<churn_core::output::Staged, CoreError> {
    let mut f = AtomicFile::create(path)?;
    let mut text = String::from("line,column,value,reason\n");
    for r in rejects {
        text.push_str(&format!(
            "{},{},{},{}\n",
            r.line,
            csv_cell(&r.column, raw),
            csv_cell(&r.value, raw),
            csv_cell(&r.reason, raw)
        ));
    }
    f.write_all(text.as_bytes()).map_err(|e| CoreError::io(path, e))?;
    f.finish()
}
