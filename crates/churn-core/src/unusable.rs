//! Numeric columns with a few values that are not numbers.
//!
//! One `abc`, `inf` or `1,000` among thousands of numbers should not turn a column into
//! categories (a one-hot input per distinct number). A column whose non-missing values are
//! finite numbers for at least [`MOSTLY_NUMERIC_SHARE`] of them (and at least
//! [`MOSTLY_NUMERIC_MIN_ROWS`] numbers) is inferred numeric; training treats its other values
//! as missing and reports them ([`Unusable`], [`set_aside`]). Scoring reads such a value as
//! it reads any bad value of a numeric column: the row is rejected. Declaring the column's
//! type under `[columns]` in `churn.toml` overrides inference: `categorical` keeps the text,
//! `numeric` makes any such value an error naming its line.

use std::fmt;

use crate::excerpt::excerpt;
use crate::schema::{ColumnKind, FeatureColumn};
use crate::table::{is_missing, parse_number, Table};

/// Share of a column's non-missing values that must be finite numbers for it to be numeric
/// despite the others.
pub const MOSTLY_NUMERIC_SHARE: f64 = 0.95;
/// Numbers a column needs at least before a few other values are set aside.
pub const MOSTLY_NUMERIC_MIN_ROWS: usize = 20;

/// Whether a column that is not all numbers is numbers but for a few values: at least
/// [`MOSTLY_NUMERIC_MIN_ROWS`] finite numbers making at least [`MOSTLY_NUMERIC_SHARE`] of
/// the non-missing values.
pub fn mostly_numeric<'a>(values: impl Iterator<Item = &'a str>) -> bool {
    let (mut present, mut numbers) = (0usize, 0usize);
    for v in values.filter(|v| !is_missing(v)) {
        present += 1;
        numbers += parse_number(v).is_some() as usize;
    }
    numbers >= MOSTLY_NUMERIC_MIN_ROWS && numbers as f64 >= MOSTLY_NUMERIC_SHARE * present as f64
}

/// The values of one numeric column that are not finite numbers, set aside as missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Unusable {
    /// Column name.
    pub column: String,
    /// How many values were set aside.
    pub count: usize,
    /// Non-missing values of the column (numbers and set-aside ones).
    pub present: usize,
    /// File line of the first one.
    pub first_line: u64,
    /// The first one, as read.
    pub first_value: String,
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column `{}`: {} of {} values {} not a finite number, treated as missing (first: line {}, `{}`); \
             declare the column's type under [columns] in churn.toml to read it otherwise",
            self.column,
            self.count,
            self.present,
            if self.count == 1 { "is" } else { "are" },
            self.first_line,
            excerpt(&self.first_value)
        )
    }
}

/// Finds, in the numeric `features` of `table`, the values that are not finite numbers.
/// Returns a copy of the table with them emptied (`None` when there are none) and one report
/// per column concerned, in feature order.
pub fn set_aside(table: &Table, features: &[FeatureColumn]) -> crate::Result<(Option<Table>, Vec<Unusable>)> {
    let mut cells = Vec::new();
    let mut reports = Vec::new();
    for f in features.iter().filter(|f| f.kind == ColumnKind::Numeric) {
        let j = table.column_index(&f.name)?;
        let mut report: Option<Unusable> = None;
        let mut present = 0usize;
        for i in 0..table.n_rows() {
            let v = table.field(i, j);
            if is_missing(v) {
                continue;
            }
            present += 1;
            if parse_number(v).is_none() {
                cells.push((i, j));
                let r = report.get_or_insert_with(|| Unusable {
                    column: f.name.clone(),
                    count: 0,
                    present: 0,
                    first_line: table.line(i),
                    first_value: v.to_string(),
                });
                r.count += 1;
            }
        }
        if let Some(mut r) = report {
            r.present = present;
            reports.push(r);
        }
    }
    let cleaned = (!cells.is_empty()).then(|| table.with_cleared(&cells));
    Ok((cleaned, reports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{choose_features, Roles};
    use std::collections::BTreeMap;

    fn column(values: &[&str]) -> Table {
        let rows: Vec<Vec<String>> =
            values.iter().enumerate().map(|(i, v)| vec![i.to_string(), v.to_string()]).collect();
        Table::from_rows("t.csv", vec!["id".into(), "x".into()], &rows)
    }

    fn numbers(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{}", (i * 7) % 13)).collect()
    }

    #[test]
    fn the_share_and_the_minimum_decide() {
        // 19 numbers and one word: 95% but fewer than 20 numbers.
        let mut v = numbers(19);
        v.push("abc".into());
        assert!(!mostly_numeric(v.iter().map(String::as_str)));
        // 20 numbers and one word (95.2%), missing values not counted.
        v.push("7".into());
        v.push("NA".into());
        v.push("".into());
        assert!(mostly_numeric(v.iter().map(String::as_str)));
        // 40 numbers and three words: 93% < 95%.
        let mut w = numbers(40);
        w.extend(["a", "b", "inf"].map(String::from));
        assert!(!mostly_numeric(w.iter().map(String::as_str)));
        // 57 numbers and three: exactly 95%.
        let mut w = numbers(57);
        w.extend(["a", "1,000", "inf"].map(String::from));
        assert!(mostly_numeric(w.iter().map(String::as_str)));
    }

    #[test]
    fn a_few_bad_values_stay_numeric_and_are_set_aside() {
        let mut v = numbers(100);
        v[17] = "abc".into();
        v[40] = "1,000".into();
        v[41] = "inf".into();
        v[50] = "".into();
        let t = column(&v.iter().map(String::as_str).collect::<Vec<_>>());
        let none = BTreeMap::new();
        let roles = Roles { id: Some("id"), overrides: &none, ..Roles::default() };
        let (features, _) = choose_features(&t, &roles).unwrap();
        assert_eq!(features, vec![FeatureColumn { name: "x".into(), kind: ColumnKind::Numeric }]);
        let (cleaned, reports) = set_aside(&t, &features).unwrap();
        let cleaned = cleaned.unwrap();
        assert_eq!(
            reports,
            vec![Unusable { column: "x".into(), count: 3, present: 99, first_line: 19, first_value: "abc".into() }]
        );
        assert_eq!(
            reports[0].to_string().split(';').next().unwrap(),
            "column `x`: 3 of 99 values are not a finite number, treated as missing (first: line 19, `abc`)"
        );
        for (i, value) in v.iter().enumerate() {
            let expect = if [17, 40, 41, 50].contains(&i) { "" } else { value.as_str() };
            assert_eq!((cleaned.field(i, 1), cleaned.field(i, 0)), (expect, i.to_string().as_str()));
            assert_eq!(cleaned.line(i), t.line(i));
        }
        assert_eq!(cleaned.fingerprint(), t.fingerprint());
        // Declared categorical: the text is kept; declared numeric: the first bad value is an error.
        let cat = BTreeMap::from([("x".to_string(), ColumnKind::Categorical)]);
        let (f, _) = choose_features(&t, &Roles { id: Some("id"), overrides: &cat, ..Roles::default() }).unwrap();
        assert_eq!(f[0].kind, ColumnKind::Categorical);
        let (cleaned, reports) = set_aside(&t, &f).unwrap();
        assert!(cleaned.is_none() && reports.is_empty());
        let num = BTreeMap::from([("x".to_string(), ColumnKind::Numeric)]);
        let e = choose_features(&t, &Roles { id: Some("id"), overrides: &num, ..Roles::default() }).unwrap_err();
        assert!(e.to_string().contains("line 19"), "{e}");
    }

    #[test]
    fn text_columns_stay_categorical() {
        let v: Vec<String> = (0..100).map(|i| if i % 10 == 0 { "x".into() } else { (i % 20).to_string() }).collect();
        let t = column(&v.iter().map(String::as_str).collect::<Vec<_>>());
        let (features, _) = choose_features(&t, &Roles { id: Some("id"), ..Roles::default() }).unwrap();
        assert_eq!(features[0].kind, ColumnKind::Categorical); // 90% numbers
    }
}
