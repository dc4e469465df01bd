//! [`CommissionStore`]: the commission rules of network programs, as last fetched.

use crate::commission::{CommissionRule, ProgramCommissions};
use crate::error::StoreResult;
use chrono::{DateTime, Utc};
use feedmill_model::Network;

/// Commission rules per (network, program). A fetch replaces a program's rules as a whole:
/// a commission type the network no longer lists is gone.
pub trait CommissionStore {
    /// Replaces the rules of `program_id` on `network` with `rules`, fetched at `now`.
    fn replace_commissions(
        &self,
        network: Network,
        program_id: &str,
        rules: &[CommissionRule],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The rules of one program, in the network's order (empty when none are known).
    fn commissions(&self, network: Network, program_id: &str) -> StoreResult<Vec<CommissionRule>>;
    /// Every program's rules: what an API caches in memory.
    fn all_commissions(&self) -> StoreResult<Vec<ProgramCommissions>>;
}
