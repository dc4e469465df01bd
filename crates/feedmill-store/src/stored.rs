//! How values are written to columns: money as exact integers, times as microseconds.
//!
//! Money is an `INTEGER` of ten-thousandths (`amount × 10⁴`): exact, summed and compared by SQL
//! itself (`SUM`, `MIN`) without floats, and the same `BIGINT` in Postgres. Four decimals cover
//! every network's figures (two) and sub-cent feed prices; an amount with more decimals, or
//! beyond ±922 billion, is refused with its field named rather than rounded. Times are `INTEGER`
//! microseconds since the Unix epoch (UTC), the precision of Postgres' `timestamptz`, so
//! ranges and day buckets are integer arithmetic.

use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// Decimal places of a stored amount.
pub(crate) const MONEY_SCALE: u32 = 4;
pub(crate) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// `amount` as stored ten-thousandths; `field` names it in the error.
pub(crate) fn money_to_stored(field: &'static str, amount: Decimal) -> StoreResult<i64> {
    let refuse = |reason| StoreError::Amount {
        field,
        value: amount.to_string(),
        reason,
    };
    let normalized = amount.normalize();
    if normalized.scale() > MONEY_SCALE {
        return Err(refuse("more than 4 decimal places"));
    }
    let scaled = normalized
        .checked_mul(Decimal::from(10_000))
        .ok_or_else(|| refuse("too large"))?;
    i64::try_from(scaled.trunc()).map_err(|_| refuse("too large"))
}

/// Stored ten-thousandths back as a decimal with at least two decimals (`12.5` → `12.50`).
pub(crate) fn money_from_stored(stored: i64) -> Decimal {
    let mut amount = Decimal::new(stored, MONEY_SCALE).normalize();
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount
}

pub(crate) fn optional_money(
    field: &'static str,
    amount: Option<Decimal>,
) -> StoreResult<Option<i64>> {
    amount.map(|a| money_to_stored(field, a)).transpose()
}

pub(crate) fn time_to_stored(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

pub(crate) fn time_from_stored(column: &'static str, micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros).ok_or(StoreError::Corrupt {
        column,
        value: micros.to_string(),
    })
}

/// The UTC day a stored time falls on, as days since the epoch.
pub(crate) fn day_of(micros: i64) -> i64 {
    micros.div_euclid(MICROS_PER_DAY)
}

pub(crate) fn date_of_day(column: &'static str, day: i64) -> StoreResult<NaiveDate> {
    time_from_stored(column, day.saturating_mul(MICROS_PER_DAY)).map(|t| t.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap_or_default()
    }

    #[test]
    fn money_round_trips_exactly() -> StoreResult<()> {
        for text in ["0.00", "199.99", "12345678.90", "-3.50", "0.0001"] {
            let stored = money_to_stored("amount", dec(text))?;
            assert_eq!(money_from_stored(stored), dec(text));
        }
        assert_eq!(
            money_from_stored(money_to_stored("amount", dec("12.5"))?).to_string(),
            "12.50"
        );
        Ok(())
    }

    #[test]
    fn money_with_too_many_decimals_is_refused_by_name() {
        let err = money_to_stored("gross_amount", dec("1.00001"));
        assert!(matches!(
            err,
            Err(StoreError::Amount {
                field: "gross_amount",
                ..
            })
        ));
        assert!(money_to_stored("amount", Decimal::MAX).is_err());
    }

    #[test]
    fn days_split_at_utc_midnight() {
        assert_eq!(day_of(MICROS_PER_DAY - 1), 0);
        assert_eq!(day_of(MICROS_PER_DAY), 1);
        assert_eq!(day_of(-1), -1);
    }
}
