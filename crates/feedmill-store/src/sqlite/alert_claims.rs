//! Claims on pending alert deliveries (see [`DeliveryClaim`]): the `claim_token` and
//! `claimed_until_us` columns of `alert_deliveries` (migration [`SCHEMA_ALERT_CLAIMS`]).
//!
//! Each step is one compare-and-set inside one write, which the writer runs inside
//! `BEGIN IMMEDIATE`, so two processes on the same file see each other's claims: a claim
//! succeeds only on a pending delivery no unexpired lease holds, and an attempt is recorded
//! only under the claim that holds the delivery.

use super::alert_rows::delivery;
use crate::alert::{AlertDelivery, AttemptOutcome, DeliveryClaim, DeliveryState};
use crate::error::StoreResult;
use crate::stored::time_to_stored;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// Who holds a pending delivery, and until when.
pub(crate) const SCHEMA_ALERT_CLAIMS: &str = "
ALTER TABLE alert_deliveries ADD COLUMN claim_token TEXT;
ALTER TABLE alert_deliveries ADD COLUMN claimed_until_us INTEGER;
";

/// Claims `delivery_id` for `claim` unless another unexpired claim holds it.
pub(super) fn claim(
    connection: &Connection,
    delivery_id: &str,
    claim: &DeliveryClaim,
    now: DateTime<Utc>,
) -> StoreResult<Option<AlertDelivery>> {
    let claimed = connection.execute(
        "UPDATE alert_deliveries SET claim_token = ?2, claimed_until_us = ?3 \
         WHERE delivery_id = ?1 AND state = 'pending' \
         AND (claim_token IS NULL OR claim_token = ?2 OR claimed_until_us <= ?4)",
        params![
            delivery_id,
            claim.token,
            time_to_stored(claim.until),
            time_to_stored(now)
        ],
    )?;
    match claimed {
        0 => Ok(None),
        _ => delivery(connection, delivery_id),
    }
}

/// Gives `delivery_id` back when `token` holds it and it is still pending.
pub(super) fn release(
    connection: &Connection,
    delivery_id: &str,
    token: &str,
) -> StoreResult<bool> {
    let released = connection.execute(
        "UPDATE alert_deliveries SET claim_token = NULL, claimed_until_us = NULL \
         WHERE delivery_id = ?1 AND claim_token = ?2 AND state = 'pending'",
        params![delivery_id, token],
    )?;
    Ok(released > 0)
}

/// Records one attempt under `claim`: a delivery left pending keeps the claim (renewed), a
/// delivered or failed one loses it.
pub(super) fn record_attempt(
    connection: &Connection,
    delivery_id: &str,
    claim: &DeliveryClaim,
    outcome: &AttemptOutcome,
    now: DateTime<Utc>,
) -> StoreResult<Option<AlertDelivery>> {
    let (state, error) = match outcome {
        AttemptOutcome::Delivered => (DeliveryState::Delivered, None),
        AttemptOutcome::Retry { error } => (DeliveryState::Pending, Some(error.clone())),
        AttemptOutcome::Failed { error } => (DeliveryState::Failed, Some(error.clone())),
    };
    let now_us = time_to_stored(now);
    let delivered_us = (state == DeliveryState::Delivered).then_some(now_us);
    let (token, until_us) = match state {
        DeliveryState::Pending => (
            Some(claim.token.as_str()),
            Some(time_to_stored(claim.until)),
        ),
        _ => (None, None),
    };
    let updated = connection.execute(
        "UPDATE alert_deliveries SET state = ?2, attempts = attempts + 1, last_error = ?3, \
         last_attempt_us = ?4, delivered_us = ?5, claim_token = ?6, claimed_until_us = ?7 \
         WHERE delivery_id = ?1 AND state = 'pending' AND claim_token = ?8",
        params![
            delivery_id,
            state.as_str(),
            error,
            now_us,
            delivered_us,
            token,
            until_us,
            claim.token
        ],
    )?;
    match updated {
        0 => Ok(None),
        _ => delivery(connection, delivery_id),
    }
}
