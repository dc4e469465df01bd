//! Sales for reports from the daily sales rollup (`sale_rollup_schema.rs`): whole days of a
//! range from `sale_day_sums`, its partial first and last days from the sales themselves, added
//! up per group and currency.

use super::SqliteStore;
use super::click_rollup::DaySplit;
use super::sale_row::sales_row;
use crate::click::GroupBy;
use crate::earnings::{EarningsQuery, EarningsRow};
use crate::error::StoreResult;
use std::collections::BTreeMap;

/// The rollup's dimension of a grouping (named as the rollup names it).
fn dimension(group_by: GroupBy) -> &'static str {
    match group_by {
        GroupBy::Day => "day",
        GroupBy::Source => "source",
        GroupBy::Merchant => "merchant",
        GroupBy::Offer => "offer",
        GroupBy::SubId => "sub_id",
    }
}

/// Sales of `query`'s range by group and currency (one row each, without clicks or ratios).
pub(super) fn rolled_up_sales(
    store: &SqliteStore,
    query: EarningsQuery,
) -> StoreResult<Vec<EarningsRow>> {
    let split = DaySplit::of(query.range);
    let mut merged: BTreeMap<(Option<String>, Option<&'static str>), EarningsRow> = BTreeMap::new();
    let mut add = |row: EarningsRow| {
        let slot = (row.key.clone(), row.currency.map(|c| c.code()));
        match merged.get_mut(&slot) {
            Some(held) => held.absorb(&row),
            None => {
                merged.insert(slot, row);
            }
        }
    };
    for (from, to) in split.partial {
        if from < to {
            store
                .sales_in(from, to, query.group_by)?
                .into_iter()
                .for_each(&mut add);
        }
    }
    if let Some((first_day, end_day)) = split.whole_days {
        day_sums(store, first_day, end_day, query.group_by)?
            .into_iter()
            .for_each(&mut add);
    }
    Ok(merged.into_values().collect())
}

fn day_sums(
    store: &SqliteStore,
    first_day: i64,
    end_day: i64,
    group_by: GroupBy,
) -> StoreResult<Vec<EarningsRow>> {
    let key = match group_by {
        GroupBy::Day => "day",
        _ => "CASE has_key WHEN 1 THEN key END",
    };
    // A group whose every sale moved elsewhere (re-attributed, re-dated) sums to no sales.
    let sql = format!(
        "SELECT {key} AS key, currency, SUM(num_sales) AS num_sales, \
         SUM(sale_amount) AS sale_amount, SUM(pending) AS pending, SUM(approved) AS approved, \
         SUM(rejected) AS rejected, SUM(reversed) AS reversed FROM sale_day_sums \
         WHERE dimension = ?1 AND day >= ?2 AND day < ?3 \
         GROUP BY 1, currency HAVING SUM(num_sales) <> 0"
    );
    store.read(|connection| {
        let mut statement = connection.prepare_cached(&sql)?;
        let mut found =
            statement.query(rusqlite::params![dimension(group_by), first_day, end_day])?;
        let mut rows = Vec::new();
        while let Some(row) = found.next()? {
            rows.push(sales_row(group_by, row)?);
        }
        Ok(rows)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::click::TimeRange;
    use crate::conversion::{ConversionInput, ConversionStatus};
    use crate::store::{ClickStore, ConversionStore};
    use crate::suite::{click, currency, day, dec, sqlite_fixture};

    fn sale(
        order: &str,
        amount: &str,
        sub_id: Option<&str>,
        status: Option<ConversionStatus>,
    ) -> ConversionInput {
        ConversionInput {
            program_id: "p".into(),
            order_id: order.into(),
            sub_id: sub_id.map(Into::into),
            amount: Some(dec(amount)),
            commission_amount: Some(dec("1.50")),
            status,
            order_time: Some(day(2)),
            ..ConversionInput::default()
        }
    }

    /// After inserts, status changes, new amounts and a later attribution, the rollup's whole
    /// days sum to what the sales themselves say, for every grouping.
    #[test]
    fn the_rollup_follows_every_change_of_a_sale() -> StoreResult<()> {
        let fixture = sqlite_fixture()?;
        let store = &fixture.store;
        let nl = click("o1", day(1), Some("nl"))?;
        store.record_click(&nl)?;
        let eur = currency("EUR");
        store.upsert_conversion(&sale("A", "10.00", Some("nl"), None), eur, day(2))?;
        store.upsert_conversion(&sale("B", "20.00", None, None), eur, day(2))?;
        store.upsert_conversion(
            &sale("A", "12.00", None, Some(ConversionStatus::Approved)),
            eur,
            day(3),
        )?;
        let late = ConversionInput {
            click_id: Some(nl.click_id.to_string()),
            ..sale("B", "25.00", None, Some(ConversionStatus::Rejected))
        };
        store.upsert_conversion(&late, eur, day(4))?;
        let range = TimeRange::between(
            day(0) - chrono::Duration::hours(12),
            day(5) - chrono::Duration::hours(12),
        );
        let split = DaySplit::of(range);
        assert!(split.whole_days.is_some() && split.partial.iter().all(|(f, t)| f >= t));
        let (from, to) = range.stored_bounds();
        for group_by in GroupBy::ALL {
            let rolled = rolled_up_sales(store, EarningsQuery { range, group_by })?;
            let mut direct = store.sales_in(from, to, group_by)?;
            direct.sort_by(|a, b| {
                (&a.key, a.currency.map(|c| c.code())).cmp(&(&b.key, b.currency.map(|c| c.code())))
            });
            assert_eq!(rolled, direct, "{group_by:?}");
        }
        let by_merchant = rolled_up_sales(
            store,
            EarningsQuery {
                range,
                group_by: GroupBy::Merchant,
            },
        )?;
        assert_eq!(
            by_merchant.len(),
            1,
            "both sales credited to Acme now: {by_merchant:?}"
        );
        assert_eq!(by_merchant[0].sale_amount, dec("37.00"));
        assert_eq!(
            (
                by_merchant[0].commission.approved,
                by_merchant[0].commission.rejected
            ),
            (dec("1.50"), dec("1.50"))
        );
        Ok(())
    }
}
