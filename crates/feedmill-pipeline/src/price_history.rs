//! [`PriceHistory`]: where an ingest records prices — the store, the clock that dates each
//! batch, and how long raw change points are kept. `PriceHistory::sink` (in
//! `price_history_sink.rs`) puts it in front of an ingest's sink.
//!
//! The clock is `feedmill-fetch`'s [`Clock`]: the system clock in production, a
//! [`ManualClock`](feedmill_fetch::ManualClock) in tests and in replays of simulated days
//! (`feedmill ingest --now`), so a test can run sixty daily refreshes in a second.
//!
//! Between refreshes it keeps each source's known states as its last batch left them
//! ([`KnownOffers`]), so that the next batch of the source begins from memory instead of
//! reading every state row again; the store checks they are still current (another process may
//! have written a batch since) and loads them otherwise. At most [`MAX_KEPT_OFFERS`] offers are
//! kept over all sources (a 128-byte table entry each, 150–300 bytes with the table's slack, plus
//! ~100 bytes per GTIN key of the daily lows); a source past that is loaded each time.

use chrono::{DateTime, Duration, Utc};
use feedmill_fetch::Clock;
use feedmill_store::{DEFAULT_RETENTION_DAYS, KnownOffers, Store, StoreResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The most offers whose known states are kept between refreshes, over all sources (at most
/// 0.8 GB with their daily-low rows, on the 24 GiB target machine).
pub const MAX_KEPT_OFFERS: usize = 2_000_000;

/// See the module doc. Cheap to clone: one per refresh.
#[derive(Clone)]
pub struct PriceHistory {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    retention_days: i64,
    kept: Arc<Mutex<HashMap<String, KnownOffers>>>,
}

impl PriceHistory {
    /// Recording into `store` at the time `clock` tells, keeping [`DEFAULT_RETENTION_DAYS`].
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> PriceHistory {
        PriceHistory {
            store,
            clock,
            retention_days: DEFAULT_RETENTION_DAYS,
            kept: Arc::default(),
        }
    }

    /// Raw change points older than `days` are pruned after each ingest.
    pub fn with_retention_days(mut self, days: i64) -> PriceHistory {
        self.retention_days = days;
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn retention_days(&self) -> i64 {
        self.retention_days
    }

    /// The time a batch begun now is dated.
    pub fn now(&self) -> DateTime<Utc> {
        let millis = i64::try_from(self.clock.now_ms()).unwrap_or(i64::MAX);
        DateTime::from_timestamp_millis(millis).unwrap_or_else(Utc::now)
    }

    /// The known states kept for `source`, taken out (a batch changes them as it goes; the
    /// one that finishes keeps its own).
    pub(crate) fn take_known(&self, source: &str) -> Option<KnownOffers> {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(source)
    }

    /// Keeps `known` for the next batch of its source, if it fits in [`MAX_KEPT_OFFERS`].
    pub(crate) fn keep_known(&self, known: KnownOffers) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.remove(known.source());
        let held: usize = kept.values().map(KnownOffers::len).sum();
        if held + known.len() <= MAX_KEPT_OFFERS {
            kept.insert(known.source().to_owned(), known);
        }
    }

    /// Deletes what is older than the retention (keeping each offer's point in effect then).
    pub fn prune(&self) -> StoreResult<u64> {
        let cut = self.now() - Duration::days(self.retention_days);
        self.store.prune_price_history(cut)
    }
}

impl std::fmt::Debug for PriceHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PriceHistory")
            .field("retention_days", &self.retention_days)
            .field("now", &self.now())
            .finish_non_exhaustive()
    }
}
