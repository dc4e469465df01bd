//! The stages that move the feed: generate it, read it bare (the reading baseline), normalize
//! it, index pre-built documents (the indexing baseline) and ingest it.
//!
//! Every stage reads the same gzip file from disk (in the page cache after generation), as
//! `feedmill normalize` and `feedmill ingest` do, and checks its counts against what the
//! generator wrote: a wrong count means the stage measured something else than a full feed.

use feedmill_benches::feed::Feed;
use feedmill_benches::measure::{BenchResult, StageClock, StageFigures};
use feedmill_formats::FeedError;
use feedmill_formats::driver::run_feed;
use feedmill_formats::input::open_reader;
use feedmill_formats::readers::read_records;
use feedmill_formats::record::{FieldNames, ReadItem};
use feedmill_index::{IngestOptions, OfferIndex};
use feedmill_model::Offer;
use feedmill_pipeline::{IndexSink, IngestRequest, IngestResult, ingest_source};
use flate2::read::GzDecoder;
use std::fs::File;
use std::hint::black_box;
use std::io::BufReader;
use std::path::Path;
use std::time::{Duration, Instant};

/// Offers the indexing baseline holds (as offers, then as documents) before indexing them:
/// a 1M-offer feed is one batch and one commit, as its ingest is; larger feeds take several, so
/// that holding them stays within a few GiB.
const BASELINE_CHUNK: usize = 1_000_000;

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
    let syntax = feed.feed_format().syntax(None);
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

/// What `feedmill ingest` does for one source: `feedmill_pipeline::ingest_source` into the
/// index — the feed's bytes hashed, then streamed through the normalizer into one
/// `SourceIngest`, committed once with the hash. Ends when the commit is visible; merges the
/// commit started go on in the background (see [`finish_merges`]).
pub fn ingest(feed: &Feed, index: &OfferIndex) -> BenchResult<StageFigures> {
    let clock = StageClock::start();
    let mut sink = IndexSink::new(index.clone());
    let outcome = match ingest_source(&mut sink, &ingest_request(feed))? {
        IngestResult::Committed(report) => report.outcome,
        IngestResult::Unchanged => {
            return Err("the first ingest found the feed already ingested".into());
        }
    };
    check_count(
        "ingested offers",
        outcome.stats.num_offers,
        feed.num_expected(),
    )?;
    Ok(clock.finish(outcome.stats.num_offers))
}

/// What `feedmill ingest` does with the feed it ingested last time: the same
/// `ingest_source`, which hashes the files, finds that hash in the source's metadata, and stops
/// before parsing anything. The figure counts the offers the source keeps.
pub fn reingest_unchanged(feed: &Feed, index: &OfferIndex) -> BenchResult<StageFigures> {
    let clock = StageClock::start();
    let mut sink = IndexSink::new(index.clone());
    match ingest_source(&mut sink, &ingest_request(feed))? {
        IngestResult::Unchanged => Ok(clock.finish(index.num_offers())),
        IngestResult::Committed(_) => {
            Err("the unchanged feed was not recognised as ingested".into())
        }
    }
}

/// The feed as `feedmill ingest FILE --format F --source e2e` asks for it.
fn ingest_request(feed: &Feed) -> IngestRequest {
    IngestRequest {
        paths: vec![feed.path.clone()],
        feed: feed.options(),
        guard: IngestOptions::default(),
        expected_records: None,
        content_hash: None,
    }
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
