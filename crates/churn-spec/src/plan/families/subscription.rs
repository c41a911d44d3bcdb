//! `kind = "subscription"`: a subscriptions-table column copied verbatim.

use super::{Ctx, Expanded};
use crate::error::FeatureError;
use crate::plan::invalid;
use crate::spec::FeatureDef;

/// The text column `name` (default: the column) from the latest subscription row.
pub(super) fn expand(ctx: &Ctx, column: &str, name: Option<&str>) -> Result<Expanded, FeatureError> {
    if ctx.spec.subscriptions.is_absent() {
        return Err(invalid(ctx.field("column"), "subscription columns need a `[subscriptions]` table"));
    }
    let def = FeatureDef {
        name: name.unwrap_or(column).to_string(),
        kind: "subscription".into(),
        definition: format!(
            "column `{column}` of the account's latest subscription row that started before the snapshot (verbatim)"
        ),
        window_days: None,
        event_type: None,
        value_type: "text".into(),
    };
    Ok(Expanded::Subscription { def, column: column.to_string() })
}
