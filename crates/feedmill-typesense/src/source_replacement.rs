//! [`TypesenseReplacement`]: one source's refresh as a new generation, and the seam's
//! [`SourceStore`] over it.
//!
//! `begin` removes what a refresh that died left behind (documents of the source in no live
//! generation) and picks a new generation number. `add` writes offers as documents of that
//! generation in JSON-lines imports of [`IMPORT_BATCH`], checking every line's result. `commit`
//! imports the rest, checks the shrink guard, waits until every node that answers counts as
//! many documents of the new generation as distinct ids were added, then flips the source's
//! meta document to the new generation, waits until every such node shows the flip, and
//! deletes the old generation. Until the flip searches see the old offers; after it the
//! new ones. A rollback (or a drop) deletes the new generation.

use crate::error::TypesenseError;
use crate::live_set::{LiveSet, LiveSource, MetaDocument};
use crate::offer_document::OfferDocument;
use crate::typesense_backend::{Shared, TypesenseBackend};
use chrono::Utc;
use feedmill_model::Offer;
use feedmill_search::{
    IngestMeta, IngestOptions, IngestOutcome, RequestError, SearchError, SourceReplacement,
    SourceStats, SourceStore,
};
use std::collections::HashSet;
use std::sync::Arc;

/// Documents per import request: large enough to amortize the request, small enough that a
/// batch retried after a node failure costs little.
const IMPORT_BATCH: usize = 1_000;

/// One source's replacement in progress.
pub struct TypesenseReplacement {
    shared: Arc<Shared>,
    source: String,
    options: IngestOptions,
    generation: u64,
    previous: Option<LiveSource>,
    ids: HashSet<String>,
    num_added: u64,
    batch: String,
    batch_len: usize,
    finished: bool,
}

impl TypesenseBackend {
    fn begin(
        &self,
        source: &str,
        options: IngestOptions,
    ) -> Result<TypesenseReplacement, TypesenseError> {
        if source.trim().is_empty() || source.contains('`') {
            return Err(RequestError::invalid(
                "source",
                format!("{source:?} cannot name a source"),
            )
            .into());
        }
        let live = self.refresh_live()?;
        let previous = live.get(source).cloned();
        // Typesense 0.24 has no `!=` on numbers: below and above the live generation.
        let leftovers = match &previous {
            Some(p) => vec![
                format!("source:=`{source}` && generation:<{}", p.generation),
                format!("source:=`{source}` && generation:>{}", p.generation),
            ],
            None => vec![format!("source:=`{source}`")],
        };
        for filter in leftovers {
            self.shared.collections.delete_offers(&filter)?;
        }
        let generation = self.issue_generation(&live);
        Ok(TypesenseReplacement {
            shared: self.shared.clone(),
            source: source.to_string(),
            options,
            generation,
            previous,
            ids: HashSet::new(),
            num_added: 0,
            batch: String::new(),
            batch_len: 0,
            finished: false,
        })
    }

    /// A generation number above every one `live` knows of and every one this process issued.
    fn issue_generation(&self, live: &LiveSet) -> u64 {
        let mut issued = self.shared.issued.lock().unwrap_or_else(|e| e.into_inner());
        let now = u64::try_from(Utc::now().timestamp_micros()).unwrap_or(0);
        *issued = live.next_generation(*issued, now);
        *issued
    }

    /// Raises the floor above every live generation, then removes the source's meta document
    /// and its offers: the high water of the live set never goes down.
    fn remove_source(&self, source: &str) -> Result<u64, TypesenseError> {
        let live = self.refresh_live()?;
        let Some(current) = live.get(source) else {
            return Ok(0);
        };
        let floor = self.issue_generation(&live);
        self.shared
            .collections
            .write_meta(&MetaDocument::floor(floor))?;
        self.shared.collections.delete_meta(source)?;
        self.shared.collections.wait_for_meta(source, None)?;
        let filter = format!("generation:={}", current.generation);
        let removed = self.shared.collections.delete_offers(&filter)?;
        self.refresh_live()?;
        Ok(removed)
    }
}

impl TypesenseReplacement {
    fn add_offer(&mut self, offer: &Offer) -> Result<(), TypesenseError> {
        if offer.source != self.source {
            return Err(RequestError::invalid(
                "source",
                format!(
                    "offer {:?} is of source {:?}, not {:?}",
                    offer.id, offer.source, self.source
                ),
            )
            .into());
        }
        let document = OfferDocument::new(offer, self.generation)
            .map_err(|err| TypesenseError::bad_answer("an offer as a document", err))?;
        let line = serde_json::to_string(&document)
            .map_err(|err| TypesenseError::bad_answer("an offer as a document", err))?;
        self.batch.push_str(&line);
        self.batch.push('\n');
        self.batch_len += 1;
        self.num_added += 1;
        self.ids.insert(offer.id.clone());
        if self.batch_len >= IMPORT_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TypesenseError> {
        if self.batch_len == 0 {
            return Ok(());
        }
        let num_lines = std::mem::replace(&mut self.batch_len, 0);
        let imported = self.shared.collections.import(&self.batch, num_lines);
        self.batch.clear();
        imported
    }

    fn commit_now(&mut self, meta: IngestMeta) -> Result<IngestOutcome, SearchError> {
        self.flush()?;
        let num_offers = self.ids.len() as u64;
        let num_previous = self.previous.as_ref().map_or(0, |p| p.stats.num_offers);
        let trips = self.options.guard_trips(num_previous, num_offers);
        if trips && !self.options.force {
            self.discard();
            return Err(SearchError::GuardTripped {
                source_name: self.source.clone(),
                previous: num_previous,
                new: num_offers,
                min_ratio: self.options.min_ratio,
            });
        }
        let collections = &self.shared.collections;
        // Every node that answers holds the whole generation, as many documents as distinct
        // ids were added, before any search is pointed at it.
        let generation_filter = format!("generation:={}", self.generation);
        collections.wait_for_count(&generation_filter, num_offers)?;
        let stats = SourceStats {
            source: self.source.clone(),
            num_offers,
            last_ingest_at: Utc::now(),
            last_duration_ms: u64::try_from(meta.duration.as_millis()).unwrap_or(u64::MAX),
            num_rejected: meta.num_rejected,
            content_hash: meta.content_hash,
        };
        let live = LiveSource {
            source: self.source.clone(),
            generation: self.generation,
            stats: stats.clone(),
        };
        collections.write_meta(&MetaDocument::of(&live)?)?;
        self.finished = true;
        // The old generation goes only once no node points searches at it any more.
        collections.wait_for_meta(&self.source, Some(self.generation))?;
        if let Some(previous) = &self.previous {
            let old = format!("generation:={}", previous.generation);
            if let Err(err) = collections.delete_offers(&old) {
                // Invisible to searches already; the source's next refresh removes them.
                tracing::warn!(source = %self.source, error = %err, "old generation not deleted");
            }
        }
        Ok(IngestOutcome {
            stats,
            num_previous,
            num_duplicates: self.num_added - num_offers,
            guard_overridden: trips,
        })
    }

    /// Deletes the new generation's documents (searches never saw them).
    fn discard(&mut self) {
        self.finished = true;
        let filter = format!("generation:={}", self.generation);
        if let Err(err) = self.shared.collections.delete_offers(&filter) {
            // Invisible to searches; the source's next refresh removes them.
            tracing::warn!(source = %self.source, error = %err, "rolled-back generation not deleted");
        }
    }
}

impl Drop for TypesenseReplacement {
    fn drop(&mut self) {
        if !self.finished {
            self.discard();
        }
    }
}

impl SourceStore for TypesenseBackend {
    fn begin_replace(
        &self,
        source: &str,
        options: IngestOptions,
    ) -> Result<Box<dyn SourceReplacement>, SearchError> {
        Ok(Box::new(self.begin(source, options)?))
    }

    fn delete_source(&self, source: &str) -> Result<u64, SearchError> {
        Ok(self.remove_source(source)?)
    }
}

impl SourceReplacement for TypesenseReplacement {
    fn source(&self) -> &str {
        &self.source
    }

    fn add(&mut self, offer: &Offer) -> Result<(), SearchError> {
        Ok(self.add_offer(offer)?)
    }

    fn num_offers(&self) -> u64 {
        self.ids.len() as u64
    }

    fn commit(mut self: Box<Self>, meta: IngestMeta) -> Result<IngestOutcome, SearchError> {
        let outcome = self.commit_now(meta);
        if outcome.is_err() && !self.finished {
            self.discard();
        }
        outcome
    }
}
