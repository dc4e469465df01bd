//! [`SourceStatusBoard`]: the refresh state of each source, written by whoever refreshes the
//! feeds (the CLI's `serve` loop) and read by `GET /sources`.

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
