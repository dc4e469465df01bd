//! How a postback merges into the conversion already stored for its (program, order), the same
//! for every store (SQLite and Postgres write the result with their own SQL).
//!
//! A postback carries the order's current state: its amounts, statuses and currency replace
//! the stored ones (a currency left out keeps the stored one, else the program's default), while
//! identity fields left out (`click_id`, `visitor_id`, `sub_id`, `customer_id_hash`,
//! `order_time`) keep what an earlier postback said, and so does the integration context
//! (`customer_id`, `consent_mode`, `integration_mode`, `source`): a status update sent by a
//! webhook without it does not erase what the order's first postback said. The status is the
//! explicit `status`, else the one `order_status` implies, else the stored one (pending for a
//! new conversion).

use crate::conversion::{ConversionInput, ConversionStatus};
use crate::error::StoreResult;
use crate::stored::{money_to_stored, optional_money, time_to_stored};
use feedmill_model::Currency;

/// The amounts of a postback as stored, checked before the write is queued.
pub(crate) struct StoredAmounts {
    pub(crate) amount: Option<i64>,
    pub(crate) gross_amount: Option<i64>,
    pub(crate) net_amount: Option<i64>,
    pub(crate) items_amount: Option<i64>,
    pub(crate) shipping_amount: Option<i64>,
    pub(crate) discount_amount: Option<i64>,
    pub(crate) tax_amount: Option<i64>,
    pub(crate) refunded_amount: Option<i64>,
    pub(crate) sale_amount: i64,
    pub(crate) commission_amount: Option<i64>,
}

impl StoredAmounts {
    pub(crate) fn of(input: &ConversionInput) -> StoreResult<StoredAmounts> {
        let sale = input.sale_amount().unwrap_or_default();
        Ok(StoredAmounts {
            amount: optional_money("amount", input.amount)?,
            gross_amount: optional_money("gross_amount", input.gross_amount)?,
            net_amount: optional_money("net_amount", input.net_amount)?,
            items_amount: optional_money("items_amount", input.items_amount)?,
            shipping_amount: optional_money("shipping_amount", input.shipping_amount)?,
            discount_amount: optional_money("discount_amount", input.discount_amount)?,
            tax_amount: optional_money("tax_amount", input.tax_amount)?,
            refunded_amount: optional_money("refunded_amount", input.refunded_amount)?,
            sale_amount: money_to_stored("amount", sale)?,
            commission_amount: optional_money("commission_amount", input.commission_amount)?,
        })
    }
}

/// What an earlier postback stored that a new one may leave out.
pub(crate) struct StoredConversion {
    pub(crate) conversion_id: String,
    pub(crate) status: ConversionStatus,
    pub(crate) currency: Currency,
    pub(crate) received_us: i64,
    pub(crate) click_id: Option<String>,
    pub(crate) visitor_id: Option<String>,
    pub(crate) customer_id_hash: Option<String>,
    pub(crate) sub_id: Option<String>,
    pub(crate) order_time_us: Option<i64>,
    pub(crate) customer_id: Option<String>,
    pub(crate) consent_mode: Option<String>,
    pub(crate) integration_mode: Option<String>,
    pub(crate) source: Option<String>,
}

/// The conversion's row after the postback (amounts aside: [`StoredAmounts`]), and whether its
/// status history gains an entry.
pub(crate) struct MergedConversion {
    pub(crate) conversion_id: String,
    /// True when no conversion was stored for the order.
    pub(crate) created: bool,
    pub(crate) status: ConversionStatus,
    pub(crate) status_changed: bool,
    pub(crate) currency: Currency,
    pub(crate) click_id: Option<String>,
    pub(crate) visitor_id: Option<String>,
    pub(crate) customer_id_hash: Option<String>,
    pub(crate) sub_id: Option<String>,
    pub(crate) customer_id: Option<String>,
    pub(crate) consent_mode: Option<String>,
    pub(crate) integration_mode: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) received_us: i64,
    pub(crate) order_time_us: Option<i64>,
    /// When the sale happened, for attribution: the order time, else when it was first received.
    pub(crate) sale_time_us: i64,
}

impl MergedConversion {
    /// `input` received at `now_us` merged into `old` (see the module doc).
    pub(crate) fn of(
        input: &ConversionInput,
        old: Option<&StoredConversion>,
        default_currency: Currency,
        now_us: i64,
    ) -> MergedConversion {
        let implied = input
            .order_status
            .as_deref()
            .and_then(ConversionStatus::implied_by_order_status);
        let status = (input.status.or(implied))
            .or(old.map(|e| e.status))
            .unwrap_or(ConversionStatus::Pending);
        let kept = |new: &Option<String>, stored: fn(&StoredConversion) -> &Option<String>| {
            new.clone().or_else(|| old.and_then(|e| stored(e).clone()))
        };
        let received_us = old.map_or(now_us, |e| e.received_us);
        let order_time_us =
            (input.order_time.map(time_to_stored)).or(old.and_then(|e| e.order_time_us));
        MergedConversion {
            conversion_id: old.map_or_else(
                || uuid::Uuid::new_v4().to_string(),
                |e| e.conversion_id.clone(),
            ),
            created: old.is_none(),
            status,
            status_changed: old.is_none_or(|e| e.status != status),
            currency: (input.currency)
                .or(old.map(|e| e.currency))
                .unwrap_or(default_currency),
            click_id: kept(&input.click_id, |e| &e.click_id),
            visitor_id: kept(&input.visitor_id, |e| &e.visitor_id),
            customer_id_hash: kept(&input.customer_id_hash, |e| &e.customer_id_hash),
            sub_id: kept(&input.sub_id, |e| &e.sub_id),
            customer_id: kept(&input.customer_id, |e| &e.customer_id),
            consent_mode: kept(&input.consent_mode, |e| &e.consent_mode),
            integration_mode: kept(&input.integration_mode, |e| &e.integration_mode),
            source: kept(&input.source, |e| &e.source),
            received_us,
            order_time_us,
            sale_time_us: order_time_us.unwrap_or(received_us),
        }
    }

    /// The identities attribution looks a click up by, in order.
    pub(crate) fn identities(&self) -> [Option<&str>; 2] {
        [self.click_id.as_deref(), self.visitor_id.as_deref()]
    }
}
