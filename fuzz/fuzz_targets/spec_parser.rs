//! Any text as a feature spec: a spec or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = churn_features::FeatureSpec::from_toml(text, "fuzz.toml");
    }
});
