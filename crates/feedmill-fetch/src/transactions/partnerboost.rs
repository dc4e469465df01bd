//! PartnerBoost's publisher transaction report: `api.php?mod=medium&op=transaction`.
//!
//! Called per date range of at most 62 days (the API answers code 1006 beyond), page by page
//! with `limit=2000` (its maximum) until `total_page` — the server may cap the page smaller,
//! so the announced page count, not our limit, ends the loop. Results come in HTTP 200 with a
//! code in the envelope (1001 bad token, 1002 too frequent → retried). Statuses are
//! `Pending`, `Approved`, `Rejected`; amounts are strings in the account's currency (USD
//! unless a row names its `currency`). The click id comes back in `uid5`, the caller's
//! sub-ids in `uid`..`uid4` (all five are kept as the sub-ids reported). PartnerBoost has no transaction id of its own in this report: a
//! sale is its brand's order, `{brand_id}:{order_id}`.

use super::fields::{self, Row, RowError};
use super::{TransactionReport, TransactionWindow};
use crate::error::FetchErrorKind;
use crate::http_client::Session;
use crate::network_account::NetworkAccount;
use crate::partnerboost_envelope::check_status;
use feedmill_model::{Currency, Network};
use feedmill_store::{ConversionStatus, TransactionInput};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The report's largest page.
pub(crate) const MAX_PAGE_SIZE: u32 = 2_000;
/// The longest date range one call may ask for.
const MAX_SPAN_DAYS: i64 = 62;
/// Stops a server that announces pages without end.
const MAX_PAGES: u64 = 10_000;

#[derive(Deserialize)]
struct Envelope {
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    total_page: Option<Value>,
    /// Each row as written, so its amounts are read from their digits.
    #[serde(default)]
    list: Vec<Box<RawValue>>,
}

pub(super) async fn fetch(
    session: &Session<'_>,
    account: &NetworkAccount,
    window: TransactionWindow,
    report: &mut TransactionReport,
) -> Result<(), FetchErrorKind> {
    let token = session.token()?;
    for (begin, end) in window.date_ranges(MAX_SPAN_DAYS) {
        let dates = (begin.to_string(), end.to_string());
        let mut page: u64 = 1;
        loop {
            let data = fetch_page(session, account, &token, &dates, page).await?;
            let num_items = data.list.len();
            for row in &data.list {
                report.push(map_row(row));
            }
            let total_pages = data.total_page.as_ref().and_then(page_count);
            let done = match total_pages {
                Some(total) => page >= total,
                None => num_items < MAX_PAGE_SIZE as usize,
            };
            if done || num_items == 0 || page >= MAX_PAGES {
                break;
            }
            page += 1;
        }
    }
    Ok(())
}

async fn fetch_page(
    session: &Session<'_>,
    account: &NetworkAccount,
    token: &str,
    (begin, end): &(String, String),
    page: u64,
) -> Result<Data, FetchErrorKind> {
    let url = format!("{}/api.php?mod=medium&op=transaction", account.base_url);
    let form = [
        ("token", token.to_string()),
        ("begin_date", begin.clone()),
        ("end_date", end.clone()),
        ("status", "All".to_string()),
        ("page", page.to_string()),
        ("limit", MAX_PAGE_SIZE.to_string()),
        ("type", "json".to_string()),
    ];
    session
        .retry(|| async {
            // POST keeps the token out of URLs and access logs.
            let request = session.ctx.client.post(&url).form(&form);
            let response = session.send(request).await?;
            let body = super::read_limited(response, super::MAX_ANSWER_BYTES).await?;
            check_status(&body, false, &account.token_env)?;
            let envelope: Envelope = serde_json::from_slice(&body).map_err(|err| {
                FetchErrorKind::malformed(format!("not a transaction report page: {err}"))
            })?;
            Ok(envelope.data)
        })
        .await
}

fn page_count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// One report row as a transaction.
pub(crate) fn map_row(raw: &RawValue) -> Result<TransactionInput, RowError> {
    let row = Row::parse(raw).map_err(|e| RowError::new(None, format!("the row {e}")))?;
    let row = &row;
    let order_id = fields::text(row, "order_id").map_err(|e| RowError::new(None, e))?;
    let brand_id = fields::text(row, "brand_id").map_err(|e| RowError::new(None, e))?;
    let Some(order_id) = order_id else {
        return Err(RowError::new(None, "order_id is missing"));
    };
    let transaction_id = match brand_id {
        Some(brand) => format!("{brand}:{order_id}"),
        None => order_id,
    };
    read_row(row, &transaction_id).map_err(|reason| RowError::new(Some(&transaction_id), reason))
}

fn read_row(row: &Row, transaction_id: &str) -> Result<TransactionInput, String> {
    let status = fields::required_text(row, "status")?;
    let status = match status.to_ascii_lowercase().as_str() {
        "pending" => ConversionStatus::Pending,
        "approved" => ConversionStatus::Approved,
        "rejected" => ConversionStatus::Rejected,
        _ => {
            return Err(format!(
                "status {status:?} is not Pending, Approved or Rejected"
            ));
        }
    };
    let currency = match fields::text(row, "currency")? {
        Some(_) => fields::currency(row, "currency")?,
        None => Currency::parse("USD").map_err(|err| err.to_string())?,
    };
    let uid = |key: &str| fields::text(row, key);
    Ok(TransactionInput {
        network: Network::Partnerboost,
        transaction_id: transaction_id.to_string(),
        status,
        sale_amount: fields::decimal(row, "sale_amount")?,
        commission_amount: fields::decimal(row, "sale_comm")?,
        currency,
        transaction_time: fields::unix_time(row, "order_time")?,
        program_id: fields::text(row, "brand_id")?,
        merchant: fields::text(row, "merchant_name")?,
        click_ref: uid("uid5")?,
        sub_ids: [
            uid("uid")?,
            uid("uid2")?,
            uid("uid3")?,
            uid("uid4")?,
            uid("uid5")?,
            None,
        ],
    })
}
