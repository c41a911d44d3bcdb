//! `churn features --emit-sql` and `churn export-sql`: specs and models compiled to SQL.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::args::FeaturesArgs;

/// `churn export-sql`.
#[derive(Debug, Args)]
pub struct ExportSqlArgs {
    /// The model file.
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// SQL dialect.
    #[arg(long, value_name = "DIALECT", ignore_case = true, value_parser = crate::values::one_of::<churn_sql::Dialect>(churn_sql::DIALECTS))]
    pub dialect: churn_sql::Dialect,
    /// The table holding the model's input columns.
    #[arg(long, value_name = "TABLE", default_value = "input")]
    pub table: String,
    /// The SQL file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

fn write_sql(sql: &str, out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(p) => {
            churn_core::output::write_atomic(p, sql.as_bytes())
                .with_context(|| format!("cannot write {}", p.display()))?;
            eprintln!("SQL written to {}", p.display());
        }
        None => print!("{sql}"),
    }
    Ok(())
}

pub fn emit_features(a: &FeaturesArgs) -> anyhow::Result<()> {
    let dialect = a.dialect.ok_or_else(|| anyhow::anyhow!("--emit-sql needs --dialect"))?;
    let plan = churn_features::load_plan(&a.spec)?;
    let tables = churn_sql::table_names(plan.spec(), &a.tables)?;
    let sql = churn_sql::features_sql_planned(&plan, dialect, &tables)?;
    write_sql(&sql, a.out.as_deref())
}

pub fn export(a: &ExportSqlArgs) -> anyhow::Result<()> {
    let dialect = a.dialect;
    let model = churn_model::ModelFile::load(&a.model)?;
    if model.survival.is_some() {
        anyhow::bail!(
            "{}: export-sql does not compile survival models (trained with --time) yet; score them with `churn score`",
            a.model.display()
        );
    }
    let sql = churn_sql::model_sql(&model, dialect, &a.table)?;
    write_sql(&sql, Some(&a.out))
}
