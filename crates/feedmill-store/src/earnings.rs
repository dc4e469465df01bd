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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CommissionByStatus {
    pub pending: Decimal,
    pub approved: Decimal,
    pub rejected: Decimal,
    pub reversed: Decimal,
}

/// One group (and currency) of an earnings report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarningsRow {
    pub key: Option<String>,
    pub currency: Option<Currency>,
    pub num_clicks: u64,
    pub num_conversions: u64,
    pub sale_amount: Decimal,
    pub commission: CommissionByStatus,
    /// Conversions ÷ clicks; `None` without clicks.
    pub conversion_rate: Option<Decimal>,
    /// (Pending + approved commission) ÷ clicks; `None` without clicks or currency.
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
