//! Time to churn through the binary: the telco split as survival data (issue 15's acceptance),
//! conditional probabilities on the real test file, and the survival "Bad input" errors.

mod common;

use std::path::{Path, PathBuf};

use churn_core::Table;
use churn_survival::metrics;
use common::churn;

fn shared() -> Option<PathBuf> {
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

const HORIZONS: [f64; 4] = [3.0, 6.0, 12.0, 24.0];

/// `table` with column `col` set to `value` on every row, written to `out`.
fn with_column(table: &Table, col: &str, value: &str, out: &Path) {
    let j = table.column_index(col).unwrap();
    let mut s = table.headers().join(",") + "\n";
    for i in 0..table.n_rows() {
        let row: Vec<String> = (0..table.n_cols())
            .map(|c| {
                let v = if c == j { value } else { table.field(i, c) };
                if v.contains(',') {
                    format!("\"{v}\"")
                } else {
                    v.to_string()
                }
            })
            .collect();
        s += &(row.join(",") + "\n");
    }
    std::fs::write(out, s).unwrap();
}

/// The `churn_probability_<h>` columns of a score file, `[h][row]`.
fn probabilities(path: &Path) -> Vec<Vec<f64>> {
    let t = Table::read(path).unwrap();
    HORIZONS
        .iter()
        .map(|h| {
            let j = t.column_index(&format!("churn_probability_{h}")).unwrap();
            (0..t.n_rows()).map(|i| t.field(i, j).parse().unwrap()).collect()
        })
        .collect()
}

fn score(model: &Path, data: &Path, out: &Path) {
    churn()
        .args(["score", "--quiet", "--model"])
        .arg(model)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn telco_survival_meets_the_peers_and_conditions_on_tenure() {
    let Some(shared) = shared() else { return };
    let split = shared.join("splits/telco");
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    churn()
        .arg("train")
        .arg("--data")
        .arg(split.join("train.csv"))
        .args(["--label", "Churn", "--positive", "Yes", "--id", "customerID", "--time", "tenure"])
        .args(["--horizons", "3,6,12,24", "--drop", "TotalCharges", "--out"])
        .arg(&model)
        .assert()
        .success();
    let train = Table::read(&split.join("train.csv")).unwrap();
    let test = Table::read(&split.join("test.csv")).unwrap();
    let read = |t: &Table| {
        let (tj, ej) = (t.column_index("tenure").unwrap(), t.column_index("Churn").unwrap());
        let time: Vec<f64> = (0..t.n_rows()).map(|i| t.field(i, tj).parse().unwrap()).collect();
        let event: Vec<bool> = (0..t.n_rows()).map(|i| t.field(i, ej) == "Yes").collect();
        (time, event)
    };
    let (train_t, train_e) = read(&train);
    let (test_t, test_e) = read(&test);

    // Scored from the start (tenure 0).
    let zero = dir.path().join("test0.csv");
    with_column(&test, "tenure", "0", &zero);
    let scores0 = dir.path().join("s0.csv");
    score(&model, &zero, &scores0);
    let p0 = probabilities(&scores0);
    for k in 1..HORIZONS.len() {
        for (i, (hi, lo)) in p0[k].iter().zip(&p0[k - 1]).enumerate() {
            assert!(hi >= lo, "row {i}: probabilities must rise with the horizon");
        }
    }
    // Test times censored at the training follow-up (71.5 months) for IPCW, as the peers.
    let cap = 71.5;
    let (t, e): (Vec<f64>, Vec<bool>) =
        test_t.iter().zip(&test_e).map(|(&t, &e)| if t > cap { (cap, false) } else { (t, e) }).unzip();
    let c = metrics::harrell_c(&t, &e, &p0[3]).unwrap();
    let surv: Vec<Vec<f64>> = p0.iter().map(|p| p.iter().map(|v| 1.0 - v).collect()).collect();
    let b = metrics::brier(&train_t, &train_e, &t, &e, &surv, &HORIZONS).unwrap();
    let mean = b.iter().sum::<f64>() / b.len() as f64;
    eprintln!("telco survival: Harrell's C {c:.4}, IPCW Brier {b:.4?}, mean {mean:.4}");
    // Best peer (scikit-survival CoxPH, PEERS.md): C 0.8621, mean Brier 0.0812.
    assert!(c >= 0.8621 - 0.002, "Harrell's C {c}");
    assert!(mean <= 0.0812 + 0.002, "mean IPCW Brier {mean}");

    // The real test file: P(h | a) = 1 − S(a + h) / S(a), with S from the tenure-0 scores.
    let scores = dir.path().join("s.csv");
    score(&model, &split.join("test.csv"), &scores);
    let p = probabilities(&scores);
    let s = |k: usize, i: usize| 1.0 - p0[k][i];
    let mut checked = 0;
    for i in 0..test.n_rows() {
        // (a, index of h, index of S(a), index of S(a + h)) with a and a + h both horizons.
        let pairs: &[(f64, usize, usize, usize)] = &[(3.0, 0, 0, 1), (6.0, 1, 1, 2), (12.0, 2, 2, 3)];
        for &(a, kh, ka, kah) in pairs {
            if test_t[i] == a {
                let expected = 1.0 - s(kah, i) / s(ka, i);
                assert!((p[kh][i] - expected).abs() < 1e-5, "row {i}: P({a}|{a}) {} vs {expected}", p[kh][i]);
                checked += 1;
            }
        }
        if test_t[i] == 0.0 {
            for (pk, p0k) in p.iter().zip(&p0) {
                assert_eq!(pk[i], p0k[i]);
            }
        }
        if test_t[i] > 0.0 {
            // Conditioning changes the answer: a customer of 24+ months is not a new one.
            checked += usize::from(test_t[i] >= 24.0 && p[3][i] != p0[3][i]);
        }
    }
    assert!(checked > 100, "only {checked} rows checked");
}

fn bad_input_case(csv: &str, extra: &[&str], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    std::fs::write(&data, csv).unwrap();
    let model = dir.path().join("m.json");
    let out = churn()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--label", "churned", "--positive", "yes", "--time", "months"])
        .args(extra)
        .arg("--out")
        .arg(&model)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains(message), "expected '{message}' in: {err}");
    assert!(!model.exists(), "nothing written");
}

fn survival_csv(bad_row: Option<&str>) -> String {
    let mut s = String::from("id,plan,usage,months,churned\n");
    for i in 0..200 {
        let plan = ["a", "b", "c"][i % 3];
        let months = 1 + (i * 7) % 30;
        let churned = if (i * 13) % 5 < 2 { "yes" } else { "no" };
        s += &format!("{i},{plan},{},{months},{churned}\n", (i * 31) % 17);
    }
    if let Some(r) = bad_row {
        s += r;
        s += "\n";
    }
    s
}

#[test]
fn survival_bad_input_is_a_clear_error() {
    bad_input_case(
        &survival_csv(Some("900,a,3,-2,no")),
        &["--horizons", "3,6"],
        "line 202, column `months`: cannot read '-2'",
    );
    bad_input_case(&survival_csv(Some("900,a,3,,no")), &["--horizons", "3,6"], "column `months`");
    bad_input_case(&survival_csv(Some("900,a,3,4,maybe")), &["--horizons", "3,6"], "maybe");
    bad_input_case(&survival_csv(None), &["--horizons", "3,0"], "0 is not a positive number");
    bad_input_case(&survival_csv(None), &["--horizons", "6,48"], "reaches 30 at most");
    bad_input_case(&survival_csv(None), &["--horizons", "3", "--keep", "months"], "cannot also be a feature");
}

#[test]
fn scoring_without_the_time_column_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    std::fs::write(&data, survival_csv(None)).unwrap();
    let model = dir.path().join("m.json");
    churn()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--label", "churned", "--positive", "yes", "--id", "id", "--time", "months", "--horizons", "3,12"])
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let no_time: String = survival_csv(None)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{},{},{}\n", f[0], f[1], f[2], f[4])
        })
        .collect();
    let data2 = dir.path().join("no_time.csv");
    std::fs::write(&data2, no_time).unwrap();
    let out = dir.path().join("s.csv");
    let res = churn()
        .args(["score", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data2)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&res.get_output().stderr).to_string();
    assert!(err.contains("no column `months`"), "{err}");
    assert!(!out.exists());
    // Outcome drift checks are classification figures: refused for survival models.
    let res =
        churn().args(["drift", "--label", "churned", "--model"]).arg(&model).arg("--data").arg(&data).assert().code(2);
    assert!(String::from_utf8_lossy(&res.get_output().stderr).contains("not available for survival models"));
}

/// `churn report` on a survival model: its figures equal churn-survival's metrics and
/// Kaplan-Meier computed here from `churn score` output (scored from the start, so from another
/// code path), `churn evaluate --json` gives the same figures, and the bootstrap intervals are
/// seeded: same seed, same bytes whatever the thread count; another seed, another interval.
#[test]
fn survival_report_matches_independent_metrics_and_bootstrap_is_seeded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    std::fs::write(&data, survival_csv(None)).unwrap();
    let model = dir.path().join("m.json");
    churn()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--label", "churned", "--positive", "yes", "--id", "id", "--time", "months", "--horizons", "3,6,12"])
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let table = Table::read(&data).unwrap();
    let zero = dir.path().join("d0.csv");
    with_column(&table, "months", "0", &zero);
    let scores = dir.path().join("s0.csv");
    score(&model, &zero, &scores);
    let st = Table::read(&scores).unwrap();
    let col = |t: &Table, name: &str| -> Vec<String> {
        let j = t.column_index(name).unwrap();
        (0..t.n_rows()).map(|i| t.field(i, j).to_string()).collect()
    };
    let horizons = [3.0, 6.0, 12.0];
    let p: Vec<Vec<f64>> = horizons
        .iter()
        .map(|h| col(&st, &format!("churn_probability_{h}")).iter().map(|v| v.parse().unwrap()).collect())
        .collect();
    let time: Vec<f64> = col(&table, "months").iter().map(|v| v.parse().unwrap()).collect();
    let event: Vec<bool> = col(&table, "churned").iter().map(|v| v == "yes").collect();
    let surv: Vec<Vec<f64>> = p.iter().map(|p| p.iter().map(|v| 1.0 - v).collect()).collect();
    let harrell = metrics::harrell_c(&time, &event, &p[2]).unwrap();
    let ibs = metrics::integrated_brier(&time, &event, &time, &event, &surv, &horizons).unwrap();

    let report = |seed: &str, threads: &str, out: &Path| {
        churn()
            .env("RAYON_NUM_THREADS", threads)
            .args(["report", "--quiet", "--bootstrap", "300", "--seed", seed, "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        assert!(out.join("report.md").exists() && out.join("report.html").exists());
        v
    };
    let (r1, r1b, r2) = (dir.path().join("r1"), dir.path().join("r1b"), dir.path().join("r2"));
    let v = report("7", "1", &r1);
    report("7", "2", &r1b);
    let other = report("8", "2", &r2);
    let e = &v["evaluation"];
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    assert!((f(&e["harrell_c"]) - harrell).abs() < 1e-6, "{} vs {harrell}", e["harrell_c"]);
    assert!((f(&e["integrated_brier"]) - ibs).abs() < 1e-6, "{} vs {ibs}", e["integrated_brier"]);
    // Kaplan-Meier by tier, tiers as `churn score` assigned them.
    let tiers = col(&st, "risk_tier");
    for row in e["km_by_tier"].as_array().unwrap() {
        let name = row["tier"].as_str().unwrap();
        let rows: Vec<usize> = (0..tiers.len()).filter(|&i| tiers[i] == name).collect();
        assert_eq!(row["rows"].as_u64().unwrap() as usize, rows.len(), "tier {name}");
        let t: Vec<f64> = rows.iter().map(|&i| time[i]).collect();
        let ev: Vec<bool> = rows.iter().map(|&i| event[i]).collect();
        let km = churn_survival::KaplanMeier::fit(&t, &ev).unwrap();
        for (k, &h) in horizons.iter().enumerate() {
            assert!((f(&row["km_churn"][k]) - (1.0 - km.at_clamped(h))).abs() < 1e-12, "tier {name} h {h}");
        }
    }
    // Intervals: around the estimate, seeded, thread-independent.
    for (m, est) in [("harrell_c", harrell), ("integrated_brier", ibs)] {
        let ci = &e[format!("{m}_ci")];
        assert!(f(&ci["lo"]) < est && est < f(&ci["hi"]), "{m}: {ci}");
        assert_eq!(ci["replicates"].as_u64(), Some(300));
        assert_ne!(ci, &other["evaluation"][format!("{m}_ci")], "another seed, another interval");
    }
    assert_eq!(std::fs::read(r1.join("report.json")).unwrap(), std::fs::read(r1b.join("report.json")).unwrap());
    // `churn evaluate --json`: the same figures, without intervals.
    let ev_json = dir.path().join("ev.json");
    churn()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--json")
        .arg(&ev_json)
        .assert()
        .success();
    let mut ev: serde_json::Value = serde_json::from_slice(&std::fs::read(&ev_json).unwrap()).unwrap();
    let mut with_ci = e.clone();
    with_ci.as_object_mut().unwrap().remove("harrell_c_ci");
    with_ci.as_object_mut().unwrap().remove("integrated_brier_ci");
    assert_eq!(std::mem::take(&mut ev), with_ci);
}

/// `churn drift` on a survival model: the score checked is the churn probability within the
/// main horizon from the start (its mean equals that of `churn score` on the rows with the time
/// column set to 0), and a shifted feature is flagged as for classification.
#[test]
fn survival_drift_checks_features_and_the_main_horizon_score() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    std::fs::write(&data, survival_csv(None)).unwrap();
    let model = dir.path().join("m.json");
    churn()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--label", "churned", "--positive", "yes", "--id", "id", "--time", "months", "--horizons", "3,6,12"])
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let table = Table::read(&data).unwrap();
    let zero = dir.path().join("d0.csv");
    with_column(&table, "months", "0", &zero);
    let scores = dir.path().join("s0.csv");
    score(&model, &zero, &scores);
    let st = Table::read(&scores).unwrap();
    let j = st.column_index("churn_probability_12").unwrap();
    let mean = (0..st.n_rows()).map(|i| st.field(i, j).parse::<f64>().unwrap()).sum::<f64>() / st.n_rows() as f64;
    // Exit code 1 when drift fires, 0 otherwise.
    let drift = |d: &Path, json: &Path, code: i32| {
        churn().args(["drift", "--model"]).arg(&model).arg("--data").arg(d).arg("--json").arg(json).assert().code(code);
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(json).unwrap()).unwrap()
    };
    let same = drift(&data, &dir.path().join("same.json"), 0);
    let current = same["score"]["current_mean"].as_f64().unwrap();
    assert!((current - mean).abs() < 1e-6, "drift score mean {current} vs churn score {mean}");
    assert_eq!(same["drift"], serde_json::Value::Bool(false), "{}", same["drifting_features"]);
    // `usage` ten times larger: feature drift.
    let u = table.column_index("usage").unwrap();
    let mut shifted = table.headers().join(",") + "\n";
    for i in 0..table.n_rows() {
        let row: Vec<String> = (0..table.n_cols())
            .map(|c| {
                if c == u {
                    (table.field(i, c).parse::<f64>().unwrap() * 10.0 + 100.0).to_string()
                } else {
                    table.field(i, c).to_string()
                }
            })
            .collect();
        shifted += &(row.join(",") + "\n");
    }
    let shifted_path = dir.path().join("shifted.csv");
    std::fs::write(&shifted_path, shifted).unwrap();
    let moved = drift(&shifted_path, &dir.path().join("moved.json"), 1);
    assert_eq!(moved["drift"], serde_json::Value::Bool(true));
    assert!(moved["drifting_features"].to_string().contains("usage"), "{}", moved["drifting_features"]);
}
