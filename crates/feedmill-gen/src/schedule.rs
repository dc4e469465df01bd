//! The order of a feed: which position holds a bad record, and which product each good position
//! offers.
//!
//! - Bad records sit at fixed positions that depend only on the feed size and `bad_share`
//!   (position `i` is bad when `⌊(i+1)·share⌋ > ⌊i·share⌋`), so exactly `⌊offers·share⌋` records
//!   are bad, spread evenly, and the seed never moves them. Their kinds take turns in the order
//!   of [`BadKind::ALL`].
//! - Every product is offered by 2–8 merchants. Real feeds (and feeds merged from several shops)
//!   do not list a product's offers side by side, so the offers of up to [`WINDOW`] open
//!   products are interleaved at random; a product's offers end up a few thousand records apart,
//!   across the normalizer's batches, which is what makes grouping by GTIN real work. The
//!   window is the generator's only state, a few KiB whatever the feed size.

use crate::bad_kind::BadKind;
use crate::rng::SplitMix64;

/// Products whose offers are being interleaved at one time.
pub const WINDOW: usize = 512;
/// Fewest and most offers (merchants) per product.
pub const MIN_OFFERS_PER_PRODUCT: u64 = 2;
pub const MAX_OFFERS_PER_PRODUCT: u64 = 8;
const STREAM_SCHEDULE: u64 = 4;

/// What goes at one position of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The `offer`-th offer (0-based) of product `product`.
    Offer { product: u64, offer: u64 },
    /// The `index`-th bad record (0-based).
    Bad { index: u64, kind: BadKind },
}

#[derive(Debug, Clone)]
struct OpenProduct {
    product: u64,
    planned: u64,
    placed: u64,
}

/// An iterator over the slots of a feed, front to back.
#[derive(Debug, Clone)]
pub struct Schedule {
    rng: SplitMix64,
    total: u64,
    position: u64,
    bad_share: f64,
    num_bad: u64,
    /// Good positions not yet filled.
    good_left: u64,
    /// Offers planned for open products and not yet placed.
    pending: u64,
    open: Vec<OpenProduct>,
    next_product: u64,
}

impl Schedule {
    /// `bad_share` must lie in `[0, 1]` (checked by the caller).
    pub fn new(offers: u64, seed: u64, bad_share: f64) -> Schedule {
        Schedule {
            rng: SplitMix64::derive(seed, &[STREAM_SCHEDULE]),
            total: offers,
            position: 0,
            bad_share,
            num_bad: 0,
            good_left: offers - num_bad_records(offers, bad_share),
            pending: 0,
            open: Vec::with_capacity(WINDOW),
            next_product: 0,
        }
    }

    fn is_bad(&self, position: u64) -> bool {
        let before = (position as f64 * self.bad_share).floor();
        let after = ((position + 1) as f64 * self.bad_share).floor();
        after > before
    }

    /// Opens the next product with 2–8 planned offers, never leaving exactly one good position
    /// without a product (it could only be a product with a single offer).
    fn open_product(&mut self) {
        let free = self.good_left - self.pending;
        let mut planned = self
            .rng
            .range(MIN_OFFERS_PER_PRODUCT, MAX_OFFERS_PER_PRODUCT)
            .min(free);
        if free - planned == 1 {
            planned = if planned > MIN_OFFERS_PER_PRODUCT {
                planned - 1
            } else {
                planned + 1
            };
        }
        self.open.push(OpenProduct {
            product: self.next_product,
            planned,
            placed: 0,
        });
        self.next_product += 1;
        self.pending += planned;
    }
}

/// How many of `offers` records are bad: `⌊offers·share⌋`, computed exactly as the positions
/// are (the per-position differences telescope to it).
pub fn num_bad_records(offers: u64, bad_share: f64) -> u64 {
    ((offers as f64 * bad_share).floor() as u64).min(offers)
}

impl Iterator for Schedule {
    type Item = Slot;

    fn next(&mut self) -> Option<Slot> {
        if self.position >= self.total {
            return None;
        }
        let position = self.position;
        self.position += 1;
        if self.is_bad(position) {
            let index = self.num_bad;
            self.num_bad += 1;
            let kind = BadKind::ALL[(index % BadKind::ALL.len() as u64) as usize];
            return Some(Slot::Bad { index, kind });
        }
        if self.open.len() < WINDOW && self.good_left > self.pending {
            self.open_product();
        }
        // Not empty: when nothing is pending, a product was just opened.
        let chosen = self.rng.below(self.open.len() as u64) as usize;
        let open = &mut self.open[chosen];
        let slot = Slot::Offer {
            product: open.product,
            offer: open.placed,
        };
        open.placed += 1;
        if open.placed == open.planned {
            self.open.swap_remove(chosen);
        }
        self.pending -= 1;
        self.good_left -= 1;
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn offers_per_product(slots: &[Slot]) -> HashMap<u64, u64> {
        let mut counts = HashMap::new();
        for slot in slots {
            if let Slot::Offer { product, .. } = slot {
                *counts.entry(*product).or_insert(0) += 1;
            }
        }
        counts
    }

    #[test]
    fn bad_records_are_evenly_spread_and_counted_exactly() {
        for (offers, share) in [
            (10_000, 0.01),
            (999, 0.013),
            (50, 0.5),
            (7, 1.0),
            (100, 0.0),
        ] {
            let slots: Vec<Slot> = Schedule::new(offers, 1, share).collect();
            assert_eq!(slots.len() as u64, offers);
            let bad: Vec<u64> = (0..offers)
                .filter(|i| matches!(slots[*i as usize], Slot::Bad { .. }))
                .collect();
            assert_eq!(
                bad.len() as u64,
                num_bad_records(offers, share),
                "{offers} {share}"
            );
        }
        let slots: Vec<Slot> = Schedule::new(1_000, 9, 0.01).collect();
        assert!(matches!(
            slots[99],
            Slot::Bad {
                index: 0,
                kind: BadKind::MissingPrice
            }
        ));
        assert!(matches!(
            slots[199],
            Slot::Bad {
                index: 1,
                kind: BadKind::NegativePrice
            }
        ));
    }

    #[test]
    fn every_product_gets_two_to_eight_offers() {
        for offers in [2, 3, 5, 17, 1_000, 25_000] {
            let slots: Vec<Slot> = Schedule::new(offers, offers, 0.01).collect();
            let counts = offers_per_product(&slots);
            assert!(
                counts.values().all(|n| (2..=8).contains(n)),
                "{offers}: {counts:?}"
            );
            let products = counts.len() as u64;
            assert_eq!(products, counts.keys().max().map_or(0, |max| max + 1));
        }
    }

    #[test]
    fn offers_of_a_product_are_interleaved() {
        let slots: Vec<Slot> = Schedule::new(20_000, 3, 0.0).collect();
        let adjacent_same = slots
            .windows(2)
            .filter(|w| match (w[0], w[1]) {
                (Slot::Offer { product: a, .. }, Slot::Offer { product: b, .. }) => a == b,
                _ => false,
            })
            .count();
        assert!(
            adjacent_same < 100,
            "{adjacent_same} neighbours share a product"
        );
    }
}
