//! The JSON of the product-matching operator endpoints: `GET /matches` (the review list or the
//! pins) and `PUT /offers/{id}/product` (a pin). Times are RFC 3339 in UTC.

use super::rfc3339;
use feedmill_store::{MatchReview, PinTarget, ProductPin};
use serde::{Deserialize, Serialize};

/// `GET /matches?status=review`: pairs scored between the match and the auto-group threshold,
/// best score first. Each offer stays alone until an operator pins it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewList {
    pub status: ReviewStatus,
    /// Entries on the list in all.
    pub total: u64,
    pub page: usize,
    pub per_page: usize,
    pub items: Vec<ReviewEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReviewStatus {
    Review,
}

/// One offer waiting for an operator, with the candidate it nearly joined.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReviewEntry {
    pub offer_id: String,
    pub source: String,
    pub title: String,
    /// The most similar offer of another product.
    pub candidate_offer_id: String,
    pub candidate_title: String,
    /// What `PUT /offers/{offer_id}/product` takes to join it.
    pub candidate_product_id: String,
    /// The calibrated pair score, between the match and the auto-group threshold.
    pub score: f32,
    pub created_at: String,
}

impl From<&MatchReview> for ReviewEntry {
    fn from(review: &MatchReview) -> ReviewEntry {
        ReviewEntry {
            offer_id: review.offer_id.clone(),
            source: review.source.clone(),
            title: review.title.clone(),
            candidate_offer_id: review.candidate_offer_id.clone(),
            candidate_title: review.candidate_title.clone(),
            candidate_product_id: review.candidate_product_id.clone(),
            score: review.score,
            created_at: rfc3339(review.created_at),
        }
    }
}

/// `GET /matches?status=pinned`: the operators' pins, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PinList {
    pub status: PinnedStatus,
    pub total: u64,
    pub page: usize,
    pub per_page: usize,
    pub items: Vec<PinView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PinnedStatus {
    Pinned,
}

/// One pin: an offer put into a product, or split off alone. It holds on every ingest of the
/// offer's source until it is removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PinView {
    pub offer_id: String,
    pub source: String,
    /// The product the offer is kept in; `null` for a split.
    pub product_id: Option<String>,
    /// Whether the offer is kept alone.
    pub split: bool,
    pub created_at: String,
}

impl From<&ProductPin> for PinView {
    fn from(pin: &ProductPin) -> PinView {
        let product_id = match &pin.target {
            PinTarget::Product(product_id) => Some(product_id.clone()),
            PinTarget::Split => None,
        };
        PinView {
            offer_id: pin.offer_id.clone(),
            source: pin.source.clone(),
            split: product_id.is_none(),
            product_id,
            created_at: rfc3339(pin.created_at),
        }
    }
}

/// `PUT /offers/{id}/product`: exactly one of `product_id` and `"split": true`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinRequest {
    /// Keep the offer in this product (`p` and 12 hex digits; some offer must have it).
    #[serde(default)]
    pub product_id: Option<String>,
    /// `true`: keep the offer alone, whatever the matcher finds.
    #[serde(default)]
    pub split: Option<bool>,
}
