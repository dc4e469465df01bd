//! `GET /search` and `GET /suggest`.

use crate::error::ApiError;
use crate::offer_links::{Decoration, LinkedResponse};
use crate::params::{search_request, suggest_request};
use crate::state::AppState;
use crate::types::Suggestions;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::Utc;
use feedmill_search::{FacetKind, FacetResults, SearchRequest, SearchResponse, SortOrder};
use std::sync::Arc;
use std::time::Instant;

/// The index's search answer with `tracking_url`, `deep_link` and `click_url` on each offer;
/// a repeated request is answered from the search cache while the index is unchanged (the
/// links, which depend on the caller's sub-ids, are added to every answer afresh). `sort=epc`
/// takes the merchants' EPC table from the state (`epc_ranks.rs`); a store that cannot give
/// it is a `503`.
///
/// A price range with `min_price` above `max_price` matches nothing (as a range query does in
/// Elasticsearch): it is answered without asking the seam, which refuses it. Every parameter
/// valid by the OpenAPI document alone then gives an answer.
#[utoipa::path(
    get,
    path = crate::route_paths::SEARCH,
    summary = "Search offers",
    description = "",
    params(crate::openapi::handler_params::SearchQuery),
    responses(
        (status = 200, description = "A page of offers (or GTIN groups), each offer with tracking_url, deep_link and click_url", body = crate::offer_links::LinkedResponse<'static>),
        crate::openapi::handler_params::ReadErrors,
    )
)]
pub(crate) async fn search(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let (mut request, ids) = search_request(query.as_deref())?;
    let body = state
        .blocking(move |state| {
            let started = Instant::now();
            if request.sort == SortOrder::Epc {
                let ranks = state.epc_ranks().ranks_for(
                    state.store().as_ref(),
                    request.currency.as_deref(),
                    Utc::now(),
                )?;
                request.merchant_ranks = Some(ranks);
            }
            let response = match plan(&request) {
                SearchPlan::Backend => backend_search(state, &request)?,
                SearchPlan::NothingMatches => Arc::new(empty_answer(&request)),
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

/// How a search is answered.
#[derive(Debug, PartialEq, Eq)]
enum SearchPlan {
    Backend,
    NothingMatches,
}

fn plan(request: &SearchRequest) -> SearchPlan {
    if let (Some(min), Some(max)) = (request.min_price, request.max_price)
        && min > max
    {
        return SearchPlan::NothingMatches;
    }
    SearchPlan::Backend
}

pub(crate) fn backend_search(
    state: &AppState,
    request: &SearchRequest,
) -> Result<Arc<SearchResponse>, ApiError> {
    let index = state.index();
    Ok(match state.search_cache() {
        Some(cache) => index.search_cached(cache, request)?,
        None => Arc::new(index.search(request)?),
    })
}

/// No items, and each requested facet with no values.
fn empty_answer(request: &SearchRequest) -> SearchResponse {
    let mut facets = FacetResults::default();
    for kind in &request.facets {
        let list = match kind {
            FacetKind::Brand => &mut facets.brand,
            FacetKind::Category => &mut facets.category,
            FacetKind::Merchant => &mut facets.merchant,
            FacetKind::Network => &mut facets.network,
            FacetKind::Price => &mut facets.price,
        };
        *list = Some(Vec::new());
    }
    SearchResponse {
        total: 0,
        page: request.page,
        per_page: request.per_page,
        took_ms: 0,
        items: Vec::new(),
        facets,
    }
}

/// Completions of what a shopper is typing: brands and titles.
#[utoipa::path(
    get,
    path = crate::route_paths::SUGGEST,
    summary = "Search-as-you-type over titles and brands",
    description = "",
    params(crate::openapi::handler_params::SuggestQuery),
    responses(
        (status = 200, description = "Suggestions", body = crate::types::Suggestions),
        crate::openapi::handler_params::ReadErrors,
    )
)]
pub(crate) async fn suggest(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<Suggestions>, ApiError> {
    let (text, limit) = suggest_request(query.as_deref())?;
    let suggestions = state
        .blocking(move |state| Ok((text.clone(), state.index().suggest(&text, limit)?)))
        .await?;
    Ok(Json(Suggestions {
        query: suggestions.0,
        suggestions: suggestions.1,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedmill_model::Decimal;

    #[test]
    fn plans_requests_the_seam_would_refuse() {
        let mut request = SearchRequest::default();
        assert_eq!(plan(&request), SearchPlan::Backend);
        request.min_price = Some(Decimal::from(5));
        request.max_price = Some(Decimal::from(1));
        assert_eq!(plan(&request), SearchPlan::NothingMatches);
        request.max_price = Some(Decimal::from(5));
        assert_eq!(plan(&request), SearchPlan::Backend);
    }

    #[test]
    fn an_empty_answer_names_the_requested_facets() {
        let request = SearchRequest {
            facets: vec![FacetKind::Brand, FacetKind::Price],
            page: 3,
            ..SearchRequest::default()
        };
        let answer = empty_answer(&request);
        assert_eq!((answer.total, answer.page, answer.items.len()), (0, 3, 0));
        assert_eq!(answer.facets.brand, Some(Vec::new()));
        assert_eq!(answer.facets.merchant, None);
    }
}
