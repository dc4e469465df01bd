//! Suite: price history recording, the 30-day low and its traps, GTIN lows and pruning.

use super::{currency, day, dec};
use crate::error::{StoreError, StoreResult};
use crate::price_history::{PointKind, PriceBatchStats, PriceObservation};
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};
use feedmill_model::{Availability, Gtin};
use std::borrow::Cow;

fn seen(offer: &str, price: &str, code: &str) -> PriceObservation<'static> {
    PriceObservation {
        offer_id: offer.to_owned().into(),
        price: dec(price),
        old_price: None,
        currency: currency(code),
        availability: Availability::InStock,
        gtin: None,
        merchant: None,
    }
}

fn ingest(
    store: &impl Store,
    when: DateTime<Utc>,
    offers: &[PriceObservation],
) -> StoreResult<PriceBatchStats> {
    store.record_prices("shop", when, offers)
}

/// Ingests one offer's price on each given day (`None`: the offer is missing that day).
fn replay(
    store: &impl Store,
    offer: &str,
    days: &[(i64, Option<(&str, &str)>)],
) -> StoreResult<()> {
    for (when, price) in days {
        let offers: Vec<_> = price.iter().map(|(p, c)| seen(offer, p, c)).collect();
        ingest(store, day(*when), &offers)?;
    }
    Ok(())
}

fn kinds(store: &impl Store, offer: &str) -> StoreResult<Vec<PointKind>> {
    let points = store.price_points("shop", offer, DateTime::<Utc>::MIN_UTC)?;
    Ok(points.iter().map(|p| p.kind).collect())
}

pub(crate) fn an_unchanged_observation_adds_nothing(store: &impl Store) -> StoreResult<()> {
    let first = ingest(store, day(0), &[seen("a", "10.00", "EUR")])?;
    assert_eq!(first.num_first, 1);
    let same = ingest(store, day(1), &[seen("a", "10.0", "EUR")])?;
    assert_eq!((same.num_unchanged, same.num_changed), (1, 0));
    assert_eq!(kinds(store, "a")?, [PointKind::First]);
    let claimed = PriceObservation {
        old_price: Some(dec("12.00")),
        ..seen("a", "10.00", "EUR")
    };
    assert_eq!(
        ingest(store, day(2), &[claimed])?.num_changed,
        1,
        "a new claim is a change"
    );
    let points = store.price_points("shop", "a", day(2))?;
    assert_eq!(points.len(), 1);
    assert_eq!(
        (points[0].price, points[0].old_price),
        (Some(dec("10.00")), Some(dec("12.00")))
    );
    Ok(())
}

pub(crate) fn a_disappearance_is_a_gap_and_a_return_is_marked(
    store: &impl Store,
) -> StoreResult<()> {
    ingest(
        store,
        day(0),
        &[seen("a", "1", "EUR"), seen("b", "2", "EUR")],
    )?;
    let gone = ingest(store, day(1), &[seen("a", "1", "EUR")])?;
    assert_eq!(gone.num_disappeared, 1);
    assert_eq!(
        store.thirty_day_low("shop", "b")?,
        None,
        "a gone offer has no current price"
    );
    let back = ingest(
        store,
        day(2),
        &[seen("a", "1", "EUR"), seen("b", "2", "EUR")],
    )?;
    assert_eq!(back.num_returned, 1);
    ingest(store, day(3), &[seen("a", "1", "EUR")])?;
    let still_gone = ingest(store, day(4), &[seen("a", "1", "EUR")])?;
    assert_eq!(still_gone.num_disappeared, 0, "a gap is written once");
    use PointKind::*;
    assert_eq!(kinds(store, "b")?, [First, Gap, Return, Gap]);
    let gap = store.price_points("shop", "b", day(4))?;
    assert_eq!((gap.len(), gap[0].price), (1, None), "a gap has no price");
    Ok(())
}

pub(crate) fn the_low_ignores_a_raise_31_days_before_a_sale(store: &impl Store) -> StoreResult<()> {
    replay(
        store,
        "a",
        &[
            (0, Some(("100", "EUR"))),
            (60, Some(("150", "EUR"))),
            (91, Some(("120", "EUR"))),
            (95, Some(("120", "EUR"))),
        ],
    )?;
    let low = store
        .thirty_day_low("shop", "a")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        low.current_since,
        day(91),
        "the window ends where the sale began, not today"
    );
    assert_eq!(
        low.lowest,
        Some(dec("150")),
        "the raise was in effect for all 30 days"
    );
    assert_eq!(
        (low.previous_price, low.history_days),
        (Some(dec("150")), 91)
    );
    Ok(())
}

pub(crate) fn a_raise_29_days_before_a_sale_is_seen(store: &impl Store) -> StoreResult<()> {
    replay(
        store,
        "a",
        &[
            (0, Some(("100", "EUR"))),
            (62, Some(("150", "EUR"))),
            (91, Some(("120", "EUR"))),
        ],
    )?;
    let low = store
        .thirty_day_low("shop", "a")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        low.lowest,
        Some(dec("100")),
        "100 was still the price when the window opened"
    );
    Ok(())
}

pub(crate) fn a_price_that_returns_after_a_gap(store: &impl Store) -> StoreResult<()> {
    replay(
        store,
        "a",
        &[
            (0, Some(("80", "EUR"))),
            (10, None),
            (20, Some(("100", "EUR"))),
            (35, Some(("90", "EUR"))),
        ],
    )?;
    let low = store
        .thirty_day_low("shop", "a")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        (low.current_since, low.lowest),
        (day(35), Some(dec("80"))),
        "80 applied when the window opened"
    );
    replay(
        store,
        "b",
        &[
            (0, Some(("90", "EUR"))),
            (5, None),
            (40, Some(("90", "EUR"))),
        ],
    )?;
    let low = store
        .thirty_day_low("shop", "b")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        low.current_since,
        day(40),
        "a gap breaks the run: the price began again"
    );
    assert_eq!(
        low.lowest,
        Some(dec("90")),
        "an empty window carries the last known price forward"
    );
    Ok(())
}

pub(crate) fn an_offer_seen_for_3_days_has_no_low(store: &impl Store) -> StoreResult<()> {
    replay(
        store,
        "a",
        &[(0, Some(("50", "EUR"))), (3, Some(("40", "EUR")))],
    )?;
    let low = store
        .thirty_day_low("shop", "a")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        (low.lowest, low.history_days, low.previous_price),
        (None, 3, Some(dec("50")))
    );
    assert_eq!(low.current_price, dec("40"));
    Ok(())
}

pub(crate) fn a_currency_change_restarts_the_history(store: &impl Store) -> StoreResult<()> {
    replay(
        store,
        "a",
        &[
            (0, Some(("100", "EUR"))),
            (40, Some(("1100", "SEK"))),
            (50, Some(("1000", "SEK"))),
        ],
    )?;
    let low = store
        .thirty_day_low("shop", "a")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        (low.history_days, low.lowest, low.currency),
        (10, None, currency("SEK"))
    );
    replay(store, "a", &[(75, Some(("900", "SEK")))])?;
    let low = store
        .thirty_day_low("shop", "a")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        (low.history_days, low.lowest),
        (35, Some(dec("1000"))),
        "EUR 100 never counts"
    );
    Ok(())
}

pub(crate) fn gtin_daily_lows_per_merchant_and_market(store: &impl Store) -> StoreResult<()> {
    let gtin = Gtin::parse("4006381333931").map_err(|_| StoreError::WriterStopped)?;
    let offer = |id: &str, price: &str, merchant: &str, availability| PriceObservation {
        gtin: Some(Cow::Owned(gtin.clone())),
        merchant: Some(merchant.to_owned().into()),
        availability,
        ..seen(id, price, "EUR")
    };
    let in_stock = Availability::InStock;
    ingest(
        store,
        day(0),
        &[
            offer("a", "10.00", "Acme", in_stock),
            offer("c", "5.00", "Cheap", Availability::OutOfStock),
        ],
    )?;
    ingest(
        store,
        day(0) + Duration::hours(2),
        &[
            offer("a", "8.00", "Acme", in_stock),
            offer("c", "5.00", "Cheap", Availability::OutOfStock),
        ],
    )?;
    store.record_prices("other", day(0), &[offer("b", "9.50", "Bolt", in_stock)])?;
    ingest(store, day(1), &[offer("a", "11.00", "Acme", in_stock)])?;
    let lows = store.gtin_daily_lows(&gtin, day(0))?;
    assert_eq!(lows.len(), 2);
    assert_eq!(
        (lows[0].day.to_string(), lows[0].low_price),
        ("2026-01-01".into(), dec("8.00"))
    );
    let merchants: Vec<_> = lows[0]
        .merchants
        .iter()
        .map(|m| (m.merchant.as_str(), m.low_price))
        .collect();
    assert_eq!(
        merchants,
        [("Acme", dec("8.00")), ("Bolt", dec("9.50"))],
        "out of stock is no market low"
    );
    assert_eq!(lows[1].low_price, dec("11.00"));
    assert_eq!(store.gtin_daily_lows(&gtin, day(1))?.len(), 1);
    Ok(())
}

pub(crate) fn pruning_keeps_the_point_in_effect(store: &impl Store) -> StoreResult<()> {
    replay(
        store,
        "a",
        &[
            (0, Some(("100", "EUR"))),
            (10, Some(("90", "EUR"))),
            (20, Some(("80", "EUR"))),
        ],
    )?;
    assert_eq!(store.prune_price_history(day(15))?, 1);
    let points = store.price_points("shop", "a", DateTime::<Utc>::MIN_UTC)?;
    let times: Vec<_> = points.iter().map(|p| p.time).collect();
    assert_eq!(
        times,
        [day(10), day(20)],
        "90 was still in effect at the cut"
    );
    assert_eq!(store.prune_price_history(day(15))?, 0);
    Ok(())
}

pub(crate) fn an_observation_that_cannot_be_stored_is_reported(
    store: &impl Store,
) -> StoreResult<()> {
    ingest(store, day(0), &[seen("a", "10", "EUR")])?;
    let stats = ingest(store, day(1), &[seen("a", "0.000001", "EUR")])?;
    assert_eq!((stats.num_rejected, stats.num_disappeared), (1, 0));
    assert_eq!(
        stats.rejected.first().map(|r| r.offer_id.as_str()),
        Some("a")
    );
    assert_eq!(kinds(store, "a")?, [PointKind::First]);
    Ok(())
}
