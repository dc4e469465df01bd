//! `GET /matches` (the review list or the pins), `PUT /offers/{id}/product` (pin an offer to a
//! product, or split it off) and `DELETE /offers/{id}/product` (remove the pin): the operator's
//! hand in product matching. Pins live in the store and take effect at the next ingest of the
//! offer's source (a refresh then runs even when the feed is unchanged; `POST
//! /sources/{name}/refresh` starts one now).

use super::history::store_failure;
use crate::error::{ApiError, ErrorCode};
use crate::json_body::ApiJson;
use crate::match_params::{MatchStatus, MatchesRequest, matches_request};
use crate::state::AppState;
use crate::types::{
    PinList, PinRequest, PinView, PinnedStatus, ReviewEntry, ReviewList, ReviewStatus,
};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use feedmill_model::product_key;
use feedmill_store::{PinTarget, ProductPin};

#[utoipa::path(
    get,
    path = crate::route_paths::MATCHES,
    summary = "Product matching: the pairs waiting for an operator (scored between the match and the auto-group threshold), or the operators' pins",
    description = "",
    params(crate::openapi::handler_params::MatchesQuery),
    responses(
        (status = 200, description = "The review list (status=review) or the pins (status=pinned), a page of it", body = inline(crate::openapi::handler_params::MatchLists)),
        crate::openapi::handler_params::ReadErrors,
    )
)]
pub(crate) async fn matches(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let request = matches_request(query.as_deref())?;
    state
        .blocking(move |state| match request.status {
            MatchStatus::Review => review_list(state, request).map(|l| Json(l).into_response()),
            MatchStatus::Pinned => pin_list(state, request).map(|l| Json(l).into_response()),
        })
        .await
}

fn review_list(state: &AppState, request: MatchesRequest) -> Result<ReviewList, ApiError> {
    let store = state.store();
    let total = store.count_match_reviews().map_err(store_failure)?;
    let reviews = store
        .match_reviews(request.per_page, request.offset())
        .map_err(store_failure)?;
    Ok(ReviewList {
        status: ReviewStatus::Review,
        total,
        page: request.page,
        per_page: request.per_page,
        items: reviews.iter().map(ReviewEntry::from).collect(),
    })
}

fn pin_list(state: &AppState, request: MatchesRequest) -> Result<PinList, ApiError> {
    let pins = state.store().pins().map_err(store_failure)?;
    let items = pins
        .iter()
        .skip(request.offset())
        .take(request.per_page)
        .map(PinView::from)
        .collect();
    Ok(PinList {
        status: PinnedStatus::Pinned,
        total: pins.len() as u64,
        page: request.page,
        per_page: request.per_page,
        items,
    })
}

#[utoipa::path(
    put,
    path = crate::route_paths::OFFER_PRODUCT,
    summary = r#"Pin an offer to a product ({"product_id": ...}) or split it off ({"split": true}); the pin takes effect at the next ingest of the offer's source, which runs even when its feed is unchanged"#,
    description = "",
    params(crate::openapi::handler_params::OfferIdPath),
    request_body = crate::types::PinRequest,
    responses(
        (status = 200, description = "The pin", body = crate::types::PinView),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
        crate::openapi::handler_params::BodyErrors,
    )
)]
pub(crate) async fn pin_offer(
    State(state): State<AppState>,
    Path(offer_id): Path<String>,
    ApiJson(request): ApiJson<PinRequest>,
) -> Result<Json<PinView>, ApiError> {
    let target = pin_target(&request)?;
    let pin = state
        .blocking(move |state| {
            let offer = state.index().get_offer(&offer_id)?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::OfferNotFound,
                    format!("no offer with id {offer_id:?}"),
                )
            })?;
            if let PinTarget::Product(product_id) = &target
                && state
                    .index()
                    .priced_offers_by_product(product_id)?
                    .is_empty()
            {
                return Err(ApiError::new(
                    ErrorCode::ProductNotFound,
                    format!("no offer has product id {product_id:?}"),
                ));
            }
            let pin = ProductPin {
                offer_id: offer.id,
                source: offer.source,
                target,
                created_at: Utc::now(),
            };
            state.store().set_pin(&pin).map_err(store_failure)?;
            Ok(pin)
        })
        .await?;
    Ok(Json(PinView::from(&pin)))
}

#[utoipa::path(
    delete,
    path = crate::route_paths::OFFER_PRODUCT,
    summary = "Remove an offer's pin: from the source's next ingest the matcher decides its product again",
    description = "",
    params(crate::openapi::handler_params::OfferIdPath),
    responses(
        (status = 204, description = "Removed"),
        crate::openapi::handler_params::ReadErrors,
        (status = 404, description = "The offer has no pin", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn unpin_offer(
    State(state): State<AppState>,
    Path(offer_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .blocking(move |state| match state.store().remove_pin(&offer_id) {
            Ok(true) => Ok(StatusCode::NO_CONTENT),
            Ok(false) => Err(ApiError::new(
                ErrorCode::NotFound,
                format!("offer {offer_id:?} has no pin"),
            )),
            Err(err) => Err(store_failure(err)),
        })
        .await
}

/// Exactly one of a well-formed `product_id` and `"split": true`.
fn pin_target(request: &PinRequest) -> Result<PinTarget, ApiError> {
    match (&request.product_id, request.split) {
        (Some(product_id), None | Some(false)) => {
            if product_key(product_id).is_none() {
                return Err(ApiError::invalid_parameter(
                    "product_id",
                    format!("expected p and 12 lowercase hex digits, got {product_id:?}"),
                ));
            }
            Ok(PinTarget::Product(product_id.clone()))
        }
        (None, Some(true)) => Ok(PinTarget::Split),
        _ => Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "a pin needs exactly one of \"product_id\" and \"split\": true",
        )),
    }
}
