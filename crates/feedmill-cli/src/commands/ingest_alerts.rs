//! Price alerts after a standalone `feedmill ingest` or `feedmill refresh` that committed at
//! least one source (off with `--no-alerts`): every alert is evaluated against the new index
//! and its new drops delivered, as `feedmill serve` does after its own refreshes, through the
//! same evaluator (`feedmill_api::alerts`) and the same delivery state in the store. A
//! delivery is claimed in the store before it is tried, so a server beside the command never
//! POSTs the same drop at the same time, and a drop is created once whoever sees it first.
//!
//! The command must not hang on a slow callback: it tries each delivery at most
//! [`CLI_BUDGET`]`.attempts_per_run` times with short waits, all within
//! [`CLI_BUDGET`]`.within`; what still fails stays pending, for the next evaluator (the server's
//! next run, or the next ingest), which carries on counting its attempts. The callback check
//! (SSRF) runs again before every attempt; `--allow-private-callbacks` (or the sources file's
//! `[alerts] allow_private_callbacks` for `refresh`) lets callbacks reach private addresses.
//! No store yet means no alerts: nothing is created for them.

use super::clicks::open_store;
use super::fetch::runtime;
use crate::cli::AlertArgs;
use chrono::{DateTime, Utc};
use feedmill_api::WallClock;
use feedmill_api::alerts::{
    AlertEvaluator, AlertRunStats, CallbackPolicy, DeliveryBudget, RetryPolicy,
};
use feedmill_search::SearchBackend;
use feedmill_store::Store;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The command's retries: a quick first wait, short attempts.
pub(crate) const CLI_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 5,
    first_backoff: Duration::from_secs(1),
    max_backoff: Duration::from_secs(4),
    timeout: Duration::from_secs(5),
};

/// What the command spends on deliveries: three attempts each (1 s and 2 s apart), twenty
/// seconds in all.
pub(crate) const CLI_BUDGET: DeliveryBudget = DeliveryBudget {
    attempts_per_run: 3,
    within: Some(Duration::from_secs(20)),
};

// A run of the command never uses up a delivery's attempts: the next run may still deliver it.
const _: () = assert!(CLI_BUDGET.attempts_per_run < CLI_RETRY.max_attempts);

/// What the command knows about alerts besides its `AlertArgs`.
pub(crate) struct AlertContext<'a> {
    pub store_path: &'a Path,
    /// The store as the ingest opened it, if it did: opening it again in the same process
    /// would find its click journal taken (by this process) and start a second one.
    pub store: Option<Arc<dyn Store>>,
    /// The sources file's `[alerts] allow_private_callbacks` (`false` without one).
    pub allow_private: bool,
    /// The `--now` the command runs at.
    pub now: Option<DateTime<Utc>>,
}

/// Evaluates and delivers the alerts against `index`, printing one summary line; a failure
/// is printed too, never the command's: its ingest is committed whatever happens here.
pub(crate) fn after_ingest(
    args: &AlertArgs,
    index: Arc<dyn SearchBackend>,
    context: &AlertContext<'_>,
) {
    if args.no_alerts || !super::store_location::store_exists(context.store_path) {
        return;
    }
    match run_alerts(args, index, context) {
        Ok(stats) => eprintln!("{}", summary(&stats)),
        Err(err) => eprintln!("warning: price alerts not evaluated: {err:#}"),
    }
}

fn run_alerts(
    args: &AlertArgs,
    index: Arc<dyn SearchBackend>,
    context: &AlertContext<'_>,
) -> anyhow::Result<AlertRunStats> {
    let store: Arc<dyn Store> = match &context.store {
        Some(store) => store.clone(),
        None => open_store(context.store_path)?,
    };
    let policy = CallbackPolicy {
        allow_private: args.allow_private_callbacks || context.allow_private,
    };
    let clock = context
        .now
        .map_or_else(WallClock::system, WallClock::fixed_at);
    let evaluator = AlertEvaluator::new(index, store, policy)
        .with_retry(CLI_RETRY)
        .with_budget(CLI_BUDGET)
        .with_clock(clock);
    let evaluator = Arc::new(evaluator);
    Ok(runtime()?.block_on(evaluator.run_once())?)
}

/// The line the command prints.
pub(crate) fn summary(stats: &AlertRunStats) -> String {
    let mut line = format!(
        "alerts: {} evaluated, {} new drops, {} delivered, {} pending",
        stats.num_evaluated, stats.num_dropped, stats.num_delivered, stats.num_pending
    );
    if stats.num_failed > 0 {
        line.push_str(&format!(", {} failed", stats.num_failed));
    }
    if stats.num_errors > 0 {
        line.push_str(&format!(", {} not evaluated", stats.num_errors));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_bounds_the_command_and_the_summary_says_what_is_left() {
        let waits = CLI_RETRY.first_backoff + CLI_RETRY.first_backoff * 2;
        let attempts = CLI_RETRY.timeout * CLI_BUDGET.attempts_per_run;
        assert!(waits + attempts <= CLI_BUDGET.within.unwrap_or_default());
        let stats = AlertRunStats {
            num_evaluated: 3,
            num_dropped: 2,
            num_delivered: 1,
            num_pending: 1,
            num_failed: 0,
            num_errors: 1,
        };
        assert_eq!(
            summary(&stats),
            "alerts: 3 evaluated, 2 new drops, 1 delivered, 1 pending, 1 not evaluated"
        );
    }
}
