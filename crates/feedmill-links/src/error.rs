//! [`LinkError`]: everything that can go wrong while checking sub-ids, reading link settings and
//! building links. Messages name the thing and the reason; the API turns each variant into its
//! own error code in its one error table, so nothing here knows about HTTP.

use crate::limits::{MAX_SUB_ID_LEN, MAX_SUB_ID_SLOTS};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// A sub-id longer than [`MAX_SUB_ID_LEN`]; `field` is its name on the wire.
    #[error("invalid {field}: longer than {MAX_SUB_ID_LEN} characters")]
    SubIdTooLong { field: String },
    /// A sub-id with a character outside `[A-Za-z0-9_-]`.
    #[error("invalid {field}: only letters A-Z, digits, '_' and '-' are allowed")]
    SubIdCharacters { field: String },
    /// A slot past the last of [`MAX_SUB_ID_SLOTS`].
    #[error("invalid {field}: at most {MAX_SUB_ID_SLOTS} sub-ids are supported")]
    SubIdSlot { field: String },
    /// More sub-ids than the network's links have parameters for.
    #[error("invalid parameters: {network} links carry at most {num_params} sub-ids")]
    TooManySubIds { network: String, num_params: usize },

    #[error("tracking url {0:?} is not an absolute http(s) url")]
    BadTrackingUrl(String),
    #[error("awin link {0:?} names no advertiser (m) and publisher (a)")]
    AwinIds(String),
    #[error("deep-link template {0:?} must be an http(s) url with a {{url}} placeholder")]
    BadTemplate(String),
    #[error("template links are built from the source's deep-link template")]
    NeedsTemplate,

    /// Link settings with the `template` network but no template.
    #[error("network \"template\" needs a deep_link_template")]
    MissingTemplate,
    #[error("bad merchant host {0:?}")]
    BadMerchantHost(String),

    /// A link-builder destination that is no absolute http(s) URL.
    #[error("invalid destinationUrl: expected an absolute http(s) url")]
    BadDestination,
    /// A link-builder destination that is a tracking link this crate cannot edit.
    #[error("invalid destinationUrl: {0}")]
    BadDestinationLink(Box<LinkError>),
    /// The program has neither a tracking link nor a deep-link template to build on.
    #[error("source {source_name:?} has no tracking link to build on and no deep-link template")]
    NoTrackingLink { source_name: String },
    /// The program forbids links to other pages than its default one.
    #[error("the program of source {source_name:?} does not permit deep links")]
    DeepLinksNotPermitted { source_name: String },
    /// A destination outside the merchant's hosts; `known` lists them (`none` when there are
    /// none).
    #[error("destination host {host:?} is not a host of the merchant (known: {known})")]
    DestinationNotAllowed { host: String, known: String },
}
