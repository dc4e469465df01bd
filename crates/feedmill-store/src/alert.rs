//! Price alerts: "tell me when this offer (or any offer of this GTIN) costs less than X".
//!
//! An [`Alert`] names its target ([`AlertTarget`]), a threshold `below` in one currency and an
//! http(s) callback. It remembers whether its condition held at the last evaluation
//! (`is_below`): an evaluation that finds the current lowest price below the threshold while
//! the last one did not (or there was none yet) creates one [`AlertDelivery`], in the same
//! transaction as the state change, so a drop is delivered once however many evaluations see
//! it; only a price back at or above the threshold re-arms the alert. A delivery is `pending`
//! until its callback answers 2xx (`delivered`) or its attempts are used up (`failed`), with the
//! number of attempts and the last error kept.
//!
//! Each alert has its own signing secret (256 random bits as hex): the API shows it once, at
//! creation, and signs every delivery's body with it (HMAC-SHA256). Signing needs the secret
//! itself, so it is stored as it is (unlike an API key, which only needs a hash to check).

use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use feedmill_model::{Currency, Gtin};
use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt;

/// Random bytes in an alert or delivery id (32 hex characters).
const ID_BYTES: usize = 16;
/// Random bytes in an alert's signing secret (64 hex characters).
const SECRET_BYTES: usize = 32;

/// Random bytes from the operating system, as lower-case hex.
pub(crate) fn random_hex<const N: usize>() -> StoreResult<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|err| StoreError::Randomness(err.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A fresh signing secret.
pub(crate) fn random_secret() -> StoreResult<String> {
    random_hex::<SECRET_BYTES>()
}

/// A fresh delivery id.
pub(crate) fn random_delivery_id() -> StoreResult<String> {
    random_hex::<ID_BYTES>()
}

/// The id of an alert: 128 random bits as hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AlertId(pub(crate) String);

impl AlertId {
    pub(crate) fn random() -> StoreResult<AlertId> {
        random_hex::<ID_BYTES>().map(AlertId)
    }

    /// An id as a caller typed it; `None` unless it has an id's shape.
    pub fn parse(text: &str) -> Option<AlertId> {
        let shaped = text.len() == 2 * ID_BYTES
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        shaped.then(|| AlertId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an alert watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertTarget {
    /// One offer, by its id.
    Offer(String),
    /// Every offer of one product.
    Gtin(Gtin),
}

/// An alert as a caller asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub target: AlertTarget,
    /// The condition holds while the lowest price is strictly below this.
    pub below: Decimal,
    pub currency: Currency,
    /// Checked by the caller (scheme, addresses) before it reaches the store.
    pub callback_url: String,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub alert_id: AlertId,
    pub target: AlertTarget,
    pub below: Decimal,
    pub currency: Currency,
    pub callback_url: String,
    /// The HMAC key of its deliveries; see the module doc.
    pub secret: String,
    pub created_at: DateTime<Utc>,
    /// Whether the condition held at the last evaluation; `None` before the first.
    pub is_below: Option<bool>,
    pub evaluated_at: Option<DateTime<Utc>>,
}

/// The lowest current price an evaluation found for an alert's target in its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowestPrice {
    pub price: Decimal,
    /// The offer that has it.
    pub offer_id: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// One drop below an alert's threshold, to be told to its callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertDelivery {
    pub delivery_id: String,
    pub alert_id: AlertId,
    /// When the evaluation saw the drop.
    pub created_at: DateTime<Utc>,
    /// The lowest price then, in the alert's currency, and the offer that had it.
    pub price: Decimal,
    pub currency: Currency,
    pub offer_id: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A run's hold on the deliveries it is trying: while a claim's lease runs, no other run (in
/// this process or another) may claim or record an attempt of the same delivery, so two
/// evaluators beside each other never POST the same drop at once. A lease that ran out (its
/// holder died or hung) can be claimed again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryClaim {
    /// 128 random bits as hex, one per run.
    pub token: String,
    /// The end of the lease; renewed with every attempt recorded under the claim.
    pub until: DateTime<Utc>,
}

impl DeliveryClaim {
    /// A fresh claim whose lease ends at `until`.
    pub fn random(until: DateTime<Utc>) -> StoreResult<DeliveryClaim> {
        Ok(DeliveryClaim {
            token: random_hex::<ID_BYTES>()?,
            until,
        })
    }

    /// The same claim with its lease ending at `until`.
    pub fn renewed(&self, until: DateTime<Utc>) -> DeliveryClaim {
        DeliveryClaim {
            token: self.token.clone(),
            until,
        }
    }
}

/// How one attempt to deliver ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The callback answered 2xx.
    Delivered,
    /// It failed and will be tried again.
    Retry { error: String },
    /// It failed and no attempts are left.
    Failed { error: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_are_random_hex_of_their_length() -> StoreResult<()> {
        let id = AlertId::random()?;
        assert_eq!(AlertId::parse(id.as_str()), Some(id.clone()));
        assert_ne!(AlertId::random()?, id);
        let secret = random_hex::<SECRET_BYTES>()?;
        assert_eq!(secret.len(), 64);
        assert!(AlertId::parse("not-an-id").is_none());
        assert!(AlertId::parse(&id.as_str().to_uppercase()).is_none());
        Ok(())
    }
}
