//! Ingest throughput of the index against tantivy's own bound, in one run:
//! - **tantivy**: the same offers as pre-built documents (this schema, this index's writer
//!   settings and batches) added to a fresh on-disk index and committed: what tantivy reaches
//!   here;
//! - **ingest**: the offers through the pipeline's `ingest_offers` into the index's sink
//!   (`SourceIngest::add` of each, then `commit`) in a fresh index;
//! - **re-ingest**: the same source again into that index, the steady state of a refresh
//!   (every offer replaces its previous copy).
//!
//! Offers are generated in memory first (the harness's `OfferShape::FEED`: titles ~60 characters,
//! descriptions ~200, brand, category path, GTIN on two in three, prices, product, image and
//! tracking URLs), or read from an NDJSON file of offers (what `feedmill normalize` writes),
//! so only indexing is timed. Each of `runs` rounds times the three in turn;
//! the medians of wall time and of CPU time (all threads of the process, from
//! `/proc/self/stat`; on a shared machine it moves less than wall time) are printed last, with
//! the ratio to tantivy.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example ingest_bench -- [num_offers | offers.ndjson] [runs] [indexing_threads]
//! ```
//! Defaults: 300,000 generated offers, 3 rounds, the index's own number of indexing threads.

use feedmill_benches::catalogue::{CATALOGUE_SEED, Generator, OfferShape};
use feedmill_benches::measure::{BenchResult, process_cpu};
use feedmill_gen::rng::SplitMix64;
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex};
use feedmill_model::Offer;
use feedmill_pipeline::{IndexSink, ingest_offers};
use std::path::Path;
use std::time::{Duration, Instant};

const SOURCE: &str = "bench";

/// Wall and CPU time of one timed step.
#[derive(Debug, Clone, Copy, Default)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let mut offers = match args.next() {
        Some(arg) => match arg.parse() {
            Ok(num_offers) => generate(num_offers)?,
            Err(_) => read_offers(Path::new(&arg))?,
        },
        None => generate(300_000)?,
    };
    let num_offers = offers.len();
    let runs: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(3);
    let threads: Option<usize> = args.next().map(|n| n.parse()).transpose()?;
    report_sizes(&offers);
    report_document_building(&offers)?;
    let mut timings: [Vec<Timing>; 3] = Default::default();
    for run in 1..=runs {
        let tantivy = time_tantivy(&offers, threads)?;
        let (ingest, reingest) = time_ingests(&mut offers, threads)?;
        println!(
            "round {run}: tantivy {:.2} s, ingest {:.2} s, re-ingest {:.2} s",
            tantivy.wall.as_secs_f64(),
            ingest.wall.as_secs_f64(),
            reingest.wall.as_secs_f64()
        );
        for (all, timing) in timings.iter_mut().zip([tantivy, ingest, reingest]) {
            all.push(timing);
        }
    }
    report(num_offers, runs, timings);
    Ok(())
}

fn report(num_offers: usize, runs: usize, timings: [Vec<Timing>; 3]) {
    let [tantivy, ingest, reingest] = timings.map(median);
    let rate = |time: Duration| num_offers as f64 / time.as_secs_f64();
    let per_offer = |time: Duration| time.as_secs_f64() * 1e6 / num_offers as f64;
    println!("medians over {runs} rounds of {num_offers} offers:");
    println!(
        "  {:<28} {:>9.0} offers/s   CPU {:>5.1} µs/offer",
        "tantivy, pre-built documents",
        rate(tantivy.wall),
        per_offer(tantivy.cpu)
    );
    for (name, timing) in [
        ("ingest (SourceIngest::add)", ingest),
        ("re-ingest, same source", reingest),
    ] {
        println!(
            "  {name:<28} {:>9.0} offers/s   CPU {:>5.1} µs/offer   ({:.2} × tantivy's offers/s)",
            rate(timing.wall),
            per_offer(timing.cpu),
            tantivy.wall.as_secs_f64() / timing.wall.as_secs_f64()
        );
    }
}

fn generate(num_offers: usize) -> BenchResult<Vec<Offer>> {
    let started = Instant::now();
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(CATALOGUE_SEED);
    let offers: Vec<Offer> = (0..num_offers)
        .map(|i| generator.offer(&mut rng, OfferShape::FEED, SOURCE, i))
        .collect();
    println!("generated {num_offers} offers in {:.1?}", started.elapsed());
    Ok(offers)
}

/// The offers of an NDJSON file, moved to the benchmark's source.
fn read_offers(path: &Path) -> BenchResult<Vec<Offer>> {
    let started = Instant::now();
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut offers = Vec::new();
    for line in std::io::BufRead::lines(file) {
        let mut offer: Offer = serde_json::from_str(&line?)?;
        offer.source = SOURCE.to_string();
        offers.push(offer);
    }
    println!("read {} offers in {:.1?}", offers.len(), started.elapsed());
    Ok(offers)
}

/// Average title, description and stored JSON sizes, to show the offers are feed-sized.
fn report_sizes(offers: &[Offer]) {
    let count = offers.len().max(1);
    let title: usize = offers.iter().map(|o| o.title.len()).sum();
    let description: usize = offers
        .iter()
        .filter_map(|o| o.description.as_ref())
        .map(String::len)
        .sum();
    let sample = &offers[..offers.len().min(10_000)];
    let json: usize = sample
        .iter()
        .filter_map(|o| serde_json::to_string(o).ok())
        .map(|j| j.len())
        .sum();
    println!(
        "average bytes: title {}, description {}, offer JSON {}",
        title / count,
        description / count,
        json / sample.len().max(1)
    );
}

/// What building the documents costs alone, on one thread (the caller's, in an ingest).
fn report_document_building(offers: &[Offer]) -> BenchResult<()> {
    let scratch = tempfile::tempdir()?;
    let index = OfferIndex::open_or_create(scratch.path())?;
    let started = Instant::now();
    let docs = index.prebuild_documents(offers)?;
    let per_offer = started.elapsed().as_secs_f64() * 1e6 / docs.len().max(1) as f64;
    println!("building the documents alone: {per_offer:.1} µs/offer");
    Ok(())
}

fn open(dir: &Path, threads: Option<usize>) -> BenchResult<OfferIndex> {
    Ok(match threads {
        Some(threads) => OfferIndex::open_or_create_with_indexing_threads(dir, threads)?,
        None => OfferIndex::open_or_create(dir)?,
    })
}

/// tantivy alone: pre-built documents into a fresh index, committed.
fn time_tantivy(offers: &[Offer], threads: Option<usize>) -> BenchResult<Timing> {
    let scratch = tempfile::tempdir()?;
    let index = open(scratch.path(), threads)?;
    let docs = index.prebuild_documents(offers)?;
    let timing = timed(|| Ok(index.index_prebuilt(docs)?))?;
    index.release_writer();
    Ok(timing)
}

/// The offers ingested into a fresh index, then ingested again over themselves.
fn time_ingests(offers: &mut [Offer], threads: Option<usize>) -> BenchResult<(Timing, Timing)> {
    let scratch = tempfile::tempdir()?;
    let index = open(scratch.path(), threads)?;
    let first = timed(|| ingest(&index, &mut *offers))?;
    // Untimed: finish merges the first commit started, so they do not land in the next timing.
    index.release_writer();
    let second = timed(|| ingest(&index, &mut *offers))?;
    index.release_writer();
    Ok((first, second))
}

fn ingest(index: &OfferIndex, offers: &mut [Offer]) -> BenchResult<()> {
    let mut sink = IndexSink::new(index.clone());
    let meta = IngestMeta::default();
    let outcome = ingest_offers(&mut sink, SOURCE, IngestOptions::default(), offers, &meta)?;
    if outcome.stats.num_offers != offers.len() as u64 {
        let num_offers = outcome.stats.num_offers;
        return Err(format!("indexed {num_offers} of {} offers", offers.len()).into());
    }
    Ok(())
}

fn timed(step: impl FnOnce() -> BenchResult<()>) -> BenchResult<Timing> {
    let (started, cpu_before) = (Instant::now(), process_cpu());
    step()?;
    Ok(Timing {
        wall: started.elapsed(),
        cpu: process_cpu().saturating_sub(cpu_before),
    })
}

fn median(mut timings: Vec<Timing>) -> Timing {
    timings.sort_by_key(|t| t.wall);
    let wall = timings.get(timings.len() / 2).map(|t| t.wall);
    timings.sort_by_key(|t| t.cpu);
    let cpu = timings.get(timings.len() / 2).map(|t| t.cpu);
    Timing {
        wall: wall.unwrap_or_default(),
        cpu: cpu.unwrap_or_default(),
    }
}
