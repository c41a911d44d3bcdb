//! Models with issue 13's parts: category churn rates (target statistics) compile to a lookup
//! CASE; a blend of learners is refused by name.

use std::path::Path;

use churn_model::target_stats::TargetStat;
use churn_model::{Blend, Learner, ModelFile};
use churn_sql::{model_sql, Dialect, SqlError};

fn golden() -> ModelFile {
    ModelFile::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/golden-v1.json")).unwrap()
}

#[test]
fn category_rates_compile_to_a_lookup_after_the_other_inputs() {
    let mut m = golden();
    let stat = TargetStat {
        name: "plan".into(),
        prior: 0.2,
        missing: 0.25,
        categories: [("basic".to_string(), 0.3), ("o'brien".to_string(), 0.125)].into_iter().collect(),
    };
    m.preprocessing = m.preprocessing.clone().with_target_stats(vec![stat]);
    let Learner::Logistic(l) = &mut m.learner else { panic!("the golden model is logistic") };
    l.coef.push(0.5);
    let width = m.preprocessing.width();
    let sql = model_sql(&m, Dialect::DuckDb, "input").unwrap();
    // The last input (z_x{width - 1}) is the rate of `plan`: missing first, then each category,
    // unseen ones at the prior; quotes in a category are escaped.
    let expr = format!("AS z_x{}", width - 1);
    assert!(sql.contains(&expr), "no input {expr}");
    let end = sql.find(&expr).unwrap();
    let case = sql[..end].trim_end().strip_suffix("END").unwrap().trim_end();
    let case = &case[case.rfind(",\n").unwrap() + 2..].trim_start();
    assert!(case.starts_with("CASE WHEN (\"plan\" IS NULL"), "{case}");
    let num = |v: f64| Dialect::DuckDb.double(v);
    assert!(case.contains(&format!("THEN {} WHEN", num(0.25))), "{case}");
    assert!(case.contains(&format!("= 'basic' THEN {}", num(0.3))), "{case}");
    assert!(case.contains(&format!("= 'o''brien' THEN {}", num(0.125))), "{case}");
    assert!(case.ends_with(&format!("ELSE {}", num(0.2))), "{case}");
}

#[test]
fn a_blend_is_refused_by_name() {
    let mut m = golden();
    let member = m.learner.clone();
    m.learner = Learner::Blend(Blend { intercept: 0.0, weights: vec![1.0], members: vec![member] });
    let e = model_sql(&m, Dialect::DuckDb, "input").unwrap_err();
    assert!(matches!(e, SqlError::Unsupported { .. }));
    assert!(e.to_string().contains("learner `blend`"), "{e}");
}

/// The new model-file fields are left out when unused: a model of before loads and writes
/// back to the same bytes.
#[test]
fn the_golden_model_writes_back_to_the_same_bytes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/golden-v1.json");
    assert_eq!(golden().to_json(), std::fs::read_to_string(path).unwrap());
}
