//! `GET /earnings`, `GET /earnings/unattributed` and `GET /search?sort=epc` through the
//! router, over a store with known clicks and sales.

use crate::earnings_testing::{currency, dec, seed_merchant};
use crate::testing::{fixture_config, fixture_store, index_with, offer};
use crate::{AppState, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use feedmill_model::{Decimal, Network};
use feedmill_store::{ConversionInput, ConversionStore, SqliteStore};
use serde_json::Value;
use std::str::FromStr;
use std::sync::Arc;
use tower::ServiceExt;

struct Setup {
    state: AppState,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

/// Offers of Small, Big, Thin and Euro (and one without a merchant), and the store of
/// `epc_ranks_tests`: Small SEK 0.5/click, Big SEK 0.2, Thin too few clicks, Euro EUR 0.5.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let now = Utc::now();
    let store = fixture_store(dir.path());
    seed_merchant(
        &store,
        "Small",
        "shop:s1",
        120,
        &[("SEK", "40.00"), ("SEK", "20.00")],
        now,
    );
    seed_merchant(&store, "Big", "shop:b1", 150, &[("SEK", "30.00")], now);
    seed_merchant(&store, "Thin", "shop:t1", 10, &[("SEK", "100.00")], now);
    seed_merchant(&store, "Euro", "shop:e1", 200, &[("EUR", "100.00")], now);
    let mut offers = Vec::new();
    let offered = [
        ("t1", "Thin", "SEK"),
        ("n1", "", "SEK"),
        ("s2", "Small", "EUR"),
        ("e2", "Euro", "EUR"),
        ("e1", "Euro", "SEK"),
        ("b1", "Big", "SEK"),
        ("s1", "Small", "SEK"),
    ];
    for (id, merchant, code) in offered {
        let mut shoe = offer(
            "shop",
            id,
            Network::Awin,
            None,
            "https://merchant.example/p",
        );
        shoe.merchant_name = (!merchant.is_empty()).then(|| merchant.to_string());
        shoe.currency = currency(code);
        offers.push(shoe);
    }
    let index = Arc::new(index_with(&offers));
    let state = AppState::new(
        index,
        fixture_config(&dir.path().join("clicks.ndjson")),
        store.clone(),
    )
    .unwrap_or_else(|err| panic!("state: {err}"));
    Setup {
        state,
        store,
        _dir: dir,
    }
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let request = Request::get(uri)
        .body(Body::empty())
        .unwrap_or_else(|err| panic!("{uri}: {err}"));
    let response = router(state.clone())
        .oneshot(request)
        .await
        .unwrap_or_else(|err| match err {});
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|err| panic!("{uri}: {err}"));
    (status, json)
}

fn money(value: &Value) -> Decimal {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("money is a string: {value}"));
    Decimal::from_str(text).unwrap_or_else(|err| panic!("{text}: {err}"))
}

fn row<'a>(report: &'a Value, key: Option<&str>, code: &str) -> &'a Value {
    let rows = report["rows"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    rows.iter()
        .find(|r| r["key"].as_str() == key && r["currency"].as_str() == Some(code))
        .unwrap_or_else(|| panic!("no row {key:?} {code} in {report}"))
}

#[tokio::test]
async fn earnings_by_merchant_have_exact_money_epc_and_clicks() {
    let s = setup();
    let (status, report) = get(&s.state, "/earnings?group_by=merchant").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["group_by"], "merchant");
    let small = row(&report, Some("Small"), "SEK");
    assert_eq!(
        (
            small["num_clicks"].as_u64(),
            small["num_conversions"].as_u64()
        ),
        (Some(120), Some(2))
    );
    assert_eq!(money(&small["sale_amount"]), dec("200.00"));
    assert_eq!(money(&small["commission"]["pending"]), dec("60.00"));
    assert_eq!(money(&small["commission"]["approved"]), Decimal::ZERO);
    assert_eq!(money(&small["epc"]), dec("0.5"));
    assert_eq!(money(&small["conversion_rate"]), dec("0.0167"));
    let euro = row(&report, Some("Euro"), "EUR");
    assert_eq!(money(&euro["epc"]), dec("0.5"));
    for group_by in ["day", "source", "offer", "sub_id"] {
        let (status, report) = get(&s.state, &format!("/earnings?group_by={group_by}")).await;
        assert_eq!(status, StatusCode::OK, "{group_by}: {report}");
        assert!(
            !report["rows"].as_array().map(Vec::is_empty).unwrap_or(true),
            "{group_by}"
        );
    }
}

#[tokio::test]
async fn unattributed_sales_are_counted_and_listed() {
    let s = setup();
    let orphan = ConversionInput {
        program_id: "p9".into(),
        order_id: "lost-1".into(),
        amount: Some(dec("80.00")),
        commission_amount: Some(dec("8.00")),
        order_time: Some(Utc::now() - Duration::hours(2)),
        ..ConversionInput::default()
    };
    s.store
        .upsert_conversion(&orphan, currency("SEK"), Utc::now())
        .unwrap_or_else(|err| panic!("orphan: {err}"));
    let (_, report) = get(&s.state, "/earnings?group_by=merchant").await;
    assert_eq!(
        money(&row(&report, None, "SEK")["sale_amount"]),
        dec("80.00")
    );
    let (status, listed) = get(&s.state, "/earnings/unattributed").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["num_sales"], 1);
    assert_eq!(listed["sales"][0]["kind"], "conversion");
    assert_eq!(listed["sales"][0]["order_id"], "lost-1");
}

#[tokio::test]
async fn bad_report_parameters_are_400s_naming_them() {
    let s = setup();
    for (uri, named) in [
        ("/earnings?from=soon", "from"),
        ("/earnings?to=2026-02-30", "to"),
        ("/earnings?group_by=colour", "group_by"),
        (
            "/earnings/unattributed?from=2026-03-01&to=2026-01-01",
            "from",
        ),
    ] {
        let (status, body) = get(&s.state, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(named), "{uri}: {message}");
    }
}

#[tokio::test]
async fn a_store_that_cannot_answer_is_a_503() {
    let s = setup();
    let saboteur =
        rusqlite::Connection::open(s.store.path()).unwrap_or_else(|err| panic!("open: {err}"));
    saboteur
        .execute_batch("DROP TABLE conversion_status_history; DROP TABLE conversions;")
        .unwrap_or_else(|err| panic!("drop: {err}"));
    for uri in ["/earnings", "/earnings/unattributed", "/search?sort=epc"] {
        let (status, body) = get(&s.state, uri).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}: {body}");
        assert_eq!(body["error"]["code"], "store_unavailable", "{uri}");
    }
}

fn ids(answer: &Value) -> Vec<String> {
    let items = answer["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    items
        .iter()
        .filter_map(|i| i["id"].as_str().map(String::from))
        .collect()
}

#[tokio::test]
async fn sort_by_epc_ranks_merchants_with_enough_clicks_first() {
    let s = setup();
    let (status, answer) = get(&s.state, "/search?sort=epc").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let order = ids(&answer);
    let sorted = |part: &[String]| {
        let mut part = part.to_vec();
        part.sort_unstable();
        part
    };
    assert_eq!(
        sorted(&order[..2]),
        ["shop:s1", "shop:s2"],
        "SEK EPC order: {order:?}"
    );
    assert_eq!(order[2], "shop:b1");
    assert_eq!(
        sorted(&order[3..5]),
        ["shop:e1", "shop:e2"],
        "no SEK sales: EPC 0 in SEK"
    );
    assert_eq!(
        sorted(&order[5..]),
        ["shop:n1", "shop:t1"],
        "unranked merchants last"
    );
    let (_, euro) = get(&s.state, "/search?sort=epc&currency=EUR").await;
    assert_eq!(
        ids(&euro),
        ["shop:e2", "shop:s2"],
        "ranked by EPC in EUR: {euro}"
    );
    let (status, grouped) = get(&s.state, "/search?sort=epc&group_by=gtin").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{grouped}");
}
