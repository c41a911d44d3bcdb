//! `[[static]]` tables: their columns copied verbatim, after the features.

use crate::error::FeatureError;
use crate::plan::{invalid, Source};
use crate::spec::{FeatureDef, FeatureSpec};

/// The text columns of every static table, in order.
pub fn expand(spec: &FeatureSpec) -> Result<Vec<(FeatureDef, Source)>, FeatureError> {
    let mut out = Vec::new();
    for (ti, st) in spec.statics.iter().enumerate() {
        if st.columns.is_empty() {
            return Err(invalid(format!("static[{ti}].columns"), "the list is empty"));
        }
        for (ci, c) in st.columns.iter().enumerate() {
            let def = FeatureDef {
                name: format!("{}{c}", st.prefix.as_deref().unwrap_or("")),
                kind: "static".into(),
                definition: format!("column `{c}` of {} (static, verbatim)", st.file),
                window_days: None,
                event_type: None,
                value_type: "text".into(),
            };
            out.push((def, Source::Static(ti, ci)));
        }
    }
    Ok(out)
}
