//! Reading `alert_deliveries` rows, for the alerts and their claims.

use super::rows;
use crate::alert::{AlertDelivery, AlertId, DeliveryState};
use crate::error::{StoreError, StoreResult};
use rusqlite::{Connection, Row};

pub(super) const DELIVERY_COLUMNS: &str = "delivery_id, alert_id, created_us, price, currency, offer_id, \
     state, attempts, last_error, last_attempt_us, delivered_us";

pub(super) fn delivery(
    connection: &Connection,
    delivery_id: &str,
) -> StoreResult<Option<AlertDelivery>> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM alert_deliveries WHERE delivery_id = ?1");
    let mut found = deliveries_of(connection, &sql, [delivery_id])?;
    Ok(found.pop())
}

pub(super) fn deliveries_of(
    connection: &Connection,
    sql: &str,
    arguments: impl rusqlite::Params,
) -> StoreResult<Vec<AlertDelivery>> {
    let mut statement = connection.prepare_cached(sql)?;
    let mut found = statement.query(arguments)?;
    let mut deliveries = Vec::new();
    while let Some(row) = found.next()? {
        deliveries.push(delivery_from_row(row)?);
    }
    Ok(deliveries)
}

fn delivery_from_row(row: &Row<'_>) -> StoreResult<AlertDelivery> {
    let state: String = row.get("state")?;
    let state = DeliveryState::parse(&state).ok_or(StoreError::Corrupt {
        column: "state",
        value: state,
    })?;
    Ok(AlertDelivery {
        delivery_id: row.get("delivery_id")?,
        alert_id: AlertId(row.get("alert_id")?),
        created_at: rows::time(row, "created_us")?,
        price: rows::money(row, "price")?,
        currency: rows::currency(row, "currency")?,
        offer_id: row.get("offer_id")?,
        state,
        attempts: row.get("attempts")?,
        last_error: row.get("last_error")?,
        last_attempt_at: rows::optional_time(row, "last_attempt_us")?,
        delivered_at: rows::optional_time(row, "delivered_us")?,
    })
}
