//! Checks of the spec outside `[[features]]`: dates, tables, snapshots, the label against the
//! population, and unique output names.

use super::invalid;
use crate::error::FeatureError;
use crate::spec::{
    common_dates, parse_spec_date, ActivityFormat, FeatureDef, FeatureSpec, LabelKind, Mode, SnapshotSpec,
};

/// Checks the tables, the label's horizon and the snapshots; returns `data_end` as a day.
pub(super) fn check_tables(spec: &FeatureSpec) -> Result<Option<i32>, FeatureError> {
    let data_end = match &spec.data_end {
        Some(d) => Some(parse_spec_date("data_end", d)?),
        None => None,
    };
    let labels = spec.mode == Mode::Training;
    if labels && data_end.is_none() {
        return Err(invalid("data_end", "required in training mode (first date not covered by the data)"));
    }
    if spec.label.horizon_days.is_some() && spec.label.horizon_months.is_some() {
        return Err(invalid("label", "give either `horizon_days` or `horizon_months`, not both"));
    }
    if spec.label.horizon_days == Some(0) || spec.label.horizon_months == Some(0) {
        return Err(invalid("label", "the horizon must be at least 1"));
    }
    crate::survival::check_label(spec)?;
    if spec.activity.format == ActivityFormat::Usage && spec.activity.value.is_none() {
        return Err(invalid("activity.value", "required for `format = \"usage\"` (the count or value column)"));
    }
    match &spec.snapshots {
        SnapshotSpec::Cutoff { date } => {
            parse_spec_date("snapshots.date", date)?;
        }
        SnapshotSpec::Dates { dates } => {
            if dates.is_empty() {
                return Err(invalid("snapshots.dates", "the list is empty"));
            }
            for d in dates {
                parse_spec_date("snapshots.dates", d)?;
            }
        }
        SnapshotSpec::Monthly { start, end, day } => {
            let s = parse_spec_date("snapshots.start", start)?;
            let e = parse_spec_date("snapshots.end", end)?;
            if e < s {
                return Err(invalid("snapshots.end", "is before `snapshots.start`"));
            }
            if !(1..=31).contains(day) {
                return Err(invalid("snapshots.day", format!("{day} is not in 1..=31")));
            }
        }
        SnapshotSpec::Anniversary { start, end, exclude_churned_on_or_before, .. } => {
            let s = parse_spec_date("snapshots.start", start)?;
            let e = parse_spec_date("snapshots.end", end)?;
            if e < s {
                return Err(invalid("snapshots.end", "is before `snapshots.start`"));
            }
            if let Some(d) = exclude_churned_on_or_before {
                parse_spec_date("snapshots.exclude_churned_on_or_before", d)?;
            }
        }
    }
    Ok(data_end)
}

/// The label kind against the tables and `[population]`, and an inactivity label's outcome
/// windows against `data_end`.
pub(super) fn check_population(spec: &FeatureSpec, data_end: Option<i32>) -> Result<(), FeatureError> {
    match (spec.label.kind, spec.subscriptions.is_absent()) {
        (LabelKind::SubscriptionEnd, true) => {
            return Err(invalid(
                "label.kind",
                "without a `[subscriptions]` table the label must be `kind = \"inactivity\"`",
            ))
        }
        (LabelKind::Inactivity, false) => {
            return Err(invalid(
                "subscriptions",
                "an inactivity label takes its population from the activity table; remove `[subscriptions]`",
            ))
        }
        (LabelKind::SubscriptionEnd, false) => {
            if spec.population.is_some() {
                return Err(invalid(
                    "population",
                    "`[population]` is for inactivity labels (with subscriptions the population is the subscribers)",
                ));
            }
        }
        (LabelKind::Inactivity, true) => {
            if let Some(w) = spec.population.as_ref().and_then(|p| p.active_within_days) {
                if !(1..=36_500).contains(&w) {
                    return Err(invalid("population.active_within_days", format!("{w} is not in 1..=36500")));
                }
            }
            if matches!(spec.snapshots, SnapshotSpec::Anniversary { .. }) {
                return Err(invalid(
                    "snapshots.kind",
                    "anniversary snapshots need subscriptions; use cutoff, dates or monthly",
                ));
            }
            if let (Mode::Training, Some(end), Some(dates)) = (spec.mode, data_end, common_dates(spec)?) {
                if !dates.is_empty() && dates.iter().all(|&t| spec.label.window(t).1 > end) {
                    return Err(invalid(
                        "label",
                        format!(
                            "the outcome window of every snapshot reaches past data_end {}: nothing to learn from (the last snapshot {} needs data until {})",
                            churn_core::date::format_date(end),
                            churn_core::date::format_date(*dates.last().unwrap_or(&0)),
                            churn_core::date::format_date(spec.label.window(*dates.last().unwrap_or(&0)).1 - 1)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// No two output columns share a name, nor a name with the id, snapshot, label or time column.
pub(super) fn check_unique(spec: &FeatureSpec, labels: bool, columns: &[FeatureDef]) -> Result<(), FeatureError> {
    let id = spec.id_column();
    let mut seen = std::collections::HashSet::new();
    seen.insert(id);
    seen.insert("snapshot_date");
    if labels {
        seen.insert("churned");
        if let Some(t) = &spec.label.time_column {
            seen.insert(t.as_str());
        }
    }
    for c in columns {
        if !seen.insert(c.name.as_str()) {
            return Err(FeatureError::DuplicateColumn { name: c.name.clone() });
        }
    }
    Ok(())
}
