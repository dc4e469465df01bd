//! The honest numbers over HTTP: every offer of `/search`, `/offers/{id}` and
//! `/products/{gtin}` carries them when the index has them, and the history parameters are
//! validated into 400s.

use crate::testing::{fixture_config, fixture_store, offer};
use crate::{AppState, router};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use chrono::{Duration, TimeZone, Utc};
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex};
use feedmill_model::Decimal;
use feedmill_model::{Gtin, Network};
use feedmill_search::{PriceFacts, PriceHistoryFigures};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Two offers of one GTIN: one with history (dropped from 600 to 450 a day ago, 30-day low
/// 600), one without.
fn state(dir: &std::path::Path) -> Result<AppState, Box<dyn std::error::Error>> {
    let now = Utc
        .with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
        .single()
        .ok_or("bad date")?;
    let gtin = Gtin::parse("4006381333931").ok();
    let mut priced = offer(
        "shop",
        "a",
        Network::Generic,
        None,
        "https://shop.example/a",
    );
    priced.price = Decimal::new(45000, 2);
    priced.old_price = Some(Decimal::new(60000, 2));
    priced.gtin = gtin.clone();
    let mut bare = offer(
        "shop",
        "b",
        Network::Generic,
        None,
        "https://shop.example/b",
    );
    bare.gtin = gtin;
    let figures = PriceHistoryFigures {
        current_since: now - Duration::days(1),
        previous_price: Some(Decimal::new(60000, 2)),
        history_days: 45,
        lowest_30d: Some(Decimal::new(60000, 2)),
        lowest_since: now - Duration::days(1),
    };
    let facts = PriceFacts::new(&priced, &figures);
    let index = OfferIndex::in_ram()?;
    let mut ingest = index.begin_source_ingest("shop", IngestOptions::default())?;
    ingest.add_priced(&priced, Some(&facts))?;
    ingest.add(&bare)?;
    ingest.commit(IngestMeta::default())?;
    index.set_search_time(Some(now));
    let config = fixture_config(&dir.join("clicks.ndjson"));
    Ok(AppState::new(Arc::new(index), config, fixture_store(dir))?)
}

async fn get(
    state: &AppState,
    uri: &str,
) -> Result<(StatusCode, Value), Box<dyn std::error::Error>> {
    let mut request = Request::builder().uri(uri).body(Body::empty())?;
    let peer: SocketAddr = ([192, 0, 2, 7], 4711).into();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = router(state.clone()).oneshot(request).await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    Ok((status, serde_json::from_slice(&bytes)?))
}

fn assert_honest(offer: &Value) {
    assert_eq!(offer["lowest_price_30d"], "600.00", "{offer}");
    assert_eq!(offer["previous_price"], "600.00");
    assert_eq!(offer["discount_percent"], 25.0);
    assert_eq!(offer["claimed_discount_percent"], 25.0);
    assert_eq!(offer["discount_verified"], true);
    assert_eq!(offer["history_days"], 45);
    assert!(offer["price_changed_at"].is_string());
    assert!(offer["click_url"].is_string(), "the links stay");
}

#[tokio::test]
async fn every_answer_carries_the_honest_numbers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let state = state(dir.path())?;
    let (status, search) = get(&state, "/search?sort=price_drop").await?;
    assert_eq!(status, StatusCode::OK, "{search}");
    assert_honest(&search["items"][0]);
    assert!(
        search["items"][1].get("lowest_price_30d").is_none(),
        "no history, no facts"
    );
    let (_, offer) = get(&state, "/offers/shop:a").await?;
    assert_honest(&offer);
    let (_, product) = get(&state, "/products/4006381333931").await?;
    let offers = product["offers"].as_array().cloned().unwrap_or_default();
    let with_history: Vec<&Value> = offers.iter().filter(|o| o["id"] == "shop:a").collect();
    assert_eq!(with_history.len(), 1);
    assert_honest(with_history[0]);
    let (_, dropped) = get(&state, "/search?dropped_within=7d").await?;
    assert_eq!(dropped["total"], 1);
    let (_, lowest) = get(&state, "/search?at_lowest=90d").await?;
    assert_eq!(lowest["total"], 0, "lowest for a day only");
    Ok(())
}

#[tokio::test]
async fn bad_history_parameters_are_400s() -> TestResult {
    let dir = tempfile::tempdir()?;
    let state = state(dir.path())?;
    for uri in [
        "/search?dropped_within=week",
        "/search?at_lowest=0d",
        "/search?at_lowest=999d",
        "/search?sort=drop",
    ] {
        let (status, body) = get(&state, uri).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(body["error"]["message"].is_string(), "{uri}: {body}");
    }
    Ok(())
}
