//! Keeps configured sources fresh while serving: each source with `every` is refreshed when its
//! last ingest (or attempt) is that old, one refresh at a time (ingests share the index's
//! single writer and the machine's two cores), without blocking queries. Each refresh is told
//! to a [`RefreshLog`] (the API's `SourceStatusBoard`, in `feedmill serve`).

use crate::price_history::PriceHistory;
use crate::refresh_job::{RefreshReport, refresh_source_recorded};
use chrono::{DateTime, Utc};
use feedmill_fetch::{FetchContext, SourceConfig};
use feedmill_index::OfferIndex;
use feedmill_model::{IndexedSource, RefreshLog, RefreshRecord};
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// How often the scheduler looks for sources that are due.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(5);

/// Refreshes every source once, now (an empty index at start-up), recording prices in
/// `history` when given.
pub async fn refresh_all(
    index: &OfferIndex,
    ctx: &FetchContext,
    sources: &[SourceConfig],
    log: &dyn RefreshLog,
    history: Option<&PriceHistory>,
) {
    for source in sources {
        refresh_and_record(index, ctx, source, log, history).await;
    }
}

/// Runs until aborted: refreshes each scheduled source when it is due, looking every `tick`,
/// recording prices in `history` when given.
pub async fn run_schedule(
    index: Arc<OfferIndex>,
    ctx: FetchContext,
    sources: Vec<SourceConfig>,
    log: Arc<dyn RefreshLog>,
    tick: Duration,
    history: Option<PriceHistory>,
) {
    let scheduled: Vec<&SourceConfig> = sources.iter().filter(|s| s.every.is_some()).collect();
    if scheduled.is_empty() {
        return;
    }
    loop {
        for source in &scheduled {
            if is_due(&index, source, log.as_ref(), Utc::now()) {
                refresh_and_record(&index, &ctx, source, log.as_ref(), history.as_ref()).await;
            }
        }
        tokio::time::sleep(tick).await;
    }
}

/// Due at `now` when neither an ingest nor an attempt happened within the source's interval.
pub(crate) fn is_due(
    index: &OfferIndex,
    source: &SourceConfig,
    log: &dyn RefreshLog,
    now: DateTime<Utc>,
) -> bool {
    let Some(every) = source
        .every
        .and_then(|e| chrono::Duration::from_std(e).ok())
    else {
        return false;
    };
    let last_ingest = index
        .stats()
        .ok()
        .and_then(|stats| stats.into_iter().find(|s| s.source == source.name))
        .map(|s| s.last_ingest_at);
    let last_attempt = log.last_attempt(&source.name);
    let last: Option<DateTime<Utc>> = last_ingest.max(last_attempt);
    last.is_none_or(|last| now - last >= every)
}

async fn refresh_and_record(
    index: &OfferIndex,
    ctx: &FetchContext,
    source: &SourceConfig,
    log: &dyn RefreshLog,
    history: Option<&PriceHistory>,
) {
    let started_at = Utc::now();
    let report = refresh_source_recorded(index, ctx, source, false, history).await;
    match report.error() {
        Some(error) => warn!(source = %source.name, %error, "refresh failed; previous offers kept"),
        None => info!(source = %source.name, "{}", report.summary()),
    }
    log.record(&source.name, &record_of(index, started_at, &report));
}

/// The refresh as its log keeps it; the offers and rejects are what the index holds now (the
/// previous offers when the refresh failed).
pub(crate) fn record_of(
    index: &OfferIndex,
    started_at: DateTime<Utc>,
    report: &RefreshReport,
) -> RefreshRecord {
    let indexed = index
        .stats()
        .ok()
        .and_then(|stats| stats.into_iter().find(|s| s.source == report.source))
        .map(|s| IndexedSource {
            num_offers: s.num_offers,
            num_rejected: s.num_rejected,
        });
    RefreshRecord {
        started_at,
        duration: report.duration,
        error: report.error().map(str::to_string),
        indexed,
    }
}
