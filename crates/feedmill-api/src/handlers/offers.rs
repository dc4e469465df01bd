//! `GET /offers/{id}` and `GET /products/{gtin}` (the price-comparison view), each offer with
//! its honest numbers when price history is kept.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::offer_links::{Decoration, priced_offer_json};
use crate::params::subid_only;
use crate::state::AppState;
use crate::types::Product;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use feedmill_model::product_key;
use feedmill_search::PricedOffer;
use serde_json::Value;

/// One offer with its links.
#[utoipa::path(
    get,
    path = crate::route_paths::OFFER,
    summary = "One offer",
    description = "",
    params(crate::openapi::handler_params::OfferIdPath, crate::openapi::handler_params::OfferQuery),
    responses(
        (status = 200, description = "The offer with its links", body = crate::offer_links::LinkedOffer<'static>),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
    )
)]
pub(crate) async fn offer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let ids = subid_only(query.as_deref())?;
    let json = state
        .blocking(move |state| {
            let offer = state.index().get_priced_offer(&id)?.ok_or_else(|| {
                ApiError::new(ErrorCode::OfferNotFound, format!("no offer with id {id:?}"))
            })?;
            let commissions = state.commissions().snapshot();
            let decoration = Decoration {
                config: state.config(),
                ids: &ids,
                commissions: &commissions,
            };
            priced_offer_json(decoration, &offer)
        })
        .await?;
    Ok(Json(json))
}

/// Every offer of one GTIN, cheapest total (price + shipping) first; for a key limited to
/// sources, only the offers of those sources (none is a `404`, as for an unknown GTIN).
#[utoipa::path(
    get,
    path = crate::route_paths::PRODUCT,
    summary = "Every offer of one product, cheapest total first: by GTIN, or by the product id the matcher gave its offers",
    description = "",
    params(crate::openapi::handler_params::ProductPath, crate::openapi::handler_params::OfferQuery),
    responses(
        (status = 200, description = "The product's offers", body = crate::types::Product),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
    )
)]
pub(crate) async fn product(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Option<Extension<Caller>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Product>, ApiError> {
    let ids = subid_only(query.as_deref())?;
    let json = state
        .blocking(move |state| {
            // A product id (`p` + 12 hex digits) names a matched product; anything else is a
            // GTIN, as before products were matched.
            let by_product = product_key(&id).is_some();
            let mut offers = match by_product {
                true => state.index().priced_offers_by_product(&id)?,
                false => state.index().priced_offers_by_gtin(&id)?,
            };
            if let Some(Extension(caller)) = &caller {
                offers.retain(|priced| caller.key.allows_source(&priced.offer.source));
            }
            if offers.is_empty() {
                let what = if by_product { "product id" } else { "gtin" };
                return Err(ApiError::new(
                    ErrorCode::ProductNotFound,
                    format!("no offer has {what} {id:?}"),
                ));
            }
            let commissions = state.commissions().snapshot();
            let decoration = Decoration {
                config: state.config(),
                ids: &ids,
                commissions: &commissions,
            };
            let mut items = Vec::with_capacity(offers.len());
            for offer in &offers {
                items.push(priced_offer_json(decoration, offer)?);
            }
            let (product_id, gtin) = match by_product {
                true => (Some(id.clone()), product_gtin(&offers)),
                false => (None, Some(id.trim().to_string())),
            };
            Ok(Product {
                product_id,
                gtin,
                offer_count: offers.len() as u64,
                offers: items,
            })
        })
        .await?;
    Ok(Json(json))
}

/// The GTIN of a matched product: the one its offers carry (a product holds at most one).
fn product_gtin(offers: &[PricedOffer]) -> Option<String> {
    offers
        .iter()
        .find_map(|priced| priced.offer.gtin.as_ref().map(|gtin| gtin.as_gtin14()))
}
