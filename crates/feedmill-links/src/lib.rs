//! feedmill-links: tracking links, the one place that knows how affiliate networks' links work.
//!
//! - [`deep_link`]: a network's own tracking URL pointed at one landing page and carrying the
//!   publisher's sub-ids, one function per network ([`LinkNetwork`]), edited with the `url`
//!   crate, never rebuilt from a hard-coded host.
//! - [`SubIds`]: the checked sub-id values, all six slots, whatever the wire calls them.
//! - [`landing_page()`]: the one reader of the landing page inside a tracking URL, used by the
//!   normalizer (the product page of a feed's click URL) and by the API's link builder.
//! - [`SourceLinks`]: the link settings of a feed source, and the links of an offer built with
//!   them; [`LinkProgram`]: a program as the link builder knows it, and its links.
//! - [`LinkError`]: every failure here; the API maps each variant to its HTTP error code.
//!
//! This crate knows links, not transport: it depends on `feedmill-model` only, never on the
//! formats, index or API crates or on axum. Cleaning up the URL text of a feed (`&amp;`, spaces,
//! protocol-relative `//host`) stays in `feedmill-formats` as its `clean_url`: it applies to every
//! URL field of a record, image links included, and needs no knowledge of networks.

pub mod deep_link;
mod error;
mod landing;
mod landing_page;
mod limits;
mod link_network;
mod program_link;
mod query_link;
mod source_links;
mod sub_ids;
#[cfg(test)]
mod test_offer;

pub use error::LinkError;
pub use landing::Landing;
pub use landing_page::landing_page;
pub use limits::{MAX_SUB_ID_LEN, MAX_SUB_ID_SLOTS};
pub use link_network::{CLICK_ID_PLACEHOLDER, LinkNetwork};
pub use program_link::LinkProgram;
pub use query_link::encode_component;
pub use source_links::{SourceLinks, host_matches, merchant_root, normalize_host};
pub use sub_ids::{SubIds, check_sub_id};
