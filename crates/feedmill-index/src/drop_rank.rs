//! `sort=price_drop`: the largest *recent* drop first. A drop whose price changed within
//! [`RECENT_DROP_DAYS`] before the search's time ranks by its size above every older drop;
//! older drops follow, by size; offers without a drop (a raise, no history) come last.
//!
//! The rank is computed per document from two fast columns (`price_drop`,
//! `price_changed_at`), so "recent" is measured at search time, as the history filters are
//! (and cached answers age as theirs do, see `history_filters.rs`). The grouped searches rank
//! groups by their best offer's [`drop_rank`].

use crate::schema::{PRICE_CHANGED_AT, PRICE_DROP};
use chrono::{DateTime, Duration, Utc};
use tantivy::collector::sort_key::NaturalComparator;
use tantivy::collector::{SegmentSortKeyComputer, SortKeyComputer};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentReader};

/// A drop this many days old or younger is recent.
pub const RECENT_DROP_DAYS: i64 = 30;
/// Added to a recent drop's percent (at most 100) so that it ranks above every older one.
const RECENT_BOOST: f64 = 1000.0;

/// The first second (since the epoch) at which a change counts as recent at `now`.
pub(crate) fn recent_from(now: DateTime<Utc>) -> i64 {
    (now - Duration::days(RECENT_DROP_DAYS)).timestamp()
}

/// An offer's rank in `price_drop`, higher first: its drop, raised above every older drop when
/// its price changed at or after `recent_from`; `-∞` without a drop.
pub(crate) fn drop_rank(
    drop: Option<f64>,
    changed_at: Option<tantivy::DateTime>,
    recent_from: i64,
) -> f64 {
    match drop {
        None => f64::NEG_INFINITY,
        Some(drop) if changed_at.is_some_and(|at| at.into_timestamp_secs() >= recent_from) => {
            RECENT_BOOST + drop
        }
        Some(drop) => drop,
    }
}

/// One segment's `price_drop` and `price_changed_at` columns.
pub(crate) struct DropColumns {
    drop: Column<f64>,
    changed_at: Column<tantivy::DateTime>,
}

impl DropColumns {
    pub(crate) fn open(reader: &SegmentReader) -> tantivy::Result<DropColumns> {
        let fast = reader.fast_fields();
        Ok(DropColumns {
            drop: fast.f64(PRICE_DROP)?,
            changed_at: fast.date(PRICE_CHANGED_AT)?,
        })
    }

    pub(crate) fn rank(&self, doc: DocId, recent_from: i64) -> f64 {
        drop_rank(
            self.drop.first(doc),
            self.changed_at.first(doc),
            recent_from,
        )
    }
}

/// The [`SortKeyComputer`] of an ungrouped `sort=price_drop`.
pub(crate) struct DropSortKey {
    recent_from: i64,
}

impl DropSortKey {
    pub(crate) fn at(now: DateTime<Utc>) -> DropSortKey {
        DropSortKey {
            recent_from: recent_from(now),
        }
    }
}

/// One segment's ranks.
pub(crate) struct DropSegmentKey {
    columns: DropColumns,
    recent_from: i64,
}

impl SortKeyComputer for DropSortKey {
    type SortKey = f64;
    type Child = DropSegmentKey;
    type Comparator = NaturalComparator;

    fn requires_scoring(&self) -> bool {
        false
    }

    fn segment_sort_key_computer(&self, reader: &SegmentReader) -> tantivy::Result<DropSegmentKey> {
        Ok(DropSegmentKey {
            columns: DropColumns::open(reader)?,
            recent_from: self.recent_from,
        })
    }
}

impl SegmentSortKeyComputer for DropSegmentKey {
    type SortKey = f64;
    type SegmentSortKey = f64;
    type SegmentComparator = NaturalComparator;

    fn segment_sort_key(&mut self, doc: DocId, _score: Score) -> f64 {
        self.columns.rank(doc, self.recent_from)
    }

    fn convert_segment_sort_key(&self, key: f64) -> f64 {
        key
    }
}
