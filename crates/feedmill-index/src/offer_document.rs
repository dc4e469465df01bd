//! An [`Offer`] to a tantivy document and back, and the key forms the index derives from it.

use crate::error::IndexError;
use crate::schema::OfferSchema;
use crate::stored_facts::{self, StoredFacts};
use feedmill_model::{Availability, Offer, product_key};
use feedmill_search::{PriceFacts, PricedOffer, category_steps, discount_percent, price_key};
use tantivy::schema::document::ReferenceValueLeaf;
use tantivy::schema::{Facet, Value};
use tantivy::{DateTime, TantivyDocument};

/// Builds offers' documents, reusing its buffers from one offer to the next: an ingest builds
/// one per offer on the caller's thread, so allocations there are on the critical path.
#[derive(Debug, Default)]
pub(crate) struct DocumentBuilder {
    json: Vec<u8>,
    facts_text: String,
    facet: String,
}

impl DocumentBuilder {
    /// The document of one offer: its JSON plus the fields derived for search, and its honest
    /// numbers when price history is kept (`sort=discount` then orders by the honest discount).
    pub fn build(
        &mut self,
        schema: &OfferSchema,
        offer: &Offer,
        facts: Option<&PriceFacts>,
    ) -> Result<TantivyDocument, IndexError> {
        let json = self.json(offer)?;
        // Every text of the document but the JSON is a copy of part of it: twice its length
        // holds the document without the buffer growing.
        let mut doc = TantivyDocument::with_capacity(2 * json.len() + 128);
        doc.add_text(schema.offer, json);
        schema.add_words(&mut doc, offer);
        if let Some(category) = offer.category.as_deref() {
            if encode_category_facet(category, &mut self.facet) {
                doc.add_leaf_field_value(schema.category, ReferenceValueLeaf::Facet(&self.facet));
            }
            doc.add_text(schema.category_text, category);
            doc.add_text(schema.match_text, category);
        }
        schema.add_values(&mut doc, offer, facts);
        if let Some(facts) = facts {
            stored_facts::encode(facts, &mut self.facts_text);
            doc.add_text(schema.price_facts, &self.facts_text);
            schema.add_history_values(&mut doc, facts);
        }
        Ok(doc)
    }

    fn json(&mut self, offer: &Offer) -> Result<&str, IndexError> {
        let encode_error = |source| IndexError::Encode {
            offer_id: offer.id.clone(),
            source,
        };
        self.json.clear();
        // sonic-rs writes the same JSON as serde_json (which reads it back), escaping faster.
        sonic_rs::to_writer(&mut self.json, offer)
            .map_err(|err| encode_error(<serde_json::Error as serde::ser::Error>::custom(err)))?;
        // serde_json writes UTF-8; checking is cheaper than an `unsafe` block is to justify.
        std::str::from_utf8(&self.json)
            .map_err(|err| encode_error(<serde_json::Error as serde::ser::Error>::custom(err)))
    }
}

impl OfferSchema {
    /// Identity, title, description, merchant and brand.
    fn add_words(&self, doc: &mut TantivyDocument, offer: &Offer) {
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
    }

    /// Currency, stock, GTIN, prices, discount and update time.
    fn add_values(&self, doc: &mut TantivyDocument, offer: &Offer, facts: Option<&PriceFacts>) {
        doc.add_text(self.currency, offer.currency.code());
        doc.add_bool(self.in_stock, offer.availability == Availability::InStock);
        if let Some(gtin) = &offer.gtin {
            let gtin14 = gtin.as_gtin14();
            if let Ok(key) = gtin14.parse::<u64>() {
                doc.add_u64(self.gtin_key, key);
            }
            doc.add_text(self.gtin14, gtin14);
        }
        if let Some(key) = offer.product_id.as_deref().and_then(product_key) {
            doc.add_u64(self.product_key, key);
        }
        doc.add_i64(self.price_minor, price_key(offer.price));
        doc.add_i64(self.total_minor, price_key(offer.total_price()));
        let discount = match facts {
            Some(facts) => facts.discount_percent,
            None => discount_percent(offer),
        };
        if let Some(discount) = discount {
            doc.add_f64(self.discount, discount);
        }
        if let Some(updated_at) = offer.updated_at {
            doc.add_date(
                self.updated_at,
                DateTime::from_timestamp_secs(updated_at.timestamp()),
            );
        }
    }

    /// The price drop and the two times the history filters compare with "now".
    fn add_history_values(&self, doc: &mut TantivyDocument, facts: &PriceFacts) {
        if let Some(drop) = facts.price_drop_percent {
            doc.add_f64(self.price_drop, drop);
        }
        let seconds =
            |time: chrono::DateTime<chrono::Utc>| DateTime::from_timestamp_secs(time.timestamp());
        doc.add_date(self.price_changed_at, seconds(facts.price_changed_at));
        doc.add_date(self.lowest_since, seconds(facts.lowest_since));
    }

    /// The offer a stored document holds, with its honest numbers if it has them.
    pub(crate) fn to_priced_offer(&self, doc: &TantivyDocument) -> Result<PricedOffer, IndexError> {
        let offer = self.to_offer(doc)?;
        let price_facts = match doc.get_first(self.price_facts).and_then(|v| v.as_str()) {
            Some(text) => Some(
                match stored_facts::decode(text).map_err(IndexError::CorruptOffer)? {
                    StoredFacts::Figures(figures) => PriceFacts::new(&offer, &figures),
                    StoredFacts::Facts(facts) => facts,
                },
            ),
            None => None,
        };
        Ok(PricedOffer { offer, price_facts })
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

/// Writes the facet of a category path into `encoded` (tantivy's encoding: the steps of
/// [`category_steps`] joined by NUL, as `Facet::from_path` makes them) without allocating;
/// false when the path has no steps.
fn encode_category_facet(path: &str, encoded: &mut String) -> bool {
    encoded.clear();
    for step in path.split('>').map(str::trim) {
        if step.is_empty() || step.bytes().all(|b| b == 0) {
            continue;
        }
        if !encoded.is_empty() {
            encoded.push('\0');
        }
        encoded.extend(step.chars().filter(|c| *c != '\0'));
    }
    !encoded.is_empty()
}

pub(crate) fn category_facet(path: &str) -> Option<Facet> {
    let steps = category_steps(path);
    (!steps.is_empty()).then(|| Facet::from_path(steps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn splits_category_paths() {
        assert!(category_facet("Sport >  Skor > > Löparskor ").is_some());
        assert!(category_facet(" > ").is_none());
    }

    #[test]
    fn encodes_category_facets_as_tantivy_does() {
        let mut encoded = String::new();
        for path in [
            "Sport >  Skor > > Löparskor ",
            " > ",
            "A",
            "a\0 > \0 > b\0c",
            "x >  > ",
        ] {
            let expected = category_facet(path);
            let found = encode_category_facet(path, &mut encoded);
            assert_eq!(found, expected.is_some(), "{path:?}");
            if let Some(facet) = expected {
                assert_eq!(encoded, facet.encoded_str(), "{path:?}");
            }
        }
    }

    /// The stored JSON is written by sonic-rs and read by serde_json: both must agree on every
    /// escape (control characters, quotes, backslashes, non-ASCII, `</script>`).
    #[test]
    fn stored_json_is_what_serde_json_writes() {
        let tricky =
            "Grön \"ärm\" \\ tab\t nl\n cr\r nul\u{0} bell\u{7} \u{1f} 😀 </script> \u{2028}";
        let offer = Offer {
            id: "s:1".into(),
            source: "s".into(),
            network: feedmill_model::Network::Generic,
            merchant_id: None,
            merchant_name: Some(tricky.into()),
            program_id: None,
            sku: Some("1".into()),
            gtin: None,
            mpn: None,
            title: tricky.into(),
            description: Some(tricky.repeat(40)),
            brand: None,
            category: Some("A > B".into()),
            price: Decimal::new(129_900, 2),
            old_price: Some(Decimal::new(1_500_000, 2)),
            currency: feedmill_model::Currency::parse("EUR").expect("EUR is a currency"),
            shipping: None,
            availability: Availability::InStock,
            product_url: Some("https://shop.example/p?a=1&b=\u{e5}".into()),
            tracking_url: None,
            image_url: None,
            additional_images: vec![tricky.into()],
            updated_at: None,
            extra: [(tricky.to_string(), tricky.to_string())]
                .into_iter()
                .collect(),
            product_id: Some("p0123456789ab".into()),
            product_match: Some(feedmill_model::ProductMatch::new(
                feedmill_model::MatchMethod::Scored,
                Some(0.97),
            )),
        };
        let mut builder = DocumentBuilder::default();
        let written = builder.json(&offer).map(str::to_owned);
        assert_eq!(written.ok(), serde_json::to_string(&offer).ok());
    }
}
