//! Reading typed values out of rows: money, times, currencies and the store's enums.

use crate::attribution::{Attribution, AttributionMethod};
use crate::click::ClickId;
use crate::conversion::ConversionStatus;
use crate::error::{StoreError, StoreResult};
use crate::stored::{money_from_stored, time_from_stored};
use chrono::{DateTime, Utc};
use feedmill_model::{Currency, Network};
use rusqlite::Row;
use rust_decimal::Decimal;
use std::str::FromStr;

fn corrupt(column: &'static str, value: impl ToString) -> StoreError {
    StoreError::Corrupt {
        column,
        value: value.to_string(),
    }
}

/// The text of column `index`, borrowed from the row (no copy until the caller keeps it).
pub(super) fn borrowed_text<'row>(
    row: &'row Row<'_>,
    index: usize,
    column: &'static str,
) -> StoreResult<&'row str> {
    row.get_ref(index)?
        .as_str()
        .map_err(|err| corrupt(column, err))
}

pub(super) fn money(row: &Row<'_>, column: &'static str) -> StoreResult<Decimal> {
    Ok(money_from_stored(row.get(column)?))
}

pub(super) fn optional_money(row: &Row<'_>, column: &'static str) -> StoreResult<Option<Decimal>> {
    Ok(row.get::<_, Option<i64>>(column)?.map(money_from_stored))
}

pub(super) fn time(row: &Row<'_>, column: &'static str) -> StoreResult<DateTime<Utc>> {
    time_from_stored(column, row.get(column)?)
}

pub(super) fn optional_time(
    row: &Row<'_>,
    column: &'static str,
) -> StoreResult<Option<DateTime<Utc>>> {
    let micros: Option<i64> = row.get(column)?;
    micros.map(|m| time_from_stored(column, m)).transpose()
}

pub(super) fn currency(row: &Row<'_>, column: &'static str) -> StoreResult<Currency> {
    let code: String = row.get(column)?;
    Currency::parse(&code).map_err(|_| corrupt(column, code))
}

/// The currency in column `index`, parsed from the row's text without copying it.
pub(super) fn currency_at(
    row: &Row<'_>,
    index: usize,
    column: &'static str,
) -> StoreResult<Currency> {
    let code = borrowed_text(row, index, column)?;
    Currency::parse(code).map_err(|_| corrupt(column, code))
}

pub(super) fn status(row: &Row<'_>, column: &'static str) -> StoreResult<ConversionStatus> {
    let text: String = row.get(column)?;
    ConversionStatus::from_str(&text)
}

pub(super) fn network(row: &Row<'_>, column: &'static str) -> StoreResult<Network> {
    let text: String = row.get(column)?;
    Network::from_str(&text).map_err(|_| corrupt(column, text))
}

pub(super) fn optional_network(
    row: &Row<'_>,
    column: &'static str,
) -> StoreResult<Option<Network>> {
    let text: Option<String> = row.get(column)?;
    text.map(|t| Network::from_str(&t).map_err(|_| corrupt(column, t)))
        .transpose()
}

pub(super) fn click_id(row: &Row<'_>, column: &'static str) -> StoreResult<ClickId> {
    let text: String = row.get(column)?;
    ClickId::parse(&text).ok_or_else(|| corrupt(column, text))
}

/// The `attributed_click` and `attribution` columns.
pub(super) fn attribution(row: &Row<'_>) -> StoreResult<Attribution> {
    let click: Option<String> = row.get("attributed_click")?;
    let method: Option<String> = row.get("attribution")?;
    let click_id = click
        .map(|text| ClickId::parse(&text).ok_or_else(|| corrupt("attributed_click", text)))
        .transpose()?;
    let method = method
        .map(|text| AttributionMethod::parse(&text).ok_or_else(|| corrupt("attribution", text)))
        .transpose()?;
    Ok(Attribution { click_id, method })
}
