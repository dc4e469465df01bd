//! Keeps configured sources fresh while serving: each source with `every` is refreshed when its
//! last ingest is that old, one refresh at a time (ingests share the index's single writer and
//! the machine's two cores), without blocking queries.

use crate::refresh_job::{RefreshOutcome, RefreshReport, refresh_source};
use chrono::{DateTime, Utc};
use feedmill_api::{SourceStatus, SourceStatusBoard};
use feedmill_fetch::{FetchContext, SourceConfig};
use feedmill_index::OfferIndex;
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// How often the scheduler looks for sources that are due.
const TICK: Duration = Duration::from_secs(5);

/// Refreshes every source once, now (an empty index at start-up).
pub async fn refresh_all(
    index: &OfferIndex,
    ctx: &FetchContext,
    sources: &[SourceConfig],
    board: &SourceStatusBoard,
) {
    for source in sources {
        refresh_and_report(index, ctx, source, board).await;
    }
}

/// Runs until aborted: refreshes each scheduled source when it is due.
pub async fn run_schedule(
    index: Arc<OfferIndex>,
    ctx: FetchContext,
    sources: Vec<SourceConfig>,
    board: Arc<SourceStatusBoard>,
) {
    let scheduled: Vec<&SourceConfig> = sources.iter().filter(|s| s.every.is_some()).collect();
    if scheduled.is_empty() {
        return;
    }
    loop {
        for source in &scheduled {
            if is_due(&index, source, &board) {
                refresh_and_report(&index, &ctx, source, &board).await;
            }
        }
        tokio::time::sleep(TICK).await;
    }
}

/// Due when neither an ingest nor an attempt happened within the source's interval.
fn is_due(index: &OfferIndex, source: &SourceConfig, board: &SourceStatusBoard) -> bool {
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
    let last_attempt = board.get(&source.name).and_then(|s| s.last_attempt);
    let last: Option<DateTime<Utc>> = last_ingest.max(last_attempt);
    last.is_none_or(|last| Utc::now() - last >= every)
}

async fn refresh_and_report(
    index: &OfferIndex,
    ctx: &FetchContext,
    source: &SourceConfig,
    board: &SourceStatusBoard,
) {
    let started = Utc::now();
    let report = refresh_source(index, ctx, source, false).await;
    match &report.outcome {
        RefreshOutcome::Failed { error } => {
            warn!(source = %source.name, %error, "refresh failed; previous offers kept")
        }
        _ => info!(source = %source.name, "{}", report.summary()),
    }
    let indexed = index
        .stats()
        .ok()
        .and_then(|stats| stats.into_iter().find(|s| s.source == source.name));
    let status = status_after(board.get(&source.name), started, &report, indexed);
    board.update(source.name.clone(), status);
}

/// The source's status after a refresh; offers and rejects are what the index holds now (the
/// previous offers when the refresh failed).
fn status_after(
    previous: Option<SourceStatus>,
    started: DateTime<Utc>,
    report: &RefreshReport,
    indexed: Option<feedmill_index::SourceStats>,
) -> SourceStatus {
    let previous = previous.unwrap_or_default();
    let (last_success, last_error) = match &report.outcome {
        RefreshOutcome::Failed { error } => (previous.last_success, Some(error.clone())),
        RefreshOutcome::Ingested { .. } | RefreshOutcome::Unchanged => (Some(Utc::now()), None),
    };
    SourceStatus {
        last_attempt: Some(started),
        last_success,
        offers: indexed.as_ref().map_or(previous.offers, |s| s.num_offers),
        rejects: indexed
            .as_ref()
            .map_or(previous.rejects, |s| s.num_rejected),
        duration_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
        last_error,
    }
}
