//! One attempt of a delivery: check the callback again, then one signed POST to the very
//! addresses checked (see `delivery.rs` for why).

use super::callback_url::{CallbackError, CallbackPolicy, check_callback};
use super::signature::{DELIVERY_HEADER, SIGNATURE_HEADER, sign};
use feedmill_store::Alert;
use std::time::Duration;

/// Why one attempt failed, and whether trying again may help.
pub(super) struct AttemptFailure {
    pub(super) error: String,
    pub(super) retryable: bool,
}

/// One attempt, the callback check and its DNS lookup included, cut off after `timeout`.
pub(super) async fn attempt_within(
    alert: &Alert,
    delivery_id: &str,
    body: &[u8],
    policy: CallbackPolicy,
    timeout: Duration,
) -> Result<(), AttemptFailure> {
    let tried = attempt(alert, delivery_id, body, policy, timeout);
    match tokio::time::timeout(timeout, tried).await {
        Ok(result) => result,
        Err(_) => Err(AttemptFailure {
            error: format!("callback took longer than {} ms", timeout.as_millis()),
            retryable: true,
        }),
    }
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
            retryable: matches!(err, CallbackError::Unresolvable { .. }),
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
