//! `GET /earnings` and `GET /earnings/unattributed`: the operator's reports over the store.
//!
//! `/earnings` answers an [`EarningsReport`] (the same JSON as `feedmill earnings --json`):
//! per group and currency the clicks, conversions, sale amount, commission by status,
//! conversion rate and EPC, money as decimal strings. Sales credited to no click are counted in
//! the rows whose `key` is `null` and listed one by one by `/earnings/unattributed`, so none is
//! dropped. The store is read on tokio's blocking pool; a store failure is a `503`.

use crate::earnings_params::{Period, earnings_request, unattributed_request};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::Utc;
use feedmill_store::{
    EarningsQuery, EarningsReport, Store, StoreResult, UnattributedReport, period_range,
};
use std::sync::Arc;

#[utoipa::path(
    get,
    path = crate::route_paths::EARNINGS,
    summary = "Earnings by day, source, merchant, offer or sub-id: clicks, conversions, sale amount, commission by status, conversion rate and EPC per currency",
    description = "",
    params(crate::openapi::handler_params::EarningsQuery),
    responses(
        (status = 200, description = "One row per group and currency", body = feedmill_store::EarningsReport),
        crate::openapi::handler_params::ReadErrors,
        (status = 503, description = "The store could not answer; try again shortly", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn earnings(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<EarningsReport>, ApiError> {
    let (period, group_by) = earnings_request(query.as_deref(), Utc::now())?;
    let rows = read_store(&state, move |store| {
        store.earnings(EarningsQuery {
            range: period_range(period),
            group_by,
        })
    })
    .await?;
    Ok(Json(EarningsReport {
        from: period.0,
        to: period.1,
        group_by,
        rows,
    }))
}

#[utoipa::path(
    get,
    path = crate::route_paths::EARNINGS_UNATTRIBUTED,
    summary = "Earnings: the sales no click could be credited with",
    description = "",
    params(crate::openapi::handler_params::UnattributedQuery),
    responses(
        (status = 200, description = "Every unattributed sale of the period", body = feedmill_store::UnattributedReport),
        crate::openapi::handler_params::ReadErrors,
        (status = 503, description = "The store could not answer; try again shortly", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn unattributed(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<UnattributedReport>, ApiError> {
    let period: Period = unattributed_request(query.as_deref(), Utc::now())?;
    let sales = read_store(&state, move |store| {
        store.unattributed(period_range(period))
    })
    .await?;
    Ok(Json(UnattributedReport {
        from: period.0,
        to: period.1,
        num_sales: sales.len(),
        sales,
    }))
}

/// Runs a read of the store on the blocking pool.
async fn read_store<T: Send + 'static>(
    state: &AppState,
    read: impl FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    let store: Arc<dyn Store> = state.store().clone();
    let answer = tokio::task::spawn_blocking(move || read(store.as_ref()))
        .await
        .map_err(|err| ApiError::internal("store task", err))?;
    Ok(answer?)
}
