//! What can go wrong while fetching a feed, and whether trying again can help.
//!
//! Fetch code works in [`FetchErrorKind`]s; [`crate::fetch_source`] wraps the final one in a
//! [`FetchError`] that names the feed (`adtraction/kitchentime-se`). Retrying is a property of
//! the error ([`FetchErrorKind::is_retryable`]), so the retry loop never guesses.

use std::path::PathBuf;
use std::time::Duration;

/// A failed fetch of one feed: `failed to fetch feed "adtraction/acme-se": http 503`.
#[derive(Debug, thiserror::Error)]
#[error("failed to fetch feed \"{feed}\": {kind}")]
pub struct FetchError {
    feed: String,
    kind: FetchErrorKind,
}

impl FetchError {
    pub fn new(feed: impl Into<String>, kind: FetchErrorKind) -> FetchError {
        FetchError {
            feed: feed.into(),
            kind,
        }
    }

    /// The feed's label, `network/source`.
    pub fn feed(&self) -> &str {
        &self.feed
    }

    pub fn kind(&self) -> &FetchErrorKind {
        &self.kind
    }

    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

/// The reason a fetch failed. Messages are lowercase and never contain a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchErrorKind {
    #[error("environment variable {var} is not set (it should hold the api token)")]
    MissingToken { var: String },

    /// 401 / 403 from an API (never retried).
    #[error("http {status}: the token was rejected{}", hint_suffix(.hint))]
    Unauthorized { status: u16, hint: Option<String> },

    #[error("http {status}{}", message_suffix(.message))]
    Status {
        status: u16,
        message: String,
        /// From `Retry-After` or the rate-limit reset header.
        retry_after: Option<Duration>,
    },

    /// Connection refused or reset, timeout, broken body.
    #[error("{detail}")]
    Transport { detail: String, timeout: bool },

    #[error("truncated download: expected {expected} bytes, received {received}")]
    Truncated { expected: u64, received: u64 },

    /// The bytes arrived but are not well-formed (a cut gzip stream, an unclosed JSON array).
    #[error("corrupt download: {detail}")]
    Corrupt { detail: String },

    #[error("suspiciously small download: {num_bytes} bytes (min_bytes is {min_bytes})")]
    TooSmall { num_bytes: u64, min_bytes: u64 },

    /// A result code in the body of an HTTP 200 (PartnerBoost).
    #[error("api error {code}: {message}")]
    Api { code: i64, message: String },

    /// The response does not follow the API's documented shape.
    #[error("unexpected response: {detail}")]
    Malformed { detail: String },

    /// The configured feed does not exist upstream (e.g. `feed_id` not in the feed info).
    #[error("{detail}")]
    NotFound { detail: String },

    #[error("rate limited for {}s, longer than the allowed wait of {}s", .wait.as_secs(), .max_wait.as_secs())]
    RateLimitTooLong { wait: Duration, max_wait: Duration },

    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{last} (gave up after {num_attempts} attempts)")]
    Exhausted {
        num_attempts: u32,
        last: Box<FetchErrorKind>,
    },
}

/// PartnerBoost's "call frequency too high": back off and retry.
pub(crate) const PARTNERBOOST_BUSY: i64 = 1002;

impl FetchErrorKind {
    /// 429 / 5xx / timeouts / resets / truncation retry; 4xx, bad tokens and local errors do not.
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchErrorKind::Status { status, .. } => {
                *status == 429 || *status == 408 || *status >= 500
            }
            FetchErrorKind::Transport { .. }
            | FetchErrorKind::Truncated { .. }
            | FetchErrorKind::Corrupt { .. } => true,
            FetchErrorKind::Api { code, .. } => *code == PARTNERBOOST_BUSY,
            _ => false,
        }
    }

    /// How long the server asked us to wait, when it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchErrorKind::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        FetchErrorKind::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn malformed(detail: impl Into<String>) -> Self {
        FetchErrorKind::Malformed {
            detail: detail.into(),
        }
    }

    /// A transport error with its cause chain spelled out; the URL (which may hold a key) is
    /// dropped.
    pub(crate) fn transport(err: reqwest::Error) -> Self {
        let timeout = err.is_timeout();
        let err = err.without_url();
        let mut detail = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !detail.contains(&text) {
                detail.push_str(": ");
                detail.push_str(&text);
            }
            source = cause.source();
        }
        FetchErrorKind::Transport { detail, timeout }
    }
}

fn message_suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn hint_suffix(hint: &Option<String>) -> String {
    match hint {
        Some(hint) => format!(" ({hint})"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> FetchErrorKind {
        FetchErrorKind::Status {
            status,
            message: String::new(),
            retry_after: None,
        }
    }

    #[test]
    fn retries_server_errors_and_rate_limits_only() {
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(400).is_retryable());
        assert!(!status(404).is_retryable());
        let unauthorized = FetchErrorKind::Unauthorized {
            status: 401,
            hint: None,
        };
        assert!(!unauthorized.is_retryable());
        let busy = FetchErrorKind::Api {
            code: 1002,
            message: "call frequency too high".into(),
        };
        assert!(busy.is_retryable());
        let bad_token = FetchErrorKind::Api {
            code: 1001,
            message: "invalid token".into(),
        };
        assert!(!bad_token.is_retryable());
    }

    #[test]
    fn message_names_the_feed() {
        let err = FetchError::new("adtraction/acme-se", status(503));
        assert_eq!(
            err.to_string(),
            "failed to fetch feed \"adtraction/acme-se\": http 503"
        );
        let err = FetchError::new(
            "partnerboost/ulike",
            FetchErrorKind::Unauthorized {
                status: 401,
                hint: Some("check PB_TOKEN".into()),
            },
        );
        assert_eq!(
            err.to_string(),
            "failed to fetch feed \"partnerboost/ulike\": http 401: the token was rejected (check PB_TOKEN)"
        );
    }
}
