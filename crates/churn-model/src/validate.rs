//! Validation of model files on load: a model file is untrusted input.
//!
//! [`validate`] runs after the JSON has been parsed into a [`ModelFile`] and before anything
//! uses it: the learner and calibrator are checked by churn-learn (indices in range, trees
//! acyclic and of bounded depth, arrays of matching lengths, finite numbers), the
//! preprocessing against the schema (one transform per feature column, same names, finite
//! statistics, `std > 0`), the drift profile's arrays against each other, and finally the
//! `model_id` against the content hash [`ModelFile::new`] computed, so a model whose numbers
//! were edited does not score under the original id.

use std::path::Path;

use churn_core::table::Fnv64;

use crate::error::ModelError;
use crate::file::ModelFile;
use crate::learner::Learner;
use crate::preprocess::ColumnTransform;
use crate::profile::{Distribution, NumericProfile};

/// The content hash of `m`: FNV-1a 64 of its pretty JSON with an empty `model_id`, as
/// [`ModelFile::new`] computes it.
pub fn content_id(m: &ModelFile) -> String {
    let mut c = m.clone();
    c.model_id = String::new();
    let mut h = Fnv64::new();
    h.write(c.to_json().as_bytes());
    format!("{:016x}", h.finish())
}

fn finite(what: impl std::fmt::Display, v: f64) -> Result<(), String> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(format!("{what} is {v} (must be finite)"))
    }
}

fn check_numeric_profile(what: &str, p: &NumericProfile) -> Result<(), String> {
    if p.counts.len() != p.cuts.len() + 1 {
        return Err(format!(
            "{what}: {} cuts need {} counts, found {}",
            p.cuts.len(),
            p.cuts.len() + 1,
            p.counts.len()
        ));
    }
    if p.quantiles.len() != p.cdf.len() {
        return Err(format!("{what}: {} quantiles but {} cdf values", p.quantiles.len(), p.cdf.len()));
    }
    for (name, values) in [("cuts", &p.cuts), ("quantiles", &p.quantiles), ("cdf", &p.cdf)] {
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(format!("{what}: {name} holds {v} (must be finite)"));
        }
        if values.windows(2).any(|w| w[1] < w[0]) {
            return Err(format!("{what}: {name} are not increasing"));
        }
    }
    if p.cuts.windows(2).any(|w| w[1] <= w[0]) {
        return Err(format!("{what}: cuts are not strictly increasing"));
    }
    finite(format!("{what}: mean"), p.mean)?;
    finite(format!("{what}: std"), p.std)
}

fn check_learner(l: &Learner) -> Result<(), String> {
    let checked = match l.single() {
        Ok(m) => m.validate(),
        Err(b) => {
            b.validate().map_err(|e| format!("blend learner: {e}"))?;
            return b.members.iter().try_for_each(check_learner);
        }
    };
    checked.map_err(|e| format!("{} learner: {e}", l.name()))
}

fn check(m: &ModelFile) -> Result<(), String> {
    let features = &m.schema.features;
    if features.is_empty() {
        return Err("the schema has no feature columns".into());
    }
    let columns = &m.preprocessing.columns;
    if columns.len() != features.len() {
        return Err(format!("{} feature columns but {} preprocessing columns", features.len(), columns.len()));
    }
    for (k, (f, c)) in features.iter().zip(columns).enumerate() {
        if f.name != c.name() {
            return Err(format!("feature column {k} is `{}` but its preprocessing is for `{}`", f.name, c.name()));
        }
        if let ColumnTransform::Scaled { median, mean, std, .. } = c {
            finite(format_args!("`{}`: median", f.name), *median)?;
            finite(format_args!("`{}`: mean", f.name), *mean)?;
            if !(std.is_finite() && *std > 0.0) {
                return Err(format!("`{}`: std is {std} (must be finite and > 0)", f.name));
            }
        }
    }
    m.preprocessing.stats_bound()?;
    let width = m.preprocessing.width();
    if m.input_means.len() != width {
        return Err(format!("{width} learner inputs but {} input_means", m.input_means.len()));
    }
    if let Some(v) = m.input_means.iter().find(|v| !v.is_finite()) {
        return Err(format!("input_means holds {v} (must be finite)"));
    }
    check_learner(&m.learner)?;
    m.calibrator.validate().map_err(|e| e.to_string())?;
    if let Some(p) = &m.profile {
        for f in &p.features {
            if let Distribution::Numeric(n) = &f.distribution {
                check_numeric_profile(&format!("profile of `{}`", f.name), n)?;
            }
        }
        check_numeric_profile("score profile", &p.score.distribution)?;
    }
    Ok(())
}

/// Checks a parsed model file (see the module docs); `path` is used in messages.
pub fn validate(m: &ModelFile, path: &Path) -> Result<(), ModelError> {
    check(m).map_err(|reason| ModelError::Corrupt { path: path.into(), reason })?;
    let id = content_id(m);
    if id != m.model_id {
        return Err(ModelError::IdMismatch { path: path.into(), stored: m.model_id.clone(), computed: id });
    }
    Ok(())
}
