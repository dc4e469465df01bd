//! [`router`]: the routes, built per group (public, partner, operator: one function each, so
//! keys or limits can later be layered per group), the layers around them, and [`serve`], which runs them on a listener until
//! a shutdown signal.
//!
//! Layers, outermost first: the request id (an unusable incoming `X-Request-Id` dropped, a new
//! one made when there is none), tracing (a span per request with its id, the method and URI
//! only, never headers, so keys stay out of the logs), the id copied onto the answer, JSON error
//! bodies with the request id (also for errors that did not come from a handler: axum's 405, the
//! body limit's 413), panic → JSON 500, metrics by route, the body read timeout (408 when a body pauses too long,
//! `server::body_timeout`), the 1 MiB body limit, CORS (preflights
//! for the keys' origins) and the API keys (`auth::guard`: the action each route needs, from
//! `auth::ROUTE_ACCESS`).
//!
//! `crate::server::serve` runs the router on the API's own accept loop.

use crate::auth::{cors::cors_layer, guard::require_key};
use crate::error::{ApiError, ErrorCode};
use crate::handlers::{
    alerts, clickout, earnings, health, history, keys, links, matches, offers, operator, postback,
    search,
};
use crate::request_id::{REQUEST_ID_HEADER, drop_unusable_request_id, request_id_of, request_span};
use crate::route_paths;
use crate::server::body_timeout::time_out_slow_bodies;
use crate::server::connection_limit::refuse_over_connection_limit;
use crate::state::AppState;
use crate::web;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use std::any::Any;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Largest request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Longest error text of axum or a layer carried into an error message.
const MAX_ERROR_TEXT: usize = 4096;

/// The API's routes, by group, with their layers.
pub fn router(state: AppState) -> Router {
    router_of(routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), require_key))
        .layer(cors_layer(state.keys().clone()))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            time_out_slow_bodies,
        ))
        .layer(middleware::from_fn(refuse_over_connection_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(json_errors))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER, MakeRequestUuid))
        .layer(middleware::map_request(drop_unusable_request_id))
        .with_state(state)
}

/// One route: its path template (of [`route_paths::ALL`]) and its handler for each method.
pub(crate) type Route = (&'static str, MethodRouter<AppState>);

/// Every route of the API, all groups: what [`router`] serves, and what the OpenAPI
/// document's paths are checked against.
pub(crate) fn routes() -> Vec<Route> {
    let mut all = public_routes();
    all.extend(partner_routes());
    all.extend(operator_routes());
    all
}

/// A router of `routes`, without layers or fallback.
pub(crate) fn router_of(routes: Vec<Route>) -> Router<AppState> {
    routes
        .into_iter()
        .fold(Router::new(), |router, (path, handlers)| {
            router.route(path, handlers)
        })
}

/// Shoppers' routes: search, offers, products, price history, suggestions, click-out, health,
/// the OpenAPI document and the comparison page with its assets.
pub(crate) fn public_routes() -> Vec<Route> {
    vec![
        (route_paths::SEARCH, get(search::search)),
        (route_paths::SUGGEST, get(search::suggest)),
        (route_paths::OFFER, get(offers::offer)),
        (route_paths::PRODUCT, get(offers::product)),
        (route_paths::OFFER_HISTORY, get(history::offer_history)),
        (route_paths::PRODUCT_HISTORY, get(history::product_history)),
        (route_paths::CLICK_OUT, get(clickout::click_out)),
        (route_paths::HEALTH, get(health::health)),
        (route_paths::OPENAPI, get(health::openapi_json)),
        (route_paths::PAGE, get(web::page)),
        (route_paths::PAGE_ASSET, get(web::asset)),
    ]
}

/// Partners' routes: the link builder and merchants' conversion postbacks.
pub(crate) fn partner_routes() -> Vec<Route> {
    vec![
        (
            route_paths::POSTBACK,
            get(postback::postback).post(postback::postback),
        ),
        (route_paths::LINKS_GENERATE, post(links::generate_link)),
        (
            route_paths::LINKS_GENERATE_BATCH,
            post(links::generate_batch),
        ),
    ]
}

/// The operator's routes: sources and their refreshes, jobs, keys, reload, metrics, earnings,
/// price alerts and product matching (the review list, pins).
pub(crate) fn operator_routes() -> Vec<Route> {
    vec![
        (route_paths::SOURCES, get(health::sources)),
        (route_paths::METRICS, get(health::metrics)),
        (route_paths::SOURCE_REFRESH, post(operator::refresh_source)),
        (route_paths::SOURCE_PAUSE, post(operator::pause_source)),
        (route_paths::SOURCE_RESUME, post(operator::resume_source)),
        (route_paths::JOB, get(operator::job)),
        (route_paths::ADMIN_RELOAD, post(operator::reload)),
        (
            route_paths::KEYS,
            get(keys::list_keys).post(keys::create_key),
        ),
        (route_paths::KEY, delete(keys::delete_key)),
        (route_paths::KEYS_SCOPED, post(keys::create_scoped_key)),
        (route_paths::EARNINGS, get(earnings::earnings)),
        (
            route_paths::EARNINGS_UNATTRIBUTED,
            get(earnings::unattributed),
        ),
        (route_paths::ALERTS, post(alerts::create_alert)),
        (
            route_paths::ALERT,
            get(alerts::alert).delete(alerts::delete_alert),
        ),
        (route_paths::MATCHES, get(matches::matches)),
        (
            route_paths::OFFER_PRODUCT,
            put(matches::pin_offer).delete(matches::unpin_offer),
        ),
    ]
}

/// `/metrics` alone and open, for a listener of its own (`feedmill serve --metrics-listen`),
/// so a scraper needs no admin key.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route(route_paths::METRICS, get(health::metrics))
        .fallback(not_found)
        .layer(middleware::from_fn(refuse_over_connection_limit))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such endpoint")
}

/// Counts each answer under its route template.
async fn record_metrics(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route
        .as_ref()
        .map_or(crate::metrics::UNMATCHED_ROUTE, MatchedPath::as_str);
    state
        .metrics()
        .observe(route, response.status().as_u16(), started.elapsed());
    response
}

/// Gives every error answer the API's error body with the request id: an [`ApiError`]'s body
/// is written again with the id, and an answer that is not JSON (from axum or a layer) gets one.
async fn json_errors(request: Request, next: Next) -> Response {
    let request_id = request_id_of(&request);
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body is not read: the connection cannot carry another request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    if let Some(error) = response.extensions_mut().remove::<ApiError>() {
        let body = error.body_with_request_id(&request_id).to_string();
        response.headers_mut().remove(header::CONTENT_LENGTH);
        *response.body_mut() = axum::body::Body::from(body);
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return response;
    }
    // Headers the status needs beside its body (`Allow` on a 405, RFC 9110 §15.5.6).
    let kept: Vec<_> = [header::CONNECTION, header::ALLOW, header::RETRY_AFTER]
        .into_iter()
        .filter_map(|name| Some((name.clone(), response.headers().get(&name)?.clone())))
        .collect();
    let code = ErrorCode::for_status(status);
    // axum's rejections say what was wrong in a short text body; keep it as the message.
    let text = axum::body::to_bytes(response.into_body(), MAX_ERROR_TEXT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let message = if status.is_server_error() {
        "internal error".to_string()
    } else if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase()
    } else {
        text
    };
    let error = ApiError::new(code, message);
    let mut answer = axum::Json(error.body_with_request_id(&request_id)).into_response();
    *answer.status_mut() = status;
    answer.headers_mut().extend(kept);
    answer
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal("handler panicked", detail).into_response()
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
