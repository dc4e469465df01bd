//! The JSON of the price alert endpoints (`POST /alerts`, `GET /alerts/{id}`). Money is exact
//! decimal strings, times RFC 3339 in UTC. The signing secret appears once, in the answer to
//! `POST /alerts`, and never again.

use feedmill_store::{Alert, AlertDelivery, AlertTarget, DeliveryState};
use serde::{Deserialize, Serialize};

/// The most characters of an alert's `below`: every string of the threshold's shape this long
/// parses exactly.
pub const MAX_THRESHOLD_CHARS: usize = 30;

/// `POST /alerts`: exactly one of `gtin` and `offer_id`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRequest {
    /// Watch every offer of this product (8, 12, 13 or 14 digits with a valid check digit).
    #[serde(default)]
    pub gtin: Option<String>,
    /// Watch this offer (it must be in the index).
    #[serde(default)]
    pub offer_id: Option<String>,
    /// Deliver when the lowest price is strictly below this: a decimal string like `"79.00"`.
    pub below: String,
    /// ISO-4217; only offers in this currency count.
    pub currency: String,
    /// Where deliveries are POSTed: http(s), resolving to public addresses only (unless the
    /// operator allows private callbacks).
    pub callback_url: String,
}

/// One alert, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: String,
    pub offer_id: Option<String>,
    /// The 14-digit form.
    pub gtin: Option<String>,
    pub below: String,
    pub currency: String,
    pub callback_url: String,
    pub created_at: String,
    /// Whether the lowest price was below `below` at the last evaluation; `null` before one.
    pub is_below: Option<bool>,
    pub evaluated_at: Option<String>,
    /// Oldest first.
    pub deliveries: Vec<DeliveryView>,
}

/// The answer to `POST /alerts`: the alert and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AlertCreated {
    #[serde(flatten)]
    pub alert: AlertView,
    /// The HMAC-SHA256 key of `X-Feedmill-Signature: sha256=<hex>` on every delivery.
    pub secret: String,
}

/// One drop below the threshold and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: String,
    /// When the evaluation saw the drop.
    pub created_at: String,
    /// The lowest price then, and the offer that had it.
    pub price: String,
    pub currency: String,
    pub offer_id: String,
    /// pending, delivered or failed.
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
}

use super::rfc3339 as time;

fn state_name(state: DeliveryState) -> &'static str {
    match state {
        DeliveryState::Pending => "pending",
        DeliveryState::Delivered => "delivered",
        DeliveryState::Failed => "failed",
    }
}

impl AlertView {
    pub fn new(alert: &Alert, deliveries: &[AlertDelivery]) -> AlertView {
        let (offer_id, gtin) = match &alert.target {
            AlertTarget::Offer(offer_id) => (Some(offer_id.clone()), None),
            AlertTarget::Gtin(gtin) => (None, Some(gtin.as_gtin14())),
        };
        AlertView {
            id: alert.alert_id.to_string(),
            offer_id,
            gtin,
            below: alert.below.to_string(),
            currency: alert.currency.code().to_string(),
            callback_url: alert.callback_url.clone(),
            created_at: time(alert.created_at),
            is_below: alert.is_below,
            evaluated_at: alert.evaluated_at.map(time),
            deliveries: deliveries.iter().map(DeliveryView::new).collect(),
        }
    }
}

impl DeliveryView {
    pub fn new(delivery: &AlertDelivery) -> DeliveryView {
        DeliveryView {
            id: delivery.delivery_id.clone(),
            created_at: time(delivery.created_at),
            price: delivery.price.to_string(),
            currency: delivery.currency.code().to_string(),
            offer_id: delivery.offer_id.clone(),
            state: state_name(delivery.state).to_string(),
            attempts: delivery.attempts,
            last_error: delivery.last_error.clone(),
            last_attempt_at: delivery.last_attempt_at.map(time),
            delivered_at: delivery.delivered_at.map(time),
        }
    }
}
