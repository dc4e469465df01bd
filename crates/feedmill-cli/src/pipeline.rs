//! The ingest pipeline: feed files → normalizer → one source's replacement in the index.
//!
//! Shared by `feedmill ingest`, `refresh` and `serve`. A source's files are hashed first, so an
//! unchanged feed is skipped before any parsing; every file then streams through
//! [`run_feed`] into one [`SourceIngest`], committed once. Any failure — a file that is no feed,
//! the shrink guard — drops the ingest, which rolls back: the source keeps its previous offers.

use anyhow::Context;
use feedmill_formats::FeedError;
use feedmill_formats::driver::{FeedOptions, FeedReport, run_feed};
use feedmill_formats::input::{content_hash, open_reader};
use feedmill_index::{IngestMeta, IngestOptions, IngestOutcome, OfferIndex};
use feedmill_model::{Rejection, RunStats};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How one source is ingested.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    pub paths: Vec<PathBuf>,
    pub feed: FeedOptions,
    pub guard: IngestOptions,
    /// Records the upstream announced (an API's `count` or `total`); reading fewer means the
    /// download lost some, and the source is left as it was.
    pub expected_records: Option<u64>,
    /// The files' [`content_hash`] when the caller has it already (a download is hashed as it
    /// is written); `None` hashes them here.
    pub content_hash: Option<String>,
}

/// What happened to the source.
#[derive(Debug)]
pub enum IngestResult {
    /// The feed's bytes are those of the last ingest: nothing was parsed or changed.
    Unchanged,
    Committed(Box<IngestReport>),
}

/// What a committed ingest did.
#[derive(Debug)]
pub struct IngestReport {
    pub outcome: IngestOutcome,
    /// One per feed file.
    pub reports: Vec<FeedReport>,
    /// All files together.
    pub stats: RunStats,
    pub elapsed: Duration,
}

/// Ingests one source. `on_rejection` sees every rejected record (for a rejects file).
pub fn ingest_source(
    index: &OfferIndex,
    request: &IngestRequest,
    mut on_rejection: impl FnMut(&Rejection) -> std::io::Result<()>,
) -> anyhow::Result<IngestResult> {
    let started = Instant::now();
    let content_hash = match &request.content_hash {
        Some(hash) => hash.clone(),
        None => content_hash(&request.paths).context("failed to read the feed")?,
    };
    let previous = index.source_content_hash(&request.feed.source)?;
    if !request.guard.force && previous.as_deref() == Some(content_hash.as_str()) {
        return Ok(IngestResult::Unchanged);
    }
    let mut ingest = index.begin_source_ingest(&request.feed.source, request.guard)?;
    let mut reports = Vec::new();
    let mut stats = RunStats::default();
    for path in &request.paths {
        let input = open_reader(progress_reader(path)?)
            .with_context(|| format!("failed to read {}", path.display()))?;
        let report = run_feed(input, &request.feed, |batch| {
            for offer in &batch.offers {
                ingest
                    .add(offer)
                    .map_err(|err| FeedError::Consumer(err.to_string()))?;
            }
            for rejection in &batch.rejections {
                on_rejection(rejection)?;
            }
            Ok(())
        })
        .with_context(|| format!("failed to read {} as a feed", path.display()))?;
        stats.merge(&report.stats);
        reports.push(report);
    }
    if let Some(expected) = request.expected_records
        && stats.num_read < expected
    {
        anyhow::bail!(
            "the feed announced {expected} records but only {} could be read; kept the previous offers",
            stats.num_read
        );
    }
    let elapsed = started.elapsed();
    stats.elapsed = elapsed;
    let meta = IngestMeta {
        content_hash,
        num_rejected: stats.num_rejected,
        duration: elapsed,
    };
    let outcome = ingest.commit(meta)?;
    Ok(IngestResult::Committed(Box::new(IngestReport {
        outcome,
        reports,
        stats,
        elapsed,
    })))
}

/// The file as a reader that advances a progress bar on a terminal (hidden otherwise).
fn progress_reader(path: &Path) -> anyhow::Result<Box<dyn Read + Send>> {
    let file = File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).ok();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bar = crate::progress::byte_bar(len, &format!("ingesting {name}"));
    Ok(Box::new(FinishOnDrop(bar.wrap_read(file))))
}

/// Clears the bar when the reader is done with, so log lines after it stay readable.
struct FinishOnDrop(indicatif::ProgressBarIter<File>);

impl Read for FinishOnDrop {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0.progress.finish_and_clear();
    }
}
