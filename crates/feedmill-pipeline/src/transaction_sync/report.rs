//! What a transaction sync did, per account: the counts `feedmill transactions sync` prints.

use chrono::{DateTime, Utc};
use feedmill_fetch::RejectedRow;
use serde::Serialize;

/// One sync over all accounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionSyncReport {
    /// The window re-pulled.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub accounts: Vec<AccountSyncReport>,
}

impl TransactionSyncReport {
    /// The accounts whose sync failed.
    pub fn failed(&self) -> impl Iterator<Item = &AccountSyncReport> {
        self.accounts.iter().filter(|a| a.error.is_some())
    }
}

/// One account's sync.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccountSyncReport {
    /// `network/name`.
    pub account: String,
    /// Rows in the network's report, readable or not.
    pub num_fetched: u64,
    /// Transactions the store did not have.
    pub num_new: u64,
    /// Known transactions whose status moved.
    pub num_updated: u64,
    /// Known transactions whose status stayed.
    pub num_unchanged: u64,
    /// Rows not stored: unreadable, or refused by the store; each is in `rejected`.
    pub num_rejected: u64,
    pub rejected: Vec<RejectedRow>,
    /// Programs whose commission types were refreshed, and the types stored.
    pub num_commission_programs: u64,
    pub num_commission_rules: u64,
    /// Commission types that could not be read (position within their program's list).
    pub rejected_commissions: Vec<RejectedRow>,
    /// Why the account's sync stopped, when it did.
    pub error: Option<String>,
}
