//! Feed bytes → raw records → normalized offers.
//!
//! The pipeline of this crate, front to back:
//! - [`input`]: opens a file or stdin, undoes gzip / ZIP (by magic bytes), and decodes any text
//!   encoding to UTF-8, rejecting inputs that are no feed at all (HTML pages, binary junk).
//! - [`detect`]: picks the [`FeedFormat`] from the content when the user did not name one.
//! - [`readers`]: XML, CSV and JSON syntax readers that stream [`record::RawRecord`]s.
//! - [`normalize`]: maps a raw record to an [`feedmill_model::Offer`] or a
//!   [`feedmill_model::Rejection`], using the per-network field mappings of [`mapping`].
//! - [`driver`]: runs a reader on its own thread and normalizes its records in batches on rayon,
//!   keeping input order.
//!
//! Nothing here does network I/O or touches the index.

pub mod clean_url;
pub mod detect;
pub mod driver;
pub mod duplicate_tracker;
pub mod error;
pub mod format;
pub mod input;
pub mod mapping;
pub mod normalize;
pub mod price_parser;
pub mod profiles;
pub mod readers;
pub mod record;
pub mod text;
pub mod timestamp;

pub use error::FeedError;
pub use format::FeedFormat;
