//! [`router`]: the routes, built per group (public, partner, operator: one function each, so
//! keys or limits can later be layered per group), the layers around them, and [`serve`], which runs them on a listener until
//! a shutdown signal.
//!
//! Layers, outermost first: tracing, panic → JSON 500, metrics by route, JSON error bodies for
//! errors that did not come from a handler (axum's 405, the body limit's 413), the 1 MiB body
//! limit.

use crate::error::{ApiError, ErrorCode};
use crate::handlers::{clickout, health, links, offers, search};
use crate::route_paths;
use crate::state::AppState;
use crate::web;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::any::Any;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Instant;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

/// Largest request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Longest error text of axum or a layer carried into an error message.
const MAX_ERROR_TEXT: usize = 4096;

/// The API's routes, by group, with their layers.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(public_routes())
        .merge(partner_routes())
        .merge(operator_routes())
        .fallback(not_found)
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Shoppers' routes: search, offers, products, suggestions,
/// click-out, health, the OpenAPI document and the comparison page with its assets.
pub(crate) fn public_routes() -> Router<AppState> {
    Router::new()
        .route(route_paths::SEARCH, get(search::search))
        .route(route_paths::SUGGEST, get(search::suggest))
        .route(route_paths::OFFER, get(offers::offer))
        .route(route_paths::PRODUCT, get(offers::product))
        .route(route_paths::CLICK_OUT, get(clickout::click_out))
        .route(route_paths::HEALTH, get(health::health))
        .route(route_paths::OPENAPI, get(health::openapi_json))
        .route(route_paths::PAGE, get(web::page))
        .route(route_paths::PAGE_ASSET, get(web::asset))
}

/// Partners' routes: the link builder.
pub(crate) fn partner_routes() -> Router<AppState> {
    Router::new()
        .route(route_paths::LINKS_GENERATE, post(links::generate_link))
        .route(
            route_paths::LINKS_GENERATE_BATCH,
            post(links::generate_batch),
        )
}

/// The operator's routes: sources and metrics.
pub(crate) fn operator_routes() -> Router<AppState> {
    Router::new()
        .route(route_paths::SOURCES, get(health::sources))
        .route(route_paths::METRICS, get(health::metrics))
}

/// Serves [`router`] on `listener` until `shutdown` resolves, then finishes the requests in
/// flight. Peer addresses reach the handlers, so the click limit is per client IP.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
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

/// Gives error answers that are not JSON yet (from axum or a layer) the API's error body.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
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
    let mut answer = ApiError::new(code, message).into_response();
    *answer.status_mut() = status;
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
