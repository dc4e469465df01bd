//! Suite: a batch begun from the known states the last batch left
//! ([`PriceHistoryStore::resume_price_batch`]) answers exactly as one that loaded them, and one
//! whose states were written by another batch since is loaded again.

use super::day;
use super::summary_suite::seen;
use crate::error::StoreResult;
use crate::price_batch::{KnownOffers, PriceBatch};
use crate::price_history::PriceObservation;
use crate::store::Store;

/// What a batch says of `offers` and of the offers it did not see, without writing anything.
fn answers(
    store: &impl Store,
    batch: &mut PriceBatch,
    offers: &[PriceObservation],
    every_offer: &[&str],
) -> StoreResult<String> {
    let summaries = store.observe_prices(batch, offers)?;
    let gone: Vec<bool> = every_offer.iter().map(|id| batch.is_gone(id)).collect();
    Ok(format!(
        "{summaries:?} gone {gone:?} any gone {}",
        batch.has_gone()
    ))
}

pub(crate) fn a_resumed_batch_answers_as_a_loaded_one(store: &impl Store) -> StoreResult<()> {
    let every_offer = ["a", "b", "c", "d"];
    // b disappears on day 2 and returns on day 4; c's first price cannot be stored; d is new
    // on day 3; a changes, stays and changes again.
    let schedule: [&[PriceObservation]; 6] = [
        &[seen("a", "10.00"), seen("b", "20.00")],
        &[
            seen("a", "12.00"),
            seen("b", "20.00"),
            seen("c", "0.000001"),
        ],
        &[seen("a", "12.00"), seen("c", "0.000001")],
        &[seen("a", "9.00"), seen("d", "5.00"), seen("c", "3.00")],
        &[seen("a", "9.00"), seen("b", "19.00"), seen("d", "5.00")],
        &[
            seen("a", "9.00"),
            seen("b", "19.00"),
            seen("d", "5.00"),
            seen("c", "3.00"),
        ],
    ];
    let mut kept: Option<KnownOffers> = None;
    for (when, offers) in schedule.into_iter().enumerate() {
        let when = day(i64::try_from(when).unwrap_or_default() * 3);
        let mut loaded = store.begin_price_batch("shop", when)?;
        let expected = answers(store, &mut loaded, offers, &every_offer)?;
        let mut batch = match kept.take() {
            Some(known) => store.resume_price_batch(when, known)?,
            None => store.begin_price_batch("shop", when)?,
        };
        let resumed = answers(store, &mut batch, offers, &every_offer)?;
        assert_eq!(resumed, expected, "batch at {when}");
        let (_, known) = store.finish_price_batch_keeping(batch)?;
        assert_eq!(known.source(), "shop");
        assert_eq!(store.price_state_token("shop")?, Some(known.token()));
        kept = Some(known);
    }
    Ok(())
}

pub(crate) fn states_written_by_another_batch_are_loaded_again(
    store: &impl Store,
) -> StoreResult<()> {
    store.record_prices("shop", day(0), &[seen("a", "10.00")])?;
    let mut batch = store.begin_price_batch("shop", day(1))?;
    store.observe_prices(&mut batch, &[seen("a", "10.00")])?;
    let (_, kept) = store.finish_price_batch_keeping(batch)?;
    // Another process records a new price; the states kept above no longer hold.
    store.record_prices("shop", day(2), &[seen("a", "8.00")])?;
    assert_ne!(store.price_state_token("shop")?, Some(kept.token()));
    let mut resumed = store.resume_price_batch(day(3), kept)?;
    let mut loaded = store.begin_price_batch("shop", day(3))?;
    let offers = [seen("a", "8.00")];
    assert_eq!(
        answers(store, &mut resumed, &offers, &["a"])?,
        answers(store, &mut loaded, &offers, &["a"])?
    );
    store.finish_price_batch(resumed)?;
    assert_eq!(
        store.price_points("shop", "a", day(0))?.len(),
        2,
        "8.00 was not recorded twice"
    );
    Ok(())
}
