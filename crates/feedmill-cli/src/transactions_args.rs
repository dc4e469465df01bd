//! The arguments of `feedmill transactions` (sync), apart from the command code so that
//! `cli.rs` names them without importing the commands.

use crate::cli::{DEFAULT_CACHE_DIR, DEFAULT_CONFIG, DEFAULT_INDEX_DIR, default_store_path};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct TransactionsArgs {
    #[command(subcommand)]
    pub command: TransactionsCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TransactionsCommand {
    /// Pull every network account's transactions over the trailing window and upsert them
    /// into the store; prints per account: fetched, new, updated, rejected rows.
    Sync(TransactionsSyncArgs),
}

#[derive(Debug, clap::Args)]
pub struct TransactionsSyncArgs {
    /// The sources file, whose `[[network_account]]`s are synced.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Days re-pulled, ending now (default: `[transactions] days`, else 30).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(feedmill_fetch::MAX_SYNC_DAYS)))]
    pub days: Option<u32>,
    /// Only this account (its `name`; default: all).
    #[arg(long)]
    pub account: Option<String>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// The store (SQLite; default: feedmill.db beside the index folder).
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    #[arg(long, default_value = DEFAULT_CACHE_DIR)]
    pub cache: PathBuf,
}

impl TransactionsSyncArgs {
    pub fn store_path(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| default_store_path(&self.index))
    }
}
