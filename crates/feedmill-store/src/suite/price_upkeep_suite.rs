//! Suite: the upkeep of the price history — daily lows pruned to the retention, and the feed
//! each source's history caught up to.

use super::{day, dec};
use crate::error::{StoreError, StoreResult};
use crate::price_history::PriceObservation;
use crate::store::Store;
use chrono::{DateTime, Utc};
use feedmill_model::{Availability, Currency, Gtin};
use rust_decimal::Decimal;
use std::borrow::Cow;

fn gtin() -> StoreResult<Gtin> {
    Gtin::parse("4006381333931").map_err(|_| StoreError::WriterStopped)
}

fn seen(price: &str) -> StoreResult<PriceObservation<'static>> {
    Ok(PriceObservation {
        offer_id: "a".into(),
        price: dec(price),
        old_price: None,
        currency: Currency::parse("EUR").map_err(|_| StoreError::WriterStopped)?,
        availability: Availability::InStock,
        gtin: Some(Cow::Owned(gtin()?)),
        merchant: Some("Acme".into()),
    })
}

/// Each day's market low, from the first day kept on.
fn market_lows(store: &impl Store) -> StoreResult<Vec<(String, Decimal)>> {
    let lows = store.gtin_daily_lows(&gtin()?, DateTime::<Utc>::MIN_UTC)?;
    Ok(lows
        .iter()
        .map(|low| (low.day.to_string(), low.low_price))
        .collect())
}

pub(crate) fn pruning_drops_the_daily_lows_before_the_cut_and_keeps_the_rest(
    store: &impl Store,
) -> StoreResult<()> {
    // 10 on day 0, 8 on day 5, 8 again on day 12 (no row of its own), 9 on day 20.
    for (when, price) in [(0, "10"), (5, "8"), (12, "8"), (20, "9")] {
        store.record_prices("shop", day(when), &[seen(price)?])?;
    }
    let day_of = |when: i64| day(when).date_naive().to_string();
    assert_eq!(market_lows(store)?.len(), 4);
    assert!(store.prune_price_history(day(10))? > 0);
    assert_eq!(
        market_lows(store)?,
        [(day_of(12), dec("8")), (day_of(20), dec("9"))],
        "days 0 and 5 went; day 12 still reads day 5's low"
    );
    let since_cut = store.gtin_daily_lows(&gtin()?, day(10))?;
    assert_eq!(since_cut.len(), 2);
    assert_eq!(
        store.prune_price_history(day(10))?,
        0,
        "nothing more to prune"
    );
    Ok(())
}

pub(crate) fn a_batch_keeps_the_feed_it_caught_up_to(store: &impl Store) -> StoreResult<()> {
    assert_eq!(store.price_history_content_hash("shop")?, None);
    let mut batch = store.begin_price_batch("shop", day(0))?;
    batch.observe(&[seen("10")?]);
    batch.set_content_hash("hash-1");
    store.finish_price_batch(batch)?;
    assert_eq!(
        store.price_history_content_hash("shop")?.as_deref(),
        Some("hash-1")
    );
    assert_eq!(store.price_history_content_hash("other")?, None);
    let mut next = store.begin_price_batch("shop", day(1))?;
    next.set_content_hash("hash-2");
    store.finish_price_batch(next)?;
    assert_eq!(
        store.price_history_content_hash("shop")?.as_deref(),
        Some("hash-2")
    );
    // A batch that names no feed leaves the one recorded.
    store.record_prices("shop", day(2), &[])?;
    assert_eq!(
        store.price_history_content_hash("shop")?.as_deref(),
        Some("hash-2")
    );
    Ok(())
}
