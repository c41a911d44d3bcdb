//! Model reports of the churn toolkit.
//!
//! A [`Report`] holds every number a data scientist needs to trust (or distrust) a churn model
//! on labeled rows: headline metrics with seeded bootstrap intervals, calibration of the raw and
//! the Platt-calibrated probabilities, operating points (max F1, minimum expected cost,
//! capacity), lift and gains, the score distribution by outcome, feature importance, outcomes
//! by risk tier, surprise churns, segment breakdowns and the training leaderboard, plus the
//! per-row probabilities so that two reports can be compared on the same rows
//! ([`compare()`](compare::compare)).
//!
//! Renderers return strings and bytes ([`Report::render`]); [`Report::write_dir`] writes them
//! (each file atomically, and a new folder only once everything is rendered).
//!
//! ```no_run
//! use churn_report::{build_from_table, ReportOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let model = churn_model::ModelFile::load("model.json".as_ref())?;
//! let table = churn_core::Table::read("test.csv".as_ref())?;
//! let report = build_from_table(&model, &table, None, &ReportOptions::default())?;
//! println!("AUC {:.4} [{:.4}, {:.4}]", report.metrics.auc, report.metrics.auc_ci.lo, report.metrics.auc_ci.hi);
//! report.write_dir("report".as_ref())?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod build;
pub mod charts;
pub mod compare;
mod error;
pub mod gate;
mod glyphs;
pub mod honesty;
pub mod mdtext;
pub mod render;
mod report;
pub mod survival;
pub mod survival_charts;
pub mod survival_compare;

use std::path::{Path, PathBuf};

pub use build::{build, build_from_table, ReportInput, CURVE_POINTS, DISTRIBUTION_BINS, MAX_SEGMENTS};
pub use compare::{compare, CompareOptions, Comparison};
pub use error::{ReportError, Result};
pub use report::*;

/// The files of a rendered report: `(file name, bytes)`.
pub type Rendered = Vec<(String, Vec<u8>)>;

impl Report {
    /// `report.md`.
    pub fn to_markdown(&self) -> String {
        render::markdown(self)
    }

    /// Renders every output file: `report.html`, `report.md`, `report.json` and one PNG per
    /// chart.
    pub fn render(&self) -> Result<Rendered> {
        let charts = charts::all(self)?;
        let mut files = vec![
            ("report.html".to_string(), render::html(self, &charts).into_bytes()),
            ("report.md".to_string(), render::markdown(self).into_bytes()),
            ("report.json".to_string(), self.to_json().into_bytes()),
        ];
        files.extend(charts.into_iter().map(|c| (format!("{}.png", c.kind.name()), c.png)));
        Ok(files)
    }

    /// Renders and writes the report into `dir`, returning the paths written. Everything is
    /// rendered before the first byte is written. A missing `dir` is created whole: files go to
    /// a temporary sibling folder that is renamed into place. In an existing `dir` each file is
    /// replaced atomically.
    pub fn write_dir(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        write_files(dir, &self.render()?)
    }
}

/// Writes rendered files into `dir` (see [`Report::write_dir`]).
pub fn write_files(dir: &Path, files: &Rendered) -> Result<Vec<PathBuf>> {
    let paths: Vec<PathBuf> = files.iter().map(|(name, _)| dir.join(name)).collect();
    if dir.is_dir() {
        for (name, bytes) in files {
            churn_core::output::write_atomic(&dir.join(name), bytes)?;
        }
        return Ok(paths);
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| ReportError::io(&parent, e))?;
    let stem = dir.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let staging = parent.join(format!(".{stem}.tmp-{}", std::process::id()));
    let result = (|| {
        std::fs::create_dir(&staging).map_err(|e| ReportError::io(&staging, e))?;
        for (name, bytes) in files {
            let p = staging.join(name);
            std::fs::write(&p, bytes).map_err(|e| ReportError::io(&p, e))?;
        }
        std::fs::rename(&staging, dir).map_err(|e| ReportError::io(dir, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.map(|()| paths)
}
