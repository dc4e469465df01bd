//! [`MatchAllGroups`]: the ranked products of the whole catalogue, per sort order, kept per
//! index snapshot, so that a grouped search without words or filters (`/search?group_by=gtin`,
//! a catalogue's front page) reads a page of a list instead of grouping every offer.
//!
//! Such a search matches every offer, so its answer depends only on the snapshot and the sort
//! (but for `price_drop`, whose ranking moves with the search's time: it is never kept here).
//! The first one of a sort on a snapshot runs the ordinary grouped pass over every offer with
//! the deepest window paging allows ([`MAX_RESULT_WINDOW`]) and keeps the ranked items, the
//! total and the addresses of the groups' offers; later ones of that sort, on any page, take
//! theirs from it. Ranking is a strict order, so the first `offset + per_page` items of the kept
//! window are exactly those a search with that smaller window would rank: answers are the same
//! as the ordinary pass's (tested against a brute-force grouping). A commit or a delete changes
//! the snapshot (its segments or their deletes): the lists of the sorts asked for on the
//! snapshot before are built by the reload that opens it, before searches see it
//! (`snapshot_warmer.rs`), and any other when first asked. The lists of the two newest snapshots
//! are kept ([`SnapshotSlots`]).
//! Facet counts are not kept: a request for facets takes the ordinary pass.

use crate::group_fruit::RankedItem;
use crate::group_key::GroupKey;
use crate::snapshot_slots::{BuiltOnce, SnapshotSlots};
use feedmill_search::{MAX_RESULT_WINDOW, SortOrder};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use tantivy::index::SegmentId;
use tantivy::{DocAddress, Opstamp, Searcher};

/// The segments of a snapshot with their deletes.
type SnapshotKey = Vec<(SegmentId, Option<Opstamp>)>;

/// The best [`MAX_RESULT_WINDOW`] items of the whole catalogue in one order.
#[derive(Debug)]
pub(crate) struct RankedCatalogue {
    /// Groups plus offers without a GTIN, in the whole catalogue.
    pub total: u64,
    /// Best first.
    pub items: Vec<RankedItem>,
    /// The offers of each group among `items`.
    pub group_docs: HashMap<GroupKey, Vec<DocAddress>>,
}

impl RankedCatalogue {
    /// The items of `offset..offset + limit`, and the offers of the groups among them.
    pub fn page(&self, offset: usize, limit: usize) -> (Vec<RankedItem>, Vec<DocAddress>) {
        let items: Vec<RankedItem> = self
            .items
            .iter()
            .skip(offset)
            .take(limit)
            .copied()
            .collect();
        let mut docs = Vec::new();
        for item in &items {
            if let RankedItem::Group(key) = item {
                docs.extend(self.group_docs.get(key).into_iter().flatten());
            }
        }
        (items, docs)
    }
}

/// One snapshot's lists, one per sort order, each built when first asked.
#[derive(Debug, Default)]
pub(crate) struct SnapshotLists {
    by_sort: [BuiltOnce<RankedCatalogue>; SortOrder::ALL.len()],
}

/// The lists of the two newest snapshots ([`SnapshotSlots`]) of one grouping.
#[derive(Debug, Default)]
pub(crate) struct MatchAllGroups {
    by_snapshot: SnapshotSlots<SnapshotKey, SnapshotLists>,
}

impl MatchAllGroups {
    /// True when a grouped search with this window can be answered from a list.
    pub fn serves(window: usize) -> bool {
        window <= MAX_RESULT_WINDOW
    }

    /// The list of `sort` on `searcher`'s snapshot, built by `build` (with the window to rank;
    /// counted in `builds`) when it is not kept. Searches asking for a list being built wait
    /// for it.
    pub fn ranked<E>(
        &self,
        searcher: &Searcher,
        sort: SortOrder,
        builds: &AtomicU64,
        build: impl FnOnce(usize) -> Result<RankedCatalogue, E>,
    ) -> Result<Arc<RankedCatalogue>, E> {
        let generation = searcher.generation().generation_id();
        let lists = self.by_snapshot.get(snapshot_of(searcher), generation);
        lists.by_sort[sort_position(sort)].get_or_build(builds, || build(MAX_RESULT_WINDOW))
    }

    /// The sorts whose lists the newest snapshot kept before `searcher`'s has: those a reload
    /// to `searcher` warms.
    pub fn asked_before(&self, searcher: &Searcher) -> Vec<SortOrder> {
        let Some(before) = self.by_snapshot.newest_other(&snapshot_of(searcher)) else {
            return Vec::new();
        };
        SortOrder::ALL
            .into_iter()
            .zip(&before.by_sort)
            .filter(|(_, list)| list.get().is_some())
            .map(|(sort, _)| sort)
            .collect()
    }

    /// True when the list of `sort` on `searcher`'s snapshot is built.
    #[cfg(test)]
    pub fn is_built(&self, searcher: &Searcher, sort: SortOrder) -> bool {
        self.by_snapshot
            .peek(&snapshot_of(searcher))
            .is_some_and(|lists| lists.by_sort[sort_position(sort)].get().is_some())
    }
}

/// What a list depends on: the snapshot's segments with their deletes.
fn snapshot_of(searcher: &Searcher) -> SnapshotKey {
    let readers = searcher.segment_readers();
    readers
        .iter()
        .map(|reader| (reader.segment_id(), reader.delete_opstamp()))
        .collect()
}

/// `sort`'s place in [`SortOrder::ALL`]; `epc`, which is never grouped, shares relevance's.
fn sort_position(sort: SortOrder) -> usize {
    SortOrder::ALL.iter().position(|s| *s == sort).unwrap_or(0)
}
