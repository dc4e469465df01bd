//! One account's sync: read the report, then upsert its rows; then its commission types.

use super::report::AccountSyncReport;
use chrono::{DateTime, Utc};
use feedmill_fetch::{
    FetchContext, NetworkAccount, RejectedRow, ReportedTransaction, TransactionWindow,
    fetch_commissions, fetch_transactions,
};
use feedmill_store::{ConversionStatus, Store, StoreError, TransactionInput};
use std::sync::Arc;

pub(super) async fn sync_account(
    store: Arc<dyn Store>,
    ctx: &FetchContext,
    account: &NetworkAccount,
    window: TransactionWindow,
    now: DateTime<Utc>,
) -> AccountSyncReport {
    let mut synced = AccountSyncReport {
        account: account.label(),
        ..AccountSyncReport::default()
    };
    let report = match fetch_transactions(ctx, account, window).await {
        Ok(report) => report,
        Err(err) => {
            synced.error = Some(format!("transaction report: {}", err.kind()));
            return synced;
        }
    };
    synced.num_fetched = report.num_fetched();
    synced.rejected = report.rejected;
    let written = run_blocking(store.clone(), move |store| {
        upsert_rows(store, report.rows, now)
    })
    .await;
    match written {
        Ok((counts, refused)) => {
            synced.num_new = counts.num_new;
            synced.num_updated = counts.num_updated;
            synced.num_unchanged = counts.num_unchanged;
            synced.rejected.extend(refused);
            synced.rejected.sort_by_key(|r| r.position);
        }
        Err(err) => synced.error = Some(format!("store: {err}")),
    }
    synced.num_rejected = synced.rejected.len() as u64;
    if synced.error.is_none() {
        sync_commissions(store, ctx, account, now, &mut synced).await;
    }
    synced
}

#[derive(Debug, Default)]
struct UpsertCounts {
    num_new: u64,
    num_updated: u64,
    num_unchanged: u64,
}

/// Upserts every row; a row the store refuses (an amount it cannot hold) is reported, a
/// database fault stops the account.
fn upsert_rows(
    store: &dyn Store,
    rows: Vec<ReportedTransaction>,
    now: DateTime<Utc>,
) -> Result<(UpsertCounts, Vec<RejectedRow>), StoreError> {
    let mut counts = UpsertCounts::default();
    let mut refused = Vec::new();
    for row in rows {
        let input = reversal_aware(store, row.input)?;
        match store.upsert_transaction(&input, now) {
            Ok(receipt) if receipt.created => counts.num_new += 1,
            Ok(receipt) if receipt.status_changed => counts.num_updated += 1,
            Ok(_) => counts.num_unchanged += 1,
            Err(err) if err.is_user_error() => refused.push(RejectedRow {
                position: row.position,
                transaction_id: Some(input.transaction_id),
                reason: err.to_string(),
            }),
            Err(err) => return Err(err),
        }
    }
    Ok((counts, refused))
}

/// A rejection of a sale the store holds as approved (or already reversed) is a reversal.
fn reversal_aware(
    store: &dyn Store,
    mut input: TransactionInput,
) -> Result<TransactionInput, StoreError> {
    if input.status != ConversionStatus::Rejected {
        return Ok(input);
    }
    let stored = store.transaction(input.network, &input.transaction_id)?;
    if stored.is_some_and(|t| {
        matches!(
            t.status,
            ConversionStatus::Approved | ConversionStatus::Reversed
        )
    }) {
        input.status = ConversionStatus::Reversed;
    }
    Ok(input)
}

async fn sync_commissions(
    store: Arc<dyn Store>,
    ctx: &FetchContext,
    account: &NetworkAccount,
    now: DateTime<Utc>,
    synced: &mut AccountSyncReport,
) {
    let programs = match fetch_commissions(ctx, account).await {
        Ok(programs) => programs,
        Err(err) => {
            synced.error = Some(format!("commission types: {}", err.kind()));
            return;
        }
    };
    let network = account.network();
    for program in programs {
        synced.num_commission_programs += 1;
        synced.num_commission_rules += program.rules.len() as u64;
        synced.rejected_commissions.extend(program.rejected);
        let (id, rules) = (program.program_id, program.rules);
        let stored = run_blocking(store.clone(), move |store| {
            store.replace_commissions(network, &id, &rules, now)
        })
        .await;
        if let Err(err) = stored {
            synced.error = Some(format!("store: {err}"));
            return;
        }
    }
}

/// Runs store work on the blocking pool.
async fn run_blocking<T, F>(store: Arc<dyn Store>, work: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
{
    tokio::task::spawn_blocking(move || work(store.as_ref()))
        .await
        .map_err(|err| StoreError::Io(std::io::Error::other(err)))?
}
