//! A minimal offer for the tests of this crate: a generic-feed offer without links, which each
//! test gives the links it is about.

use feedmill_model::{Availability, Currency, Network, Offer};
use rust_decimal::Decimal;

/// An offer of source `shop` with the id `id` and no links.
pub(crate) fn offer(id: &str) -> Offer {
    Offer {
        id: id.into(),
        source: "shop".into(),
        network: Network::Generic,
        merchant_id: None,
        merchant_name: None,
        program_id: None,
        sku: None,
        gtin: None,
        mpn: None,
        title: "Trail Running Shoe".into(),
        description: None,
        brand: None,
        category: None,
        price: Decimal::new(69900, 2),
        old_price: None,
        currency: Currency::parse("SEK").unwrap_or_else(|_| unreachable!("SEK is ISO-4217")),
        shipping: None,
        availability: Availability::InStock,
        product_url: None,
        tracking_url: None,
        image_url: None,
        additional_images: Vec::new(),
        updated_at: None,
        extra: Default::default(),
        product_id: None,
        product_match: None,
    }
}
