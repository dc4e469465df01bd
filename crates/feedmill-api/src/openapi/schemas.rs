//! Schemas of JSON written by the index and model crates (which do not depend on utoipa), and of
//! the small answers built with `json!`. Documentation only: nothing is serialized from these
//! types, and `super::tests` checks their property names against real answers.

#![allow(dead_code)]

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One offer with its three links. Prices are exact decimal strings (`"699.00"`); absent
/// fields are omitted, except the three links, which are `null` when unknown.
#[derive(Serialize, ToSchema)]
pub struct Offer {
    id: String,
    source: String,
    /// adtraction, partnerboost, awin, google, tradetracker or generic.
    network: String,
    merchant_id: Option<String>,
    merchant_name: Option<String>,
    program_id: Option<String>,
    sku: Option<String>,
    gtin: Option<String>,
    mpn: Option<String>,
    title: String,
    description: Option<String>,
    brand: Option<String>,
    /// A category path joined with `" > "`.
    category: Option<String>,
    price: String,
    old_price: Option<String>,
    /// ISO-4217.
    currency: String,
    shipping: Option<String>,
    /// in_stock, out_of_stock, preorder, backorder or unknown.
    availability: String,
    product_url: Option<String>,
    /// The network's click URL exactly as the feed gives it.
    tracking_url: Option<String>,
    image_url: Option<String>,
    additional_images: Vec<String>,
    /// RFC 3339.
    updated_at: Option<String>,
    extra: BTreeMap<String, String>,
    /// The tracking link to this product page with the caller's sub-id.
    deep_link: Option<String>,
    /// Our click-out URL: records the click, then redirects to `deep_link`.
    click_url: Option<String>,
    /// What the offer is expected to earn under its program's known commission rules;
    /// absent when none are known.
    expected_commission: Option<ExpectedCommission>,
}

/// An offer's expected commission: the lowest sale commission of its program for its
/// price and category.
#[derive(Serialize, ToSchema)]
pub struct ExpectedCommission {
    /// An exact decimal string (`"9.00"`).
    amount: String,
    /// ISO-4217.
    currency: String,
    /// The rule applied, e.g. `Sale new customer: 4.5% (category Books)`.
    rule: String,
}

/// An offer with its relevance score.
#[derive(Serialize, ToSchema)]
pub struct OfferHit {
    #[serde(flatten)]
    offer: Offer,
    score: Option<f32>,
}

/// All offers of one product in one currency (`group_by=gtin`).
#[derive(Serialize, ToSchema)]
pub struct GtinGroup {
    /// The 14-digit form.
    gtin: String,
    title: String,
    offer_count: u64,
    min_price: String,
    max_price: String,
    currency: String,
    /// Cheapest total (price + shipping) first.
    offers: Vec<Offer>,
}

// Never built: the size of its variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum SearchItem {
    Group(GtinGroup),
    Offer(OfferHit),
}

#[derive(Serialize, ToSchema)]
pub struct FacetValue {
    value: String,
    count: u64,
}

/// Only the requested facets.
#[derive(Serialize, ToSchema)]
pub struct FacetResults {
    brand: Option<Vec<FacetValue>>,
    category: Option<Vec<FacetValue>>,
    merchant: Option<Vec<FacetValue>>,
    network: Option<Vec<FacetValue>>,
    price: Option<Vec<FacetValue>>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    total: u64,
    page: u64,
    per_page: u64,
    took_ms: u64,
    items: Vec<SearchItem>,
    facets: Option<FacetResults>,
}

/// `GET /products/{gtin}`.
#[derive(Serialize, ToSchema)]
pub struct Product {
    gtin: String,
    offer_count: u64,
    offers: Vec<Offer>,
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
