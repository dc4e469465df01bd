//! Network transactions on Postgres: upsert by (network, transaction id), status history kept
//! (the SQLite store's statements, `sqlite/transactions.rs`).

use super::conversions::{attribute, status_change};
use super::{PostgresStore, rows};
use crate::conversion::StatusChange;
use crate::error::StoreResult;
use crate::store::TransactionStore;
use crate::stored::{money_to_stored, time_to_stored};
use crate::transaction::{NetworkTransaction, TransactionInput, TransactionReceipt};
use chrono::{DateTime, Utc};
use feedmill_model::Network;
use postgres::{GenericClient, Row};

impl TransactionStore for PostgresStore {
    fn upsert_transaction(
        &self,
        input: &TransactionInput,
        now: DateTime<Utc>,
    ) -> StoreResult<TransactionReceipt> {
        let sale = money_to_stored("sale_amount", input.sale_amount)?;
        let commission = money_to_stored("commission_amount", input.commission_amount)?;
        let input = input.clone();
        let now_us = time_to_stored(now);
        self.write(move |transaction| upsert(transaction, &input, sale, commission, now_us))
    }

    fn transaction(
        &self,
        network: Network,
        transaction_id: &str,
    ) -> StoreResult<Option<NetworkTransaction>> {
        let transaction_id = transaction_id.to_owned();
        self.read(move |transaction| {
            let row = transaction.query_opt(
                "SELECT * FROM network_transactions WHERE network = $1 AND transaction_id = $2",
                &[&network.as_str(), &transaction_id],
            )?;
            row.as_ref().map(transaction_from_row).transpose()
        })
    }

    fn transaction_history(
        &self,
        network: Network,
        transaction_id: &str,
    ) -> StoreResult<Vec<StatusChange>> {
        let transaction_id = transaction_id.to_owned();
        self.read(move |transaction| {
            let found = transaction.query(
                "SELECT status, time_us FROM transaction_status_history \
                 WHERE network = $1 AND transaction_id = $2 ORDER BY time_us, seq",
                &[&network.as_str(), &transaction_id],
            )?;
            found.iter().map(status_change).collect()
        })
    }
}

fn upsert(
    client: &mut impl GenericClient,
    input: &TransactionInput,
    sale: i64,
    commission: i64,
    now_us: i64,
) -> StoreResult<TransactionReceipt> {
    let network = input.network.as_str();
    let previous: Option<String> = client
        .query_opt(
            "SELECT status FROM network_transactions WHERE network = $1 AND transaction_id = $2",
            &[&network, &input.transaction_id],
        )?
        .map(|row| rows::get(&row, 0))
        .transpose()?;
    let sale_time_us = time_to_stored(input.transaction_time);
    let [s1, s2, s3, s4, s5, s6] = &input.sub_ids;
    let attribution = attribute(
        client,
        &[input.click_ref.as_deref()],
        s1.as_deref(),
        sale_time_us,
    )?;
    client.execute(
        UPSERT,
        &[
            &network,
            &input.transaction_id,
            &input.status.as_str(),
            &sale,
            &commission,
            &input.currency.code(),
            &sale_time_us,
            &input.program_id,
            &input.merchant,
            &input.click_ref,
            s1,
            s2,
            s3,
            s4,
            s5,
            s6,
            &now_us,
            &attribution.click_id.as_ref().map(|c| c.as_str()),
            &attribution.method.map(|m| m.as_str()),
        ],
    )?;
    let status_changed = previous.as_deref() != Some(input.status.as_str());
    if status_changed {
        client.execute(
            "INSERT INTO transaction_status_history (network, transaction_id, status, time_us) \
             VALUES ($1, $2, $3, $4)",
            &[
                &network,
                &input.transaction_id,
                &input.status.as_str(),
                &now_us,
            ],
        )?;
    }
    Ok(TransactionReceipt {
        created: previous.is_none(),
        status_changed,
    })
}

const UPSERT: &str = "INSERT INTO network_transactions (network, transaction_id, status, \
    sale_amount, commission_amount, currency, transaction_time_us, program_id, merchant, \
    click_ref, sub_id, sub_id_2, sub_id_3, sub_id_4, sub_id_5, sub_id_6, first_seen_us, \
    updated_us, attributed_click, attribution) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
    $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19) \
    ON CONFLICT (network, transaction_id) DO UPDATE SET status = excluded.status, \
    sale_amount = excluded.sale_amount, commission_amount = excluded.commission_amount, \
    currency = excluded.currency, transaction_time_us = excluded.transaction_time_us, \
    program_id = excluded.program_id, merchant = excluded.merchant, \
    click_ref = excluded.click_ref, sub_id = excluded.sub_id, sub_id_2 = excluded.sub_id_2, \
    sub_id_3 = excluded.sub_id_3, sub_id_4 = excluded.sub_id_4, sub_id_5 = excluded.sub_id_5, \
    sub_id_6 = excluded.sub_id_6, updated_us = excluded.updated_us, \
    attributed_click = excluded.attributed_click, attribution = excluded.attribution";

fn transaction_from_row(row: &Row) -> StoreResult<NetworkTransaction> {
    Ok(NetworkTransaction {
        network: rows::network(row, "network")?,
        transaction_id: rows::get(row, "transaction_id")?,
        status: rows::status(row, "status")?,
        sale_amount: rows::money(row, "sale_amount")?,
        commission_amount: rows::money(row, "commission_amount")?,
        currency: rows::currency(row, "currency")?,
        transaction_time: rows::time(row, "transaction_time_us")?,
        program_id: rows::get(row, "program_id")?,
        merchant: rows::get(row, "merchant")?,
        click_ref: rows::get(row, "click_ref")?,
        sub_ids: [
            rows::get(row, "sub_id")?,
            rows::get(row, "sub_id_2")?,
            rows::get(row, "sub_id_3")?,
            rows::get(row, "sub_id_4")?,
            rows::get(row, "sub_id_5")?,
            rows::get(row, "sub_id_6")?,
        ],
        first_seen_at: rows::time(row, "first_seen_us")?,
        updated_at: rows::time(row, "updated_us")?,
        attribution: rows::attribution(row)?,
    })
}
