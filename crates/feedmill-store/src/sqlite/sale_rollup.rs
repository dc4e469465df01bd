//! Sales for reports from the daily sales rollup (`sale_rollup_schema.rs`): whole days of a
//! range from `sale_day_sums`, its partial first and last days from the sales themselves, added
//! up per group and currency.

use super::SqliteStore;
use super::click_rollup::DaySplit;
use super::clicks::group_key;
use super::rows;
use crate::click::GroupBy;
use crate::earnings::{CommissionByStatus, EarningsQuery, EarningsRow};
use crate::error::StoreResult;
use crate::stored::{money_from_stored, money_to_stored};
use feedmill_model::Currency;
use std::collections::HashMap;

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
    let mut totals = SaleTotals::default();
    for (from, to) in split.partial {
        if from < to {
            for row in store.sales_in(from, to, query.group_by)? {
                totals.add_row(&row)?;
            }
        }
    }
    if let Some((first_day, end_day)) = split.whole_days {
        add_day_sums(store, first_day, end_day, query.group_by, &mut totals)?;
    }
    Ok(totals.into_rows())
}

/// The whole days' sums of the rollup, added to `totals` key by key. The rows come in day
/// order and are summed here (integer money, each key's text copied once): over a month of
/// offers that costs a fraction of SQLite's sort for a GROUP BY.
fn add_day_sums(
    store: &SqliteStore,
    first_day: i64,
    end_day: i64,
    group_by: GroupBy,
    totals: &mut SaleTotals,
) -> StoreResult<()> {
    store.read(|connection| {
        let mut statement = connection.prepare_cached(
            "SELECT day, has_key, key, currency, num_sales, sale_amount, pending, approved, \
             rejected, reversed FROM sale_day_sums \
             WHERE dimension = ?1 AND day >= ?2 AND day < ?3",
        )?;
        let mut found =
            statement.query(rusqlite::params![dimension(group_by), first_day, end_day])?;
        while let Some(row) = found.next()? {
            let currency = rows::currency(row, "currency")?;
            let sums = Sums::of_row(row, 4)?;
            if group_by == GroupBy::Day {
                let key = group_key(group_by, row.get(0)?)?;
                totals.add(key.as_deref(), currency, &sums);
            } else if row.get::<_, i64>(1)? == 0 {
                totals.add(None, currency, &sums);
            } else {
                let key = rows::borrowed_text(row, 2, "sale_day_sums.key")?;
                totals.add(Some(key), currency, &sums);
            }
        }
        Ok(())
    })
}

/// Sales counted and summed in stored integer money: `num_sales`, `sale_amount` and the
/// commission by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sums([i64; 6]);

impl Sums {
    /// The six sums in the columns from `first` on, in the order above.
    fn of_row(row: &rusqlite::Row<'_>, first: usize) -> StoreResult<Sums> {
        let mut sums = [0; 6];
        for (i, sum) in sums.iter_mut().enumerate() {
            *sum = row.get(first + i)?;
        }
        Ok(Sums(sums))
    }

    fn of(row: &EarningsRow) -> StoreResult<Sums> {
        let stored = |amount: rust_decimal::Decimal| money_to_stored("sale sums", amount);
        Ok(Sums([
            i64::try_from(row.num_conversions).unwrap_or(i64::MAX),
            stored(row.sale_amount)?,
            stored(row.commission.pending)?,
            stored(row.commission.approved)?,
            stored(row.commission.rejected)?,
            stored(row.commission.reversed)?,
        ]))
    }

    fn add(&mut self, other: &Sums) {
        for (sum, more) in self.0.iter_mut().zip(other.0) {
            *sum += more;
        }
    }
}

/// Sums per group and currency; the group without a key (unattributed sales, clicks without
/// that attribute) apart.
#[derive(Debug, Default)]
struct SaleTotals {
    keyed: HashMap<String, Vec<(Currency, Sums)>>,
    unkeyed: Vec<(Currency, Sums)>,
}

impl SaleTotals {
    fn add(&mut self, key: Option<&str>, currency: Currency, sums: &Sums) {
        let per_currency = match key {
            None => &mut self.unkeyed,
            Some(key) => match self.keyed.get_mut(key) {
                Some(held) => held,
                None => self.keyed.entry(key.to_owned()).or_default(),
            },
        };
        match per_currency.iter_mut().find(|(held, _)| *held == currency) {
            Some((_, held)) => held.add(sums),
            None => per_currency.push((currency, *sums)),
        }
    }

    fn add_row(&mut self, row: &EarningsRow) -> StoreResult<()> {
        let Some(currency) = row.currency else {
            return Ok(());
        };
        self.add(row.key.as_deref(), currency, &Sums::of(row)?);
        Ok(())
    }

    /// A row per group and currency that still has sales (a group whose every sale moved
    /// elsewhere, re-attributed or re-dated, sums to none).
    fn into_rows(self) -> Vec<EarningsRow> {
        let keyed = self
            .keyed
            .into_iter()
            .flat_map(|(key, sums)| sums.into_iter().map(move |s| (Some(key.clone()), s)));
        let unkeyed = self.unkeyed.into_iter().map(|s| (None, s));
        unkeyed
            .chain(keyed)
            .filter(|(_, (_, sums))| sums.0[0] != 0)
            .map(
                |(
                    key,
                    (currency, Sums([num_sales, sale, pending, approved, rejected, reversed])),
                )| {
                    EarningsRow {
                        key,
                        currency: Some(currency),
                        num_clicks: 0,
                        num_conversions: num_sales.unsigned_abs(),
                        sale_amount: money_from_stored(sale),
                        commission: CommissionByStatus {
                            pending: money_from_stored(pending),
                            approved: money_from_stored(approved),
                            rejected: money_from_stored(rejected),
                            reversed: money_from_stored(reversed),
                        },
                        conversion_rate: None,
                        epc: None,
                    }
                },
            )
            .collect()
    }
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
