//! Network transactions: sales a network reports back, one per (network, transaction id).

use crate::attribution::Attribution;
use crate::click::NUM_SUB_ID_SLOTS;
use crate::conversion::ConversionStatus;
use chrono::{DateTime, Utc};
use feedmill_model::{Currency, Network};
use rust_decimal::Decimal;
use serde::Serialize;

/// A transaction as a network's report gives it (mapped to our statuses by the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionInput {
    pub network: Network,
    pub transaction_id: String,
    pub status: ConversionStatus,
    pub sale_amount: Decimal,
    pub commission_amount: Decimal,
    pub currency: Currency,
    /// When the sale happened, in the network's report.
    pub transaction_time: DateTime<Utc>,
    /// The network's program (advertiser) id and name, when it gives them.
    pub program_id: Option<String>,
    pub merchant: Option<String>,
    /// The click reference the network reported back (our click id's slot).
    pub click_ref: Option<String>,
    /// The sub-id slots the network reported back (`uid`..`uid5`, `clickRef`..`clickRef6`, `epi`..).
    pub sub_ids: [Option<String>; NUM_SUB_ID_SLOTS],
}

/// What an upsert of a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TransactionReceipt {
    pub created: bool,
    /// True when the status differs from the one stored before (a new history entry).
    pub status_changed: bool,
}

/// A stored network transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkTransaction {
    pub network: Network,
    pub transaction_id: String,
    pub status: ConversionStatus,
    pub sale_amount: Decimal,
    pub commission_amount: Decimal,
    pub currency: Currency,
    pub transaction_time: DateTime<Utc>,
    pub program_id: Option<String>,
    pub merchant: Option<String>,
    pub click_ref: Option<String>,
    pub sub_ids: [Option<String>; NUM_SUB_ID_SLOTS],
    pub first_seen_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub attribution: Attribution,
}
