//! The networks' transaction reports: what each network says its sales are worth now.
//!
//! [`fetch_transactions`] pulls one [`NetworkAccount`]'s report over a [`TransactionWindow`]
//! and maps every row into a [`TransactionInput`] (exact amounts with their currency, the
//! network's status as pending / approved / rejected, our click id from the sub-id slot it
//! travelled in, the caller's sub-ids from theirs):
//!
//! | network | call | split / paging | click id back in |
//! |---|---|---|---|
//! | PartnerBoost | `api.php?mod=medium&op=transaction` | ≤ 62 days a call; pages of ≤ 2,000 | `uid5` |
//! | Adtraction | `POST /v2/partner/transactions/` | one call | `click.epi` |
//! | Awin | `GET /publishers/{id}/transactions/` | ≤ 31 days a call, ≤ 20 calls a minute | `clickRefs.clickRef6` |
//!
//! Requests go through the fetch [`Session`](crate::http_client::Session): retried on 429 /
//! 5xx / timeouts (honouring `Retry-After`), never on a rejected token, paced by the shared
//! rate limiter. A row that cannot be read is a [`RejectedRow`] with its position and the
//! reason — reported, never dropped silently, never a panic. Rows are read as the JSON text
//! the network sent ([`row`]), so amounts are exact, never an `f64`; a response that is not the
//! report at all (or larger than any report, `MAX_ANSWER_BYTES`) fails the account's
//! fetch. Reports are collected in memory: a 30-day window of one account is thousands of
//! rows, not millions.

mod adtraction;
mod adtraction_commissions;
mod awin;
pub(crate) mod fields;
mod partnerboost;
mod row;
mod window;

pub use adtraction_commissions::{ProgramCommissionReport, fetch_commissions};
pub use window::TransactionWindow;

use crate::context::FetchContext;
use crate::error::{FetchError, FetchErrorKind};
use crate::http_client::Session;
use crate::network_account::{AccountNetwork, NetworkAccount};
use feedmill_store::TransactionInput;
use serde::Serialize;

/// A report row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// 1-based position of the row in the account's report, over all calls and pages.
    pub position: u64,
    /// The network's transaction id, when the row had a readable one.
    pub transaction_id: Option<String>,
    pub reason: String,
}

/// A readable report row and where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedTransaction {
    /// 1-based position in the account's report, as [`RejectedRow::position`].
    pub position: u64,
    pub input: TransactionInput,
}

/// One account's report over one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransactionReport {
    pub rows: Vec<ReportedTransaction>,
    pub rejected: Vec<RejectedRow>,
    /// HTTP requests made, retries included.
    pub num_requests: u32,
}

impl TransactionReport {
    /// Rows seen, readable or not.
    pub fn num_fetched(&self) -> u64 {
        (self.rows.len() + self.rejected.len()) as u64
    }

    /// Adds one mapped row at the next position.
    pub(crate) fn push(&mut self, row: Result<TransactionInput, fields::RowError>) {
        let position = self.num_fetched() + 1;
        match row {
            Ok(input) => self.rows.push(ReportedTransaction { position, input }),
            Err(err) => self.rejected.push(RejectedRow {
                position,
                transaction_id: err.transaction_id,
                reason: err.reason,
            }),
        }
    }
}

/// The most a report answer (one page or call) may hold: a 2,000-row PartnerBoost page is
/// about a megabyte, so a larger answer is not a report.
pub(crate) const MAX_ANSWER_BYTES: usize = 64 << 20;

/// A response body read up to `limit` bytes; a longer one is refused, not buffered.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, FetchErrorKind> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchErrorKind::transport)? {
        if body.len() + chunk.len() > limit {
            return Err(FetchErrorKind::malformed(format!(
                "the answer is larger than {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Pulls `account`'s transactions in `window`.
pub async fn fetch_transactions(
    ctx: &FetchContext,
    account: &NetworkAccount,
    window: TransactionWindow,
) -> Result<TransactionReport, FetchError> {
    let label = account.label();
    let session = Session::new(ctx, label.clone(), Some(&account.token_env));
    let mut report = TransactionReport::default();
    let result = match &account.network {
        AccountNetwork::Partnerboost => {
            partnerboost::fetch(&session, account, window, &mut report).await
        }
        AccountNetwork::Adtraction { .. } => {
            adtraction::fetch(&session, account, window, &mut report).await
        }
        AccountNetwork::Awin { publisher_id } => {
            awin::fetch(&session, account, *publisher_id, window, &mut report).await
        }
    };
    report.num_requests = session.num_requests();
    result.map_err(|kind: FetchErrorKind| {
        tracing::warn!(account = %label, error = %kind, "transaction report failed");
        FetchError::new(label.clone(), kind)
    })?;
    tracing::info!(
        account = %label,
        num_rows = report.rows.len(),
        num_rejected = report.rejected.len(),
        num_requests = report.num_requests,
        "transaction report read"
    );
    Ok(report)
}

#[cfg(test)]
mod tests;
