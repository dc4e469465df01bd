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

use super::AlertError;
use super::callback_url::{CallbackPolicy, check_callback};
use super::signature::{DELIVERY_HEADER, SIGNATURE_HEADER, sign};
use chrono::{SecondsFormat, Utc};
use feedmill_store::{Alert, AlertDelivery, AlertTarget, AttemptOutcome, DeliveryState, Store};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

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

/// Why one attempt failed, and whether trying again may help.
struct AttemptFailure {
    error: String,
    retryable: bool,
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

/// Tries `delivery` until it is delivered, failed, or no longer pending in the store (its
/// alert was deleted, or another run finished it); returns where it stands then, `None` in
/// the last case.
pub(crate) async fn deliver(
    store: &Arc<dyn Store>,
    alert: &Alert,
    delivery: &AlertDelivery,
    policy: CallbackPolicy,
    retry: RetryPolicy,
) -> Result<Option<DeliveryState>, AlertError> {
    let body = delivery_body(alert, delivery);
    let mut attempts_made = delivery.attempts;
    loop {
        let result = attempt(alert, &delivery.delivery_id, &body, policy, retry.timeout).await;
        attempts_made += 1;
        let outcome = match result {
            Ok(()) => AttemptOutcome::Delivered,
            Err(failure) if failure.retryable && attempts_made < retry.max_attempts => {
                AttemptOutcome::Retry {
                    error: failure.error,
                }
            }
            Err(failure) => AttemptOutcome::Failed {
                error: failure.error,
            },
        };
        let recorded = record_attempt(store, &delivery.delivery_id, outcome).await?;
        match recorded.map(|d| d.state) {
            Some(DeliveryState::Pending) => tokio::time::sleep(retry.backoff(attempts_made)).await,
            state => return Ok(state),
        }
    }
}

async fn record_attempt(
    store: &Arc<dyn Store>,
    delivery_id: &str,
    outcome: AttemptOutcome,
) -> Result<Option<AlertDelivery>, AlertError> {
    let store = store.clone();
    let delivery_id = delivery_id.to_string();
    tokio::task::spawn_blocking(move || store.record_attempt(&delivery_id, &outcome, Utc::now()))
        .await
        .map_err(|err| AlertError::Task(err.to_string()))?
        .map_err(AlertError::Store)
}

async fn attempt(
    alert: &Alert,
    delivery_id: &str,
    body: &[u8],
    policy: CallbackPolicy,
    timeout: Duration,
) -> Result<(), AttemptFailure> {
    let checked = check_callback(&alert.callback_url, policy)
        .await
        .map_err(|err| AttemptFailure {
            retryable: matches!(err, super::CallbackError::Unresolvable { .. }),
            error: err.to_string(),
        })?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .resolve_to_addrs(&checked.host, &checked.addresses)
        .build()
        .map_err(|err| AttemptFailure {
            error: format!("no http client: {err}"),
            retryable: true,
        })?;
    let response = client
        .post(checked.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, sign(&alert.secret, body))
        .header(DELIVERY_HEADER, delivery_id)
        .body(body.to_vec())
        .send()
        .await
        .map_err(|err| AttemptFailure {
            error: format!("callback failed: {err}"),
            retryable: true,
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    Err(AttemptFailure {
        error: format!("callback answered http {}", status.as_u16()),
        retryable: status.is_server_error() || matches!(status.as_u16(), 408 | 429),
    })
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
