//! [`SourceIngest`]: replaces all offers of one source in one commit, behind the shrink guard.
//!
//! An ingest deletes the source's offers (`delete_term(source)`), adds the new feed's offers
//! (each after `delete_term(id)`, so a duplicate id keeps its last record) and commits once,
//! with the source's metadata as the commit payload. A searcher sees the old set or the new one,
//! never a mix; a crash before the commit leaves the old set.

use crate::error::IndexError;
use crate::offer_index::OfferIndex;
use crate::source_catalog::{SourceCatalog, SourceStats};
use crate::writer_slot::WriterState;
use chrono::Utc;
use feedmill_model::Offer;
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;
use tantivy::{IndexWriter, Term};
use tracing::{info, warn};

/// PriceRunner keeps the previous feed when a new one has under 80 % of the inventory.
pub const DEFAULT_MIN_RATIO: f64 = 0.8;

/// How an ingest guards a source against a broken, shrunken feed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IngestOptions {
    /// The new feed must hold at least this share of the source's current offers.
    pub min_ratio: f64,
    /// Replace the source even when the guard would trip.
    pub force: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            min_ratio: DEFAULT_MIN_RATIO,
            force: false,
        }
    }
}

/// What the caller knows about the feed, stored with the commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestMeta {
    pub content_hash: String,
    pub num_rejected: u64,
    pub duration: Duration,
}

/// The result of a committed ingest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestOutcome {
    /// The source's metadata as committed (`num_offers` counts distinct ids).
    pub stats: SourceStats,
    /// Offers of the source before this ingest.
    pub num_previous: u64,
    /// Records whose id came again later in the feed; the last one was kept.
    pub num_duplicates: u64,
    /// True when `force` replaced a source the guard would have kept.
    pub guard_overridden: bool,
}

/// One source's replacement in progress; dropped without [`SourceIngest::commit`], it rolls back.
pub struct SourceIngest {
    index: OfferIndex,
    /// `Some` until `commit` or `drop` hands the writer back.
    state: Option<WriterState>,
    source: String,
    options: IngestOptions,
    num_previous: u64,
    seen_ids: HashSet<String>,
    num_duplicates: u64,
}

impl OfferIndex {
    /// Starts replacing the offers of `source`. Waits while another ingest of this index runs;
    /// fails with [`IndexError::Locked`] when another process holds the index.
    pub fn begin_source_ingest(
        &self,
        source: &str,
        options: IngestOptions,
    ) -> Result<SourceIngest, IndexError> {
        validate_source(source)?;
        if !(0.0..=1.0).contains(&options.min_ratio) {
            return Err(IndexError::invalid(
                "min_ratio",
                format!("{} is not between 0 and 1", options.min_ratio),
            ));
        }
        let state = self
            .inner
            .writer
            .check_out(&self.inner.index, self.location())?;
        // From here on `SourceIngest::drop` hands the writer back on every path.
        let mut ingest = SourceIngest {
            index: self.clone(),
            state: Some(state),
            source: source.to_string(),
            options,
            num_previous: 0,
            seen_ids: HashSet::new(),
            num_duplicates: 0,
        };
        self.reload()?;
        ingest.num_previous = self.count_source(&self.searcher(), source)?;
        ingest
            .writer()
            .delete_term(Term::from_field_text(self.inner.schema.source, source));
        Ok(ingest)
    }

    /// Removes every offer of `source` and its metadata in one commit; returns how many went.
    pub fn delete_source(&self, source: &str) -> Result<u64, IndexError> {
        validate_source(source)?;
        let mut state = self
            .inner
            .writer
            .check_out(&self.inner.index, self.location())?;
        let deleted = self.delete_source_with(&mut state, source);
        match deleted {
            Ok((num_deleted, catalog)) => {
                state.catalog = catalog;
                self.inner.writer.check_in(Some(state));
                self.reload()?;
                info!(source, num_deleted, "source deleted");
                Ok(num_deleted)
            }
            Err(err) => {
                self.inner.writer.check_in(rolled_back(state));
                Err(err)
            }
        }
    }

    fn delete_source_with(
        &self,
        state: &mut WriterState,
        source: &str,
    ) -> Result<(u64, SourceCatalog), IndexError> {
        self.reload()?;
        let num_deleted = self.count_source(&self.searcher(), source)?;
        let term = Term::from_field_text(self.inner.schema.source, source);
        state.writer.delete_term(term);
        let catalog = state.catalog.without(source);
        commit_with_payload(&mut state.writer, &catalog)?;
        Ok((num_deleted, catalog))
    }

    /// Closes the writer when no ingest runs, releasing the lock for another process (the CLI
    /// ingesting while the API serves). The next ingest reopens it.
    pub fn release_writer(&self) {
        self.inner.writer.release();
    }
}

impl SourceIngest {
    /// Adds one offer of the source, replacing an earlier one with the same id.
    pub fn add(&mut self, offer: &Offer) -> Result<(), IndexError> {
        if offer.source != self.source {
            return Err(IndexError::SourceMismatch {
                offer_id: offer.id.clone(),
                offer_source: offer.source.clone(),
                ingest_source: self.source.clone(),
            });
        }
        let schema = &self.index.inner.schema;
        let doc = schema.to_document(offer)?;
        if !self.seen_ids.insert(offer.id.clone()) {
            self.num_duplicates += 1;
        }
        let writer = self.writer();
        writer.delete_term(Term::from_field_text(schema.id, &offer.id));
        writer.add_document(doc)?;
        Ok(())
    }

    /// Distinct offers added so far.
    pub fn num_offers(&self) -> u64 {
        self.seen_ids.len() as u64
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Commits the replacement, or rolls it back when the guard trips.
    pub fn commit(mut self, meta: IngestMeta) -> Result<IngestOutcome, IndexError> {
        let num_offers = self.num_offers();
        let trips = guard_trips(self.num_previous, num_offers, self.options.min_ratio);
        if trips && !self.options.force {
            warn!(source = %self.source, previous = self.num_previous, new = num_offers,
                  "shrink guard kept the previous offers");
            return Err(IndexError::GuardTripped {
                source_name: self.source.clone(),
                previous: self.num_previous,
                new: num_offers,
                min_ratio: self.options.min_ratio,
            });
        }
        let stats = SourceStats {
            source: self.source.clone(),
            num_offers,
            last_ingest_at: Utc::now(),
            last_duration_ms: u64::try_from(meta.duration.as_millis()).unwrap_or(u64::MAX),
            num_rejected: meta.num_rejected,
            content_hash: meta.content_hash,
        };
        let mut state = self.take_state();
        let catalog = state.catalog.with(stats.clone());
        if let Err(err) = commit_with_payload(&mut state.writer, &catalog) {
            self.index.inner.writer.check_in(rolled_back(state));
            return Err(err);
        }
        state.catalog = catalog;
        self.index.inner.writer.check_in(Some(state));
        self.index.reload()?;
        info!(source = %self.source, num_offers, num_previous = self.num_previous,
              num_duplicates = self.num_duplicates, "source indexed");
        Ok(IngestOutcome {
            stats,
            num_previous: self.num_previous,
            num_duplicates: self.num_duplicates,
            guard_overridden: trips,
        })
    }

    fn writer(&self) -> &IndexWriter {
        &self
            .state
            .as_ref()
            .expect("the writer is held until commit or drop")
            .writer
    }

    fn take_state(&mut self) -> WriterState {
        self.state
            .take()
            .expect("the writer is held until commit or drop")
    }
}

impl Drop for SourceIngest {
    /// An ingest that did not commit (an error, a tripped guard) leaves the index untouched.
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            self.index.inner.writer.check_in(rolled_back(state));
        }
    }
}

/// True when a feed of `new` offers looks broken next to the `previous` ones: below
/// `min_ratio` of them, or empty where there were offers.
pub(crate) fn guard_trips(previous: u64, new: u64, min_ratio: f64) -> bool {
    previous > 0 && (new == 0 || (new as f64) < min_ratio * previous as f64)
}

fn validate_source(source: &str) -> Result<(), IndexError> {
    if source.trim().is_empty() {
        return Err(IndexError::invalid("source", "the source name is empty"));
    }
    Ok(())
}

fn commit_with_payload(
    writer: &mut IndexWriter,
    catalog: &SourceCatalog,
) -> Result<(), IndexError> {
    let payload = catalog.to_payload()?;
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    Ok(())
}

/// The writer with its uncommitted work dropped; `None` if even that failed, so the slot
/// reopens a fresh writer next time.
fn rolled_back(mut state: WriterState) -> Option<WriterState> {
    match state.writer.rollback() {
        Ok(_) => Some(state),
        Err(err) => {
            warn!(error = %err, "index writer rollback failed; it will be reopened");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::guard_trips;

    #[test]
    fn guard_trips_below_the_ratio_and_on_empty_feeds() {
        assert!(guard_trips(100, 79, 0.8));
        assert!(!guard_trips(100, 80, 0.8));
        assert!(guard_trips(100, 0, 0.0));
        assert!(!guard_trips(0, 0, 0.8));
        assert!(!guard_trips(0, 5, 0.8));
    }
}
