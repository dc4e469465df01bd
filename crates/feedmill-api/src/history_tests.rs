//! The price history endpoints over an in-RAM index and a SQLite store seeded with
//! `record_prices`, through the router without a socket.

use crate::router::router;
use crate::state::AppState;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use feedmill_model::{Availability, Currency, Decimal, Gtin};
use feedmill_store::{PriceHistoryStore, PriceObservation, SqliteStore};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;
use tower::ServiceExt;

pub(crate) struct Fixture {
    pub state: AppState,
    pub store: Arc<SqliteStore>,
    pub _dir: tempfile::TempDir,
}

pub(crate) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let index = Arc::new(index_with(&fixture_offers()));
    let store = fixture_store(dir.path());
    let config = fixture_config(&dir.path().join("clicks.ndjson"));
    let state =
        AppState::new(index, config, store.clone()).unwrap_or_else(|err| panic!("state: {err}"));
    Fixture {
        state,
        store,
        _dir: dir,
    }
}

pub(crate) async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    body: &str,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|err| panic!("request {uri}: {err}"));
    let response = router(state.clone())
        .oneshot(request)
        .await
        .unwrap_or_else(|err| match err {});
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, json)
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    call(state, "GET", uri, "").await
}

pub(crate) fn dec(text: &str) -> Decimal {
    text.parse()
        .unwrap_or_else(|_| panic!("bad test decimal {text}"))
}

pub(crate) fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|_| panic!("bad test currency {code}"))
}

pub(crate) const SHOE_GTIN: &str = "4006381333931";
pub(crate) const NORDIC_SHOE: &str = "nordic:1496445:SKU-1";

/// What an ingest of `nordic` sees of its shoe.
pub(crate) fn shoe(price: &str, old_price: Option<&str>) -> PriceObservation<'static> {
    PriceObservation {
        offer_id: NORDIC_SHOE.into(),
        price: dec(price),
        old_price: old_price.map(dec),
        currency: currency("EUR"),
        availability: Availability::InStock,
        gtin: Gtin::parse(SHOE_GTIN).ok().map(Cow::Owned),
        merchant: Some("Nordic Sport".into()),
    }
}

fn days_ago(days: i64) -> DateTime<Utc> {
    Utc::now() - Duration::days(days)
}

/// The shoe at 99.00 ten days ago, 79.00 (was 99.00) five days ago, gone two days ago, back
/// yesterday; Sneakerhub's at 85.00 five days ago.
fn seed(store: &SqliteStore) {
    let record = |source: &str, at, seen: &[PriceObservation]| {
        store
            .record_prices(source, at, seen)
            .unwrap_or_else(|err| panic!("record: {err}"));
    };
    record("nordic", days_ago(10), &[shoe("99.00", None)]);
    record("nordic", days_ago(5), &[shoe("79.00", Some("99.00"))]);
    record("nordic", days_ago(2), &[]);
    record("nordic", days_ago(1), &[shoe("79.00", Some("99.00"))]);
    let hub = PriceObservation {
        offer_id: "sneakerhub:38953120000".into(),
        merchant: Some("Sneakerhub".into()),
        ..shoe("85.00", None)
    };
    record("sneakerhub", days_ago(5), &[hub]);
}

#[tokio::test]
async fn an_offers_history_lists_its_change_points_with_money_as_strings() {
    let f = fixture();
    seed(&f.store);
    let (status, json) = get(&f.state, &format!("/offers/{NORDIC_SHOE}/history")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["offer_id"], NORDIC_SHOE);
    assert_eq!(json["days"], 90);
    let points = json["points"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<&str> = points.iter().filter_map(|p| p["kind"].as_str()).collect();
    assert_eq!(kinds, ["first", "change", "gap", "return"]);
    assert_eq!(points[0]["price"], "99.00");
    assert!(points[0]["old_price"].is_null() && points[0]["sale_price"].is_null());
    assert_eq!(
        (
            &points[1]["price"],
            &points[1]["old_price"],
            &points[1]["sale_price"]
        ),
        (
            &Value::from("79.00"),
            &Value::from("99.00"),
            &Value::from("79.00")
        )
    );
    assert_eq!(points[1]["currency"], "EUR");
    assert_eq!(points[1]["availability"], "in_stock");
    assert!(points[2]["price"].is_null() && points[2]["currency"].is_null());
    let at = points[0]["at"].as_str().unwrap_or_default();
    assert!(DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
}

#[tokio::test]
async fn a_short_window_starts_with_the_point_in_effect_when_it_opens() {
    let f = fixture();
    seed(&f.store);
    let (status, json) = get(&f.state, &format!("/offers/{NORDIC_SHOE}/history?days=3")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let kinds: Vec<&str> = json["points"]
        .as_array()
        .map(|p| p.iter().filter_map(|p| p["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["change", "gap", "return"]);
    assert_eq!(json["days"], 3);
}

#[tokio::test]
async fn offers_without_history_are_empty_and_unknown_ones_404() {
    let f = fixture();
    let (status, json) = get(&f.state, &format!("/offers/{NORDIC_SHOE}/history")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["points"], serde_json::json!([]));
    let (status, json) = get(&f.state, "/offers/nordic:nope/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json["error"]["code"], "offer_not_found");
    let gone = PriceObservation {
        offer_id: "nordic:gone".into(),
        ..shoe("10.00", None)
    };
    f.store
        .record_prices("nordic", days_ago(3), &[gone])
        .unwrap_or_else(|err| panic!("record: {err}"));
    let (status, json) = get(&f.state, "/offers/nordic:gone/history").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "an offer gone from the index keeps its history"
    );
    assert_eq!(json["points"][0]["price"], "10.00");
}

#[tokio::test]
async fn bad_days_are_400() {
    let f = fixture();
    for query in ["days=0", "days=401", "days=ninety", "days=-3", "from=1"] {
        for path in [
            format!("/offers/{NORDIC_SHOE}/history?{query}"),
            format!("/products/{SHOE_GTIN}/history?{query}"),
        ] {
            let (status, json) = get(&f.state, &path).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {json}");
            assert!(json["error"]["message"].is_string(), "{json}");
        }
    }
}

#[tokio::test]
async fn a_products_history_has_the_market_low_and_each_merchants_low() {
    let f = fixture();
    seed(&f.store);
    let (status, json) = get(&f.state, &format!("/products/{SHOE_GTIN}/history?days=30")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["gtin"], "04006381333931");
    assert_eq!(json["days"], 30);
    let market = json["market"].as_array().cloned().unwrap_or_default();
    assert_eq!(market.len(), 3, "three days had prices: {json}");
    assert_eq!(
        (&market[0]["low"], &market[0]["merchants"]),
        (&Value::from("99.00"), &Value::from(1))
    );
    assert_eq!(
        (
            &market[1]["low"],
            &market[1]["merchants"],
            &market[1]["currency"]
        ),
        (&Value::from("79.00"), &Value::from(2), &Value::from("EUR"))
    );
    let merchants = json["merchants"].as_array().cloned().unwrap_or_default();
    let names: Vec<(&str, &str)> = merchants
        .iter()
        .filter_map(|m| Some((m["merchant"].as_str()?, m["source"].as_str()?)))
        .collect();
    assert_eq!(
        names,
        [("Nordic Sport", "nordic"), ("Sneakerhub", "sneakerhub")]
    );
    assert_eq!(merchants[1]["points"][0]["low"], "85.00");
    assert_eq!(merchants[0]["points"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn product_history_takes_any_gtin_length_and_finds_nothing_for_bad_ones() {
    let f = fixture();
    let (status, json) = get(&f.state, "/products/04006381333931/history").await;
    assert_eq!(status, StatusCode::OK, "no history yet, but offers: {json}");
    assert_eq!(json["market"], serde_json::json!([]));
    let (status, json) = get(&f.state, "/products/4006381333932/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "bad check digit: {json}");
    assert_eq!(json["error"]["code"], "product_not_found");
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("check digit")),
        "{json}"
    );
    let (status, json) = get(&f.state, "/products/96385074/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{json}");
    assert_eq!(json["error"]["code"], "product_not_found");
}

#[tokio::test]
async fn a_history_window_ends_at_the_states_clock() {
    let f = fixture();
    seed(&f.store);
    let kinds = |json: &Value| -> Vec<String> {
        json["points"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter_map(|p| p["kind"].as_str())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let path = format!("/offers/{NORDIC_SHOE}/history?days=30");
    let (_, json) = get(&f.state, &path).await;
    assert_eq!(kinds(&json), ["first", "change", "gap", "return"]);
    // Forty days on, the 30-day window opens nine days after the return: only it is in effect.
    f.state.wall_clock().set(Some(days_ago(-40)));
    let (status, json) = get(&f.state, &path).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(kinds(&json), ["return"], "{json}");
    let (_, json) = get(&f.state, &format!("/products/{SHOE_GTIN}/history?days=30")).await;
    let market = json["market"].as_array().map(Vec::len).unwrap_or_default();
    assert!(market < 3, "the window moved with the clock: {json}");
    f.state.wall_clock().set(None);
    let (_, json) = get(&f.state, &path).await;
    assert_eq!(kinds(&json).len(), 4, "back on the system clock");
}
