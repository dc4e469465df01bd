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
//! the snapshot (its segments or their deletes) and the lists are built again when next asked.
//! Facet counts are not kept: a request for facets takes the ordinary pass.

use crate::group_fruit::RankedItem;
use crate::group_key::GroupKey;
use feedmill_search::{MAX_RESULT_WINDOW, SortOrder};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
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

/// One snapshot's lists, built on demand per sort order.
#[derive(Debug, Default)]
struct SnapshotLists {
    snapshot: SnapshotKey,
    by_sort: [Mutex<Option<Arc<RankedCatalogue>>>; SortOrder::ALL.len()],
}

/// The lists of the latest snapshot a match-all grouped search saw.
#[derive(Debug, Default)]
pub(crate) struct MatchAllGroups {
    latest: Mutex<Option<Arc<SnapshotLists>>>,
}

impl MatchAllGroups {
    /// True when a grouped search with this window can be answered from a list.
    pub fn serves(window: usize) -> bool {
        window <= MAX_RESULT_WINDOW
    }

    /// The list of `sort` on `searcher`'s snapshot, built by `build` (with the window to rank)
    /// when it is not kept. Searches asking for a list being built wait for it.
    pub fn ranked<E>(
        &self,
        searcher: &Searcher,
        sort: SortOrder,
        build: impl FnOnce(usize) -> Result<RankedCatalogue, E>,
    ) -> Result<Arc<RankedCatalogue>, E> {
        let lists = self.lists_of(searcher);
        let position = SortOrder::ALL.iter().position(|s| *s == sort).unwrap_or(0);
        let mut slot = lists.by_sort[position]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(ranked) = slot.as_ref() {
            return Ok(Arc::clone(ranked));
        }
        let ranked = Arc::new(build(MAX_RESULT_WINDOW)?);
        *slot = Some(Arc::clone(&ranked));
        Ok(ranked)
    }

    fn lists_of(&self, searcher: &Searcher) -> Arc<SnapshotLists> {
        let snapshot: SnapshotKey = searcher
            .segment_readers()
            .iter()
            .map(|reader| (reader.segment_id(), reader.delete_opstamp()))
            .collect();
        let mut latest = self.latest.lock().unwrap_or_else(PoisonError::into_inner);
        match latest.as_ref() {
            Some(lists) if lists.snapshot == snapshot => Arc::clone(lists),
            _ => {
                let lists = Arc::new(SnapshotLists {
                    snapshot,
                    ..SnapshotLists::default()
                });
                *latest = Some(Arc::clone(&lists));
                lists
            }
        }
    }
}
