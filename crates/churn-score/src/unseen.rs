//! Categories never seen in training, counted per column while scoring.
//!
//! A category the model never saw scores as its `__other__` bucket: the probability is still
//! defined, but says nothing about that category. The scorer counts such values per column so
//! the run summary can say how many accounts were scored that way. "Seen" is the model's
//! training profile: a column is checked only when the profile lists every training category
//! (no more than [`churn_model::profile::MAX_PROFILE_CATEGORIES`]); a model without a profile
//! checks nothing.

use std::collections::HashSet;

use churn_core::table::{is_missing, trim, FnvBuildHasher};
use churn_model::profile::Distribution;
use churn_model::ModelFile;

use crate::summary::Summary;

/// The training categories of each checkable categorical feature.
pub(crate) struct KnownCategories {
    /// `(feature index, categories seen in training)`.
    cols: Vec<(usize, HashSet<String, FnvBuildHasher>)>,
}

impl KnownCategories {
    /// The categorical features of `model` whose profile lists every training category.
    pub(crate) fn new(model: &ModelFile) -> KnownCategories {
        let cols = model
            .profile
            .iter()
            .flat_map(|p| p.features.iter())
            .filter_map(|f| {
                let c = model.schema.features.iter().position(|x| x.name == f.name)?;
                match &f.distribution {
                    Distribution::Categorical(d) if d.other == 0 => {
                        Some((c, d.categories.iter().map(|k| k.value.clone()).collect()))
                    }
                    _ => None,
                }
            })
            .collect();
        KnownCategories { cols }
    }

    /// Counts the row's values never seen in training; `field(c)` is the text of feature `c`.
    pub(crate) fn count<'a>(&self, model: &ModelFile, field: impl Fn(usize) -> &'a str, summary: &mut Summary) {
        for (c, known) in &self.cols {
            let v = field(*c);
            if !is_missing(v) && !known.contains(trim(v)) {
                summary.add_unseen(&model.schema.features[*c].name);
            }
        }
    }
}
