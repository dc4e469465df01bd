//! The open day: the click rollups (`click_rollup.rs`, `click_week_rollup.rs`) hold the days
//! that are closed, and the day clicks are arriving on is counted from the clicks themselves, so
//! a click-out writes its row of `clicks` (and its three index entries) and nothing else.
//!
//! `click_open_day` holds one day number, `open_day`: the rollups hold exactly the clicks with
//! `0 <= time_us < open_day × 86400000000`, every later click is counted from `clicks` by the
//! time index (`clicks_by_time_with_keys`, which covers every key a report groups by). Inserting
//! a click, in the same savepoint as its row (so a failed insert leaves both untouched):
//!
//! - a click of the open day (or later the same day) writes nothing more: the common case;
//! - a click of a day already closed (an imported log, a bulk load, a late click) adds its eight
//!   rollup rows, as the triggers of migrations 3 and 9 did for every click;
//! - a click of a later day closes the days before it: their clicks are summed from the index
//!   into both rollups (one `GROUP BY` per dimension over a day of clicks, once a day) and
//!   `open_day` moves to the click's day.
//!
//! Clicks before 1970 are never rolled up (a range reads them as its partial head). Clicks are
//! never deleted; a delete would have to take its click out of the rollups when its day is
//! closed. The migration drops the four row triggers and opens the day after the newest click
//! stored, since the triggers had rolled up every click until then.

use crate::error::StoreResult;
use crate::stored::MICROS_PER_DAY;
use rusqlite::{Connection, params};

/// The open day's table, the triggers it replaces (a migration of its own).
pub(crate) const SCHEMA_CLICK_OPEN_DAY: &str = "
DROP TRIGGER clicks_rolled_up;
DROP TRIGGER clicks_rolled_back;
DROP TRIGGER clicks_rolled_up_by_week;
DROP TRIGGER clicks_rolled_back_by_week;

CREATE TABLE click_open_day (
    only      INTEGER PRIMARY KEY CHECK (only = 0),
    open_day  INTEGER NOT NULL CHECK (open_day >= 0)
);
INSERT INTO click_open_day
    SELECT 0, max(coalesce(max(time_us) / 86400000000 + 1, 0), 0) FROM clicks;
";

/// The first day the rollups do not hold (see the module doc).
pub(super) fn open_day(connection: &Connection) -> StoreResult<i64> {
    let mut statement = connection.prepare_cached("SELECT open_day FROM click_open_day")?;
    Ok(statement.query_row([], |row| row.get(0))?)
}

/// The keys of a click that the rollups count.
pub(super) struct RolledUpKeys<'a> {
    pub time_us: i64,
    pub source: &'a str,
    pub merchant: Option<&'a str>,
    pub offer_id: &'a str,
    pub sub_id: Option<&'a str>,
}

/// Keeps the rollups exact for a click just inserted (see the module doc); run in the same
/// savepoint as its insert.
pub(super) fn roll_up_inserted(
    connection: &Connection,
    keys: &RolledUpKeys<'_>,
) -> StoreResult<()> {
    if keys.time_us < 0 {
        return Ok(());
    }
    let day = keys.time_us / MICROS_PER_DAY;
    let open = open_day(connection)?;
    if day < open {
        add_closed_day_click(connection, day, keys)
    } else if day > open {
        close_days(connection, open, day)
    } else {
        Ok(())
    }
}

/// Adds one click of the closed `day` to both rollups.
fn add_closed_day_click(
    connection: &Connection,
    day: i64,
    keys: &RolledUpKeys<'_>,
) -> StoreResult<()> {
    for (table, period) in [("click_day_counts", day), ("click_week_counts", day / 7)] {
        let sql = format!(
            "INSERT INTO {table} VALUES \
                 ('source', ?1, 1, ?2, 1), \
                 ('merchant', ?1, ?3 IS NOT NULL, coalesce(?3, ''), 1), \
                 ('offer', ?1, 1, ?4, 1), \
                 ('sub_id', ?1, ?5 IS NOT NULL, coalesce(?5, ''), 1) \
             ON CONFLICT DO UPDATE SET num_clicks = num_clicks + 1"
        );
        connection.prepare_cached(&sql)?.execute(params![
            period,
            keys.source,
            keys.merchant,
            keys.offer_id,
            keys.sub_id
        ])?;
    }
    Ok(())
}

/// Rolls up the clicks of days `[open, day)` and opens `day`.
fn close_days(connection: &Connection, open: i64, day: i64) -> StoreResult<()> {
    let (from, to) = (open * MICROS_PER_DAY, day.saturating_mul(MICROS_PER_DAY));
    connection
        .prepare_cached(
            "INSERT INTO click_day_counts (dimension, day, has_key, key, num_clicks) \
             SELECT 'source', time_us / 86400000000, 1, source, COUNT(*) \
               FROM clicks WHERE time_us >= ?1 AND time_us < ?2 GROUP BY 2, 4 \
             UNION ALL \
             SELECT 'merchant', time_us / 86400000000, merchant IS NOT NULL, \
                    coalesce(merchant, ''), COUNT(*) \
               FROM clicks WHERE time_us >= ?1 AND time_us < ?2 GROUP BY 2, 3, 4 \
             UNION ALL \
             SELECT 'offer', time_us / 86400000000, 1, offer_id, COUNT(*) \
               FROM clicks WHERE time_us >= ?1 AND time_us < ?2 GROUP BY 2, 4 \
             UNION ALL \
             SELECT 'sub_id', time_us / 86400000000, sub_id IS NOT NULL, \
                    coalesce(sub_id, ''), COUNT(*) \
               FROM clicks WHERE time_us >= ?1 AND time_us < ?2 GROUP BY 2, 3, 4 \
             ON CONFLICT DO UPDATE SET num_clicks = num_clicks + excluded.num_clicks",
        )?
        .execute([from, to])?;
    connection
        .prepare_cached(
            "INSERT INTO click_week_counts (dimension, week, has_key, key, num_clicks) \
             SELECT dimension, day / 7, has_key, key, SUM(num_clicks) FROM click_day_counts \
              WHERE dimension IN ('source', 'merchant', 'offer', 'sub_id') \
                AND day >= ?1 AND day < ?2 \
              GROUP BY 1, 2, 3, 4 \
             ON CONFLICT DO UPDATE SET num_clicks = num_clicks + excluded.num_clicks",
        )?
        .execute([open, day])?;
    connection
        .prepare_cached("UPDATE click_open_day SET open_day = ?1")?
        .execute([day])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use crate::click::{GroupBy, TimeRange};
    use crate::store::{ClickStore, EarningsStore};
    use crate::suite::{click, day};
    use crate::{EarningsQuery, EarningsRow};

    fn rollup_rows(store: &SqliteStore) -> StoreResult<(i64, i64)> {
        store.read(|c| {
            let sum = |table: &str| -> StoreResult<i64> {
                let sql = format!("SELECT coalesce(SUM(num_clicks), 0) FROM {table}");
                Ok(c.query_row(&sql, [], |r| r.get(0))?)
            };
            Ok((sum("click_day_counts")?, sum("click_week_counts")?))
        })
    }

    fn clicks_by(
        store: &SqliteStore,
        group_by: GroupBy,
    ) -> StoreResult<Vec<(Option<String>, u64)>> {
        let report = store.earnings(EarningsQuery {
            range: TimeRange::between(day(-30), day(30)),
            group_by,
        })?;
        Ok(report
            .into_iter()
            .map(
                |EarningsRow {
                     key, num_clicks, ..
                 }| (key, num_clicks),
            )
            .collect())
    }

    /// Clicks of the open day write no rollup row and are counted all the same; the first click
    /// of the next day rolls the day up; a late click of a closed day goes to the rollups.
    #[test]
    fn the_open_day_is_counted_from_the_clicks_until_it_closes() -> StoreResult<()> {
        let dir = tempfile::tempdir()?;
        let store = SqliteStore::open(&dir.path().join("s.sqlite"))?;
        for n in 0..5 {
            store.record_click(&click(&format!("o{}", n % 2), day(0), Some("nl"))?)?;
        }
        assert_eq!(
            store.read(open_day)?,
            day(0).timestamp_micros() / MICROS_PER_DAY
        );
        assert_eq!(
            rollup_rows(&store)?,
            (0, 0),
            "the open day is not rolled up"
        );
        let by_offer = vec![(Some("o0".into()), 3), (Some("o1".into()), 2)];
        assert_eq!(clicks_by(&store, GroupBy::Offer)?, by_offer);

        store.record_click(&click("o0", day(1), None)?)?;
        assert_eq!(
            rollup_rows(&store)?,
            (20, 20),
            "day 0 closed: 5 clicks × 4 dimensions"
        );
        store.record_click(&click("o1", day(-3), None)?)?;
        assert_eq!(
            rollup_rows(&store)?,
            (24, 24),
            "a late click is rolled up at once"
        );
        let by_offer = vec![(Some("o0".into()), 4), (Some("o1".into()), 3)];
        assert_eq!(clicks_by(&store, GroupBy::Offer)?, by_offer);
        let by_day = clicks_by(&store, GroupBy::Day)?;
        assert_eq!(by_day.iter().map(|(_, n)| n).sum::<u64>(), 7);
        assert_eq!(by_day.len(), 3);
        Ok(())
    }

    /// A store of migration 14, its clicks rolled up by the triggers: migration 15 opens the day
    /// after its newest click, and every count stays what the clicks say.
    #[test]
    fn the_migration_keeps_the_counts_of_a_store_with_triggers() -> StoreResult<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("old.sqlite");
        let old_clicks = [0, 2, 2, 5];
        {
            let old = Connection::open(&path)?;
            for (n, sql) in super::super::migrations::MIGRATIONS[..14]
                .iter()
                .enumerate()
            {
                old.execute_batch(sql)?;
                old.pragma_update(None, "user_version", n + 1)?;
            }
            for d in old_clicks {
                let c = click("o1", day(d), Some("a"))?;
                old.execute(
                    "INSERT INTO clicks (click_id, time_us, offer_id, source, merchant, sub_id, \
                     destination) VALUES (?1, ?2, 'o1', 'shop', 'Acme', 'a', 'https://x.example/')",
                    params![c.click_id.as_str(), c.time.timestamp_micros()],
                )?;
            }
        }
        let store = SqliteStore::open(&path)?;
        assert_eq!(
            store.read(open_day)?,
            day(5).timestamp_micros() / MICROS_PER_DAY + 1
        );
        assert_eq!(rollup_rows(&store)?, (16, 16));
        store.record_click(&click("o2", day(5), None)?)?;
        store.record_click(&click("o2", day(7), None)?)?;
        store.record_click(&click("o2", day(8), None)?)?;
        assert_eq!(
            clicks_by(&store, GroupBy::Offer)?,
            vec![(Some("o1".into()), 4), (Some("o2".into()), 3)]
        );
        let counted = store.count_clicks(TimeRange::between(day(-30), day(30)), GroupBy::SubId)?;
        let raw: Vec<_> = counted.into_iter().map(|c| (c.key, c.num_clicks)).collect();
        assert_eq!(clicks_by(&store, GroupBy::SubId)?, raw);
        Ok(())
    }
}
