//! Click counts for reports from a daily rollup, so an earnings report over a month of a busy
//! site reads thousands of rows, not a million clicks.
//!
//! `click_day_counts` holds, per UTC day and per dimension (`source`, `merchant`, `offer`,
//! `sub_id`), the clicks of each key of the closed days: the days before the open day
//! (`click_open_day.rs`), which the writer rolls up once it closes and keeps exact when a late
//! click of a closed day is stored (until migration 15 a trigger counted every click as it was
//! inserted); the migration filled it from the clicks already stored. A key that is missing (no
//! merchant, no sub-id) is `has_key = 0`, apart from every text value. A range counts its closed
//! whole days from the rollup, and its partial first and last days and the open day from the
//! clicks themselves (by the time index), so any instant is an exact bound. Days are
//! `time_us / 86400000000`, the day grouping's own expression.

use super::click_open_day::open_day;
use super::click_week_rollup::week_split;
use super::clicks::group_key;
use super::rows;
use crate::click::{GroupBy, TimeRange};
use crate::error::StoreResult;
use crate::stored::MICROS_PER_DAY;
use rusqlite::Connection;
use rusqlite::types::Value;
use std::collections::{BTreeMap, HashMap};

/// The rollup table, its triggers (dropped by migration 15) and its backfill (a migration of its
/// own).
pub(crate) const SCHEMA_CLICK_ROLLUP: &str = "
CREATE TABLE click_day_counts (
    dimension   TEXT NOT NULL,
    day         INTEGER NOT NULL,
    has_key     INTEGER NOT NULL,
    key         TEXT NOT NULL,
    num_clicks  INTEGER NOT NULL,
    PRIMARY KEY (dimension, day, has_key, key)
) WITHOUT ROWID;

CREATE TRIGGER clicks_rolled_up AFTER INSERT ON clicks BEGIN
    INSERT INTO click_day_counts VALUES
        ('source', NEW.time_us / 86400000000, 1, NEW.source, 1),
        ('merchant', NEW.time_us / 86400000000, NEW.merchant IS NOT NULL,
            coalesce(NEW.merchant, ''), 1),
        ('offer', NEW.time_us / 86400000000, 1, NEW.offer_id, 1),
        ('sub_id', NEW.time_us / 86400000000, NEW.sub_id IS NOT NULL,
            coalesce(NEW.sub_id, ''), 1)
    ON CONFLICT DO UPDATE SET num_clicks = num_clicks + 1;
END;

CREATE TRIGGER clicks_rolled_back AFTER DELETE ON clicks BEGIN
    UPDATE click_day_counts SET num_clicks = num_clicks - 1
     WHERE day = OLD.time_us / 86400000000 AND (
           (dimension = 'source' AND has_key = 1 AND key = OLD.source)
        OR (dimension = 'merchant' AND has_key = (OLD.merchant IS NOT NULL)
            AND key = coalesce(OLD.merchant, ''))
        OR (dimension = 'offer' AND has_key = 1 AND key = OLD.offer_id)
        OR (dimension = 'sub_id' AND has_key = (OLD.sub_id IS NOT NULL)
            AND key = coalesce(OLD.sub_id, '')));
END;

INSERT INTO click_day_counts
    SELECT 'source', time_us / 86400000000, 1, source, COUNT(*)
      FROM clicks GROUP BY 2, 4;
INSERT INTO click_day_counts
    SELECT 'merchant', time_us / 86400000000, merchant IS NOT NULL, coalesce(merchant, ''),
           COUNT(*) FROM clicks GROUP BY 2, 3, 4;
INSERT INTO click_day_counts
    SELECT 'offer', time_us / 86400000000, 1, offer_id, COUNT(*)
      FROM clicks GROUP BY 2, 4;
INSERT INTO click_day_counts
    SELECT 'sub_id', time_us / 86400000000, sub_id IS NOT NULL, coalesce(sub_id, ''),
           COUNT(*) FROM clicks GROUP BY 2, 3, 4;
";

/// The rollup's dimension for a grouping; the day grouping sums the `source` dimension (every
/// click has exactly one source).
fn dimension(group_by: GroupBy) -> &'static str {
    match group_by {
        GroupBy::Day | GroupBy::Source => "source",
        GroupBy::Merchant => "merchant",
        GroupBy::Offer => "offer",
        GroupBy::SubId => "sub_id",
    }
}

/// Clicks of `range` by the group key of `group_by` (a day as `YYYY-MM-DD`).
pub(super) fn rolled_up_click_counts(
    connection: &Connection,
    range: TimeRange,
    group_by: GroupBy,
) -> StoreResult<BTreeMap<Option<String>, u64>> {
    let mut counts = BTreeMap::new();
    // One snapshot for the open day and the counts, as the writer may close a day meanwhile.
    let snapshot = connection.unchecked_transaction()?;
    let split = DaySplit::of(range);
    for (from, to) in split.partial {
        raw_counts(connection, from, to, group_by, &mut counts)?;
    }
    if let Some((first_day, end_day)) = split.whole_days {
        // The open day and after are not rolled up yet: counted from the clicks.
        let open_day = open_day(connection)?.clamp(first_day, end_day);
        raw_counts(
            connection,
            open_day * MICROS_PER_DAY,
            end_day * MICROS_PER_DAY,
            group_by,
            &mut counts,
        )?;
        rolled_up_whole_days(connection, first_day, open_day, group_by, &mut counts)?;
    }
    snapshot.finish()?;
    Ok(counts)
}

/// The clicks of the closed whole days `[first_day, end_day)`, from the rollups.
fn rolled_up_whole_days(
    connection: &Connection,
    first_day: i64,
    end_day: i64,
    group_by: GroupBy,
    counts: &mut BTreeMap<Option<String>, u64>,
) -> StoreResult<()> {
    if first_day < end_day {
        if group_by == GroupBy::Day {
            day_counts(connection, first_day, end_day, counts)?;
        } else {
            let split = week_split(first_day, end_day);
            let (first_week, end_week) = split.weeks;
            summed_counts(
                connection,
                Rollup::Weeks,
                first_week,
                end_week,
                group_by,
                counts,
            )?;
            for (start, end) in split.days {
                summed_counts(connection, Rollup::Days, start, end, group_by, counts)?;
            }
        }
    }
    Ok(())
}

/// The two rollups of clicks by key: by day and by week.
#[derive(Debug, Clone, Copy)]
enum Rollup {
    Days,
    Weeks,
}

/// A range as the whole UTC days a rollup answers and the partial days around them, in stored
/// microseconds (`[from, to)` each; an empty one is `from >= to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DaySplit {
    /// `[first_day, end_day)` in days since the epoch, when the range holds a whole day.
    pub whole_days: Option<(i64, i64)>,
    /// The head and the tail (the whole range when it holds no whole day).
    pub partial: [(i64, i64); 2],
}

impl DaySplit {
    pub(super) fn of(range: TimeRange) -> DaySplit {
        let (from, to) = range.stored_bounds();
        // Stored bounds are the extremes of i64 when open. Nothing is older than 1970, so an
        // earlier start reads its (empty) head from the table itself.
        let first_day = (from.div_euclid(MICROS_PER_DAY)
            + i64::from(from.rem_euclid(MICROS_PER_DAY) != 0))
        .max(0);
        let end_day = to.div_euclid(MICROS_PER_DAY);
        if from >= to || first_day >= end_day {
            return DaySplit {
                whole_days: None,
                partial: [(from, to), (0, 0)],
            };
        }
        let tail_start = end_day.saturating_mul(MICROS_PER_DAY).max(from);
        DaySplit {
            whole_days: Some((first_day, end_day)),
            partial: [(from, first_day * MICROS_PER_DAY), (tail_start, to)],
        }
    }
}

/// The clicks of whole days `[first_day, end_day)` by day.
fn day_counts(
    connection: &Connection,
    first_day: i64,
    end_day: i64,
    counts: &mut BTreeMap<Option<String>, u64>,
) -> StoreResult<()> {
    let mut statement = connection.prepare_cached(
        "SELECT day, SUM(num_clicks) FROM click_day_counts \
         WHERE dimension = 'source' AND day >= ?1 AND day < ?2 GROUP BY day",
    )?;
    let mut rows = statement.query([first_day, end_day])?;
    while let Some(row) = rows.next()? {
        add(counts, group_key(GroupBy::Day, row.get(0)?)?, row.get(1)?);
    }
    Ok(())
}

/// The clicks of `[start, end)` (days or weeks, as `rollup` counts them) by the key of
/// `group_by` (not the day grouping). The rows come in time order; summing them by key here,
/// each key's text copied once, costs a fraction of SQLite's sort for a GROUP BY over a month
/// of offers.
fn summed_counts(
    connection: &Connection,
    rollup: Rollup,
    start: i64,
    end: i64,
    group_by: GroupBy,
    counts: &mut BTreeMap<Option<String>, u64>,
) -> StoreResult<()> {
    if start >= end {
        return Ok(());
    }
    let sql = match rollup {
        Rollup::Days => {
            "SELECT has_key, key, num_clicks FROM click_day_counts \
             WHERE dimension = ?1 AND day >= ?2 AND day < ?3"
        }
        Rollup::Weeks => {
            "SELECT has_key, key, num_clicks FROM click_week_counts \
             WHERE dimension = ?1 AND week >= ?2 AND week < ?3"
        }
    };
    let mut by_key: HashMap<String, i64> = HashMap::new();
    let mut without_key = 0;
    let mut statement = connection.prepare_cached(sql)?;
    let mut rows = statement.query(rusqlite::params![dimension(group_by), start, end])?;
    while let Some(row) = rows.next()? {
        let num_clicks: i64 = row.get(2)?;
        if row.get::<_, i64>(0)? == 0 {
            without_key += num_clicks;
            continue;
        }
        let key = rows::borrowed_text(row, 1, "click rollup key")?;
        match by_key.get_mut(key) {
            Some(sum) => *sum += num_clicks,
            None => {
                by_key.insert(key.to_owned(), num_clicks);
            }
        }
    }
    add(counts, None, without_key);
    for (key, num_clicks) in by_key {
        add(counts, Some(key), num_clicks);
    }
    Ok(())
}

/// Clicks of `[from, to)` counted from the clicks table (the partial days of a range).
fn raw_counts(
    connection: &Connection,
    from: i64,
    to: i64,
    group_by: GroupBy,
    counts: &mut BTreeMap<Option<String>, u64>,
) -> StoreResult<()> {
    if from >= to {
        return Ok(());
    }
    let key = group_by.click_key_sql();
    let sql = format!(
        "SELECT {key} AS k, COUNT(*) FROM clicks c \
         WHERE c.time_us >= ?1 AND c.time_us < ?2 GROUP BY k"
    );
    let mut statement = connection.prepare_cached(&sql)?;
    let mut rows = statement.query([from, to])?;
    while let Some(row) = rows.next()? {
        let value: Value = row.get(0)?;
        add(counts, group_key(group_by, value)?, row.get(1)?);
    }
    Ok(())
}

fn add(counts: &mut BTreeMap<Option<String>, u64>, key: Option<String>, num_clicks: i64) {
    if num_clicks > 0 {
        *counts.entry(key).or_default() += num_clicks.unsigned_abs();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use crate::store::{ClickStore, EarningsStore};
    use crate::suite::{click, day};

    /// A store made before the rollups: opening it fills them from its clicks.
    #[test]
    fn the_migration_rolls_up_clicks_stored_before_it() -> StoreResult<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("old.sqlite");
        {
            let old = Connection::open(&path)?;
            old.execute_batch(super::super::migrations::MIGRATIONS[0])?;
            old.pragma_update(None, "user_version", 1)?;
            for d in [0, 1, 1] {
                let c = click("o1", day(d), None)?;
                old.execute(
                    "INSERT INTO clicks (click_id, time_us, offer_id, source, merchant, destination) \
                     VALUES (?1, ?2, 'o1', 'shop', 'Acme', 'https://x.example/')",
                    rusqlite::params![c.click_id.as_str(), c.time.timestamp_micros()],
                )?;
            }
        }
        let store = SqliteStore::open(&path)?;
        let range = TimeRange::between(day(-1), day(3));
        let report = store.earnings(crate::EarningsQuery {
            range,
            group_by: GroupBy::Merchant,
        })?;
        assert_eq!(report.first().map(|r| r.num_clicks), Some(3));
        let rolled: i64 = store.read(|c| {
            Ok(c.query_row(
                "SELECT SUM(num_clicks) FROM click_day_counts WHERE dimension = 'offer'",
                [],
                |r| r.get(0),
            )?)
        })?;
        assert_eq!(rolled, 3);
        let by_week: i64 = store.read(|c| {
            Ok(c.query_row(
                "SELECT SUM(num_clicks) FROM click_week_counts WHERE dimension = 'merchant'",
                [],
                |r| r.get(0),
            )?)
        })?;
        assert_eq!(by_week, 3, "the weekly rollup is filled from the daily one");
        assert_eq!(store.count_clicks(range, GroupBy::Merchant)?.len(), 1);
        Ok(())
    }

    /// Clicks over seven weeks, counted for ranges long and short, at any hour: the rollups'
    /// answer (whole weeks, whole days, partial days) equals a count of the clicks themselves
    /// for every grouping, and a range of a month reads the weekly rollup.
    #[test]
    fn weeks_days_and_partial_days_count_what_the_clicks_say() -> StoreResult<()> {
        let dir = tempfile::tempdir()?;
        let store = SqliteStore::open(&dir.path().join("s.sqlite"))?;
        let mut rng = fastrand::Rng::with_seed(20261205);
        for n in 0..400 {
            let time = day(rng.i64(-3..50)) + chrono::Duration::minutes(rng.i64(0..1440));
            let sub_id = ["a", "b", "c"].get(rng.usize(0..4)).copied();
            let mut c = click(&format!("o{}", rng.u32(0..25)), time, sub_id)?;
            c.merchant = (n % 5 != 0).then(|| format!("m{}", n % 3));
            store.record_click(&c)?;
        }
        let weekly_rows: i64 = store.read(|c| {
            Ok(c.query_row("SELECT COUNT(*) FROM click_week_counts", [], |r| r.get(0))?)
        })?;
        assert!(weekly_rows > 0);
        for _ in 0..60 {
            let from = day(rng.i64(-5..40)) + chrono::Duration::minutes(rng.i64(-720..720));
            let to = from + chrono::Duration::hours(rng.i64(1..24 * 40));
            let range = TimeRange::between(from, to);
            let (raw_from, raw_to) = range.stored_bounds();
            for group_by in GroupBy::ALL {
                let rolled = store.read(|c| rolled_up_click_counts(c, range, group_by))?;
                let mut raw = BTreeMap::new();
                store.read(|c| raw_counts(c, raw_from, raw_to, group_by, &mut raw))?;
                assert_eq!(rolled, raw, "{group_by:?} {from}..{to}");
            }
        }
        Ok(())
    }
}
