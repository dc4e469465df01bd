//! `expected_commission` through the router: on the offers of a program with rules in
//! `/search`, `/offers/{id}` and `/products/{gtin}`, absent on the others.

use crate::commission_book::SourceProgram;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with};
use crate::{AppState, router};
use axum::body::Body;
use axum::http::Request;
use feedmill_model::{Decimal, Network};
use feedmill_store::{CommissionRule, CommissionValue, ProgramCommissions};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

async fn get(state: &AppState, uri: &str) -> Value {
    let request = Request::get(uri)
        .body(Body::empty())
        .unwrap_or_else(|err| panic!("request {uri}: {err}"));
    let response = router(state.clone())
        .oneshot(request)
        .await
        .unwrap_or_else(|err| match err {});
    assert_eq!(response.status(), 200, "{uri}");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or_else(|err| panic!("{uri}: {err}"))
}

fn sneakerhub_rules() -> ProgramCommissions {
    ProgramCommissions {
        network: Network::Awin,
        program_id: "10597".into(),
        rules: vec![CommissionRule {
            id: "sale".into(),
            name: "Sale".into(),
            transaction_type: None,
            value: CommissionValue::Percent {
                percent: Decimal::new(75, 1),
            },
            categories: Vec::new(),
            thresholds: Vec::new(),
        }],
    }
}

#[tokio::test]
async fn offers_of_a_program_with_rules_carry_their_expected_commission() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let click_log = dir.path().join("clicks.ndjson");
    let index = Arc::new(index_with(&fixture_offers()));
    let state = AppState::new(index, fixture_config(&click_log), fixture_store(dir.path()))
        .unwrap_or_else(|err| panic!("state: {err}"));
    let source = SourceProgram {
        source: "sneakerhub".into(),
        network: Network::Awin,
        program_id: "10597".into(),
    };
    state
        .commissions()
        .replace(vec![sneakerhub_rules()], &[source]);
    let expected = json!({"amount": "54.00", "currency": "SEK", "rule": "Sale: 7.5%"});

    let search = get(&state, "/search?q=shoe&per_page=50").await;
    let items = search["items"].as_array().cloned().unwrap_or_default();
    assert!(items.len() > 2, "{search}");
    for item in &items {
        let decorated = item.get("expected_commission");
        match item["source"].as_str() {
            Some("sneakerhub") => assert_eq!(decorated, Some(&expected)),
            _ => assert_eq!(decorated, None, "{item}"),
        }
    }
    let offer = get(&state, "/offers/sneakerhub:38953120000").await;
    assert_eq!(offer["expected_commission"], expected);
    let product = get(&state, "/products/4006381333931").await;
    let offers = product["offers"].as_array().cloned().unwrap_or_default();
    let decorated: Vec<bool> = offers
        .iter()
        .map(|o| o.get("expected_commission").is_some())
        .collect();
    assert_eq!(offers.len(), 2);
    assert_eq!(decorated.iter().filter(|d| **d).count(), 1);
}
