//! The normalized offer: one product at one merchant, with exact money and its links.

use crate::price_format::{serde_opt_price, serde_price};
use crate::{Availability, Currency, Gtin, Network};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One offer as `feedmill normalize` writes it, one JSON object per line. The field names are a
/// contract with users; absent fields are omitted, never written as empty strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    /// Stable across runs: the same source and record give the same id (`OfferId`).
    pub id: String,
    pub source: String,
    pub network: Network,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub merchant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub merchant_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub program_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, nullable = false, pattern = "^[0-9]{8}([0-9]{4,6})?$"))]
    pub gtin: Option<Gtin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub mpn: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub brand: Option<String>,
    /// A category path joined with `" > "`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub category: Option<String>,
    #[serde(with = "serde_price")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub price: Decimal,
    #[serde(
        default,
        with = "serde_opt_price",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = String, nullable = false, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub old_price: Option<Decimal>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Z]{3}$"))]
    pub currency: Currency,
    #[serde(
        default,
        with = "serde_opt_price",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = String, nullable = false, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub shipping: Option<Decimal>,
    pub availability: Availability,
    /// The merchant's landing page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub product_url: Option<String>,
    /// The network's click URL exactly as the feed gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub tracking_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_images: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, nullable = false, format = DateTime))]
    pub updated_at: Option<DateTime<Utc>>,
    /// The record's remaining attributes (size, colour, …) by their feed names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
    /// The product this offer belongs to, as the ingest's matcher (or an operator's pin)
    /// decided; absent on offers that were never matched (the output of `normalize`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, pattern = "^p[0-9a-f]{12}$")
    )]
    pub product_id: Option<String>,
    /// How the offer came to `product_id`.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub product_match: Option<crate::ProductMatch>,
}

impl Offer {
    /// The price a shopper pays to have the product delivered: price plus known shipping.
    pub fn total_price(&self) -> Decimal {
        self.price + self.shipping.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn sample() -> Option<Offer> {
        Some(Offer {
            id: "shop:1:SKU1".into(),
            source: "shop".into(),
            network: Network::Adtraction,
            merchant_id: None,
            merchant_name: None,
            program_id: Some("1".into()),
            sku: Some("SKU1".into()),
            gtin: Gtin::parse("4006381333931").ok(),
            mpn: None,
            title: "Hood".into(),
            description: None,
            brand: None,
            category: None,
            price: Decimal::from_str("699").ok()?,
            old_price: None,
            currency: Currency::parse("SEK").ok()?,
            shipping: Decimal::from_str("49").ok(),
            availability: Availability::InStock,
            product_url: Some("https://shop.example/hood".into()),
            tracking_url: None,
            image_url: None,
            additional_images: vec![],
            updated_at: None,
            extra: BTreeMap::new(),
            product_id: None,
            product_match: None,
        })
    }

    #[test]
    fn serializes_exact_prices_and_omits_absent_fields() {
        let offer = sample().expect("sample offer");
        let json = serde_json::to_string(&offer).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"id":"shop:1:SKU1","source":"shop","network":"adtraction","program_id":"1","sku":"SKU1","gtin":"4006381333931","title":"Hood","price":"699.00","currency":"SEK","shipping":"49.00","availability":"in_stock","product_url":"https://shop.example/hood"}"#
        );
    }

    #[test]
    fn round_trips_through_json() {
        let offer = sample().expect("sample offer");
        let json = serde_json::to_string(&offer).unwrap_or_default();
        let back: Offer = serde_json::from_str(&json).expect("parses back");
        assert_eq!(back.price, offer.price);
        assert_eq!(back.total_price(), Decimal::from(748));
    }
}
