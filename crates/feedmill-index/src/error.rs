//! The one error type of the index crate, with user errors kept apart from internal ones, and
//! its conversions to and from the search seam's errors.

use feedmill_search::{RequestError, SearchError};
use std::path::PathBuf;

/// What went wrong in the index. [`IndexError::is_user_error`] tells a bad request (HTTP 400, a
/// CLI usage message) from a failure of the index itself (HTTP 500).
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A search or ingest parameter that cannot be used as given.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },

    #[error(
        "unknown sort order {0:?}: expected relevance, price_asc, price_desc, newest, discount or epc"
    )]
    UnknownSortOrder(String),

    #[error("unknown facet {0:?}: expected brand, category, merchant, network or price")]
    UnknownFacet(String),

    /// An offer handed to the ingest of another source; it would escape that source's replace.
    #[error(
        "offer {offer_id:?} belongs to source {offer_source:?}, not to the ingest of {ingest_source:?}"
    )]
    SourceMismatch {
        offer_id: String,
        offer_source: String,
        ingest_source: String,
    },

    /// The shrink guard kept the previous offers of a source. (`source_name`, not `source`:
    /// thiserror reserves a field named `source` for the underlying error.)
    #[error(
        "source {source_name:?} would shrink from {previous} to {new} offers, below {min_ratio} of \
         the previous count; kept the previous offers (use force to replace them)"
    )]
    GuardTripped {
        source_name: String,
        previous: u64,
        new: u64,
        min_ratio: f64,
    },

    #[error("index {location} is locked by another writer (another feedmill process is ingesting)")]
    Locked { location: String },

    #[error("index {location} was built with a different schema; remove it and ingest again")]
    SchemaMismatch { location: String },

    #[error("failed to open index directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("failed to open index directory {path}: {source}")]
    OpenDirectory {
        path: PathBuf,
        #[source]
        source: tantivy::directory::error::OpenDirectoryError,
    },

    /// The commit payload (per-source metadata) could not be read or written.
    #[error("index source metadata is unreadable: {0}")]
    Payload(#[source] serde_json::Error),

    #[error("index source metadata has version {0}, which this feedmill does not know")]
    PayloadVersion(u32),

    /// A stored document that does not hold a readable offer.
    #[error("stored offer in index is unreadable: {0}")]
    CorruptOffer(String),

    #[error("failed to encode offer {offer_id:?}: {source}")]
    Encode {
        offer_id: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("index operation failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl IndexError {
    /// True when the caller asked for something invalid (answer 400), false when the index
    /// failed (answer 500). The guard is neither: it is an expected outcome of an ingest.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            IndexError::InvalidInput { .. }
                | IndexError::UnknownSortOrder(_)
                | IndexError::UnknownFacet(_)
        )
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> IndexError {
        IndexError::InvalidInput {
            field,
            reason: reason.into(),
        }
    }
}

/// A request the seam's validation refused is the same user error here.
impl From<RequestError> for IndexError {
    fn from(err: RequestError) -> IndexError {
        match err {
            RequestError::InvalidInput { field, reason } => {
                IndexError::InvalidInput { field, reason }
            }
            RequestError::UnknownSortOrder(name) => IndexError::UnknownSortOrder(name),
            RequestError::UnknownFacet(name) => IndexError::UnknownFacet(name),
        }
    }
}

/// What a caller of the seam sees: user errors stay user errors, the guard stays the guard,
/// everything else is a failure of the backend.
impl From<IndexError> for SearchError {
    fn from(err: IndexError) -> SearchError {
        match err {
            IndexError::InvalidInput { field, reason } => {
                RequestError::InvalidInput { field, reason }.into()
            }
            IndexError::UnknownSortOrder(name) => RequestError::UnknownSortOrder(name).into(),
            IndexError::UnknownFacet(name) => RequestError::UnknownFacet(name).into(),
            IndexError::GuardTripped {
                source_name,
                previous,
                new,
                min_ratio,
            } => SearchError::GuardTripped {
                source_name,
                previous,
                new,
                min_ratio,
            },
            other => SearchError::backend(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_errors_are_apart_from_internal_ones() {
        assert!(IndexError::UnknownSortOrder("cheap".into()).is_user_error());
        assert!(IndexError::invalid("per_page", "must be at least 1").is_user_error());
        let locked = IndexError::Locked {
            location: "index".into(),
        };
        assert!(!locked.is_user_error());
        assert!(locked.to_string().contains("locked by another writer"));
    }

    #[test]
    fn guard_message_states_both_counts() {
        let err = IndexError::GuardTripped {
            source_name: "acme".into(),
            previous: 1000,
            new: 10,
            min_ratio: 0.8,
        };
        let text = err.to_string();
        assert!(text.contains("1000") && text.contains(" 10 "), "{text}");
    }

    #[test]
    fn seam_errors_keep_their_kind() {
        let user = SearchError::from(IndexError::invalid("limit", "0 is not between 1 and 50"));
        assert!(user.is_user_error());
        assert_eq!(user.to_string(), "invalid limit: 0 is not between 1 and 50");
        let back = IndexError::from(RequestError::UnknownFacet("colour".into()));
        assert!(back.is_user_error());
        let guard = SearchError::from(IndexError::GuardTripped {
            source_name: "acme".into(),
            previous: 10,
            new: 1,
            min_ratio: 0.8,
        });
        assert!(matches!(
            guard,
            SearchError::GuardTripped {
                previous: 10,
                new: 1,
                ..
            }
        ));
        let locked = SearchError::from(IndexError::Locked {
            location: "index".into(),
        });
        assert!(!locked.is_user_error());
        assert!(
            locked.to_string().contains("locked by another writer"),
            "{locked}"
        );
    }
}
