//! The small answers: a product's offers, suggestions, liveness, the sources, a source's pause
//! state and a queued refresh. Each handler serializes its answer from one of these, and the
//! OpenAPI document derives its schema from the same type.

use crate::types::SourceView;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// `GET /products/{gtin}`: by GTIN (`gtin` as asked), or by product id (`product_id`, and
/// `gtin`, the 14-digit form, `null` when no offer of the product has one).
#[derive(Debug, Serialize, ToSchema)]
pub struct Product {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^p[0-9a-f]{12}$")]
    pub product_id: Option<String>,
    pub gtin: Option<String>,
    pub offer_count: u64,
    // Each written by `offer_links::LinkedOffer`, whose schema `Offer` is.
    #[schema(value_type = Vec<crate::offer_links::LinkedOffer<'static>>)]
    pub offers: Vec<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestions {
    pub query: String,
    pub suggestions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub offers: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Sources {
    pub sources: Vec<SourceView>,
}

/// `POST /sources/{name}/pause` and `/resume`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PauseState {
    pub source: String,
    pub paused: bool,
}

/// `POST /sources/{name}/refresh`: the queued job, to follow at `/jobs/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobQueued {
    pub job_id: String,
}
