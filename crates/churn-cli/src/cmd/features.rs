//! `churn features`.

use crate::args::FeaturesArgs;

pub fn run(a: &FeaturesArgs) -> anyhow::Result<()> {
    if a.emit_sql {
        return super::sql::emit_features(a);
    }
    let out = a.out.as_ref().ok_or_else(|| anyhow::anyhow!("--out is required"))?;
    let summary = churn_features::run(&a.spec, a.data_dir.as_deref(), out)?;
    println!("{summary}");
    println!("features written to {} (dictionary: {})", out.display(), churn_features::dictionary_path(out).display());
    Ok(())
}
