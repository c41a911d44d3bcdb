//! Subscriptions: active periods, snapshot dates, labels.

use std::path::Path;

use churn_core::date::parse_date;

use crate::error::FeatureError;
use crate::input::{blank_or_checked, display_name, AccountIndex, Header};
use crate::plan::Plan;
use crate::spec::{Censored, FeatureSpec, Mode, SnapshotSpec};

pub use churn_spec::add_months;

/// One subscription row.
#[derive(Debug, Clone)]
pub(crate) struct SubRow {
    pub(crate) start: i32,
    pub(crate) attrs: Vec<String>,
}

/// An active period; `end` is the churn date, `None` when still active at `data_end` or
/// open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    pub(crate) start: i32,
    pub(crate) end: Option<i32>,
}

/// The accounts of the subscriptions table.
pub(crate) struct Accounts {
    pub(crate) ids: Vec<String>,
    pub(crate) map: AccountIndex,
    /// Rows per account, sorted by start (stable).
    pub(crate) rows: Vec<Vec<SubRow>>,
    pub(crate) periods: Vec<Vec<Period>>,
}

pub(crate) fn read_subscriptions(spec: &FeatureSpec, plan: &Plan, data_dir: &Path) -> Result<Accounts, FeatureError> {
    let ss = &spec.subscriptions;
    debug_assert!(!ss.is_absent());
    let path = crate::confine::confined_path(data_dir, "subscriptions.file", &ss.file)?;
    let file = display_name(&path);
    let (mut rdr, lines) = crate::input::csv_reader(&path)?;
    let mut rec = csv::StringRecord::new();
    let csv_err = |e: csv::Error, file: &str| -> FeatureError {
        let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
        match e.into_kind() {
            csv::ErrorKind::Io(source) => FeatureError::Io { path: path.clone(), source },
            other => FeatureError::BadRow { file: file.to_string(), line, message: format!("{other:?}") },
        }
    };
    if !rdr.read_record(&mut rec).map_err(|e| csv_err(e, &file))? {
        return Err(FeatureError::EmptyFile { file });
    }
    let header = Header {
        file: file.clone(),
        names: rec
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let s = if i == 0 { s.trim_start_matches('\u{feff}') } else { s };
                s.trim().to_string()
            })
            .collect(),
    };
    let ia = header.find(&ss.account, "subscriptions.account")?;
    let is = header.find(&ss.start, "subscriptions.start")?;
    let ie = header.find(&ss.end, "subscriptions.end")?;
    let attr_idx = plan.sub_columns.iter().map(|c| header.find(c, "features.column")).collect::<Result<Vec<_>, _>>()?;
    let ncols = header.names.len();

    let mut acc = Accounts { ids: Vec::new(), map: AccountIndex::new(), rows: Vec::new(), periods: Vec::new() };
    let mut ends: Vec<Vec<Option<i32>>> = Vec::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(e, &file)),
        }
        let line = rec.position().map_or(0, |p| lines.line_at(p.byte()));
        if blank_or_checked(&file, line, rec.len(), rec.get(0).is_some_and(|f| f.trim().is_empty()), ncols)? {
            continue;
        }
        let bad = |col: usize, expected: &str| FeatureError::BadValue {
            file: file.clone(),
            line,
            column: header.names[col].clone(),
            value: rec[col].to_string(),
            expected: expected.to_string(),
        };
        let id = rec[ia].trim();
        if id.is_empty() {
            return Err(bad(ia, "an account id"));
        }
        let start = parse_date(&rec[is]).ok_or_else(|| bad(is, "a date"))?;
        let end =
            if rec[ie].trim().is_empty() { None } else { Some(parse_date(&rec[ie]).ok_or_else(|| bad(ie, "a date"))?) };
        if let Some(e) = end {
            if e < start {
                return Err(FeatureError::BadRow {
                    file: file.clone(),
                    line,
                    message: format!("end date '{}' is before start date '{}'", rec[ie].trim(), rec[is].trim()),
                });
            }
        }
        let idx = match acc.map.get(id.as_bytes()) {
            Some(i) => i as usize,
            None => {
                let i = acc.map.insert(id.as_bytes()) as usize;
                acc.ids.push(id.to_string());
                acc.rows.push(Vec::new());
                ends.push(Vec::new());
                i
            }
        };
        // Rows starting on or after data_end are not observed yet (the account is still known,
        // so its activity is not reported as unknown).
        if plan.data_end.is_some_and(|d| start >= d) {
            continue;
        }
        acc.rows[idx].push(SubRow { start, attrs: attr_idx.iter().map(|&c| rec[c].trim().to_string()).collect() });
        ends[idx].push(end);
    }
    // Sort rows (stable) and build active periods.
    let gap = spec.subscriptions.max_gap_days as i32;
    for (rows, ends) in acc.rows.iter_mut().zip(ends.iter_mut()) {
        // Usually already in order (then the stable sort would not move anything).
        if !rows.is_sorted_by_key(|r| r.start) {
            let mut order: Vec<usize> = (0..rows.len()).collect();
            order.sort_by_key(|&i| rows[i].start);
            let sorted_rows: Vec<SubRow> = order.iter().map(|&i| rows[i].clone()).collect();
            let sorted_ends: Vec<Option<i32>> = order.iter().map(|&i| ends[i]).collect();
            *rows = sorted_rows;
            *ends = sorted_ends;
        }
        let mut periods: Vec<Period> = Vec::new();
        for (r, &e) in rows.iter().zip(ends.iter()) {
            let e = match (e, plan.data_end) {
                (Some(e), Some(d)) if e >= d => None,
                (e, _) => e,
            };
            if let Some(cur) = periods.last_mut() {
                let joins = match cur.end {
                    None => true,
                    Some(ce) => r.start <= ce + gap,
                };
                if joins {
                    cur.end = match (cur.end, e) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                    continue;
                }
            }
            periods.push(Period { start: r.start, end: e });
        }
        acc.periods.push(periods);
    }
    Ok(acc)
}

/// One output row before features: account, snapshot date, label.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SnapRow {
    pub(crate) account: u32,
    pub(crate) t: i32,
    pub(crate) label: Option<bool>,
    /// Survival labels: days from `t` to churn or to `data_end` (0 otherwise).
    pub(crate) time: i32,
}

/// Counts from snapshot selection, reported in the summary.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SnapCounts {
    pub(crate) churn_in_lead: u64,
    pub(crate) censored_dropped: u64,
    pub(crate) censored_kept: u64,
}

/// Chooses the (account, snapshot date) rows and their labels. Rows are grouped by account (in
/// first-appearance order) with dates ascending.
pub(crate) fn snapshots(
    spec: &FeatureSpec,
    plan: &Plan,
    acc: &Accounts,
) -> Result<(Vec<SnapRow>, SnapCounts), FeatureError> {
    let lead = spec.label.lead_days as i32;
    let mut counts = SnapCounts::default();
    let common: Option<Vec<i32>> = crate::spec::common_dates(spec)?;
    let mut out = Vec::new();
    let mut cands: Vec<i32> = Vec::new();
    let max_rows = crate::limits::max_rows(plan.columns.len())?;
    for (a, periods) in acc.periods.iter().enumerate() {
        cands.clear();
        match (&common, &spec.snapshots) {
            (Some(v), _) => cands.extend_from_slice(v),
            (None, SnapshotSpec::Anniversary { start, end, offset_days, exclude_churned_on_or_before }) => {
                let s = crate::spec::parse_spec_date("snapshots.start", start)?;
                let e = crate::spec::parse_spec_date("snapshots.end", end)?;
                let excl = match exclude_churned_on_or_before {
                    Some(d) => Some(crate::spec::parse_spec_date("snapshots.exclude_churned_on_or_before", d)?),
                    None => None,
                };
                let off = offset_days.map(|o| o as i32).unwrap_or(lead);
                for p in periods {
                    if let (Some(c), Some(x)) = (p.end, excl) {
                        if c <= x {
                            continue;
                        }
                    }
                    for k in 1..=12_000 {
                        let t = add_months(p.start, k) - off;
                        if t > e || p.end.is_some_and(|c| t > c) {
                            break;
                        }
                        if t >= s {
                            cands.push(t);
                        }
                    }
                }
                cands.sort_unstable();
                cands.dedup();
            }
            (None, _) => {}
        }
        for &t in cands.iter() {
            let alive = periods.iter().any(|p| p.start < t && p.end.is_none_or(|e| t <= e));
            if !alive {
                continue;
            }
            let mut time = 0;
            let label = if spec.mode == Mode::Training && spec.label.time_column.is_some() {
                let data_end = plan.data_end.unwrap_or(i32::MAX);
                if t >= data_end {
                    // Nothing observed after the snapshot.
                    counts.censored_dropped += 1;
                    continue;
                }
                let (days, churned) = crate::survival::time_to_churn(periods, t, data_end);
                if !churned {
                    counts.censored_kept += 1;
                }
                time = days;
                Some(churned)
            } else if spec.mode == Mode::Training {
                let data_end = plan.data_end.unwrap_or(i32::MAX);
                let churns = periods.iter().filter_map(|p| p.end);
                let (ws, we) = spec.label.window(t);
                if lead > 0 && churns.clone().any(|c| t <= c && c < ws) {
                    counts.churn_in_lead += 1;
                    continue;
                }
                let churned = churns.clone().any(|c| ws <= c && c < we);
                if !churned && we > data_end {
                    match spec.label.censored {
                        Censored::Drop => {
                            counts.censored_dropped += 1;
                            continue;
                        }
                        Censored::Keep => counts.censored_kept += 1,
                    }
                }
                Some(churned)
            } else {
                None
            };
            if out.len() == max_rows {
                return Err(crate::limits::too_many_rows(acc.periods.len(), max_rows, plan.columns.len()));
            }
            out.push(SnapRow { account: a as u32, t, label, time });
        }
    }
    Ok((out, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use churn_core::date::format_date;

    #[test]
    fn months_are_added_with_clamping() {
        let d = |s: &str| parse_date(s).unwrap();
        assert_eq!(format_date(add_months(d("2020-01-31"), 1)), "2020-02-29");
        assert_eq!(format_date(add_months(d("2021-01-31"), 1)), "2021-02-28");
        assert_eq!(format_date(add_months(d("2020-01-31"), 2)), "2020-03-31");
        assert_eq!(format_date(add_months(d("2020-11-15"), 3)), "2021-02-15");
        assert_eq!(format_date(add_months(d("2020-03-31"), -1)), "2020-02-29");
        assert_eq!(format_date(add_months(d("2020-01-01"), -13)), "2018-12-01");
    }
}
