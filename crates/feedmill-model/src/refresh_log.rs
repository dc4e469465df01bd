//! [`RefreshLog`]: where a source's refreshes are told, so that whoever refreshes feeds (the
//! pipeline's scheduler) and whoever shows their state (the API's `GET /sources`) meet here,
//! below both, without importing each other.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// One finished refresh of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// When the refresh started.
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
    /// Why it failed (the source kept its previous offers); `None` when it succeeded, also
    /// when the feed was unchanged.
    pub error: Option<String>,
    /// What the index holds for the source after the refresh; `None` when it holds nothing.
    pub indexed: Option<IndexedSource>,
}

/// A source's offers and rejected records as the index holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedSource {
    pub num_offers: u64,
    pub num_rejected: u64,
}

/// Keeps the refresh state of each source by name.
pub trait RefreshLog: Send + Sync {
    /// When the last refresh of `source` started, if one is known.
    fn last_attempt(&self, source: &str) -> Option<DateTime<Utc>>;

    /// A refresh of `source` finished.
    fn record(&self, source: &str, refresh: &RefreshRecord);
}
