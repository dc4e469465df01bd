//! The price fields of a record: the price a shopper pays, the regular price when a sale price
//! replaced it, and the optional prices (old price, shipping) that are dropped with a warning
//! when they do not parse.

use super::report::{Reject, warn};
use super::values::Values;
use crate::mapping::Field;
use crate::price_parser::{ParsedPrice, parse_price};
use crate::record::RecordWarning;
use feedmill_model::{Currency, Decimal, RejectReason};

/// What the price fields of a record come to.
pub(super) struct Prices {
    /// What the shopper pays.
    pub(super) price: Decimal,
    /// The regular price, when a sale price replaced it.
    pub(super) old_price_from_sale: Option<Decimal>,
    /// The currency the price string named.
    pub(super) price_currency: Option<Currency>,
    /// The sale price was above the price: it is kept in `extra`, not taken for a price.
    pub(super) sale_set_aside: bool,
}

/// The price to show. A sale price below the price replaces it; one that does not parse or is
/// negative is dropped with a warning. One above the price is no sale (some shop exports write
/// the crossed-out "compare at" price there): the price stays, the sale price goes to `extra`
/// under its key, and a `sale_price_above_price` warning says so; no discount is claimed.
pub(super) fn price_of(
    values: &Values,
    hint: Option<Currency>,
    warnings: &mut Vec<RecordWarning>,
) -> Result<Prices, Reject> {
    let regular = match values.first(Field::Price) {
        Some(raw) => Some(parse_required_price(raw, hint)?),
        None => None,
    };
    let sale = sale_price_of(values, hint, warnings);
    let prices = |price: Decimal, old: Option<Decimal>, currency: Option<Currency>| Prices {
        price,
        old_price_from_sale: old,
        price_currency: currency,
        sale_set_aside: false,
    };
    match (regular, sale) {
        (Some(regular), Some(sale)) if sale.amount < regular.amount => Ok(prices(
            sale.amount,
            Some(regular.amount),
            regular.currency.or(sale.currency),
        )),
        (Some(regular), Some(sale)) if sale.amount > regular.amount => {
            let detail = format!(
                "sale_price {} above price {}: kept the price, the sale price in extra",
                sale.amount, regular.amount
            );
            warn(warnings, "sale_price_above_price", detail);
            Ok(Prices {
                sale_set_aside: true,
                ..prices(regular.amount, None, regular.currency)
            })
        }
        (Some(regular), _) => Ok(prices(regular.amount, None, regular.currency)),
        (None, Some(sale)) => Ok(prices(sale.amount, None, sale.currency)),
        (None, None) => Err((
            "price",
            RejectReason::MissingPrice,
            "record has no price".into(),
        )),
    }
}

/// The sale price when there is one that parses and is not negative; else a warning.
fn sale_price_of(
    values: &Values,
    hint: Option<Currency>,
    warnings: &mut Vec<RecordWarning>,
) -> Option<ParsedPrice> {
    let raw = values.first(Field::SalePrice)?;
    match parse_price(raw, hint) {
        Ok(parsed) if parsed.amount >= Decimal::ZERO => Some(parsed),
        Ok(_) => {
            warn(
                warnings,
                "bad_sale_price",
                format!("sale_price {raw:?} is negative: dropped"),
            );
            None
        }
        Err(err) => {
            warn(
                warnings,
                "bad_sale_price",
                format!("sale_price {raw:?} dropped: {err}"),
            );
            None
        }
    }
}

fn parse_required_price(raw: &str, hint: Option<Currency>) -> Result<ParsedPrice, Reject> {
    let parsed =
        parse_price(raw, hint).map_err(|err| ("price", RejectReason::BadPrice, err.to_string()))?;
    if parsed.amount < Decimal::ZERO {
        return Err((
            "price",
            RejectReason::NegativePrice,
            format!("price {raw:?} is negative"),
        ));
    }
    Ok(parsed)
}

/// Shipping and old price: dropped with a warning when they don't parse. Google's CSV writes
/// shipping as `SE:::49.00 SEK`; the price is the part after the last colon.
pub(super) fn optional_price(
    values: &Values,
    field: Field,
    hint: Option<Currency>,
    warnings: &mut Vec<RecordWarning>,
) -> Option<Decimal> {
    let raw = values.first(field)?;
    let raw = raw.rsplit(':').next().unwrap_or(raw);
    match parse_price(raw, hint) {
        Ok(parsed) if parsed.amount >= Decimal::ZERO => Some(parsed.amount),
        Ok(_) | Err(_) => {
            let kind = if field == Field::Shipping {
                "bad_shipping"
            } else {
                "bad_old_price"
            };
            warn(warnings, kind, format!("{} {raw:?} dropped", field.name()));
            None
        }
    }
}
