//! Survival labels (`[label] time_column = "..."`): every snapshot row gets the days from the
//! snapshot to churn (event) or to `data_end` (censored), instead of a fixed outcome window;
//! censored rows are kept.

use crate::error::FeatureError;
use crate::spec::{Censored, FeatureSpec, LabelKind};
use crate::subs::Period;
use crate::{LABEL_COLUMN, SNAPSHOT_COLUMN};

fn invalid(message: String) -> FeatureError {
    FeatureError::InvalidSpec { field: "label.time_column".into(), message }
}

/// Checks a survival label against the rest of the spec (nothing to check without one).
pub(crate) fn check_label(spec: &FeatureSpec) -> Result<(), FeatureError> {
    let Some(name) = &spec.label.time_column else {
        return Ok(());
    };
    let l = &spec.label;
    if name.trim().is_empty() || name.trim() != name {
        return Err(invalid(format!("'{name}' is not a column name (empty or surrounded by spaces)")));
    }
    if [spec.id_column(), SNAPSHOT_COLUMN, LABEL_COLUMN].contains(&name.as_str()) {
        return Err(invalid(format!("'{name}' is already the id, snapshot or label column")));
    }
    if l.kind != LabelKind::SubscriptionEnd {
        return Err(invalid(
            "survival labels need a `[subscriptions]` table (churn = the end of an active period); \
             `kind = \"inactivity\"` has no churn date"
                .into(),
        ));
    }
    if l.horizon_days.is_some() || l.horizon_months.is_some() {
        return Err(invalid(
            "a survival label has no outcome window: remove `horizon_days`/`horizon_months` \
             (horizons are given to `churn train --horizons`)"
                .into(),
        ));
    }
    if l.lead_days > 0 {
        return Err(invalid("a survival label counts time from the snapshot: remove `lead_days`".into()));
    }
    if l.censored == Censored::Keep {
        return Err(invalid(
            "a survival label always keeps censored rows (event 0, time to `data_end`): remove `censored`".into(),
        ));
    }
    Ok(())
}

/// Days from snapshot `t` to the account's next churn (event) or, when it has not churned by
/// `data_end` (exclusive), to `data_end` (censored).
pub(crate) fn time_to_churn(periods: &[Period], t: i32, data_end: i32) -> (i32, bool) {
    match periods.iter().filter_map(|p| p.end).filter(|&c| c >= t).min() {
        Some(c) => (c - t, true),
        None => (data_end - t, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_to_the_next_churn_or_to_data_end() {
        let periods = [Period { start: 0, end: Some(40) }, Period { start: 60, end: Some(100) }];
        assert_eq!(time_to_churn(&periods, 10, 500), (30, true));
        assert_eq!(time_to_churn(&periods, 40, 500), (0, true));
        assert_eq!(time_to_churn(&periods, 70, 500), (30, true));
        let open = [Period { start: 0, end: Some(40) }, Period { start: 60, end: None }];
        assert_eq!(time_to_churn(&open, 70, 500), (430, false));
    }
}
