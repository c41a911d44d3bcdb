//! Loading `churn.toml` for any command: the whole file is parsed once into typed tables, so a
//! typo in a table that another command reads (`[drift]`, `[health]`) fails here too instead of
//! passing silently.

use std::path::Path;

use churn_core::Config;

/// Reads `path`, checking every table (unknown keys are errors naming the key, with a "did you
/// mean"), and `[health]` also by `churn health`'s rules.
pub fn load_config(path: &Path) -> anyhow::Result<Config> {
    let config = Config::load(path)?;
    if config.health.is_some() {
        churn_health::HealthConfig::from_config(&config, path)?;
    }
    Ok(config)
}

/// Warns about `[[actions]]` rules whose driver no model column matches (they never fire).
pub fn warn_unmatched_rules(config: &Config, model: &churn_model::ModelFile) {
    let names = || model.schema.features.iter().map(|f| f.name.as_str());
    for (i, r) in config.actions.iter().enumerate() {
        if !r.driver_known(names()) {
            let d = r.driver.as_deref().unwrap_or("");
            eprintln!(
                "warning: {}: [[actions]] rule {} (driver = {d:?}) matches no column of the model, so it never applies{}",
                config.source.as_deref().unwrap_or(Path::new("churn.toml")).display(),
                i + 1,
                churn_core::actions::did_you_mean(d.trim_end_matches('*'), names())
            );
        }
        if let Some(t) = &r.tier {
            if !model.tiers.bands().iter().any(|b| b.name == *t) {
                eprintln!(
                    "warning: [[actions]] rule {} (tier = {t:?}) names no risk tier of the model, so it never applies",
                    i + 1
                );
            }
        }
    }
}
