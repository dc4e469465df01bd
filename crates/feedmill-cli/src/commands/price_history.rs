//! The price history of the commands that ingest (`ingest`, `refresh`, `serve`): on unless
//! `--no-history` or the sources file's `[history] enabled = false`, recorded in the store
//! `serve` uses, dated by the system clock or by the hidden `--now` (replays of simulated
//! days), pruned to the `[history]` retention after each ingest.

use super::UsageError;
use crate::cli::HistoryArgs;
use chrono::{DateTime, Utc};
use feedmill_fetch::{Clock, HistoryConfig, ManualClock, SystemClock};
use feedmill_pipeline::PriceHistory;
use feedmill_store::Store;
use std::sync::Arc;

/// The `--now` the command runs at, if given.
pub(crate) fn fixed_now(args: &HistoryArgs) -> Result<Option<DateTime<Utc>>, UsageError> {
    args.now
        .as_deref()
        .map(|text| {
            DateTime::parse_from_rfc3339(text.trim())
                .map(|time| time.with_timezone(&Utc))
                .map_err(|err| UsageError(format!("--now {text:?}: {err}")))
        })
        .transpose()
}

/// The history recorded in `store` (already open, as `serve`'s is).
pub(crate) fn history_in(
    args: &HistoryArgs,
    config: HistoryConfig,
    store: Arc<dyn Store>,
) -> anyhow::Result<PriceHistory> {
    let clock: Arc<dyn Clock> = match fixed_now(args)? {
        Some(now) => {
            let millis = u64::try_from(now.timestamp_millis())
                .map_err(|_| UsageError("--now: before 1970".into()))?;
            Arc::new(ManualClock::starting_at(millis))
        }
        None => Arc::new(SystemClock),
    };
    Ok(PriceHistory::new(store, clock).with_retention_days(i64::from(config.retention_days)))
}
