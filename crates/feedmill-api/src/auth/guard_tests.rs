//! Every route × {no key, wrong key, key without the action, expired key, right key}, from the
//! route table and [`ROUTE_ACCESS`]: a route added without an access rule or a sample request
//! here fails these tests. And open mode: no key anywhere.

use super::test_support::*;
use crate::auth::{Access, AuthSettings, access_of};
use crate::route_paths as paths;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// A request that reaches `route`'s handler.
fn sample(route: &str) -> (Method, &'static str, Option<Value>) {
    let empty = Some(json!({}));
    match route {
        paths::SEARCH => (Method::GET, "/search?q=shoe", None),
        paths::SUGGEST => (Method::GET, "/suggest?q=sh", None),
        paths::OFFER => (Method::GET, "/offers/none", None),
        paths::PRODUCT => (Method::GET, "/products/4006381333931", None),
        paths::LINKS_GENERATE => (Method::POST, "/links/generate", empty),
        paths::LINKS_GENERATE_BATCH => (Method::POST, "/links/generate-batch", empty),
        paths::CLICK_OUT => (Method::GET, "/r/none", None),
        paths::SOURCES => (Method::GET, "/sources", None),
        paths::HEALTH => (Method::GET, "/health", None),
        paths::METRICS => (Method::GET, "/metrics", None),
        paths::OPENAPI => (Method::GET, "/openapi.json", None),
        paths::KEYS => (Method::GET, "/keys", None),
        paths::KEY => (Method::DELETE, "/keys/none", None),
        paths::KEYS_SCOPED => (
            Method::POST,
            "/keys/scoped",
            Some(json!({ "filter": { "source": "sneakerhub" } })),
        ),
        paths::SOURCE_REFRESH => (Method::POST, "/sources/sneakerhub/refresh", None),
        paths::SOURCE_PAUSE => (Method::POST, "/sources/sneakerhub/pause", None),
        paths::SOURCE_RESUME => (Method::POST, "/sources/sneakerhub/resume", None),
        paths::JOB => (Method::GET, "/jobs/none", None),
        paths::ADMIN_RELOAD => (Method::POST, "/admin/reload", None),
        paths::EARNINGS => (Method::GET, "/earnings", None),
        paths::PAGE => (Method::GET, "/", None),
        paths::PAGE_ASSET => (Method::GET, "/assets/app.js", None),
        paths::OFFER_HISTORY => (Method::GET, "/offers/none/history", None),
        paths::PRODUCT_HISTORY => (Method::GET, "/products/4006381333931/history", None),
        paths::ALERTS => (
            Method::POST,
            "/alerts",
            Some(
                json!({ "offer_id": "none", "below": "1.00", "currency": "EUR",
                         "callback_url": "https://hooks.example/a" }),
            ),
        ),
        paths::ALERT => (Method::GET, "/alerts/none", None),
        paths::EARNINGS_UNATTRIBUTED => (Method::GET, "/earnings/unattributed", None),
        paths::MATCHES => (Method::GET, "/matches", None),
        paths::OFFER_PRODUCT => (
            Method::PUT,
            "/offers/none/product",
            Some(json!({ "split": true })),
        ),
        paths::POSTBACK => (
            Method::GET,
            "/api/postback/none?order_id=A-1&amount=1",
            None,
        ),
        other => panic!("{other} has no sample request in guard_tests.rs: add one"),
    }
}

fn refused(status: StatusCode) -> bool {
    matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
}

#[tokio::test]
async fn every_route_asks_for_the_key_its_action_needs() {
    let f = key_fixture(&keyed_settings());
    for route in paths::ALL {
        let (method, uri, body) = sample(route);
        let access = access_of(route).unwrap_or_else(|| panic!("{route} has no access rule"));
        if access == Access::OwnKey {
            // Its own key is tested with the route (postback/guard_tests.rs).
            continue;
        }
        let send = |key: Option<String>| {
            let (method, body) = (method.clone(), body.clone());
            let state = f.state.clone();
            async move {
                let headers: Vec<(&str, &str)> = match &key {
                    Some(key) => vec![("x-api-key", key.as_str())],
                    None => vec![],
                };
                call(&state, method, uri, body, &headers).await
            }
        };
        let right = send(Some(ALL_ACTIONS.into())).await;
        assert!(
            !refused(right.status) && !right.status.is_server_error(),
            "{route} with the right key: {} {}",
            right.status,
            right.text
        );
        let Access::Needs(action) = access else {
            for key in [None, Some(WRONG.into()), Some(EXPIRED.into())] {
                let answer = send(key.clone()).await;
                assert!(
                    !refused(answer.status),
                    "open {route} refused {key:?}: {}",
                    answer.text
                );
            }
            continue;
        };
        let none = send(None).await;
        assert_eq!(
            (none.status, none.code()),
            (StatusCode::UNAUTHORIZED, "missing_api_key".into()),
            "{route}"
        );
        assert_eq!(
            none.headers.get("www-authenticate").map(|v| v.as_bytes()),
            Some(&b"Bearer"[..])
        );
        let wrong = send(Some(WRONG.into())).await;
        assert_eq!(
            (wrong.status, wrong.code()),
            (StatusCode::UNAUTHORIZED, "invalid_api_key".into()),
            "{route}"
        );
        let expired = send(Some(EXPIRED.into())).await;
        assert_eq!(
            (expired.status, expired.code()),
            (StatusCode::UNAUTHORIZED, "expired_api_key".into()),
            "{route}"
        );
        let lacking = send(Some(all_but(action))).await;
        assert_eq!(
            (lacking.status, lacking.code()),
            (StatusCode::FORBIDDEN, "action_not_allowed".into()),
            "{route}"
        );
        assert!(
            lacking.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(action.as_str()))
        );
    }
}

#[tokio::test]
async fn a_bearer_token_is_a_key_too() {
    let f = key_fixture(&keyed_settings());
    let bearer = format!("Bearer {SEARCH_ONLY}");
    let answer = call(
        &f.state,
        Method::GET,
        "/search?q=shoe",
        None,
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let basic = call(
        &f.state,
        Method::GET,
        "/search?q=shoe",
        None,
        &[("authorization", "Basic eDp5")],
    )
    .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn open_mode_needs_no_key_anywhere() {
    let f = key_fixture(&AuthSettings::default());
    for route in paths::ALL {
        if access_of(route) == Some(Access::OwnKey) {
            continue;
        }
        let (method, uri, body) = sample(route);
        let answer = call(&f.state, method, uri, body.clone(), &[]).await;
        assert!(
            !refused(answer.status),
            "{route} refused in open mode: {}",
            answer.text
        );
        let wrong = call(
            &f.state,
            sample(route).0,
            uri,
            body,
            &[("x-api-key", WRONG)],
        )
        .await;
        assert!(
            !refused(wrong.status),
            "{route} refused a stray key in open mode"
        );
    }
    let search = call(&f.state, Method::GET, "/search?q=shoe", None, &[]).await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(
        search.headers.get("access-control-allow-origin").is_none(),
        "no CORS unless asked"
    );
}

#[tokio::test]
async fn keys_never_reach_the_metrics() {
    let f = key_fixture(&keyed_settings());
    get_with(&f.state, "/search?q=shoe", SEARCH_ONLY).await;
    get_with(&f.state, "/search?q=shoe", WRONG).await;
    let metrics = get_with(&f.state, "/metrics", ALL_ACTIONS).await;
    assert_eq!(metrics.status, StatusCode::OK);
    for secret in [SEARCH_ONLY, WRONG, ALL_ACTIONS] {
        assert!(!metrics.text.contains(secret));
    }
    let refusals = "feedmill_http_requests_total{route=\"/search\",status=\"4xx\"} 1";
    assert!(
        metrics.text.contains(refusals),
        "refusals are counted by route"
    );
}

#[tokio::test]
async fn the_served_document_asks_for_keys_only_in_keys_mode() {
    let keyed = key_fixture(&keyed_settings());
    let open = key_fixture(&AuthSettings::default());
    let document = |f: &KeyFixture| {
        let state = f.state.clone();
        async move {
            call(&state, Method::GET, "/openapi.json", None, &[])
                .await
                .json()
        }
    };
    let keyed = document(&keyed).await;
    let security = keyed["paths"]["/search"]["get"]["security"].to_string();
    assert!(security.contains("api_key"), "{security}");
    let open = document(&open).await;
    assert!(open["paths"]["/search"]["get"]["security"].is_null());
    assert!(open["paths"]["/search"]["get"]["responses"]["200"].is_object());
}
