//! Typed command-line values: each argument that is a closed set or a structured value is
//! parsed by clap into the library's own type (parse), cross-argument rules are checked
//! before any file is read (validate, [`crate::args::Cli::validate`]), then the command runs.
//! A bad value is clap's usage error (exit 2) naming the argument and what it takes. The names
//! come from the libraries (`ModelKind::ALL`, `SelectBy::ALL`, `DIALECTS`, ...), never listed here.

use std::str::FromStr;

use churn_model::ModelKind;
use clap::builder::{PossibleValuesParser, TypedValueParser};

/// A closed set of names, parsed by the library type's own `FromStr`; clap lists the names in
/// `--help`, in completions and in the error for a bad value (with the closest name).
pub fn one_of<T>(names: impl IntoIterator<Item = &'static str>) -> impl TypedValueParser<Value = T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Display,
{
    PossibleValuesParser::new(names).try_map(|s| s.parse::<T>().map_err(|e| e.to_string()))
}

/// One entry of `churn train --models`: `auto` (every family of the registry) or one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelChoice {
    /// Every family.
    Auto,
    /// One family.
    Kind(ModelKind),
}

/// `--models` entries: `auto` or a family name of churn-model's registry.
pub fn model_choice() -> impl TypedValueParser<Value = ModelChoice> {
    PossibleValuesParser::new(std::iter::once("auto").chain(ModelKind::ALL.iter().map(|k| k.name())))
        .map(|s| s.parse::<ModelKind>().map_or(ModelChoice::Auto, ModelChoice::Kind))
}

/// The families `--models` asks for: empty for `auto` (every family, as `TrainOptions::models`
/// takes it), else the listed ones in the order given.
pub fn model_kinds(choices: &[ModelChoice]) -> Vec<ModelKind> {
    choices
        .iter()
        .filter_map(|c| match c {
            ModelChoice::Auto => None,
            ModelChoice::Kind(k) => Some(*k),
        })
        .collect()
}

/// `churn train --cv-folds`: `auto`, `off` or K, as churn-train parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CvFolds(pub Option<usize>);

impl FromStr for CvFolds {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        churn_train::parse_cv_folds(s).map(CvFolds)
    }
}

/// `churn features --table NAME=TABLE`.
pub fn table_rename(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) => Ok((k.trim().to_string(), v.trim().to_string())),
        None => Err(format!("'{s}': expected NAME=TABLE, e.g. activity=db.events")),
    }
}

/// A date `YYYY-MM-DD` (`churn score --as-of`), checked at parse time and kept as written.
pub fn date(s: &str) -> Result<String, String> {
    churn_core::date::parse_date(s).map(|_| s.to_string()).ok_or_else(|| format!("'{s}': expected a date YYYY-MM-DD"))
}

/// What `churn simulate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SimKind {
    // Subscriptions and usage (no doc comment: `--help` keeps its one line of possible values).
    Saas,
    // A shop's purchase log without subscriptions.
    Transactions,
}
