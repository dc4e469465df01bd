//! `GET /offers/{id}/history` and `GET /products/{gtin}/history`: an offer's change points and
//! a product's daily market low with each merchant's daily low, read from the store.
//!
//! The offer's source (half of the store's key) comes from the index. An offer no longer in
//! the index is still answered from the history its id names (an id begins with its source),
//! so a page can show why an offer went; an id with neither offer nor history is a 404.

use crate::error::{ApiError, ErrorCode};
use crate::params::history_days;
use crate::state::AppState;
use crate::types::{OfferHistory, ProductHistory, merchant_source};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Duration, Utc};
use feedmill_model::Gtin;
use feedmill_store::StoreError;

/// A store failure as an answer: the caller's mistakes are 400, the store's own faults 500.
pub(crate) fn store_failure(err: StoreError) -> ApiError {
    if err.is_user_error() {
        ApiError::new(ErrorCode::InvalidRequest, err.to_string())
    } else {
        ApiError::internal("store", err)
    }
}

/// The start of a window of `days` ending at the state's clock (settable, see `WallClock`).
fn window_start(state: &AppState, days: u32) -> DateTime<Utc> {
    state.wall_clock().now() - Duration::days(i64::from(days))
}

/// The source an offer id begins with (`source:...`).
fn source_in_id(offer_id: &str) -> Option<&str> {
    offer_id.split_once(':').map(|(source, _)| source)
}

#[utoipa::path(
    get,
    path = crate::route_paths::OFFER_HISTORY,
    summary = "Price history of one offer: its change points (first, change, gap, return)",
    description = "",
    params(crate::openapi::handler_params::OfferIdPath, crate::openapi::handler_params::HistoryQuery),
    responses(
        (status = 200, description = "Change points, oldest first", body = crate::types::OfferHistory),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
    )
)]
pub(crate) async fn offer_history(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<OfferHistory>, ApiError> {
    let days = history_days(query.as_deref())?;
    let since = window_start(&state, days);
    let history = state
        .blocking(move |state| {
            let indexed = state.index().get_offer(&id)?.map(|offer| offer.source);
            let source = indexed.as_deref().or_else(|| source_in_id(&id));
            let points = match source {
                Some(source) => state
                    .store()
                    .price_points(source, &id, since)
                    .map_err(store_failure)?,
                None => Vec::new(),
            };
            if indexed.is_none() && points.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::OfferNotFound,
                    format!("no offer with id {id:?}"),
                ));
            }
            Ok(OfferHistory::new(&id, days, &points))
        })
        .await?;
    Ok(Json(history))
}

#[utoipa::path(
    get,
    path = crate::route_paths::PRODUCT_HISTORY,
    summary = "Price history of one product: the daily market low per currency and each merchant's daily low",
    description = "",
    params(crate::openapi::handler_params::HistoryGtinPath, crate::openapi::handler_params::HistoryQuery),
    responses(
        (status = 200, description = "Daily lows, oldest first", body = crate::types::ProductHistory),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
    )
)]
pub(crate) async fn product_history(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<ProductHistory>, ApiError> {
    let days = history_days(query.as_deref())?;
    // Only a valid GTIN has a history: anything else is a product that is not there.
    let gtin = Gtin::parse(&raw).map_err(|err| {
        ApiError::new(
            ErrorCode::ProductNotFound,
            format!("no product has gtin {raw:?}: {err}"),
        )
    })?;
    let since = window_start(&state, days);
    let history = state
        .blocking(move |state| {
            let offers = state.index().offers_by_gtin(gtin.as_str())?;
            let lows = state
                .store()
                .gtin_daily_lows(&gtin, since)
                .map_err(store_failure)?;
            if offers.is_empty() && lows.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::ProductNotFound,
                    format!("no offer or price history has gtin {raw:?}"),
                ));
            }
            let source_of = |merchant: &str| merchant_source(&offers, merchant);
            Ok(ProductHistory::new(
                &gtin.as_gtin14(),
                days,
                &lows,
                source_of,
            ))
        })
        .await?;
    Ok(Json(history))
}
