//! Schemas of JSON written by the index and model crates (which do not depend on utoipa), and of
//! the small answers built with `json!`. Documentation only: nothing is serialized from these
//! types, and `super::tests` checks their property names against real answers.

#![allow(dead_code)]

use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One offer with its three links. Prices are exact decimal strings (`"699.00"`). Fields the
/// offer lacks are left out, except the three links, which are always there and `null` when
/// unknown. More properties may be added.
#[derive(Serialize, ToSchema)]
pub struct Offer {
    id: String,
    source: String,
    /// adtraction, partnerboost, awin, google, tradetracker or generic.
    network: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    merchant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    merchant_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    program_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    gtin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    mpn: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    brand: Option<String>,
    /// A category path joined with `" > "`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    category: Option<String>,
    #[schema(pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    price: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    old_price: Option<String>,
    /// ISO-4217.
    #[schema(pattern = "^[A-Z]{3}$")]
    currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = r"^-?[0-9]+(\.[0-9]+)?$")]
    shipping: Option<String>,
    /// in_stock, out_of_stock, preorder, backorder or unknown.
    availability: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    product_url: Option<String>,
    /// The network's click URL exactly as the feed gives it.
    #[schema(required = true)]
    tracking_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    image_url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    additional_images: Vec<String>,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    updated_at: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extra: BTreeMap<String, String>,
    /// The product the ingest's matcher (or an operator's pin) placed the offer in:
    /// `/products/{id}` lists its offers, `group_by=product` groups by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^p[0-9a-f]{12}$")]
    product_id: Option<String>,
    /// How the offer came to `product_id`.
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    product_match: Option<ProductMatch>,
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
    #[schema(required = true)]
    deep_link: Option<String>,
    /// Our click-out URL: records the click, then redirects to `deep_link`.
    #[schema(required = true)]
    click_url: Option<String>,
    /// What the offer is expected to earn under its program's known commission rules;
    /// absent when none are known.
    expected_commission: Option<ExpectedCommission>,
}

/// How an offer came to its product.
#[derive(Serialize, ToSchema)]
pub struct ProductMatch {
    /// `gtin` (the product is its GTIN), `model` (brand + model number), `scored` (joined by a
    /// learned pair score at or above the auto-group threshold) or `none` (alone).
    #[schema(pattern = "^(gtin|model|scored|none)$")]
    method: String,
    /// 1 for identifiers; the pair score for `scored`; for `none` the best candidate's score.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    score: Option<f32>,
    /// An operator pinned the offer to this product or split it off.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pinned: bool,
    /// A pair between the match and the auto-group threshold waits for an operator.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    in_review: bool,
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

/// An offer with its relevance score (`null` when none was computed).
#[derive(Serialize, ToSchema)]
pub struct OfferHit {
    #[serde(flatten)]
    offer: Offer,
    #[schema(required = true)]
    score: Option<f32>,
}

/// All offers of one product in one currency: one GTIN (`group_by=gtin`, `gtin` set) or one
/// matched product (`group_by=product`, `product_id` set, `gtin` when the product has one).
#[derive(Serialize, ToSchema)]
pub struct GtinGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^p[0-9a-f]{12}$")]
    product_id: Option<String>,
    /// The 14-digit form.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^[0-9]{14}$")]
    gtin: Option<String>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    brand: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    category: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    merchant: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    network: Option<Vec<FacetValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    price: Option<Vec<FacetValue>>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchResponse {
    total: u64,
    page: u64,
    per_page: u64,
    took_ms: u64,
    items: Vec<SearchItem>,
    /// Left out when no facet was requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    facets: Option<FacetResults>,
}

/// `GET /products/{gtin}`: by GTIN (`gtin` as asked), or by product id (`product_id`, and
/// `gtin`, the 14-digit form, `null` when no offer of the product has one).
#[derive(Serialize, ToSchema)]
pub struct Product {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, pattern = "^p[0-9a-f]{12}$")]
    product_id: Option<String>,
    gtin: Option<String>,
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

/// `POST /sources/{name}/pause` and `/resume`.
#[derive(Serialize, ToSchema)]
pub struct PauseState {
    source: String,
    paused: bool,
}
