//! What price history costs, in one run over the harness catalogue (`OfferShape::FEED`):
//! - **ingest, history on vs off**: a day-0 ingest, then a refresh where 5 % of the prices
//!   changed, timed with the history (`PriceHistorySink` in front of the index: one price batch,
//!   the changed offers' points read, the honest numbers indexed) and without (the index alone,
//!   on a second index holding the same day 0);
//! - **database size**: the store after `days` simulated daily refreshes at 5 % changes, and its
//!   bytes per change point (first sightings included);
//! - **search p99, honest fields on vs off**: the harness's catalogue mix plus `sort=discount`
//!   on the index with the honest numbers and on the one without.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example history_bench -- [num_offers] [days] [num_queries]
//! ```
//! Defaults: 200,000 offers, 10 days, 2,000 queries. Times are wall-clock medians of the refresh
//! days (each day is one on and one off ingest, alternating which goes first).

use chrono::{DateTime, Utc};
use feedmill_benches::catalogue::{CATALOGUE_SEED, Generator, OfferShape};
use feedmill_benches::measure::{BenchResult, dir_size, quantile};
use feedmill_benches::query_mix::catalogue_mix;
use feedmill_fetch::ManualClock;
use feedmill_gen::rng::SplitMix64;
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex, SearchRequest, SortOrder};
use feedmill_model::Offer;
use feedmill_pipeline::{IndexSink, OfferSink, PriceHistory, ingest_offers};
use feedmill_store::{SqliteStore, Store};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SOURCE: &str = "bench";
/// Share of prices changed per simulated day.
const CHANGE_SHARE: f64 = 0.05;
const DAY: Duration = Duration::from_secs(86_400);

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let num_offers: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(200_000);
    let days: u32 = args.next().map(|n| n.parse()).transpose()?.unwrap_or(10);
    let num_queries: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(2_000);
    let mut offers = generate(num_offers)?;
    let dir = tempfile::tempdir()?;
    let with_history = OfferIndex::open_or_create(&dir.path().join("with"))?;
    let without = OfferIndex::open_or_create(&dir.path().join("without"))?;
    let db = dir.path().join("feedmill.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db)?);
    let start = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    let clock = ManualClock::starting_at(u64::try_from(start.timestamp_millis())?);
    let history = PriceHistory::new(store, Arc::new(clock.clone()));
    let day0_on = ingest(
        history.sink(IndexSink::new(with_history.clone())),
        &mut offers,
        0,
    )?;
    let day0_off = ingest(IndexSink::new(without.clone()), &mut offers, 0)?;
    println!("day 0: history on {day0_on:.2?}, off {day0_off:.2?} ({num_offers} offers)");
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for day in 1..=days {
        clock.advance(DAY);
        change_prices(&mut offers, day);
        let sink_on = history.sink(IndexSink::new(with_history.clone()));
        let sink_off = IndexSink::new(without.clone());
        let (time_on, time_off) = if day % 2 == 0 {
            let t_on = ingest(sink_on, &mut offers, day)?;
            (t_on, ingest(sink_off, &mut offers, day)?)
        } else {
            let t_off = ingest(sink_off, &mut offers, day)?;
            (ingest(sink_on, &mut offers, day)?, t_off)
        };
        println!("day {day}: history on {time_on:.2?}, off {time_off:.2?}");
        on.push(time_on);
        off.push(time_off);
    }
    report_ingest(num_offers, &mut on, &mut off);
    report_size(&dir.path().join("feedmill.db"), num_offers, days)?;
    report_search(&with_history, &without, num_queries)?;
    Ok(())
}

fn generate(num_offers: usize) -> BenchResult<Vec<Offer>> {
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(CATALOGUE_SEED);
    Ok((0..num_offers)
        .map(|i| generator.offer(&mut rng, OfferShape::FEED, SOURCE, i))
        .collect())
}

/// A different 5 % of the offers each day: 70–120 % of their price, to the cent.
fn change_prices(offers: &mut [Offer], day: u32) {
    let mut rng = SplitMix64::derive(CATALOGUE_SEED, &[0x415, u64::from(day)]);
    for offer in offers.iter_mut() {
        if rng.chance(CHANGE_SHARE) {
            let percent = Decimal::from(70 + rng.below(51));
            offer.price = (offer.price * percent / Decimal::ONE_HUNDRED).round_dp(2);
        }
    }
}

/// One source replacement through `sink`; its wall time.
fn ingest<S: OfferSink>(mut sink: S, offers: &mut [Offer], day: u32) -> BenchResult<Duration> {
    let started = Instant::now();
    let meta = IngestMeta {
        content_hash: format!("day-{day}"),
        ..IngestMeta::default()
    };
    ingest_offers(&mut sink, SOURCE, IngestOptions::default(), offers, &meta)?;
    Ok(started.elapsed())
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn report_ingest(num_offers: usize, on: &mut [Duration], off: &mut [Duration]) {
    let (on, off) = (median(on), median(off));
    println!(
        "refresh of {num_offers} offers, 5 % changed: history on {:.2} s, off {:.2} s: {:.2}×",
        on.as_secs_f64(),
        off.as_secs_f64(),
        on.as_secs_f64() / off.as_secs_f64().max(1e-9)
    );
}

fn report_size(db: &std::path::Path, num_offers: usize, days: u32) -> BenchResult<()> {
    let parent = db.parent().ok_or("the store has no folder")?;
    let mut bytes = 0;
    for entry in std::fs::read_dir(parent)? {
        let entry = entry?;
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with("feedmill.db")
        {
            bytes += entry.metadata()?.len();
        }
    }
    let points = num_offers as f64 * (1.0 + CHANGE_SHARE * f64::from(days));
    println!(
        "store after day 0 + {days} daily refreshes: {:.1} MB, ~{points:.0} change points, \
         {:.0} bytes per point (the last-known-state row of each offer included); indexes: {:.1} MB",
        bytes as f64 / 1e6,
        bytes as f64 / points,
        dir_size(parent)? as f64 / 1e6 - bytes as f64 / 1e6
    );
    Ok(())
}

/// p50 and p99 of the mix on each index, alternating, after one warm-up pass of each.
fn report_search(on: &OfferIndex, off: &OfferIndex, num_queries: usize) -> BenchResult<()> {
    let mut requests: Vec<SearchRequest> = catalogue_mix(num_queries, false)?
        .into_iter()
        .map(|mixed| mixed.request)
        .collect();
    for (i, request) in requests.iter_mut().enumerate() {
        if i % 5 == 0 {
            request.sort = SortOrder::Discount;
        }
    }
    for request in &requests {
        on.search(request)?;
        off.search(request)?;
    }
    let (mut times_on, mut times_off) = (Vec::new(), Vec::new());
    for request in &requests {
        let started = Instant::now();
        on.search(request)?;
        times_on.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        off.search(request)?;
        times_off.push(started.elapsed().as_secs_f64() * 1e3);
    }
    times_on.sort_by(f64::total_cmp);
    times_off.sort_by(f64::total_cmp);
    let (p99_on, p99_off) = (quantile(&times_on, 0.99), quantile(&times_off, 0.99));
    println!(
        "search ({} requests): honest fields on p50 {:.2} ms p99 {:.2} ms; off p50 {:.2} ms p99 {:.2} ms: p99 {:.2}×",
        requests.len(),
        quantile(&times_on, 0.5),
        p99_on,
        quantile(&times_off, 0.5),
        p99_off,
        p99_on / p99_off.max(1e-9)
    );
    Ok(())
}
