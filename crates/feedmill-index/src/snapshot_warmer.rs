//! [`SnapshotWarmer`]: builds a new snapshot's group tables and whole-catalogue lists while the
//! reader reloads, before searches see the snapshot.
//!
//! tantivy calls a reader's warmers with every new searcher, on the thread that reloads — an
//! ingest's commit (`SourceIngest::commit`), a delete, or the reader's watcher thread, which
//! follows merges and another process's commits — and swaps the searcher in only once they
//! return. Searches meanwhile keep the searcher they have and its own tables and lists (the two
//! newest snapshots are kept, `snapshot_slots.rs`), so no search waits for a build and none
//! sees another snapshot's. What is warmed is what was asked for on the snapshot before: the
//! table of each grouping grouped searches used, and the list of each sort whole-catalogue
//! grouped searches asked for (never `price_drop`'s, which is not kept). A process that never
//! groups (an ingest from the CLI) warms nothing. The builds run one after the other on the
//! reloading thread, leaving the other core to searches. A failed build is logged and left to
//! the first search that needs it.

use crate::error::IndexError;
use crate::grouped_caches::{Builder, GroupCaches};
use crate::query_builder::build_query_at;
use crate::schema::OfferSchema;
use chrono::Utc;
use feedmill_search::{Grouping, SearchRequest, SortOrder};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tantivy::{Searcher, SearcherGeneration, Warmer};
use tracing::{debug, warn};

/// The warmer of one index's reader.
pub(crate) struct SnapshotWarmer {
    caches: Arc<GroupCaches>,
    schema: OfferSchema,
}

impl SnapshotWarmer {
    pub fn new(caches: Arc<GroupCaches>, schema: OfferSchema) -> SnapshotWarmer {
        SnapshotWarmer { caches, schema }
    }

    /// `grouping`'s table of `searcher`'s snapshot and its whole catalogue in each of `sorts`.
    fn warm_grouping(
        &self,
        searcher: &Searcher,
        grouping: Grouping,
        sorts: &[SortOrder],
    ) -> Result<(), IndexError> {
        let started = Instant::now();
        let table = self.caches.table(searcher, grouping, Builder::Warmer)?;
        for &sort in sorts {
            let request = SearchRequest {
                sort,
                group_by_gtin: grouping == Grouping::Gtin,
                group_by_product: grouping == Grouping::Product,
                ..SearchRequest::default()
            };
            let query = build_query_at(&self.schema, &request, Utc::now())?;
            if query.match_all {
                let on = (grouping, &table);
                self.caches
                    .catalogue(searcher, &query, sort, on, Builder::Warmer)?;
            }
        }
        debug!(?grouping, ?sorts, elapsed = ?started.elapsed(), "new snapshot warmed");
        Ok(())
    }
}

impl Warmer for SnapshotWarmer {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        if !self.caches.warming.load(Ordering::Relaxed) {
            return Ok(());
        }
        for (grouping, sorts) in self.caches.asked_before(searcher) {
            // A failed warm must not fail the reload: searches then build what they need.
            if let Err(err) = self.warm_grouping(searcher, grouping, &sorts) {
                warn!(%err, ?grouping, "warming a new snapshot failed");
            }
        }
        Ok(())
    }

    /// Nothing to collect: the kept snapshots are bounded (two) where they are kept.
    fn garbage_collect(&self, _live_generations: &[&SearcherGeneration]) {}
}
