//! Awin's publisher transactions: `GET {base}/publishers/{id}/transactions/` with
//! `startDate`, `endDate` (`yyyy-MM-ddTHH:mm:ss`), `timezone=UTC`, `dateType=transaction`
//! and the token as `Authorization: Bearer`.
//!
//! Awin answers at most 31 days per call, so the window is split; it allows 20 calls a minute
//! per user and sends no quota headers, so the shared rate limiter is told to space calls to
//! its host 3 s apart. Each row: `id`, `advertiserId`, `advertiserName`, `commissionStatus`
//! (`pending`, `approved`, `declined`, `deleted`), `commissionAmount` and `saleAmount` as
//! `{amount, currency}`, `transactionDate`, and `clickRefs.clickRef`..`clickRef6`, where
//! `clickRef6` carries our click id.

use super::fields::{self, Row, RowError};
use super::{TransactionReport, TransactionWindow};
use crate::error::FetchErrorKind;
use crate::http_client::{Session, host_key};
use crate::network_account::NetworkAccount;
use feedmill_model::Network;
use feedmill_store::{ConversionStatus, TransactionInput};
use reqwest::header::{ACCEPT, AUTHORIZATION};
use serde_json::value::RawValue;
use std::time::Duration;

/// One call may span this many days.
const MAX_SPAN_DAYS: i64 = 31;
/// 20 calls a minute.
pub(crate) const CALL_INTERVAL: Duration = Duration::from_secs(3);
const DATE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

pub(super) async fn fetch(
    session: &Session<'_>,
    account: &NetworkAccount,
    publisher_id: u64,
    window: TransactionWindow,
    report: &mut TransactionReport,
) -> Result<(), FetchErrorKind> {
    let token = session.token()?;
    let url = format!(
        "{}/publishers/{publisher_id}/transactions/",
        account.base_url
    );
    let parsed = reqwest::Url::parse(&url)
        .map_err(|err| FetchErrorKind::malformed(format!("awin base_url makes no url: {err}")))?;
    session.ctx.limiter.pace(&host_key(&parsed), CALL_INTERVAL);
    for part in window.split(MAX_SPAN_DAYS) {
        let query = [
            ("startDate", part.from.format(DATE_FORMAT).to_string()),
            ("endDate", part.to.format(DATE_FORMAT).to_string()),
            ("timezone", "UTC".to_string()),
            ("dateType", "transaction".to_string()),
        ];
        let rows = session
            .retry(|| async {
                let request = session
                    .ctx
                    .client
                    .get(&url)
                    .query(&query)
                    .header(AUTHORIZATION, format!("Bearer {token}"))
                    .header(ACCEPT, "application/json");
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
    }
    Ok(())
}

pub(crate) fn map_row(raw: &RawValue) -> Result<TransactionInput, RowError> {
    let row = Row::parse(raw).map_err(|e| RowError::new(None, format!("the row {e}")))?;
    let row = &row;
    let id = match fields::text(row, "id") {
        Ok(Some(id)) => id,
        Ok(None) => return Err(RowError::new(None, "id is missing")),
        Err(reason) => return Err(RowError::new(None, reason)),
    };
    read_row(row, &id).map_err(|reason| RowError::new(Some(&id), reason))
}

fn read_row(row: &Row, id: &str) -> Result<TransactionInput, String> {
    let status = fields::required_text(row, "commissionStatus")?;
    let status = match status.to_ascii_lowercase().as_str() {
        "pending" => ConversionStatus::Pending,
        "approved" => ConversionStatus::Approved,
        "declined" | "deleted" => ConversionStatus::Rejected,
        _ => {
            return Err(format!(
                "commissionStatus {status:?} is not pending, approved, declined or deleted"
            ));
        }
    };
    let (commission, currency) = amount(row, "commissionAmount")?;
    let (sale, sale_currency) = amount(row, "saleAmount")?;
    if sale_currency != currency {
        return Err(format!(
            "saleAmount is in {} but commissionAmount in {}",
            sale_currency.code(),
            currency.code()
        ));
    }
    let refs = row.object("clickRefs")?;
    let slot = |key: &str| fields::text(&refs, key);
    Ok(TransactionInput {
        network: Network::Awin,
        transaction_id: id.to_string(),
        status,
        sale_amount: sale,
        commission_amount: commission,
        currency,
        transaction_time: fields::iso_time(row, "transactionDate")?,
        program_id: fields::text(row, "advertiserId")?,
        merchant: fields::text(row, "advertiserName")?,
        click_ref: slot("clickRef6")?,
        sub_ids: [
            slot("clickRef")?,
            slot("clickRef2")?,
            slot("clickRef3")?,
            slot("clickRef4")?,
            slot("clickRef5")?,
            slot("clickRef6")?,
        ],
    })
}

/// `{"amount": 4.5, "currency": "EUR"}`.
fn amount(
    row: &Row,
    key: &str,
) -> Result<(rust_decimal::Decimal, feedmill_model::Currency), String> {
    let money = row.required_object(key)?;
    let value = fields::decimal(&money, "amount").map_err(|e| format!("{key}.{e}"))?;
    let currency = fields::currency(&money, "currency").map_err(|e| format!("{key}.{e}"))?;
    Ok((value, currency))
}
