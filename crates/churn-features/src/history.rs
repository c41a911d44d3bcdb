//! Per-account activity histories (every row, sorted by day) for the families that need whole
//! histories or future activity: inactivity labels and populations, purchase-cycle features and
//! BG/NBD. Read with a plain CSV reader, only when the spec needs them.

use std::path::Path;

use churn_core::date::parse_date;

use crate::error::FeatureError;
use crate::input::{blank_or_checked, display_name, parse_number, AccountIndex, Header};
use crate::plan::Plan;
use crate::spec::FeatureSpec;
use crate::subs::{Accounts, Period, SnapCounts, SnapRow, SubRow};

/// One activity row of an account: day, channel (declared type index, or `u32::MAX` for an
/// undeclared type) and value (0 without a value column).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Act {
    pub(crate) day: i32,
    pub(crate) ch: u32,
    pub(crate) value: f64,
}

/// Every account's activity rows, sorted by day (stable: file order within a day).
pub(crate) struct History {
    pub(crate) acts: Vec<Vec<Act>>,
    /// The channel of `any` (matches every row).
    pub(crate) any: usize,
}

impl History {
    /// Whether row `a` belongs to channel `ch`.
    #[inline]
    pub(crate) fn matches(&self, a: &Act, ch: usize) -> bool {
        ch == self.any || a.ch as usize == ch
    }
}

/// Reads the activity table into histories. With `acc`, rows of accounts outside it are left
/// out and histories are indexed like `acc`; without, every account is kept in order of first
/// appearance, and the ids and their index are returned too.
pub(crate) fn read_history(
    spec: &FeatureSpec,
    plan: &Plan,
    acc: Option<&Accounts>,
    data_dir: &Path,
) -> Result<(History, Vec<String>, AccountIndex), FeatureError> {
    let a = &spec.activity;
    let path = data_dir.join(&a.file);
    let file = display_name(&path);
    let (mut rdr, lines) = crate::input::csv_reader(&path)?;
    let mut rec = csv::ByteRecord::new();
    let csv_err = |e: csv::Error| -> FeatureError {
        let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
        match e.into_kind() {
            csv::ErrorKind::Io(source) => FeatureError::Io { path: path.clone(), source },
            other => FeatureError::BadRow { file: file.clone(), line, message: format!("{other:?}") },
        }
    };
    if !rdr.read_byte_record(&mut rec).map_err(csv_err)? {
        return Err(FeatureError::EmptyFile { file });
    }
    let mut head = Vec::new();
    {
        let mut w = csv::Writer::from_writer(&mut head);
        let _ = w.write_byte_record(&rec);
    }
    let h = Header::parse(&file, head.strip_suffix(b"\n").unwrap_or(&head))?;
    let ia = h.find(&a.account, "activity.account")?;
    let it = h.find(&a.time, "activity.time")?;
    let iy = h.find(&a.type_column, "activity.type")?;
    let iv = match &a.value {
        Some(v) => Some(h.find(v, "activity.value")?),
        None => None,
    };
    let ncols = h.names.len();
    let mut ids: Vec<String> = Vec::new();
    let mut own = AccountIndex::new();
    let mut acts: Vec<Vec<Act>> = match acc {
        Some(acc) => vec![Vec::new(); acc.ids.len()],
        None => Vec::new(),
    };
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_err(e)),
        }
        let line = rec.position().map_or(0, |p| lines.line_at(p.byte()));
        if blank_or_checked(&file, line, rec.len(), rec.get(0).is_some_and(|f| f.trim_ascii().is_empty()), ncols)? {
            continue;
        }
        let bad = |col: usize, expected: &str| FeatureError::BadValue {
            file: file.clone(),
            line,
            column: h.names[col].clone(),
            value: String::from_utf8_lossy(&rec[col]).into_owned(),
            expected: expected.to_string(),
        };
        let day =
            std::str::from_utf8(rec[it].trim_ascii()).ok().and_then(parse_date).ok_or_else(|| bad(it, "a date"))?;
        let value = match iv {
            Some(c) => parse_number(rec[c].trim_ascii()).ok_or_else(|| bad(c, "a number"))?,
            None => 0.0,
        };
        let id = rec[ia].trim_ascii();
        let idx = match acc {
            Some(acc) => match acc.map.get(id) {
                Some(i) => i as usize,
                None => continue,
            },
            None => match own.get(id) {
                Some(i) => i as usize,
                None => {
                    if id.is_empty() {
                        return Err(bad(ia, "an account id"));
                    }
                    ids.push(String::from_utf8_lossy(id).into_owned());
                    acts.push(Vec::new());
                    own.insert(id) as usize
                }
            },
        };
        let ty = rec[iy].trim_ascii();
        let ch = plan.type_ids.iter().position(|t| t.as_bytes() == ty).map(|c| c as u32).unwrap_or(u32::MAX);
        acts[idx].push(Act { day, ch, value });
    }
    for v in acts.iter_mut() {
        if !v.is_sorted_by_key(|a| a.day) {
            v.sort_by_key(|a| a.day);
        }
    }
    Ok((History { acts, any: plan.any() }, ids, own))
}

/// Whether row `x` counts as activity for the label and population (`label_chans` empty: all).
#[inline]
fn counted(x: &Act, label_chans: &[u32]) -> bool {
    label_chans.is_empty() || label_chans.contains(&x.ch)
}

/// The accounts of a spec without subscriptions: those with counted activity, in order of first
/// appearance in the activity table, each with one open-ended period from its first counted
/// activity (so tenure counts from it).
pub(crate) fn accounts_from_activity(hist: History, ids: Vec<String>, label_chans: &[u32]) -> (Accounts, History) {
    let mut out = Accounts { ids: Vec::new(), map: AccountIndex::new(), rows: Vec::new(), periods: Vec::new() };
    let mut acts = Vec::new();
    for (id, v) in ids.into_iter().zip(hist.acts) {
        let Some(first) = v.iter().find(|x| counted(x, label_chans)).map(|x| x.day) else {
            continue;
        };
        out.map.insert(id.as_bytes());
        out.ids.push(id);
        out.rows.push(vec![SubRow { start: first, attrs: Vec::new() }]);
        out.periods.push(vec![Period { start: first, end: None }]);
        acts.push(v);
    }
    (out, History { acts, any: hist.any })
}

/// Snapshot rows of an inactivity spec: an account is in the population at `t` when it has
/// counted activity before `t` (within `active_within_days` when given); churned = no counted
/// activity in `[t + lead, t + lead + horizon)`. A window reaching past `data_end` with no
/// activity seen in its observed part is censored.
pub(crate) fn inactivity_snapshots(
    spec: &FeatureSpec,
    plan: &Plan,
    acc: &Accounts,
    hist: &History,
    dates: &[i32],
    label_chans: &[u32],
) -> (Vec<SnapRow>, SnapCounts) {
    let mut counts = SnapCounts::default();
    let mut out = Vec::new();
    let within = spec.population.as_ref().and_then(|p| p.active_within_days).map(|w| w as i32);
    let data_end = plan.data_end.unwrap_or(i32::MAX);
    for (a, acts) in hist.acts.iter().enumerate() {
        let first = acc.periods[a][0].start;
        for &t in dates {
            if first >= t {
                continue;
            }
            if let Some(w) = within {
                if !acts.iter().any(|x| x.day >= t - w && x.day < t && counted(x, label_chans)) {
                    continue;
                }
            }
            let label = if plan.labels {
                let (ws, we) = spec.label.window(t);
                let active =
                    acts.iter().any(|x| x.day >= ws && x.day < we && x.day < data_end && counted(x, label_chans));
                if !active && we > data_end {
                    match spec.label.censored {
                        crate::spec::Censored::Drop => {
                            counts.censored_dropped += 1;
                            continue;
                        }
                        crate::spec::Censored::Keep => counts.censored_kept += 1,
                    }
                }
                Some(!active)
            } else {
                None
            };
            out.push(SnapRow { account: a as u32, t, label, time: 0 });
        }
    }
    (out, counts)
}
