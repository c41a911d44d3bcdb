//! Issue 14, part B, through the binary: drivers in words from the feature dictionary,
//! `[[actions]]` rules, TOML errors on their lines with a "did you mean", typos in any
//! `churn.toml` table.

mod common;

use std::path::{Path, PathBuf};

use common::{churn, write};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Monthly snapshots of the shipped `datasets/saas-small` usage: windows, velocities, recency.
const SPEC: &str = r#"
mode = "training"
data_end = "2025-05-01"

[activity]
file = "usage.csv"
format = "usage"
account = "account_id"
time = "date"
type = "event_type"
value = "count"
event_types = [{ id = "login", name = "login" }, { id = "dashboard_view", name = "dashboard_view" }, { id = "api_call", name = "api_call" }]

[subscriptions]
file = "subscriptions.csv"
account = "account_id"
start = "start_date"
end = "end_date"

[snapshots]
kind = "monthly"
start = "2025-02-01"
end = "2025-03-01"

[label]
horizon_days = 30

[[features]]
kind = "window"
events = "*"
windows = [28]
aggregations = ["count"]

[[features]]
kind = "velocity"
events = "*"
windows = [14]

[[features]]
kind = "recency"
events = "any"

[[features]]
kind = "tenure"
"#;

/// Features of saas-small and a logistic model trained with the dictionary: (features, model).
fn dictionary_model(dir: &Path) -> (PathBuf, PathBuf) {
    let spec = write(dir, "spec.toml", SPEC);
    let table = dir.join("features.csv");
    churn()
        .args(["features", "--spec"])
        .arg(&spec)
        .arg("--data-dir")
        .arg(root().join("datasets/saas-small"))
        .arg("--out")
        .arg(&table)
        .assert()
        .success();
    let model = dir.join("model.json");
    let mut dict = table.as_os_str().to_owned();
    dict.push(".dictionary.json");
    churn()
        .args(["train", "--models", "logistic", "--data"])
        .arg(&table)
        .arg("--features")
        .arg(&dict)
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    (table, model)
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(String::from).collect()).collect();
    (headers, rows)
}

fn col(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

fn score(model: &Path, data: &Path, out: &Path, extra: &[&str]) {
    churn()
        .args(["score", "--quiet", "--model"])
        .arg(model)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// The first number in `s` after `prefix`.
fn number_after(s: &str, prefix: &str) -> f64 {
    let rest = &s[s.find(prefix).unwrap_or_else(|| panic!("`{prefix}` not in `{s}`")) + prefix.len()..];
    let n: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
    n.parse().unwrap_or_else(|_| panic!("no number after `{prefix}` in `{s}`"))
}

#[test]
fn drivers_read_in_words_from_the_dictionary() {
    let dir = tempfile::tempdir().unwrap();
    let (table, model) = dictionary_model(dir.path());
    let csv_out = dir.path().join("scores.csv");
    let json_out = dir.path().join("scores.jsonl");
    score(&model, &table, &csv_out, &["--drivers", "3"]);
    score(&model, &table, &json_out, &["--drivers", "3", "--format", "jsonl"]);
    let (fh, features) = read_csv(&table);
    let (sh, scores) = read_csv(&csv_out);
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&json_out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(features.len(), scores.len());
    assert_eq!(features.len(), lines.len());
    let mut seen = std::collections::BTreeSet::new();
    for ((f, s), j) in features.iter().zip(&scores).zip(&lines) {
        for k in 1..=3 {
            let cell = &s[col(&sh, &format!("risk_driver_{k}"))];
            let d = &j[format!("risk_driver_{k}")];
            if d.is_null() {
                assert!(cell.is_empty());
                continue;
            }
            // JSONL keeps its fields and adds the sentence.
            let name = d["feature"].as_str().unwrap();
            let c = d["contribution"].as_f64().unwrap();
            assert_eq!(d["direction"], "raises risk");
            assert!(d["value"].is_string());
            let text = d["text"].as_str().unwrap_or_else(|| panic!("no text in {d}"));
            // The CSV cell: the compact words, then the contribution.
            assert!(cell.ends_with(&format!(" ({c:+.3})")), "{cell} vs {c}");
            assert!(!cell.contains('='), "{cell}");
            let v: f64 = f[col(&fh, name)].parse().unwrap();
            if let Some(ev) = name.strip_suffix("_count_velocity_14d") {
                // (a - b) / b: -0.6 reads "fell 60%", +0.25 "rose 25%".
                assert!(cell.starts_with(&format!("14-day {ev} events ")), "{cell}");
                let word = if v < 0.0 { "fell " } else { "rose " };
                if v.abs() >= 0.005 {
                    let pct = number_after(cell, word);
                    assert!((pct - 100.0 * v.abs()).abs() <= 0.05 + 1e-9 * pct, "{cell} for {name} = {v}");
                    assert!(text
                        .contains(&format!("{word}{}", cell.split(word).nth(1).unwrap().split('%').next().unwrap())));
                    assert!(text.contains("against the 14 days before"), "{text}");
                }
                seen.insert("velocity");
            } else if let Some(ev) = name.strip_suffix("_count_28d") {
                assert_eq!(number_after(cell, &format!("28-day {ev} events: ")), v, "{cell}");
                assert!(text.starts_with(&format!("{ev} events in the last 28 days: ")), "{text}");
                seen.insert("window");
            } else if name == "days_since_any" {
                assert_eq!(number_after(cell, "days since last activity: "), v, "{cell}");
                seen.insert("recency");
            } else if name == "tenure_days" {
                assert_eq!(number_after(cell, "tenure: "), v, "{cell}");
                seen.insert("tenure");
            } else {
                panic!("unexpected driver {name}: {cell}");
            }
        }
    }
    assert!(seen.contains("velocity") && seen.len() >= 2, "{seen:?}");
    // "(high)": only at or above the 90th percentile of the training rows, checked by a brute
    // count over the training table (the profile's percentiles come from the training split, a
    // subset: allow the gap between the split and the whole table).
    let days: Vec<f64> = features.iter().map(|f| f[col(&fh, "days_since_any")].parse().unwrap()).collect();
    for s in &scores {
        for k in 1..=3 {
            let cell = &s[col(&sh, &format!("risk_driver_{k}"))];
            if let Some(rest) = cell.strip_prefix("days since last activity: ") {
                let v: f64 = number_after(rest, "");
                let share = days.iter().filter(|&&x| x <= v).count() as f64 / days.len() as f64;
                if cell.contains("(high)") {
                    assert!(share >= 0.8, "{cell}: {share}");
                } else if !cell.contains("(low)") {
                    assert!(share < 0.97, "{cell}: {share}");
                }
            }
        }
    }
}

#[test]
fn without_a_dictionary_drivers_keep_name_value() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::trained_model(dir.path());
    let out = dir.path().join("scores.csv");
    score(&model, &dir.path().join("train.csv"), &out, &[]);
    let (h, rows) = read_csv(&out);
    let cell = rows.iter().map(|r| &r[col(&h, "risk_driver_1")]).find(|c| !c.is_empty()).unwrap();
    let (name, rest) = cell.split_once('=').unwrap_or_else(|| panic!("{cell}"));
    assert!(["plan", "monthly_fee", "logins_30d", "tickets", "autopay", "last_nps"].contains(&name), "{cell}");
    assert!(rest.ends_with(')') && rest.contains(" (+"), "{cell}");
}

const RULES: &str = r#"
[[actions]]
tier = "Medium"
driver = "days_since_any"
action = "Call: they stopped using the product"

[[actions]]
driver = "dashboard_view_*"
action = "Offer a dashboard training"

[[actions]]
tier = "Low"
action = "Send the monthly digest"
"#;

/// The first rule matching (tier, risk drivers), evaluated by hand.
fn expected_action(tier: &str, drivers: &[&str], tier_action: &str) -> String {
    if tier == "Medium" && drivers.contains(&"days_since_any") {
        "Call: they stopped using the product".into()
    } else if drivers.iter().any(|d| d.starts_with("dashboard_view_")) {
        "Offer a dashboard training".into()
    } else if tier == "Low" {
        "Send the monthly digest".into()
    } else {
        tier_action.into()
    }
}

#[test]
fn action_rules_match_tier_and_driver_first_match_wins() {
    let dir = tempfile::tempdir().unwrap();
    let (table, model) = dictionary_model(dir.path());
    let config = write(dir.path(), "churn.toml", RULES);
    let plain = dir.path().join("plain.jsonl");
    let ruled = dir.path().join("ruled.csv");
    let ruled_json = dir.path().join("ruled.jsonl");
    score(&model, &table, &plain, &["--format", "jsonl"]);
    let cfg = config.to_str().unwrap();
    score(&model, &table, &ruled, &["--config", cfg]);
    score(&model, &table, &ruled_json, &["--config", cfg, "--format", "jsonl"]);
    let plain: Vec<serde_json::Value> =
        std::fs::read_to_string(&plain).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ruled_json: Vec<serde_json::Value> =
        std::fs::read_to_string(&ruled_json).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (h, rows) = read_csv(&ruled);
    let mut by_rule = std::collections::BTreeMap::new();
    for ((p, r), j) in plain.iter().zip(&rows).zip(&ruled_json) {
        let tier = p["risk_tier"].as_str().unwrap();
        let drivers: Vec<&str> = (1..=3).filter_map(|k| p[format!("risk_driver_{k}")]["feature"].as_str()).collect();
        let want = expected_action(tier, &drivers, p["recommended_action"].as_str().unwrap());
        assert_eq!(r[col(&h, "recommended_action")], want, "{p}");
        assert_eq!(j["recommended_action"], want.as_str());
        // Everything else is as without rules.
        assert_eq!(j["churn_probability"], p["churn_probability"]);
        assert_eq!(j["risk_driver_1"], p["risk_driver_1"]);
        *by_rule.entry(want).or_insert(0) += 1;
    }
    assert!(by_rule.contains_key("Offer a dashboard training"), "{by_rule:?}");
    assert!(by_rule.contains_key("Expansion focus"), "the tier's action is the fallback: {by_rule:?}");
    // `explain --config` applies the same rules to the same account (logistic: the same
    // contributions as score).
    let id_col = col(&h, "account_id");
    for target in ["Offer a dashboard training", "Expansion focus"] {
        let first_rows: Vec<&Vec<String>> = rows
            .iter()
            .enumerate()
            .filter(|(i, r)| rows.iter().position(|x| x[id_col] == r[id_col]) == Some(*i))
            .map(|(_, r)| r)
            .collect();
        let Some(r) = first_rows.iter().find(|r| r[col(&h, "recommended_action")] == target) else { continue };
        let out = churn()
            .args(["explain", "--json", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&table)
            .args(["--id", &r[id_col], "--config", cfg])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(e["recommended_action"], target, "{}", r[id_col]);
    }
}

#[test]
fn bad_action_rules_and_typos_exit_2_naming_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::trained_model(dir.path());
    let data = dir.path().join("train.csv");
    let out = dir.path().join("s.csv");
    let cases = [
        (
            "[[actions]]\ntier = \"Hgh\"\naction = \"x\"\n",
            vec!["key `tier` = \"Hgh\" is not a risk tier", "did you mean `High`?"],
        ),
        (
            "[[actions]]\ntier = \"High\"\nactoin = \"x\"\n",
            vec!["line 3, column 1", "unknown field `actoin`", "did you mean `action`?"],
        ),
        ("[[actions]]\naction = \"x\"\n", vec!["give `tier`, `driver` or both"]),
        ("[drift]\npsii = 0.2\n", vec!["line 2, column 1", "2 | psii = 0.2", "^^^^", "did you mean `psi`?"]),
        ("[drivers]\nexlude = [\"x\"]\n", vec!["unknown field `exlude`", "did you mean `exclude`?"]),
        ("[drfit]\npsi = 0.2\n", vec!["unknown field `drfit`", "did you mean `drift`?"]),
        ("[data]\nlabel = \"churned\n", vec!["line 2", "\n  |\n"]),
        (
            "[[health.components]]\nname = \"u\"\ncolum = \"logins_30d\"\n",
            vec!["line 3, column 1", "3 | colum", "unknown field `colum`", "did you mean `column`?"],
        ),
    ];
    for (i, (text, wants)) in cases.iter().enumerate() {
        let cfg = write(dir.path(), &format!("c{i}.toml"), text);
        for cmd in ["score", "train"] {
            let mut c = churn();
            if cmd == "score" {
                c.args(["score", "--model"]).arg(&model).arg("--data").arg(&data).arg("--out").arg(&out);
            } else {
                c.args(["train", "--label", "churned", "--data"])
                    .arg(&data)
                    .arg("--out")
                    .arg(dir.path().join("m.json"));
            }
            let o = c.arg("--config").arg(&cfg).output().unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{cmd} {text}: {err}");
            assert!(err.contains(&format!("c{i}.toml")), "{cmd} {text}: {err}");
            for w in wants {
                assert!(err.contains(w), "{cmd} {text}: `{w}` not in {err}");
            }
        }
    }
    // `churn drift` reads [drift] itself: the same message.
    let cfg = dir.path().join("c3.toml");
    let o = churn()
        .args(["drift", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean `psi`?") && err.contains("^^^^"), "{err}");
    // The file is parsed once, whole: `churn drift` and `churn health validate` reject a typo in
    // the other's table too.
    let health_typo = dir.path().join(format!("c{}.toml", cases.len() - 1));
    for (args, cfg, want) in [
        (["drift", "--model"], &health_typo, "did you mean `column`?"),
        (["health", "validate"], &cfg, "did you mean `psi`?"),
    ] {
        let mut c = churn();
        c.args(args);
        if args[0] == "drift" {
            c.arg(&model);
        }
        let o = c.arg("--data").arg(&data).args(["--label", "churned", "--config"]).arg(cfg).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(want) && err.contains(".toml: TOML parse error at line"), "{err}");
    }
}

/// A customer table at about 1.6% churn (socialnet7's rate): churn depends on usage.
fn low_churn_csv(n: usize, seed: u64) -> String {
    let mut rng = churn_core::rng::Rng::new(seed);
    let mut s = String::from("account_id,logins_30d,tickets,seats,churned\n");
    for i in 0..n {
        let logins = (rng.next_f64() * 40.0).floor();
        let tickets = rng.below(6);
        let seats = 1 + rng.below(20);
        let z = -3.6 - 0.06 * logins + 0.35 * tickets as f64;
        let churned = rng.next_f64() < 1.0 / (1.0 + (-z).exp());
        s.push_str(&format!("A{i:05},{logins},{tickets},{seats},{}\n", u8::from(churned)));
    }
    s
}

/// The shapes drawn in one chart figure of report.html: (circles, bars with a height).
fn drawn(html: &str, chart: &str) -> (usize, usize) {
    let start = html.find(&format!("id=\"chart-{chart}\"")).unwrap_or_else(|| panic!("no chart-{chart}"));
    let fig = &html[start..start + html[start..].find("</figure>").unwrap()];
    let circles = fig.matches("<circle").count();
    let bars = fig
        .split("<rect ")
        .skip(1)
        .filter(|r| {
            let h = r.split("height=\"").nth(1).and_then(|x| x.split('"').next()).unwrap_or("0");
            let fill = r.contains("fill=\"#1F77B4\"") || r.contains("fill=\"#FF7F0E\"");
            fill && h.parse::<f64>().unwrap_or(0.0) > 0.0
        })
        .count();
    (circles, bars)
}

#[test]
fn low_churn_report_charts_zoom_to_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let text = low_churn_csv(12000, 11);
    let rate = text.lines().skip(1).filter(|l| l.ends_with(",1")).count() as f64 / 12000.0;
    assert!((0.01..0.03).contains(&rate), "churn rate {rate}");
    let data = write(dir.path(), "low.csv", &text);
    let model = dir.path().join("low.json");
    churn()
        .args(["train", "--models", "logistic", "--label", "churned", "--id", "account_id", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let out = dir.path().join("report");
    churn().args(["report", "--model"]).arg(&model).arg("--data").arg(&data).arg("--out").arg(&out).assert().success();
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    // Equal-width bins over [0, 1] collapse here: at most 4 hold a row.
    let p_max = r["calibration"]["calibrated"]["equal_width"].as_array().unwrap().len();
    assert!(p_max < 5, "{p_max} equal-width bins: not a low-churn case");
    // The histogram spans the data: edges from the smallest to the largest probability.
    let edges: Vec<f64> =
        r["score_distribution"]["edges"].as_array().unwrap().iter().map(|e| e.as_f64().unwrap()).collect();
    assert!(edges[0] > 0.0 && edges[edges.len() - 1] < 0.5, "{edges:?}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let (circles, _) = drawn(&html, "calibration");
    assert!(circles >= 10, "calibration: {circles} points (two series of quantile bins expected)");
    assert!(html.contains("quantile bins, zoomed"));
    let (_, bars) = drawn(&html, "score_distribution");
    assert!(bars >= 5, "score distribution: {bars} non-empty bars");
    // Rendered in headless chromium (CI, or CHURN_BROWSER_CHECK=1): the page draws, and the
    // screenshot is kept under target/ as an artifact.
    if std::env::var_os("CI").is_some() || std::env::var_os("CHURN_BROWSER_CHECK").is_some() {
        let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"));
        std::fs::create_dir_all(&target).unwrap();
        let shot = target.join("low-churn-report.png");
        let status = std::process::Command::new("bash")
            .arg(root().join("tests/browser/check_report.sh"))
            .arg(out.join("report.html"))
            .env("CHECK_REPORT_SCREENSHOT", &shot)
            .status()
            .unwrap();
        assert!(status.success(), "report.html did not render in headless chromium");
        let dom = std::fs::read_to_string(target.join("low-churn-report.dom.html")).unwrap();
        let (circles, _) = drawn(&dom, "calibration");
        let (_, bars) = drawn(&dom, "score_distribution");
        assert!(circles >= 10 && bars >= 5, "rendered page: {circles} calibration points, {bars} bars");
        eprintln!("screenshot: {}", shot.display());
    }
}

#[test]
fn explain_speaks_the_drivers_words_and_hides_excluded_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (table, model) = dictionary_model(dir.path());
    let json_out = dir.path().join("scores.jsonl");
    score(&model, &table, &json_out, &["--drivers", "3", "--format", "jsonl"]);
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let id_col = m["schema"]["id"].as_str().unwrap().to_string();
    let explain = |id: &str, extra: &[&str]| {
        let out = churn()
            .args(["explain", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&table)
            .args(["--id", id])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    // The first scored row of an account is the row explain looks up: its risk drivers (logistic
    // regression: the same exact contributions) are explain's "raises the risk" list, in the
    // same words, and each driver's JSON `text` is explain's `text` of that feature.
    let mut checked = 0;
    let mut seen = std::collections::BTreeSet::new();
    for line in std::fs::read_to_string(&json_out).unwrap().lines() {
        let j: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = j[&id_col].as_str().unwrap().to_string();
        if !seen.insert(id.clone()) || j["risk_driver_1"].is_null() || checked == 5 {
            continue;
        }
        checked += 1;
        let e: serde_json::Value = serde_json::from_str(&explain(&id, &["--json"])).unwrap();
        let md = explain(&id, &[]);
        let raises = md.split("**What raises the risk**\n\n").nth(1).unwrap_or_else(|| panic!("{md}"));
        let listed: Vec<&str> = raises.lines().take_while(|l| l.starts_with("- ")).collect();
        for k in 1..=3 {
            let d = &j[format!("risk_driver_{k}")];
            if d.is_null() {
                assert_eq!(listed.len(), k - 1, "{md}");
                break;
            }
            let name = d["feature"].as_str().unwrap();
            let text = d["text"].as_str().unwrap();
            let c = e["contributions"].as_array().unwrap().iter().find(|c| c["feature"] == name).unwrap();
            assert_eq!(c["text"].as_str(), Some(text), "{name}");
            assert_eq!(listed[k - 1], format!("- {text} ({:+.3})", d["contribution"].as_f64().unwrap()), "{md}");
        }
        // Every row of the table carries its words when the dictionary phrases the column.
        assert!(md.contains("| In words |"), "{md}");
    }
    assert_eq!(checked, 5);
    // `[drivers] exclude`: the column is neither listed nor in the table, and the JSON says so.
    let cfg = write(dir.path(), "churn.toml", "[drivers]\nexclude = [\"tenure_days\"]\n");
    let first = seen.iter().next().unwrap().clone();
    let md = explain(&first, &["--config", cfg.to_str().unwrap()]);
    assert!(!md.contains("| tenure_days |") && !md.contains("- tenure"), "{md}");
    assert!(md.contains("1 column excluded from drivers by `[drivers] exclude` is not shown"), "{md}");
    let e: serde_json::Value =
        serde_json::from_str(&explain(&first, &["--json", "--config", cfg.to_str().unwrap()])).unwrap();
    assert_eq!(e["hidden_columns"], serde_json::json!(["tenure_days"]));
    assert!(e["contributions"].as_array().unwrap().iter().all(|c| c["feature"] != "tenure_days"));
}
