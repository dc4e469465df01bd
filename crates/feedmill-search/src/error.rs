//! The errors of the seam: [`RequestError`] for a request no backend can answer as asked, and
//! [`SearchError`] for everything a backend call can return.

/// A request that cannot be used as given: the caller's mistake (HTTP 400, a CLI usage message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A search or ingest parameter out of its range.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },

    #[error(
        "unknown sort order {0:?}: expected relevance, price_asc, price_desc, newest, discount, price_drop or epc"
    )]
    UnknownSortOrder(String),

    #[error("unknown facet {0:?}: expected brand, category, merchant, network or price")]
    UnknownFacet(String),
}

impl RequestError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> RequestError {
        RequestError::InvalidInput {
            field,
            reason: reason.into(),
        }
    }
}

/// What a backend call returns on failure. [`SearchError::is_user_error`] tells a bad request
/// from a failure of the backend, so callers answer 400 or 500 without knowing the backend.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Request(#[from] RequestError),

    /// The shrink guard kept the previous offers of a source: an expected outcome of an ingest,
    /// neither the caller's mistake nor a failure. (`source_name`: thiserror reserves `source`.)
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

    /// The backend failed (storage, a corrupt document, a lock): the caller did nothing wrong.
    #[error("search backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// The backend could not be reached (a search cluster with no node answering): the same
    /// call may succeed shortly, without a restart (HTTP 503).
    #[error("search backend unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl SearchError {
    /// True when the caller asked for something invalid (answer 400), false otherwise.
    pub fn is_user_error(&self) -> bool {
        matches!(self, SearchError::Request(_))
    }

    /// True when the backend could not be reached and a retry may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, SearchError::Unavailable(_))
    }

    /// A failure of the backend, carrying its own error.
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> SearchError {
        SearchError::Backend(Box::new(err))
    }

    /// The backend could not be reached, carrying its own error.
    pub fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> SearchError {
        SearchError::Unavailable(Box::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_request_errors_are_user_errors() {
        assert!(SearchError::from(RequestError::UnknownFacet("colour".into())).is_user_error());
        let io = std::io::Error::other("disk gone");
        let failed = SearchError::backend(io);
        assert!(!failed.is_user_error());
        assert!(failed.to_string().contains("disk gone"), "{failed}");
        let guard = SearchError::GuardTripped {
            source_name: "acme".into(),
            previous: 1000,
            new: 10,
            min_ratio: 0.8,
        };
        assert!(!guard.is_user_error());
        assert!(guard.to_string().contains(" 10 "), "{guard}");
        let down = SearchError::unavailable(std::io::Error::other("no node answered"));
        assert!(down.is_unavailable() && !down.is_user_error());
        assert!(!failed.is_unavailable());
    }
}
