//! [`GroupCaches`]: what grouped searches keep per snapshot — the group tables
//! ([`crate::group_table`]) and the whole catalogue's ranked lists
//! ([`crate::match_all_groups`]) — shared by the searches and the reload's warmer
//! ([`crate::snapshot_warmer`]), which reach them through the same two calls.

use crate::error::IndexError;
use crate::fast_filter::FilterCollector;
use crate::group_fruit::RankedItem;
use crate::group_key::GroupKey;
use crate::group_table::{GroupTable, GroupTables};
use crate::grouping::GroupCollector;
use crate::match_all_groups::{MatchAllGroups, RankedCatalogue};
use crate::query_builder::BuiltQuery;
use feedmill_search::{Grouping, SortOrder};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tantivy::Searcher;

/// Who builds a table or a list: a search waiting for it, or a reload before searches see the
/// snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builder {
    Search,
    Warmer,
}

/// The per-snapshot state of grouped searches, and how many builds each [`Builder`] made.
#[derive(Debug)]
pub(crate) struct GroupCaches {
    tables: GroupTables,
    catalogues: [MatchAllGroups; Grouping::ALL.len()],
    built_by_searches: AtomicU64,
    built_by_warmer: AtomicU64,
    /// Whether a reload warms the new snapshot (on unless switched off, to measure without).
    pub warming: AtomicBool,
}

impl Default for GroupCaches {
    fn default() -> Self {
        GroupCaches {
            tables: GroupTables::default(),
            catalogues: Default::default(),
            built_by_searches: AtomicU64::new(0),
            built_by_warmer: AtomicU64::new(0),
            warming: AtomicBool::new(true),
        }
    }
}

impl GroupCaches {
    /// The group table of `searcher`'s snapshot.
    pub fn table(
        &self,
        searcher: &Searcher,
        grouping: Grouping,
        builder: Builder,
    ) -> Result<Arc<GroupTable>, IndexError> {
        let builds = self.builds(builder);
        Ok(self.tables.for_searcher(searcher, grouping, builds)?)
    }

    /// The whole catalogue of `searcher`'s snapshot ranked in `sort`; `query` matches every
    /// offer and `table` is the snapshot's.
    pub fn catalogue(
        &self,
        searcher: &Searcher,
        query: &BuiltQuery,
        sort: SortOrder,
        (grouping, table): (Grouping, &Arc<GroupTable>),
        builder: Builder,
    ) -> Result<Arc<RankedCatalogue>, IndexError> {
        let builds = self.builds(builder);
        self.catalogues[grouping.index()].ranked(searcher, sort, builds, |window| {
            rank_catalogue(searcher, query, sort, window, table)
        })
    }

    /// The groupings whose tables, and the sorts whose lists, were asked for on the snapshot
    /// before `searcher`'s: what a reload to `searcher` builds.
    pub fn asked_before(&self, searcher: &Searcher) -> Vec<(Grouping, Vec<SortOrder>)> {
        Grouping::ALL
            .into_iter()
            .filter(|grouping| self.tables.asked_before(searcher, *grouping))
            .map(|grouping| {
                let sorts = self.catalogues[grouping.index()].asked_before(searcher);
                (grouping, sorts)
            })
            .collect()
    }

    /// Tables and lists built so far by `builder`.
    pub fn num_built_by(&self, builder: Builder) -> u64 {
        self.builds(builder).load(Ordering::Relaxed)
    }

    /// True when the table and the list of `sort` on `searcher`'s snapshot are built.
    #[cfg(test)]
    pub fn is_built(&self, searcher: &Searcher, grouping: Grouping, sort: SortOrder) -> bool {
        self.tables.is_built(searcher, grouping)
            && self.catalogues[grouping.index()].is_built(searcher, sort)
    }

    fn builds(&self, builder: Builder) -> &AtomicU64 {
        match builder {
            Builder::Search => &self.built_by_searches,
            Builder::Warmer => &self.built_by_warmer,
        }
    }
}

/// The whole catalogue ranked in `sort`, its best `window` items kept with their groups'
/// offers: the ordinary grouped pass with a deep window.
fn rank_catalogue(
    searcher: &Searcher,
    query: &BuiltQuery,
    sort: SortOrder,
    window: usize,
    table: &Arc<GroupTable>,
) -> Result<RankedCatalogue, IndexError> {
    let groups = GroupCollector::new(sort, window, query, table.clone());
    let collector = FilterCollector::new(query.filter, groups);
    let groups = searcher.search(query.query.as_ref(), &collector)?;
    let items = groups.page(sort, 0, window);
    let keys = group_keys(&items);
    let docs = groups.docs_by_group(&keys, table);
    Ok(RankedCatalogue {
        total: groups.num_items(),
        items,
        group_docs: keys.into_iter().zip(docs).collect(),
    })
}

/// The keys of the groups among `ranked`.
pub(crate) fn group_keys(ranked: &[RankedItem]) -> Vec<GroupKey> {
    ranked
        .iter()
        .filter_map(|item| match item {
            RankedItem::Group(key) => Some(*key),
            RankedItem::Single { .. } => None,
        })
        .collect()
}
