//! [`MerchantRanks`]: what `sort=epc` ranks offers by — each merchant's place by its earnings
//! per click (EPC), computed by whoever holds the earnings (the API, from its store) and
//! carried in the [`SearchRequest`](crate::SearchRequest), so a backend sorts by it without
//! knowing where it came from.
//!
//! A table holds the EPCs of one currency only: EPCs in different currencies are never
//! compared (no exchange rate touches money). It lists only merchants with enough clicks for
//! their EPC to mean something (the caller's threshold); every other merchant is *unranked*
//! and sorts after all ranked ones. Merchants are named as offers and clicks name them: the
//! merchant's name as written, else its id.
//!
//! Tables are compared and hashed by identity (a stamp unique to each table made), not by
//! content: the search cache keys an answer by its request, and a fresh table (new EPCs) must
//! miss the answers sorted by the old one, while hashing a table of thousands of merchants per
//! request would cost more than it saves.

use feedmill_model::Currency;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// Stamps handed out so far; each table takes the next.
static NEXT_STAMP: AtomicU64 = AtomicU64::new(1);

/// Merchants by their EPC in one currency, best first; see the module doc.
#[derive(Debug, Clone)]
pub struct MerchantRanks {
    stamp: u64,
    currency: Option<Currency>,
    /// Merchant → place, 0 for the best EPC; equal EPCs share a place.
    places: HashMap<String, u32>,
    /// Merchant → EPC, as ranked.
    epcs: HashMap<String, Decimal>,
}

impl MerchantRanks {
    /// A table of `currency` from the EPCs of the merchants with enough clicks (a merchant
    /// listed twice keeps its higher EPC).
    pub fn new(
        currency: Option<Currency>,
        epcs: impl IntoIterator<Item = (String, Decimal)>,
    ) -> MerchantRanks {
        let mut by_merchant: HashMap<String, Decimal> = HashMap::new();
        for (merchant, epc) in epcs {
            let best = by_merchant.entry(merchant).or_insert(epc);
            *best = (*best).max(epc);
        }
        let mut ordered: Vec<(&String, &Decimal)> = by_merchant.iter().collect();
        ordered.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let mut places = HashMap::with_capacity(ordered.len());
        let mut place = 0u32;
        let mut previous: Option<&Decimal> = None;
        for (index, (merchant, epc)) in ordered.into_iter().enumerate() {
            if previous.is_some_and(|p| p != epc) {
                place = u32::try_from(index).unwrap_or(u32::MAX);
            }
            previous = Some(epc);
            places.insert(merchant.clone(), place);
        }
        MerchantRanks {
            stamp: NEXT_STAMP.fetch_add(1, Ordering::Relaxed),
            currency,
            places,
            epcs: by_merchant,
        }
    }

    /// A table that ranks nobody: every offer is unranked, so `sort=epc` is relevance order.
    pub fn empty(currency: Option<Currency>) -> MerchantRanks {
        MerchantRanks::new(currency, [])
    }

    /// The merchant's place (0 is the best EPC); `None` when it is unranked.
    pub fn place(&self, merchant: &str) -> Option<u32> {
        self.places.get(merchant).copied()
    }

    /// The EPC the merchant was ranked by.
    pub fn epc(&self, merchant: &str) -> Option<Decimal> {
        self.epcs.get(merchant).copied()
    }

    /// The currency whose EPCs this table compares.
    pub fn currency(&self) -> Option<Currency> {
        self.currency
    }

    pub fn num_merchants(&self) -> usize {
        self.places.len()
    }

    /// A sort key: higher is better; every ranked merchant above every unranked one (0).
    pub fn sort_key(&self, merchant: &str) -> u32 {
        self.place(merchant).map_or(0, |place| u32::MAX - place)
    }
}

impl PartialEq for MerchantRanks {
    fn eq(&self, other: &MerchantRanks) -> bool {
        self.stamp == other.stamp
    }
}

impl Eq for MerchantRanks {}

impl Hash for MerchantRanks {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.stamp.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap_or_default()
    }

    #[test]
    fn places_follow_the_epc_and_ties_share_one() {
        let ranks = MerchantRanks::new(
            None,
            [
                ("Low".to_string(), dec("0.10")),
                ("High".to_string(), dec("2.50")),
                ("TieA".to_string(), dec("1.00")),
                ("TieB".to_string(), dec("1.00")),
            ],
        );
        assert_eq!(ranks.place("High"), Some(0));
        assert_eq!(ranks.place("TieA"), Some(1));
        assert_eq!(ranks.place("TieB"), Some(1));
        assert_eq!(ranks.place("Low"), Some(3));
        assert_eq!(ranks.place("Thin"), None);
        assert!(ranks.sort_key("Low") > ranks.sort_key("Thin"));
        assert!(ranks.sort_key("High") > ranks.sort_key("TieA"));
        assert_eq!(ranks.epc("High"), Some(dec("2.50")));
    }

    #[test]
    fn tables_are_equal_only_to_themselves() {
        let a = MerchantRanks::new(None, [("M".to_string(), dec("1"))]);
        let b = MerchantRanks::new(None, [("M".to_string(), dec("1"))]);
        assert_eq!(a, a.clone());
        assert_ne!(
            a, b,
            "a new table must not answer from another's cache entries"
        );
    }
}
