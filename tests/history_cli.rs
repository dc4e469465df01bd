//! `feedmill history`: a store seeded with `record_prices`, read back as JSON and as a table
//! with charts, and its usage errors.

use crate::support::{run, stderr};
use chrono::{Duration, Utc};
use feedmill_model::{Availability, Currency, Decimal, Gtin};
use feedmill_store::{PriceHistoryStore, PriceObservation, SqliteStore};
use std::borrow::Cow;
use std::path::Path;

fn seen(offer: &str, price: &str, merchant: &str) -> PriceObservation<'static> {
    PriceObservation {
        offer_id: offer.to_owned().into(),
        price: price.parse::<Decimal>().unwrap_or_default(),
        old_price: None,
        currency: Currency::parse("EUR").unwrap_or_else(|_| unreachable!("EUR is ISO-4217")),
        availability: Availability::InStock,
        gtin: Gtin::parse("4006381333931").ok().map(Cow::Owned),
        merchant: Some(merchant.to_owned().into()),
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

const FEED_HEADER: &str = "id,title,price,currency,link\n";

/// A directory with an index and a store, ingested into by `feedmill ingest --store`.
struct Replay {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
}

impl Replay {
    fn new() -> Replay {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
        let path = dir.path().to_path_buf();
        Replay {
            _dir: dir,
            dir: path,
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Ingests shop's feed of `rows` at `days_ago` (a whole day back from the real clock, as
    /// the search's filters measure from it).
    fn ingest(&self, rows: &str, days_ago: i64, extra: &[&str]) {
        let feed = self.dir.join("shop.csv");
        std::fs::write(&feed, format!("{FEED_HEADER}{rows}")).unwrap_or_else(|err| panic!("{err}"));
        let now = (Utc::now() - Duration::days(days_ago)).to_rfc3339();
        let (index, store, feed) = (
            self.path("index"),
            self.path("feedmill.db"),
            self.path("shop.csv"),
        );
        let mut args = vec![
            "ingest",
            "--index",
            &index,
            "--store",
            &store,
            "--source",
            "shop",
            "--format",
            "csv",
            "--no-match",
            "--now",
            &now,
        ];
        args.extend_from_slice(extra);
        args.push(&feed);
        let output = run(&args);
        assert!(output.status.success(), "{}", stderr(&output));
    }

    fn kinds_and_prices(&self, offer: &str) -> Vec<(String, String)> {
        let json = json_of(&history(&self.dir, &["--offer", offer, "--json"]));
        let points = json["points"].as_array().cloned().unwrap_or_default();
        let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        points
            .iter()
            .map(|p| (text(&p["kind"]), text(&p["price"])))
            .collect()
    }

    fn search_ids(&self, args: &[&str]) -> Vec<String> {
        let index = self.path("index");
        let mut all = vec!["search", "--index", &index, "--json"];
        all.extend_from_slice(args);
        let json = json_of(&run(&all));
        let items = json["items"].as_array().cloned().unwrap_or_default();
        items
            .iter()
            .filter_map(|i| i["id"].as_str().map(str::to_owned))
            .collect()
    }
}

fn point(kind: &str, price: &str) -> (String, String) {
    (kind.to_owned(), price.to_owned())
}

#[test]
fn two_ingests_a_day_apart_record_the_drop_and_search_finds_it() {
    let replay = Replay::new();
    let day_one = "a,Trail shoe,99.00,EUR,https://shop.example/a\n\
                   b,Rain jacket,49.00,EUR,https://shop.example/b\n";
    let day_two = "a,Trail shoe,79.00,EUR,https://shop.example/a\n\
                   b,Rain jacket,49.00,EUR,https://shop.example/b\n";
    replay.ingest(day_one, 3, &[]);
    replay.ingest(day_two, 2, &[]);
    assert_eq!(
        replay.kinds_and_prices("shop:a"),
        [point("first", "99.00"), point("change", "79.00")]
    );
    assert_eq!(replay.kinds_and_prices("shop:b"), [point("first", "49.00")]);
    assert_eq!(replay.search_ids(&["--dropped-within", "7d"]), ["shop:a"]);
    assert_eq!(
        replay.search_ids(&["--dropped-within", "1d"]),
        Vec::<String>::new()
    );
}

#[test]
fn an_ingest_without_history_records_nothing() {
    let replay = Replay::new();
    replay.ingest("a,Trail shoe,99.00,EUR,https://shop.example/a\n", 3, &[]);
    replay.ingest(
        "a,Trail shoe,79.00,EUR,https://shop.example/a\n",
        2,
        &["--no-history"],
    );
    assert_eq!(replay.kinds_and_prices("shop:a"), [point("first", "99.00")]);
    assert_eq!(
        replay.search_ids(&["--dropped-within", "7d"]),
        Vec::<String>::new(),
        "no honest numbers without history"
    );
}
