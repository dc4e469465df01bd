//! Earnings count clicks from a daily rollup (where the store keeps one): the counts must be
//! those of the clicks themselves for every grouping and any bounds, whole days or not.

use super::{click, day};
use crate::click::{GroupBy, TimeRange};
use crate::earnings::EarningsQuery;
use crate::error::StoreResult;
use crate::store::Store;
use chrono::Duration;
use std::collections::BTreeMap;

pub(crate) fn earnings_count_the_same_clicks_as_the_clicks_for_any_bounds(
    store: &impl Store,
) -> StoreResult<()> {
    let midnight = |d: i64| day(d) - Duration::hours(12);
    let times = [
        day(0),
        midnight(1),
        midnight(2) - Duration::microseconds(1),
        day(2),
        day(2),
        midnight(3) + Duration::hours(6),
        day(5),
    ];
    for (i, time) in times.into_iter().enumerate() {
        let mut c = click(&format!("o{}", i % 3), time, (i % 2 == 0).then_some("nl"))?;
        c.merchant = (i % 4 != 3).then(|| format!("m{}", i % 2));
        c.source = format!("s{}", i % 2);
        store.record_click(&c)?;
    }
    let ranges = [
        TimeRange::all(),
        TimeRange::between(day(0) - Duration::hours(1), day(3)),
        TimeRange::between(midnight(1), midnight(3)),
        TimeRange::between(
            midnight(2) + Duration::hours(1),
            day(2) + Duration::hours(1),
        ),
        TimeRange::between(midnight(1) + Duration::microseconds(1), day(5)),
    ];
    for range in ranges {
        for group_by in GroupBy::ALL {
            let expected: BTreeMap<Option<String>, u64> = store
                .count_clicks(range, group_by)?
                .into_iter()
                .map(|c| (c.key, c.num_clicks))
                .collect();
            let reported: BTreeMap<Option<String>, u64> = store
                .earnings(EarningsQuery { range, group_by })?
                .into_iter()
                .map(|r| (r.key, r.num_clicks))
                .collect();
            assert_eq!(reported, expected, "{group_by:?} over {range:?}");
        }
    }
    Ok(())
}
