//! `GET /search` and `GET /suggest`.

use crate::error::ApiError;
use crate::offer_links::search_json;
use crate::params::{search_request, suggest_request};
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

/// The index's search answer with `tracking_url`, `deep_link` and `click_url` on each offer;
/// a repeated request is answered from the search cache while the index is unchanged (the
/// links, which depend on the caller's sub-ids, are added to every answer afresh).
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let (request, ids) = search_request(query.as_deref())?;
    let json = state
        .blocking(move |state| {
            let index = state.index();
            let response = match state.search_cache() {
                Some(cache) => index.search_cached(cache, &request)?,
                None => index.search(&request)?,
            };
            search_json(state, &response, &ids)
        })
        .await?;
    Ok(Json(json))
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
