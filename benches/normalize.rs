//! Normalizer throughput over large generated feeds, in offers per second.
//!
//! For each of google-xml, awin-csv, adtraction-xml and partnerboost-json, a 200,000-offer feed
//! is generated once (feedmill-gen, seed 42, 1 % bad records) and gzip-compressed in memory.
//! Two benches per format, in one group so that their ratio can be quoted:
//! - `full/FORMAT`: what `feedmill normalize` does short of writing JSON — gzip bytes →
//!   `open_reader` (gunzip, encoding check) → `run_feed` (reader thread + normalization on
//!   rayon); the offers are counted and dropped.
//! - `read_only/FORMAT`: gunzip + the bare syntax reader with a no-op sink, the upper bound for
//!   reading that format.
//!
//! Each iteration reads the whole feed (0.5–4 s), so criterion runs flat sampling with the
//! minimum of 10 samples and a 1 s warm-up: the whole bench takes 2½–3 minutes on two cores,
//! most of it in `full/partnerboost-json`, the slowest path.

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use feedmill_benches::feed::gzip_in_memory;
use feedmill_formats::FeedError;
use feedmill_formats::FeedFormat;
use feedmill_formats::driver::{FeedOptions, run_feed};
use feedmill_formats::input::open_reader;
use feedmill_formats::readers::read_records;
use feedmill_formats::record::{FieldNames, ReadItem};
use feedmill_gen::{GenConfig, GenFormat};
use flate2::read::GzDecoder;
use std::hint::black_box;
use std::io::{self, BufReader, Read};
use std::sync::Arc;
use std::time::Duration;

/// Offers per generated feed: large enough that start-up costs vanish and that the reader
/// thread, the channel and rayon reach their steady state (~100 batches of 2,048 records).
const NUM_OFFERS: u64 = 200_000;
const SEED: u64 = 42;

/// A cheap-to-clone reader over one shared in-memory gzip feed (no copy per iteration).
struct SharedBytes {
    bytes: Arc<[u8]>,
    position: usize,
}

impl SharedBytes {
    fn new(bytes: &Arc<[u8]>) -> SharedBytes {
        SharedBytes {
            bytes: Arc::clone(bytes),
            position: 0,
        }
    }
}

impl Read for SharedBytes {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.bytes[self.position..];
        let len = rest.len().min(buf.len());
        buf[..len].copy_from_slice(&rest[..len]);
        self.position += len;
        Ok(len)
    }
}

fn gzip_feed(format: GenFormat) -> Arc<[u8]> {
    gzip_in_memory(&GenConfig::new(format, NUM_OFFERS, SEED))
        .expect("generating into memory cannot fail")
}

/// gzip bytes → open_reader → run_feed; returns the number of offers kept.
fn normalize(gz: &Arc<[u8]>, format: FeedFormat) -> u64 {
    let input = open_reader(Box::new(SharedBytes::new(gz))).expect("the generated feed opens");
    let options = FeedOptions {
        source: "bench".into(),
        format: Some(format),
        ..FeedOptions::default()
    };
    let mut num_offers = 0u64;
    let report = run_feed(input, &options, |batch| {
        num_offers += batch.offers.len() as u64;
        drop(black_box(batch));
        Ok(())
    })
    .expect("the generated feed normalizes");
    black_box(report);
    num_offers
}

/// gunzip + the format's bare syntax reader with a counting sink; returns the records read.
fn read_only(gz: &Arc<[u8]>, format: FeedFormat) -> u64 {
    let reader = BufReader::with_capacity(64 * 1024, GzDecoder::new(SharedBytes::new(gz)));
    let mut num_records = 0u64;
    let mut sink = |item: ReadItem, _names: &FieldNames| -> Result<(), FeedError> {
        black_box(item);
        num_records += 1;
        Ok(())
    };
    read_records(reader, &format.syntax(None), &mut sink).expect("the generated feed reads");
    num_records
}

fn bench_normalize(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalize_200k");
    group
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(NUM_OFFERS));
    for format in GenFormat::ALL {
        let gz = gzip_feed(format);
        let feed = FeedFormat::from(format);
        // A wrong count means the bench measures something else than a full feed.
        let kept = normalize(&gz, feed);
        assert!(
            kept > NUM_OFFERS * 98 / 100,
            "{format}: only {kept} offers kept"
        );
        assert_eq!(read_only(&gz, feed), NUM_OFFERS, "{format}: records read");
        group.bench_function(format!("full/{format}"), |b| {
            b.iter(|| normalize(&gz, feed))
        });
        group.bench_function(format!("read_only/{format}"), |b| {
            b.iter(|| read_only(&gz, feed))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    targets = bench_normalize
}
criterion_main!(benches);
