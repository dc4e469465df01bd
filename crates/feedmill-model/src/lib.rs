//! The offer model every other feedmill crate speaks.
//!
//! A product feed record, whatever its network or format, ends up as one [`Offer`]: exact money
//! ([`rust_decimal::Decimal`] plus a validated ISO-4217 [`Currency`]), a checked [`Gtin`], a closed
//! [`Availability`] set and a stable [`OfferId`]. Records that cannot become offers are described
//! by a [`Rejection`]; an import run is summed up by [`RunStats`]. Each offer
//! carries the product it was matched into ([`ProductMatch`], set by the ingest's matcher). [`RefreshLog`] is where a
//! source's refreshes are told (the pipeline writes it, the API shows it). This crate does no I/O.

mod availability;
mod currency;
mod duplicate_ids;
mod gtin;
mod network;
mod offer;
mod offer_id;
mod price_format;
mod product_match;
mod refresh_log;
mod rejection;
mod stats;

pub use availability::Availability;
pub use currency::{Currency, CurrencyError};
pub use duplicate_ids::{DuplicateId, DuplicateIds, MAX_LISTED_IDS, MAX_LISTED_RECORDS};
pub use gtin::{Gtin, GtinError, check_digit as gtin_check_digit};
pub use network::Network;
pub use offer::Offer;
pub use offer_id::OfferId;
pub use price_format::{format_price, minor_units};
pub use product_match::{
    MatchMethod, PRODUCT_ID_HEX_LEN, ProductMatch, product_id_from_key, product_id_of, product_key,
};
pub use refresh_log::{IndexedSource, RefreshLog, RefreshRecord};
pub use rejection::{RejectReason, Rejection};
pub use rust_decimal::Decimal;
pub use stats::RunStats;
