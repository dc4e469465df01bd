//! Latency of `GET /products/{gtin}/history` over a store holding a long price history.
//!
//! Builds the search benchmark's catalogue (`num_offers` generated offers in 10 sources, two
//! in three with a GTIN of 200,000 products, `Merchant 0`..`Merchant 299`) into an index in
//! `work_dir`, and records `num_days` daily refreshes of it into the store beside it with
//! `record_prices` (day 0 sees every offer, each later day changes the price of 5 % of them),
//! so the store holds every offer's change points and each GTIN's daily low per merchant for
//! every day. Then the API serves both (the harness's `ServedIndex`, as `feedmill serve` runs)
//! and one client asks for the 90-day history of `NUM_REQUESTS` GTINs drawn from the
//! catalogue, one request at a time; each is timed from request to the last byte of the
//! answer, and p50, p99 and max are printed, with the store's size.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example history_api_bench -- [num_offers] [num_days] [work_dir]
//! ```
//! Defaults: 1,000,000 offers, 90 days, a temporary folder. A `work_dir` whose store already
//! holds history is reused as it is.

use chrono::{Duration as Days, Utc};
use feedmill_benches::catalogue::{CATALOGUE_SEED, Generator, OfferShape, build_index};
use feedmill_benches::http_load::ServedIndex;
use feedmill_benches::measure::{BenchResult, dir_size};
use feedmill_gen::rng::SplitMix64;
use feedmill_model::{Decimal, Gtin, Offer};
use feedmill_store::{PriceHistoryStore, PriceObservation, SqliteStore};
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const NUM_SOURCES: usize = 10;
const NUM_REQUESTS: usize = 2_000;
/// One offer in this many changes its price on each later day (5 %).
const CHANGE_ONE_IN: u64 = 20;

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num_offers: usize = args.first().map_or(Ok(1_000_000), |a| a.parse())?;
    let num_days: i64 = args.get(1).map_or(Ok(90), |a| a.parse())?;
    let scratch = tempfile::tempdir()?;
    let work = args.get(2).map_or(scratch.path(), |dir| Path::new(dir));
    std::fs::create_dir_all(work)?;
    let index = Arc::new(build_index(
        &work.join("index"),
        num_offers,
        NUM_SOURCES,
        OfferShape::SHORT,
    )?);
    let store_path = work.join("feedmill.db");
    let store = SqliteStore::open(&store_path)?;
    let mut sources = catalogue(num_offers)?;
    let gtins: Vec<String> = sources
        .iter()
        .flatten()
        .filter_map(|offer| Some(offer.gtin.as_ref()?.as_str().to_string()))
        .collect();
    if has_history(&store, &gtins) {
        eprintln!("reusing the history in {}", store_path.display());
    } else {
        record_history(&store, &mut sources, num_days)?;
    }
    drop(sources);
    drop(store);
    println!(
        "store: {} offers × {num_days} days, {:.1} MB",
        num_offers,
        dir_size(work)?.saturating_sub(dir_size(&work.join("index"))?) as f64 / 1e6
    );
    let served = ServedIndex::start(index, 0, work)?;
    let times = time_requests(served.base(), &gtins)?;
    served.stop()?;
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "GET /products/{{gtin}}/history?days=90  {} requests  p50 {:.2?}  p99 {:.2?}  max {:.2?}",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    Ok(())
}

/// Whether the store holds history already: a daily low of one of the catalogue's GTINs.
fn has_history(store: &SqliteStore, gtins: &[String]) -> bool {
    let since = Utc::now() - Days::days(400);
    gtins.iter().take(20).any(|gtin| {
        Gtin::parse(gtin).is_ok_and(|gtin| {
            store
                .gtin_daily_lows(&gtin, since)
                .is_ok_and(|lows| !lows.is_empty())
        })
    })
}

/// The catalogue's offers by source, as `build_index` generates them.
fn catalogue(num_offers: usize) -> BenchResult<Vec<Vec<Offer>>> {
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(CATALOGUE_SEED);
    Ok((0..NUM_SOURCES)
        .map(|s| {
            let source = format!("source{s}");
            (s..num_offers)
                .step_by(NUM_SOURCES)
                .map(|i| generator.offer(&mut rng, OfferShape::SHORT, &source, i))
                .collect()
        })
        .collect())
}

fn record_history(
    store: &SqliteStore,
    sources: &mut [Vec<Offer>],
    num_days: i64,
) -> BenchResult<()> {
    let mut rng = SplitMix64::new(91);
    let first_day = Utc::now() - Days::days(num_days);
    for day in 0..num_days {
        let started = Instant::now();
        let mut num_changed = 0;
        for (s, offers) in sources.iter_mut().enumerate() {
            if day > 0 {
                for offer in offers.iter_mut() {
                    if rng.next_u64().is_multiple_of(CHANGE_ONE_IN) {
                        let cents = (rng.next_u64() % 500_000) as i64 + 100;
                        offer.price = Decimal::new(cents, 2);
                    }
                }
            }
            let seen: Vec<PriceObservation> = offers.iter().map(observation).collect();
            let at = first_day + Days::days(day) + Days::minutes(s as i64);
            let stats = store.record_prices(&format!("source{s}"), at, &seen)?;
            num_changed += stats.num_changed + stats.num_first;
        }
        eprintln!(
            "day {day}: {num_changed} change points in {:.1?}",
            started.elapsed()
        );
    }
    Ok(())
}

fn observation(offer: &Offer) -> PriceObservation<'_> {
    PriceObservation {
        offer_id: Cow::Borrowed(&offer.id),
        price: offer.price,
        old_price: offer.old_price,
        currency: offer.currency,
        availability: offer.availability,
        gtin: offer.gtin.as_ref().map(Cow::Borrowed),
        merchant: offer.merchant_name.as_deref().map(Cow::Borrowed),
    }
}

/// Times `NUM_REQUESTS` sequential requests for GTINs drawn from the catalogue's offers (so
/// every request finds history; a product with more offers is drawn more often, as shoppers
/// look at popular products more).
fn time_requests(base: &str, gtins: &[String]) -> BenchResult<Vec<Duration>> {
    if gtins.is_empty() {
        return Err("the catalogue has no GTINs".into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::new();
    let mut rng = SplitMix64::new(5);
    let mut times = Vec::with_capacity(NUM_REQUESTS);
    runtime.block_on(async {
        for n in 0..NUM_REQUESTS + 50 {
            let gtin = &gtins[(rng.next_u64() % gtins.len() as u64) as usize];
            let url = format!("{base}/products/{gtin}/history?days=90");
            let started = Instant::now();
            let response = client.get(&url).send().await?;
            let status = response.status();
            let body = response.bytes().await?;
            let took = started.elapsed();
            if !status.is_success() {
                return Err(format!("{url}: {status}: {}", String::from_utf8_lossy(&body)).into());
            }
            // The first requests open the connection and warm the caches.
            if n >= 50 {
                times.push(took);
            }
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })?;
    times.sort();
    Ok(times)
}
