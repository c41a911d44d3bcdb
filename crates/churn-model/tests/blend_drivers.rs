//! Risk drivers of a blend are its members' drivers, weighted: path attribution for a tree
//! member (as for a boosting model on its own), exact contributions for a logistic member.

use std::path::Path;

use churn_learn::{GbdtModel, GbdtParams, Matrix, ParamGuard};
use churn_model::{Blend, Learner, ModelFile};

fn golden() -> ModelFile {
    ModelFile::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/golden-v1.json")).unwrap()
}

/// A small boosting model over the golden model's inputs, fitted on seeded rows.
fn gbdt(n_inputs: usize) -> GbdtModel {
    let mut rng = churn_core::rng::Rng::new(3);
    let rows: Vec<Vec<f64>> = (0..400).map(|_| (0..n_inputs).map(|_| rng.next_f64() * 2.0 - 1.0).collect()).collect();
    let y: Vec<bool> =
        rows.iter().map(|r| rng.next_f64() < 1.0 / (1.0 + (-2.0 * r[0] + r[1 % n_inputs]).exp())).collect();
    let x = Matrix::from_rows(&rows).unwrap();
    let params = GbdtParams::default().n_trees(20).check().unwrap();
    GbdtModel::fit(&x, &y, &vec![1.0; rows.len()], &params, 7, None).unwrap()
}

/// Per-column contributions of every driver (both signs, nothing filtered).
fn all_drivers(m: &ModelFile, row: &[f64]) -> Vec<(usize, f64)> {
    let f = m.driver_filter(&[], 0.0).unwrap();
    let d = m.drivers(row, usize::MAX, &f);
    let mut v: Vec<(usize, f64)> = d.risk.into_iter().chain(d.protective).collect();
    v.sort_by_key(|a| a.0);
    v
}

#[test]
fn blend_drivers_are_the_weighted_drivers_of_its_members() {
    let mut m = golden();
    let n = m.learner.n_inputs();
    let logistic = m.learner.clone();
    let boosting = Learner::Gbdt(gbdt(n));
    let mut rng = churn_core::rng::Rng::new(11);
    let rows: Vec<Vec<f64>> = (0..20).map(|_| (0..n).map(|_| rng.next_f64() * 2.0 - 1.0).collect()).collect();

    let mut each = Vec::new();
    for member in [&logistic, &boosting] {
        m.learner = member.clone();
        each.push(rows.iter().map(|r| all_drivers(&m, r)).collect::<Vec<_>>());
    }
    let (wl, wg) = (0.4, 0.7);
    m.learner = Learner::Blend(Blend { intercept: 0.1, weights: vec![wl, wg], members: vec![logistic, boosting] });
    for (i, r) in rows.iter().enumerate() {
        let mut want = vec![0.0; m.schema.features.len()];
        for (w, d) in [(wl, &each[0][i]), (wg, &each[1][i])] {
            for &(j, c) in d {
                want[j] += w * c;
            }
        }
        let got = all_drivers(&m, r);
        assert!(!got.is_empty());
        for (j, c) in got {
            assert!((c - want[j]).abs() < 1e-9, "row {i} column {j}: {c} vs {}", want[j]);
        }
    }
}
