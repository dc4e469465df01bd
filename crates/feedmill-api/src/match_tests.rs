//! The product-matching operator endpoints through the router, with keys on: the review list
//! and the pins from the store, pinning and splitting an indexed offer, removing a pin, and the
//! 4xx of every mistake.

use crate::auth::test_support::{
    ALL_ACTIONS, SEARCH_ONLY, call, get_with, key_fixture, keyed_settings,
};
use axum::http::{Method, StatusCode};
use chrono::{TimeZone, Utc};
use feedmill_store::{MatchReview, PinTarget, ProductMatchStore, SourceMatches};
use serde_json::{Value, json};

const OFFER: &str = "nordic:1496445:SKU-1";
const OFFER_PATH: &str = "/offers/nordic%3A1496445%3ASKU-1/product";
/// The product of the fixture's full offer.
const PRODUCT: &str = "p0123456789ab";

fn admin() -> [(&'static str, &'static str); 1] {
    [("x-api-key", ALL_ACTIONS)]
}

fn review(offer_id: &str, score: f32) -> MatchReview {
    MatchReview {
        offer_id: offer_id.into(),
        source: "ulike".into(),
        title: format!("title of {offer_id}"),
        candidate_offer_id: OFFER.into(),
        candidate_title: "Trail shoe".into(),
        candidate_product_id: PRODUCT.into(),
        score,
        created_at: Utc
            .timestamp_opt(1_780_000_000, 0)
            .single()
            .unwrap_or_default(),
    }
}

#[tokio::test]
async fn the_review_list_pages_best_score_first() {
    let f = key_fixture(&keyed_settings());
    let reviews = vec![
        review("ulike:a", 0.61),
        review("ulike:b", 0.83),
        review("ulike:c", 0.7),
    ];
    f.store
        .replace_source_matches(
            "ulike",
            &SourceMatches {
                reviews,
                ..SourceMatches::default()
            },
        )
        .unwrap_or_else(|err| panic!("store: {err}"));
    let answer = get_with(&f.state, "/matches?per_page=2", ALL_ACTIONS).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let list = answer.json();
    assert_eq!(list["status"], "review");
    assert_eq!(list["total"], 3);
    let ids: Vec<&str> = list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["offer_id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(ids, vec!["ulike:b", "ulike:c"]);
    assert_eq!(list["items"][0]["candidate_product_id"], PRODUCT);
    assert_eq!(list["items"][0]["created_at"], "2026-05-28T20:26:40Z");
    let page_two = get_with(
        &f.state,
        "/matches?status=review&per_page=2&page=2",
        ALL_ACTIONS,
    )
    .await;
    assert_eq!(page_two.json()["items"][0]["offer_id"], "ulike:a");
}

#[tokio::test]
async fn an_offer_is_pinned_split_and_unpinned() {
    let f = key_fixture(&keyed_settings());
    let pinned = call(
        &f.state,
        Method::PUT,
        OFFER_PATH,
        Some(json!({ "product_id": PRODUCT })),
        &admin(),
    )
    .await;
    assert_eq!(pinned.status, StatusCode::OK, "{}", pinned.text);
    assert_eq!(pinned.json()["source"], "nordic");
    assert_eq!(pinned.json()["product_id"], PRODUCT);
    assert_eq!(pinned.json()["split"], false);
    let stored = f.store.source_pins("nordic").unwrap_or_default();
    assert_eq!(stored.get(OFFER), Some(&PinTarget::Product(PRODUCT.into())));
    assert!(
        f.store.pins_pending("nordic").is_ok_and(|g| g.is_pending()),
        "the next refresh must apply the pin"
    );

    let split = call(
        &f.state,
        Method::PUT,
        OFFER_PATH,
        Some(json!({ "split": true })),
        &admin(),
    )
    .await;
    assert_eq!(split.status, StatusCode::OK, "{}", split.text);
    assert_eq!(split.json()["product_id"], Value::Null);
    assert_eq!(split.json()["split"], true);
    let pins = get_with(&f.state, "/matches?status=pinned", ALL_ACTIONS).await;
    assert_eq!(pins.json()["status"], "pinned");
    assert_eq!(pins.json()["total"], 1, "a pin again replaces the first");
    assert_eq!(pins.json()["items"][0]["offer_id"], OFFER);

    let removed = call(&f.state, Method::DELETE, OFFER_PATH, None, &admin()).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let again = call(&f.state, Method::DELETE, OFFER_PATH, None, &admin()).await;
    assert_eq!(
        (again.status, again.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(f.store.pins().unwrap_or_default().is_empty());
}

#[tokio::test]
async fn mistakes_are_4xx_naming_what_is_wrong() {
    let f = key_fixture(&keyed_settings());
    let cases = [
        (
            OFFER_PATH,
            json!({ "product_id": "P0123" }),
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
        ),
        (
            OFFER_PATH,
            json!({ "product_id": "pffffffffffff" }),
            StatusCode::NOT_FOUND,
            "product_not_found",
        ),
        (
            OFFER_PATH,
            json!({ "product_id": PRODUCT, "split": true }),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            OFFER_PATH,
            json!({ "split": false }),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            OFFER_PATH,
            json!({}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            OFFER_PATH,
            json!({ "product": PRODUCT }),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "/offers/nope/product",
            json!({ "split": true }),
            StatusCode::NOT_FOUND,
            "offer_not_found",
        ),
    ];
    for (path, body, status, code) in cases {
        let answer = call(&f.state, Method::PUT, path, Some(body.clone()), &admin()).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{body}: {}",
            answer.text
        );
    }
    assert!(
        f.store.pins().unwrap_or_default().is_empty(),
        "nothing was pinned"
    );
    let bad = get_with(&f.state, "/matches?status=open", ALL_ACTIONS).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("status"), "{}", bad.text);
}

#[tokio::test]
async fn only_an_admin_key_reaches_the_matching_endpoints() {
    let f = key_fixture(&keyed_settings());
    let listed = get_with(&f.state, "/matches", SEARCH_ONLY).await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);
    let search_key = [("x-api-key", SEARCH_ONLY)];
    let pinned = call(
        &f.state,
        Method::PUT,
        OFFER_PATH,
        Some(json!({ "split": true })),
        &search_key,
    )
    .await;
    assert_eq!(pinned.status, StatusCode::FORBIDDEN);
    let anonymous = call(&f.state, Method::DELETE, OFFER_PATH, None, &[]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}
