//! Suite: the summaries a batch answers while observing agree with the offer's stored points,
//! whether computed (a change) or kept from an earlier batch (unchanged).

use super::{currency, day, dec};
use crate::error::StoreResult;
use crate::price_history::PriceObservation;
use crate::price_summary::{PriceSummary, price_summary};
use crate::store::Store;
use chrono::{DateTime, Utc};
use feedmill_model::Availability;

/// An in-stock EUR observation of `offer` at `price`, without GTIN or merchant.
pub(super) fn seen(offer: &str, price: &str) -> PriceObservation<'static> {
    PriceObservation {
        offer_id: offer.to_owned().into(),
        price: dec(price),
        old_price: None,
        currency: currency("EUR"),
        availability: Availability::InStock,
        gtin: None,
        merchant: None,
    }
}

fn observe(
    store: &impl Store,
    when: i64,
    offers: &[PriceObservation],
) -> StoreResult<Vec<Option<PriceSummary>>> {
    let mut batch = store.begin_price_batch("shop", day(when))?;
    let summaries = store.observe_prices(&mut batch, offers)?;
    store.finish_price_batch(batch)?;
    Ok(summaries)
}

fn from_points(store: &impl Store, offer: &str) -> StoreResult<Option<PriceSummary>> {
    let points = store.price_points("shop", offer, DateTime::<Utc>::MIN_UTC)?;
    Ok(price_summary(&points))
}

pub(crate) fn observed_summaries_agree_with_the_points(store: &impl Store) -> StoreResult<()> {
    let schedule = [
        (0, ["100.00", "50.00"]),
        (10, ["100.00", "40.00"]),
        (35, ["100.00", "40.00"]),
        (40, ["80.00", "40.00"]),
        (41, ["80.00", "45.00"]),
    ];
    for (when, [a, b]) in schedule {
        let summaries = observe(store, when, &[seen("a", a), seen("b", b)])?;
        assert_eq!(summaries[0], from_points(store, "a")?, "a on day {when}");
        assert_eq!(summaries[1], from_points(store, "b")?, "b on day {when}");
    }
    let a = from_points(store, "a")?;
    assert_eq!(a.map(|s| s.lowest_30d), Some(Some(dec("100.00"))));
    assert_eq!(a.map(|s| s.previous_price), Some(Some(dec("100.00"))));
    Ok(())
}

pub(crate) fn a_summary_is_computed_for_offers_recorded_without_one(
    store: &impl Store,
) -> StoreResult<()> {
    store.record_prices("shop", day(0), &[seen("a", "20.00")])?;
    let summaries = observe(store, 5, &[seen("a", "20.00")])?;
    assert_eq!(summaries[0].map(|s| s.current_since), Some(day(0)));
    assert_eq!(summaries[0], from_points(store, "a")?);
    let again = observe(store, 6, &[seen("a", "20.00")])?;
    assert_eq!(again, summaries, "kept by the first batch that computed it");
    Ok(())
}
