//! GBDT benchmark on the table written by `benchmarks/gbdt/gen_data.py`.
//!
//! `cargo run --release -p churn-learn --example gbdt_bench -- DATA_DIR N_TREES NUM_LEAVES`
//! prints one JSON line: fit and predict seconds and test AUC (a 4th argument writes the model
//! JSON there). Threads: `RAYON_NUM_THREADS`; seed: `SEED` (default 1).

use churn_learn::{GbdtModel, GbdtParams, Matrix, ParamGuard};
use std::time::Instant;

fn load(dir: &str, name: &str, n: usize, p: usize) -> (Matrix, Vec<bool>) {
    let bytes = std::fs::read(format!("{dir}/{name}.X.f32")).expect("read features");
    assert_eq!(bytes.len(), n * p * 4, "feature file size");
    let mut data = vec![0.0f64; n * p];
    for (k, c) in bytes.chunks_exact(4).enumerate() {
        let (i, j) = (k / p, k % p);
        data[j * n + i] = f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64;
    }
    let y: Vec<bool> =
        std::fs::read(format!("{dir}/{name}.y.u8")).expect("read labels").iter().map(|&b| b == 1).collect();
    assert_eq!(y.len(), n);
    (Matrix::from_col_major(n, p, data).expect("shape"), y)
}

fn json_usize(meta: &str, key: &str) -> usize {
    let at = meta.find(&format!("\"{key}\"")).expect("meta key") + key.len() + 3;
    meta[at..].trim_start().split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

/// Sort-based AUC with average ranks for ties.
fn auc(s: &[f64], y: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..s.len()).collect();
    idx.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && s[idx[j + 1]] == s[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += r * idx[i..=j].iter().filter(|&&k| y[k]).count() as f64;
        i = j + 1;
    }
    let np = y.iter().filter(|&&v| v).count() as f64;
    let nn = y.len() as f64 - np;
    (rank_sum - np * (np + 1.0) / 2.0) / (np * nn)
}

/// CPU seconds (user + system) used by this process so far, from `/proc/self/stat`.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).map_or("benchmarks/gbdt/data", |s| s.as_str());
    let n_trees: usize = args.get(2).map_or(100, |s| s.parse().unwrap());
    let leaves: usize = args.get(3).map_or(31, |s| s.parse().unwrap());
    let meta = std::fs::read_to_string(format!("{dir}/meta.json")).expect("meta.json");
    let p = json_usize(&meta, "p");
    let (xtr, ytr) = load(dir, "train", json_usize(&meta, "n_train"), p);
    let (xte, yte) = load(dir, "test", json_usize(&meta, "n_test"), p);
    let params = GbdtParams::default()
        .n_trees(n_trees)
        .num_leaves(leaves)
        .early_stopping_rounds(None)
        .check()
        .expect("valid parameters");
    let w = vec![1.0; xtr.n_rows()];
    let c0 = cpu_s();
    let t0 = Instant::now();
    let seed: u64 = std::env::var("SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let model = GbdtModel::fit(&xtr, &ytr, &w, &params, seed, None).expect("fit");
    let fit_s = t0.elapsed().as_secs_f64();
    let fit_cpu = cpu_s() - c0;
    let c0 = cpu_s();
    let t0 = Instant::now();
    let raw = model.predict_raw(&xte);
    let predict_s = t0.elapsed().as_secs_f64();
    let predict_cpu = cpu_s() - c0;
    if let Some(path) = args.get(4) {
        std::fs::write(path, serde_json::to_string(&model).expect("json")).expect("write model");
    }
    println!(
        "{{\"fit_s\": {fit_s:.4}, \"predict_s\": {predict_s:.4}, \"fit_cpu_s\": {fit_cpu:.2}, \"predict_cpu_s\": {predict_cpu:.2}, \"auc\": {:.6}, \"n_trees\": {}, \"threads\": {}}}",
        auc(&raw, &yte),
        model.trees.len(),
        rayon::current_num_threads()
    );
}
