//! Conversions: sales a merchant reports to us by postback, one per (program, order).

use crate::attribution::Attribution;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use feedmill_model::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a conversion or a network transaction stands; its commission is reported by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversionStatus {
    /// Reported, not yet confirmed (the default of a new conversion).
    Pending,
    /// Confirmed; the commission will be paid.
    Approved,
    /// Refused (cancelled order, fraud, duplicate); no commission.
    Rejected,
    /// Approved once, then taken back (refund, return).
    Reversed,
}

impl ConversionStatus {
    pub const ALL: [ConversionStatus; 4] = [
        ConversionStatus::Pending,
        ConversionStatus::Approved,
        ConversionStatus::Rejected,
        ConversionStatus::Reversed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConversionStatus::Pending => "pending",
            ConversionStatus::Approved => "approved",
            ConversionStatus::Rejected => "rejected",
            ConversionStatus::Reversed => "reversed",
        }
    }

    /// The status a merchant's `order_status` implies when it ends a sale's chance of
    /// commission: `cancelled`, `canceled`, `failed` → rejected; `refunded` → reversed. Other
    /// order states (`completed`, `processing`, ...) say nothing about approval.
    pub fn implied_by_order_status(order_status: &str) -> Option<ConversionStatus> {
        match order_status.to_ascii_lowercase().as_str() {
            "cancelled" | "canceled" | "failed" | "rejected" => Some(ConversionStatus::Rejected),
            "refunded" | "reversed" => Some(ConversionStatus::Reversed),
            _ => None,
        }
    }
}

impl fmt::Display for ConversionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConversionStatus {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<ConversionStatus, StoreError> {
        ConversionStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| StoreError::Corrupt {
                column: "status",
                value: text.to_owned(),
            })
    }
}

/// A postback's fields, validated (see [`crate::validate_postback`]). Amounts are exact; the
/// sale amount is the first given of `gross_amount`, `amount`, `items_amount`, `net_amount`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConversionInput {
    pub program_id: String,
    pub order_id: String,
    pub click_id: Option<String>,
    pub visitor_id: Option<String>,
    pub customer_id_hash: Option<String>,
    pub sub_id: Option<String>,
    pub currency: Option<Currency>,
    pub amount: Option<Decimal>,
    pub gross_amount: Option<Decimal>,
    pub net_amount: Option<Decimal>,
    pub items_amount: Option<Decimal>,
    pub shipping_amount: Option<Decimal>,
    pub discount_amount: Option<Decimal>,
    pub tax_amount: Option<Decimal>,
    pub refunded_amount: Option<Decimal>,
    /// Our commission on the sale, when the program's rules give one.
    pub commission_amount: Option<Decimal>,
    pub order_status: Option<String>,
    pub payment_status: Option<String>,
    /// An explicit status; without one, see [`ConversionStatus::implied_by_order_status`].
    pub status: Option<ConversionStatus>,
    pub order_time: Option<DateTime<Utc>>,
    pub quantity: Option<i64>,
    /// Linkolino's integration context, kept with the conversion: the shop's own customer id
    /// (internal or hashed), its `consent_mode` (one of [`crate::CONSENT_MODES`]), how the shop
    /// is integrated (`integration_mode`, e.g. `plugin`) and from where (`source`, e.g.
    /// `woocommerce`: the shop's platform, not one of our feed sources, which `/earnings`
    /// groups by through the attributed click).
    pub customer_id: Option<String>,
    pub consent_mode: Option<String>,
    pub integration_mode: Option<String>,
    pub source: Option<String>,
}

impl ConversionInput {
    /// The amount reported as the sale's value.
    pub fn sale_amount(&self) -> Option<Decimal> {
        self.gross_amount
            .or(self.amount)
            .or(self.items_amount)
            .or(self.net_amount)
    }
}

/// What an upsert answers: the postback's `conversion_id` and `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConversionReceipt {
    pub conversion_id: String,
    pub status: ConversionStatus,
    /// True when this postback created the conversion, false when it updated it.
    pub created: bool,
}

/// A stored conversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversion {
    pub conversion_id: String,
    pub program_id: String,
    pub order_id: String,
    pub click_id: Option<String>,
    pub visitor_id: Option<String>,
    pub customer_id_hash: Option<String>,
    pub sub_id: Option<String>,
    pub currency: Currency,
    pub amount: Option<Decimal>,
    pub gross_amount: Option<Decimal>,
    pub net_amount: Option<Decimal>,
    pub items_amount: Option<Decimal>,
    pub shipping_amount: Option<Decimal>,
    pub discount_amount: Option<Decimal>,
    pub tax_amount: Option<Decimal>,
    pub refunded_amount: Option<Decimal>,
    pub sale_amount: Decimal,
    pub commission_amount: Option<Decimal>,
    pub order_status: Option<String>,
    pub payment_status: Option<String>,
    pub status: ConversionStatus,
    pub order_time: Option<DateTime<Utc>>,
    pub quantity: Option<i64>,
    /// The integration context, as in [`ConversionInput`].
    pub customer_id: Option<String>,
    pub consent_mode: Option<String>,
    pub integration_mode: Option<String>,
    pub source: Option<String>,
    /// When the first postback for this order arrived.
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub attribution: Attribution,
}

impl Conversion {
    /// The time the conversion counts at: the order's time, else its first postback's.
    pub fn time(&self) -> DateTime<Utc> {
        self.order_time.unwrap_or(self.received_at)
    }
}

/// One entry of a status history: the status and when it was first reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub status: ConversionStatus,
    pub time: DateTime<Utc>,
}
