//! Scale check on 10 million rows; run with
//! `cargo test --release -p churn-eval --test scale -- --ignored --nocapture`.

use churn_core::rng::Rng;
use churn_eval::*;
use std::time::Instant;

#[test]
#[ignore = "10M rows: run in release mode"]
fn ten_million_rows() {
    let n = 10_000_000;
    let mut rng = Rng::new(1);
    let y: Vec<bool> = (0..n).map(|_| rng.next_f64() < 0.05).collect();
    let s: Vec<f64> = y
        .iter()
        .map(|&y| {
            let z = rng.normal() + if y { 1.2 } else { 0.0 } - 2.0;
            ((1.0 / (1.0 + (-z).exp())) * 1e4).round() / 1e4
        })
        .collect();
    let t = Instant::now();
    let auc = roc_auc(&s, &y).unwrap();
    eprintln!("roc_auc {auc:.6}: {:?}", t.elapsed());
    let t = Instant::now();
    let m = summarize(&s, &y).unwrap();
    eprintln!("summarize: {:?} {m:?}", t.elapsed());
    let t = Instant::now();
    let ci = bootstrap_ci(&s, &y, Metric::RocAuc, 20, 1).unwrap();
    eprintln!("bootstrap_ci 20 replicates: {:?} {ci:?}", t.elapsed());
    let t = Instant::now();
    let b: Vec<f64> = s.iter().map(|&x| (x * 0.9 + 0.05 * rng.next_f64()).min(1.0)).collect();
    let d = delong_test(&s, &b, &y).unwrap();
    eprintln!("delong_test: {:?} {d:?}", t.elapsed());
    assert!((auc - m.auc.unwrap()).abs() == 0.0);
}
