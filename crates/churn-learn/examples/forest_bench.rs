//! Random forest timing on a synthetic table (default 8,000 × 40, 300 trees):
//! `cargo run --release -p churn-learn --example forest_bench -- [ROWS] [COLS] [TREES]`.

use churn_core::rng::Rng;
use churn_learn::{ForestParams, Matrix, ParamGuard, RandomForestModel};
use std::time::Instant;

fn main() {
    let a: Vec<usize> = std::env::args().skip(1).map(|s| s.parse().unwrap()).collect();
    let (n, p, t) =
        (a.first().copied().unwrap_or(8000), a.get(1).copied().unwrap_or(40), a.get(2).copied().unwrap_or(300));
    let mut r = Rng::new(1);
    let data: Vec<f64> = (0..n * p).map(|_| r.normal()).collect();
    let x = Matrix::from_col_major(n, p, data).unwrap();
    let y: Vec<bool> = (0..n)
        .map(|i| {
            let s = x.get(i, 0) - x.get(i, 1) * x.get(i, 2) + 0.5 * x.get(i, 3).abs() - 1.2;
            r.next_f64() < 1.0 / (1.0 + (-s).exp())
        })
        .collect();
    let w = vec![1.0; n];
    let params = ForestParams::default().n_trees(t).check().expect("valid parameters");
    let t0 = Instant::now();
    let m = RandomForestModel::fit(&x, &y, &w, &params, 1).unwrap();
    let fit = t0.elapsed().as_secs_f64();
    let leaves: usize = m.trees.iter().map(|t| t.n_leaves()).sum();
    let t0 = Instant::now();
    let raw = m.predict_raw(&x);
    println!(
        "forest {n}x{p}, {t} trees: fit {fit:.3}s, predict {:.3}s, mean leaves {:.0}, raw[0] {:.3}, threads {}",
        t0.elapsed().as_secs_f64(),
        leaves as f64 / t as f64,
        raw[0],
        rayon::current_num_threads()
    );
}
