//! Model files are untrusted input: broken structure, edited numbers and a wrong `model_id`
//! are errors naming the reason, never a panic, hang or stack overflow.

use std::path::{Path, PathBuf};

use churn_model::validate::content_id;
use churn_model::{ModelError, ModelFile};
use serde_json::{json, Value};

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/golden-v1.json")
}

fn golden() -> Value {
    serde_json::from_slice(&std::fs::read(golden_path()).unwrap()).unwrap()
}

/// `v` as model bytes whose `model_id` is the content hash (so only structure can fail).
fn sealed(v: &Value) -> Vec<u8> {
    let mut v = v.clone();
    if let Ok(m) = serde_json::from_value::<ModelFile>(v.clone()) {
        v["model_id"] = json!(content_id(&m));
    }
    serde_json::to_vec_pretty(&v).unwrap()
}

fn load(bytes: &[u8]) -> Result<ModelFile, ModelError> {
    ModelFile::from_bytes(bytes, Path::new("m.json"))
}

fn err(v: &Value) -> String {
    load(&sealed(v)).unwrap_err().to_string()
}

fn width(v: &Value) -> usize {
    v["inputs"].as_array().unwrap().len()
}

/// A gbdt learner of one tree with the given nodes (`[feature, left, right]`) and leaves.
fn gbdt(n_features: usize, nodes: &[[i64; 3]], leaves: usize) -> Value {
    let nodes: Vec<Value> = nodes
        .iter()
        .map(|[f, l, r]| json!({"threshold": 0.0, "feature": f, "left": l, "right": r, "default_left": true}))
        .collect();
    let n = nodes.len();
    json!({
        "kind": "gbdt", "n_features": n_features, "init_score": -1.0, "valid_loss": [], "best_iteration": null,
        "trees": [{"nodes": nodes, "node_gain": vec![1.0; n], "node_cover": vec![10.0; n],
                   "leaf_value": vec![0.25; leaves], "leaf_cover": vec![5.0; leaves]}]
    })
}

#[test]
fn the_golden_model_verifies_and_its_id_is_its_content_hash() {
    let bytes = std::fs::read(golden_path()).unwrap();
    let m = load(&bytes).unwrap();
    assert_eq!(m.model_id, "8e7397ed5b6f12e6");
    // Independently: FNV-1a 64 of the file's own bytes with the id blanked.
    let text =
        String::from_utf8(bytes).unwrap().replacen("\"model_id\": \"8e7397ed5b6f12e6\"", "\"model_id\": \"\"", 1);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    assert_eq!(format!("{h:016x}"), m.model_id);
}

#[test]
fn an_edited_coefficient_is_refused_as_an_id_mismatch() {
    let mut v = golden();
    v["learner"]["coef"][0] = json!(5.0);
    let e = load(&serde_json::to_vec_pretty(&v).unwrap()).unwrap_err();
    assert!(matches!(e, ModelError::IdMismatch { .. }), "{e}");
    assert!(e.to_string().contains("model_id 8e7397ed5b6f12e6 does not match"), "{e}");
    // Whitespace is not content: the same model re-indented still verifies.
    assert!(load(&serde_json::to_vec(&golden()).unwrap()).is_ok());
}

#[test]
fn a_valid_handmade_tree_model_loads() {
    let mut v = golden();
    let w = width(&v);
    v["learner"] = gbdt(w, &[[0, 1, !0], [1, !1, !2]], 3);
    let m = load(&sealed(&v)).unwrap();
    assert_eq!(m.learner.name(), "gbdt");
}

#[test]
fn broken_trees_are_refused_with_the_reason() {
    let base = golden();
    let w = width(&base);
    let cases: Vec<(Value, &str)> = vec![
        (gbdt(w, &[[0, 1, !0], [0, 0, !1]], 3), "reached twice"),
        (gbdt(w, &[[0, 0, !0]], 2), "reached twice"),
        (gbdt(w, &[[0, 9, !0]], 2), "not a node"),
        (gbdt(w, &[[0, !5, !0]], 2), "leaf 5"),
        (gbdt(w, &[[w as i64, !1, !0]], 2), "splits on feature"),
        (gbdt(w, &[[0, !1, !0]], 1), "need 2 leaves"),
        (
            json!({"kind": "gbdt", "n_features": w, "init_score": 0.0, "trees": [], "valid_loss": [], "best_iteration": null}),
            "no trees",
        ),
        (json!({"kind": "forest", "n_features": w, "trees": []}), "no trees"),
    ];
    for (learner, want) in cases {
        let mut v = base.clone();
        v["learner"] = learner;
        let e = err(&v);
        assert!(e.contains("corrupt") && e.contains(want), "want {want}: {e}");
    }
    // A 200,000-node chain: rejected by depth, no stack overflow.
    let n = 200_000i64;
    let chain: Vec<[i64; 3]> = (0..n).map(|i| [0, if i + 1 < n { i + 1 } else { !n }, !i]).collect();
    let mut v = base.clone();
    v["learner"] = gbdt(w, &chain, n as usize + 1);
    assert!(err(&v).contains("deeper than"));
}

#[test]
fn broken_numbers_and_schemas_are_refused() {
    let base = golden();
    type Edit = fn(&mut Value);
    let edits: Vec<(Edit, &str)> = vec![
        (|v| v["schema"]["features"] = json!([]), ""),
        (|v| v["learner"]["coef"] = json!([]), ""),
        (|v| v["input_means"] = json!([]), "input_means"),
        (
            |v| {
                let cols = v["preprocessing"]["columns"].as_array_mut().unwrap();
                let c = cols.iter_mut().find(|c| c["encoding"] == "scaled").unwrap();
                c["std"] = json!(0.0);
            },
            "std is 0",
        ),
    ];
    for (edit, want) in edits {
        let mut v = base.clone();
        edit(&mut v);
        let e = err(&v);
        assert!(e.contains(want), "want {want}: {e}");
    }
}

#[test]
fn a_number_out_of_range_is_corrupt_not_a_panic() {
    let text = std::fs::read_to_string(golden_path()).unwrap();
    let at = text.find("\"coef\": [").unwrap() + "\"coef\": [".len();
    let end = at + text[at..].find(',').unwrap();
    let edited = format!("{}1e999{}", &text[..at], &text[end..]);
    let e = load(edited.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("corrupt") && e.contains("out of range"), "{e}");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(golden_path()).unwrap());
    assert_eq!(load(&bytes).unwrap().model_id, "8e7397ed5b6f12e6");
}
