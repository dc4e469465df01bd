//! Conversions in SQLite: the idempotent upsert by (program, order) and its status history;
//! how a postback merges into the stored conversion is `conversion_merge.rs`, shared with the
//! Postgres store.

use super::SqliteStore;
use super::attribution::attribute;
use super::rows;
use crate::conversion::{Conversion, ConversionInput, ConversionReceipt, StatusChange};
use crate::conversion_merge::{MergedConversion, StoredAmounts, StoredConversion};
use crate::error::StoreResult;
use crate::store::ConversionStore;
use crate::stored::time_to_stored;
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
        self.settle_clicks();
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
    let merged = MergedConversion::of(input, existing.as_ref(), default_currency, now_us);
    let attribution = attribute(
        connection,
        &merged.identities(),
        merged.sub_id.as_deref(),
        merged.sale_time_us,
    )?;
    let mut statement = connection.prepare_cached(UPSERT)?;
    statement.execute(named_params! {
        ":conversion_id": merged.conversion_id,
        ":program_id": input.program_id,
        ":order_id": input.order_id,
        ":click_id": merged.click_id,
        ":visitor_id": merged.visitor_id,
        ":customer_id_hash": merged.customer_id_hash,
        ":sub_id": merged.sub_id,
        ":currency": merged.currency.code(),
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
        ":status": merged.status.as_str(),
        ":order_time_us": merged.order_time_us,
        ":quantity": input.quantity,
        ":customer_id": merged.customer_id,
        ":consent_mode": merged.consent_mode,
        ":integration_mode": merged.integration_mode,
        ":source": merged.source,
        ":received_us": merged.received_us,
        ":updated_us": now_us,
        ":sale_time_us": merged.sale_time_us,
        ":attributed_click": attribution.click_id.as_ref().map(|c| c.as_str()),
        ":attribution": attribution.method.map(|m| m.as_str()),
    })?;
    if merged.status_changed {
        let mut history = connection.prepare_cached(
            "INSERT INTO conversion_status_history (conversion_id, status, time_us) \
             VALUES (?1, ?2, ?3)",
        )?;
        let status = merged.status.as_str();
        history.execute(rusqlite::params![merged.conversion_id, status, now_us])?;
    }
    Ok(ConversionReceipt {
        conversion_id: merged.conversion_id,
        status: merged.status,
        created: merged.created,
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
) -> StoreResult<Option<StoredConversion>> {
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
    Ok(Some(StoredConversion {
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
