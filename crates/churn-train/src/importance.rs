//! Importance of the input columns: the learner's own, and the drop in held-out AUC when a
//! column is shuffled.

use rayon::prelude::*;

use churn_learn::Matrix;
use churn_model::{Importance, Learner, Preprocessor};

use crate::TrainError;

fn sorted_desc(mut v: Vec<(String, f64)>) -> Vec<(String, f64)> {
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

pub(crate) fn native_importance(learner: &Learner, pre: &Preprocessor, permutation: Vec<(String, f64)>) -> Importance {
    let (method, values) = learner.native_importance();
    Importance {
        method: method.into(),
        native: sorted_desc(pre.output_names().into_iter().zip(values).collect()),
        permutation,
    }
}

/// Mean AUC drop on held-out rows when each input column (all its learner inputs together) is
/// shuffled, over seeded repeats: three on the validation split for the learner fitted on the
/// training split; under cross-validation, one on each fold for the learner that did not see
/// it (every train + validation row shuffled once, for the cost of a few repeats).
pub(crate) fn permutation_importance(
    sets: &[(&Learner, &Matrix, &[bool])],
    pre: &Preprocessor,
    features: &[churn_core::FeatureColumn],
    seed: u64,
) -> Result<Vec<(String, f64)>, TrainError> {
    let sources = pre.output_sources();
    let bases: Vec<f64> =
        sets.iter().map(|(l, x, y)| churn_eval::roc_auc(&l.predict_raw(x), y)).collect::<Result<_, _>>()?;
    let repeats = 3usize.div_ceil(sets.len()) as u64;
    let drops: Vec<Result<(String, f64), TrainError>> = features
        .par_iter()
        .enumerate()
        .map(|(c, f)| {
            let mut total = 0.0;
            for (k, (&(learner, x, y), base)) in sets.iter().zip(&bases).enumerate() {
                let n = x.n_rows();
                for repeat in 0..repeats {
                    let mut perm: Vec<usize> = (0..n).collect();
                    let stream = ((c * sets.len() + k) as u64) * repeats + repeat;
                    churn_core::rng::Rng::derive(seed ^ 0x9e37, stream).shuffle(&mut perm);
                    let mut data = x.as_slice().to_vec();
                    for (j, &src) in sources.iter().enumerate() {
                        if src == c {
                            let col = x.col(j);
                            for (i, &p) in perm.iter().enumerate() {
                                data[j * n + i] = col[p];
                            }
                        }
                    }
                    let shuffled = Matrix::from_col_major(n, x.n_cols(), data).expect("same shape");
                    total += base - churn_eval::roc_auc(&learner.predict_raw(&shuffled), y)?;
                }
            }
            Ok((f.name.clone(), total / (repeats as usize * sets.len()) as f64))
        })
        .collect();
    Ok(sorted_desc(drops.into_iter().collect::<Result<_, _>>()?))
}
