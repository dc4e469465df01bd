//! Earnings and unattributed sales in SQLite: sums in SQL over integer money, merged with the
//! click counts of the same groups; whole days from the daily rollups (`click_rollup.rs`,
//! `sale_rollup.rs`), partial days from the clicks and sales themselves.

use super::SqliteStore;
use super::click_rollup::rolled_up_click_counts;
use super::rows;
use super::sale_rollup::rolled_up_sales;
use super::sale_row::sales_row;
use crate::attribution::UnattributedSale;
use crate::click::{GroupBy, TimeRange};
use crate::earnings::{CommissionByStatus, EarningsQuery, EarningsRow};
use crate::error::StoreResult;
use crate::store::EarningsStore;
use crate::stored::money_from_stored;
use std::collections::BTreeMap;

/// Conversions and network transactions as one list of sales in a range.
const SALES: &str = "WITH sales AS ( \
    SELECT sale_time_us AS time_us, attributed_click, currency, sale_amount, \
           coalesce(commission_amount, 0) AS commission, status \
      FROM conversions WHERE sale_time_us >= ?1 AND sale_time_us < ?2 \
    UNION ALL \
    SELECT transaction_time_us, attributed_click, currency, sale_amount, commission_amount, status \
      FROM network_transactions WHERE transaction_time_us >= ?1 AND transaction_time_us < ?2)";

impl EarningsStore for SqliteStore {
    fn unattributed(&self, range: TimeRange) -> StoreResult<Vec<UnattributedSale>> {
        let (from, to) = range.stored_bounds();
        self.read(|connection| {
            let mut sales = Vec::new();
            let mut statement = connection.prepare_cached(
                "SELECT conversion_id, program_id, order_id FROM conversions \
                 WHERE attributed_click IS NULL AND sale_time_us >= ?1 AND sale_time_us < ?2 \
                 ORDER BY sale_time_us, conversion_id",
            )?;
            let mut found = statement.query([from, to])?;
            while let Some(row) = found.next()? {
                sales.push(UnattributedSale::Conversion {
                    conversion_id: row.get(0)?,
                    program_id: row.get(1)?,
                    order_id: row.get(2)?,
                });
            }
            let mut statement = connection.prepare_cached(
                "SELECT network, transaction_id FROM network_transactions \
                 WHERE attributed_click IS NULL AND transaction_time_us >= ?1 \
                 AND transaction_time_us < ?2 ORDER BY transaction_time_us, transaction_id",
            )?;
            let mut found = statement.query([from, to])?;
            while let Some(row) = found.next()? {
                sales.push(UnattributedSale::Transaction {
                    network: rows::network(row, "network")?,
                    transaction_id: row.get(1)?,
                });
            }
            Ok(sales)
        })
    }

    fn earnings(&self, query: EarningsQuery) -> StoreResult<Vec<EarningsRow>> {
        self.settle_clicks();
        let clicks: BTreeMap<Option<String>, u64> = self
            .read(|connection| rolled_up_click_counts(connection, query.range, query.group_by))?;
        let mut sales: BTreeMap<Option<String>, Vec<EarningsRow>> = BTreeMap::new();
        for row in rolled_up_sales(self, query)? {
            sales.entry(row.key.clone()).or_default().push(row);
        }
        let mut report = Vec::new();
        for (key, num_clicks) in &clicks {
            if !sales.contains_key(key) {
                report.push(empty_row(key.clone(), *num_clicks));
            }
        }
        for (key, rows) in sales {
            let num_clicks = clicks.get(&key).copied().unwrap_or(0);
            report.extend(
                rows.into_iter()
                    .map(|row| EarningsRow { num_clicks, ..row }),
            );
        }
        report.sort_by(|a, b| {
            (&a.key, a.currency.map(|c| c.code())).cmp(&(&b.key, b.currency.map(|c| c.code())))
        });
        Ok(report.into_iter().map(EarningsRow::with_ratios).collect())
    }
}

impl SqliteStore {
    /// Sales of the stored range `[from, to)` by group and currency, from the sales themselves.
    pub(super) fn sales_in(
        &self,
        from: i64,
        to: i64,
        group_by: GroupBy,
    ) -> StoreResult<Vec<EarningsRow>> {
        self.settle_clicks();
        let key = match group_by {
            GroupBy::Day => "s.time_us / 86400000000",
            other => other.click_key_sql(),
        };
        let sql = format!(
            "{SALES} SELECT {key} AS key, s.currency, COUNT(*) AS num_sales, \
             SUM(s.sale_amount) AS sale_amount, \
             SUM(CASE s.status WHEN 'pending' THEN s.commission ELSE 0 END) AS pending, \
             SUM(CASE s.status WHEN 'approved' THEN s.commission ELSE 0 END) AS approved, \
             SUM(CASE s.status WHEN 'rejected' THEN s.commission ELSE 0 END) AS rejected, \
             SUM(CASE s.status WHEN 'reversed' THEN s.commission ELSE 0 END) AS reversed \
             FROM sales s LEFT JOIN clicks c ON c.click_id = s.attributed_click \
             GROUP BY key, s.currency"
        );
        self.read(|connection| {
            let mut statement = connection.prepare_cached(&sql)?;
            let mut found = statement.query([from, to])?;
            let mut rows = Vec::new();
            while let Some(row) = found.next()? {
                rows.push(sales_row(group_by, row)?);
            }
            Ok(rows)
        })
    }
}

fn empty_row(key: Option<String>, num_clicks: u64) -> EarningsRow {
    EarningsRow {
        key,
        currency: None,
        num_clicks,
        num_conversions: 0,
        sale_amount: money_from_stored(0),
        commission: CommissionByStatus {
            pending: money_from_stored(0),
            approved: money_from_stored(0),
            rejected: money_from_stored(0),
            reversed: money_from_stored(0),
        },
        conversion_rate: None,
        epc: None,
    }
}
