//! Reading typed values out of Postgres rows: money, times, currencies and the store's enums,
//! by column name, never panicking on a value that does not fit.

use crate::attribution::{Attribution, AttributionMethod};
use crate::click::{ClickId, GroupBy};
use crate::conversion::ConversionStatus;
use crate::error::{StoreError, StoreResult};
use crate::stored::{date_of_day, money_from_stored, time_from_stored};
use chrono::{DateTime, Utc};
use feedmill_model::{Currency, Network};
use postgres::Row;
use postgres::types::FromSql;
use rust_decimal::Decimal;
use std::str::FromStr;

pub(super) fn corrupt(column: &'static str, value: impl ToString) -> StoreError {
    StoreError::Corrupt {
        column,
        value: value.to_string(),
    }
}

/// Column `column` of `row` (a name or an index).
pub(super) fn get<'a, T: FromSql<'a>>(
    row: &'a Row,
    column: impl postgres::row::RowIndex + std::fmt::Display,
) -> StoreResult<T> {
    Ok(row.try_get(column)?)
}

pub(super) fn money(row: &Row, column: &'static str) -> StoreResult<Decimal> {
    Ok(money_from_stored(get(row, column)?))
}

pub(super) fn optional_money(row: &Row, column: &'static str) -> StoreResult<Option<Decimal>> {
    Ok(get::<Option<i64>>(row, column)?.map(money_from_stored))
}

pub(super) fn time(row: &Row, column: &'static str) -> StoreResult<DateTime<Utc>> {
    time_from_stored(column, get(row, column)?)
}

pub(super) fn optional_time(row: &Row, column: &'static str) -> StoreResult<Option<DateTime<Utc>>> {
    let micros: Option<i64> = get(row, column)?;
    micros.map(|m| time_from_stored(column, m)).transpose()
}

pub(super) fn currency(row: &Row, column: &'static str) -> StoreResult<Currency> {
    let code: String = get(row, column)?;
    Currency::parse(&code).map_err(|_| corrupt(column, code))
}

pub(super) fn status(row: &Row, column: &'static str) -> StoreResult<ConversionStatus> {
    let text: String = get(row, column)?;
    ConversionStatus::from_str(&text)
}

pub(super) fn network(row: &Row, column: &'static str) -> StoreResult<Network> {
    let text: String = get(row, column)?;
    Network::from_str(&text).map_err(|_| corrupt(column, text))
}

pub(super) fn optional_network(row: &Row, column: &'static str) -> StoreResult<Option<Network>> {
    let text: Option<String> = get(row, column)?;
    text.map(|t| Network::from_str(&t).map_err(|_| corrupt(column, t)))
        .transpose()
}

pub(super) fn click_id(row: &Row, column: &'static str) -> StoreResult<ClickId> {
    let text: String = get(row, column)?;
    ClickId::parse(&text).ok_or_else(|| corrupt(column, text))
}

/// The `attributed_click` and `attribution` columns.
pub(super) fn attribution(row: &Row) -> StoreResult<Attribution> {
    let click: Option<String> = get(row, "attributed_click")?;
    let method: Option<String> = get(row, "attribution")?;
    let click_id = click
        .map(|text| ClickId::parse(&text).ok_or_else(|| corrupt("attributed_click", text)))
        .transpose()?;
    let method = method
        .map(|text| AttributionMethod::parse(&text).ok_or_else(|| corrupt("attribution", text)))
        .transpose()?;
    Ok(Attribution { click_id, method })
}

/// The group key in column 0: a day number (`BIGINT`) for the day grouping, else text.
pub(super) fn group_key(group_by: GroupBy, row: &Row) -> StoreResult<Option<String>> {
    if group_by == GroupBy::Day {
        let day: Option<i64> = get(row, 0)?;
        return day
            .map(|day| date_of_day("day", day).map(|date| date.to_string()))
            .transpose();
    }
    get(row, 0)
}

/// A count or generation read as `BIGINT`, as the unsigned number it is.
pub(super) fn count(
    row: &Row,
    column: impl postgres::row::RowIndex + std::fmt::Display,
) -> StoreResult<u64> {
    let value: i64 = get(row, column)?;
    u64::try_from(value).map_err(|_| corrupt("count", value))
}
