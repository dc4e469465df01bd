//! [`SearchResponse`]: the JSON the HTTP API returns and the CLI prints. Field names are a
//! contract with users.

use crate::price_facts::{PriceFacts, PricedOffer};
use feedmill_model::{Currency, Offer, format_price};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse {
    /// Matching items: offers, or groups and ungrouped offers when grouping by GTIN.
    pub total: u64,
    pub page: usize,
    pub per_page: usize,
    pub took_ms: u64,
    pub items: Vec<SearchItem>,
    /// Only the requested facets; omitted when none was asked for.
    #[serde(default, skip_serializing_if = "FacetResults::is_empty")]
    pub facets: FacetResults,
}

/// One result: an offer, or all offers of one product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[expect(
    clippy::large_enum_variant,
    reason = "most items are offers; boxing them would allocate once per hit to save bytes on \
              the few groups of a page"
)]
pub enum SearchItem {
    Group(GtinGroup),
    Offer(OfferHit),
}

/// An offer with its relevance score (absent when no score was computed) and its honest
/// numbers (when price history is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferHit {
    #[serde(flatten)]
    pub offer: Offer,
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub price_facts: Option<PriceFacts>,
    pub score: Option<f32>,
}

/// The offers of one product in one currency: grouped by GTIN (`group_by=gtin`, `gtin` set)
/// or by the product the matcher placed them in (`group_by=product`, `product_id` set, and
/// `gtin` when the product has one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GtinGroup {
    /// The matched product every offer of the group belongs to (`group_by=product`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// The 14-digit form every offer of the group shares; with `group_by=product`, the
    /// product's GTIN when one of its offers has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// The title of the cheapest offer.
    pub title: String,
    pub offer_count: u64,
    /// Lowest and highest price (without shipping) among the offers.
    #[serde(with = "price_string")]
    pub min_price: Decimal,
    #[serde(with = "price_string")]
    pub max_price: Decimal,
    pub currency: Currency,
    /// Cheapest total (price + shipping) first, each with its honest numbers when price
    /// history is kept.
    pub offers: Vec<PricedOffer>,
}

/// Facet counts over the whole result set, not just the page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FacetResults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub brand: Option<Vec<FacetValue>>,
    /// Top-level categories, then the children of each level of the requested category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub category: Option<Vec<FacetValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub merchant: Option<Vec<FacetValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub network: Option<Vec<FacetValue>>,
    /// Fixed buckets (`0-25` … `1000+`) in units of the offers' own currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub price: Option<Vec<FacetValue>>,
}

impl FacetResults {
    pub fn is_empty(&self) -> bool {
        self.lists().iter().all(|list| list.is_none())
    }

    /// Every facet's counts, `None` where it was not asked for.
    pub fn lists(&self) -> [&Option<Vec<FacetValue>>; 5] {
        [
            &self.brand,
            &self.category,
            &self.merchant,
            &self.network,
            &self.price,
        ]
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// Prices as exact decimal strings with two places at least, like the offers' own.
mod price_string {
    use super::format_price;
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(price: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_price(*price))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omits_facets_not_asked_for() -> Result<(), serde_json::Error> {
        let response = SearchResponse {
            total: 0,
            page: 1,
            per_page: 20,
            took_ms: 0,
            items: Vec::new(),
            facets: FacetResults::default(),
        };
        let json = serde_json::to_value(&response)?;
        assert!(json.get("facets").is_none());
        let with_price = SearchResponse {
            facets: FacetResults {
                price: Some(vec![FacetValue {
                    value: "0-25".into(),
                    count: 2,
                }]),
                ..FacetResults::default()
            },
            ..response
        };
        let json = serde_json::to_value(&with_price)?;
        assert_eq!(
            json["facets"],
            serde_json::json!({"price": [{"value": "0-25", "count": 2}]})
        );
        Ok(())
    }
}
