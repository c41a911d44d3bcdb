//! What differs between the SQL engines: quoting, types, date arithmetic, integer division
//! and array generation. Everything else the generator emits is common SQL.

use std::fmt;
use std::str::FromStr;

use crate::SqlError;

/// A target SQL engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB.
    DuckDb,
    /// Apache Spark SQL (3.x / 4.x, ANSI mode on or off).
    Spark,
    /// Google BigQuery (GoogleSQL).
    BigQuery,
    /// Snowflake.
    Snowflake,
}

/// The dialect names, as the command line takes them.
pub const DIALECTS: [&str; 4] = ["duckdb", "spark", "bigquery", "snowflake"];

impl FromStr for Dialect {
    type Err = SqlError;
    fn from_str(s: &str) -> Result<Dialect, SqlError> {
        match s.to_ascii_lowercase().as_str() {
            "duckdb" => Ok(Dialect::DuckDb),
            "spark" => Ok(Dialect::Spark),
            "bigquery" => Ok(Dialect::BigQuery),
            "snowflake" => Ok(Dialect::Snowflake),
            _ => Err(SqlError::UnknownDialect { value: s.to_string(), valid: DIALECTS.join(", ") }),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::BigQuery => "bigquery",
            Dialect::Snowflake => "snowflake",
        })
    }
}

impl Dialect {
    /// A quoted identifier: any text (spaces, quotes, keywords) is a name, never SQL.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Snowflake => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::BigQuery => {
                format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`").replace('\n', "\\n"))
            }
        }
    }

    /// A possibly qualified table name (`db.events`): each part quoted.
    pub fn table(self, name: &str) -> String {
        name.split('.').map(|p| self.ident(p)).collect::<Vec<_>>().join(".")
    }

    /// A string literal.
    pub fn string(self, s: &str) -> String {
        match self {
            Dialect::DuckDb => format!("'{}'", s.replace('\'', "''")),
            Dialect::Snowflake => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''").replace('\n', "\\n")),
            Dialect::Spark | Dialect::BigQuery => {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'").replace('\n', "\\n").replace('\r', "\\r"))
            }
        }
    }

    /// A double literal (finite).
    pub fn double(self, v: f64) -> String {
        format!("CAST({v:e} AS {})", self.double_type())
    }

    /// The 64-bit float type.
    pub fn double_type(self) -> &'static str {
        match self {
            Dialect::BigQuery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// The 64-bit integer type.
    pub fn int_type(self) -> &'static str {
        match self {
            Dialect::BigQuery => "INT64",
            _ => "BIGINT",
        }
    }

    /// The string type.
    pub fn text_type(self) -> &'static str {
        match self {
            Dialect::Spark | Dialect::BigQuery => "STRING",
            _ => "VARCHAR",
        }
    }

    /// `CAST(e AS DOUBLE)`.
    pub fn to_double(self, e: &str) -> String {
        format!("CAST({e} AS {})", self.double_type())
    }

    /// `e` as trimmed text.
    pub fn to_text(self, e: &str) -> String {
        format!("TRIM(CAST({e} AS {}))", self.text_type())
    }

    /// Day number (days since 1970-01-01) of a DATE, TIMESTAMP or `YYYY-MM-DD...` value.
    pub fn day_of(self, e: &str) -> String {
        match self {
            Dialect::DuckDb => format!("date_diff('day', DATE '1970-01-01', CAST({e} AS DATE))"),
            Dialect::Spark => format!("datediff(CAST({e} AS DATE), DATE '1970-01-01')"),
            Dialect::BigQuery => format!("UNIX_DATE(CAST({e} AS DATE))"),
            Dialect::Snowflake => format!("DATEDIFF(day, DATE '1970-01-01', CAST({e} AS DATE))"),
        }
    }

    /// The DATE of a day number.
    pub fn date_of(self, e: &str) -> String {
        match self {
            Dialect::DuckDb => format!("CAST(DATE '1970-01-01' + CAST({e} AS INTEGER) AS DATE)"),
            Dialect::Spark => format!("date_add(DATE '1970-01-01', CAST({e} AS INT))"),
            Dialect::BigQuery => format!("DATE_FROM_UNIX_DATE({e})"),
            Dialect::Snowflake => format!("DATEADD(day, {e}, DATE '1970-01-01')"),
        }
    }

    /// Day number of `day + months` calendar months, the day of month clamped to the target
    /// month's length (as `churn_features::add_months`).
    pub fn add_months_day(self, day: &str, months: &str) -> String {
        let d = self.date_of(day);
        let shifted = match self {
            Dialect::DuckDb => format!("CAST({d} + to_months(CAST({months} AS INTEGER)) AS DATE)"),
            Dialect::Spark => format!("add_months({d}, CAST({months} AS INT))"),
            Dialect::BigQuery => format!("DATE_ADD({d}, INTERVAL {months} MONTH)"),
            Dialect::Snowflake => format!("DATEADD(month, {months}, {d})"),
        };
        self.day_of(&shifted)
    }

    /// Month index `year * 12 + month - 1` of a day number.
    pub fn month_index(self, day: &str) -> String {
        let d = self.date_of(day);
        format!("(EXTRACT(YEAR FROM {d}) * 12 + EXTRACT(MONTH FROM {d}) - 1)")
    }

    /// Integer division of a non-negative integer by a positive one.
    pub fn idiv(self, a: &str, b: &str) -> String {
        match self {
            Dialect::DuckDb => format!("(({a}) // ({b}))"),
            Dialect::Spark => format!("(({a}) div ({b}))"),
            Dialect::BigQuery => format!("DIV({a}, {b})"),
            Dialect::Snowflake => format!("FLOOR(({a}) / ({b}))"),
        }
    }

    /// `SELECT cols, k FROM src` with one row per integer `k` in `lo..=hi` (rows of `src` must
    /// have `lo <= hi`; `lo`, `hi` and `cols` name columns of `src`).
    pub fn series_select(self, cols: &str, src: &str, lo: &str, hi: &str, k: &str) -> String {
        match self {
            Dialect::DuckDb => format!("SELECT {cols}, unnest(generate_series({lo}, {hi})) AS {k} FROM {src}"),
            Dialect::Spark => format!("SELECT {cols}, explode(sequence({lo}, {hi})) AS {k} FROM {src}"),
            Dialect::BigQuery => {
                format!("SELECT {cols}, {k} FROM {src} CROSS JOIN UNNEST(GENERATE_ARRAY({lo}, {hi})) AS {k}")
            }
            Dialect::Snowflake => format!(
                "SELECT {cols}, CAST(z_g.value AS INTEGER) AS {k} FROM {src}, LATERAL FLATTEN(ARRAY_GENERATE_RANGE({lo}, {hi} + 1)) z_g"
            ),
        }
    }

    /// `ln(1 + x)` (natural logarithm).
    pub fn ln1p(self, x: &str) -> String {
        match self {
            Dialect::Spark => format!("log1p({x})"),
            _ => format!("LN(1 + {x})"),
        }
    }
}
