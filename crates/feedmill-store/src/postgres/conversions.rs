//! Conversions on Postgres: the idempotent upsert by (program, order), its status history and
//! the attribution rule; the merge of a postback into the stored conversion is the SQLite
//! store's (`conversion_merge.rs`).

use super::{PostgresStore, rows};
use crate::attribution::{ATTRIBUTION_WINDOW_DAYS, Attribution, AttributionMethod};
use crate::click::ClickId;
use crate::conversion::{Conversion, ConversionInput, ConversionReceipt, StatusChange};
use crate::conversion_merge::{MergedConversion, StoredAmounts, StoredConversion};
use crate::error::StoreResult;
use crate::store::ConversionStore;
use crate::stored::{MICROS_PER_DAY, time_to_stored};
use chrono::{DateTime, Utc};
use feedmill_model::Currency;
use postgres::{GenericClient, Row};

impl ConversionStore for PostgresStore {
    fn upsert_conversion(
        &self,
        input: &ConversionInput,
        default_currency: Currency,
        now: DateTime<Utc>,
    ) -> StoreResult<ConversionReceipt> {
        let amounts = StoredAmounts::of(input)?;
        let input = input.clone();
        let now_us = time_to_stored(now);
        self.write(move |transaction| {
            upsert(transaction, &input, &amounts, default_currency, now_us)
        })
    }

    fn conversion(&self, program_id: &str, order_id: &str) -> StoreResult<Option<Conversion>> {
        let (program_id, order_id) = (program_id.to_owned(), order_id.to_owned());
        self.read(move |transaction| {
            let row = transaction.query_opt(
                "SELECT * FROM conversions WHERE program_id = $1 AND order_id = $2",
                &[&program_id, &order_id],
            )?;
            row.as_ref().map(conversion_from_row).transpose()
        })
    }

    fn conversion_history(&self, conversion_id: &str) -> StoreResult<Vec<StatusChange>> {
        let conversion_id = conversion_id.to_owned();
        self.read(move |transaction| {
            let found = transaction.query(
                "SELECT status, time_us FROM conversion_status_history \
                 WHERE conversion_id = $1 ORDER BY time_us, seq",
                &[&conversion_id],
            )?;
            found.iter().map(status_change).collect()
        })
    }
}

impl PostgresStore {
    /// Upserts every conversion in one transaction, each attributed as its postback would be;
    /// one that fails fails the batch, which then changes nothing.
    pub fn upsert_conversions(
        &self,
        inputs: Vec<ConversionInput>,
        default_currency: Currency,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<ConversionReceipt>> {
        let mut checked = Vec::with_capacity(inputs.len());
        for input in inputs {
            let amounts = StoredAmounts::of(&input)?;
            checked.push((input, amounts));
        }
        let now_us = time_to_stored(now);
        self.write(move |transaction| {
            checked
                .iter()
                .map(|(input, amounts)| {
                    upsert(transaction, input, amounts, default_currency, now_us)
                })
                .collect()
        })
    }
}

pub(super) fn status_change(row: &Row) -> StoreResult<StatusChange> {
    Ok(StatusChange {
        status: rows::status(row, "status")?,
        time: rows::time(row, "time_us")?,
    })
}

fn upsert(
    client: &mut impl GenericClient,
    input: &ConversionInput,
    amounts: &StoredAmounts,
    default_currency: Currency,
    now_us: i64,
) -> StoreResult<ConversionReceipt> {
    let existing = find_existing(client, &input.program_id, &input.order_id)?;
    let merged = MergedConversion::of(input, existing.as_ref(), default_currency, now_us);
    let attribution = attribute(
        client,
        &merged.identities(),
        merged.sub_id.as_deref(),
        merged.sale_time_us,
    )?;
    client.execute(
        UPSERT,
        &[
            &merged.conversion_id,
            &input.program_id,
            &input.order_id,
            &merged.click_id,
            &merged.visitor_id,
            &merged.customer_id_hash,
            &merged.sub_id,
            &merged.currency.code(),
            &amounts.amount,
            &amounts.gross_amount,
            &amounts.net_amount,
            &amounts.items_amount,
            &amounts.shipping_amount,
            &amounts.discount_amount,
            &amounts.tax_amount,
            &amounts.refunded_amount,
            &amounts.sale_amount,
            &amounts.commission_amount,
            &input.order_status,
            &input.payment_status,
            &merged.status.as_str(),
            &merged.order_time_us,
            &input.quantity,
            &merged.received_us,
            &now_us,
            &merged.sale_time_us,
            &attribution.click_id.as_ref().map(|c| c.as_str()),
            &attribution.method.map(|m| m.as_str()),
            &merged.customer_id,
            &merged.consent_mode,
            &merged.integration_mode,
            &merged.source,
        ],
    )?;
    if merged.status_changed {
        client.execute(
            "INSERT INTO conversion_status_history (conversion_id, status, time_us) \
             VALUES ($1, $2, $3)",
            &[&merged.conversion_id, &merged.status.as_str(), &now_us],
        )?;
    }
    Ok(ConversionReceipt {
        conversion_id: merged.conversion_id,
        status: merged.status,
        created: merged.created,
    })
}

/// One statement for both cases, as in the SQLite store.
const UPSERT: &str = "INSERT INTO conversions (conversion_id, program_id, order_id, click_id, \
    visitor_id, customer_id_hash, sub_id, currency, amount, gross_amount, net_amount, \
    items_amount, shipping_amount, discount_amount, tax_amount, refunded_amount, sale_amount, \
    commission_amount, order_status, payment_status, status, order_time_us, quantity, \
    received_us, updated_us, sale_time_us, attributed_click, attribution, customer_id, \
    consent_mode, integration_mode, source) VALUES \
    ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
    $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32) \
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
    client: &mut impl GenericClient,
    program_id: &str,
    order_id: &str,
) -> StoreResult<Option<StoredConversion>> {
    let row = client.query_opt(
        "SELECT conversion_id, status, currency, received_us, click_id, visitor_id, \
         customer_id_hash, sub_id, order_time_us, customer_id, consent_mode, integration_mode, \
         source FROM conversions WHERE program_id = $1 AND order_id = $2",
        &[&program_id, &order_id],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(StoredConversion {
        conversion_id: rows::get(&row, "conversion_id")?,
        status: rows::status(&row, "status")?,
        currency: rows::currency(&row, "currency")?,
        received_us: rows::get(&row, "received_us")?,
        click_id: rows::get(&row, "click_id")?,
        visitor_id: rows::get(&row, "visitor_id")?,
        customer_id_hash: rows::get(&row, "customer_id_hash")?,
        sub_id: rows::get(&row, "sub_id")?,
        order_time_us: rows::get(&row, "order_time_us")?,
        customer_id: rows::get(&row, "customer_id")?,
        consent_mode: rows::get(&row, "consent_mode")?,
        integration_mode: rows::get(&row, "integration_mode")?,
        source: rows::get(&row, "source")?,
    }))
}

/// The click a sale at `sale_time_us` is credited to: the first of `click_ids` that names a
/// stored click, else the latest click with first sub-id `sub_id` in the window before the sale.
pub(super) fn attribute(
    client: &mut impl GenericClient,
    click_ids: &[Option<&str>],
    sub_id: Option<&str>,
    sale_time_us: i64,
) -> StoreResult<Attribution> {
    for candidate in click_ids.iter().flatten() {
        let Some(click_id) = ClickId::parse(candidate) else {
            continue;
        };
        let found = client.query_opt(
            "SELECT 1 FROM clicks WHERE click_id = $1",
            &[&click_id.as_str()],
        )?;
        if found.is_some() {
            return Ok(Attribution {
                click_id: Some(click_id),
                method: Some(AttributionMethod::ClickId),
            });
        }
    }
    let Some(sub_id) = sub_id else {
        return Ok(Attribution::default());
    };
    let window_start = sale_time_us.saturating_sub(ATTRIBUTION_WINDOW_DAYS * MICROS_PER_DAY);
    let found = client.query_opt(
        "SELECT click_id FROM clicks WHERE sub_id = $1 AND time_us >= $2 AND time_us <= $3 \
         ORDER BY time_us DESC, click_id COLLATE \"C\" DESC LIMIT 1",
        &[&sub_id, &window_start, &sale_time_us],
    )?;
    let found: Option<String> = found.map(|row| rows::get(&row, 0)).transpose()?;
    Ok(Attribution {
        method: found.as_ref().map(|_| AttributionMethod::SubIdWindow),
        click_id: found.as_deref().and_then(ClickId::parse),
    })
}

fn conversion_from_row(row: &Row) -> StoreResult<Conversion> {
    Ok(Conversion {
        conversion_id: rows::get(row, "conversion_id")?,
        program_id: rows::get(row, "program_id")?,
        order_id: rows::get(row, "order_id")?,
        click_id: rows::get(row, "click_id")?,
        visitor_id: rows::get(row, "visitor_id")?,
        customer_id_hash: rows::get(row, "customer_id_hash")?,
        sub_id: rows::get(row, "sub_id")?,
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
        order_status: rows::get(row, "order_status")?,
        payment_status: rows::get(row, "payment_status")?,
        status: rows::status(row, "status")?,
        order_time: rows::optional_time(row, "order_time_us")?,
        quantity: rows::get(row, "quantity")?,
        customer_id: rows::get(row, "customer_id")?,
        consent_mode: rows::get(row, "consent_mode")?,
        integration_mode: rows::get(row, "integration_mode")?,
        source: rows::get(row, "source")?,
        received_at: rows::time(row, "received_us")?,
        updated_at: rows::time(row, "updated_us")?,
        attribution: rows::attribution(row)?,
    })
}
