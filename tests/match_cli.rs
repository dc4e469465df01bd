//! `feedmill match eval` and `match cluster` as a user runs them, on fixtures of
//! `tests/fixtures/matching/`; the shared benchmark data is read only when it is there.

use crate::support::{fixture, run, stderr, stdout_lines};
use serde_json::Value;
use std::path::PathBuf;

fn matching(name: &str) -> String {
    fixture(&format!("matching/{name}")).display().to_string()
}

#[test]
fn eval_json_reports_exact_figures_of_a_known_model() {
    let pairs = matching("pairs.txt");
    let model = matching("jaccard-model.json");
    let output = run(&[
        "match", "eval", "--pairs", &pairs, "--model", &model, "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("one json object");
    assert_eq!(report["pairs"], 6);
    assert_eq!(report["positives"], 3);
    assert_eq!(report["threshold"], 0.5);
    for field in [
        "precision",
        "recall",
        "f1",
        "auto_group_precision",
        "auto_group_f1",
    ] {
        let value = report[field].as_f64().unwrap_or(-1.0);
        assert!((value - 2.0 / 3.0).abs() < 1e-9, "{field}: {report}");
    }
    assert_eq!(
        report["f1_at_precision_98"],
        Value::Null,
        "98 % is out of reach: {report}"
    );
    assert!(
        report["pairs_per_second"].as_f64().is_some_and(|r| r > 0.0),
        "{report}"
    );
}

#[test]
fn eval_text_names_its_figures() {
    let output = run(&[
        "match",
        "eval",
        "--pairs",
        &matching("pairs.txt"),
        "--model",
        &matching("jaccard-model.json"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("precision 0.6667  recall 0.6667  f1 0.6667"),
        "{text}"
    );
    assert!(text.contains("pairs/s"), "{text}");
}

#[test]
fn a_malformed_pair_line_is_an_error_naming_its_line() {
    let output = run(&["match", "eval", "--pairs", &matching("pairs-malformed.txt")]);
    assert_ne!(output.status.code(), Some(0));
    let message = stderr(&output);
    assert!(
        message.contains("line 3: label must be 0 or 1, found \"maybe\""),
        "{message}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_missing_or_broken_model_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("model.json");
    std::fs::write(&broken, "{\"version\": 1}").expect("write");
    let output = run(&[
        "match",
        "eval",
        "--pairs",
        &matching("pairs.txt"),
        "--model",
        &broken.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("matcher model is not valid"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn train_writes_a_model_that_eval_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("model.json");
    let pairs = matching("pairs.txt");
    let output = run(&[
        "match",
        "train",
        "--pairs",
        &pairs,
        "--valid",
        &pairs,
        "--out",
        &out.display().to_string(),
        "--trees",
        "5",
        "--depth",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("model written")).expect("json");
    assert_eq!(model["version"], 1);
    assert_eq!(model["ensemble"]["trees"].as_array().map(Vec::len), Some(5));
    let output = run(&[
        "match",
        "eval",
        "--pairs",
        &pairs,
        "--model",
        &out.display().to_string(),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

fn cluster_fixture() -> Vec<Value> {
    let output = run(&["match", "cluster", &matching("offers.ndjson")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout_lines(&output)
}

#[test]
fn cluster_groups_by_identifiers_and_never_joins_two_gtins_or_mpns() {
    let offers = cluster_fixture();
    assert_eq!(offers.len(), 7, "every offer is written back");
    let product = |i: usize| {
        offers[i]["product_id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let method = |i: usize| {
        offers[i]["match"]["method"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(offers[0]["id"], "shop:1", "input order and fields are kept");
    assert_eq!(offers[0]["price"], "89.00");
    assert_eq!(
        product(0),
        product(1),
        "same GTIN, written with 13 and 14 digits"
    );
    assert_eq!((method(0), method(1)), ("gtin".into(), "gtin".into()));
    assert_ne!(
        product(0),
        product(2),
        "a different GTIN is a different product"
    );
    assert_eq!(product(3), product(4), "same brand and MPN");
    assert_eq!(method(3), "model");
    assert_ne!(
        product(3),
        product(5),
        "a different MPN is a different product"
    );
    assert_eq!(method(6), "none");
    assert_ne!(product(6), product(0));
    // "p" and 12 hex digits (feedmill_model::PRODUCT_ID_HEX_LEN).
    assert!(offers.iter().all(|o| {
        o["product_id"]
            .as_str()
            .is_some_and(|id| id.starts_with('p') && id.len() == 13)
    }));
}

#[test]
fn cluster_ids_are_the_same_on_every_run() {
    assert_eq!(cluster_fixture(), cluster_fixture());
}

#[test]
fn cluster_rejects_a_line_that_is_not_an_offer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("offers.ndjson");
    let good = std::fs::read_to_string(fixture("matching/offers.ndjson")).expect("fixture");
    std::fs::write(&input, format!("{good}{{\"id\": 1}}\n")).expect("write");
    let output = run(&["match", "cluster", &input.display().to_string()]);
    assert_ne!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("line 8: offer is not valid json"),
        "{}",
        stderr(&output)
    );
}

/// `../shared/matching` beside the checkout (or beside the folder of worktrees), or
/// `$MATCHING_DATA`.
fn shared_matching() -> Option<PathBuf> {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut candidates: Vec<PathBuf> = std::env::var_os("MATCHING_DATA")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push(workspace.join("../shared/matching"));
    candidates.push(workspace.join("../../shared/matching"));
    candidates.into_iter().find(|path| path.is_dir())
}

/// The bundled model on the shared validation pairs (skipped when ../shared/matching is absent).
#[test]
fn bundled_model_beats_the_published_non_neural_f1_on_shared_validation_pairs() {
    let Some(root) = shared_matching() else {
        eprintln!("skipped: ../shared/matching is absent");
        return;
    };
    for (set, published_f1) in [
        ("wdc/computers/valid.txt.medium", 0.746),
        ("magellan/abt-buy/valid.txt", 0.436),
    ] {
        let pairs = root.join(set).display().to_string();
        let output = run(&["match", "eval", "--pairs", &pairs, "--json"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let report: Value = serde_json::from_slice(&output.stdout).expect("json");
        assert!(
            report["f1"].as_f64().is_some_and(|f1| f1 > published_f1),
            "{set}: {report}"
        );
    }
}
