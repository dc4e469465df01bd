//! The offers collection: its schema, and an [`Offer`] as the document Typesense holds.
//!
//! | field | type | for |
//! |---|---|---|
//! | `id` | `"{generation}:{offer id}"` | one document per offer per generation |
//! | `offer_id`, `source`, `network`, `currency`, `gtin14` | string, facet | lookup and filters |
//! | `generation` | int64 | which refresh of its source wrote it: searches filter on the live ones |
//! | `title`, `brand`, `category`, `description` | string (searched) | text, title weighted |
//! | `brand`, `merchant` | string, facet | filters (Typesense's exact string filter ignores case and accents, as the tantivy index's folded keywords do) and facets as written |
//! | `category_path` | string[], facet | the path and each of its ancestors (`Sport`, `Sport > Shoes`): prefix filter and per-level counts |
//! | `price_bucket` | string, facet | the fixed price buckets |
//! | `group_key` | string, facet | GTIN-14 and currency, or `id:` and the offer id when it has no GTIN: what grouping groups by |
//! | `in_stock` | bool | filter |
//! | `price_minor`, `total_minor`, `discount`, `updated_at` | numbers | price filter and the sorts |
//! | `offer` | string, not indexed | the whole offer as JSON: what answers return, exact prices included |

use feedmill_model::{Availability, Offer};
use feedmill_search::{category_steps, discount_percent, price_key};
use serde::Serialize;
use serde_json::{Value, json};

/// Price buckets: label and lower bound in minor units, as the tantivy index counts them.
pub(crate) const PRICE_BUCKETS: [(&str, i64); 7] = [
    ("0-25", 0),
    ("25-50", 2_500),
    ("50-100", 5_000),
    ("100-250", 10_000),
    ("250-500", 25_000),
    ("500-1000", 50_000),
    ("1000+", 100_000),
];

/// The prefix of a group key that stands for an offer without a GTIN: a group of one that
/// answers as a single offer.
pub(crate) const SINGLE_KEY_PREFIX: &str = "id:";

/// Characters that split words, as the tantivy index splits on anything but letters and
/// digits (`T-Shirt` is `t` and `shirt`); Typesense would otherwise drop them and join the
/// parts (`tshirt`). ASCII punctuation only: Typesense takes a list, not a class.
const TOKEN_SEPARATORS: [&str; 30] = [
    "-", "/", "\\", ".", ",", "&", "+", "'", "\"", "(", ")", "[", "]", "{", "}", ":", ";", "!",
    "?", "#", "*", "=", "<", ">", "|", "_", "~", "^", "%", "$",
];

/// The offers collection's schema.
pub(crate) fn offers_schema(name: &str) -> Value {
    let facet = |name: &str| json!({"name": name, "type": "string", "facet": true});
    let optional_facet =
        |name: &str| json!({"name": name, "type": "string", "facet": true, "optional": true});
    json!({
        "name": name,
        "token_separators": TOKEN_SEPARATORS,
        "fields": [
            facet("offer_id"),
            facet("source"),
            facet("network"),
            facet("currency"),
            optional_facet("gtin14"),
            {"name": "generation", "type": "int64"},
            {"name": "title", "type": "string"},
            optional_facet("brand"),
            {"name": "category", "type": "string", "optional": true},
            {"name": "description", "type": "string", "optional": true},
            optional_facet("merchant"),
            {"name": "category_path", "type": "string[]", "facet": true, "optional": true},
            facet("price_bucket"),
            facet("group_key"),
            {"name": "in_stock", "type": "bool"},
            {"name": "price_minor", "type": "int64"},
            {"name": "total_minor", "type": "int64"},
            {"name": "discount", "type": "float"},
            {"name": "updated_at", "type": "int64"},
            {"name": "offer", "type": "string", "index": false, "optional": true},
        ],
    })
}

/// One offer as a document of one generation.
#[derive(Debug, Serialize)]
pub(crate) struct OfferDocument<'a> {
    id: String,
    offer_id: &'a str,
    source: &'a str,
    network: &'static str,
    currency: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    gtin14: Option<String>,
    generation: u64,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    brand: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    merchant: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    category_path: Vec<String>,
    price_bucket: &'static str,
    group_key: String,
    in_stock: bool,
    price_minor: i64,
    total_minor: i64,
    discount: f64,
    updated_at: i64,
    offer: String,
}

impl<'a> OfferDocument<'a> {
    pub fn new(offer: &'a Offer, generation: u64) -> Result<OfferDocument<'a>, serde_json::Error> {
        let gtin14 = offer.gtin.as_ref().map(|g| g.as_gtin14());
        let group_key = match &gtin14 {
            Some(gtin) => format!("{gtin}{}", offer.currency.code()),
            None => format!("{SINGLE_KEY_PREFIX}{}", offer.id),
        };
        let price_minor = price_key(offer.price);
        Ok(OfferDocument {
            id: document_id(generation, &offer.id),
            offer_id: &offer.id,
            source: &offer.source,
            network: offer.network.as_str(),
            currency: offer.currency.code(),
            gtin14,
            generation,
            title: &offer.title,
            brand: non_empty(offer.brand.as_deref()),
            category: non_empty(offer.category.as_deref()),
            description: non_empty(offer.description.as_deref()),
            merchant: merchant_of(offer),
            category_path: offer
                .category
                .as_deref()
                .map(category_paths)
                .unwrap_or_default(),
            price_bucket: price_bucket(price_minor),
            group_key,
            in_stock: offer.availability == Availability::InStock,
            price_minor,
            total_minor: price_key(offer.total_price()),
            discount: discount_percent(offer).unwrap_or(0.0),
            updated_at: offer.updated_at.map_or(0, |t| t.timestamp()),
            offer: serde_json::to_string(offer)?,
        })
    }
}

pub(crate) fn document_id(generation: u64, offer_id: &str) -> String {
    format!("{generation}:{offer_id}")
}

fn price_bucket(price_minor: i64) -> &'static str {
    let index = PRICE_BUCKETS
        .iter()
        .rposition(|(_, lower)| price_minor >= *lower)
        .unwrap_or(0);
    PRICE_BUCKETS[index].0
}

/// The path and its ancestors, each joined with `" > "`: `Sport`, `Sport > Shoes`.
pub(crate) fn category_paths(path: &str) -> Vec<String> {
    let steps = category_steps(path);
    (1..=steps.len())
        .map(|depth| steps[..depth].join(" > "))
        .collect()
}

/// The merchant an offer is counted under: its name, else its id.
fn merchant_of(offer: &Offer) -> Option<&str> {
    non_empty(offer.merchant_name.as_deref()).or_else(|| non_empty(offer.merchant_id.as_deref()))
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_paths_list_every_ancestor() {
        assert_eq!(
            category_paths(" Sport >  Shoes > >Running "),
            ["Sport", "Sport > Shoes", "Sport > Shoes > Running"]
        );
        assert!(category_paths(" > ").is_empty());
    }

    #[test]
    fn prices_fall_in_their_buckets() {
        assert_eq!(price_bucket(0), "0-25");
        assert_eq!(price_bucket(2_499), "0-25");
        assert_eq!(price_bucket(2_500), "25-50");
        assert_eq!(price_bucket(100_000), "1000+");
    }
}
