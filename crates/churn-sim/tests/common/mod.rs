//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use churn_sim::{simulate, SimConfig, SimSummary};

/// The committed fixture's directory.
pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/saas-small")
}

/// Runs the simulator on a pool of `threads` threads into a fresh temporary directory.
pub fn run(config: &SimConfig, threads: usize) -> (tempfile::TempDir, SimSummary) {
    let dir = tempfile::tempdir().unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let summary = pool.install(|| simulate(config, dir.path())).unwrap();
    (dir, summary)
}

/// All files of a directory, by name.
pub fn read_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// A CSV file as header + rows of strings.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let mut r = csv::Reader::from_path(path).unwrap();
        let header = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r.records().map(|rec| rec.unwrap().iter().map(String::from).collect()).collect();
        Table { header, rows }
    }

    pub fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    }
}

/// Rank AUC of `score` for the positives (ties count one half), by brute force over pairs.
pub fn auc(score: &[f64], label: &[bool]) -> f64 {
    let pos: Vec<f64> = score.iter().zip(label).filter(|(_, &l)| l).map(|(&s, _)| s).collect();
    let neg: Vec<f64> = score.iter().zip(label).filter(|(_, &l)| !l).map(|(&s, _)| s).collect();
    let mut wins = 0.0;
    for p in &pos {
        for n in &neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (pos.len() * neg.len()) as f64
}
