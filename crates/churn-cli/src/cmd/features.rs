//! `churn features`.

use crate::args::FeaturesArgs;

pub fn run(a: &FeaturesArgs) -> anyhow::Result<()> {
    let summary = churn_features::run(&a.spec, a.data_dir.as_deref(), &a.out)?;
    println!("{summary}");
    println!(
        "features written to {} (dictionary: {})",
        a.out.display(),
        churn_features::dictionary_path(&a.out).display()
    );
    Ok(())
}
