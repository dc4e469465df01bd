//! The stages that move the feed: generate it, read it bare (the reading baseline), normalize
//! it, index pre-built documents (the indexing baseline) and ingest it.
//!
//! Every stage reads the same gzip file from disk (in the page cache after generation), as
//! `feedmill normalize` and `feedmill ingest` do, and checks its counts against what the
//! generator wrote: a wrong count means the stage measured something else than a full feed.

use crate::measure::{BenchResult, StageClock, StageFigures};
use feedmill_formats::driver::{FeedOptions, run_feed};
use feedmill_formats::input::{content_hash, open_reader};
use feedmill_formats::readers::read_records;
use feedmill_formats::record::{FieldNames, ReadItem};
use feedmill_formats::{FeedError, FeedFormat};
use feedmill_gen::{GenConfig, GenFormat, GenStats, generate_gzip};
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex};
use feedmill_model::Offer;
use flate2::read::GzDecoder;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The source every offer is ingested under.
const SOURCE: &str = "e2e";

/// Offers the indexing baseline holds (as offers, then as documents) before indexing them:
/// a 1M-offer feed is one batch and one commit, as its ingest is; larger feeds take several, so
/// that holding them stays within a few GiB.
const BASELINE_CHUNK: usize = 1_000_000;

/// The generated feed on disk.
pub struct Feed {
    pub path: PathBuf,
    pub format: GenFormat,
    pub stats: GenStats,
}

impl Feed {
    /// Offers a normalizer must keep: every record but the ones planted to be rejected.
    pub fn num_expected(&self) -> u64 {
        self.stats.num_offers - self.stats.num_rejected()
    }

    fn options(&self) -> FeedOptions {
        FeedOptions {
            source: SOURCE.into(),
            format: Some(self.format.into()),
            ..FeedOptions::default()
        }
    }
}

/// Generates the feed, gzip-compressed, into `dir`.
pub fn generate(dir: &Path, config: &GenConfig) -> BenchResult<(Feed, StageFigures)> {
    let clock = StageClock::start();
    let path = dir.join(format!("{}-{}.gz", config.format, config.offers));
    let mut out = BufWriter::new(File::create(&path)?);
    let stats = generate_gzip(config, &mut out)?;
    out.into_inner()
        .map_err(|err| err.into_error())?
        .sync_all()?;
    let figures = clock.finish(stats.num_offers);
    let feed = Feed {
        path,
        format: config.format,
        stats,
    };
    Ok((feed, figures))
}

/// The reading baseline: gunzip + the format's bare syntax reader with a counting sink, on one
/// thread — what reading costs before any record becomes an offer.
pub fn read_baseline(feed: &Feed) -> BenchResult<StageFigures> {
    let clock = StageClock::start();
    let reader = BufReader::with_capacity(64 * 1024, GzDecoder::new(File::open(&feed.path)?));
    let mut num_records = 0u64;
    let mut sink = |item: ReadItem, _names: &FieldNames| -> Result<(), FeedError> {
        black_box(item);
        num_records += 1;
        Ok(())
    };
    let syntax = FeedFormat::from(feed.format).syntax(None);
    read_records(reader, &syntax, &mut sink)?;
    check_count("read baseline records", num_records, feed.stats.num_offers)?;
    Ok(clock.finish(num_records))
}

/// What `feedmill normalize` does short of writing JSON: open_reader (gunzip, decoding) →
/// run_feed (reader thread + normalization on rayon); the offers are counted and dropped.
pub fn normalize(feed: &Feed) -> BenchResult<StageFigures> {
    let clock = StageClock::start();
    let input = open_reader(Box::new(File::open(&feed.path)?))?;
    let mut num_offers = 0u64;
    run_feed(input, &feed.options(), |batch| {
        num_offers += batch.offers.len() as u64;
        drop(black_box(batch));
        Ok(())
    })?;
    check_count("normalized offers", num_offers, feed.num_expected())?;
    Ok(clock.finish(num_offers))
}

/// What `feedmill ingest` does for one source (`pipeline.rs`): the feed's bytes are hashed,
/// then it streams through run_feed into one `SourceIngest`, committed once with the hash.
/// Ends when the commit is visible; merges the commit started go on in the background (see
/// [`finish_merges`]).
pub fn ingest(feed: &Feed, index: &OfferIndex) -> BenchResult<StageFigures> {
    let clock = StageClock::start();
    let started = Instant::now();
    let hash = content_hash(&[&feed.path])?;
    if index.source_content_hash(SOURCE)?.as_deref() == Some(hash.as_str()) {
        return Err("the first ingest found the feed already ingested".into());
    }
    let mut ingest = index.begin_source_ingest(SOURCE, IngestOptions::default())?;
    let input = open_reader(Box::new(File::open(&feed.path)?))?;
    let report = run_feed(input, &feed.options(), |batch| {
        for offer in &batch.offers {
            ingest.add(offer).map_err(consumer_error)?;
        }
        Ok(())
    })?;
    let outcome = ingest.commit(IngestMeta {
        content_hash: hash,
        num_rejected: report.stats.num_rejected,
        duration: started.elapsed(),
    })?;
    check_count(
        "ingested offers",
        outcome.stats.num_offers,
        feed.num_expected(),
    )?;
    Ok(clock.finish(outcome.stats.num_offers))
}

/// What `feedmill ingest` does with the feed it ingested last time (`pipeline.rs`): hashes the
/// files, finds that hash in the source's metadata, and stops before parsing anything. The
/// figure counts the offers the source keeps.
pub fn reingest_unchanged(feed: &Feed, index: &OfferIndex) -> BenchResult<StageFigures> {
    let clock = StageClock::start();
    let hash = content_hash(&[&feed.path])?;
    if index.source_content_hash(SOURCE)?.as_deref() != Some(hash.as_str()) {
        return Err("the unchanged feed was not recognised as ingested".into());
    }
    Ok(clock.finish(index.num_offers()))
}

/// Closes the writer, which waits for the merges the last commit started.
pub fn finish_merges(index: &OfferIndex) -> StageFigures {
    let clock = StageClock::start();
    index.release_writer();
    clock.finish(index.num_offers())
}

/// The indexing baseline: the feed's offers as documents of this schema, built ahead, added by
/// the index's own writer (same settings as an ingest) into a fresh index in `dir` and
/// committed. Only the adding and committing is timed; normalizing the feed and building the
/// documents are not. The peak memory includes the offers and documents held for that.
/// Returns the figures and the baseline index's size on disk (after its merges).
pub fn tantivy_baseline(feed: &Feed, dir: &Path) -> BenchResult<(StageFigures, u64)> {
    let clock = StageClock::start();
    let index = OfferIndex::open_or_create(dir)?;
    let mut chunk: Vec<Offer> = Vec::new();
    let mut indexing = Duration::ZERO;
    let input = open_reader(Box::new(File::open(&feed.path)?))?;
    run_feed(input, &feed.options(), |batch| {
        chunk.extend(batch.offers);
        if chunk.len() >= BASELINE_CHUNK {
            indexing += index_chunk(&index, &mut chunk).map_err(consumer_error)?;
        }
        Ok(())
    })?;
    indexing += index_chunk(&index, &mut chunk)?;
    let num_offers = index.num_offers();
    let figures = clock.finish_timed(indexing, num_offers);
    check_count("baseline documents", num_offers, feed.num_expected())?;
    index.release_writer();
    let size = crate::measure::dir_size(dir)?;
    Ok((figures, size))
}

/// Builds the documents of `chunk` (untimed), then indexes and commits them; returns the time
/// of that last part.
fn index_chunk(index: &OfferIndex, chunk: &mut Vec<Offer>) -> BenchResult<Duration> {
    if chunk.is_empty() {
        return Ok(Duration::ZERO);
    }
    let documents = index.prebuild_documents(chunk)?;
    chunk.clear();
    chunk.shrink_to_fit();
    let started = Instant::now();
    index.index_prebuilt(documents)?;
    Ok(started.elapsed())
}

fn consumer_error(err: impl std::fmt::Display) -> FeedError {
    FeedError::Consumer(err.to_string())
}

fn check_count(what: &str, actual: u64, expected: u64) -> BenchResult<()> {
    if actual == expected {
        Ok(())
    } else {
        Err(format!("{what}: {actual}, expected {expected}").into())
    }
}
