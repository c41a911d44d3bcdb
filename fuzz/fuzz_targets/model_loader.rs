//! Any bytes as a model file: an error or a model, never a panic or a hang; a model that
//! loads must score a row of its own input width.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = churn_model::ModelFile::from_bytes(data, std::path::Path::new("fuzz.json")) {
        let row = vec![0.5; m.preprocessing.width()];
        let _ = m.learner.predict_raw_row(&row);
        let _ = m.risk_drivers(&row, 3);
    }
});
