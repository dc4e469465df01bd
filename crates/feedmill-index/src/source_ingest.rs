//! [`SourceIngest`]: replaces all offers of one source in one commit, behind the shrink guard.
//!
//! An ingest deletes the source's offers (`delete_term(source)`), adds the new feed's offers and
//! commits once, with the source's metadata as the commit payload. A searcher sees the old set or
//! the new one, never a mix; a crash before the commit leaves the old set.
//!
//! Ids stay unique without a delete per offer: an id that comes again in the feed is deleted
//! just before its later record is added (so the last record wins; [`FeedIds`] tells repeats),
//! and copies of the feed's ids held by other sources go in one delete after the last add
//! ([`OtherSourcesCopies`]). Adds reach the writer [`ADD_BATCH`] at a time.

use crate::cross_source::OtherSourcesCopies;
use crate::error::IndexError;
use crate::feed_ids::FeedIds;
use crate::offer_document::DocumentBuilder;
use crate::offer_index::OfferIndex;
use crate::source_catalog::SourceCatalog;
use crate::writer_slot::WriterState;
use chrono::Utc;
use feedmill_model::Offer;
use feedmill_search::{IngestMeta, IngestOptions, IngestOutcome, PriceFacts, SourceStats};
use std::sync::Arc;
use tantivy::indexer::UserOperation;
use tantivy::{IndexWriter, TantivyDocument, Term};
use tracing::{info, warn};

/// Operations handed to the writer at once. One at a time, every document is a message on
/// tantivy's channel to its indexing threads, and a full channel wakes the producer per document
/// (a fifth of an ingest's CPU went to that). tantivy's channel holds up to 10,000 messages, so
/// this also bounds the documents waiting there: 10,000 × 16, ~250 MB at ~1.5 KB a document, a
/// bound reached only when the feed is parsed faster than it is indexed.
pub(crate) const ADD_BATCH: usize = 16;

/// One source's replacement in progress; dropped without [`SourceIngest::commit`], it rolls back.
pub struct SourceIngest {
    index: OfferIndex,
    /// `Some` until `commit` or `drop` hands the writer back.
    state: Option<WriterState>,
    source: String,
    options: IngestOptions,
    num_previous: u64,
    ids: FeedIds,
    num_duplicates: u64,
    documents: DocumentBuilder,
    /// Operations not yet handed to the writer, at most [`ADD_BATCH`] adds.
    pending: Vec<UserOperation<TantivyDocument>>,
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
            ids: FeedIds::default(),
            num_duplicates: 0,
            documents: DocumentBuilder::default(),
            pending: Vec::with_capacity(ADD_BATCH),
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
        self.add_priced(offer, None)
    }

    /// Adds one offer with its honest numbers (when price history is kept).
    pub fn add_priced(
        &mut self,
        offer: &Offer,
        facts: Option<&PriceFacts>,
    ) -> Result<(), IndexError> {
        if offer.source != self.source {
            return Err(IndexError::SourceMismatch {
                offer_id: offer.id.clone(),
                offer_source: offer.source.clone(),
                ingest_source: self.source.clone(),
            });
        }
        let schema = &self.index.inner.schema;
        let doc = self.documents.build(schema, offer, facts)?;
        if !self.ids.insert(&offer.id) {
            self.num_duplicates += 1;
            let earlier = Term::from_field_text(schema.id, &offer.id);
            self.pending.push(UserOperation::Delete(earlier));
        }
        self.pending.push(UserOperation::Add(doc));
        if self.pending.len() >= ADD_BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Distinct offers added so far.
    pub fn num_offers(&self) -> u64 {
        self.ids.len()
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Commits the replacement, or rolls it back when the guard trips.
    pub fn commit(mut self, meta: IngestMeta) -> Result<IngestOutcome, IndexError> {
        let num_offers = self.num_offers();
        let trips = self.options.guard_trips(self.num_previous, num_offers);
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
        self.finish_adds()?;
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

    /// Hands the pending operations to the writer.
    fn flush(&mut self) -> Result<(), IndexError> {
        let operations = std::mem::replace(&mut self.pending, Vec::with_capacity(ADD_BATCH));
        self.writer().run(operations)?;
        Ok(())
    }

    /// The last adds, then the delete of other sources' copies of the feed's ids.
    fn finish_adds(&mut self) -> Result<(), IndexError> {
        self.flush()?;
        if self.ids.len() == 0 {
            return Ok(());
        }
        let schema = &self.index.inner.schema;
        let ids = Arc::new(std::mem::take(&mut self.ids));
        let source = Term::from_field_text(schema.source, &self.source);
        let copies = OtherSourcesCopies::new(source, schema.id, ids);
        self.writer().delete_query(Box::new(copies))?;
        Ok(())
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
pub(crate) fn rolled_back(mut state: WriterState) -> Option<WriterState> {
    match state.writer.rollback() {
        Ok(_) => Some(state),
        Err(err) => {
            warn!(error = %err, "index writer rollback failed; it will be reopened");
            None
        }
    }
}
