//! What a backend sorts, filters and facets an offer by, computed once for every backend so that
//! they answer alike: the price as integer minor units ([`price_key`]), the percent off the old
//! price ([`discount_percent`]) and the steps of a category path ([`category_steps`]).

use feedmill_model::{Offer, minor_units};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The price as sortable integer minor units. A price too large for `i64` minor units (above
/// 92 quadrillion, up to `Decimal::MAX`, for which `minor_units` answers `None`) cannot be real;
/// it saturates rather than failing the feed.
pub fn price_key(price: Decimal) -> i64 {
    minor_units(price).unwrap_or(if price.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// Percent off the old price, when the offer shows one above its price.
pub fn discount_percent(offer: &Offer) -> Option<f64> {
    let old = offer.old_price?;
    if old <= offer.price || old <= Decimal::ZERO {
        return None;
    }
    ((old - offer.price) / old * Decimal::ONE_HUNDRED).to_f64()
}

/// The steps of a `" > "` category path, trimmed, empty steps dropped.
pub fn category_steps(path: &str) -> Vec<String> {
    path.split('>')
        .map(|step| step.trim().replace('\0', ""))
        .filter(|step| !step.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturates_absurd_prices() {
        assert_eq!(price_key(Decimal::from(12)), 1200);
        assert_eq!(price_key(Decimal::new(12345, 3)), 1235);
        assert_eq!(price_key(Decimal::MAX), i64::MAX);
        assert_eq!(price_key(Decimal::MIN), i64::MIN);
        assert_eq!(price_key(Decimal::from(10i64.pow(17))), i64::MAX);
    }

    #[test]
    fn splits_category_paths() {
        assert_eq!(
            category_steps("Sport >  Skor > > Löparskor "),
            ["Sport", "Skor", "Löparskor"]
        );
        assert!(category_steps(" > ").is_empty());
    }
}
