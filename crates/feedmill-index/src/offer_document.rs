//! An [`Offer`] to a tantivy document and back, and the key forms the index derives from it.

use crate::error::IndexError;
use crate::schema::OfferSchema;
use feedmill_model::{Availability, Offer, minor_units};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use tantivy::schema::{Facet, Value};
use tantivy::{DateTime, TantivyDocument};

impl OfferSchema {
    /// The document of one offer: its JSON plus the fields derived for search.
    pub(crate) fn to_document(&self, offer: &Offer) -> Result<TantivyDocument, IndexError> {
        let json = serde_json::to_string(offer).map_err(|source| IndexError::Encode {
            offer_id: offer.id.clone(),
            source,
        })?;
        let mut doc = TantivyDocument::new();
        doc.add_text(self.offer, json);
        doc.add_text(self.id, &offer.id);
        doc.add_text(self.source, &offer.source);
        doc.add_text(self.network, offer.network.as_str());
        doc.add_text(self.title, &offer.title);
        doc.add_text(self.match_text, &offer.title);
        if let Some(description) = &offer.description {
            doc.add_text(self.description, description);
        }
        if let Some(merchant) = merchant_of(offer) {
            doc.add_text(self.merchant, merchant);
        }
        if let Some(brand) = non_empty(offer.brand.as_deref()) {
            doc.add_text(self.brand, brand);
            doc.add_text(self.brand_text, brand);
            doc.add_text(self.match_text, brand);
        }
        if let Some(category) = offer.category.as_deref() {
            if let Some(facet) = category_facet(category) {
                doc.add_facet(self.category, facet);
            }
            doc.add_text(self.category_text, category);
            doc.add_text(self.match_text, category);
        }
        doc.add_text(self.currency, offer.currency.code());
        doc.add_bool(self.in_stock, offer.availability == Availability::InStock);
        if let Some(gtin) = &offer.gtin {
            let gtin14 = gtin.as_gtin14();
            if let Ok(key) = gtin14.parse::<u64>() {
                doc.add_u64(self.gtin_key, key);
            }
            doc.add_text(self.gtin14, gtin14);
        }
        doc.add_i64(self.price_minor, price_key(offer.price));
        doc.add_i64(self.total_minor, price_key(offer.total_price()));
        if let Some(discount) = discount_percent(offer) {
            doc.add_f64(self.discount, discount);
        }
        if let Some(updated_at) = offer.updated_at {
            doc.add_date(
                self.updated_at,
                DateTime::from_timestamp_secs(updated_at.timestamp()),
            );
        }
        Ok(doc)
    }

    /// The offer a stored document holds.
    pub(crate) fn to_offer(&self, doc: &TantivyDocument) -> Result<Offer, IndexError> {
        let json = doc
            .get_first(self.offer)
            .and_then(|value| value.as_str())
            .ok_or_else(|| IndexError::CorruptOffer("document has no offer field".into()))?;
        serde_json::from_str(json).map_err(|err| IndexError::CorruptOffer(err.to_string()))
    }
}

/// The merchant an offer is counted under: its name, else its id.
pub(crate) fn merchant_of(offer: &Offer) -> Option<&str> {
    non_empty(offer.merchant_name.as_deref()).or_else(|| non_empty(offer.merchant_id.as_deref()))
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The price as sortable integer minor units. A price too large for `i64` minor units (above
/// 92 quadrillion) cannot be real; it saturates rather than failing the feed. (Checked here
/// first: `minor_units` multiplies unchecked, which panics near `Decimal::MAX`.)
pub(crate) fn price_key(price: Decimal) -> i64 {
    let saturated = if price.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    };
    match price.checked_mul(Decimal::ONE_HUNDRED) {
        Some(_) => minor_units(price).unwrap_or(saturated),
        None => saturated,
    }
}

/// Percent off the old price, when the offer shows one above its price.
pub(crate) fn discount_percent(offer: &Offer) -> Option<f64> {
    let old = offer.old_price?;
    if old <= offer.price || old <= Decimal::ZERO {
        return None;
    }
    ((old - offer.price) / old * Decimal::ONE_HUNDRED).to_f64()
}

/// The steps of a `" > "` category path, trimmed, empty steps dropped.
pub(crate) fn category_steps(path: &str) -> Vec<String> {
    path.split('>')
        .map(|step| step.trim().replace('\0', ""))
        .filter(|step| !step.is_empty())
        .collect()
}

pub(crate) fn category_facet(path: &str) -> Option<Facet> {
    let steps = category_steps(path);
    (!steps.is_empty()).then(|| Facet::from_path(steps))
}

/// A GTIN as the user typed it (8 to 14 digits, spaces and hyphens allowed) in the 14-digit
/// form the index compares: UPC-12 `036000291452` and EAN-13 `0036000291452` are one key.
pub(crate) fn normalize_gtin14(raw: &str) -> Result<String, IndexError> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    if digits.is_empty() || digits.len() > 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IndexError::invalid(
            "gtin",
            format!("{raw:?} is not a number of up to 14 digits"),
        ));
    }
    Ok(format!("{digits:0>14}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_lookups_accept_every_length() {
        assert_eq!(
            normalize_gtin14("036000291452").ok(),
            normalize_gtin14("0036000291452").ok()
        );
        assert_eq!(
            normalize_gtin14("4006-381 333931").ok().as_deref(),
            Some("04006381333931")
        );
        assert!(normalize_gtin14("40063813339x1").is_err());
        assert!(normalize_gtin14("123456789012345").is_err());
    }

    #[test]
    fn splits_category_paths() {
        assert_eq!(
            category_steps("Sport >  Skor > > Löparskor "),
            ["Sport", "Skor", "Löparskor"]
        );
        assert!(category_facet(" > ").is_none());
    }

    #[test]
    fn saturates_absurd_prices() {
        assert_eq!(price_key(Decimal::from(12)), 1200);
        assert_eq!(price_key(Decimal::MAX), i64::MAX);
        assert_eq!(price_key(Decimal::MIN), i64::MIN);
        assert_eq!(price_key(Decimal::from(10i64.pow(17))), i64::MAX);
    }
}
