//! Offers built in code and small helpers shared by the tests.

use chrono::{DateTime, Utc};
use feedmill_index::{IndexError, IngestMeta, IngestOptions, IngestOutcome, OfferIndex};
use feedmill_model::{Availability, Currency, Gtin, Network, Offer};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|err| panic!("test price {text:?}: {err}"))
}

/// An in-stock SEK offer of `source` with id `source:sku`.
pub fn offer(source: &str, sku: &str, title: &str, price: &str) -> Offer {
    Offer {
        id: format!("{source}:{sku}"),
        source: source.to_string(),
        network: Network::Generic,
        merchant_id: None,
        merchant_name: None,
        program_id: None,
        sku: Some(sku.to_string()),
        gtin: None,
        mpn: None,
        title: title.to_string(),
        description: None,
        brand: None,
        category: None,
        price: dec(price),
        old_price: None,
        currency: currency("SEK"),
        shipping: None,
        availability: Availability::InStock,
        product_url: Some(format!("https://{source}.example/{sku}")),
        tracking_url: None,
        image_url: None,
        additional_images: Vec::new(),
        updated_at: None,
        extra: BTreeMap::new(),
        product_id: None,
        product_match: None,
    }
}

pub fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|err| panic!("test currency: {err}"))
}

pub fn gtin(digits: &str) -> Gtin {
    Gtin::parse(digits).unwrap_or_else(|err| panic!("test gtin: {err}"))
}

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|err| panic!("test time {rfc3339:?}: {err}"))
}

/// Chained setters for the fields tests vary.
pub trait OfferExt: Sized {
    fn with(self, edit: impl FnOnce(&mut Offer)) -> Self;

    fn brand(self, brand: &str) -> Self {
        self.with(|o| o.brand = Some(brand.into()))
    }
    fn category(self, path: &str) -> Self {
        self.with(|o| o.category = Some(path.into()))
    }
    fn merchant(self, name: &str) -> Self {
        self.with(|o| o.merchant_name = Some(name.into()))
    }
    fn network(self, network: Network) -> Self {
        self.with(|o| o.network = network)
    }
    fn gtin(self, digits: &str) -> Self {
        self.with(|o| o.gtin = Some(gtin(digits)))
    }
    fn shipping(self, price: &str) -> Self {
        self.with(|o| o.shipping = Some(dec(price)))
    }
    fn old_price(self, price: &str) -> Self {
        self.with(|o| o.old_price = Some(dec(price)))
    }
    fn currency(self, code: &str) -> Self {
        self.with(|o| o.currency = currency(code))
    }
    fn availability(self, availability: Availability) -> Self {
        self.with(|o| o.availability = availability)
    }
    fn description(self, text: &str) -> Self {
        self.with(|o| o.description = Some(text.into()))
    }
    fn updated(self, rfc3339: &str) -> Self {
        self.with(|o| o.updated_at = Some(at(rfc3339)))
    }
}

impl OfferExt for Offer {
    fn with(mut self, edit: impl FnOnce(&mut Offer)) -> Self {
        edit(&mut self);
        self
    }
}

pub fn meta(content_hash: &str) -> IngestMeta {
    IngestMeta {
        content_hash: content_hash.to_string(),
        ..IngestMeta::default()
    }
}

/// Replaces `source` with `offers` under the default guard.
pub fn ingest(
    index: &OfferIndex,
    source: &str,
    offers: &[Offer],
) -> Result<IngestOutcome, IndexError> {
    ingest_with(index, source, offers, IngestOptions::default())
}

pub fn ingest_with(
    index: &OfferIndex,
    source: &str,
    offers: &[Offer],
    options: IngestOptions,
) -> Result<IngestOutcome, IndexError> {
    let mut ingest = index.begin_source_ingest(source, options)?;
    for offer in offers {
        ingest.add(offer)?;
    }
    ingest.commit(meta(&format!("hash-of-{}", offers.len())))
}

/// Ids of the offers of a search page (groups contribute their offers), in order.
pub fn ids(response: &feedmill_index::SearchResponse) -> Vec<String> {
    let mut ids = Vec::new();
    for item in &response.items {
        match item {
            feedmill_index::SearchItem::Offer(hit) => ids.push(hit.offer.id.clone()),
            feedmill_index::SearchItem::Group(group) => {
                ids.extend(group.offers.iter().map(|o| o.offer.id.clone()));
            }
        }
    }
    ids
}
