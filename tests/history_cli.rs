//! `feedmill history`: a store seeded with `record_prices`, read back as JSON and as a table
//! with charts, and its usage errors.

use crate::support::{run, stderr};
use chrono::{Duration, Utc};
use feedmill_model::{Availability, Currency, Decimal, Gtin};
use feedmill_store::{PriceHistoryStore, PriceObservation, SqliteStore};
use std::path::Path;

fn seen(offer: &str, price: &str, merchant: &str) -> PriceObservation {
    PriceObservation {
        offer_id: offer.into(),
        price: price.parse::<Decimal>().unwrap_or_default(),
        old_price: None,
        currency: Currency::parse("EUR").unwrap_or_else(|_| unreachable!("EUR is ISO-4217")),
        availability: Availability::InStock,
        gtin: Gtin::parse("4006381333931").ok(),
        merchant: Some(merchant.into()),
    }
}

/// shop:a at 99.00 twelve days ago, 79.00 six days ago, gone three days ago; other:b at 85.00.
fn seed(path: &Path) {
    let store = SqliteStore::open(path).unwrap_or_else(|err| panic!("store: {err}"));
    let ago = |days| Utc::now() - Duration::days(days);
    let record = |source: &str, days, seen: &[PriceObservation]| {
        store
            .record_prices(source, ago(days), seen)
            .unwrap_or_else(|err| panic!("record: {err}"));
    };
    record("shop", 12, &[seen("shop:a", "99.00", "Shop")]);
    record("shop", 6, &[seen("shop:a", "79.00", "Shop")]);
    record("shop", 3, &[]);
    record("other", 6, &[seen("other:b", "85.00", "Other")]);
}

fn history(dir: &Path, args: &[&str]) -> std::process::Output {
    let store = dir.join("feedmill.db");
    let index = dir.join("index");
    let mut all = vec![
        "history",
        "--store",
        store.to_str().unwrap_or_default(),
        "--index",
        index.to_str().unwrap_or_default(),
    ];
    all.extend_from_slice(args);
    run(&all)
}

fn json_of(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "not json ({err}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn history_prints_an_offers_points_and_a_products_lows_as_json() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    seed(&dir.path().join("feedmill.db"));
    let offer = json_of(&history(
        dir.path(),
        &["--offer", "shop:a", "--json", "--days", "30"],
    ));
    assert_eq!(offer["offer_id"], "shop:a");
    assert_eq!(offer["days"], 30);
    let kinds: Vec<&str> = offer["points"]
        .as_array()
        .map(|p| p.iter().filter_map(|p| p["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["first", "change", "gap"]);
    assert_eq!(offer["points"][1]["price"], "79.00");
    let product = json_of(&history(dir.path(), &["--gtin", "4006381333931", "--json"]));
    assert_eq!(product["gtin"], "04006381333931");
    assert_eq!(product["market"][1]["low"], "79.00");
    assert_eq!(product["market"][1]["merchants"], 2);
    let merchants: Vec<&str> = product["merchants"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["merchant"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(merchants, ["Other", "Shop"]);
    assert!(
        product["merchants"][0]["source"].is_null(),
        "no index to tell the source"
    );
}

#[test]
fn history_draws_a_table_and_a_chart_per_currency() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    seed(&dir.path().join("feedmill.db"));
    let output = history(dir.path(), &["--offer", "shop:a", "--days", "20"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("AVAILABILITY") && text.contains("first"),
        "{text}"
    );
    let chart = text
        .lines()
        .find(|l| l.starts_with("EUR"))
        .unwrap_or_else(|| panic!("no EUR chart in {text}"));
    assert!(chart.contains('█') && chart.contains('▁'), "{chart}");
    assert!(chart.ends_with("79.00 – 99.00"), "{chart}");
    let output = history(dir.path(), &["--gtin", "4006381333931"]);
    let text = String::from_utf8_lossy(&output.stdout);
    for label in ["market EUR", "Shop", "Other"] {
        assert!(
            text.lines().any(|l| l.starts_with(label)),
            "{label} in {text}"
        );
    }
}

#[test]
fn history_refuses_bad_arguments_and_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let missing = history(dir.path(), &["--offer", "shop:a"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no store at"),
        "{}",
        stderr(&missing)
    );
    assert!(
        !dir.path().join("feedmill.db").exists(),
        "reading creates no store"
    );
    seed(&dir.path().join("feedmill.db"));
    for args in [
        &["--offer", "shop:a", "--days", "0"][..],
        &["--offer", "shop:a", "--days", "401"],
        &["--offer", "shop:a", "--gtin", "4006381333931"],
        &["--json"],
        &["--gtin", "123"],
    ] {
        assert_eq!(history(dir.path(), args).status.code(), Some(2), "{args:?}");
    }
    let unknown = history(dir.path(), &["--offer", "shop:zzz"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("shop:zzz"),
        "{}",
        stderr(&unknown)
    );
}
