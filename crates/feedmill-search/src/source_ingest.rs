//! Replacing one source's offers atomically, as every backend does it: the options and the
//! shrink guard, the caller's metadata, and what a committed replacement reports.
//!
//! The guard is PriceRunner's rule: a feed with under [`DEFAULT_MIN_RATIO`] of the source's
//! current offers, or an empty one where there were offers, looks broken; the replacement is
//! rolled back unless forced ([`SearchError::GuardTripped`](crate::SearchError::GuardTripped)).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// PriceRunner keeps the previous feed when a new one has under 80 % of the inventory.
pub const DEFAULT_MIN_RATIO: f64 = 0.8;

/// How an ingest guards a source against a broken, shrunken feed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IngestOptions {
    /// The new feed must hold at least this share of the source's current offers.
    pub min_ratio: f64,
    /// Replace the source even when the guard would trip.
    pub force: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            min_ratio: DEFAULT_MIN_RATIO,
            force: false,
        }
    }
}

impl IngestOptions {
    /// True when a feed of `new` offers looks broken next to the `previous` ones: below
    /// `min_ratio` of them, or empty where there were offers. (`force` decides what happens
    /// then, not whether the guard trips.)
    pub fn guard_trips(&self, previous: u64, new: u64) -> bool {
        previous > 0 && (new == 0 || (new as f64) < self.min_ratio * previous as f64)
    }
}

/// What the caller knows about the feed, stored with the commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestMeta {
    pub content_hash: String,
    pub num_rejected: u64,
    pub duration: Duration,
}

/// What `feedmill stats` and `GET /sources` show about one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStats {
    pub source: String,
    /// Offers of the source in the index after its last ingest.
    pub num_offers: u64,
    /// When the last ingest committed (RFC 3339).
    pub last_ingest_at: DateTime<Utc>,
    /// How long the last ingest took, from fetch to commit, as its caller measured it.
    pub last_duration_ms: u64,
    /// Records of the last feed that did not become offers.
    pub num_rejected: u64,
    /// The caller's hash of the last feed's content, to skip a feed that has not changed.
    pub content_hash: String,
}

/// The result of a committed ingest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestOutcome {
    /// The source's metadata as committed (`num_offers` counts distinct ids).
    pub stats: SourceStats,
    /// Offers of the source before this ingest.
    pub num_previous: u64,
    /// Records whose id came again later in the feed; the last one was kept.
    pub num_duplicates: u64,
    /// True when `force` replaced a source the guard would have kept.
    pub guard_overridden: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(min_ratio: f64) -> IngestOptions {
        IngestOptions {
            min_ratio,
            force: false,
        }
    }

    #[test]
    fn guard_trips_below_the_ratio_and_on_empty_feeds() {
        assert!(ratio(0.8).guard_trips(100, 79));
        assert!(!ratio(0.8).guard_trips(100, 80));
        assert!(ratio(0.0).guard_trips(100, 0));
        assert!(!ratio(0.8).guard_trips(0, 0));
        assert!(!ratio(0.8).guard_trips(0, 5));
    }
}
