//! The offer's availability: what the feed states, else what a stock count implies, else what
//! a delivery time in days implies (Heureka's `DELIVERY_DATE`: 0 = in stock at the shop, more =
//! orderable and shipped later, i.e. backorder; a date = backorder until then).

use super::report::warn;
use super::values::Values;
use crate::mapping::Field;
use crate::record::RecordWarning;
use crate::timestamp::parse_timestamp;
use feedmill_model::Availability;

/// The availability; text that says nothing understood is dropped with a warning (the offer's
/// availability is then unknown).
pub(super) fn availability_of(values: &Values, warnings: &mut Vec<RecordWarning>) -> Availability {
    let stated = values
        .all(Field::Availability)
        .map(Availability::from_text)
        .find(|a| *a != Availability::Unknown);
    let from_stock = || {
        values
            .first(Field::StockQuantity)
            .map(Availability::from_text)
            .filter(|a| *a != Availability::Unknown)
    };
    let from_delivery = || {
        values
            .first(Field::DeliveryDays)
            .and_then(from_delivery_days)
    };
    let availability = stated.or_else(from_stock).or_else(from_delivery);
    if availability.is_none() {
        if let Some(raw) = values.first(Field::Availability) {
            let detail = format!("availability {raw:?} not understood: dropped");
            warn(warnings, "bad_availability", detail);
        } else if let Some(raw) = values.first(Field::DeliveryDays) {
            let detail = format!("delivery_days {raw:?} not understood: dropped");
            warn(warnings, "bad_delivery_days", detail);
        }
    }
    availability.unwrap_or_default()
}

/// `0` → in stock; `3`, `1-3`, `4 days` or a date → backorder; anything else → none.
fn from_delivery_days(raw: &str) -> Option<Availability> {
    let raw = raw.trim();
    let leading: String = raw.chars().take_while(char::is_ascii_digit).collect();
    let rest = raw[leading.len()..].trim_start();
    let is_days = rest.is_empty() || rest.starts_with('-') || rest.starts_with(char::is_alphabetic);
    match leading.parse::<u32>() {
        Ok(0) if rest.is_empty() => Some(Availability::InStock),
        Ok(_) if is_days && leading.len() <= 3 => Some(Availability::Backorder),
        _ => parse_timestamp(raw).map(|_| Availability::Backorder),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_days_tell_stock() {
        assert_eq!(from_delivery_days("0"), Some(Availability::InStock));
        for later in ["3", "1-3", "14 dní", "2026-12-24"] {
            assert_eq!(
                from_delivery_days(later),
                Some(Availability::Backorder),
                "{later}"
            );
        }
        assert_eq!(from_delivery_days("ask us"), None);
    }
}
