//! `GET /health`, `GET /metrics`, `GET /sources` and `GET /openapi.json`.

use crate::error::ApiError;
use crate::openapi;
use crate::state::AppState;
use crate::types::{Health, SourceView, Sources};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// Liveness and the number of offers served (read on the blocking pool: a backend may ask a
/// cluster).
#[utoipa::path(
    get,
    path = crate::route_paths::HEALTH,
    summary = "Liveness",
    description = "",
    responses(
        (status = 200, description = "Up", body = crate::types::Health),
        crate::openapi::handler_params::ReadErrors,
    )
)]
pub(crate) async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let offers = state
        .blocking(|state| Ok(state.index().num_offers()))
        .await?;
    Ok(Json(Health {
        status: "ok".to_string(),
        offers,
    }))
}

/// Prometheus text exposition.
#[utoipa::path(
    get,
    path = crate::route_paths::METRICS,
    summary = "Prometheus metrics",
    description = "",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
        crate::openapi::handler_params::ReadErrors,
    )
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let offers = state
        .blocking(|state| {
            let stats = state.index().stats()?;
            Ok(stats
                .into_iter()
                .map(|s| (s.source, s.num_offers))
                .collect::<Vec<_>>())
        })
        .await?;
    let body = state.metrics().render(&offers, state.search_cache_stats());
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// Every source known to the index or to the refresher.
#[utoipa::path(
    get,
    path = crate::route_paths::SOURCES,
    summary = "Sources and their last refresh",
    description = "",
    responses(
        (status = 200, description = "Every source", body = crate::types::Sources),
        crate::openapi::handler_params::ReadErrors,
    )
)]
pub(crate) async fn sources(State(state): State<AppState>) -> Result<Json<Sources>, ApiError> {
    let stats = state.blocking(|state| Ok(state.index().stats()?)).await?;
    let mut board = state.sources().snapshot();
    let operator = state.operator();
    let paused = operator.as_ref().map(|op| op.paused()).unwrap_or_default();
    let last_report = |name: &str| operator.as_ref().and_then(|op| op.last_report(name));
    let mut views = Vec::new();
    for stat in stats {
        views.push(SourceView {
            refresh: board.remove(&stat.source),
            paused: paused.contains(&stat.source),
            last_report: last_report(&stat.source),
            name: stat.source,
            num_offers: stat.num_offers,
            last_ingest_at: Some(stat.last_ingest_at),
            num_rejected: Some(stat.num_rejected),
        });
    }
    for (name, status) in board {
        views.push(SourceView {
            paused: paused.contains(&name),
            last_report: last_report(&name),
            name,
            refresh: Some(status),
            num_offers: 0,
            last_ingest_at: None,
            num_rejected: None,
        });
    }
    views.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(Sources { sources: views }))
}

/// The OpenAPI document, as this server's auth mode has it (in open mode no operation asks
/// for a key).
#[utoipa::path(
    get,
    path = crate::route_paths::OPENAPI,
    summary = "This document",
    description = "",
    responses(
        (status = 200, description = "OpenAPI document"),
        crate::openapi::handler_params::ReadErrors,
    )
)]
pub(crate) async fn openapi_json(State(state): State<AppState>) -> Response {
    let content_type = HeaderValue::from_static("application/json");
    let document = openapi::document_json_for(state.keys().mode());
    ([(header::CONTENT_TYPE, content_type)], document).into_response()
}
