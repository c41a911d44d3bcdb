//! Shared helpers of the CLI tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use churn_core::rng::Rng;

pub fn churn() -> Command {
    Command::cargo_bin("churn").expect("binary built")
}

/// A small labeled customer table with numeric, categorical, boolean and missing values,
/// where churn depends on usage, contract and support tickets.
pub fn customers_csv(n: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::from("account_id,plan,monthly_fee,logins_30d,tickets,autopay,last_nps,churned\n");
    for i in 0..n {
        let plan = ["basic", "pro", "enterprise"][rng.below(3) as usize];
        let fee = match plan {
            "basic" => 20.0,
            "pro" => 60.0,
            _ => 200.0,
        } * (0.8 + 0.4 * rng.next_f64());
        let logins = (rng.next_f64() * 40.0).floor();
        let tickets = rng.below(6);
        let autopay = rng.next_f64() < 0.6;
        let nps = if rng.next_f64() < 0.2 { String::new() } else { rng.below(11).to_string() };
        let z = 0.8 - 0.12 * logins + 0.5 * tickets as f64
            - if autopay { 0.8 } else { 0.0 }
            - if plan == "enterprise" { 1.0 } else { 0.0 };
        let churned = rng.next_f64() < 1.0 / (1.0 + (-z).exp());
        s.push_str(&format!(
            "A{i:05},{plan},{fee:.2},{logins},{tickets},{},{nps},{}\n",
            if autopay { "yes" } else { "no" },
            if churned { "Yes" } else { "No" }
        ));
    }
    s
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write fixture");
    p
}

/// Names of the files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Trains a model on generated data in `dir`, returning the model path.
pub fn trained_model(dir: &Path) -> PathBuf {
    let data = write(dir, "train.csv", &customers_csv(1500, 7));
    let model = dir.join("model.json");
    churn()
        .args(["train", "--data"])
        .arg(&data)
        .args(["--label", "churned", "--positive", "Yes", "--id", "account_id", "--out"])
        .arg(&model)
        .assert()
        .success();
    model
}

/// The shared data folder (`CHURN_SHARED`, default `../shared` beside the repository), or
/// `None` with a message when it is absent; under CI (`CI` set) a missing folder fails.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("CHURN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    if dir.join("splits").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI is set but the shared data is missing at {}", dir.display());
    }
    eprintln!("skipping: no shared data at {} (set CHURN_SHARED)", dir.display());
    None
}
