//! `GET /search` and `GET /suggest`.

use crate::error::ApiError;
use crate::offer_links::{Decoration, LinkedResponse};
use crate::params::{search_request, suggest_request};
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

/// The index's search answer with `tracking_url`, `deep_link` and `click_url` on each offer;
/// a repeated request is answered from the search cache while the index is unchanged (the
/// links, which depend on the caller's sub-ids, are added to every answer afresh).
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let (request, ids) = search_request(query.as_deref())?;
    let body = state
        .blocking(move |state| {
            let started = Instant::now();
            let index = state.index();
            let response = match state.search_cache() {
                Some(cache) => index.search_cached(cache, &request)?,
                None => Arc::new(index.search(&request)?),
            };
            // A cached answer carries the time of the search that computed it; this one's is
            // the time it took now.
            let took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let commissions = state.commissions().snapshot();
            let decoration = Decoration {
                config: state.config(),
                ids: &ids,
                commissions: &commissions,
            };
            let linked = LinkedResponse::new(decoration, &response, took_ms);
            serde_json::to_vec(&linked).map_err(|err| ApiError::internal("search json", err))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

/// Completions of what a shopper is typing: brands and titles.
pub(crate) async fn suggest(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (text, limit) = suggest_request(query.as_deref())?;
    let suggestions = state
        .blocking(move |state| Ok((text.clone(), state.index().suggest(&text, limit)?)))
        .await?;
    Ok(Json(
        json!({ "query": suggestions.0, "suggestions": suggestions.1 }),
    ))
}
