//! Measurements, ignored by default (the numbers depend on the machine and its disk); run them
//! by name in release mode:
//! `cargo test -p feedmill-store --release -- --ignored --nocapture measure_`.

use super::SqliteStore;
use super::sqlite_tests::order;
use crate::error::{StoreError, StoreResult};
use crate::price_history::PriceObservation;
use crate::store::{ConversionStore, PriceHistoryStore};
use crate::suite::{currency, day, dec};
use feedmill_model::Availability;
use std::sync::Arc;
use std::time::Instant;

/// Durable postback upserts per second with 32 concurrent callers. Measure it with
/// `cargo test -p feedmill-store --release -- --ignored --nocapture measure_group_commit_throughput`.
#[test]
#[ignore = "a measurement, not a check; run it by name"]
fn measure_group_commit_throughput() -> StoreResult<()> {
    const CALLERS: usize = 32;
    const UPSERTS_PER_CALLER: usize = 250;
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open(&dir.path().join("s.sqlite"))?);
    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let store = store.clone();
            std::thread::spawn(move || -> StoreResult<()> {
                for i in 0..UPSERTS_PER_CALLER {
                    store.upsert_conversion(
                        &order(&format!("c{caller}-{i}")),
                        currency("EUR"),
                        day(1),
                    )?;
                }
                Ok(())
            })
        })
        .collect();
    for caller in callers {
        caller.join().map_err(|_| StoreError::WriterStopped)??;
    }
    let elapsed = started.elapsed();
    let total = CALLERS * UPSERTS_PER_CALLER;
    println!(
        "{total} durable postback upserts by {CALLERS} callers in {:.2} s: {:.0}/s",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

/// A price batch of `FEEDMILL_STORE_MEASURE_OFFERS` offers (default 100,000): the first
/// ingest, then one where 5 % of the prices changed.
#[test]
#[ignore = "a measurement, not a check; run it by name"]
fn measure_price_batch() -> StoreResult<()> {
    let num_offers: usize = std::env::var("FEEDMILL_STORE_MEASURE_OFFERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("s.sqlite"))?;
    let observe = |changed_every: usize| -> Vec<PriceObservation<'static>> {
        (0..num_offers)
            .map(|i| PriceObservation {
                offer_id: format!("shop:acme:sku-{i:08}").into(),
                price: if changed_every > 0 && i % changed_every == 0 {
                    dec("17.99")
                } else {
                    dec("19.99")
                },
                old_price: Some(dec("24.99")),
                currency: currency("EUR"),
                availability: Availability::InStock,
                gtin: None,
                merchant: None,
            })
            .collect()
    };
    for (label, when, changed_every) in [("first ingest", 0, 0), ("5 % changed", 1, 20)] {
        let observations = observe(changed_every);
        let started = Instant::now();
        let stats = store.record_prices("shop", day(when), &observations)?;
        println!(
            "{label}: {num_offers} offers in {:.2} s ({} first, {} changed)",
            started.elapsed().as_secs_f64(),
            stats.num_first,
            stats.num_changed
        );
    }
    Ok(())
}
