//! The first whole-catalogue grouped search after a commit (`group_by=gtin`, no text, relevance
//! and cheapest first), with the reload's warming of the new snapshot off and on
//! (`OfferIndex::set_snapshot_warming`), alternating in one run over one index.
//!
//! Each round, once per mode: both sorts asked once (so they are known to be in demand), a
//! small source re-ingested through the pipeline (one commit, its time taken: with warming it
//! includes the builds), then the first search of each sort on the new snapshot timed, and a
//! second one for comparison. Medians over the rounds per mode, and how many tables and lists
//! searches and reloads built.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example grouped_refresh -- [offers] [rounds] [index-dir]
//! ```

use feedmill_benches::catalogue::{Generator, OfferShape, build_index};
use feedmill_benches::measure::{BenchResult, quantile};
use feedmill_gen::rng::SplitMix64;
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex, SearchRequest, SortOrder};
use feedmill_model::Offer;
use feedmill_pipeline::{IndexSink, ingest_offers};
use std::path::PathBuf;
use std::time::Instant;

const SORTS: [SortOrder; 2] = [SortOrder::Relevance, SortOrder::PriceAsc];
/// Offers of the source each round re-ingests.
const REFRESHED: usize = 2_000;

/// Times in ms of one mode: the commit, the first search after it, the second.
#[derive(Default)]
struct Samples {
    commit: Vec<f64>,
    first: Vec<f64>,
    second: Vec<f64>,
}

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let num_offers: usize = args.get(1).map_or(Ok(200_000), |a| a.parse())?;
    let rounds: usize = args.get(2).map_or(Ok(7), |a| a.parse())?;
    let dir = args.get(3).map_or_else(
        || std::env::temp_dir().join(format!("feedmill-grouped-refresh-{num_offers}")),
        PathBuf::from,
    );
    let index = build_index(&dir, num_offers, 4, OfferShape::FEED)?;
    eprintln!("{} offers in {}", index.num_offers(), dir.display());
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(0x5EED);
    let mut modes = [Samples::default(), Samples::default()];
    for round in 0..rounds {
        for (warming, samples) in [false, true].into_iter().zip(modes.iter_mut()) {
            index.set_snapshot_warming(warming);
            for sort in SORTS {
                index.search(&whole_catalogue(sort))?;
            }
            let started = Instant::now();
            refresh(&index, &generator, &mut rng, round)?;
            samples.commit.push(ms(started));
            for sort in SORTS {
                samples.first.push(timed_search(&index, sort)?);
                samples.second.push(timed_search(&index, sort)?);
            }
        }
    }
    report(num_offers, &index, &mut modes);
    Ok(())
}

fn whole_catalogue(sort: SortOrder) -> SearchRequest {
    SearchRequest {
        sort,
        group_by_gtin: true,
        ..SearchRequest::default()
    }
}

fn timed_search(index: &OfferIndex, sort: SortOrder) -> BenchResult<f64> {
    let started = Instant::now();
    index.search(&whole_catalogue(sort))?;
    Ok(ms(started))
}

/// Re-ingests the source `refresh` with new offers: one commit, a new snapshot.
fn refresh(
    index: &OfferIndex,
    generator: &Generator,
    rng: &mut SplitMix64,
    round: usize,
) -> BenchResult<()> {
    let mut offers: Vec<Offer> = (0..REFRESHED)
        .map(|i| generator.offer(rng, OfferShape::FEED, "refresh", i))
        .collect();
    let meta = IngestMeta {
        content_hash: format!("refresh-{round}-{}", rng.next_u64()),
        ..IngestMeta::default()
    };
    let options = IngestOptions {
        force: true,
        ..IngestOptions::default()
    };
    let mut sink = IndexSink::new(index.clone());
    ingest_offers(&mut sink, "refresh", options, &mut offers, &meta)?;
    Ok(())
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e3
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    quantile(values, 0.5)
}

fn report(num_offers: usize, index: &OfferIndex, modes: &mut [Samples; 2]) {
    println!("whole catalogue grouped, {num_offers} offers: medians in ms");
    println!("| warming | commit | first search after it | second search |");
    println!("|---|---|---|---|");
    let mut firsts = Vec::new();
    for (name, samples) in ["off", "on"].into_iter().zip(modes.iter_mut()) {
        let first = median(&mut samples.first);
        firsts.push(first);
        println!(
            "| {name} | {:.1} | {first:.2} (max {:.2}) | {:.2} |",
            median(&mut samples.commit),
            samples.first.last().copied().unwrap_or_default(),
            median(&mut samples.second),
        );
    }
    if let [off, on] = firsts[..] {
        println!("first search after a commit, off ÷ on: {:.0}", off / on);
    }
    let (by_searches, by_reloads) = index.grouped_builds();
    println!("tables and lists built by searches: {by_searches}, by reloads: {by_reloads}");
}
