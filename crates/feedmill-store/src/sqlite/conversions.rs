//! Conversions in SQLite: the idempotent upsert by (program, order) and its status history.
//!
//! A postback carries the order's current state: its amounts, statuses and currency replace
//! the stored ones (a currency left out keeps the stored one, else the program's default), while
//! identity fields left out (`click_id`, `visitor_id`, `sub_id`, `customer_id_hash`,
//! `order_time`) keep what an earlier postback said. The status is the explicit `status`, else
//! the one `order_status` implies, else the stored one (pending for a new conversion).

use super::SqliteStore;
use super::attribution::attribute;
use super::rows;
use crate::conversion::{
    Conversion, ConversionInput, ConversionReceipt, ConversionStatus, StatusChange,
};
use crate::error::StoreResult;
use crate::store::ConversionStore;
use crate::stored::{money_to_stored, optional_money, time_to_stored};
use chrono::{DateTime, Utc};
use feedmill_model::Currency;
use rusqlite::{Connection, OptionalExtension, Row, named_params};

/// The amounts of a postback as stored, checked before the write is queued.
struct StoredAmounts {
    amount: Option<i64>,
    gross_amount: Option<i64>,
    net_amount: Option<i64>,
    items_amount: Option<i64>,
    shipping_amount: Option<i64>,
    discount_amount: Option<i64>,
    tax_amount: Option<i64>,
    refunded_amount: Option<i64>,
    sale_amount: i64,
    commission_amount: Option<i64>,
}

impl StoredAmounts {
    fn of(input: &ConversionInput) -> StoreResult<StoredAmounts> {
        let sale = input.sale_amount().unwrap_or_default();
        Ok(StoredAmounts {
            amount: optional_money("amount", input.amount)?,
            gross_amount: optional_money("gross_amount", input.gross_amount)?,
            net_amount: optional_money("net_amount", input.net_amount)?,
            items_amount: optional_money("items_amount", input.items_amount)?,
            shipping_amount: optional_money("shipping_amount", input.shipping_amount)?,
            discount_amount: optional_money("discount_amount", input.discount_amount)?,
            tax_amount: optional_money("tax_amount", input.tax_amount)?,
            refunded_amount: optional_money("refunded_amount", input.refunded_amount)?,
            sale_amount: money_to_stored("amount", sale)?,
            commission_amount: optional_money("commission_amount", input.commission_amount)?,
        })
    }
}

struct Existing {
    conversion_id: String,
    status: ConversionStatus,
    currency: Currency,
    received_us: i64,
}

impl ConversionStore for SqliteStore {
    fn upsert_conversion(
        &self,
        input: &ConversionInput,
        default_currency: Currency,
        now: DateTime<Utc>,
    ) -> StoreResult<ConversionReceipt> {
        let amounts = StoredAmounts::of(input)?;
        let input = input.clone();
        let now_us = time_to_stored(now);
        self.write(move |connection| upsert(connection, &input, &amounts, default_currency, now_us))
    }

    fn conversion(&self, program_id: &str, order_id: &str) -> StoreResult<Option<Conversion>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT * FROM conversions WHERE program_id = ?1 AND order_id = ?2",
            )?;
            let mut found = statement.query([program_id, order_id])?;
            found.next()?.map(conversion_from_row).transpose()
        })
    }

    fn conversion_history(&self, conversion_id: &str) -> StoreResult<Vec<StatusChange>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT status, time_us FROM conversion_status_history \
                 WHERE conversion_id = ?1 ORDER BY time_us, rowid",
            )?;
            let mut found = statement.query([conversion_id])?;
            let mut history = Vec::new();
            while let Some(row) = found.next()? {
                history.push(StatusChange {
                    status: rows::status(row, "status")?,
                    time: rows::time(row, "time_us")?,
                });
            }
            Ok(history)
        })
    }
}

fn upsert(
    connection: &Connection,
    input: &ConversionInput,
    amounts: &StoredAmounts,
    default_currency: Currency,
    now_us: i64,
) -> StoreResult<ConversionReceipt> {
    let existing = find_existing(connection, &input.program_id, &input.order_id)?;
    let implied = input
        .order_status
        .as_deref()
        .and_then(ConversionStatus::implied_by_order_status);
    let status = input
        .status
        .or(implied)
        .or(existing.as_ref().map(|e| e.status))
        .unwrap_or(ConversionStatus::Pending);
    let currency = input
        .currency
        .or(existing.as_ref().map(|e| e.currency))
        .unwrap_or(default_currency);
    let conversion_id = match &existing {
        Some(existing) => existing.conversion_id.clone(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let received_us = existing.as_ref().map_or(now_us, |e| e.received_us);
    let sql = if existing.is_some() { UPDATE } else { INSERT };
    let mut statement = connection.prepare_cached(sql)?;
    statement.execute(named_params! {
        ":conversion_id": conversion_id,
        ":program_id": input.program_id,
        ":order_id": input.order_id,
        ":click_id": input.click_id,
        ":visitor_id": input.visitor_id,
        ":customer_id_hash": input.customer_id_hash,
        ":sub_id": input.sub_id,
        ":currency": currency.code(),
        ":amount": amounts.amount,
        ":gross_amount": amounts.gross_amount,
        ":net_amount": amounts.net_amount,
        ":items_amount": amounts.items_amount,
        ":shipping_amount": amounts.shipping_amount,
        ":discount_amount": amounts.discount_amount,
        ":tax_amount": amounts.tax_amount,
        ":refunded_amount": amounts.refunded_amount,
        ":sale_amount": amounts.sale_amount,
        ":commission_amount": amounts.commission_amount,
        ":order_status": input.order_status,
        ":payment_status": input.payment_status,
        ":status": status.as_str(),
        ":order_time_us": input.order_time.map(time_to_stored),
        ":quantity": input.quantity,
        ":received_us": received_us,
        ":updated_us": now_us,
    })?;
    reattribute(connection, &conversion_id)?;
    if existing.as_ref().is_none_or(|e| e.status != status) {
        let mut history = connection.prepare_cached(
            "INSERT INTO conversion_status_history (conversion_id, status, time_us) VALUES (?1, ?2, ?3)",
        )?;
        history.execute(rusqlite::params![conversion_id, status.as_str(), now_us])?;
    }
    Ok(ConversionReceipt {
        conversion_id,
        status,
        created: existing.is_none(),
    })
}

const INSERT: &str = "INSERT INTO conversions (conversion_id, program_id, order_id, click_id, \
    visitor_id, customer_id_hash, sub_id, currency, amount, gross_amount, net_amount, \
    items_amount, shipping_amount, discount_amount, tax_amount, refunded_amount, sale_amount, \
    commission_amount, order_status, payment_status, status, order_time_us, quantity, \
    received_us, updated_us, sale_time_us) VALUES (:conversion_id, :program_id, :order_id, \
    :click_id, :visitor_id, :customer_id_hash, :sub_id, :currency, :amount, :gross_amount, \
    :net_amount, :items_amount, :shipping_amount, :discount_amount, :tax_amount, \
    :refunded_amount, :sale_amount, :commission_amount, :order_status, :payment_status, :status, \
    :order_time_us, :quantity, :received_us, :updated_us, coalesce(:order_time_us, :received_us))";

const UPDATE: &str = "UPDATE conversions SET click_id = coalesce(:click_id, click_id), \
    visitor_id = coalesce(:visitor_id, visitor_id), \
    customer_id_hash = coalesce(:customer_id_hash, customer_id_hash), \
    sub_id = coalesce(:sub_id, sub_id), currency = :currency, amount = :amount, \
    gross_amount = :gross_amount, net_amount = :net_amount, items_amount = :items_amount, \
    shipping_amount = :shipping_amount, discount_amount = :discount_amount, \
    tax_amount = :tax_amount, refunded_amount = :refunded_amount, sale_amount = :sale_amount, \
    commission_amount = :commission_amount, order_status = :order_status, \
    payment_status = :payment_status, status = :status, \
    order_time_us = coalesce(:order_time_us, order_time_us), quantity = :quantity, \
    updated_us = :updated_us, \
    sale_time_us = coalesce(:order_time_us, order_time_us, :received_us) \
    WHERE conversion_id = :conversion_id AND program_id = :program_id AND order_id = :order_id";

fn find_existing(
    connection: &Connection,
    program_id: &str,
    order_id: &str,
) -> StoreResult<Option<Existing>> {
    let mut statement = connection.prepare_cached(
        "SELECT conversion_id, status, currency, received_us FROM conversions \
         WHERE program_id = ?1 AND order_id = ?2",
    )?;
    let row = statement
        .query_row([program_id, order_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get(3)?,
            ))
        })
        .optional()?;
    let Some((conversion_id, status, currency, received_us)) = row else {
        return Ok(None);
    };
    Ok(Some(Existing {
        conversion_id,
        status: status.parse()?,
        currency: Currency::parse(&currency).map_err(|_| crate::error::StoreError::Corrupt {
            column: "currency",
            value: currency,
        })?,
        received_us,
    }))
}

/// Applies the attribution rule to the stored conversion (identity fields merged).
fn reattribute(connection: &Connection, conversion_id: &str) -> StoreResult<()> {
    let (click_id, visitor_id, sub_id, sale_time_us): (Option<String>, Option<String>, Option<String>, i64) =
        connection.query_row(
            "SELECT click_id, visitor_id, sub_id, sale_time_us FROM conversions WHERE conversion_id = ?1",
            [conversion_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )?;
    let attribution = attribute(
        connection,
        &[click_id.as_deref(), visitor_id.as_deref()],
        sub_id.as_deref(),
        sale_time_us,
    )?;
    let mut statement = connection.prepare_cached(
        "UPDATE conversions SET attributed_click = ?2, attribution = ?3 WHERE conversion_id = ?1",
    )?;
    statement.execute(rusqlite::params![
        conversion_id,
        attribution.click_id.as_ref().map(|c| c.as_str()),
        attribution.method.map(|m| m.as_str()),
    ])?;
    Ok(())
}

fn conversion_from_row(row: &Row<'_>) -> StoreResult<Conversion> {
    Ok(Conversion {
        conversion_id: row.get("conversion_id")?,
        program_id: row.get("program_id")?,
        order_id: row.get("order_id")?,
        click_id: row.get("click_id")?,
        visitor_id: row.get("visitor_id")?,
        customer_id_hash: row.get("customer_id_hash")?,
        sub_id: row.get("sub_id")?,
        currency: rows::currency(row, "currency")?,
        amount: rows::optional_money(row, "amount")?,
        gross_amount: rows::optional_money(row, "gross_amount")?,
        net_amount: rows::optional_money(row, "net_amount")?,
        items_amount: rows::optional_money(row, "items_amount")?,
        shipping_amount: rows::optional_money(row, "shipping_amount")?,
        discount_amount: rows::optional_money(row, "discount_amount")?,
        tax_amount: rows::optional_money(row, "tax_amount")?,
        refunded_amount: rows::optional_money(row, "refunded_amount")?,
        sale_amount: rows::money(row, "sale_amount")?,
        commission_amount: rows::optional_money(row, "commission_amount")?,
        order_status: row.get("order_status")?,
        payment_status: row.get("payment_status")?,
        status: rows::status(row, "status")?,
        order_time: rows::optional_time(row, "order_time_us")?,
        quantity: row.get("quantity")?,
        received_at: rows::time(row, "received_us")?,
        updated_at: rows::time(row, "updated_us")?,
        attribution: rows::attribution(row)?,
    })
}
