//! [`AlertStore`]: price alerts and the state of their deliveries (see [`crate::alert`]).

use crate::alert::{
    Alert, AlertDelivery, AlertId, AttemptOutcome, DeliveryClaim, LowestPrice, NewAlert,
};
use crate::error::StoreResult;
use chrono::{DateTime, Utc};

/// Price alerts. Like every store trait: synchronous, durable on return, times passed in.
pub trait AlertStore {
    /// Stores a new alert under a fresh id with a fresh signing secret.
    fn create_alert(&self, alert: &NewAlert, now: DateTime<Utc>) -> StoreResult<Alert>;
    fn alert(&self, alert_id: &AlertId) -> StoreResult<Option<Alert>>;
    /// Deletes an alert and its deliveries; false when there was none.
    fn delete_alert(&self, alert_id: &AlertId) -> StoreResult<bool>;
    /// Every alert, oldest first.
    fn alerts(&self) -> StoreResult<Vec<Alert>>;
    /// Records one evaluation: `lowest` is the lowest current price of the alert's target in
    /// its currency (`None`: no offer has one). When the condition (`lowest < below`) holds now
    /// and did not at the last evaluation, a pending delivery is created in the same write and
    /// returned; otherwise `None`. An alert deleted meanwhile gives `None` too.
    fn record_evaluation(
        &self,
        alert_id: &AlertId,
        lowest: Option<&LowestPrice>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AlertDelivery>>;
    /// Deliveries still pending, of every alert, oldest first.
    fn pending_deliveries(&self) -> StoreResult<Vec<AlertDelivery>>;
    /// The deliveries of one alert, oldest first.
    fn deliveries(&self, alert_id: &AlertId) -> StoreResult<Vec<AlertDelivery>>;
    /// Claims a pending delivery for `claim` (see [`DeliveryClaim`]) in one write: `None` when
    /// it is gone, no longer pending, or held by another claim whose lease runs past `now`.
    fn claim_delivery(
        &self,
        delivery_id: &str,
        claim: &DeliveryClaim,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AlertDelivery>>;
    /// Gives back a delivery `token` holds, still pending, for the next run; false when the
    /// token does not hold it.
    fn release_delivery(&self, delivery_id: &str, token: &str) -> StoreResult<bool>;
    /// Records one attempt of a pending delivery `claim` holds, renewing its lease to
    /// `claim.until` while it stays pending and ending it otherwise; `None` when it is gone,
    /// no longer pending or not held by the claim (so a delivery is never marked twice).
    fn record_attempt(
        &self,
        delivery_id: &str,
        claim: &DeliveryClaim,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AlertDelivery>>;
}
