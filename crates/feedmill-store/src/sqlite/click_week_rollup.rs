//! Click counts by week (days since the epoch ÷ 7), beside the daily rollup, so a report over
//! a month reads each key about four times instead of thirty: a range's whole weeks come from
//! `click_week_counts`, the days around them from `click_day_counts` (`click_rollup.rs`).
//! It holds the closed days, as the daily rollup does, and is kept with it (`click_open_day.rs`;
//! until migration 15, triggers counted every click as it was inserted); the migration filled
//! it from the daily rollup. A week that is not closed yet is read day by day.
//!
//! The same migration widens the clicks' time index with the keys reports group by, so the
//! partial days at either end of a range are counted from the index alone, without a lookup
//! into the clicks table per click.

/// The weekly rollup, its triggers and its backfill (a migration of its own).
pub(crate) const SCHEMA_CLICK_WEEK_ROLLUP: &str = "
CREATE TABLE click_week_counts (
    dimension   TEXT NOT NULL,
    week        INTEGER NOT NULL,
    has_key     INTEGER NOT NULL,
    key         TEXT NOT NULL,
    num_clicks  INTEGER NOT NULL,
    PRIMARY KEY (dimension, week, has_key, key)
) WITHOUT ROWID;

CREATE TRIGGER clicks_rolled_up_by_week AFTER INSERT ON clicks BEGIN
    INSERT INTO click_week_counts VALUES
        ('source', NEW.time_us / 86400000000 / 7, 1, NEW.source, 1),
        ('merchant', NEW.time_us / 86400000000 / 7, NEW.merchant IS NOT NULL,
            coalesce(NEW.merchant, ''), 1),
        ('offer', NEW.time_us / 86400000000 / 7, 1, NEW.offer_id, 1),
        ('sub_id', NEW.time_us / 86400000000 / 7, NEW.sub_id IS NOT NULL,
            coalesce(NEW.sub_id, ''), 1)
    ON CONFLICT DO UPDATE SET num_clicks = num_clicks + 1;
END;

CREATE TRIGGER clicks_rolled_back_by_week AFTER DELETE ON clicks BEGIN
    UPDATE click_week_counts SET num_clicks = num_clicks - 1
     WHERE week = OLD.time_us / 86400000000 / 7 AND (
           (dimension = 'source' AND has_key = 1 AND key = OLD.source)
        OR (dimension = 'merchant' AND has_key = (OLD.merchant IS NOT NULL)
            AND key = coalesce(OLD.merchant, ''))
        OR (dimension = 'offer' AND has_key = 1 AND key = OLD.offer_id)
        OR (dimension = 'sub_id' AND has_key = (OLD.sub_id IS NOT NULL)
            AND key = coalesce(OLD.sub_id, '')));
END;

INSERT INTO click_week_counts
    SELECT dimension, day / 7, has_key, key, SUM(num_clicks)
      FROM click_day_counts GROUP BY 1, 2, 3, 4;

CREATE INDEX clicks_by_time_with_keys ON clicks (time_us, source, merchant, offer_id, sub_id);
DROP INDEX clicks_by_time;
";

/// Whole days `[first_day, end_day)` as the whole weeks inside them and the days before and
/// after those, each `[start, end)`, possibly empty.
pub(super) fn week_split(first_day: i64, end_day: i64) -> WeekSplit {
    let first_week = first_day.div_euclid(7) + i64::from(first_day.rem_euclid(7) != 0);
    let end_week = end_day.div_euclid(7);
    if first_day < 0 || first_week >= end_week {
        return WeekSplit {
            days: [(first_day, end_day), (0, 0)],
            weeks: (0, 0),
        };
    }
    WeekSplit {
        days: [(first_day, first_week * 7), (end_week * 7, end_day)],
        weeks: (first_week, end_week),
    }
}

/// See [`week_split`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WeekSplit {
    /// The days before the first whole week and after the last, in days since the epoch.
    pub days: [(i64, i64); 2],
    /// The whole weeks, in weeks since the epoch (day ÷ 7).
    pub weeks: (i64, i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every day of the range is counted exactly once, by its week or by itself.
    #[test]
    fn a_split_covers_each_day_once() {
        for first_day in 0..30 {
            for end_day in first_day..60 {
                let split = week_split(first_day, end_day);
                let mut covered = Vec::new();
                for (start, end) in split.days {
                    covered.extend(start..end);
                }
                for week in split.weeks.0..split.weeks.1 {
                    covered.extend(week * 7..week * 7 + 7);
                }
                covered.sort_unstable();
                let wanted: Vec<i64> = (first_day..end_day).collect();
                assert_eq!(covered, wanted, "{first_day}..{end_day}: {split:?}");
                if end_day - first_day >= 13 {
                    assert!(split.weeks.1 > split.weeks.0, "{first_day}..{end_day}");
                }
            }
        }
    }
}
