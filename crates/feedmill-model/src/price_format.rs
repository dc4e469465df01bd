//! How exact prices are written: decimal strings with at least two places, never floats.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// Writes a price with at least two decimal places: `699` → `"699.00"`, `4.5` → `"4.50"`,
/// `0.125` → `"0.125"`. The value is never rounded.
pub fn format_price(price: Decimal) -> String {
    let mut price = price.normalize();
    if price.scale() < 2 {
        price.rescale(2);
    }
    price.to_string()
}

/// The price in integer minor units of a two-decimal currency (`12.99` → `1299`), the form the
/// index sorts and filters on. Fractions of a cent are rounded half away from zero; `None` when
/// the amount does not fit.
pub fn minor_units(price: Decimal) -> Option<i64> {
    price
        .checked_mul(Decimal::ONE_HUNDRED)?
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
}

pub(crate) mod serde_price {
    use super::format_price;
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::str::FromStr;

    pub fn serialize<S: Serializer>(price: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_price(*price))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(deserializer)?;
        Decimal::from_str(&text).map_err(serde::de::Error::custom)
    }
}

pub(crate) mod serde_opt_price {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        price: &Option<Decimal>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match price {
            Some(price) => super::serde_price::serialize(price, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Decimal>, D::Error> {
        let text = Option::<String>::deserialize(deserializer)?;
        text.map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn writes_two_places_at_least() {
        assert_eq!(format_price(dec("699")), "699.00");
        assert_eq!(format_price(dec("4.5")), "4.50");
        assert_eq!(format_price(dec("1299.000")), "1299.00");
        assert_eq!(format_price(dec("0.125")), "0.125");
    }

    #[test]
    fn converts_to_minor_units() {
        assert_eq!(minor_units(dec("12.99")), Some(1299));
        assert_eq!(minor_units(dec("0.005")), Some(1));
        assert_eq!(minor_units(Decimal::MAX), None);
    }
}
