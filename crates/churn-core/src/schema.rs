//! Column types, their inference, identifier detection, and the label.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::date::parse_date;
use crate::error::{CoreError, Result};
use crate::table::{is_missing, parse_bool, parse_number, Table};

/// The type of a feature column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Real numbers.
    Numeric,
    /// Yes/no, true/false, y/n, t/f: read as 1/0.
    Boolean,
    /// Text categories, one-hot encoded.
    Categorical,
    /// Calendar dates (`YYYY-MM-DD`), read as days since 1970-01-01.
    Date,
}

impl ColumnKind {
    /// What a value of this kind looks like, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "a number",
            ColumnKind::Boolean => "a boolean (yes/no, true/false)",
            ColumnKind::Categorical => "a category",
            ColumnKind::Date => "a date (YYYY-MM-DD)",
        }
    }

    /// Parses one non-missing value of this kind into a number (categories are not numbers).
    pub fn parse(self, s: &str) -> Option<f64> {
        match self {
            ColumnKind::Numeric => parse_number(s),
            ColumnKind::Boolean => parse_bool(s).map(|b| b as u8 as f64),
            ColumnKind::Date => parse_date(s).map(f64::from),
            ColumnKind::Categorical => None,
        }
    }
}

/// Infers the kind of a column from its values (missing values ignored): boolean when every
/// value is a boolean word, numeric when every value is a number, date when every value is a
/// date, otherwise categorical. An all-missing column is categorical.
pub fn infer_kind<'a>(values: impl Iterator<Item = &'a str>) -> ColumnKind {
    let (mut num, mut boolean, mut date, mut any) = (true, true, true, false);
    for v in values.filter(|v| !is_missing(v)) {
        any = true;
        num = num && parse_number(v).is_some();
        boolean = boolean && parse_bool(v).is_some();
        date = date && parse_date(v).is_some();
        if !(num || boolean || date) {
            return ColumnKind::Categorical;
        }
    }
    if !any {
        ColumnKind::Categorical
    } else if boolean {
        ColumnKind::Boolean
    } else if num {
        ColumnKind::Numeric
    } else if date {
        ColumnKind::Date
    } else {
        ColumnKind::Categorical
    }
}

/// A feature column chosen for the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureColumn {
    /// Column name.
    pub name: String,
    /// Its type.
    pub kind: ColumnKind,
}

/// A column left out of the features, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    /// Column name.
    pub name: String,
    /// Why it is not a feature.
    pub reason: String,
}

/// Which columns play which role, from flags and `churn.toml`.
#[derive(Debug, Clone)]
pub struct Roles<'a> {
    /// The identifier column.
    pub id: Option<&'a str>,
    /// The label column (absent when scoring).
    pub label: Option<&'a str>,
    /// Columns to drop.
    pub drop: &'a [String],
    /// Identifier-like columns to keep.
    pub keep: &'a [String],
    /// Type overrides.
    pub overrides: &'a std::collections::BTreeMap<String, ColumnKind>,
}

static NO_OVERRIDES: std::collections::BTreeMap<String, ColumnKind> = std::collections::BTreeMap::new();

impl Default for Roles<'_> {
    fn default() -> Self {
        Roles { id: None, label: None, drop: &[], keep: &[], overrides: &NO_OVERRIDES }
    }
}

/// Chooses the feature columns of `table` and their kinds.
///
/// Named columns must exist (with a "did you mean" suggestion otherwise). Constant columns and
/// columns that look like identifiers or free text (nearly one distinct value per row) are
/// excluded and reported, unless listed in `keep` or given a type override.
pub fn choose_features(table: &Table, roles: &Roles<'_>) -> Result<(Vec<FeatureColumn>, Vec<Excluded>)> {
    for name in roles.id.iter().chain(roles.label.iter()) {
        table.column_index(name)?;
    }
    for name in roles.drop.iter().chain(roles.keep).chain(roles.overrides.keys()) {
        table.column_index(name)?;
    }
    let mut features = Vec::new();
    let mut excluded = Vec::new();
    for (j, name) in table.headers().iter().enumerate() {
        if Some(name.as_str()) == roles.id || Some(name.as_str()) == roles.label {
            continue;
        }
        if roles.drop.contains(name) {
            excluded.push(Excluded { name: name.clone(), reason: "dropped on request".into() });
            continue;
        }
        let values = || (0..table.n_rows()).map(move |i| table.field(i, j));
        let forced = roles.overrides.get(name).copied();
        let kind = match forced {
            Some(k) => {
                if k != ColumnKind::Categorical {
                    for i in 0..table.n_rows() {
                        let v = table.field(i, j);
                        if !is_missing(v) && k.parse(v).is_none() {
                            return Err(CoreError::BadValue {
                                path: table.path().into(),
                                line: table.line(i),
                                column: name.clone(),
                                value: v.to_string(),
                                expected: k.expected(),
                            });
                        }
                    }
                }
                k
            }
            // Numbers but for a few values: numeric, the others set aside (crate::unusable).
            None => match infer_kind(values()) {
                ColumnKind::Categorical if crate::unusable::mostly_numeric(values()) => ColumnKind::Numeric,
                k => k,
            },
        };
        let keep = forced.is_some() || roles.keep.contains(name);
        if !keep {
            if let Some(reason) = exclusion_reason(kind, values()) {
                excluded.push(Excluded { name: name.clone(), reason });
                continue;
            }
        }
        features.push(FeatureColumn { name: name.clone(), kind });
    }
    Ok((features, excluded))
}

fn exclusion_reason<'a>(kind: ColumnKind, values: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut distinct: HashSet<&str> = HashSet::new();
    let mut n = 0usize;
    let mut integers = true;
    for v in values.filter(|v| !is_missing(v)) {
        n += 1;
        distinct.insert(v.trim());
        if kind == ColumnKind::Numeric && integers {
            integers = parse_number(v).is_some_and(|x| x.fract() == 0.0);
        }
    }
    let d = distinct.len();
    if n == 0 {
        return Some("every value is missing".into());
    }
    if d == 1 {
        return Some("constant (a single value)".into());
    }
    let looks_unique = n >= 50 && d as f64 >= 0.9 * n as f64;
    match kind {
        ColumnKind::Categorical if looks_unique => Some(format!(
            "looks like an identifier or free text ({d} distinct values in {n} rows); list it under data.keep to use it"
        )),
        ColumnKind::Numeric if integers && n >= 50 && d == n => Some(format!(
            "looks like an identifier (a distinct whole number on each of {n} rows); list it under data.keep to use it"
        )),
        _ => None,
    }
}

/// How the label column maps to churned / retained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelSpec {
    /// Label column name.
    pub column: String,
    /// The value meaning churned.
    pub positive: String,
    /// The values meaning retained.
    pub negative: Vec<String>,
}

impl LabelSpec {
    /// Reads the label of every row of `table` under this spec.
    pub fn read(&self, table: &Table) -> Result<Vec<bool>> {
        let j = table.column_index(&self.column)?;
        let mut y = Vec::with_capacity(table.n_rows());
        for i in 0..table.n_rows() {
            let v = label_field(table, i, j, &self.column)?;
            if v == self.positive {
                y.push(true);
            } else if self.negative.iter().any(|n| n == v) {
                y.push(false);
            } else {
                return Err(CoreError::UnexpectedLabel {
                    path: table.path().into(),
                    line: table.line(i),
                    column: self.column.clone(),
                    value: v.to_string(),
                    positive: self.positive.clone(),
                    negative: quote_list(&self.negative),
                });
            }
        }
        let n_pos = y.iter().filter(|&&b| b).count();
        if n_pos == 0 || n_pos == y.len() {
            let value =
                if n_pos == 0 { self.negative.first().cloned().unwrap_or_default() } else { self.positive.clone() };
            return Err(CoreError::SingleClass { path: table.path().into(), column: self.column.clone(), value });
        }
        Ok(y)
    }
}

/// The label of row `i` (column `j`, named `column`), trimmed; missing is an error naming the
/// file and line.
fn label_field<'t>(table: &'t Table, i: usize, j: usize, column: &str) -> Result<&'t str> {
    let v = table.field(i, j).trim();
    if is_missing(v) {
        return Err(CoreError::MissingLabel { path: table.path().into(), line: table.line(i), column: column.into() });
    }
    Ok(v)
}

fn quote_list(v: &[String]) -> String {
    v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" or ")
}

/// Works out the label mapping of `column` in a training table.
///
/// With `positive` given, it must occur; with `negative` given, every other value must be one of
/// them. Without `negative`, exactly one other value must occur. Without `positive`, a
/// two-valued column whose values read as booleans or 0/1 takes the true / 1 value as churn.
pub fn resolve_label(
    table: &Table,
    column: &str,
    positive: Option<&str>,
    negative: Option<&[String]>,
) -> Result<LabelSpec> {
    let j = table.column_index(column)?;
    let mut values = BTreeSet::new();
    for i in 0..table.n_rows() {
        let v = label_field(table, i, j, column)?;
        if values.len() < 50 {
            values.insert(v.to_string());
        }
    }
    let listing = || quote_list(&values.iter().take(10).cloned().collect::<Vec<_>>()).replace(" or ", ", ");
    if let Some(p) = positive {
        if !values.contains(p) {
            return Err(CoreError::PositiveNotFound {
                path: table.path().into(),
                column: column.into(),
                positive: p.into(),
                values: listing(),
            });
        }
    }
    if values.len() == 1 {
        let value = values.into_iter().next().unwrap_or_default();
        return Err(CoreError::SingleClass { path: table.path().into(), column: column.into(), value });
    }
    let positive = match positive {
        Some(p) => p.to_string(),
        None => {
            let truthy: Vec<&String> =
                values.iter().filter(|v| parse_bool(v) == Some(true) || parse_number(v) == Some(1.0)).collect();
            if values.len() != 2 || truthy.len() != 1 {
                return Err(CoreError::AmbiguousLabel {
                    path: table.path().into(),
                    column: column.into(),
                    values: listing(),
                });
            }
            truthy[0].clone()
        }
    };
    let negative: Vec<String> = match negative {
        Some(n) => n.to_vec(),
        None => {
            let others: Vec<String> = values.iter().filter(|v| **v != positive).cloned().collect();
            if others.len() != 1 {
                return Err(CoreError::AmbiguousLabel {
                    path: table.path().into(),
                    column: column.into(),
                    values: listing(),
                });
            }
            others
        }
    };
    let spec = LabelSpec { column: column.into(), positive, negative };
    spec.read(table)?;
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn table(headers: &[&str], rows: &[&[&str]]) -> Table {
        Table::from_rows(
            "t.csv",
            headers.iter().map(|s| s.to_string()).collect(),
            &rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn infers_kinds() {
        assert_eq!(infer_kind(["1", "2.5", "", "NA"].into_iter()), ColumnKind::Numeric);
        assert_eq!(infer_kind(["Yes", "no", " "].into_iter()), ColumnKind::Boolean);
        assert_eq!(infer_kind(["True", "False"].into_iter()), ColumnKind::Boolean);
        assert_eq!(infer_kind(["0", "1"].into_iter()), ColumnKind::Numeric);
        assert_eq!(infer_kind(["2020-01-01", "2021-12-31"].into_iter()), ColumnKind::Date);
        assert_eq!(infer_kind(["DSL", "Fiber optic", "No"].into_iter()), ColumnKind::Categorical);
        assert_eq!(infer_kind(["1", "x"].into_iter()), ColumnKind::Categorical);
        assert_eq!(infer_kind(["", "NA"].into_iter()), ColumnKind::Categorical);
    }

    #[test]
    fn identifiers_and_constants_are_excluded() {
        let rows: Vec<Vec<String>> = (0..100)
            .map(|i| {
                vec![
                    format!("ID-{i:04}"),
                    format!("{}", 1000 + i * 7),
                    "x".into(),
                    format!("{}", i % 3),
                    (if i % 4 == 0 { "Yes" } else { "No" }).into(),
                ]
            })
            .collect();
        let t =
            Table::from_rows("t.csv", ["name", "num_id", "const", "level", "churn"].map(String::from).to_vec(), &rows);
        let overrides = BTreeMap::new();
        let roles = Roles { label: Some("churn"), overrides: &overrides, ..Default::default() };
        let (features, excluded) = choose_features(&t, &roles).unwrap();
        assert_eq!(features, vec![FeatureColumn { name: "level".into(), kind: ColumnKind::Numeric }]);
        let names: Vec<&str> = excluded.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["name", "num_id", "const"]);
        assert!(excluded[0].reason.contains("100 distinct values in 100 rows"));
        let keep = vec!["name".to_string()];
        let roles = Roles { label: Some("churn"), keep: &keep, overrides: &overrides, ..Default::default() };
        let (features, _) = choose_features(&t, &roles).unwrap();
        assert_eq!(features[0].name, "name");
    }

    #[test]
    fn override_checks_every_value() {
        let t = table(&["a", "y"], &[&["1", "0"], &["x", "1"]]);
        let overrides = BTreeMap::from([("a".to_string(), ColumnKind::Numeric)]);
        let roles = Roles { label: Some("y"), overrides: &overrides, ..Default::default() };
        let e = choose_features(&t, &roles).unwrap_err().to_string();
        assert_eq!(e, "t.csv line 3, column `a`: cannot read 'x' as a number");
    }

    #[test]
    fn label_resolution() {
        let t = table(&["y"], &[&["Yes"], &["No"], &["No"]]);
        let s = resolve_label(&t, "y", None, None).unwrap();
        assert_eq!((s.positive.as_str(), s.negative.clone()), ("Yes", vec!["No".to_string()]));
        assert_eq!(s.read(&t).unwrap(), vec![true, false, false]);
        let t = table(&["y"], &[&["1"], &["0"]]);
        assert_eq!(resolve_label(&t, "y", None, None).unwrap().positive, "1");
        let t = table(&["y"], &[&["Left"], &["Stayed"]]);
        assert!(matches!(resolve_label(&t, "y", None, None), Err(CoreError::AmbiguousLabel { .. })));
        assert_eq!(resolve_label(&t, "y", Some("Left"), None).unwrap().negative, vec!["Stayed".to_string()]);
        let e = resolve_label(&t, "y", Some("Churned"), None).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv: the positive value 'Churned' never occurs in label column `y` (values: 'Left', 'Stayed')"
        );
        let t = table(&["y"], &[&["No"], &["No"]]);
        let e = resolve_label(&t, "y", None, None).unwrap_err().to_string();
        assert!(e.contains("has a single class ('No')"), "{e}");
        let t = table(&["y"], &[&["Yes"], &["No"], &["Maybe"]]);
        let neg = vec!["No".to_string()];
        let e = resolve_label(&t, "y", Some("Yes"), Some(&neg)).unwrap_err().to_string();
        assert_eq!(e, "t.csv line 4, label column `y`: unexpected value 'Maybe' (expected 'Yes' for churn or 'No')");
        let t = table(&["y"], &[&["Yes"], &[""]]);
        assert_eq!(
            resolve_label(&t, "y", Some("Yes"), None).unwrap_err().to_string(),
            "t.csv line 3: the label column `y` is empty"
        );
    }
}
