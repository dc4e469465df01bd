//! Run-time keys, scoped keys and their tampering, rotation, per-key rate limits, CORS and the
//! operator endpoints, through the router.

use super::test_support::*;
use crate::auth::{AuthMode, AuthSettings};
use axum::http::{Method, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use feedmill_store::KeyStore;
use serde_json::{Value, json};
use std::time::Duration;

fn sources_of(answer: &Answer) -> Vec<String> {
    let items = answer.json()["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut sources: Vec<String> = items
        .iter()
        .filter_map(|item| item["source"].as_str().map(str::to_string))
        .collect();
    sources.dedup();
    sources
}

async fn post_with(f: &KeyFixture, uri: &str, body: Value, key: &str) -> Answer {
    call(
        &f.state,
        Method::POST,
        uri,
        Some(body),
        &[("x-api-key", key)],
    )
    .await
}

#[tokio::test]
async fn a_created_key_works_is_listed_without_secret_and_dies_when_deleted() {
    let f = key_fixture(&keyed_settings());
    let body =
        json!({ "name": "partner", "actions": ["links", "search"], "requests_per_minute": 100 });
    let created = post_with(&f, "/keys", body, ALL_ACTIONS).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let secret = created.json()["secret"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let id = created.json()["key"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(secret.starts_with("fmk_"));
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", &secret).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get_with(&f.state, "/keys", &secret).await.status,
        StatusCode::FORBIDDEN
    );

    let stored = f.store.api_keys().unwrap_or_default();
    let digest = crate::auth::secret::to_hex(&crate::auth::secret::digest(&secret));
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].secret_sha256, digest, "stored as its SHA-256");
    let listed = get_with(&f.state, "/keys", ALL_ACTIONS).await;
    assert!(!listed.text.contains(&secret) && !listed.text.contains(&digest));
    assert!(listed.text.contains("\"partner\"") && listed.text.contains("config:every"));

    let removed = call(
        &f.state,
        Method::DELETE,
        &format!("/keys/{id}"),
        None,
        &[("x-api-key", ALL_ACTIONS)],
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", &secret).await.code(),
        "invalid_api_key"
    );
    assert!(f.store.api_keys().unwrap_or_default().is_empty());
    let again = call(
        &f.state,
        Method::DELETE,
        &format!("/keys/{id}"),
        None,
        &[("x-api-key", ALL_ACTIONS)],
    )
    .await;
    assert_eq!(again.code(), "key_not_found");
}

#[tokio::test]
async fn bad_new_keys_are_400s() {
    let f = key_fixture(&keyed_settings());
    for body in [
        json!({ "name": "x", "actions": ["delete"] }),
        json!({ "name": "x", "actions": [] }),
        json!({ "name": " ", "actions": ["search"] }),
        json!({ "name": "x", "actions": ["search"], "requests_per_minute": 0 }),
        json!({ "name": "x", "actions": ["search"], "secret": "mine" }),
    ] {
        let answer = post_with(&f, "/keys", body.clone(), ALL_ACTIONS).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn stored_keys_are_known_again_after_a_restart() {
    let f = key_fixture(&keyed_settings());
    let created = post_with(
        &f,
        "/keys",
        json!({ "name": "p", "actions": ["search"] }),
        ALL_ACTIONS,
    )
    .await;
    let secret = created.json()["secret"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let restarted = crate::AppState::new(
        f.state.index().clone(),
        f.state.config().clone(),
        f.store.clone(),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    restarted
        .keys()
        .configure(&keyed_settings())
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        get_with(&restarted, "/search?q=shoe", &secret).await.status,
        StatusCode::OK
    );
}

async fn scoped_key(f: &KeyFixture, filter: Value) -> String {
    let answer = post_with(f, "/keys/scoped", json!({ "filter": filter }), SEARCH_ONLY).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()["key"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_scoped_key_fixes_its_filters_and_the_caller_cannot_widen_them() {
    let f = key_fixture(&keyed_settings());
    let all = get_with(&f.state, "/search?per_page=50", SEARCH_ONLY).await;
    assert!(sources_of(&all).len() > 1, "{}", all.text);
    let scoped = scoped_key(&f, json!({ "source": "sneakerhub" })).await;
    let own = get_with(&f.state, "/search?per_page=50", &scoped).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert_eq!(sources_of(&own), ["sneakerhub"]);
    let widened = get_with(&f.state, "/search?per_page=50&source=ulike", &scoped).await;
    assert_eq!(
        sources_of(&widened),
        ["sneakerhub"],
        "the embedded filter wins"
    );
    for route in ["/suggest?q=sh", "/offers/none", "/sources"] {
        let answer = get_with(&f.state, route, &scoped).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{route}: {}",
            answer.text
        );
    }
    let narrower = post_with(
        &f,
        "/keys/scoped",
        json!({ "filter": { "brand": "x" } }),
        &scoped,
    )
    .await;
    assert_eq!(
        narrower.status,
        StatusCode::FORBIDDEN,
        "a scoped key does not scope again"
    );
}

#[tokio::test]
async fn a_tampered_scoped_key_is_401() {
    let f = key_fixture(&keyed_settings());
    let scoped = scoped_key(&f, json!({ "source": "sneakerhub" })).await;
    let bytes = URL_SAFE_NO_PAD.decode(&scoped).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes[40..]).replace("sneakerhub", "ulike");
    let mut changed_filter = bytes[..40].to_vec();
    changed_filter.extend_from_slice(text.as_bytes());
    let mut changed_signature = bytes.clone();
    changed_signature[0] ^= 0x40;
    let mut other_parent = bytes.clone();
    other_parent[32..40].copy_from_slice(b"fmk_all-");
    for forged in [changed_filter, changed_signature, other_parent] {
        let answer = get_with(&f.state, "/search?q=shoe", &URL_SAFE_NO_PAD.encode(forged)).await;
        assert_eq!(
            (answer.status, answer.code()),
            (StatusCode::UNAUTHORIZED, "invalid_api_key".into())
        );
    }
}

#[tokio::test]
async fn scoped_keys_need_filters_a_search_accepts_and_expire() {
    let f = key_fixture(&keyed_settings());
    for filter in [
        json!({ "per_page": "100" }),
        json!({ "min_price": "cheap" }),
        json!({}),
    ] {
        let answer = post_with(&f, "/keys/scoped", json!({ "filter": filter }), SEARCH_ONLY).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{filter}: {}",
            answer.text
        );
    }
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let body = json!({ "filter": { "source": "ulike" }, "expires_at": past });
    let answer = post_with(&f, "/keys/scoped", body, SEARCH_ONLY).await;
    let expired = answer.json()["key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", &expired).await.code(),
        "expired_api_key"
    );
}

#[tokio::test]
async fn a_rotated_key_stops_working_without_a_restart() {
    let mut settings = keyed_settings();
    let f = key_fixture(&settings);
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", SEARCH_ONLY)
            .await
            .status,
        StatusCode::OK
    );
    let rotated = "fmk_search-only-key-000002";
    if let Some(key) = settings.keys.iter_mut().find(|k| k.name == "storefront") {
        key.secret = rotated.into();
    }
    f.state
        .keys()
        .configure(&settings)
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", SEARCH_ONLY)
            .await
            .code(),
        "invalid_api_key"
    );
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", rotated).await.status,
        StatusCode::OK
    );
    let broken = AuthSettings {
        mode: AuthMode::Keys,
        keys: vec![spec("bad", "short", &["search"])],
    };
    assert!(f.state.keys().configure(&broken).is_err());
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", rotated).await.status,
        StatusCode::OK,
        "a bad reload changes nothing"
    );
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let mut settings = keyed_settings();
    let mut limited = spec("limited", "fmk_limited-key-000000001", &["search"]);
    limited.requests_per_minute = Some(2);
    settings.keys.push(limited);
    let f = key_fixture(&settings);
    let key = "fmk_limited-key-000000001";
    for _ in 0..2 {
        assert_eq!(
            get_with(&f.state, "/search?q=shoe", key).await.status,
            StatusCode::OK
        );
    }
    let refused = get_with(&f.state, "/search?q=shoe", key).await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into())
    );
    assert_eq!(
        refused.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"30"[..])
    );
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", SEARCH_ONLY)
            .await
            .status,
        StatusCode::OK,
        "other keys unaffected"
    );
    f.clock.advance(Duration::from_secs(30));
    assert_eq!(
        get_with(&f.state, "/search?q=shoe", key).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cors_answers_preflights_for_the_keys_origins_and_holds_each_key_to_its_own() {
    let f = key_fixture(&keyed_settings());
    let preflight = |origin: &'static str| {
        let state = f.state.clone();
        async move {
            let headers = [
                ("origin", origin),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "x-api-key"),
            ];
            call(&state, Method::OPTIONS, "/search?q=shoe", None, &headers).await
        }
    };
    let allowed = preflight("https://shop.example").await;
    assert!(allowed.status.is_success(), "{}", allowed.status);
    assert_eq!(
        allowed
            .headers
            .get("access-control-allow-origin")
            .map(|v| v.as_bytes()),
        Some(&b"https://shop.example"[..])
    );
    assert!(
        allowed
            .headers
            .get("access-control-allow-headers")
            .is_some_and(|v| v.to_str().unwrap_or("").contains("x-api-key"))
    );
    let other = preflight("https://evil.example").await;
    assert!(other.headers.get("access-control-allow-origin").is_none());

    let from = |origin: &'static str, key: &'static str| {
        let state = f.state.clone();
        async move {
            call(
                &state,
                Method::GET,
                "/search?q=shoe",
                None,
                &[("origin", origin), ("x-api-key", key)],
            )
            .await
        }
    };
    let ok = from("https://shop.example", SEARCH_ONLY).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.headers.get("access-control-allow-origin").is_some());
    let elsewhere = from("https://evil.example", SEARCH_ONLY).await;
    assert_eq!(
        (elsewhere.status, elsewhere.code()),
        (StatusCode::FORBIDDEN, "origin_not_allowed".into())
    );
}

#[tokio::test]
async fn a_key_limited_to_sources_stays_within_them() {
    let mut settings = keyed_settings();
    let mut limited = spec(
        "ops-ulike",
        "fmk_ulike-operator-000001",
        &["search", "admin"],
    );
    limited.sources = Some("ulike".into());
    settings.keys.push(limited);
    let mut hub = spec("hub-reader", "fmk_sneakerhub-reader-00001", &["search"]);
    hub.sources = Some("sneaker*".into());
    settings.keys.push(hub);
    let f = key_fixture(&settings);
    let key = "fmk_ulike-operator-000001";
    let own = get_with(&f.state, "/search?per_page=50", key).await;
    assert_eq!(sources_of(&own), ["ulike"], "{}", own.text);
    let other = get_with(&f.state, "/search?source=sneakerhub", key).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let refresh_own = post_with(&f, "/sources/ulike/refresh", json!({}), key).await;
    assert_eq!(
        refresh_own.status,
        StatusCode::ACCEPTED,
        "{}",
        refresh_own.text
    );
    let refresh_other = post_with(&f, "/sources/sneakerhub/refresh", json!({}), key).await;
    assert_eq!(refresh_other.status, StatusCode::FORBIDDEN);
    // An offer is read (and its history) when its id names one of the key's sources.
    let own_id = own.json()["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(own_id.starts_with("ulike:"), "{own_id}");
    for path in [
        format!("/offers/{own_id}"),
        format!("/offers/{own_id}/history"),
    ] {
        let read = get_with(&f.state, &path, key).await;
        assert_eq!(read.status, StatusCode::OK, "{path}: {}", read.text);
    }
    // A product shows the key's sources' offers only; with none of them it is not found.
    let product = "/products/4006381333931";
    let all = get_with(&f.state, product, ALL_ACTIONS).await;
    let sources = |answer: &Value| -> Vec<String> {
        let offers = answer["offers"].as_array().cloned().unwrap_or_default();
        offers
            .iter()
            .map(|o| o["source"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert!(sources(&all.json()).len() >= 2, "{}", all.text);
    let hub = get_with(&f.state, product, "fmk_sneakerhub-reader-00001").await;
    assert_eq!(sources(&hub.json()), ["sneakerhub"], "{}", hub.text);
    let none = get_with(&f.state, product, key).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.text);
    let others = get_with(
        &f.state,
        "/search?source=sneakerhub&per_page=1",
        ALL_ACTIONS,
    )
    .await;
    let other_id = others.json()["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for path in [
        format!("/offers/{other_id}"),
        format!("/offers/{other_id}/history"),
    ] {
        let read = get_with(&f.state, &path, key).await;
        assert_eq!(read.status, StatusCode::FORBIDDEN, "{path}: {}", read.text);
    }
    assert_eq!(
        get_with(&f.state, "/keys", key).await.status,
        StatusCode::FORBIDDEN,
        "not limitable by source"
    );
}

#[tokio::test]
async fn operator_endpoints_refresh_pause_and_reload() {
    let f = key_fixture(&keyed_settings());
    let queued = post_with(&f, "/sources/sneakerhub/refresh", json!({}), ALL_ACTIONS).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
    let job_id = queued.json()["job_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let job = get_with(&f.state, &format!("/jobs/{job_id}"), ALL_ACTIONS).await;
    assert_eq!(
        (job.json()["status"].clone(), job.json()["source"].clone()),
        (json!("queued"), json!("sneakerhub"))
    );
    assert_eq!(
        get_with(&f.state, "/jobs/nope", ALL_ACTIONS).await.code(),
        "job_not_found"
    );
    let unknown = post_with(&f, "/sources/nope/refresh", json!({}), ALL_ACTIONS).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "source_not_found".into())
    );

    let paused = post_with(&f, "/sources/sneakerhub/pause", json!({}), ALL_ACTIONS).await;
    assert_eq!(
        paused.json(),
        json!({ "source": "sneakerhub", "paused": true })
    );
    let sources = get_with(&f.state, "/sources", ALL_ACTIONS).await.json();
    let sneakerhub = sources["sources"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == "sneakerhub").cloned());
    assert_eq!(sneakerhub.map(|s| s["paused"].clone()), Some(json!(true)));
    post_with(&f, "/sources/sneakerhub/resume", json!({}), ALL_ACTIONS).await;
    assert!(
        f.operator
            .paused
            .lock()
            .map(|p| p.is_empty())
            .unwrap_or(false)
    );

    let reloaded = post_with(&f, "/admin/reload", json!({}), ALL_ACTIONS).await;
    assert_eq!(
        reloaded.json(),
        json!({ "num_sources": 2, "num_keys": 1, "num_programs": 0 })
    );
    if let Ok(mut error) = f.operator.reload_error.lock() {
        *error = Some("feedmill.toml: invalid toml: expected `=`".into());
    }
    let broken = post_with(&f, "/admin/reload", json!({}), ALL_ACTIONS).await;
    assert_eq!(
        (broken.status, broken.code()),
        (StatusCode::BAD_REQUEST, "invalid_config".into())
    );
    assert!(broken.text.contains("expected `=`"));
}
