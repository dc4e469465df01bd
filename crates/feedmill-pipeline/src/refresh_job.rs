//! One source's refresh: fetch (async, I/O) → normalize and ingest (blocking, CPU) behind the
//! index's shrink guard. Used by `feedmill refresh` and by `serve`'s scheduler.
//!
//! Whatever fails — the fetch, the feed, the guard — the source keeps its previous offers and the
//! report says why.

use crate::error::PipelineError;
use crate::ingest::{IngestRequest, IngestResult, ingest_source};
use crate::ingest_stages::IngestStages;
use crate::offer_sink::OfferSink;
use crate::offer_store::OfferStore;
use feedmill_fetch::{FetchContext, SourceConfig, fetch_source};
use feedmill_formats::driver::FeedOptions;
use feedmill_index::{DEFAULT_MIN_RATIO, IngestOptions};
use feedmill_model::RejectReason;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How one refresh of one source ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RefreshOutcome {
    /// The feed's bytes are those already in the index.
    Unchanged,
    Ingested {
        num_offers: u64,
        num_previous: u64,
        num_rejected: u64,
    },
    /// The source kept its previous offers.
    Failed { error: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct RefreshReport {
    pub source: String,
    pub outcome: RefreshOutcome,
    pub duration: Duration,
    /// What the records came to and what the shrink guard decided, when a feed was ingested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<RefreshDetails>,
}

/// The records of an ingested feed and the guard's decision on them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefreshDetails {
    pub num_read: u64,
    pub num_kept: u64,
    pub rejected_by_reason: BTreeMap<RejectReason, u64>,
    pub guard: GuardDecision,
}

/// The shrink guard on an ingest that committed: the new offers against the previous ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuardDecision {
    /// The least share of the previous offers a feed must hold.
    pub min_ratio: f64,
    pub num_previous: u64,
    pub num_offers: u64,
    /// True when `force` replaced a source the guard would have kept.
    pub overridden: bool,
}

impl RefreshReport {
    /// One line for a terminal or a log.
    pub fn summary(&self) -> String {
        let took = self.duration.as_secs_f64();
        match &self.outcome {
            RefreshOutcome::Unchanged => format!("{}: unchanged ({took:.2} s)", self.source),
            RefreshOutcome::Ingested {
                num_offers,
                num_previous,
                num_rejected,
            } => format!(
                "{}: {num_offers} offers (was {num_previous}), {num_rejected} rejected ({took:.2} s)",
                self.source
            ),
            RefreshOutcome::Failed { error } => {
                format!("{}: failed, previous offers kept: {error}", self.source)
            }
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self.outcome, RefreshOutcome::Failed { .. })
    }

    /// Why the refresh failed; `None` when it did not.
    pub fn error(&self) -> Option<&str> {
        match &self.outcome {
            RefreshOutcome::Failed { error } => Some(error),
            _ => None,
        }
    }
}

/// Fetches and ingests one source. Never returns an error: failures are in the report.
pub async fn refresh_source(
    store: &OfferStore,
    ctx: &FetchContext,
    source: &SourceConfig,
    force: bool,
) -> RefreshReport {
    refresh_source_recorded(store, ctx, source, force, &IngestStages::default()).await
}

/// [`refresh_source`] with the ingest's `stages`: the price history (see
/// [`crate::PriceHistorySink`]) and the product matcher, each when given.
pub async fn refresh_source_recorded(
    store: &OfferStore,
    ctx: &FetchContext,
    source: &SourceConfig,
    force: bool,
    stages: &IngestStages,
) -> RefreshReport {
    let started = Instant::now();
    let (outcome, details) = match refresh(store, ctx, source, force, stages).await {
        Ok(done) => done,
        Err(err) => {
            let error = err.full_message();
            (RefreshOutcome::Failed { error }, None)
        }
    };
    RefreshReport {
        source: source.name.clone(),
        outcome,
        duration: started.elapsed(),
        details,
    }
}

async fn refresh(
    store: &OfferStore,
    ctx: &FetchContext,
    source: &SourceConfig,
    force: bool,
    stages: &IngestStages,
) -> Result<(RefreshOutcome, Option<RefreshDetails>), PipelineError> {
    let fetched = fetch_source(source, ctx).await?;
    let min_ratio = source.min_ratio.unwrap_or(DEFAULT_MIN_RATIO);
    let request = IngestRequest {
        paths: vec![fetched.path.clone()],
        feed: FeedOptions {
            source: source.name.clone(),
            format: fetched.format,
            ..FeedOptions::default()
        },
        guard: IngestOptions { min_ratio, force },
        expected_records: fetched.expected_records,
        // The fetch hashed the download; the ingest skips it when the index has that hash.
        content_hash: Some(fetched.content_hash.clone()),
    };
    let sink = stages.index_sink(store.clone());
    let ingested = match &stages.history {
        Some(history) => ingest_blocking(history.sink(sink), request).await?,
        None => ingest_blocking(sink, request).await?,
    };
    Ok(match ingested {
        IngestResult::Unchanged => (RefreshOutcome::Unchanged, None),
        IngestResult::Committed(report) => {
            let outcome = RefreshOutcome::Ingested {
                num_offers: report.outcome.stats.num_offers,
                num_previous: report.outcome.num_previous,
                num_rejected: report.stats.num_rejected,
            };
            let details = RefreshDetails {
                num_read: report.stats.num_read,
                num_kept: report.stats.num_kept,
                rejected_by_reason: report.stats.rejected_by_reason.clone(),
                guard: GuardDecision {
                    min_ratio,
                    num_previous: report.outcome.num_previous,
                    num_offers: report.outcome.stats.num_offers,
                    overridden: report.outcome.guard_overridden,
                },
            };
            (outcome, Some(details))
        }
    })
}

/// Parsing and indexing are CPU work: off the async workers.
async fn ingest_blocking<S>(
    mut sink: S,
    request: IngestRequest,
) -> Result<IngestResult<S::Committed>, PipelineError>
where
    S: OfferSink + Send + 'static,
    S::Committed: Send + 'static,
{
    tokio::task::spawn_blocking(move || ingest_source(&mut sink, &request))
        .await
        .map_err(|err| PipelineError::Task(err.to_string()))?
}
