//! `feedmill transactions sync`: every `[[network_account]]`'s transaction report over the
//! trailing window, upserted into the store (`feedmill-pipeline`'s sync). Prints one line per
//! account — rows fetched, new, updated (status moved), unchanged, rejected — or the whole
//! report with `--json`; each rejected row is logged with its position and reason. Exit code
//! 1 when an account failed (a rejected token, an outage), after the others were synced.

use super::UsageError;
use super::clicks::open_store;
use super::fetch::runtime;
use super::store_location::configured_store;
use crate::cli::{TransactionsArgs, TransactionsCommand, TransactionsSyncArgs};
use anyhow::Context;
use feedmill_fetch::{FetchContext, NetworkAccount, load_config};
use feedmill_pipeline::{TransactionSyncReport, sync_transactions};
use std::process::ExitCode;
use tracing::warn;

pub fn run(args: TransactionsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        TransactionsCommand::Sync(args) => sync(args),
    }
}

fn sync(args: TransactionsSyncArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.config)?;
    let store_location = configured_store(args.store.as_deref(), &config, args.store_path());
    let accounts = selected_accounts(config.network_accounts, &args)?;
    let days = args.days.unwrap_or(config.transaction_sync.days);
    let store = open_store(&store_location)?;
    let ctx = FetchContext::new(&args.cache).context("failed to set up the HTTP client")?;
    let report = runtime()?.block_on(sync_transactions(
        store,
        &ctx,
        &accounts,
        days,
        chrono::Utc::now(),
    ));
    log_rejections(&report);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    let failed: Vec<String> = report
        .failed()
        .map(|a| format!("{}: {}", a.account, a.error.as_deref().unwrap_or_default()))
        .collect();
    for failure in &failed {
        eprintln!("error: {failure}");
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The accounts `--account` names (all without it); an unknown name is a usage error, and
/// so is a file without accounts.
fn selected_accounts(
    accounts: Vec<NetworkAccount>,
    args: &TransactionsSyncArgs,
) -> Result<Vec<NetworkAccount>, UsageError> {
    if accounts.is_empty() {
        return Err(UsageError(format!(
            "no [[network_account]] in {}",
            args.config.display()
        )));
    }
    let Some(name) = &args.account else {
        return Ok(accounts);
    };
    let selected: Vec<NetworkAccount> = accounts.into_iter().filter(|a| &a.name == name).collect();
    if selected.is_empty() {
        return Err(UsageError(format!(
            "no network account named {name:?} in {}",
            args.config.display()
        )));
    }
    Ok(selected)
}

fn log_rejections(report: &TransactionSyncReport) {
    for account in &report.accounts {
        for row in &account.rejected {
            warn!(account = %account.account, position = row.position, transaction_id = row.transaction_id.as_deref().unwrap_or("-"), reason = %row.reason, "transaction row rejected");
        }
        for row in &account.rejected_commissions {
            warn!(account = %account.account, position = row.position, commission_id = row.transaction_id.as_deref().unwrap_or("-"), reason = %row.reason, "commission type rejected");
        }
    }
}

/// One line per account.
fn table(report: &TransactionSyncReport) -> String {
    let mut out = format!(
        "{:<32} {:>8} {:>6} {:>8} {:>10} {:>9}  {}\n",
        "account", "fetched", "new", "updated", "unchanged", "rejected", "status"
    );
    for a in &report.accounts {
        let status = match &a.error {
            Some(_) => "failed".to_string(),
            None if a.num_commission_programs > 0 => format!(
                "ok, {} commission types of {} programs",
                a.num_commission_rules, a.num_commission_programs
            ),
            None => "ok".to_string(),
        };
        out.push_str(&format!(
            "{:<32} {:>8} {:>6} {:>8} {:>10} {:>9}  {status}\n",
            a.account, a.num_fetched, a.num_new, a.num_updated, a.num_unchanged, a.num_rejected
        ));
    }
    out
}
