//! One row of sales sums (`key`, `currency`, `num_sales`, `sale_amount` and the commission per
//! status, in stored integer money) as an [`EarningsRow`] without clicks: the sales query and the
//! daily sales rollup both answer in this shape.

use super::clicks::group_key;
use super::rows;
use crate::click::GroupBy;
use crate::earnings::{CommissionByStatus, EarningsRow};
use crate::error::StoreResult;
use crate::stored::money_from_stored;
use rusqlite::Row;

pub(super) fn sales_row(group_by: GroupBy, row: &Row<'_>) -> StoreResult<EarningsRow> {
    let sum = |column: &str| -> StoreResult<rust_decimal::Decimal> {
        Ok(money_from_stored(row.get::<_, i64>(column)?))
    };
    Ok(EarningsRow {
        key: group_key(group_by, row.get("key")?)?,
        currency: Some(rows::currency(row, "currency")?),
        num_clicks: 0,
        num_conversions: row.get("num_sales")?,
        sale_amount: sum("sale_amount")?,
        commission: CommissionByStatus {
            pending: sum("pending")?,
            approved: sum("approved")?,
            rejected: sum("rejected")?,
            reversed: sum("reversed")?,
        },
        conversion_rate: None,
        epc: None,
    })
}
