//! A model compiled to one SQL query over a table of its input columns: preprocessing
//! (imputation, standardisation, one-hot encoding), the learner (logistic regression, or trees
//! as nested CASE expressions), Platt calibration, risk tier and health state, as
//! `churn score` computes them.

use std::fmt::Write;

use churn_core::bands::Bands;
use churn_core::schema::ColumnKind;
use churn_learn::{Tree, PROB_EPS};
use churn_model::preprocess::ColumnTransform;
use churn_model::{Learner, ModelFile};

use crate::{Dialect, SqlError};

/// Model-file fields this generator knows; a model with any other field (a part added to the
/// format later) is refused with its name, never scored without it.
const MODEL_KEYS: &[&str] = &[
    "format",
    "format_version",
    "toolkit_version",
    "model_id",
    "name",
    "version",
    "schema",
    "preprocessing",
    "inputs",
    "input_means",
    "learner",
    "calibrator",
    "tiers",
    "health_states",
    "training",
    "profile",
    "features",
    // The sketch of the training rows (honesty warnings of `evaluate` and `report`): metadata,
    // not read by scoring.
    "training_rows",
];

fn check_known(model: &ModelFile, dialect: Dialect) -> Result<(), SqlError> {
    let v = serde_json::to_value(model).map_err(|e| SqlError::Internal(e.to_string()))?;
    if let serde_json::Value::Object(m) = &v {
        for k in m.keys() {
            if !MODEL_KEYS.contains(&k.as_str()) {
                return Err(SqlError::Unsupported { what: format!("model field `{k}`"), dialect });
            }
        }
    }
    Ok(())
}

/// The SQL of one preprocessed input (a DOUBLE expression over the input table's columns).
struct Inputs {
    exprs: Vec<String>,
    /// Rows that `churn score` would reject (an unreadable boolean): the query returns a NULL
    /// probability for them.
    bad: Vec<String>,
}

fn missing(d: Dialect, col: &str) -> String {
    format!("({col} IS NULL OR LOWER({}) IN ('', 'na', 'n/a', 'nan', 'null'))", d.to_text(col))
}

fn inputs(model: &ModelFile, d: Dialect) -> Result<Inputs, SqlError> {
    let mut out = Inputs { exprs: Vec::new(), bad: Vec::new() };
    let one = d.double(1.0);
    let zero = d.double(0.0);
    for t in &model.preprocessing.columns {
        let col = d.ident(t.name());
        let miss = missing(d, &col);
        // Matched one by one: an encoding added later is refused, not guessed.
        if let ColumnTransform::Scaled { kind, median, mean, std, missing_indicator, .. } = t {
            let x = match kind {
                ColumnKind::Numeric => d.to_double(&col),
                ColumnKind::Date => d.to_double(&d.day_of(&col)),
                ColumnKind::Boolean => {
                    let txt = format!("LOWER({})", d.to_text(&col));
                    out.bad.push(format!(
                        "(NOT {miss} AND {txt} NOT IN ('true', 'yes', 't', 'y', 'false', 'no', 'f', 'n'))"
                    ));
                    format!("CASE WHEN {txt} IN ('true', 'yes', 't', 'y') THEN {one} ELSE {zero} END")
                }
                ColumnKind::Categorical => {
                    return Err(SqlError::Unsupported {
                        what: format!("scaled categorical column `{}`", t.name()),
                        dialect: d,
                    })
                }
            };
            out.exprs.push(format!(
                "(CASE WHEN {miss} THEN {} ELSE {x} END - {}) / {}",
                d.double(*median),
                d.double(*mean),
                d.double(*std)
            ));
            if *missing_indicator {
                out.exprs.push(format!("CASE WHEN {miss} THEN {one} ELSE {zero} END"));
            }
            continue;
        }
        if let ColumnTransform::OneHot { categories, missing_category, .. } = t {
            let v = d.to_text(&col);
            let other = categories.len() + *missing_category as usize;
            for (i, c) in categories.iter().enumerate() {
                out.exprs.push(format!("CASE WHEN NOT {miss} AND {v} = {} THEN {one} ELSE {zero} END", d.string(c)));
                let _ = i;
            }
            if *missing_category {
                out.exprs.push(format!("CASE WHEN {miss} THEN {one} ELSE {zero} END"));
            }
            let known: Vec<String> = categories.iter().map(|c| d.string(c)).collect();
            let in_known =
                if known.is_empty() { "1 = 0".to_string() } else { format!("{v} IN ({})", known.join(", ")) };
            let miss_goes_other = if *missing_category { "1 = 0".to_string() } else { miss.clone() };
            out.exprs.push(format!(
                "CASE WHEN {miss_goes_other} OR (NOT {miss} AND NOT ({in_known})) THEN {one} ELSE {zero} END"
            ));
            debug_assert_eq!(other + 1, t.width());
            continue;
        }
        return Err(SqlError::Unsupported { what: format!("the encoding of column `{}`", t.name()), dialect: d });
    }
    // Target statistics (smoothed churn rate of each category), after every column's inputs:
    // a lookup CASE, unseen categories at the prior.
    for s in &model.preprocessing.target_stats {
        let col = d.ident(&s.name);
        let v = d.to_text(&col);
        let mut e = format!("CASE WHEN {} THEN {}", missing(d, &col), d.double(s.missing));
        for (c, rate) in &s.categories {
            let _ = write!(e, " WHEN {v} = {} THEN {}", d.string(c), d.double(*rate));
        }
        let _ = write!(e, " ELSE {} END", d.double(s.prior));
        out.exprs.push(e);
    }
    Ok(out)
}

/// A tree as nested CASE expressions over the inputs `z_x{j}`.
fn tree_sql(t: &Tree, d: Dialect, out: &mut String) {
    fn node(t: &Tree, i: i32, d: Dialect, out: &mut String) {
        if i < 0 {
            out.push_str(&d.double(t.leaf_value[!i as usize]));
            return;
        }
        let n = &t.nodes[i as usize];
        let x = format!("z_x{}", n.feature);
        let (first, second) = if n.default_left { (n.left, n.right) } else { (n.right, n.left) };
        // NULL (never produced by the preprocessing, kept for NaN's rule) goes the default way.
        let cond = if n.default_left {
            format!("{x} IS NULL OR {x} <= {}", d.double(n.threshold))
        } else {
            format!("{x} IS NULL OR {x} > {}", d.double(n.threshold))
        };
        out.push_str("CASE WHEN ");
        out.push_str(&cond);
        out.push_str(" THEN ");
        node(t, first, d, out);
        out.push_str(" ELSE ");
        node(t, second, d, out);
        out.push_str(" END");
    }
    if t.nodes.is_empty() {
        out.push_str(&d.double(t.leaf_value[0]));
    } else {
        node(t, 0, d, out);
    }
}

fn logit_clipped(d: Dialect, p: &str) -> String {
    let c = format!("LEAST(GREATEST({p}, {}), {})", d.double(PROB_EPS), d.double(1.0 - PROB_EPS));
    format!("LN({c} / ({} - {c}))", d.double(1.0))
}

fn raw_score(model: &ModelFile, d: Dialect, n_inputs: usize) -> Result<String, SqlError> {
    let l = &model.learner;
    if let Learner::Logistic(m) = l {
        if m.coef.len() != n_inputs {
            return Err(SqlError::Internal("coefficients and inputs differ".into()));
        }
        let mut s = d.double(m.intercept);
        for (j, c) in m.coef.iter().enumerate() {
            let _ = write!(s, "\n    + {} * z_x{j}", d.double(*c));
        }
        return Ok(s);
    }
    if let Learner::Gbdt(m) = l {
        let mut s = d.double(m.init_score);
        for t in &m.trees {
            s.push_str("\n    + (");
            tree_sql(t, d, &mut s);
            s.push(')');
        }
        return Ok(s);
    }
    if let Learner::Forest(m) = l {
        if m.trees.is_empty() {
            return Err(SqlError::Internal("a forest without trees".into()));
        }
        let mut s = String::from("(");
        for (i, t) in m.trees.iter().enumerate() {
            s.push_str(if i == 0 { "\n    (" } else { "\n    + (" });
            tree_sql(t, d, &mut s);
            s.push(')');
        }
        let _ = write!(s, ") / {}", d.double(m.trees.len() as f64));
        return Ok(logit_clipped(d, &s));
    }
    if let Learner::Tree(m) = l {
        let mut s = String::new();
        tree_sql(&m.tree, d, &mut s);
        return Ok(logit_clipped(d, &format!("({s})")));
    }
    Err(SqlError::Unsupported { what: format!("learner `{}`", l.name()), dialect: d })
}

/// `CASE` naming the band of `value` as `Bands::index_of` does (highest band first, values
/// below every band in the lowest).
fn band_sql(b: &Bands, value: &str, d: Dialect) -> String {
    let bands = b.bands();
    let mut s = String::from("CASE");
    for band in &bands[..bands.len() - 1] {
        let _ = write!(s, " WHEN {value} >= {} THEN {}", d.double(band.min), d.string(&band.name));
    }
    let _ = write!(s, " ELSE {} END", d.string(&bands[bands.len() - 1].name));
    s
}

/// Compiles `model` for `dialect`: one query over `table` (a possibly qualified name) holding
/// the model's input columns, returning the id column (when the model has one),
/// `churn_probability`, `risk_tier`, `health_score`, `health_state`, `model_id` and
/// `model_version`, in the table's row order when the engine keeps it (no ORDER BY).
pub fn model_sql(model: &ModelFile, dialect: Dialect, table: &str) -> Result<String, SqlError> {
    let d = dialect;
    if table.is_empty() || table.split('.').any(|p| p.is_empty()) {
        return Err(SqlError::BadTableName { name: "input".into(), value: table.into() });
    }
    check_known(model, d)?;
    let inp = inputs(model, d)?;
    let raw = raw_score(model, d, inp.exprs.len())?;
    let id = model.schema.id.as_ref().map(|c| d.ident(c));
    let mut w = String::new();
    let bad = if inp.bad.is_empty() { "1 = 0".to_string() } else { inp.bad.join(" OR ") };
    let _ = write!(w, "WITH z_x AS (\n  SELECT {}", id.clone().map(|c| format!("{c} AS z_id, ")).unwrap_or_default());
    let _ = write!(w, "CASE WHEN {bad} THEN 1 ELSE 0 END AS z_bad");
    for (j, e) in inp.exprs.iter().enumerate() {
        let _ = write!(w, ",\n    {e} AS z_x{j}");
    }
    let _ = write!(w, "\n  FROM {}\n),\n", d.table(table));
    let _ = write!(
        w,
        "z_raw AS (\n  SELECT {}z_bad, {} * ({raw}) + {} AS z_s FROM z_x\n),\n",
        if id.is_some() { "z_id, " } else { "" },
        d.double(model.calibrator.a),
        d.double(model.calibrator.b)
    );
    let _ = write!(
        w,
        "z_p AS (\n  SELECT {}CASE WHEN z_bad = 1 THEN NULL WHEN z_s < -709 THEN {} ELSE {} / ({} + EXP(-z_s)) END AS z_p FROM z_raw\n),\n",
        if id.is_some() { "z_id, " } else { "" },
        d.double(0.0),
        d.double(1.0),
        d.double(1.0)
    );
    let _ = write!(
        w,
        "z_h AS (\n  SELECT {}z_p, ROUND({} * ({} - z_p) * 10, 0) / 10 AS z_h FROM z_p\n)\n",
        if id.is_some() { "z_id, " } else { "" },
        d.double(100.0),
        d.double(1.0)
    );
    let mut sel = Vec::new();
    if let (Some(c), Some(name)) = (&id, &model.schema.id) {
        let _ = c;
        sel.push(format!("z_id AS {}", d.ident(name)));
    }
    sel.push(format!("z_p AS {}", d.ident("churn_probability")));
    sel.push(format!(
        "CASE WHEN z_p IS NULL THEN NULL ELSE {} END AS {}",
        band_sql(&model.tiers, "z_p", d),
        d.ident("risk_tier")
    ));
    sel.push(format!("z_h AS {}", d.ident("health_score")));
    sel.push(format!(
        "CASE WHEN z_h IS NULL THEN NULL ELSE {} END AS {}",
        band_sql(&model.health_states, "z_h", d),
        d.ident("health_state")
    ));
    sel.push(format!("{} AS {}", d.string(&model.model_id), d.ident("model_id")));
    sel.push(format!("{} AS {}", d.string(&model.version), d.ident("model_version")));
    let _ = write!(w, "SELECT\n  {}\nFROM z_h\n", sel.join(",\n  "));
    Ok(w)
}
