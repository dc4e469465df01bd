//! [`GroupKey`]: a product (GTIN-14, or a matched product's id) in one currency, the key a
//! grouped search groups by.

use crate::schema::{GTIN_KEY, PRODUCT_KEY};
use feedmill_search::Grouping;

/// One product in one currency, packed in one word: the GTIN-14 as a number (under 10^14, so
/// 47 bits) or the matched product's key (48 bits) above the currency's three letters, 5 bits
/// each. One word hashes and compares in
/// one step, and keeps the groups' hash maps small: grouping looks one up for every match.
/// Keys order by GTIN, then currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct GroupKey(u64);

/// The bits of the currency letters.
const CURRENCY_BITS: u32 = 15;

impl GroupKey {
    /// The key of `gtin` in `currency` (ISO-4217 letters; anything else, such as the zero bytes
    /// of an offer without a currency, stands for "no currency").
    pub fn new(gtin: u64, currency: [u8; 3]) -> GroupKey {
        let letters = currency.iter().fold(0u64, |bits, byte| {
            let letter = match byte {
                b'A'..=b'Z' => u64::from(byte - b'A'),
                _ => 31,
            };
            bits << 5 | letter
        });
        GroupKey(gtin << CURRENCY_BITS | letters)
    }

    /// The GTIN (or the product key, grouping by product).
    pub fn gtin(&self) -> u64 {
        self.0 >> CURRENCY_BITS
    }

    pub fn gtin14(&self) -> String {
        format!("{:014}", self.gtin())
    }
}

/// The fast column a grouping reads each offer's group from.
pub(crate) fn group_column(grouping: Grouping) -> &'static str {
    match grouping {
        Grouping::Gtin => GTIN_KEY,
        Grouping::Product => PRODUCT_KEY,
    }
}
