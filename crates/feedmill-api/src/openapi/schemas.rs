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
    /// The lowest price of the 30 days before the current price began (the EU reference
    /// price); `null` with under 30 days of history. This and the fields below are present
    /// only when price history is kept.
    lowest_price_30d: Option<String>,
    /// Days of history (in this currency) before the current price began.
    history_days: Option<i64>,
    /// When the current price began (RFC 3339).
    price_changed_at: Option<String>,
    /// The price before the current one (same currency).
    previous_price: Option<String>,
    /// Percent below `lowest_price_30d` (one decimal); `null` unless the price is below it.
    discount_percent: Option<f64>,
    /// Percent below the feed's `old_price`, as the feed claims it.
    claimed_discount_percent: Option<f64>,
    /// True only when the feed claims a discount and its old price is at or below
    /// `lowest_price_30d`: the claim is backed by our history.
    discount_verified: Option<bool>,
    /// Percent below `previous_price` when the last change was a drop (`sort=price_drop`).
    price_drop_percent: Option<f64>,
    /// Since when no price of the offer was below the current one (RFC 3339; `at_lowest`).
    lowest_since: Option<String>,
    /// The tracking link to this product page with the caller's sub-id.
    deep_link: Option<String>,
    /// Our click-out URL: records the click, then redirects to `deep_link`.
    click_url: Option<String>,
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
