//! `feedmill serve`'s part of the transaction sync: the API's commission rules loaded from
//! the store at start, and the sync on its `[transactions] every` schedule, after which the
//! rules are loaded again.

use feedmill_api::{AppState, CommissionBook, SourceProgram};
use feedmill_fetch::{FeedConfig, FetchContext, NetworkConfig};
use feedmill_model::Network;
use feedmill_pipeline::{TransactionSyncReport, run_transaction_schedule};
use feedmill_store::Store;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tracing::{info, warn};

/// Loads the rules now and starts the scheduled sync (a task that ends at once when the
/// config schedules none).
pub(super) fn start(
    state: &AppState,
    store: Arc<dyn Store>,
    ctx: FetchContext,
    config: &FeedConfig,
) -> JoinHandle<()> {
    let book = state.commissions();
    let sources = Arc::new(source_programs(config));
    load_rules(store.as_ref(), &book, &sources);
    let reload_store = store.clone();
    let on_synced = Arc::new(move |report: &TransactionSyncReport| {
        let failed = report.failed().count();
        info!(
            num_accounts = report.accounts.len(),
            num_failed = failed,
            "transaction sync done"
        );
        let (store, book, sources) = (reload_store.clone(), book.clone(), sources.clone());
        tokio::task::spawn_blocking(move || load_rules(store.as_ref(), &book, &sources));
    });
    tokio::spawn(run_transaction_schedule(
        store,
        ctx,
        config.network_accounts.clone(),
        config.transaction_sync,
        on_synced,
    ))
}

/// The program of each Adtraction source (its `program_id`), whose offers get that
/// program's rules even when their feed names no program.
fn source_programs(config: &FeedConfig) -> Vec<SourceProgram> {
    config
        .sources
        .iter()
        .filter_map(|source| match &source.network {
            NetworkConfig::Adtraction(adtraction) => Some(SourceProgram {
                source: source.name.clone(),
                network: Network::Adtraction,
                program_id: adtraction.program_id.to_string(),
            }),
            _ => None,
        })
        .collect()
}

fn load_rules(store: &dyn Store, book: &CommissionBook, sources: &[SourceProgram]) {
    match store.all_commissions() {
        Ok(programs) => {
            book.replace(programs, sources);
            info!(
                num_programs = book.num_programs(),
                "commission rules loaded"
            );
        }
        Err(error) => warn!(%error, "commission rules not loaded; offers keep the previous ones"),
    }
}
