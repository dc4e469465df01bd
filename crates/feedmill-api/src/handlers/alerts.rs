//! `POST /alerts`, `GET /alerts/{id}` and `DELETE /alerts/{id}`: price alerts (operator
//! routes). The callback is checked (scheme, resolved addresses: `crate::alerts::callback_url`)
//! before the alert is stored; the request and answer types are in `crate::types::alert_view`.

use super::history::store_failure;
use crate::alerts::{CallbackPolicy, check_callback};
use crate::error::{ApiError, ErrorCode};
use crate::json_body::ApiJson;
use crate::state::AppState;
use crate::types::{AlertCreated, AlertRequest, AlertView, MAX_THRESHOLD_CHARS};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use feedmill_model::{Currency, Decimal, Gtin};
use feedmill_store::{AlertId, AlertTarget, NewAlert};
use std::str::FromStr;

#[utoipa::path(
    post,
    path = crate::route_paths::ALERTS,
    summary = "Create a price alert; the answer shows its signing secret, once",
    description = "",
    request_body = crate::types::AlertRequest,
    responses(
        (status = 201, description = "The alert and its secret", body = crate::types::AlertCreated),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::BodyErrors,
    )
)]
pub(crate) async fn create_alert(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<AlertRequest>,
) -> Result<(StatusCode, Json<AlertCreated>), ApiError> {
    let target = target_of(&request)?;
    let below = threshold(&request.below)?;
    let currency = Currency::parse(request.currency.trim()).map_err(|_| {
        ApiError::invalid_parameter(
            "currency",
            format!("{:?} is not an ISO-4217 code", request.currency),
        )
    })?;
    let policy = CallbackPolicy {
        allow_private: state.config().allow_private_callbacks,
    };
    let checked = check_callback(&request.callback_url, policy)
        .await
        .map_err(|err| ApiError::new(ErrorCode::InvalidParameter, err.to_string()))?;
    let alert = NewAlert {
        target,
        below,
        currency,
        callback_url: checked.url.to_string(),
    };
    let created = state
        .blocking(move |state| {
            if let AlertTarget::Offer(offer_id) = &alert.target
                && state.index().get_offer(offer_id)?.is_none()
            {
                return Err(ApiError::new(
                    ErrorCode::OfferNotFound,
                    format!("no offer with id {offer_id:?}"),
                ));
            }
            state
                .store()
                .create_alert(&alert, Utc::now())
                .map_err(store_failure)
        })
        .await?;
    let answer = AlertCreated {
        alert: AlertView::new(&created, &[]),
        secret: created.secret.clone(),
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

#[utoipa::path(
    get,
    path = crate::route_paths::ALERT,
    summary = "A price alert and its deliveries (no secret)",
    description = "",
    params(crate::openapi::handler_params::AlertIdPath),
    responses(
        (status = 200, description = "The alert", body = crate::types::AlertView),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
    )
)]
pub(crate) async fn alert(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<AlertView>, ApiError> {
    let alert_id = parse_id(&id)?;
    let view = state
        .blocking(move |state| {
            let store = state.store();
            let alert = store.alert(&alert_id).map_err(store_failure)?;
            let alert = alert.ok_or_else(|| no_alert(&id))?;
            let deliveries = store.deliveries(&alert_id).map_err(store_failure)?;
            Ok(AlertView::new(&alert, &deliveries))
        })
        .await?;
    Ok(Json(view))
}

#[utoipa::path(
    delete,
    path = crate::route_paths::ALERT,
    summary = "Delete a price alert and its deliveries",
    description = "",
    params(crate::openapi::handler_params::AlertIdPath),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
    )
)]
pub(crate) async fn delete_alert(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let alert_id = parse_id(&id)?;
    state
        .blocking(move |state| match state.store().delete_alert(&alert_id) {
            Ok(true) => Ok(StatusCode::NO_CONTENT),
            Ok(false) => Err(no_alert(&id)),
            Err(err) => Err(store_failure(err)),
        })
        .await
}

fn no_alert(id: &str) -> ApiError {
    ApiError::new(ErrorCode::NotFound, format!("no alert with id {id:?}"))
}

/// An id of the wrong shape names no alert.
fn parse_id(id: &str) -> Result<AlertId, ApiError> {
    AlertId::parse(id).ok_or_else(|| no_alert(id))
}

fn target_of(request: &AlertRequest) -> Result<AlertTarget, ApiError> {
    match (&request.gtin, &request.offer_id) {
        (Some(gtin), None) => Gtin::parse(gtin)
            .map(AlertTarget::Gtin)
            .map_err(|err| ApiError::invalid_parameter("gtin", err)),
        (None, Some(offer_id)) if !offer_id.trim().is_empty() => {
            Ok(AlertTarget::Offer(offer_id.trim().to_string()))
        }
        _ => Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "an alert needs exactly one of \"gtin\" and \"offer_id\"",
        )),
    }
}

/// `below` is below this: the store keeps ten-thousandths in 64 bits (about 922 billion), so
/// the rule is stated in whole digits, at most 14.
const THRESHOLD_LIMIT: i64 = 100_000_000_000_000;
/// Decimal places the store keeps of a threshold (trailing zeros beyond them are fine).
const THRESHOLD_SCALE: u32 = 4;

/// A positive decimal string: digits with an optional fraction, no sign or exponent, at most
/// 14 whole digits (leading zeros aside) and 4 decimal places (trailing zeros aside), at most
/// [`MAX_THRESHOLD_CHARS`] characters. `openapi::body_rules` states the same as a pattern.
fn threshold(text: &str) -> Result<Decimal, ApiError> {
    let bad = |rule: &str| {
        ApiError::invalid_parameter(
            "below",
            format!("expected a positive decimal string like \"79.00\"{rule}, got {text:?}"),
        )
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || text.len() > MAX_THRESHOLD_CHARS {
        return Err(bad(&format!(" (at most {MAX_THRESHOLD_CHARS} characters)")));
    }
    let amount = Decimal::from_str(text).map_err(|_| bad(""))?;
    if amount.is_zero() {
        return Err(bad(" (above zero)"));
    }
    if amount >= Decimal::from(THRESHOLD_LIMIT) {
        return Err(bad(" (at most 14 whole digits)"));
    }
    if amount.normalize().scale() > THRESHOLD_SCALE {
        return Err(bad(" (at most 4 decimal places)"));
    }
    Ok(amount)
}
