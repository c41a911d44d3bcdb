//! The feature spec and what it means, without the feature engine: the spec's serde types
//! ([`FeatureSpec`], TOML and JSON), its validation into a plan ([`FeaturePlan`], one expander
//! per feature family), the public [`PlanView`] that code generators read, the
//! [`FeatureDictionary`] carried by feature tables and model files, and the [`words`] that
//! phrase a column's value for a customer-success manager.
//!
//! `churn-features` (the engine: readers, the activity pipeline, the computations) re-exports
//! everything here, so its users see one API; `churn-model` depends on this crate only, so a
//! model file (which carries the dictionary) does not pull in the engine.
//!
//! # Example
//!
//! ```
//! use churn_spec::{FeatureDictionary, FeatureSpec, OpView};
//!
//! let spec = FeatureSpec::from_toml(
//!     r#"
//!     data_end = "2024-06-01"
//!     [activity]
//!     file = "events.csv"
//!     time = "timestamp"
//!     type = "event_type"
//!     event_types = ["login"]
//!     [subscriptions]
//!     file = "subscriptions.csv"
//!     start = "start_date"
//!     end = "end_date"
//!     [snapshots]
//!     kind = "cutoff"
//!     date = "2024-02-01"
//!     [[features]]
//!     kind = "velocity"
//!     events = "login"
//!     windows = [28]
//!     "#,
//!     "example",
//! )?;
//! let plan = spec.plan_view()?;
//! assert_eq!(plan.ops[0].0, OpView::Velocity { ch: 0, w: 28, agg: churn_spec::AggView::Count, bounded: false, zero: 1.0 });
//! let dictionary = FeatureDictionary::new(&spec)?;
//! assert_eq!(dictionary.features[0].name, "login_count_velocity_28d");
//! let words = dictionary.driver_words();
//! assert_eq!(
//!     words.short("login_count_velocity_28d", "-0.6", None).as_deref(),
//!     Some("28-day login events fell 60%")
//! );
//! // The dictionary's JSON round-trips.
//! let back = FeatureDictionary::from_json(&dictionary.to_json(), "dictionary.json".as_ref())?;
//! assert_eq!(back, dictionary);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod dictionary;
mod error;
// The plan's internals (`Op`, `Plan`, ... in `engine`) are the engine's, not documented field by field.
#[allow(missing_docs)]
mod plan;
mod spec;
mod survival;
mod view;
pub mod words;

pub use dictionary::FeatureDictionary;
pub use error::FeatureError;
pub use plan::{FeaturePlan, AGGREGATIONS};
pub use spec::{
    add_months, ActivityFormat, ActivitySpec, Censored, EventSel, EventTypeDecl, FeatureDef, FeatureEntry, FeatureSpec,
    LabelKind, LabelSpec, Mode, PopulationSpec, SnapshotSpec, StaticSpec, SubscriptionSpec, SPEC_VERSION,
};
pub use view::{AggView, CycleView, OpView, PlanView, SourceView};

/// Name of the snapshot date column.
pub const SNAPSHOT_COLUMN: &str = "snapshot_date";
/// Name of the label column.
pub const LABEL_COLUMN: &str = "churned";
/// Version of the feature dictionary format.
pub const DICTIONARY_VERSION: u32 = 1;

/// The plan's internals, for the feature engine (`churn-features`) only: not a stable API.
#[doc(hidden)]
pub mod engine {
    pub use crate::error::{closest, io_err};
    pub use crate::plan::{invalid, parse_agg, Agg, BgWhat, Chan, CycleStat, Events, Op, Plan, Source};
    pub use crate::spec::{common_dates, parse_spec_date};
}
