//! Network transactions in SQLite: upsert by (network, transaction id), status history kept.
//!
//! Networks report a transaction's current state on every pull of the trailing window; the
//! upsert replaces the stored state with it and appends a history entry when the status moved
//! (pending → approved → reversed), so the history holds what the networks no longer show.

use super::SqliteStore;
use super::attribution::attribute;
use super::rows;
use crate::conversion::StatusChange;
use crate::error::StoreResult;
use crate::store::TransactionStore;
use crate::stored::{money_to_stored, time_to_stored};
use crate::transaction::{NetworkTransaction, TransactionInput, TransactionReceipt};
use chrono::{DateTime, Utc};
use feedmill_model::Network;
use rusqlite::{Connection, OptionalExtension, Row, named_params, params};

impl TransactionStore for SqliteStore {
    fn upsert_transaction(
        &self,
        input: &TransactionInput,
        now: DateTime<Utc>,
    ) -> StoreResult<TransactionReceipt> {
        let sale = money_to_stored("sale_amount", input.sale_amount)?;
        let commission = money_to_stored("commission_amount", input.commission_amount)?;
        let input = input.clone();
        let now_us = time_to_stored(now);
        self.settle_clicks();
        self.write(move |connection| upsert(connection, &input, sale, commission, now_us))
    }

    fn transaction(
        &self,
        network: Network,
        transaction_id: &str,
    ) -> StoreResult<Option<NetworkTransaction>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT * FROM network_transactions WHERE network = ?1 AND transaction_id = ?2",
            )?;
            let mut found = statement.query([network.as_str(), transaction_id])?;
            found.next()?.map(transaction_from_row).transpose()
        })
    }

    fn transaction_history(
        &self,
        network: Network,
        transaction_id: &str,
    ) -> StoreResult<Vec<StatusChange>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT status, time_us FROM transaction_status_history \
                 WHERE network = ?1 AND transaction_id = ?2 ORDER BY time_us, rowid",
            )?;
            let mut found = statement.query([network.as_str(), transaction_id])?;
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
    input: &TransactionInput,
    sale: i64,
    commission: i64,
    now_us: i64,
) -> StoreResult<TransactionReceipt> {
    let network = input.network.as_str();
    let previous: Option<String> = connection
        .prepare_cached(
            "SELECT status FROM network_transactions WHERE network = ?1 AND transaction_id = ?2",
        )?
        .query_row([network, input.transaction_id.as_str()], |row| row.get(0))
        .optional()?;
    let sale_time_us = time_to_stored(input.transaction_time);
    let [s1, s2, s3, s4, s5, s6] = &input.sub_ids;
    let attribution = attribute(
        connection,
        &[input.click_ref.as_deref()],
        s1.as_deref(),
        sale_time_us,
    )?;
    let mut statement = connection.prepare_cached(UPSERT)?;
    statement.execute(named_params! {
        ":network": network,
        ":transaction_id": input.transaction_id,
        ":status": input.status.as_str(),
        ":sale_amount": sale,
        ":commission_amount": commission,
        ":currency": input.currency.code(),
        ":transaction_time_us": sale_time_us,
        ":program_id": input.program_id,
        ":merchant": input.merchant,
        ":click_ref": input.click_ref,
        ":sub_id": s1, ":sub_id_2": s2, ":sub_id_3": s3,
        ":sub_id_4": s4, ":sub_id_5": s5, ":sub_id_6": s6,
        ":now_us": now_us,
        ":attributed_click": attribution.click_id.as_ref().map(|c| c.as_str()),
        ":attribution": attribution.method.map(|m| m.as_str()),
    })?;
    let status_changed = previous.as_deref() != Some(input.status.as_str());
    if status_changed {
        let mut history = connection.prepare_cached(
            "INSERT INTO transaction_status_history (network, transaction_id, status, time_us) \
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        history.execute(params![
            network,
            input.transaction_id,
            input.status.as_str(),
            now_us
        ])?;
    }
    Ok(TransactionReceipt {
        created: previous.is_none(),
        status_changed,
    })
}

const UPSERT: &str = "INSERT INTO network_transactions (network, transaction_id, status, \
    sale_amount, commission_amount, currency, transaction_time_us, program_id, merchant, \
    click_ref, sub_id, sub_id_2, sub_id_3, sub_id_4, sub_id_5, sub_id_6, first_seen_us, \
    updated_us, attributed_click, attribution) VALUES (:network, :transaction_id, :status, \
    :sale_amount, :commission_amount, :currency, :transaction_time_us, :program_id, :merchant, \
    :click_ref, :sub_id, :sub_id_2, :sub_id_3, :sub_id_4, :sub_id_5, :sub_id_6, :now_us, \
    :now_us, :attributed_click, :attribution) \
    ON CONFLICT (network, transaction_id) DO UPDATE SET status = excluded.status, \
    sale_amount = excluded.sale_amount, commission_amount = excluded.commission_amount, \
    currency = excluded.currency, transaction_time_us = excluded.transaction_time_us, \
    program_id = excluded.program_id, merchant = excluded.merchant, \
    click_ref = excluded.click_ref, sub_id = excluded.sub_id, sub_id_2 = excluded.sub_id_2, \
    sub_id_3 = excluded.sub_id_3, sub_id_4 = excluded.sub_id_4, sub_id_5 = excluded.sub_id_5, \
    sub_id_6 = excluded.sub_id_6, updated_us = excluded.updated_us, \
    attributed_click = excluded.attributed_click, attribution = excluded.attribution";

fn transaction_from_row(row: &Row<'_>) -> StoreResult<NetworkTransaction> {
    Ok(NetworkTransaction {
        network: rows::network(row, "network")?,
        transaction_id: row.get("transaction_id")?,
        status: rows::status(row, "status")?,
        sale_amount: rows::money(row, "sale_amount")?,
        commission_amount: rows::money(row, "commission_amount")?,
        currency: rows::currency(row, "currency")?,
        transaction_time: rows::time(row, "transaction_time_us")?,
        program_id: row.get("program_id")?,
        merchant: row.get("merchant")?,
        click_ref: row.get("click_ref")?,
        sub_ids: [
            row.get("sub_id")?,
            row.get("sub_id_2")?,
            row.get("sub_id_3")?,
            row.get("sub_id_4")?,
            row.get("sub_id_5")?,
            row.get("sub_id_6")?,
        ],
        first_seen_at: rows::time(row, "first_seen_us")?,
        updated_at: rows::time(row, "updated_us")?,
        attribution: rows::attribution(row)?,
    })
}
