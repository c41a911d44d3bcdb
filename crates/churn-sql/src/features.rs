//! A feature spec compiled to one SQL query returning the rows and columns of `churn features`.
//!
//! The plan is the Rust engine's: activity is first aggregated to one row per account and day
//! (row counts, value sums per declared event type and for `any`), snapshots are chosen from
//! the merged active periods, and each snapshot is then joined to the days of its look-back
//! range only, so the cost grows with rows × look-back days, never with rows × history.
//! Recency looks at all history through a running maximum over days and snapshots in day
//! order. All date arithmetic is done on day numbers (days since 1970-01-01).

use std::collections::BTreeMap;
use std::fmt::Write;

use churn_core::date::civil_from_days;
use churn_features::{
    ActivityFormat, Censored, CycleView, FeaturePlan, FeatureSpec, Mode, OpView, PlanView, SnapshotSpec, SourceView,
};

use crate::exprs::Exprs;
use crate::{Dialect, SqlError};

/// The table names the query reads; `activity`, `subscriptions`, `static_1`, `static_2`, ...
/// unless renamed.
pub fn default_tables(spec: &FeatureSpec) -> Vec<String> {
    let mut v = vec!["activity".to_string()];
    if spec.subscriptions().is_some() {
        v.push("subscriptions".to_string());
    }
    for i in 0..spec.statics.len() {
        v.push(format!("static_{}", i + 1));
    }
    v
}

/// Applies `name=table` renames to the default table names; a name the spec does not use is
/// an error.
pub fn table_names(spec: &FeatureSpec, renames: &[(String, String)]) -> Result<BTreeMap<String, String>, SqlError> {
    let defaults = default_tables(spec);
    let mut out: BTreeMap<String, String> = defaults.iter().map(|n| (n.clone(), n.clone())).collect();
    for (k, v) in renames {
        if !out.contains_key(k) {
            return Err(SqlError::UnknownTable { name: k.clone(), valid: defaults.join(", ") });
        }
        if v.is_empty() || v.split('.').any(|p| p.is_empty()) {
            return Err(SqlError::BadTableName { name: k.clone(), value: v.clone() });
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

/// Keys of the serialised spec this generator knows, per section. Anything else (a field or a
/// kind added to the spec format later) is refused with its name.
const TOP_KEYS: &[&str] = &[
    "version",
    "mode",
    "data_end",
    "activity",
    "subscriptions",
    "population",
    "static",
    "snapshots",
    "label",
    "features",
];
const ACTIVITY_KEYS: &[&str] = &["file", "format", "account", "time", "type", "value", "event_types"];
const SUB_KEYS: &[&str] = &["file", "account", "start", "end", "max_gap_days"];
const POPULATION_KEYS: &[&str] = &["active_within_days"];
const LABEL_KEYS: &[&str] = &["lead_days", "horizon_days", "horizon_months", "censored", "kind", "events"];
const FEATURE_KINDS: &[&str] =
    &["window", "velocity", "trend", "recency", "tenure", "ratio", "stickiness", "subscription", "purchase_cycle"];

/// Why BG/NBD columns are refused.
const BGNBD_WHY: &str =
    "BG/NBD needs a maximum-likelihood fit of its four parameters per snapshot date; compute it with `churn features`";

fn check_known(spec: &FeatureSpec, dialect: Dialect) -> Result<(), SqlError> {
    let v = serde_json::to_value(spec).map_err(|e| SqlError::Internal(e.to_string()))?;
    let unsupported = |what: String| SqlError::Unsupported { what, dialect };
    let keys = |section: &str, obj: Option<&serde_json::Value>, known: &[&str]| -> Result<(), SqlError> {
        if let Some(serde_json::Value::Object(m)) = obj {
            for (k, val) in m {
                if !known.contains(&k.as_str()) {
                    return Err(unsupported(format!("`{section}{k}` = {val}")));
                }
            }
        }
        Ok(())
    };
    keys("", Some(&v), TOP_KEYS)?;
    keys("activity.", v.get("activity"), ACTIVITY_KEYS)?;
    keys("subscriptions.", v.get("subscriptions"), SUB_KEYS)?;
    keys("population.", v.get("population"), POPULATION_KEYS)?;
    keys("label.", v.get("label"), LABEL_KEYS)?;
    if let Some(kind) = v.get("label").and_then(|l| l.get("kind")).and_then(|k| k.as_str()) {
        if kind != "subscription_end" && kind != "inactivity" {
            return Err(unsupported(format!("`label.kind` = \"{kind}\"")));
        }
    }
    if let Some(serde_json::Value::Array(fs)) = v.get("features") {
        for (i, f) in fs.iter().enumerate() {
            let kind = f.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            if kind == "bgnbd" {
                return Err(unsupported(format!("features[{i}] of kind `bgnbd` ({BGNBD_WHY})")));
            }
            if !FEATURE_KINDS.contains(&kind) {
                return Err(unsupported(format!("features[{i}] of kind `{kind}`")));
            }
        }
    }
    Ok(())
}

/// Day number of `s` (already validated by the spec).
fn day(s: &str) -> Result<i32, SqlError> {
    churn_core::date::parse_date(s).ok_or_else(|| SqlError::Internal(format!("date '{s}'")))
}

/// Days of activity before a snapshot the look-back join reads: the plan's look-back, and the
/// windowed purchase-cycle statistics (the plan counts them as whole-history).
fn lookback(plan: &PlanView) -> i32 {
    let mut lookback = plan.lookback;
    for (op, _) in &plan.ops {
        if let OpView::Cycle { stat, .. } = op {
            lookback = lookback.max(match *stat {
                CycleView::ActiveDays(x) | CycleView::ValueSum(x) | CycleView::ValueMean(x) => x,
                CycleView::ValueTrend(n, p) => n * p,
                _ => 0,
            });
        }
    }
    lookback
}

/// The snapshot rows of a spec without subscriptions (`z_snap`: account, date, label, first
/// counted activity), as `churn_features` chooses them: the population at `t` is every account
/// with counted activity (`label.events`) before `t`, within `active_within_days` when given;
/// churned = no counted activity in `[t + lead, t + lead + horizon)` before `data_end`; a
/// window reaching past `data_end` without such activity is censored.
fn inactivity_snapshots(
    w: &mut String,
    spec: &FeatureSpec,
    plan: &PlanView,
    d: Dialect,
    act_cte: &str,
    we: &str,
) -> Result<(), SqlError> {
    let int = d.int_type();
    let labels = spec.mode == Mode::Training;
    let lead = spec.label.lead_days as i64;
    w.push_str("WITH ");
    w.push_str(act_cte);
    let counted = if plan.label_chans.is_empty() {
        String::new()
    } else {
        let ids: Vec<String> = plan.label_chans.iter().map(|&c| d.string(&plan.type_ids[c])).collect();
        format!(" WHERE z_ty IN ({})", ids.join(", "))
    };
    let _ = write!(w, "z_cnt AS (\n  SELECT z_a, z_d FROM z_act{counted} GROUP BY z_a, z_d\n),\n");
    let _ = write!(w, "z_first AS (\n  SELECT z_a, MIN(z_d) AS z_fs FROM z_cnt GROUP BY z_a\n),\n");
    let dates = spec.common_dates()?.ok_or_else(|| SqlError::Internal("anniversary without subscriptions".into()))?;
    let vals = if dates.is_empty() {
        format!("SELECT CAST(NULL AS {int}) AS z_t FROM z_first WHERE 1 = 0")
    } else {
        dates.iter().map(|t| format!("SELECT CAST({t} AS {int}) AS z_t")).collect::<Vec<_>>().join(" UNION ALL ")
    };
    let _ = write!(w, "z_dates AS (\n  {vals}\n),\n");
    let _ = write!(
        w,
        "z_cand AS (\n  SELECT f.z_a, z_dates.z_t, f.z_fs FROM z_first f CROSS JOIN z_dates WHERE f.z_fs < z_dates.z_t\n),\n"
    );
    let within = spec.population.as_ref().and_then(|p| p.active_within_days);
    let data_end = plan.data_end;
    let mut cols = Vec::new();
    let mut keep = Vec::new();
    if let Some(wd) = within {
        cols.push(format!("MAX(CASE WHEN k.z_d >= c.z_t - {wd} AND k.z_d < c.z_t THEN 1 ELSE 0 END) AS z_pop"));
        keep.push("z_pop = 1".to_string());
    }
    let churned = if labels {
        let de = data_end.ok_or_else(|| SqlError::Internal("data_end".into()))?;
        cols.push(format!(
            "MAX(CASE WHEN k.z_d >= c.z_t + {lead} AND k.z_d < c.z_we AND k.z_d < {de} THEN 1 ELSE 0 END) AS z_seen"
        ));
        if spec.label.censored == Censored::Drop {
            keep.push(format!("NOT (z_seen = 0 AND z_we > {de})"));
        }
        "1 - z_seen"
    } else {
        "0"
    };
    if cols.is_empty() {
        let _ = write!(w, "z_snap AS (\n  SELECT z_a, z_t, 0 AS z_churned, z_fs FROM z_cand\n),\n");
        return Ok(());
    }
    let lo = match within {
        Some(wd) => format!("c.z_t - {wd}"),
        None => format!("c.z_t + {lead}"),
    };
    let hi = if labels { "c.z_we".to_string() } else { "c.z_t".to_string() };
    let _ = write!(
        w,
        "z_lab AS (\n  SELECT c.z_a, c.z_t, c.z_fs, c.z_we,\n    {}\n  FROM (SELECT c.z_a, c.z_t, c.z_fs, {we} AS z_we FROM z_cand c) c LEFT JOIN z_cnt k ON k.z_a = c.z_a AND k.z_d >= {lo} AND k.z_d < {hi}\n  GROUP BY c.z_a, c.z_t, c.z_fs, c.z_we\n),\n",
        cols.join(",\n    ")
    );
    let cond = if keep.is_empty() { String::new() } else { format!(" WHERE {}", keep.join(" AND ")) };
    let _ = write!(w, "z_snap AS (\n  SELECT z_a, z_t, {churned} AS z_churned, z_fs FROM z_lab{cond}\n),\n");
    Ok(())
}

/// The running per-account aggregates over activity days and snapshots (`z_ev`, `z_ev1`,
/// `z_rec`): the last activity day of each channel in `need_recency`, and for the channels in
/// `need_cycle` the first and previous activity days and the running counts and values the
/// purchase-cycle statistics need. Returns the channels with a `z_last_` column.
fn recency_ctes(
    w: &mut String,
    d: Dialect,
    need_recency: Vec<usize>,
    need_cycle: &[usize],
    has_val: bool,
    chn: &dyn Fn(usize) -> String,
) -> Vec<usize> {
    let int = d.int_type();
    let mut need_last = need_recency.clone();
    for c in need_cycle {
        if !need_last.contains(c) {
            need_last.push(*c);
        }
    }
    let need_recency = need_last;
    if !need_recency.is_empty() {
        let zero_d = d.double(0.0);
        let cyc_day: String = need_cycle
            .iter()
            .map(|&c| {
                let c = chn(c);
                let vv = if has_val { format!(", z_v_{c} AS z_vv_{c}") } else { String::new() };
                format!(", CASE WHEN z_r_{c} > 0 THEN 1 ELSE 0 END AS z_n_{c}, z_r_{c} AS z_rr_{c}{vv}")
            })
            .collect();
        let cyc_snap: String = need_cycle
            .iter()
            .map(|&c| {
                let c = chn(c);
                let vv = if has_val { format!(", {zero_d} AS z_vv_{c}") } else { String::new() };
                format!(", CAST(0 AS {int}) AS z_n_{c}, CAST(0 AS {int}) AS z_rr_{c}{vv}")
            })
            .collect();
        let day_cols: String = need_recency
            .iter()
            .map(|&c| format!(", CASE WHEN z_r_{c} > 0 THEN z_d END AS z_l_{c}", c = chn(c)))
            .collect();
        let snap_cols: String =
            need_recency.iter().map(|&c| format!(", CAST(NULL AS {int}) AS z_l_{}", chn(c))).collect();
        let run = |f: &str, col: &str, name: &str| {
            format!(
            ", {f}({col}) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS {name}"
        )
        };
        let mut run_cols: String = need_recency
            .iter()
            .map(|&c| run("MAX", &format!("z_l_{}", chn(c)), &format!("z_last_{}", chn(c))))
            .collect();
        for &c in need_cycle {
            let c = chn(c);
            run_cols += &run("MIN", &format!("z_l_{c}"), &format!("z_first_{c}"));
            run_cols += &run("MAX", &format!("z_pv_{c}"), &format!("z_prev_{c}"));
            run_cols += &run("SUM", &format!("z_n_{c}"), &format!("z_n_{c}"));
            run_cols += &run("SUM", &format!("z_rr_{c}"), &format!("z_rr_{c}"));
            if has_val {
                run_cols += &run("SUM", &format!("z_vv_{c}"), &format!("z_vv_{c}"));
            }
        }
        let _ = write!(
        w,
        "z_ev AS (\n  SELECT z_a, 2 * z_d + 1 AS z_k, CAST(NULL AS {int}) AS z_t{day_cols}{cyc_day} FROM z_day\n  UNION ALL SELECT z_a, 2 * z_t AS z_k, z_t{snap_cols}{cyc_snap} FROM z_snap\n),\n"
    );
        let src = if need_cycle.is_empty() {
            "z_ev"
        } else {
            // The previous activity day of each activity day: its running maximum at a
            // snapshot is the second-to-last activity day before it.
            let prev: String = need_cycle
            .iter()
            .map(|&c| {
                format!(
                    ", CASE WHEN z_l_{c} IS NOT NULL THEN MAX(z_l_{c}) OVER (PARTITION BY z_a ORDER BY z_k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) END AS z_pv_{c}",
                    c = chn(c)
                )
            })
            .collect();
            let _ = write!(w, "z_ev1 AS (\n  SELECT z_ev.*{prev} FROM z_ev\n),\n");
            "z_ev1"
        };
        let _ = write!(
            w,
            "z_rec AS (\n  SELECT * FROM (SELECT z_a, z_t{run_cols} FROM {src}) z_r0 WHERE z_t IS NOT NULL\n),\n"
        );
    }
    need_recency
}

/// The final `SELECT`: id, snapshot date, every planned column in order (and the label when
/// training), from the snapshots joined to the CTEs the features need.
#[allow(clippy::too_many_arguments)]
fn final_select(
    w: &mut String,
    spec: &FeatureSpec,
    plan: &PlanView,
    d: Dialect,
    exprs: &[String],
    has_w: bool,
    need_recency: &[usize],
    need_median: &[usize],
    chn: &dyn Fn(usize) -> String,
) -> Result<(), SqlError> {
    let q = |s: &str| d.ident(s);
    let int = d.int_type();
    let labels = spec.mode == Mode::Training;
    let mut sel =
        vec![format!("s.z_a AS {}", q(spec.id_column())), format!("{} AS {}", d.date_of("s.z_t"), q("snapshot_date"))];
    for (c, src) in plan.columns.iter().zip(&plan.sources) {
        let e = match src {
            SourceView::Num(i) => exprs[*i].clone(),
            SourceView::SubAttr(i) => format!("sa.z_attr{i}"),
            SourceView::Static(t, ci) => format!("st{t}.z_c{ci}"),
            SourceView::Unsupported => return Err(SqlError::Internal("source".into())),
        };
        sel.push(format!("{e} AS {}", q(&c.name)));
    }
    if labels {
        sel.push(format!("CAST(s.z_churned AS {int}) AS {}", q(churn_features::LABEL_COLUMN)));
    }
    let mut from = "z_snap s".to_string();
    if has_w {
        from += "\n  LEFT JOIN z_win w ON w.z_a = s.z_a AND w.z_t = s.z_t";
    }
    if !need_recency.is_empty() {
        from += "\n  LEFT JOIN z_rec r ON r.z_a = s.z_a AND r.z_t = s.z_t";
    }
    for &ch in need_median {
        let c = chn(ch);
        from += &format!("\n  LEFT JOIN z_md_{c} md_{c} ON md_{c}.z_a = s.z_a AND md_{c}.z_t = s.z_t");
    }
    if !plan.sub_columns.is_empty() {
        from += "\n  LEFT JOIN z_sa sa ON sa.z_a = s.z_a AND sa.z_t = s.z_t";
    }
    for ti in 0..spec.statics.len() {
        from += &format!("\n  LEFT JOIN z_st{ti} st{ti} ON st{ti}.z_a = s.z_a");
    }
    let _ = write!(w, "SELECT\n  {}\nFROM {from}\nORDER BY 1, 2\n", sel.join(",\n  "));
    Ok(())
}

/// The snapshot rows of a subscription business (`WITH z_sub0 ... z_snap`): subscription rows,
/// active periods (gaps up to `max_gap_days` bridged), candidate dates (common dates or monthly
/// anniversaries), then alive rows and their labels.
fn subscription_snapshots(
    w: &mut String,
    spec: &FeatureSpec,
    plan: &PlanView,
    d: Dialect,
    subs_table: &str,
    we: &str,
) -> Result<(), SqlError> {
    let q = |s: &str| d.ident(s);
    let int = d.int_type();
    let big = "CAST(1099511627776 AS ".to_string() + int + ")"; // "open" end, past any date
    let s = &spec.subscriptions;
    let data_end = plan.data_end;
    let lead = spec.label.lead_days as i64;
    let labels = spec.mode == Mode::Training;
    // --- Subscription rows, active periods.
    let attrs: String =
        plan.sub_columns.iter().enumerate().map(|(i, c)| format!(", {} AS z_attr{i}", d.to_text(&q(c)))).collect();
    let attr_names: String = (0..plan.sub_columns.len()).map(|i| format!(", z_attr{i}")).collect();
    let _ = write!(
        w,
        "WITH z_sub0 AS (\n  SELECT {} AS z_a, {} AS z_s, {} AS z_e0{attrs}\n  FROM {}\n),\n",
        d.to_text(&q(&s.account)),
        d.day_of(&q(&s.start)),
        d.day_of(&q(&s.end)),
        subs_table
    );
    let (end_expr, filter) = match data_end {
        Some(de) => (format!("CASE WHEN z_e0 >= {de} THEN NULL ELSE z_e0 END"), format!(" WHERE z_s < {de}")),
        None => ("z_e0".to_string(), String::new()),
    };
    let _ = write!(w, "z_sub AS (\n  SELECT z_a, z_s, {end_expr} AS z_e{attr_names} FROM z_sub0{filter}\n),\n");
    let gap = s.max_gap_days;
    let _ = write!(
    w,
    "z_flag AS (\n  SELECT z_a, z_s, z_e, CASE WHEN z_pm IS NULL OR z_s > z_pm + {gap} THEN 1 ELSE 0 END AS z_new\n  FROM (SELECT z_a, z_s, z_e, MAX(COALESCE(z_e, {big})) OVER (PARTITION BY z_a ORDER BY z_s, z_e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS z_pm FROM z_sub) z_f0\n),\n"
);
    let _ = write!(
    w,
    "z_pid AS (\n  SELECT z_a, z_s, z_e, SUM(z_new) OVER (PARTITION BY z_a ORDER BY z_s, z_e ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS z_p FROM z_flag\n),\n"
);
    let _ = write!(
    w,
    "z_per AS (\n  SELECT z_a, MIN(z_s) AS z_ps, CASE WHEN MAX(COALESCE(z_e, {big})) >= {big} THEN NULL ELSE MAX(z_e) END AS z_pe\n  FROM z_pid GROUP BY z_a, z_p\n),\n"
);
    let _ = write!(w, "z_first AS (\n  SELECT z_a, MIN(z_s) AS z_fs FROM z_sub GROUP BY z_a\n),\n");

    // --- Candidate snapshot dates.
    match spec.common_dates()? {
        Some(dates) => {
            let vals = if dates.is_empty() {
                format!("SELECT CAST(NULL AS {int}) AS z_t FROM z_first WHERE 1 = 0")
            } else {
                dates
                    .iter()
                    .map(|t| format!("SELECT CAST({t} AS {int}) AS z_t"))
                    .collect::<Vec<_>>()
                    .join(" UNION ALL ")
            };
            let _ = write!(w, "z_dates AS (\n  {vals}\n),\n");
            let _ = write!(w, "z_cand AS (\n  SELECT z_first.z_a, z_dates.z_t FROM z_first CROSS JOIN z_dates\n),\n");
        }
        None => {
            let SnapshotSpec::Anniversary { start, end, offset_days, exclude_churned_on_or_before } = &spec.snapshots
            else {
                return Err(SqlError::Internal("snapshots".into()));
            };
            let (sd, ed) = (day(start)?, day(end)?);
            let off = offset_days.map(|o| o as i32).unwrap_or(lead as i32);
            let mi = |x: i32| {
                let (y, m, _) = civil_from_days(x);
                y * 12 + m as i32 - 1
            };
            let (mlo, mhi) = (mi(sd + off), mi(ed + off));
            let excl = match exclude_churned_on_or_before {
                Some(x) => format!(" WHERE NOT (z_pe IS NOT NULL AND z_pe <= {})", day(x)?),
                None => String::new(),
            };
            let m0 = d.month_index("z_ps");
            let _ = write!(
            w,
            "z_ann0 AS (\n  SELECT z_a, z_ps, z_pe, z_klo, z_khi FROM (SELECT z_a, z_ps, z_pe, GREATEST(1, {mlo} - {m0}) AS z_klo, {mhi} - {m0} AS z_khi FROM z_per{excl}) z_q WHERE z_klo <= z_khi\n),\n"
        );
            let _ = write!(
                w,
                "z_ann1 AS (\n  {}\n),\n",
                d.series_select("z_a, z_ps, z_pe", "z_ann0", "z_klo", "z_khi", "z_k")
            );
            let _ = write!(
                w,
                "z_ann2 AS (\n  SELECT z_a, z_pe, {} - {off} AS z_t FROM z_ann1\n),\n",
                d.add_months_day("z_ps", "z_k")
            );
            let _ = write!(
            w,
            "z_cand AS (\n  SELECT DISTINCT z_a, z_t FROM z_ann2 WHERE z_t >= {sd} AND z_t <= {ed} AND (z_pe IS NULL OR z_t <= z_pe)\n),\n"
        );
        }
    }

    // --- Alive rows and labels.
    let _ = write!(
    w,
    "z_lab AS (\n  SELECT c.z_a, c.z_t, c.z_we,\n    MAX(CASE WHEN p.z_ps < c.z_t AND (p.z_pe IS NULL OR c.z_t <= p.z_pe) THEN 1 ELSE 0 END) AS z_alive,\n    MAX(CASE WHEN p.z_pe >= c.z_t AND p.z_pe < c.z_t + {lead} THEN 1 ELSE 0 END) AS z_inlead,\n    MAX(CASE WHEN p.z_pe >= c.z_t + {lead} AND p.z_pe < c.z_we THEN 1 ELSE 0 END) AS z_churned\n  FROM (SELECT c.z_a, c.z_t, {we} AS z_we FROM z_cand c) c JOIN z_per p ON p.z_a = c.z_a\n  GROUP BY c.z_a, c.z_t, c.z_we\n),\n"
);
    let mut keep = vec!["z_alive = 1".to_string()];
    if labels {
        if lead > 0 {
            keep.push("z_inlead = 0".into());
        }
        if spec.label.censored == Censored::Drop {
            let de = data_end.ok_or_else(|| SqlError::Internal("data_end".into()))?;
            keep.push(format!("(z_churned = 1 OR z_we <= {de})"));
        }
    }
    let _ = write!(
    w,
    "z_snap AS (\n  SELECT l.z_a, l.z_t, l.z_churned, f.z_fs FROM z_lab l JOIN z_first f ON f.z_a = l.z_a WHERE {}\n),\n",
    keep.join(" AND ")
);
    Ok(())
}

/// Compiles `spec` for `dialect`, reading the tables named in `tables` (see [`table_names`]).
pub fn features_sql(
    spec: &FeatureSpec,
    dialect: Dialect,
    tables: &BTreeMap<String, String>,
) -> Result<String, SqlError> {
    features_sql_planned(&FeaturePlan::new(spec.clone())?, dialect, tables)
}

/// Compiles a validated plan for `dialect` (see [`features_sql`]).
pub fn features_sql_planned(
    planned: &FeaturePlan,
    dialect: Dialect,
    tables: &BTreeMap<String, String>,
) -> Result<String, SqlError> {
    let spec = planned.spec();
    check_known(spec, dialect)?;
    let plan: PlanView = planned.view();
    let q = |s: &str| dialect.ident(s);
    let d = dialect;
    let tbl = |n: &str| -> Result<String, SqlError> {
        tables.get(n).map(|t| d.table(t)).ok_or_else(|| SqlError::MissingTable { name: n.to_string() })
    };
    for (i, (op, _)) in plan.ops.iter().enumerate() {
        if let OpView::Unsupported { kind } = op {
            let name = plan
                .sources
                .iter()
                .position(|s| *s == SourceView::Num(i))
                .map(|c| plan.columns[c].name.clone())
                .unwrap_or_default();
            let why = if kind == "bgnbd" { format!(": {BGNBD_WHY}") } else { String::new() };
            return Err(SqlError::Unsupported { what: format!("feature `{name}` (kind `{kind}`{why})"), dialect });
        }
    }
    if let Some(c) = plan.sources.iter().position(|s| *s == SourceView::Unsupported) {
        return Err(SqlError::Unsupported { what: format!("column `{}`", plan.columns[c].name), dialect });
    }
    let usage = spec.activity.format == ActivityFormat::Usage;
    let has_val = spec.activity.value.is_some();
    let nty = plan.type_ids.len();
    let mut w = String::new();
    let a = &spec.activity;

    let inactivity = spec.subscriptions().is_none();
    let lead = spec.label.lead_days as i64;
    let labels = spec.mode == Mode::Training;
    let we = if labels {
        match (spec.label.horizon_months, spec.label.horizon_days) {
            (Some(m), _) => d.add_months_day(&format!("(c.z_t + {lead})"), &m.to_string()),
            (None, Some(h)) => format!("(c.z_t + {})", lead + h as i64),
            (None, None) => format!("(c.z_t + {})", lead + 30),
        }
    } else {
        "c.z_t".to_string()
    };
    let ty = d.to_text(&q(&a.type_column));
    let val = match &a.value {
        Some(v) => d.to_double(&q(v)),
        None => format!("CAST(NULL AS {})", d.double_type()),
    };
    let act_cte = || -> Result<String, SqlError> {
        Ok(format!(
            "z_act AS (\n  SELECT {} AS z_a, {} AS z_d, {ty} AS z_ty, {val} AS z_v FROM {}\n),\n",
            d.to_text(&q(&a.account)),
            d.day_of(&q(&a.time)),
            tbl("activity")?
        ))
    };
    if inactivity {
        inactivity_snapshots(&mut w, spec, &plan, d, &act_cte()?, &we)?;
    } else {
        subscription_snapshots(&mut w, spec, &plan, d, &tbl("subscriptions")?, &we)?;
        w.push_str(&act_cte()?);
    }

    // --- Account x day aggregate.
    let mut daily = vec!["COUNT(*) AS z_r_any".to_string()];
    if has_val {
        daily.push(format!("COALESCE(SUM(z_v), {}) AS z_v_any", d.double(0.0)));
    }
    for (i, id) in plan.type_ids.iter().enumerate() {
        let lit = d.string(id);
        daily.push(format!("SUM(CASE WHEN z_ty = {lit} THEN 1 ELSE 0 END) AS z_r_{i}"));
        if has_val {
            daily.push(format!("COALESCE(SUM(CASE WHEN z_ty = {lit} THEN z_v END), {}) AS z_v_{i}", d.double(0.0)));
        }
    }
    let _ = write!(
        w,
        "z_day AS (\n  SELECT z_a, z_d, {}\n  FROM z_act WHERE z_a IN (SELECT z_a FROM z_snap) GROUP BY z_a, z_d\n),\n",
        daily.join(", ")
    );
    let mut ex = Exprs::new(d, usage, has_val, nty);
    for (op, log1p) in &plan.ops {
        ex.push(op, *log1p)?;
    }
    let chn = |ch: usize| ex.chn(ch);
    let has_w = !ex.aggs.is_empty();
    if has_w {
        let cols: String = ex.aggs.iter().enumerate().map(|(i, e)| format!(",\n    {e} AS z_x{i}")).collect();
        let _ = write!(
            w,
            "z_win AS (\n  SELECT s.z_a, s.z_t{cols}\n  FROM z_snap s LEFT JOIN z_day dd ON dd.z_a = s.z_a AND dd.z_d >= s.z_t - {} AND dd.z_d < s.z_t\n  GROUP BY s.z_a, s.z_t\n),\n",
            lookback(&plan)
        );
    }
    let need_recency = recency_ctes(&mut w, d, ex.recency.clone(), &ex.cycle, has_val, &chn);
    for &ch in &ex.median {
        let c = chn(ch);
        let _ = write!(
            w,
            "z_gp_{c} AS (\n  SELECT z_a, z_d, z_d - z_pv AS z_g FROM (SELECT z_a, z_d, LAG(z_d) OVER (PARTITION BY z_a ORDER BY z_d) AS z_pv FROM z_day WHERE z_r_{c} > 0) z_g0 WHERE z_pv IS NOT NULL\n),\n"
        );
        let _ = write!(
            w,
            "z_md_{c} AS (\n  SELECT z_a, z_t, AVG({}) AS z_med FROM (SELECT s.z_a, s.z_t, g.z_g, ROW_NUMBER() OVER (PARTITION BY s.z_a, s.z_t ORDER BY g.z_g) AS z_rn, COUNT(*) OVER (PARTITION BY s.z_a, s.z_t) AS z_cn FROM z_snap s JOIN z_gp_{c} g ON g.z_a = s.z_a AND g.z_d < s.z_t) z_m0\n  WHERE z_rn = {} OR z_rn = {} GROUP BY z_a, z_t\n),\n",
            d.to_double("z_g"),
            d.idiv("z_cn + 1", "2"),
            d.idiv("z_cn + 2", "2")
        );
    }
    if !plan.sub_columns.is_empty() {
        // The subscription row starting last before t; of rows starting the same day, the one
        // ending last (an open end first): `churn features` takes the later row of the file,
        // which is the same row when the file lists same-day rows by end date.
        let pick: String = (0..plan.sub_columns.len()).map(|i| format!(", u.z_attr{i}")).collect();
        let keep: String = (0..plan.sub_columns.len()).map(|i| format!(", z_attr{i}")).collect();
        let _ = write!(
            w,
            "z_sa AS (\n  SELECT z_a, z_t{keep} FROM (SELECT s.z_a, s.z_t{pick}, ROW_NUMBER() OVER (PARTITION BY s.z_a, s.z_t ORDER BY u.z_s DESC, u.z_e DESC NULLS FIRST) AS z_rn FROM z_snap s JOIN z_sub u ON u.z_a = s.z_a AND u.z_s < s.z_t) z_s0 WHERE z_rn = 1\n),\n"
        );
    }
    for (ti, st) in spec.statics.iter().enumerate() {
        let cols: String =
            st.columns.iter().enumerate().map(|(ci, c)| format!(", {} AS z_c{ci}", d.to_text(&q(c)))).collect();
        let _ = write!(
            w,
            "z_st{ti} AS (\n  SELECT {} AS z_a{cols} FROM {}\n),\n",
            d.to_text(&q(&st.account)),
            tbl(&format!("static_{}", ti + 1))?
        );
    }
    // Drop the trailing ",\n" of the last CTE.
    w.truncate(w.len() - 2);
    w.push('\n');

    // --- The output.
    final_select(&mut w, spec, &plan, d, &ex.exprs, has_w, &need_recency, &ex.median, &chn)?;
    Ok(w)
}
