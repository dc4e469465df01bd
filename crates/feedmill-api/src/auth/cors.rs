//! CORS for browser front-ends, per key: a preflight (which carries no key) is answered for
//! every origin some key allows, and the real request is then held to its own key's origins by
//! [`require_key`](super::guard::require_key). Without keys that name origins no CORS header
//! is sent at all, as before keys existed.

use super::guard::API_KEY_HEADER;
use super::key_ring::KeyRing;
use axum::http::{HeaderName, Method, header};
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// Every method the router serves (`cors_tests` checks each documented operation against it).
pub(crate) const CORS_METHODS: [Method; 4] =
    [Method::GET, Method::POST, Method::PUT, Method::DELETE];

/// The CORS layer over the keys of `ring`, as they are at each request (reloads included).
pub(crate) fn cors_layer(ring: Arc<KeyRing>) -> CorsLayer {
    let allow = AllowOrigin::predicate(move |origin, _request| {
        origin
            .to_str()
            .is_ok_and(|origin| ring.any_key_allows_origin(origin))
    });
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods(CORS_METHODS)
        .allow_headers([
            HeaderName::from_static(API_KEY_HEADER),
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
        ])
        .max_age(PREFLIGHT_MAX_AGE)
}

#[cfg(test)]
#[path = "cors_tests.rs"]
mod tests;
