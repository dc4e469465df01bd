//! [`TypesenseError`]: what talking to Typesense can fail with, and its mapping onto the seam's
//! [`SearchError`].

use feedmill_search::{RequestError, SearchError};

#[derive(Debug, thiserror::Error)]
pub enum TypesenseError {
    /// The caller's configuration cannot be used (no nodes, a node that is not an http URL).
    #[error("invalid typesense config: {0}")]
    Config(String),

    /// No node answered: every attempt failed to connect, timed out or got a 5xx.
    #[error("typesense unavailable after {attempts} attempts: {last}")]
    Unavailable { attempts: usize, last: String },

    /// A node answered with a client error (4xx other than a missing document).
    #[error("typesense refused {what}: http {status}: {message}")]
    Refused {
        what: String,
        status: u16,
        message: String,
    },

    /// An import line failed: the document was not written.
    #[error("typesense rejected document {id:?}: {message}")]
    DocumentRejected { id: String, message: String },

    /// An answer that is not what the API documents, or a stored offer that is not an offer.
    #[error("unexpected typesense answer to {what}: {reason}")]
    BadAnswer { what: String, reason: String },

    /// A node that answers did not show a write within the replication timeout.
    #[error("typesense node {node} did not show {what} within {timeout_secs}s")]
    NotReplicated {
        what: String,
        node: String,
        timeout_secs: u64,
    },

    /// Source generations changed under every retry of a search.
    #[error("source generations kept changing during {0} attempts of a search")]
    Unsettled(usize),

    #[error(transparent)]
    Request(#[from] RequestError),
}

impl TypesenseError {
    pub(crate) fn bad_answer(what: &str, reason: impl ToString) -> TypesenseError {
        TypesenseError::BadAnswer {
            what: what.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl From<TypesenseError> for SearchError {
    fn from(err: TypesenseError) -> SearchError {
        match err {
            TypesenseError::Request(request) => SearchError::Request(request),
            down @ TypesenseError::Unavailable { .. } => SearchError::unavailable(down),
            other => SearchError::backend(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_request_errors_become_user_errors() {
        let user = SearchError::from(TypesenseError::Request(RequestError::invalid("gtin", "x")));
        assert!(user.is_user_error());
        let down = SearchError::from(TypesenseError::Unavailable {
            attempts: 3,
            last: "connection refused".into(),
        });
        assert!(!down.is_user_error());
        assert!(
            down.is_unavailable(),
            "no node answering is a 503, not a 500"
        );
        assert!(down.to_string().contains("connection refused"), "{down}");
    }
}
