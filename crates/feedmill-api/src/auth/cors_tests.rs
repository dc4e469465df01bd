//! Preflights through the router: every method of every documented operation is allowed to a
//! key's origin (a browser can call `PUT /offers/{id}/product`), and none to other origins.

use super::CORS_METHODS;
use crate::auth::test_support::{Answer, call, key_fixture, keyed_settings};
use axum::http::Method;
use serde_json::Value;

const ORIGIN: &str = "https://shop.example";

/// Each documented operation as (method, a concrete path of its route).
fn documented_operations() -> Vec<(Method, String)> {
    let doc: Value = serde_json::from_str(crate::openapi::document_json()).unwrap_or_default();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let mut operations = Vec::new();
    for (route, item) in paths {
        let path = route.replace('{', "x").replace('}', "");
        for method in item
            .as_object()
            .map(|o| o.keys().cloned())
            .into_iter()
            .flatten()
        {
            let method = Method::from_bytes(method.to_uppercase().as_bytes());
            let method = method.unwrap_or_else(|err| panic!("{route}: {err}"));
            operations.push((method, path.clone()));
        }
    }
    operations
}

async fn preflight(state: &crate::AppState, origin: &str, method: &Method, path: &str) -> Answer {
    let headers = [
        ("origin", origin),
        ("access-control-request-method", method.as_str()),
        ("access-control-request-headers", "x-api-key,content-type"),
    ];
    call(state, Method::OPTIONS, path, None, &headers).await
}

fn allowed_methods(answer: &Answer) -> String {
    answer
        .headers
        .get("access-control-allow-methods")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_preflight_allows_every_method_the_router_serves() {
    let f = key_fixture(&keyed_settings());
    let operations = documented_operations();
    assert!(
        operations.iter().any(|(m, _)| *m == Method::PUT),
        "PUT is documented"
    );
    for (method, path) in operations {
        assert!(
            CORS_METHODS.contains(&method),
            "{method} {path} is not in CORS_METHODS"
        );
        let answer = preflight(&f.state, ORIGIN, &method, &path).await;
        assert!(
            answer.status.is_success(),
            "{method} {path}: {}",
            answer.status
        );
        let allowed = allowed_methods(&answer);
        assert!(
            allowed.split(',').any(|m| m.trim() == method.as_str()),
            "{method} {path}: allowed {allowed:?}"
        );
        let origin = answer.headers.get("access-control-allow-origin");
        assert_eq!(
            origin.map(|v| v.as_bytes()),
            Some(ORIGIN.as_bytes()),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_browser_may_pin_an_offer_from_a_keys_origin_only() {
    let f = key_fixture(&keyed_settings());
    let path = "/offers/nordic%3A1496445%3ASKU-1/product";
    let answer = preflight(&f.state, ORIGIN, &Method::PUT, path).await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert!(
        allowed_methods(&answer).contains("PUT"),
        "{:?}",
        answer.headers
    );
    let elsewhere = preflight(&f.state, "https://evil.example", &Method::PUT, path).await;
    assert!(
        elsewhere
            .headers
            .get("access-control-allow-origin")
            .is_none()
    );
}
