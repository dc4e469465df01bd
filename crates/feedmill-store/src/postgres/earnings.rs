//! Earnings and unattributed sales on Postgres: clicks counted and sales summed by SQL over the
//! tables themselves (their time indexes bound the rows read), merged per group as the SQLite
//! store merges its rollups' answers, so both stores answer every report the same.

use super::{PostgresStore, rows};
use crate::attribution::UnattributedSale;
use crate::click::{GroupBy, TimeRange};
use crate::earnings::{CommissionByStatus, EarningsQuery, EarningsRow};
use crate::error::StoreResult;
use crate::store::EarningsStore;
use crate::stored::money_from_stored;
use postgres::{GenericClient, Row};
use std::collections::BTreeMap;

/// Conversions and network transactions as one list of sales in a range.
const SALES: &str = "WITH sales AS ( \
    SELECT sale_time_us AS time_us, attributed_click, currency, sale_amount, \
           coalesce(commission_amount, 0) AS commission, status \
      FROM conversions WHERE sale_time_us >= $1 AND sale_time_us < $2 \
    UNION ALL \
    SELECT transaction_time_us, attributed_click, currency, sale_amount, commission_amount, status \
      FROM network_transactions WHERE transaction_time_us >= $1 AND transaction_time_us < $2)";

impl EarningsStore for PostgresStore {
    fn unattributed(&self, range: TimeRange) -> StoreResult<Vec<UnattributedSale>> {
        let (from, to) = range.stored_bounds();
        self.read(move |transaction| {
            let mut sales = Vec::new();
            for row in transaction.query(
                "SELECT conversion_id, program_id, order_id FROM conversions \
                 WHERE attributed_click IS NULL AND sale_time_us >= $1 AND sale_time_us < $2 \
                 ORDER BY sale_time_us, conversion_id COLLATE \"C\"",
                &[&from, &to],
            )? {
                sales.push(UnattributedSale::Conversion {
                    conversion_id: rows::get(&row, 0)?,
                    program_id: rows::get(&row, 1)?,
                    order_id: rows::get(&row, 2)?,
                });
            }
            for row in transaction.query(
                "SELECT network, transaction_id FROM network_transactions \
                 WHERE attributed_click IS NULL AND transaction_time_us >= $1 \
                 AND transaction_time_us < $2 \
                 ORDER BY transaction_time_us, transaction_id COLLATE \"C\"",
                &[&from, &to],
            )? {
                sales.push(UnattributedSale::Transaction {
                    network: rows::network(&row, "network")?,
                    transaction_id: rows::get(&row, 1)?,
                });
            }
            Ok(sales)
        })
    }

    fn earnings(&self, query: EarningsQuery) -> StoreResult<Vec<EarningsRow>> {
        let (clicks, sales) = self.read(move |transaction| {
            let clicks = click_counts(transaction, query)?;
            let sales = sales_rows(transaction, query)?;
            Ok((clicks, sales))
        })?;
        let mut by_key: BTreeMap<Option<String>, Vec<EarningsRow>> = BTreeMap::new();
        for row in sales {
            by_key.entry(row.key.clone()).or_default().push(row);
        }
        let mut report = Vec::new();
        for (key, num_clicks) in &clicks {
            if !by_key.contains_key(key) {
                report.push(empty_row(key.clone(), *num_clicks));
            }
        }
        for (key, rows) in by_key {
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

fn click_counts(
    client: &mut impl GenericClient,
    query: EarningsQuery,
) -> StoreResult<BTreeMap<Option<String>, u64>> {
    let (from, to) = query.range.stored_bounds();
    let key = query.group_by.click_key_sql();
    let sql = format!(
        "SELECT {key} AS key, COUNT(*) FROM clicks c \
         WHERE c.time_us >= $1 AND c.time_us < $2 GROUP BY 1"
    );
    let mut counts = BTreeMap::new();
    for row in client.query(&sql, &[&from, &to])? {
        counts.insert(
            rows::group_key(query.group_by, &row)?,
            rows::count(&row, 1)?,
        );
    }
    Ok(counts)
}

fn sales_rows(
    client: &mut impl GenericClient,
    query: EarningsQuery,
) -> StoreResult<Vec<EarningsRow>> {
    let (from, to) = query.range.stored_bounds();
    let key = match query.group_by {
        GroupBy::Day => "s.time_us / 86400000000",
        other => other.click_key_sql(),
    };
    let sql = format!(
        "{SALES} SELECT {key} AS key, s.currency, COUNT(*) AS num_sales, \
         SUM(s.sale_amount)::BIGINT AS sale_amount, \
         SUM(CASE s.status WHEN 'pending' THEN s.commission ELSE 0 END)::BIGINT AS pending, \
         SUM(CASE s.status WHEN 'approved' THEN s.commission ELSE 0 END)::BIGINT AS approved, \
         SUM(CASE s.status WHEN 'rejected' THEN s.commission ELSE 0 END)::BIGINT AS rejected, \
         SUM(CASE s.status WHEN 'reversed' THEN s.commission ELSE 0 END)::BIGINT AS reversed \
         FROM sales s LEFT JOIN clicks c ON c.click_id = s.attributed_click \
         GROUP BY 1, 2"
    );
    client
        .query(&sql, &[&from, &to])?
        .iter()
        .map(|row| sales_row(query.group_by, row))
        .collect()
}

fn sales_row(group_by: GroupBy, row: &Row) -> StoreResult<EarningsRow> {
    let sum = |column: &'static str| -> StoreResult<rust_decimal::Decimal> {
        Ok(money_from_stored(rows::get::<i64>(row, column)?))
    };
    Ok(EarningsRow {
        key: rows::group_key(group_by, row)?,
        currency: Some(rows::currency(row, "currency")?),
        num_clicks: 0,
        num_conversions: rows::count(row, "num_sales")?,
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

fn empty_row(key: Option<String>, num_clicks: u64) -> EarningsRow {
    let zero = money_from_stored(0);
    EarningsRow {
        key,
        currency: None,
        num_clicks,
        num_conversions: 0,
        sale_amount: zero,
        commission: CommissionByStatus {
            pending: zero,
            approved: zero,
            rejected: zero,
            reversed: zero,
        },
        conversion_rate: None,
        epc: None,
    }
}
