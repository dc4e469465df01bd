//! Delivering one drop to its alert's callback: a signed JSON POST, retried with exponential
//! back-off a bounded number of times, each attempt recorded in the store.
//!
//! Every attempt checks the callback again ([`check_callback`]: DNS answers change) and then
//! connects only to the addresses it checked, follows no redirect (a 3xx could point anywhere)
//! and ignores proxy settings. 2xx delivers; 408, 429, 5xx, timeouts, connection failures and
//! a host that does not resolve are tried again after 1×, 2×, 4×… [`RetryPolicy::first_backoff`]
//! (capped at `max_backoff`) until `max_attempts` attempts have been made; any other answer, and
//! a callback the check now refuses, fail at once. The body is the same bytes on every attempt,
//! with the same delivery id, so a receiver that got an attempt we took for failed can tell the
//! retry is the same drop.
//!
//! A run first claims the delivery in the store (`feedmill_store::DeliveryClaim`, a lease
//! renewed with every attempt), so another run — another process beside this one, say a
//! `feedmill ingest` beside `feedmill serve` — skips it while this one tries it. A run may
//! also have a [`DeliveryBudget`]: when its attempts or its time are used up, a delivery still
//! pending is given back for the next run, which carries on counting its attempts.

use super::AlertError;
use super::attempt::attempt_within;
use super::callback_url::CallbackPolicy;
use crate::wall_clock::WallClock;
use chrono::{DateTime, SecondsFormat, Utc};
use feedmill_store::{
    Alert, AlertDelivery, AlertTarget, AttemptOutcome, DeliveryClaim, DeliveryState, Store,
    StoreError,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How often and how patiently a delivery is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// How long one attempt may take, connecting included.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// Five attempts over about half a minute (2 s, 4 s, 8 s, 16 s between them): long enough
    /// for a receiver's restart, short enough that a drop is news when it arrives.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, attempts_made: u32) -> Duration {
        let doubling = 2u32.saturating_pow(attempts_made.saturating_sub(1));
        self.first_backoff
            .saturating_mul(doubling)
            .min(self.max_backoff)
    }
}

/// The JSON body of a delivery.
pub fn delivery_body(alert: &Alert, delivery: &AlertDelivery) -> Vec<u8> {
    let (offer_id, gtin) = match &alert.target {
        AlertTarget::Offer(offer_id) => (Some(offer_id.clone()), None),
        AlertTarget::Gtin(gtin) => (None, Some(gtin.as_gtin14())),
    };
    json!({
        "delivery_id": delivery.delivery_id,
        "alert_id": alert.alert_id.as_str(),
        "offer_id": offer_id,
        "gtin": gtin,
        "below": alert.below.to_string(),
        "currency": delivery.currency.code(),
        "price": delivery.price.to_string(),
        "lowest_offer_id": delivery.offer_id,
        "dropped_at": delivery.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    })
    .to_string()
    .into_bytes()
}

/// What a run may spend on each delivery: attempts (the retry policy's `max_attempts` counts
/// those of every run) and time (a deadline for the whole run). What is left pending when
/// either runs out is given back, for the next run to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryBudget {
    pub attempts_per_run: u32,
    /// How long the run's deliveries may take in all, from its start; `None`: no bound.
    pub within: Option<Duration>,
}

impl DeliveryBudget {
    /// No bound but the retry policy's (the server's evaluator).
    pub const UNBOUNDED: DeliveryBudget = DeliveryBudget {
        attempts_per_run: u32::MAX,
        within: None,
    };
}

/// How long a claim lasts past the wait and the attempt it covers, for the slack between them.
const LEASE_SLACK: Duration = Duration::from_secs(30);

/// Everything one run's deliveries share.
#[derive(Clone)]
pub(crate) struct DeliveryRun {
    pub store: Arc<dyn Store>,
    pub policy: CallbackPolicy,
    pub retry: RetryPolicy,
    pub budget: DeliveryBudget,
    /// When the run must be done, from the budget.
    pub deadline: Option<Instant>,
    /// The date of attempts (the lease of a claim is on the system clock: it is about
    /// processes, not about the dates an alert reports).
    pub clock: WallClock,
}

impl DeliveryRun {
    /// The time the next attempt may take; `None` when the deadline has passed.
    fn attempt_time(&self) -> Option<Duration> {
        match self.deadline {
            None => Some(self.retry.timeout),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                (!left.is_zero()).then(|| left.min(self.retry.timeout))
            }
        }
    }

    /// Whether a wait of `backoff` and one more attempt fit this run's budget.
    fn may_wait(&self, backoff: Duration, attempts_this_run: u32) -> bool {
        attempts_this_run < self.budget.attempts_per_run
            && self.deadline.is_none_or(|deadline| {
                Instant::now()
                    .checked_add(backoff)
                    .is_some_and(|t| t < deadline)
            })
    }

    /// A lease covering `wait` and one attempt after it.
    fn lease_until(&self, wait: Duration) -> DateTime<Utc> {
        let lease = wait
            .saturating_add(self.retry.timeout)
            .saturating_add(LEASE_SLACK);
        chrono::Duration::from_std(lease)
            .ok()
            .and_then(|lease| Utc::now().checked_add_signed(lease))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Claims `delivery` and tries it until it is delivered, failed, out of this run's budget
/// (given back, still pending) or no longer this run's (its alert was deleted, or another run
/// took it over); returns where it stands then, `None` when it was not this run's to try.
pub(crate) async fn deliver(
    run: &DeliveryRun,
    alert: &Alert,
    delivery: &AlertDelivery,
) -> Result<Option<DeliveryState>, AlertError> {
    if run.attempt_time().is_none() {
        return Ok(Some(DeliveryState::Pending));
    }
    let claim = DeliveryClaim::random(run.lease_until(Duration::ZERO))?;
    let Some(claimed) = claim_delivery(run, &delivery.delivery_id, &claim).await? else {
        return Ok(None);
    };
    let body = delivery_body(alert, &claimed);
    let (mut attempts_made, mut this_run) = (claimed.attempts, 0);
    while let Some(timeout) = run.attempt_time() {
        let result = attempt_within(alert, &claimed.delivery_id, &body, run.policy, timeout).await;
        attempts_made += 1;
        this_run += 1;
        let outcome = match result {
            Ok(()) => AttemptOutcome::Delivered,
            Err(failure) if failure.retryable && attempts_made < run.retry.max_attempts => {
                AttemptOutcome::Retry {
                    error: failure.error,
                }
            }
            Err(failure) => AttemptOutcome::Failed {
                error: failure.error,
            },
        };
        let backoff = run.retry.backoff(attempts_made);
        let renewed = claim.renewed(run.lease_until(backoff));
        let recorded = record_attempt(run, &claimed.delivery_id, renewed, outcome).await?;
        match recorded.map(|d| d.state) {
            Some(DeliveryState::Pending) if run.may_wait(backoff, this_run) => {
                tokio::time::sleep(backoff).await
            }
            Some(DeliveryState::Pending) => break,
            state => return Ok(state),
        }
    }
    release(run, &claimed.delivery_id, &claim.token).await?;
    Ok(Some(DeliveryState::Pending))
}

/// Runs store work on the blocking pool.
async fn blocking<R: Send + 'static>(
    store: &Arc<dyn Store>,
    work: impl FnOnce(&dyn Store) -> Result<R, StoreError> + Send + 'static,
) -> Result<R, AlertError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || work(store.as_ref()))
        .await
        .map_err(|err| AlertError::Task(err.to_string()))?
        .map_err(AlertError::Store)
}

async fn claim_delivery(
    run: &DeliveryRun,
    delivery_id: &str,
    claim: &DeliveryClaim,
) -> Result<Option<AlertDelivery>, AlertError> {
    let (delivery_id, claim) = (delivery_id.to_string(), claim.clone());
    blocking(&run.store, move |store| {
        store.claim_delivery(&delivery_id, &claim, Utc::now())
    })
    .await
}

async fn release(run: &DeliveryRun, delivery_id: &str, token: &str) -> Result<bool, AlertError> {
    let (delivery_id, token) = (delivery_id.to_string(), token.to_string());
    blocking(&run.store, move |store| {
        store.release_delivery(&delivery_id, &token)
    })
    .await
}

async fn record_attempt(
    run: &DeliveryRun,
    delivery_id: &str,
    claim: DeliveryClaim,
    outcome: AttemptOutcome,
) -> Result<Option<AlertDelivery>, AlertError> {
    let delivery_id = delivery_id.to_string();
    let now = run.clock.now();
    blocking(&run.store, move |store| {
        store.record_attempt(&delivery_id, &claim, &outcome, now)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_its_cap() {
        let retry = RetryPolicy {
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let waits: Vec<u64> = (1..=5).map(|n| retry.backoff(n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 10, 10]);
    }
}
