//! [`SourceStatusBoard`]: the refresh state of each source, written by whoever refreshes the
//! feeds (the pipeline's scheduler in `feedmill serve`, through `feedmill_model::RefreshLog`)
//! and read by `GET /sources`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The last refresh of one source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SourceStatus {
    /// When the last refresh started.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_attempt: Option<DateTime<Utc>>,
    /// When a refresh last committed new offers.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_success: Option<DateTime<Utc>>,
    /// Offers the last successful refresh indexed.
    pub offers: u64,
    /// Records the last successful refresh rejected.
    pub rejects: u64,
    /// How long the last refresh took.
    pub duration_ms: u64,
    /// Why the last refresh failed; `None` after a success.
    pub last_error: Option<String>,
}

/// Refresh states by source name. Shared behind an `Arc`; each update replaces one entry.
#[derive(Debug, Default)]
pub struct SourceStatusBoard {
    sources: Mutex<BTreeMap<String, SourceStatus>>,
}

impl SourceStatusBoard {
    pub fn update(&self, name: impl Into<String>, status: SourceStatus) {
        let mut sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        sources.insert(name.into(), status);
    }

    pub fn get(&self, name: &str) -> Option<SourceStatus> {
        let sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        sources.get(name).cloned()
    }

    /// Every source, by name.
    pub fn snapshot(&self) -> BTreeMap<String, SourceStatus> {
        self.sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The scheduler's refreshes land here: a failure keeps the last success and the counts of
/// the previous offers unless the index still reports them.
impl feedmill_model::RefreshLog for SourceStatusBoard {
    fn last_attempt(&self, source: &str) -> Option<DateTime<Utc>> {
        self.get(source).and_then(|status| status.last_attempt)
    }

    fn record(&self, source: &str, refresh: &feedmill_model::RefreshRecord) {
        let status = status_after(self.get(source), refresh, Utc::now());
        self.update(source, status);
    }
}

/// The source's status after `refresh`, which finished at `now`.
fn status_after(
    previous: Option<SourceStatus>,
    refresh: &feedmill_model::RefreshRecord,
    now: DateTime<Utc>,
) -> SourceStatus {
    let previous = previous.unwrap_or_default();
    let (last_success, last_error) = match &refresh.error {
        Some(error) => (previous.last_success, Some(error.clone())),
        None => (Some(now), None),
    };
    SourceStatus {
        last_attempt: Some(refresh.started_at),
        last_success,
        offers: refresh.indexed.map_or(previous.offers, |s| s.num_offers),
        rejects: refresh.indexed.map_or(previous.rejects, |s| s.num_rejected),
        duration_ms: u64::try_from(refresh.duration.as_millis()).unwrap_or(u64::MAX),
        last_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedmill_model::{IndexedSource, RefreshLog, RefreshRecord};
    use std::time::Duration;

    #[test]
    fn a_failed_refresh_keeps_the_last_success_and_its_counts() {
        let board = SourceStatusBoard::default();
        let started_at = Utc::now();
        let success = RefreshRecord {
            started_at,
            duration: Duration::from_millis(1500),
            error: None,
            indexed: Some(IndexedSource {
                num_offers: 40,
                num_rejected: 2,
            }),
        };
        board.record("acme", &success);
        let first = board.get("acme").unwrap_or_default();
        assert_eq!(
            (first.offers, first.rejects, first.duration_ms),
            (40, 2, 1500)
        );
        assert!(first.last_success.is_some() && first.last_error.is_none());
        assert_eq!(board.last_attempt("acme"), Some(started_at));

        let failure = RefreshRecord {
            error: Some("http 503".into()),
            indexed: None,
            ..success
        };
        board.record("acme", &failure);
        let second = board.get("acme").unwrap_or_default();
        assert_eq!(second.last_success, first.last_success);
        assert_eq!(second.last_error.as_deref(), Some("http 503"));
        assert_eq!((second.offers, second.rejects), (40, 2));
        assert_eq!(board.last_attempt("missing"), None);
    }
}
