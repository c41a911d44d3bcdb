//! The bound on the size of a feature table.
//!
//! A spec of many open-ended accounts with monthly snapshots over centuries asks for billions
//! of rows; building them would exhaust memory and abort. The rows are counted as the
//! snapshots are laid out, before any feature is computed, and the run is refused with a clear
//! error once rows × columns would pass [`DEFAULT_MAX_CELLS`] (or the value of the
//! environment variable [`MAX_CELLS_VAR`], for larger machines).

use crate::error::FeatureError;

/// Default largest table, in cells (rows × feature columns): 8 bytes each, 2 GB of numbers.
pub const DEFAULT_MAX_CELLS: u64 = 250_000_000;

/// Environment variable overriding [`DEFAULT_MAX_CELLS`].
pub const MAX_CELLS_VAR: &str = "CHURN_FEATURES_MAX_CELLS";

/// The cell limit in force: [`MAX_CELLS_VAR`] when set (a positive integer), else the default.
pub fn max_cells() -> Result<u64, FeatureError> {
    match std::env::var(MAX_CELLS_VAR) {
        Err(_) => Ok(DEFAULT_MAX_CELLS),
        Ok(v) => v.trim().parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(|| FeatureError::InvalidSpec {
            field: MAX_CELLS_VAR.into(),
            message: format!("'{}' is not a positive integer", churn_core::excerpt(&v)),
        }),
    }
}

/// Most rows a table of `columns` feature columns may have.
pub fn max_rows(columns: usize) -> Result<usize, FeatureError> {
    let rows = max_cells()? / columns.max(1) as u64;
    Ok(usize::try_from(rows).unwrap_or(usize::MAX))
}

/// The error when the snapshots of `accounts` accounts pass `max_rows` rows.
pub fn too_many_rows(accounts: usize, max_rows: usize, columns: usize) -> FeatureError {
    FeatureError::InvalidSpec {
        field: "snapshots".into(),
        message: format!(
            "the snapshots of {accounts} accounts make more than {max_rows} rows, more than {} cells with {columns} \
             feature columns; narrow snapshots.start/end (or the accounts), or raise {MAX_CELLS_VAR}",
            max_rows as u64 * columns.max(1) as u64
        ),
    }
}
