//! The price-change schedule: what every offer of a catalogue costs on day N of a simulated
//! run of daily refreshes (`feedmill gen --day N --price-changes 5%`), deterministic per seed
//! and day, so sixty feeds replayed one per day give a price history whose every point is known.
//!
//! On day 0 every offer has its catalogue price. On each later day an ordinary offer changes
//! price with probability `share` (its own random stream per day): to 70–120 % of its catalogue
//! price, claiming the catalogue price as its "was" price when below it. A few offers are
//! traps for the honest 30-day low ([`Trap`], one in 25, by a hash of the offer):
//! - [`Trap::RaiseBeforeSale`]: raised by a quarter on day [`SALE_DAY`] − 31, then on
//!   [`SALE_DAY`] "20 % off" the raised price — just outside the 30-day window, so the honest
//!   low is the raised price;
//! - [`Trap::ReturnAfterGap`]: gone on days [`GAP_DAYS`], back at the same price;
//! - [`Trap::SeenThreeDays`]: listed on days [`SEEN_DAYS`] only;
//! - [`Trap::CurrencyChange`]: priced in another currency from [`CURRENCY_DAY`] on.

use crate::catalogue::OfferRecord;
use crate::rng::SplitMix64;
use std::ops::RangeInclusive;

const STREAM_TRAP: u64 = 5;
const STREAM_CHANGE: u64 = 6;
/// One offer in this many is a trap (of the four kinds in turn).
const TRAP_EVERY: u64 = 25;
pub const SALE_DAY: u32 = 40;
pub const GAP_DAYS: RangeInclusive<u32> = 20..=25;
pub const SEEN_DAYS: RangeInclusive<u32> = 5..=7;
pub const CURRENCY_DAY: u32 = 30;

/// Which day's prices to write, and how many offers change price each day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceChanges {
    pub day: u32,
    /// Share of ordinary offers whose price changes on a given day, in `[0, 1]`.
    pub share: f64,
}

/// How an offer's price behaves over the days; see the module doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trap {
    None,
    RaiseBeforeSale,
    ReturnAfterGap,
    SeenThreeDays,
    CurrencyChange,
}

/// What an offer is listed at on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayPrice {
    /// Minor units.
    pub price: i64,
    pub old_price: Option<i64>,
    pub currency: &'static str,
}

/// The trap of offer `offer` of product `product`.
pub fn trap_of(seed: u64, product: u64, offer: u64) -> Trap {
    let mut rng = SplitMix64::derive(seed, &[STREAM_TRAP, product, offer]);
    let draw = rng.below(TRAP_EVERY * 4);
    match draw {
        0 => Trap::RaiseBeforeSale,
        1 => Trap::ReturnAfterGap,
        2 => Trap::SeenThreeDays,
        3 => Trap::CurrencyChange,
        _ => Trap::None,
    }
}

/// What the offer of catalogue record `record` is listed at on `changes.day`; `None` when it is
/// not in that day's feed.
pub fn price_on_day(
    seed: u64,
    record: &OfferRecord<'_>,
    changes: PriceChanges,
) -> Option<DayPrice> {
    let (product, offer) = (record.product, record.offer);
    let base = DayPrice {
        price: record.price?,
        old_price: record.old_price,
        currency: record.currency,
    };
    let day = changes.day;
    match trap_of(seed, product, offer) {
        Trap::None => Some(ordinary(seed, product, offer, base, changes)),
        Trap::RaiseBeforeSale => Some(raise_before_sale(base, day)),
        Trap::ReturnAfterGap => (!GAP_DAYS.contains(&day)).then_some(base),
        Trap::SeenThreeDays => SEEN_DAYS.contains(&day).then_some(base),
        Trap::CurrencyChange if day >= CURRENCY_DAY => Some(DayPrice {
            price: base.price * 11,
            old_price: None,
            currency: if base.currency == "SEK" { "NOK" } else { "SEK" },
        }),
        Trap::CurrencyChange => Some(base),
    }
}

/// The catalogue price until the last day (≤ `day`) on which the offer's price changed.
fn ordinary(
    seed: u64,
    product: u64,
    offer: u64,
    base: DayPrice,
    changes: PriceChanges,
) -> DayPrice {
    let changed = (1..=changes.day).rev().find(|d| {
        SplitMix64::derive(seed, &[STREAM_CHANGE, product, offer, u64::from(*d)])
            .chance(changes.share)
    });
    let Some(changed) = changed else {
        return base;
    };
    let mut rng = SplitMix64::derive(
        seed,
        &[STREAM_CHANGE, product, offer, u64::from(changed), 1],
    );
    let regular = base.old_price.unwrap_or(base.price);
    let factor = 0.7 + 0.5 * rng.unit();
    let price = ((regular as f64 * factor).round() as i64).max(1);
    DayPrice {
        price,
        old_price: (price < regular).then_some(regular),
        currency: base.currency,
    }
}

fn raise_before_sale(base: DayPrice, day: u32) -> DayPrice {
    let regular = base.old_price.unwrap_or(base.price);
    let raised = regular + regular / 4;
    if day < SALE_DAY - 31 {
        return DayPrice {
            price: regular,
            old_price: None,
            ..base
        };
    }
    if day < SALE_DAY {
        return DayPrice {
            price: raised,
            old_price: None,
            ..base
        };
    }
    DayPrice {
        price: raised - raised / 5,
        old_price: Some(raised),
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GenFormat;
    use crate::catalogue::Catalogue;

    #[test]
    fn every_trap_occurs_and_prices_are_deterministic() {
        let catalogue = Catalogue::new(GenFormat::AwinCsv, 7);
        let mut traps = std::collections::HashSet::new();
        let mut num_changed = 0;
        for product in 0..2000 {
            let record = catalogue.offer(product, 0, product);
            traps.insert(trap_of(7, product, 0));
            let on = |day| price_on_day(7, &record, PriceChanges { day, share: 0.05 });
            assert_eq!(on(12), on(12), "deterministic");
            if trap_of(7, product, 0) == Trap::None && on(30) != on(0) {
                num_changed += 1;
            }
        }
        assert_eq!(traps.len(), 5, "{traps:?}");
        // Over 30 days at 5 % a day, about four offers in five have changed.
        assert!((1200..1900).contains(&num_changed), "{num_changed}");
    }

    #[test]
    fn the_traps_behave_as_documented() {
        let catalogue = Catalogue::new(GenFormat::AwinCsv, 7);
        let find = |trap| {
            (0..5000)
                .find(|p| trap_of(7, *p, 0) == trap)
                .map(|p| catalogue.offer(p, 0, p))
        };
        let on = |record: &OfferRecord<'_>, day| {
            price_on_day(7, record, PriceChanges { day, share: 0.05 })
        };
        let Some(raise) = find(Trap::RaiseBeforeSale) else {
            panic!("no raise trap")
        };
        let before = on(&raise, SALE_DAY - 32).map(|p| p.price);
        let raised = on(&raise, SALE_DAY - 31).map(|p| p.price);
        let sale = on(&raise, SALE_DAY);
        assert!(raised > before);
        assert_eq!(sale.and_then(|s| s.old_price), raised);
        let Some(gap) = find(Trap::ReturnAfterGap) else {
            panic!("no gap trap")
        };
        assert_eq!(on(&gap, *GAP_DAYS.start()), None);
        assert_eq!(on(&gap, *GAP_DAYS.end() + 1), on(&gap, 0));
        let Some(seen) = find(Trap::SeenThreeDays) else {
            panic!("no three-day trap")
        };
        let days: Vec<u32> = (0..60).filter(|d| on(&seen, *d).is_some()).collect();
        assert_eq!(days, [5, 6, 7]);
        let Some(moved) = find(Trap::CurrencyChange) else {
            panic!("no currency trap")
        };
        assert_ne!(
            on(&moved, CURRENCY_DAY).map(|p| p.currency),
            on(&moved, 0).map(|p| p.currency)
        );
    }
}
