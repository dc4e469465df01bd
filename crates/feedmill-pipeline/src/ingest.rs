//! The ingest: a source's feed files → normalizer → one [`OfferSink`] replacement.
//!
//! A source's files are hashed first, so a feed the sink holds under that hash is skipped
//! before any parsing; every file then streams through `run_feed` into the sink, committed
//! once. Any failure — a file that is no feed, a short download, the shrink guard — aborts the
//! sink, so the source keeps its previous offers. [`ingest_offers`] is the same replacement for
//! offers already in memory (the benchmarks' generated catalogues).

use crate::error::PipelineError;
use crate::feed_files::{FeedFiles, PlainFiles};
use crate::offer_sink::OfferSink;
use feedmill_formats::FeedError;
use feedmill_formats::driver::{FeedOptions, FeedReport, run_feed};
use feedmill_formats::input::{content_hash, open_reader};
use feedmill_index::{IngestMeta, IngestOptions};
use feedmill_model::{Offer, Rejection, RunStats};
use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Offers [`ingest_offers`] hands to the sink at once: about one normalizer batch.
pub const OFFER_CHUNK: usize = 2048;

/// How one source is ingested.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    pub paths: Vec<PathBuf>,
    pub feed: FeedOptions,
    pub guard: IngestOptions,
    /// Records the upstream announced (an API's `count` or `total`); reading fewer means the
    /// download lost some, and the source is left as it was.
    pub expected_records: Option<u64>,
    /// The files' `content_hash` when the caller has it already (a download is hashed as it
    /// is written); `None` hashes them here.
    pub content_hash: Option<String>,
}

/// What happened to the source.
#[derive(Debug)]
pub enum IngestResult<C> {
    /// The feed's bytes are those of the last ingest: nothing was parsed or changed.
    Unchanged,
    Committed(Box<IngestReport<C>>),
}

/// What a committed ingest did; `outcome` is the sink's report (the index's `IngestOutcome`).
#[derive(Debug)]
pub struct IngestReport<C> {
    pub outcome: C,
    /// One per feed file.
    pub reports: Vec<FeedReport>,
    /// All files together.
    pub stats: RunStats,
    pub elapsed: Duration,
}

/// Ingests one source from plain files, rejected records unrecorded.
pub fn ingest_source<S: OfferSink>(
    sink: &mut S,
    request: &IngestRequest,
) -> Result<IngestResult<S::Committed>, PipelineError> {
    ingest_source_with(sink, request, &PlainFiles, |_| Ok(()))
}

/// Ingests one source, opening its files through `files`; `on_rejection` sees every rejected
/// record (for a rejects file).
pub fn ingest_source_with<S: OfferSink>(
    sink: &mut S,
    request: &IngestRequest,
    files: &dyn FeedFiles,
    on_rejection: impl FnMut(&Rejection) -> io::Result<()>,
) -> Result<IngestResult<S::Committed>, PipelineError> {
    let started = Instant::now();
    let source = &request.feed.source;
    let content_hash = match &request.content_hash {
        Some(hash) => hash.clone(),
        None => content_hash(&request.paths).map_err(|error| PipelineError::Hash { error })?,
    };
    let previous = sink.committed_content_hash(source)?;
    if !request.guard.force && previous.as_deref() == Some(content_hash.as_str()) {
        return Ok(IngestResult::Unchanged);
    }
    sink.begin(source, request.guard)?;
    let read = read_files(sink, request, files, on_rejection);
    let (reports, mut stats) = match read {
        Ok(read) => read,
        Err(err) => {
            sink.abort();
            return Err(err);
        }
    };
    let elapsed = started.elapsed();
    stats.elapsed = elapsed;
    let meta = IngestMeta {
        content_hash,
        num_rejected: stats.num_rejected,
        duration: elapsed,
    };
    let outcome = sink.commit(&meta)?;
    Ok(IngestResult::Committed(Box::new(IngestReport {
        outcome,
        reports,
        stats,
        elapsed,
    })))
}

/// Every file of the request through the normalizer into the begun sink; fails when the
/// files hold fewer records than the upstream announced.
fn read_files<S: OfferSink>(
    sink: &mut S,
    request: &IngestRequest,
    files: &dyn FeedFiles,
    mut on_rejection: impl FnMut(&Rejection) -> io::Result<()>,
) -> Result<(Vec<FeedReport>, RunStats), PipelineError> {
    let mut reports = Vec::with_capacity(request.paths.len());
    let mut stats = RunStats::default();
    for path in &request.paths {
        let file = files.open(path).map_err(|error| PipelineError::Open {
            path: path.clone(),
            error,
        })?;
        let as_feed = |error| PipelineError::Feed {
            path: path.clone(),
            error,
        };
        let input = open_reader(file).map_err(as_feed)?;
        let report = run_feed(input, &request.feed, |mut batch| {
            sink.accept(&mut batch.offers)
                .map_err(|err| FeedError::Consumer(err.to_string()))?;
            for rejection in &batch.rejections {
                on_rejection(rejection)?;
            }
            Ok(())
        })
        .map_err(as_feed)?;
        stats.merge(&report.stats);
        reports.push(report);
    }
    if let Some(expected) = request.expected_records
        && stats.num_read < expected
    {
        return Err(PipelineError::ShortFeed {
            expected,
            num_read: stats.num_read,
        });
    }
    Ok((reports, stats))
}

/// Replaces `source`'s offers with `offers` (already normalized, all of that source) in one
/// commit, handed to the sink [`OFFER_CHUNK`] at a time; `meta` is stored with the commit. The
/// sink may complete the offers (their products, when it matches).
pub fn ingest_offers<S: OfferSink>(
    sink: &mut S,
    source: &str,
    guard: IngestOptions,
    offers: &mut [Offer],
    meta: &IngestMeta,
) -> Result<S::Committed, PipelineError> {
    sink.begin(source, guard)?;
    for chunk in offers.chunks_mut(OFFER_CHUNK) {
        if let Err(err) = sink.accept(chunk) {
            sink.abort();
            return Err(err);
        }
    }
    sink.commit(meta)
}
