//! `feedmill ingest`, `search` and `stats` as a user runs them against a real on-disk index.

use crate::support::{run, stderr};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn demo(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../feeds/demo")
        .join(name)
        .display()
        .to_string()
}

fn ingest(index: &Path, source: &str, extra: &[&str], paths: &[&str]) -> std::process::Output {
    let index = index.display().to_string();
    let mut args = vec!["ingest", "--index", &index, "--source", source];
    args.extend_from_slice(extra);
    args.extend_from_slice(paths);
    run(&args)
}

fn search_json(index: &Path, args: &[&str]) -> Value {
    let index = index.display().to_string();
    let mut all = vec!["search", "--index", &index, "--json"];
    all.extend_from_slice(args);
    let output = run(&all);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("search json: {err}"))
}

fn total(response: &Value) -> u64 {
    response["total"].as_u64().unwrap_or_default()
}

#[test]
fn ingest_then_search_stats_and_skip_an_unchanged_feed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let output = ingest(
        &index,
        "nordicsport",
        &[],
        &[&demo("adtraction-nordicsport.xml")],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("45 offers"), "{}", stderr(&output));

    let everything = search_json(&index, &["--source", "nordicsport", "--per-page", "5"]);
    assert_eq!(total(&everything), 45);
    assert_eq!(everything["items"].as_array().map(Vec::len), Some(5));
    assert!(everything["items"][0]["price"].is_string());

    let stats = run(&["stats", "--index", &index.display().to_string(), "--json"]);
    let stats: Value = serde_json::from_slice(&stats.stdout).expect("stats json");
    assert_eq!(stats[0]["source"], "nordicsport");
    assert_eq!(stats[0]["num_offers"], 45);

    let again = ingest(
        &index,
        "nordicsport",
        &[],
        &[&demo("adtraction-nordicsport.xml")],
    );
    assert_eq!(again.status.code(), Some(0));
    assert!(stderr(&again).contains("unchanged"), "{}", stderr(&again));
}

#[test]
fn a_shrunken_feed_keeps_the_old_offers_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let full = ingest(&index, "shop", &[], &[&demo("google-techstore.xml")]);
    assert_eq!(full.status.code(), Some(0), "{}", stderr(&full));
    let small_feed = crate::support::fixture("google-rss.xml")
        .display()
        .to_string();

    let tripped = ingest(&index, "shop", &[], &[&small_feed]);
    assert_eq!(tripped.status.code(), Some(1), "{}", stderr(&tripped));
    let message = stderr(&tripped);
    assert!(message.contains("from 50 to 3 offers"), "{message}");
    assert_eq!(total(&search_json(&index, &["--source", "shop"])), 50);

    let forced = ingest(&index, "shop", &["--force"], &[&small_feed]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
    assert_eq!(total(&search_json(&index, &["--source", "shop"])), 3);
}

#[test]
fn a_broken_download_leaves_the_source_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    let ok = ingest(&index, "shop", &[], &[&demo("google-techstore.xml")]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let broken = dir.path().join("broken.xml");
    let feed = std::fs::read_to_string(demo("google-techstore.xml")).expect("demo feed");
    std::fs::write(&broken, &feed[..feed.len() * 2 / 3]).expect("write");
    let failed = ingest(
        &index,
        "shop",
        &["--force"],
        &[&broken.display().to_string()],
    );
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
    assert_eq!(total(&search_json(&index, &["--source", "shop"])), 50);
}

#[test]
fn search_filters_sorts_facets_and_groups_by_gtin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index");
    for (source, feed) in [
        ("techstore", "google-techstore.xml"),
        ("sneakerhub", "awin-sneakerhub.csv.gz"),
        ("homeshop", "tradetracker-homeshop.xml"),
    ] {
        let output = ingest(&index, source, &[], &[&demo(feed)]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    let cheap_first = search_json(
        &index,
        &["--sort", "price_asc", "--currency", "EUR", "--in-stock"],
    );
    let prices: Vec<f64> = cheap_first["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["price"].as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert!(
        cheap_first["items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|o| o["availability"] == "in_stock"))
    );

    let faceted = search_json(&index, &["--facets", "brand,network,price"]);
    assert!(
        faceted["facets"]["brand"]
            .as_array()
            .is_some_and(|b| !b.is_empty())
    );
    let networks: u64 = faceted["facets"]["network"]
        .as_array()
        .map(|n| n.iter().filter_map(|v| v["count"].as_u64()).sum())
        .unwrap_or_default();
    assert_eq!(networks, total(&faceted));

    let grouped = search_json(
        &index,
        &["--group-by-gtin", "--currency", "EUR", "--per-page", "100"],
    );
    let groups: Vec<&Value> = grouped["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["offer_count"].as_u64().is_some_and(|n| n >= 2))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !groups.is_empty(),
        "the demo feeds share GTINs across merchants"
    );
    for group in groups {
        let offers = group["offers"].as_array().expect("offers");
        let amount = |offer: &Value, field: &str| -> f64 {
            offer[field]
                .as_str()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0.0)
        };
        let totals: Vec<f64> = offers
            .iter()
            .map(|o| amount(o, "price") + amount(o, "shipping"))
            .collect();
        assert!(
            totals.windows(2).all(|w| w[0] <= w[1]),
            "cheapest total first: {totals:?}"
        );
        let min_price = offers
            .iter()
            .map(|o| amount(o, "price"))
            .fold(f64::INFINITY, f64::min);
        assert_eq!(
            group["min_price"]
                .as_str()
                .and_then(|p| p.parse::<f64>().ok()),
            Some(min_price)
        );
    }
}

#[test]
fn bad_search_flags_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = dir.path().join("index").display().to_string();
    for args in [
        vec!["search", "--index", &index, "--sort", "cheapest"],
        vec!["search", "--index", &index, "--per-page", "101"],
        vec!["search", "--index", &index, "--min-price", "ten"],
        vec!["search", "--index", &index, "--facets", "colour"],
    ] {
        let output = run(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}
