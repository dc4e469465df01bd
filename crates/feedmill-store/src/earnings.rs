//! Earnings: clicks, sales and commission per group and currency over a time range.
//!
//! A sale (a conversion from a postback or a network transaction) counts in the group of the
//! click it is attributed to (`day` groups by the sale's own day); an unattributed sale counts
//! in a group whose key is `None`. Clicks have no currency, so a group with sales in several
//! currencies has one row per currency, each with the group's click count; a group without
//! sales has one row with `currency: None`. EPC is commission ÷ clicks of the pending and
//! approved commission (rejected and reversed earn nothing), per currency; the click count
//! stands beside it so a caller can ignore thin figures (CJ hides EPC under 100 clicks).

use crate::click::{GroupBy, TimeRange};
use feedmill_model::Currency;
use rust_decimal::Decimal;
use serde::Serialize;

/// What an earnings report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarningsQuery {
    pub range: TimeRange,
    pub group_by: GroupBy,
}

/// Commission summed by the status of its sales.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CommissionByStatus {
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub pending: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub approved: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub rejected: Decimal,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub reversed: Decimal,
}

/// A group's clicks and sales in one currency. A group with sales in several currencies has a
/// row per currency, each with the group's clicks; a group without sales one row with
/// `currency: null`. Money is exact decimal strings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarningsRow {
    /// The group (`YYYY-MM-DD` for day); `null` for sales credited to no click (listed by
    /// `/earnings/unattributed`) and clicks without that attribute.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub key: Option<String>,
    /// ISO-4217; `null` for a group without sales.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true, pattern = "^[A-Z]{3}$"))]
    pub currency: Option<Currency>,
    pub num_clicks: u64,
    pub num_conversions: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub sale_amount: Decimal,
    pub commission: CommissionByStatus,
    /// Conversions ÷ clicks, 4 decimals; `null` without clicks.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub conversion_rate: Option<Decimal>,
    /// (Pending + approved commission) ÷ clicks, 4 decimals; `null` without clicks or sales.
    /// Read it with `num_clicks`: a handful of clicks makes a noisy EPC.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, required = true, pattern = r"^-?[0-9]+(\.[0-9]+)?$"))]
    pub epc: Option<Decimal>,
}

impl EarningsRow {
    pub(crate) fn with_ratios(mut self) -> EarningsRow {
        let clicks = Decimal::from(self.num_clicks);
        if self.num_clicks > 0 {
            let rate = Decimal::from(self.num_conversions) / clicks;
            self.conversion_rate = Some(rate.round_dp(4));
            if self.currency.is_some() {
                let earning = self.commission.pending + self.commission.approved;
                self.epc = Some((earning / clicks).round_dp(4));
            }
        }
        self
    }
}
