//! The transaction sync: every `[[network_account]]`'s report over a trailing window
//! (default 30 days, `[transactions] days`) pulled again and upserted into the store by the
//! network's transaction id.
//!
//! The window is re-pulled in full each time because networks change a sale's status for
//! weeks after it (pending → approved, or approved → reversed when the order is returned)
//! and mostly report only the current state; the store keeps the history of statuses. A
//! network's "rejected" for a sale the store holds as approved is stored as **reversed**:
//! the commission was granted, then taken back. Adtraction accounts also refresh their
//! programs' commission types ([`CommissionStore`](feedmill_store::CommissionStore)).
//!
//! Accounts are synced one after the other; one failing (a rejected token, an outage) is
//! reported and the others go on. A report that fails leaves the store unchanged for that
//! account: rows are written only after the whole report was read. Store work is blocking
//! and runs on tokio's blocking pool. [`run_transaction_schedule`] repeats the sync in
//! `feedmill serve` every `[transactions] every`.

mod account_sync;
mod report;

pub use report::{AccountSyncReport, TransactionSyncReport};

use chrono::{DateTime, Utc};
use feedmill_fetch::{FetchContext, NetworkAccount, TransactionSyncConfig, TransactionWindow};
use feedmill_store::Store;
use std::sync::Arc;
use tracing::{info, warn};

/// Syncs every account over the `days` before `now`.
pub async fn sync_transactions(
    store: Arc<dyn Store>,
    ctx: &FetchContext,
    accounts: &[NetworkAccount],
    days: u32,
    now: DateTime<Utc>,
) -> TransactionSyncReport {
    let window = TransactionWindow::trailing(days, now);
    let mut report = TransactionSyncReport {
        from: window.from,
        to: window.to,
        accounts: Vec::with_capacity(accounts.len()),
    };
    for account in accounts {
        let synced = account_sync::sync_account(store.clone(), ctx, account, window, now).await;
        match &synced.error {
            Some(error) => warn!(account = %synced.account, %error, "transaction sync failed"),
            None => info!(
                account = %synced.account,
                num_fetched = synced.num_fetched,
                num_new = synced.num_new,
                num_updated = synced.num_updated,
                num_rejected = synced.num_rejected,
                "transactions synced"
            ),
        }
        report.accounts.push(synced);
    }
    report
}

/// Runs until aborted: a sync every `config.every` (the first at once); after each,
/// `on_synced` is told (the API refreshes its commission rules). Returns at once when the
/// config has no schedule or there are no accounts.
pub async fn run_transaction_schedule(
    store: Arc<dyn Store>,
    ctx: FetchContext,
    accounts: Vec<NetworkAccount>,
    config: TransactionSyncConfig,
    on_synced: Arc<dyn Fn(&TransactionSyncReport) + Send + Sync>,
) {
    let Some(every) = config.every else {
        return;
    };
    if accounts.is_empty() {
        return;
    }
    loop {
        let report =
            sync_transactions(store.clone(), &ctx, &accounts, config.days, Utc::now()).await;
        on_synced(&report);
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests;
