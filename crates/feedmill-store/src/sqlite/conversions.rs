//! Conversions in SQLite: the idempotent upsert by (program, order) and its status history.
//!
//! A postback carries the order's current state: its amounts, statuses and currency replace
//! the stored ones (a currency left out keeps the stored one, else the program's default), while
//! identity fields left out (`click_id`, `visitor_id`, `sub_id`, `customer_id_hash`,
//! `order_time`) keep what an earlier postback said, and so does the integration context
//! (`customer_id`, `consent_mode`, `integration_mode`, `source`): a status update sent by a
//! webhook without it does not erase what the order's first postback said. The status is the explicit `status`, else
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
use rusqlite::{Connection, Row, named_params};

/// Linkolino's integration context of a conversion (migration 12): columns added, so every
/// conversion stored before has none.
pub(super) const SCHEMA_CONVERSION_CONTEXT: &str = "
ALTER TABLE conversions ADD COLUMN customer_id TEXT;
ALTER TABLE conversions ADD COLUMN consent_mode TEXT;
ALTER TABLE conversions ADD COLUMN integration_mode TEXT;
ALTER TABLE conversions ADD COLUMN source TEXT;
";

/// The amounts of a postback as stored, checked before the write is queued (the Postgres
/// store's too).
pub(crate) struct StoredAmounts {
    pub(crate) amount: Option<i64>,
    pub(crate) gross_amount: Option<i64>,
    pub(crate) net_amount: Option<i64>,
    pub(crate) items_amount: Option<i64>,
    pub(crate) shipping_amount: Option<i64>,
    pub(crate) discount_amount: Option<i64>,
    pub(crate) tax_amount: Option<i64>,
    pub(crate) refunded_amount: Option<i64>,
    pub(crate) sale_amount: i64,
    pub(crate) commission_amount: Option<i64>,
}

impl StoredAmounts {
    pub(crate) fn of(input: &ConversionInput) -> StoreResult<StoredAmounts> {
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

/// What an earlier postback stored that a new one may leave out.
struct Existing {
    conversion_id: String,
    status: ConversionStatus,
    currency: Currency,
    received_us: i64,
    click_id: Option<String>,
    visitor_id: Option<String>,
    customer_id_hash: Option<String>,
    sub_id: Option<String>,
    order_time_us: Option<i64>,
    customer_id: Option<String>,
    consent_mode: Option<String>,
    integration_mode: Option<String>,
    source: Option<String>,
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

pub(super) fn upsert(
    connection: &Connection,
    input: &ConversionInput,
    amounts: &StoredAmounts,
    default_currency: Currency,
    now_us: i64,
) -> StoreResult<ConversionReceipt> {
    let existing = find_existing(connection, &input.program_id, &input.order_id)?;
    let old = existing.as_ref();
    let implied = input
        .order_status
        .as_deref()
        .and_then(ConversionStatus::implied_by_order_status);
    let status = (input.status.or(implied))
        .or(old.map(|e| e.status))
        .unwrap_or(ConversionStatus::Pending);
    let currency = (input.currency)
        .or(old.map(|e| e.currency))
        .unwrap_or(default_currency);
    let conversion_id = match old {
        Some(existing) => existing.conversion_id.clone(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let kept = |new: &Option<String>, stored: fn(&Existing) -> &Option<String>| {
        new.clone().or_else(|| old.and_then(|e| stored(e).clone()))
    };
    let click_id = kept(&input.click_id, |e| &e.click_id);
    let visitor_id = kept(&input.visitor_id, |e| &e.visitor_id);
    let sub_id = kept(&input.sub_id, |e| &e.sub_id);
    let received_us = old.map_or(now_us, |e| e.received_us);
    let order_time_us =
        (input.order_time.map(time_to_stored)).or(old.and_then(|e| e.order_time_us));
    let sale_time_us = order_time_us.unwrap_or(received_us);
    let attribution = attribute(
        connection,
        &[click_id.as_deref(), visitor_id.as_deref()],
        sub_id.as_deref(),
        sale_time_us,
    )?;
    let mut statement = connection.prepare_cached(UPSERT)?;
    statement.execute(named_params! {
        ":conversion_id": conversion_id,
        ":program_id": input.program_id,
        ":order_id": input.order_id,
        ":click_id": click_id,
        ":visitor_id": visitor_id,
        ":customer_id_hash": kept(&input.customer_id_hash, |e| &e.customer_id_hash),
        ":sub_id": sub_id,
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
        ":order_time_us": order_time_us,
        ":quantity": input.quantity,
        ":customer_id": kept(&input.customer_id, |e| &e.customer_id),
        ":consent_mode": kept(&input.consent_mode, |e| &e.consent_mode),
        ":integration_mode": kept(&input.integration_mode, |e| &e.integration_mode),
        ":source": kept(&input.source, |e| &e.source),
        ":received_us": received_us,
        ":updated_us": now_us,
        ":sale_time_us": sale_time_us,
        ":attributed_click": attribution.click_id.as_ref().map(|c| c.as_str()),
        ":attribution": attribution.method.map(|m| m.as_str()),
    })?;
    if old.is_none_or(|e| e.status != status) {
        let mut history = connection.prepare_cached(
            "INSERT INTO conversion_status_history (conversion_id, status, time_us) \
             VALUES (?1, ?2, ?3)",
        )?;
        history.execute(rusqlite::params![conversion_id, status.as_str(), now_us])?;
    }
    Ok(ConversionReceipt {
        conversion_id,
        status,
        created: existing.is_none(),
    })
}

/// One statement for both cases: a new order inserts, a known one (same program and order,
/// same `conversion_id`) takes the merged state.
const UPSERT: &str = "INSERT INTO conversions (conversion_id, program_id, order_id, click_id, \
    visitor_id, customer_id_hash, sub_id, currency, amount, gross_amount, net_amount, \
    items_amount, shipping_amount, discount_amount, tax_amount, refunded_amount, sale_amount, \
    commission_amount, order_status, payment_status, status, order_time_us, quantity, \
    received_us, updated_us, sale_time_us, attributed_click, attribution, customer_id, \
    consent_mode, integration_mode, source) VALUES \
    (:conversion_id, :program_id, :order_id, :click_id, :visitor_id, :customer_id_hash, \
    :sub_id, :currency, :amount, :gross_amount, :net_amount, :items_amount, :shipping_amount, \
    :discount_amount, :tax_amount, :refunded_amount, :sale_amount, :commission_amount, \
    :order_status, :payment_status, :status, :order_time_us, :quantity, :received_us, \
    :updated_us, :sale_time_us, :attributed_click, :attribution, :customer_id, :consent_mode, \
    :integration_mode, :source) \
    ON CONFLICT (program_id, order_id) DO UPDATE SET click_id = excluded.click_id, \
    visitor_id = excluded.visitor_id, customer_id_hash = excluded.customer_id_hash, \
    sub_id = excluded.sub_id, currency = excluded.currency, amount = excluded.amount, \
    gross_amount = excluded.gross_amount, net_amount = excluded.net_amount, \
    items_amount = excluded.items_amount, shipping_amount = excluded.shipping_amount, \
    discount_amount = excluded.discount_amount, tax_amount = excluded.tax_amount, \
    refunded_amount = excluded.refunded_amount, sale_amount = excluded.sale_amount, \
    commission_amount = excluded.commission_amount, order_status = excluded.order_status, \
    payment_status = excluded.payment_status, status = excluded.status, \
    order_time_us = excluded.order_time_us, quantity = excluded.quantity, \
    updated_us = excluded.updated_us, sale_time_us = excluded.sale_time_us, \
    attributed_click = excluded.attributed_click, attribution = excluded.attribution, \
    customer_id = excluded.customer_id, consent_mode = excluded.consent_mode, \
    integration_mode = excluded.integration_mode, source = excluded.source";

fn find_existing(
    connection: &Connection,
    program_id: &str,
    order_id: &str,
) -> StoreResult<Option<Existing>> {
    let mut statement = connection.prepare_cached(
        "SELECT conversion_id, status, currency, received_us, click_id, visitor_id, \
         customer_id_hash, sub_id, order_time_us, customer_id, consent_mode, integration_mode, \
         source FROM conversions \
         WHERE program_id = ?1 AND order_id = ?2",
    )?;
    let mut found = statement.query([program_id, order_id])?;
    let Some(row) = found.next()? else {
        return Ok(None);
    };
    Ok(Some(Existing {
        conversion_id: row.get("conversion_id")?,
        status: rows::status(row, "status")?,
        currency: rows::currency(row, "currency")?,
        received_us: row.get("received_us")?,
        click_id: row.get("click_id")?,
        visitor_id: row.get("visitor_id")?,
        customer_id_hash: row.get("customer_id_hash")?,
        sub_id: row.get("sub_id")?,
        order_time_us: row.get("order_time_us")?,
        customer_id: row.get("customer_id")?,
        consent_mode: row.get("consent_mode")?,
        integration_mode: row.get("integration_mode")?,
        source: row.get("source")?,
    }))
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
        customer_id: row.get("customer_id")?,
        consent_mode: row.get("consent_mode")?,
        integration_mode: row.get("integration_mode")?,
        source: row.get("source")?,
        received_at: rows::time(row, "received_us")?,
        updated_at: rows::time(row, "updated_us")?,
        attribution: rows::attribution(row)?,
    })
}
