//! Survival labels (`[label] time_column = "..."`): every snapshot row gets the days from the
//! snapshot to churn (event) or to `data_end` (censored), instead of a fixed outcome window;
//! censored rows are kept.

use crate::error::FeatureError;
use crate::spec::{Censored, FeatureSpec, LabelKind};
use crate::{LABEL_COLUMN, SNAPSHOT_COLUMN};

fn invalid(message: String) -> FeatureError {
    FeatureError::InvalidSpec { field: "label.time_column".into(), message }
}

/// Checks a survival label against the rest of the spec (nothing to check without one).
pub fn check_label(spec: &FeatureSpec) -> Result<(), FeatureError> {
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
