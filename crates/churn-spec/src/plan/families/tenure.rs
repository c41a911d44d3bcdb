//! `kind = "tenure"`: days from the account's first subscription start to the snapshot.

use super::{log_text, suffix, Col};
use crate::plan::Op;

/// The column `tenure_days`.
pub(super) fn expand(log1p: bool) -> Vec<Col> {
    vec![Col::new(
        format!("tenure_days{}", suffix(log1p)),
        "tenure",
        format!("days from the account's first subscription start to the snapshot{}", log_text(log1p)),
        None,
        None,
        Op::Tenure,
        log1p,
    )]
}
