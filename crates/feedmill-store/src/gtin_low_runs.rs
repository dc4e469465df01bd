//! Daily GTIN lows kept as runs: a row only when a source's low for a GTIN changes.
//!
//! The daily low of one key — a (source, GTIN, currency, merchant) — on a day the source was
//! ingested is the lowest in-stock price among that day's observations of it. A day without a
//! batch of the source has none, nor does a batch day on which no batch saw the key in stock.
//!
//! Storing that as a row per key per day costs a write for every GTIN on every refresh, most of
//! them repeating yesterday. The store keeps runs instead. A [`LowRun`] row says that on its
//! `day` the key's low was `low`, and that on the source's later batch days, up to the key's
//! next row, it was `carry` (`None`: not offered). A batch writes a row only for the keys whose
//! low differs from what their latest row already says ([`next_run`]). A reader expands the rows
//! over the source's batch days ([`expand_runs`]); the result is the same as the row-per-day
//! table would have held.
//!
//! [`next_run`] rests on one invariant: after every batch, the keys whose latest row carries a
//! price are exactly the keys that batch saw. So a key still carrying a price when a second
//! batch of the same day begins was seen by the first batch, at that price.

use crate::error::{StoreError, StoreResult};
use crate::price_history::{DailyLow, MerchantLow};
use crate::stored::{date_of_day, money_from_stored};
use feedmill_model::Currency;
use std::collections::HashMap;

/// The latest row of one key: its low on `day`, and what its later batch days carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LowRun {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// The key's low of `day` (stored units); `None` when no batch of the day had it in stock.
    pub low: Option<i64>,
    /// The low of the source's later batch days until the next row; `None` when not offered.
    pub carry: Option<i64>,
}

/// A key of one source: GTIN-14 digits, currency, and merchant, numbered by the
/// [`MerchantNames`] of the table the key is in. Copied, hashed and compared without touching
/// a string: a batch notes one for every offer with a GTIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LowKey {
    pub gtin14: [u8; 14],
    pub currency: Currency,
    pub merchant: u32,
}

impl LowKey {
    pub fn gtin14(&self) -> &str {
        // Only ever made from the ASCII digits of a GTIN-14 (`gtin14_digits`).
        std::str::from_utf8(&self.gtin14).unwrap_or_default()
    }
}

/// `gtin14` (a stored GTIN-14) as a key's digits; `None` when it is not 14 ASCII digits.
pub fn gtin14_digits(gtin14: &str) -> Option<[u8; 14]> {
    let digits: [u8; 14] = gtin14.as_bytes().try_into().ok()?;
    digits.iter().all(u8::is_ascii_digit).then_some(digits)
}

/// The merchants of one table of keys, numbered in the order they were first met.
#[derive(Debug, Clone, Default)]
pub struct MerchantNames {
    names: Vec<String>,
    numbers: HashMap<String, u32>,
    /// The number asked for last: a feed lists one merchant's offers together.
    last: Option<u32>,
}

impl MerchantNames {
    /// The number of `name`, given one if it has none yet.
    pub fn number(&mut self, name: &str) -> u32 {
        if let Some(last) = self.last
            && self.name(last) == name
        {
            return last;
        }
        let number = match self.numbers.get(name) {
            Some(number) => *number,
            None => {
                let number = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
                self.names.push(name.to_owned());
                self.numbers.insert(name.to_owned(), number);
                number
            }
        };
        self.last = Some(number);
        number
    }

    pub fn name(&self, number: u32) -> &str {
        self.names.get(number as usize).map_or("", String::as_str)
    }
}

/// A batch's low of its day per key (stored units).
#[derive(Debug, Default)]
pub struct GtinLows {
    merchants: MerchantNames,
    lows: HashMap<LowKey, i64>,
}

impl GtinLows {
    /// Empty lows whose merchants are numbered as in `latest`, so that [`changed_runs`] need
    /// not number them again.
    pub fn numbered_as(latest: &LatestRuns) -> GtinLows {
        GtinLows {
            merchants: latest.merchants.clone(),
            lows: HashMap::new(),
        }
    }

    /// Notes an in-stock price of a key: the key's low is the lowest noted.
    pub fn note(&mut self, gtin14: [u8; 14], currency: Currency, merchant: &str, price: i64) {
        let key = LowKey {
            gtin14,
            currency,
            merchant: self.merchants.number(merchant),
        };
        self.lows
            .entry(key)
            .and_modify(|low| *low = (*low).min(price))
            .or_insert(price);
    }
}

/// The latest row of each key of one source that still matters (its `gtin_low_latest` rows
/// that carry a price, or are of the last batch day).
#[derive(Debug, Clone, Default)]
pub struct LatestRuns {
    merchants: MerchantNames,
    runs: HashMap<LowKey, LowRun>,
}

impl LatestRuns {
    /// Adds a stored row; an error when its GTIN is not a GTIN-14.
    pub fn insert_row(
        &mut self,
        gtin14: &str,
        currency: Currency,
        merchant: &str,
        run: LowRun,
    ) -> StoreResult<()> {
        let digits = gtin14_digits(gtin14).ok_or_else(|| StoreError::Corrupt {
            column: "gtin_low_latest.gtin",
            value: gtin14.to_owned(),
        })?;
        let key = LowKey {
            gtin14: digits,
            currency,
            merchant: self.merchants.number(merchant),
        };
        self.runs.insert(key, run);
        Ok(())
    }

    /// The merchant of one of this table's keys.
    pub fn merchant(&self, key: &LowKey) -> &str {
        self.merchants.name(key.merchant)
    }
}

/// Drops the rows that no longer matter on `day`: those carrying nothing from an earlier day.
pub fn open_on(latest: &mut LatestRuns, day: i64) {
    latest
        .runs
        .retain(|_, run| run.carry.is_some() || run.day == day);
}

/// The rows a batch of `day` with `lows` writes (in primary-key order, so that neighbouring rows
/// land on the same B-tree pages), given the source's open `latest` rows ([`open_on`]); `latest`
/// becomes the latest rows after them.
pub fn changed_runs(
    latest: &mut LatestRuns,
    lows: GtinLows,
    day: i64,
    earlier_batch_today: bool,
) -> Vec<(LowKey, LowRun)> {
    let lows = numbered_as_latest(latest, lows);
    let mut changed: Vec<(LowKey, LowRun)> = Vec::new();
    for (key, run) in &latest.runs {
        if !lows.contains_key(key)
            && let Some(next) = next_run(Some(*run), None, day, earlier_batch_today)
        {
            changed.push((*key, next));
        }
    }
    for (key, price) in lows {
        let run = latest.runs.get(&key).copied();
        if let Some(next) = next_run(run, Some(price), day, earlier_batch_today) {
            changed.push((key, next));
        }
    }
    for (key, run) in &changed {
        latest.runs.insert(*key, *run);
    }
    let names = &latest.merchants;
    changed.sort_unstable_by(|(a, _), (b, _)| {
        (a.gtin14, a.currency.code(), names.name(a.merchant)).cmp(&(
            b.gtin14,
            b.currency.code(),
            names.name(b.merchant),
        ))
    });
    changed
}

/// The batch's lows with their merchants numbered as in `latest` (as they are already when
/// the batch began from `latest`: [`GtinLows::numbered_as`]).
fn numbered_as_latest(latest: &mut LatestRuns, lows: GtinLows) -> HashMap<LowKey, i64> {
    let numbers: Vec<u32> = lows
        .merchants
        .names
        .iter()
        .map(|name| latest.merchants.number(name))
        .collect();
    if numbers
        .iter()
        .enumerate()
        .all(|(i, number)| *number as usize == i)
    {
        return lows.lows;
    }
    lows.lows
        .into_iter()
        .map(|(key, low)| {
            let merchant = numbers.get(key.merchant as usize).copied();
            let key = LowKey {
                merchant: merchant.unwrap_or(u32::MAX),
                ..key
            };
            (key, low)
        })
        .collect()
}

/// The row a batch of `day` writes for one key, or `None` when the rows already say it.
///
/// `latest` is the key's latest row (if any), `observed` the batch's lowest in-stock price of
/// the key (`None`: not seen in stock), and `earlier_batch_today` whether the source already had
/// a batch on `day`. `latest.day` is never after `day` (batches are recorded in time order).
pub fn next_run(
    latest: Option<LowRun>,
    observed: Option<i64>,
    day: i64,
    earlier_batch_today: bool,
) -> Option<LowRun> {
    let carried = latest.and_then(|run| run.carry);
    let (said_low, said_carry, low_so_far) = match latest {
        Some(run) if run.day == day => (run.low, run.carry, run.low),
        // By the invariant, an earlier batch of today saw a key that still carries a price.
        _ if earlier_batch_today => (carried, carried, carried),
        _ => (carried, carried, None),
    };
    let low = match (low_so_far, observed) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let next = LowRun {
        day,
        low,
        carry: observed,
    };
    (next.low != said_low || next.carry != said_carry).then_some(next)
}

/// The lows of one key on each of `batch_days` from `first_day` on, as `(day, low)`.
///
/// `runs` are the key's rows in day order; `batch_days` the days its source was ingested, in
/// order. A batch day before the key's first row, or one its rows say nothing of, has no low.
pub fn expand_runs(runs: &[LowRun], batch_days: &[i64], first_day: i64) -> Vec<(i64, i64)> {
    let mut lows = Vec::new();
    let mut next_row = 0;
    let mut in_effect: Option<&LowRun> = None;
    for &day in batch_days.iter().filter(|&&day| day >= first_day) {
        while let Some(run) = runs.get(next_row).filter(|run| run.day <= day) {
            in_effect = Some(run);
            next_row += 1;
        }
        let low = match in_effect {
            Some(run) if run.day == day => run.low,
            Some(run) => run.carry,
            None => None,
        };
        if let Some(low) = low {
            lows.push((day, low));
        }
    }
    lows
}

/// The key of a run of rows: (currency, merchant, source).
pub(crate) type RunKey = (Currency, String, String);

/// The daily lows from `first_day` on, per day and currency, of the runs of one GTIN (each
/// key's rows in day order): each merchant's low (the lowest over the sources that list the
/// merchant), lowest first. `days_of` gives a source's batch days from `first_day` on, asked
/// once per source. Both stores read the runs and days with their own SQL and answer this.
pub(crate) fn daily_lows(
    runs: &[(RunKey, Vec<LowRun>)],
    first_day: i64,
    mut days_of: impl FnMut(&str) -> StoreResult<Vec<i64>>,
) -> StoreResult<Vec<DailyLow>> {
    let mut batch_days: HashMap<&str, Vec<i64>> = HashMap::new();
    let mut merchant_lows: HashMap<(i64, Currency, &str), i64> = HashMap::new();
    for ((currency, merchant, source), key_runs) in runs {
        if !batch_days.contains_key(source.as_str()) {
            batch_days.insert(source, days_of(source)?);
        }
        let days = batch_days
            .get(source.as_str())
            .map_or(&[][..], Vec::as_slice);
        for (day, low) in expand_runs(key_runs, days, first_day) {
            merchant_lows
                .entry((day, *currency, merchant.as_str()))
                .and_modify(|lowest| *lowest = (*lowest).min(low))
                .or_insert(low);
        }
    }
    let mut lows: Vec<_> = merchant_lows.into_iter().collect();
    lows.sort_unstable_by(
        |((day_a, cur_a, m_a), low_a), ((day_b, cur_b, m_b), low_b)| {
            (day_a, cur_a.code(), low_a, m_a).cmp(&(day_b, cur_b.code(), low_b, m_b))
        },
    );
    group_by_day(lows)
}

fn group_by_day(lows: Vec<((i64, Currency, &str), i64)>) -> StoreResult<Vec<DailyLow>> {
    let mut days: Vec<DailyLow> = Vec::new();
    for ((day, currency, merchant), low) in lows {
        let day = date_of_day("day", day)?;
        let merchant = MerchantLow {
            merchant: merchant.to_owned(),
            low_price: money_from_stored(low),
        };
        match days.last_mut() {
            Some(low) if low.day == day && low.currency == currency => low.merchants.push(merchant),
            _ => days.push(DailyLow {
                day,
                currency,
                low_price: merchant.low_price,
                merchants: vec![merchant],
            }),
        }
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Replays `batches` (day, observed price of the key or `None`) through [`next_run`] and
    /// returns the rows written, as the store keeps them (one per day, the last one wins).
    fn record(batches: &[(i64, Option<i64>)]) -> (Vec<LowRun>, Vec<i64>) {
        let mut rows: Vec<LowRun> = Vec::new();
        let mut days: Vec<i64> = Vec::new();
        for &(day, observed) in batches {
            let earlier_batch_today = days.last() == Some(&day);
            if let Some(row) = next_run(rows.last().copied(), observed, day, earlier_batch_today) {
                match rows.last_mut() {
                    Some(last) if last.day == day => *last = row,
                    _ => rows.push(row),
                }
            }
            if !earlier_batch_today {
                days.push(day);
            }
        }
        (rows, days)
    }

    /// The row-per-day table: each batch day's lowest observation.
    fn brute_force(batches: &[(i64, Option<i64>)]) -> Vec<(i64, i64)> {
        let mut lows: BTreeMap<i64, i64> = BTreeMap::new();
        for &(day, observed) in batches {
            if let Some(price) = observed {
                lows.entry(day)
                    .and_modify(|low| *low = (*low).min(price))
                    .or_insert(price);
            }
        }
        lows.into_iter().collect()
    }

    #[test]
    fn an_unchanged_low_writes_one_row() {
        let batches: Vec<_> = (0..30).map(|day| (day, Some(500))).collect();
        let (rows, days) = record(&batches);
        assert_eq!(rows.len(), 1);
        assert_eq!(expand_runs(&rows, &days, 0), brute_force(&batches));
    }

    #[test]
    fn a_later_batch_of_the_day_keeps_the_days_low_and_carries_its_own() {
        let batches = [(0, Some(500)), (0, Some(700)), (1, Some(700)), (2, None)];
        let (rows, days) = record(&batches);
        assert_eq!(
            rows,
            [
                LowRun {
                    day: 0,
                    low: Some(500),
                    carry: Some(700)
                },
                LowRun {
                    day: 2,
                    low: None,
                    carry: None
                }
            ]
        );
        assert_eq!(expand_runs(&rows, &days, 0), [(0, 500), (1, 700)]);
    }

    #[test]
    fn a_key_gone_in_the_second_batch_of_a_day_keeps_that_days_low() {
        let batches = [(0, Some(500)), (1, Some(500)), (1, None), (2, None)];
        let (rows, days) = record(&batches);
        assert_eq!(expand_runs(&rows, &days, 0), [(0, 500), (1, 500)]);
    }

    #[test]
    fn days_without_a_batch_have_no_low() {
        let batches = [(0, Some(500)), (5, Some(500))];
        let (rows, days) = record(&batches);
        assert_eq!(expand_runs(&rows, &days, 0), [(0, 500), (5, 500)]);
        assert_eq!(expand_runs(&rows, &days, 1), [(5, 500)]);
    }

    /// Random schedules of up to three batches a day, against the row-per-day table.
    #[test]
    fn runs_agree_with_the_row_per_day_table() {
        let mut rng = fastrand::Rng::with_seed(20261205);
        for _ in 0..2000 {
            let mut batches = Vec::new();
            for day in 0..20 {
                for _ in 0..rng.usize(0..4) {
                    let observed = rng.bool().then(|| rng.i64(5..8));
                    batches.push((day, observed));
                }
            }
            let (rows, days) = record(&batches);
            let first_day = rng.i64(0..20);
            let expected: Vec<_> = brute_force(&batches)
                .into_iter()
                .filter(|(day, _)| *day >= first_day)
                .collect();
            assert_eq!(
                expand_runs(&rows, &days, first_day),
                expected,
                "{batches:?}"
            );
            let changes: BTreeSet<_> = rows.iter().map(|row| row.day).collect();
            assert_eq!(changes.len(), rows.len(), "one row per day at most");
        }
    }
}
