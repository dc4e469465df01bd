//! Adtraction's partner transactions: `POST {base}/v2/partner/transactions/` with
//! `{"fromDate", "toDate", "transactionStatus": 0}` (0 = every status) and `X-Token`.
//!
//! The answer is a JSON array, one object per transaction: `uniqueId`, `programId`,
//! `programName`, `orderValue`, `commission`, `currency`, `transactionDate` (ISO 8601 with
//! an offset, Stockholm time), `transactionStatus` (1 approved, 5 declined, anything else
//! pending) and `click.epi`, which carries our click id: `epi` is the one sub-id Adtraction
//! reports back (NETWORKS.md, "Transactions"), so the click-out puts the id there. `epi2`..
//! `epi5` are read into the sub-ids should a row carry them. Quotas come in `X-RateLimit-*`
//! headers, which the shared limiter reads.

use super::fields::{self, Row, RowError};
use super::{TransactionReport, TransactionWindow};
use crate::error::FetchErrorKind;
use crate::http_client::Session;
use crate::network_account::NetworkAccount;
use feedmill_model::Network;
use feedmill_store::{ConversionStatus, TransactionInput};
use reqwest::header::ACCEPT;
use serde_json::json;
use serde_json::value::RawValue;

pub(crate) const TOKEN_HEADER: &str = "X-Token";
const APPROVED: i64 = 1;
const DECLINED: i64 = 5;

pub(super) async fn fetch(
    session: &Session<'_>,
    account: &NetworkAccount,
    window: TransactionWindow,
    report: &mut TransactionReport,
) -> Result<(), FetchErrorKind> {
    let token = session.token()?;
    let url = format!("{}/v2/partner/transactions/", account.base_url);
    let body = json!({
        "fromDate": window.from.format("%Y-%m-%dT%H:%M:%S%z").to_string(),
        "toDate": window.to.format("%Y-%m-%dT%H:%M:%S%z").to_string(),
        "transactionStatus": 0,
    });
    let rows = session
        .retry(|| async {
            let request = session
                .ctx
                .client
                .post(&url)
                .header(TOKEN_HEADER, &token)
                .header(ACCEPT, "application/json")
                .json(&body);
            let response = session.send(request).await?;
            let bytes = super::read_limited(response, super::MAX_ANSWER_BYTES).await?;
            Row::list_of(&bytes).map_err(|err| {
                FetchErrorKind::malformed(format!("not a list of transactions: {err}"))
            })
        })
        .await?;
    for row in &rows {
        report.push(map_row(row));
    }
    Ok(())
}

pub(crate) fn map_row(raw: &RawValue) -> Result<TransactionInput, RowError> {
    let row = Row::parse(raw).map_err(|e| RowError::new(None, format!("the row {e}")))?;
    let row = &row;
    let id = match fields::text(row, "uniqueId") {
        Ok(Some(id)) => id,
        Ok(None) => return Err(RowError::new(None, "uniqueId is missing")),
        Err(reason) => return Err(RowError::new(None, reason)),
    };
    read_row(row, &id).map_err(|reason| RowError::new(Some(&id), reason))
}

fn read_row(row: &Row, id: &str) -> Result<TransactionInput, String> {
    let status = match row.integer("transactionStatus") {
        Some(APPROVED) => ConversionStatus::Approved,
        Some(DECLINED) => ConversionStatus::Rejected,
        Some(_) => ConversionStatus::Pending,
        None => return Err("transactionStatus is missing or not a number".into()),
    };
    let click = row.object("click")?;
    let epi = |key: &str| fields::text(&click, key);
    Ok(TransactionInput {
        network: Network::Adtraction,
        transaction_id: id.to_string(),
        status,
        sale_amount: fields::decimal(row, "orderValue")?,
        commission_amount: fields::decimal(row, "commission")?,
        currency: fields::currency(row, "currency")?,
        transaction_time: fields::iso_time(row, "transactionDate")?,
        program_id: fields::text(row, "programId")?,
        merchant: fields::text(row, "programName")?,
        click_ref: epi("epi")?,
        sub_ids: [
            epi("epi")?,
            epi("epi2")?,
            epi("epi3")?,
            epi("epi4")?,
            epi("epi5")?,
            None,
        ],
    })
}
