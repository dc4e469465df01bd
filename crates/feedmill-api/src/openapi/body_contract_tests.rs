//! The key and alert body schemas against the server: every body valid by the schema is
//! taken, every body the schema refuses is a 400. (What no schema can say, a GTIN's check digit
//! or a callback's addresses, is kept valid in the bodies here.)

use super::contract_tests::{doc, send, validator_with};
use crate::state::AppState;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with};
use axum::http::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// The fixture state; the callbacks below are on 127.0.0.1, so private callbacks are allowed
/// (the address check is about data, not the body's shape).
fn state(dir: &std::path::Path) -> AppState {
    let mut config = fixture_config(&dir.join("clicks"));
    config.allow_private_callbacks = true;
    let index = Arc::new(index_with(&fixture_offers()));
    AppState::new(index, config, fixture_store(dir)).unwrap_or_else(|err| panic!("state: {err}"))
}

/// Checks `bodies` (body, whether the server takes it) against the schema `name` and the
/// server's answer to `POST path` (`taken` is the success status).
async fn agree(path: &str, name: &str, taken: u16, bodies: &[(Value, bool)]) {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state(dir.path());
    let doc = doc();
    let schema = validator_with(
        &doc,
        &json!({ "$ref": format!("#/components/schemas/{name}") }),
        true,
    );
    for (body, takes) in bodies {
        assert_eq!(schema.is_valid(body), *takes, "{name} schema on {body}");
        let (status, _, answer) = send(&state, Method::POST, path, Some(body.clone())).await;
        let want = if *takes { taken } else { 400 };
        assert_eq!(status, want, "{body}: {}", String::from_utf8_lossy(&answer));
    }
}

#[tokio::test]
async fn key_body_schema_agrees_with_the_server() {
    let key = |name: Value, actions: Value| json!({ "name": name, "actions": actions });
    let with = |field: &str, value: Value| {
        let mut body = key(json!("front"), json!(["search"]));
        body[field] = value;
        body
    };
    let bodies = [
        (key(json!("front"), json!(["search"])), true),
        (
            key(
                json!(" x "),
                json!(["search", "links", "clicks", "postback", "admin"]),
            ),
            true,
        ),
        (key(json!("front"), json!(["search", "search"])), true),
        (with("sources", json!("shop-*")), true),
        (with("sources", Value::Null), true),
        (
            with("allowed_origins", json!(["https://shop.example"])),
            true,
        ),
        (with("expires_at", json!("2030-01-01T00:00:00Z")), true),
        (with("expires_at", Value::Null), true),
        (with("requests_per_minute", json!(1)), true),
        (with("requests_per_minute", json!(u32::MAX)), true),
        (with("requests_per_minute", json!(60.0)), true),
        (with("requests_per_minute", json!(60.5)), false),
        (with("requests_per_minute", Value::Null), true),
        (key(json!(""), json!(["search"])), false),
        (key(json!(" \t\n"), json!(["search"])), false),
        (key(Value::Null, json!(["search"])), false),
        (key(json!("front"), json!([])), false),
        (key(json!("front"), json!(["fly"])), false),
        (key(json!("front"), json!(["Search"])), false),
        (key(json!("front"), json!("search")), false),
        (key(json!("front"), Value::Null), false),
        (json!({ "actions": ["search"] }), false),
        (json!({ "name": "front" }), false),
        (with("requests_per_minute", json!(0)), false),
        (with("requests_per_minute", json!(-1)), false),
        (
            with("requests_per_minute", json!(u64::from(u32::MAX) + 1)),
            false,
        ),
        (with("requests_per_minute", json!(1.5)), false),
        (with("allowed_origins", Value::Null), false),
        (with("allowed_origins", json!([7])), false),
        (with("expires_at", json!("tomorrow")), false),
        (with("sources", json!(5)), false),
        (with("bogus", json!(1)), false),
        (json!([]), false),
    ];
    agree("/keys", "NewKeyRequest", 201, &bodies).await;
}

#[tokio::test]
async fn alert_body_schema_agrees_with_the_server() {
    let gtin = json!({ "gtin": "4006381333931", "below": "79.00", "currency": "SEK",
                       "callback_url": "http://127.0.0.1:9/hook" });
    let with = |field: &str, value: Value| {
        let mut body = gtin.clone();
        body[field] = value;
        body
    };
    let offer = |id: Value| {
        let mut body = with("gtin", Value::Null);
        body["offer_id"] = id;
        body
    };
    let bodies = [
        (gtin.clone(), true),
        (with("offer_id", Value::Null), true),
        (with("gtin", json!(" 4006-381 333931 ")), true),
        (with("gtin", json!("12345670")), true),
        (with("gtin", json!("00012345600012")), true),
        (offer(json!("nordic:1496445:SKU-1")), true),
        (offer(json!(" nordic:1496445:SKU-1 ")), true),
        (with("below", json!("1")), true),
        (with("below", json!("0.0001")), true),
        (with("below", json!("0.5000")), true),
        (with("below", json!("79.10000")), true),
        (with("below", json!("99999999999999.9999")), true),
        (with("below", json!("00000000000000000000000000001")), true),
        (with("below", json!("1.0000000000000000000000000000")), true),
        (with("currency", json!("EUR")), true),
        (
            with("callback_url", json!("HTTPS://127.0.0.1:9/x?y=1")),
            true,
        ),
        (with("offer_id", json!("nordic:1496445:SKU-1")), false),
        (with("gtin", Value::Null), false),
        (offer(json!("")), false),
        (offer(json!("  ")), false),
        (with("gtin", json!("")), false),
        (with("gtin", json!("1234567")), false),
        (with("gtin", json!("123456789")), false),
        (with("gtin", json!("123456789012345")), false),
        (with("gtin", json!("4006381333931x")), false),
        (with("gtin", json!("4006\t381333931")), false),
        (with("gtin", json!(4006381333931u64)), false),
        (with("below", json!("0")), false),
        (with("below", json!("0.00")), false),
        (with("below", json!("0.00001")), false),
        (with("below", json!("1.00001")), false),
        (with("below", json!("100000000000000")), false),
        (with("below", json!("-1")), false),
        (with("below", json!("+1")), false),
        (with("below", json!("1e3")), false),
        (with("below", json!("1.")), false),
        (with("below", json!(".5")), false),
        (with("below", json!(" 1")), false),
        (with("below", json!("000000000000000000000000000001")), true),
        (
            with("below", json!("0000000000000000000000000000001")),
            false,
        ),
        (with("below", json!(79)), false),
        (with("currency", json!("XYZ")), false),
        (with("currency", json!("EURO")), false),
        (with("callback_url", json!("ftp://127.0.0.1/")), false),
        (with("callback_url", json!("http://")), false),
        (with("callback_url", json!("127.0.0.1:9/hook")), false),
        (with("bogus", json!(1)), false),
        (json!({}), false),
        (json!([]), false),
    ];
    agree("/alerts", "AlertRequest", 201, &bodies).await;
}

#[tokio::test]
async fn scoped_key_body_schema_agrees_with_the_server() {
    use crate::auth::test_support::{SEARCH_ONLY, call, key_fixture, keyed_settings};
    let f = key_fixture(&keyed_settings());
    let doc = doc();
    let schema = json!({ "$ref": "#/components/schemas/ScopeParams" });
    let schema = validator_with(&doc, &schema, true);
    let filter = |name: &str, value: Value| json!({ "filter": { name: value } });
    let bodies = [
        (filter("merchant", json!("Acme")), true),
        (filter("brand", json!("Nike")), true),
        (filter("network", json!("awin")), true),
        (filter("currency", json!("SEK")), true),
        (filter("in_stock", json!("true")), true),
        (filter("min_price", json!("9.50")), true),
        (filter("gtin", json!("4006381333931")), true),
        (filter("category", json!("Sport > Skor")), true),
        (
            json!({ "filter": { "source": "ulike" }, "expires_at": "2030-01-01T00:00:00Z" }),
            true,
        ),
        (json!({ "filter": {} }), false),
        (filter("per_page", json!("100")), false),
        (filter("q", json!("shoe")), false),
        (filter("network", json!("myspace")), false),
        (filter("currency", json!("XYZ")), false),
        (filter("in_stock", json!("maybe")), false),
        (filter("min_price", json!("cheap")), false),
        (filter("gtin", json!("12ab")), false),
        (filter("category", json!(" > ")), false),
        (filter("merchant", json!(7)), false),
        (filter("brand", json!(["Nike"])), false),
        (
            json!({ "filter": { "merchant": "Acme" }, "expires_at": "soon" }),
            false,
        ),
        (
            json!({ "filter": { "merchant": "Acme" }, "bogus": 1 }),
            false,
        ),
        (json!({}), false),
    ];
    for (body, takes) in bodies {
        assert_eq!(
            schema.is_valid(&body),
            takes,
            "ScopeParams schema on {body}"
        );
        let headers = [("x-api-key", SEARCH_ONLY)];
        let answer = call(
            &f.state,
            Method::POST,
            "/keys/scoped",
            Some(body.clone()),
            &headers,
        )
        .await;
        let want = if takes { 200 } else { 400 };
        assert_eq!(answer.status.as_u16(), want, "{body}: {}", answer.text);
    }
}
