//! Suite: daily GTIN lows against a brute-force computation over every observation.

use super::{day, dec};
use crate::error::{StoreError, StoreResult};
use crate::price_batch::KnownOffers;
use crate::price_history::PriceObservation;
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};
use feedmill_model::{Availability, Currency, Gtin};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// An offer of a schedule: id, merchant (`None`: the source's name stands in), currencies.
struct Offer {
    id: &'static str,
    merchant: Option<&'static str>,
    currencies: &'static [&'static str],
}

/// Two sources, one of them listing a merchant the other lists too, one a merchant without a
/// name, one an offer whose currency changes.
const SOURCES: [(&str, &[Offer]); 2] = [
    (
        "shop",
        &[
            Offer {
                id: "a1",
                merchant: Some("Acme"),
                currencies: &["EUR"],
            },
            Offer {
                id: "a2",
                merchant: Some("Acme"),
                currencies: &["EUR"],
            },
            Offer {
                id: "b1",
                merchant: None,
                currencies: &["EUR"],
            },
        ],
    ),
    (
        "other",
        &[
            Offer {
                id: "o1",
                merchant: Some("Acme"),
                currencies: &["EUR"],
            },
            Offer {
                id: "o2",
                merchant: Some("Dyn"),
                currencies: &["EUR", "SEK"],
            },
        ],
    ),
];

type Lows = BTreeMap<(String, String, String), Decimal>;

/// Random schedules of 0–2 batches a day per source over 20 days, each offer missing, out of
/// stock or at one of three prices in each batch; every day's merchant lows from the store
/// must be those of the observations, from any first day on.
pub(crate) fn daily_lows_agree_with_every_observation(store: &impl Store) -> StoreResult<()> {
    lows_agree_with_every_observation(store, Batches::Loaded)
}

/// The same schedules, each batch begun from the states and latest low rows its source's last
/// batch left in memory ([`Store::resume_price_batch`]).
pub(crate) fn daily_lows_agree_when_batches_resume_from_memory(
    store: &impl Store,
) -> StoreResult<()> {
    lows_agree_with_every_observation(store, Batches::Resumed(HashMap::new()))
}

/// How the schedules' batches begin.
enum Batches {
    /// Each loads its source's states from the store.
    Loaded,
    /// Each resumes from what its source's last batch left.
    Resumed(HashMap<String, KnownOffers>),
}

impl Batches {
    fn record(
        &mut self,
        store: &impl Store,
        source: &str,
        time: DateTime<Utc>,
        observations: &[PriceObservation],
    ) -> StoreResult<()> {
        let Batches::Resumed(kept) = self else {
            store.record_prices(source, time, observations)?;
            return Ok(());
        };
        let mut batch = match kept.remove(source) {
            Some(known) => store.resume_price_batch(time, known)?,
            None => store.begin_price_batch(source, time)?,
        };
        batch.observe(observations);
        let (_, known) = store.finish_price_batch_keeping(batch)?;
        kept.insert(source.to_owned(), known);
        Ok(())
    }
}

fn lows_agree_with_every_observation(store: &impl Store, mut batches: Batches) -> StoreResult<()> {
    let mut rng = fastrand::Rng::with_seed(20261205);
    for schedule in 0..12 {
        let gtin = Gtin::with_check_digit(&format!("400638133{schedule:03}"))
            .ok_or(StoreError::WriterStopped)?;
        let mut expected = Lows::new();
        for day_number in 0..20 {
            for (time, source, offers) in batches_of_day(&mut rng, day_number) {
                let observations = observe(&mut rng, &gtin, offers);
                for observation in &observations {
                    note_expected(&mut expected, day_number, source, observation);
                }
                let source = format!("{source}-{schedule}");
                batches.record(store, &source, time, &observations)?;
            }
        }
        let first_day = rng.i64(0..20);
        let found = found_lows(store, &gtin, day(first_day))?;
        let first_date = day(first_day).date_naive().to_string();
        expected.retain(|(date, _, _), _| *date >= first_date);
        assert_eq!(found, expected, "schedule {schedule} from day {first_day}");
    }
    Ok(())
}

fn batches_of_day(
    rng: &mut fastrand::Rng,
    day_number: i64,
) -> Vec<(DateTime<Utc>, &'static str, &'static [Offer])> {
    let midnight = day(day_number) - Duration::hours(12);
    let mut batches = Vec::new();
    for (source, offers) in SOURCES {
        for _ in 0..rng.usize(0..3) {
            let time = midnight + Duration::minutes(rng.i64(0..24 * 60));
            batches.push((time, source, offers));
        }
    }
    batches.sort_by_key(|(time, _, _)| *time);
    batches
}

fn observe(
    rng: &mut fastrand::Rng,
    gtin: &Gtin,
    offers: &[Offer],
) -> Vec<PriceObservation<'static>> {
    let mut observations = Vec::new();
    for offer in offers {
        if rng.u8(0..4) == 0 {
            continue;
        }
        let availability = if rng.u8(0..6) == 0 {
            Availability::OutOfStock
        } else {
            Availability::InStock
        };
        let code = offer.currencies[rng.usize(0..offer.currencies.len())];
        observations.push(PriceObservation {
            offer_id: offer.id.into(),
            price: dec(["9.00", "9.50", "10.00"][rng.usize(0..3)]),
            old_price: None,
            currency: Currency::parse(code).unwrap_or_else(|_| panic!("test currency {code}")),
            availability,
            gtin: Some(Cow::Owned(gtin.clone())),
            merchant: offer.merchant.map(Into::into),
        });
    }
    observations
}

fn note_expected(
    expected: &mut Lows,
    day_number: i64,
    source: &str,
    observation: &PriceObservation,
) {
    if observation.availability == Availability::OutOfStock {
        return;
    }
    let merchant = observation.merchant.as_deref().unwrap_or(source);
    let key = (
        day(day_number).date_naive().to_string(),
        observation.currency.code().to_owned(),
        merchant.to_owned(),
    );
    expected
        .entry(key)
        .and_modify(|low| *low = (*low).min(observation.price))
        .or_insert(observation.price);
}

/// The store's lows; the source-less merchant is named by its source without the schedule.
fn found_lows(store: &impl Store, gtin: &Gtin, since: DateTime<Utc>) -> StoreResult<Lows> {
    let mut found = Lows::new();
    for low in store.gtin_daily_lows(gtin, since)? {
        let lowest = low.merchants.iter().map(|m| m.low_price).min();
        assert_eq!(
            Some(low.low_price),
            lowest,
            "the market low is its lowest merchant's"
        );
        for merchant in low.merchants {
            let name = match merchant.merchant.split_once('-') {
                Some((source, _)) => source.to_owned(),
                None => merchant.merchant,
            };
            let key = (low.day.to_string(), low.currency.code().to_owned(), name);
            assert!(
                found.insert(key, merchant.low_price).is_none(),
                "one row per merchant"
            );
        }
    }
    Ok(found)
}
