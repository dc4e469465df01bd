//! feedmill's pipeline: how feeds become a source's offers, once or on a schedule.
//!
//! - [`ingest_source`]: a source's feed files → the normalizer (`feedmill-formats`) → an
//!   [`OfferSink`], committed once. A feed whose content hash is the one the sink holds for the
//!   source is skipped before any parsing; any failure (a file that is no feed, a short
//!   download, the index's shrink guard) aborts the sink, which leaves the source as it was.
//! - [`OfferSink`] is where accepted offers go: [`IndexSink`] wraps `feedmill-index`'s
//!   `SourceIngest` (shrink guard, one commit); [`FanOutSink`] hands every batch to a second
//!   sink beside it, which commits only when the index did. [`PriceHistorySink`] is a stage in
//!   front of the index: it records each replacement in the price history ([`PriceHistory`]:
//!   a store, a clock, a retention) and indexes every offer with its honest numbers, writing
//!   the batch only when the index committed.
//! - [`ProductMatcher`]: with it, the [`IndexSink`] sets every offer's product before
//!   indexing it — an operator's pin, the GTIN, brand + model number, the decision kept from
//!   the last ingest for an unchanged offer, else a learned pair score against the
//!   catalogue's most similar offers (`feedmill-match`); decisions are stored after the commit.
//!   [`IngestStages`] bundles what an ingest runs around the index (history, matcher).
//! - [`refresh_source`]: one source's fetch (`feedmill-fetch`, async I/O) then its ingest (on
//!   a blocking thread), reported as a [`RefreshReport`] that never is an error.
//! - [`run_schedule`] / [`refresh_all`]: `feedmill serve`'s background refreshes, one source at
//!   a time. They tell each refresh to a [`feedmill_model::RefreshLog`]: the trait lives in
//!   `feedmill-model`, below both this crate and `feedmill-api`, whose `SourceStatusBoard`
//!   implements it — so the pipeline never imports the API, and the API never imports `fetch`.
//!   [`run_scheduler`] is steered by a [`SchedulerHandle`]: run-now jobs, pauses, new sources.
//!
//! - [`sync_transactions`] / [`run_transaction_schedule`]: the networks' transaction reports
//!   over a trailing window, upserted into the store (`feedmill transactions sync`, and
//!   `serve` on its `[transactions] every`).
//!
//! The CLI (`ingest`, `refresh`, `serve`, `transactions`) and the benchmarks call this crate; the binary only
//! parses arguments, sets up tracing and wires the pieces. Nothing here installs a subscriber.

mod candidate_pool;
mod error;
mod fan_out_sink;
mod feed_files;
mod index_sink;
mod ingest;
mod ingest_stages;
mod offer_sink;
mod offer_store;
mod price_history;
mod price_history_sink;
mod product_evidence;
mod product_matcher;
mod refresh_job;
mod scheduler;
mod scheduler_control;
mod transaction_sync;

pub use error::PipelineError;
pub use fan_out_sink::FanOutSink;
pub use feed_files::{FeedFiles, PlainFiles};
pub use index_sink::IndexSink;
pub use ingest::{
    IngestReport, IngestRequest, IngestResult, OFFER_CHUNK, ingest_offers, ingest_source,
    ingest_source_with,
};
pub use ingest_stages::IngestStages;
pub use offer_sink::{OfferSink, RecordingSink};
pub use offer_store::{OfferStore, Replacement, SearchStore};
pub use price_history::PriceHistory;
pub use price_history_sink::PriceHistorySink;
pub use product_matcher::{DEFAULT_TOP_K, MatchSummary, ProductMatcher, SourceMatching};
pub use refresh_job::{
    GuardDecision, RefreshDetails, RefreshOutcome, RefreshReport, refresh_source,
    refresh_source_recorded,
};
pub use scheduler::{SCHEDULER_TICK, refresh_all, run_schedule, run_scheduler};
pub use scheduler_control::{
    COMMAND_CAPACITY, ControlError, Job, JobState, MAX_JOBS, SchedulerControl, SchedulerHandle,
    scheduler_channel,
};
pub use transaction_sync::{
    AccountSyncReport, TransactionSyncReport, run_transaction_schedule, sync_transactions,
};

#[cfg(test)]
mod tests;
