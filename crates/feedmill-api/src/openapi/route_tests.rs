//! The router's routes and the document's operations are the same set of (method, path), both
//! ways: a route cannot be added without its documentation, nor documented without a route.
//!
//! The router's side comes from [`crate::router::routes`], the table the router is built from:
//! each route alone in a router is asked with a method no route serves, and its 405 answer's
//! `Allow` header lists the methods it serves (no handler runs).

use super::contract_tests::{doc, state};
use crate::router::{router_of, routes};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use std::collections::BTreeSet;
use tower::ServiceExt;

/// The operations' keys of a path item in an OpenAPI document.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A concrete URI of a path template: every `{param}` replaced by `x`.
fn uri_of(template: &str) -> String {
    let mut uri = String::new();
    let mut in_param = false;
    for c in template.chars() {
        match (c, in_param) {
            ('{', _) => in_param = true,
            ('}', true) => {
                in_param = false;
                uri.push('x');
            }
            (_, true) => {}
            (c, false) => uri.push(c),
        }
    }
    uri
}

/// The methods `Allow` names, lower-case; `head` left out where `get` is (axum serves HEAD
/// with every GET handler).
fn allowed(value: &str) -> BTreeSet<String> {
    let methods: BTreeSet<String> = value
        .split(',')
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty())
        .collect();
    let has_get = methods.contains("get");
    methods
        .into_iter()
        .filter(|m| !(has_get && m == "head"))
        .collect()
}

async fn routed_operations() -> BTreeSet<(String, String)> {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state(dir.path());
    let probe = Method::from_bytes(b"PROBE").unwrap_or_else(|err| panic!("method: {err}"));
    let mut operations = BTreeSet::new();
    for (path, handlers) in routes() {
        let request = Request::builder()
            .method(probe.clone())
            .uri(uri_of(path))
            .body(Body::empty())
            .unwrap_or_else(|err| panic!("request {path}: {err}"));
        let response = router_of(vec![(path, handlers)])
            .with_state(state.clone())
            .oneshot(request)
            .await
            .unwrap_or_else(|err| match err {});
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let allow = response
            .headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let methods = allowed(allow);
        assert!(!methods.is_empty(), "{path}: no method in Allow {allow:?}");
        for method in methods {
            assert!(
                operations.insert((method.clone(), path.to_string())),
                "{method} {path} routed twice"
            );
        }
    }
    operations
}

fn documented_operations() -> BTreeSet<(String, String)> {
    let doc = doc();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let mut operations = BTreeSet::new();
    for (path, item) in &paths {
        for method in METHODS {
            if item[method].is_object() {
                operations.insert((method.to_string(), path.clone()));
            }
        }
    }
    operations
}

#[tokio::test]
async fn the_routers_operations_are_the_documents() {
    let routed = routed_operations().await;
    let documented = documented_operations();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routed, not documented: {undocumented:?}"
    );
    assert!(unrouted.is_empty(), "documented, not routed: {unrouted:?}");
    assert!(routed.len() >= 30, "{} operations", routed.len());
}

#[tokio::test]
async fn every_route_is_of_the_route_table() {
    let routed: BTreeSet<&str> = routes().iter().map(|(path, _)| *path).collect();
    let listed: BTreeSet<&str> = crate::route_paths::ALL.iter().copied().collect();
    assert_eq!(routed, listed);
}

#[test]
fn uris_and_allow_headers_are_read_right() {
    assert_eq!(uri_of("/offers/{id}/history"), "/offers/x/history");
    assert_eq!(uri_of("/"), "/");
    assert_eq!(
        allowed("GET,HEAD,POST"),
        ["get", "post"].map(String::from).into()
    );
    assert_eq!(allowed("HEAD"), ["head"].map(String::from).into());
}
