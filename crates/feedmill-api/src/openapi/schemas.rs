//! Schemas of the small answers built with `json!`. Documentation only: nothing is serialized
//! from these types, and `super::tests` and the contract tests check them against real answers.

#![allow(dead_code)]

use serde::Serialize;
use utoipa::ToSchema;

/// `GET /products/{gtin}`: by GTIN (`gtin` as asked), or by product id (`product_id`, and
/// `gtin`, the 14-digit form, `null` when no offer of the product has one).
#[derive(Serialize, ToSchema)]
pub struct Product {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^p[0-9a-f]{12}$")]
    product_id: Option<String>,
    gtin: Option<String>,
    offer_count: u64,
    offers: Vec<crate::offer_links::LinkedOffer<'static>>,
}

#[derive(Serialize, ToSchema)]
pub struct Suggestions {
    query: String,
    suggestions: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: String,
    offers: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Sources {
    sources: Vec<crate::types::SourceView>,
}

/// `POST /sources/{name}/pause` and `/resume`.
#[derive(Serialize, ToSchema)]
pub struct PauseState {
    source: String,
    paused: bool,
}
