//! Attribution: which click a conversion or a network transaction is credited to.
//!
//! The rule, applied by the store on every upsert (so a later postback can complete one):
//! 1. **By click id.** The conversion's `click_id` (else its `visitor_id`), or the transaction's
//!    click reference, names a stored click → that click.
//! 2. **By sub-id and time window.** Otherwise, its `sub_id` (a transaction: its first reported
//!    sub-id) equals the first sub-id slot of clicks made in the [`ATTRIBUTION_WINDOW_DAYS`]
//!    before the sale (inclusive of the sale's instant) → the latest of those clicks
//!    (last click wins, as the networks credit it).
//! 3. Otherwise it is **unattributed**: stored and counted all the same, and listed by
//!    `unattributed` so an operator can see it.

use crate::click::ClickId;
use serde::Serialize;

/// How far before a sale a click may be credited by sub-id: 30 days, the common affiliate
/// cookie lifetime (Awin, Adtraction and PartnerBoost programs default to it).
pub const ATTRIBUTION_WINDOW_DAYS: i64 = 30;

/// How a sale was tied to a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributionMethod {
    ClickId,
    SubIdWindow,
}

impl AttributionMethod {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AttributionMethod::ClickId => "click_id",
            AttributionMethod::SubIdWindow => "sub_id_window",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<AttributionMethod> {
        match text {
            "click_id" => Some(AttributionMethod::ClickId),
            "sub_id_window" => Some(AttributionMethod::SubIdWindow),
            _ => None,
        }
    }
}

/// The click a sale is credited to, and how; both `None` when unattributed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Attribution {
    pub click_id: Option<ClickId>,
    pub method: Option<AttributionMethod>,
}

impl Attribution {
    pub fn is_attributed(&self) -> bool {
        self.click_id.is_some()
    }
}

/// A sale that no click could be credited with.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UnattributedSale {
    Conversion {
        conversion_id: String,
        program_id: String,
        order_id: String,
    },
    Transaction {
        network: feedmill_model::Network,
        transaction_id: String,
    },
}
