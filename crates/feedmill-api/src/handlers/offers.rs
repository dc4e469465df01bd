//! `GET /offers/{id}` and `GET /products/{gtin}` (the price-comparison view), each offer with
//! its honest numbers when price history is kept.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::offer_links::{Decoration, priced_offer_json};
use crate::params::subid_only;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

/// One offer with its links.
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
pub(crate) async fn product(
    State(state): State<AppState>,
    Path(gtin): Path<String>,
    caller: Option<Extension<Caller>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let ids = subid_only(query.as_deref())?;
    let json = state
        .blocking(move |state| {
            let mut offers = state.index().priced_offers_by_gtin(&gtin)?;
            if let Some(Extension(caller)) = &caller {
                offers.retain(|priced| caller.key.allows_source(&priced.offer.source));
            }
            if offers.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::ProductNotFound,
                    format!("no offer has gtin {gtin:?}"),
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
            Ok(json!({ "gtin": gtin.trim(), "offer_count": offers.len(), "offers": items }))
        })
        .await?;
    Ok(Json(json))
}
