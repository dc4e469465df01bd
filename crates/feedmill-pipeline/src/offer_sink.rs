//! [`OfferSink`]: where an ingest's accepted offers go, one source at a time, and
//! [`RecordingSink`], its in-memory double.
//!
//! A sink sees one source's replacement as `begin`, any number of `accept`s (the normalizer's
//! batches, in feed order, only the offers it kept), then `commit` or `abort`. Nothing a sink
//! was given may become visible before its `commit`; after an `abort` (or a dropped sink) the
//! source is as it was before `begin`.

use crate::error::PipelineError;
use feedmill_index::{IngestMeta, IngestOptions, PriceFacts};
use feedmill_model::Offer;
use std::collections::BTreeMap;

/// A consumer of one source's accepted offers.
pub trait OfferSink {
    /// What a commit reports (the index's `IngestOutcome`; `()` for most sinks).
    type Committed;

    /// The content hash of the feed last committed for `source`, if this sink keeps one: an
    /// ingest of a feed with that hash is skipped.
    fn committed_content_hash(&self, source: &str) -> Result<Option<String>, PipelineError>;

    /// Starts replacing `source`'s offers; `guard` is the shrink guard the commit applies.
    fn begin(&mut self, source: &str, guard: IngestOptions) -> Result<(), PipelineError>;

    /// One batch of accepted offers of the source begun. A sink may complete the offers (the
    /// index's sets each offer's product when it matches); sinks after it see them so.
    fn accept(&mut self, offers: &mut [Offer]) -> Result<(), PipelineError>;

    /// One batch with each offer's honest numbers (`facts[i]` for `offers[i]`), as the price
    /// history hands them on. A sink that keeps no price facts takes the offers alone.
    fn accept_priced(
        &mut self,
        offers: &mut [Offer],
        facts: &[Option<PriceFacts>],
    ) -> Result<(), PipelineError> {
        let _ = facts;
        self.accept(offers)
    }

    /// Makes the replacement visible, or fails and leaves the source as it was.
    fn commit(&mut self, meta: &IngestMeta) -> Result<Self::Committed, PipelineError>;

    /// Drops everything since `begin`.
    fn abort(&mut self);
}

/// An in-memory sink: offers are staged on `accept` and land in [`RecordingSink::committed`]
/// only on `commit`. The test double of [`OfferSink`], and a model for a second consumer of
/// the accepted offers.
#[derive(Debug, Default)]
pub struct RecordingSink {
    committed: BTreeMap<String, Vec<Offer>>,
    hashes: BTreeMap<String, String>,
    staged: Option<(String, Vec<Offer>)>,
    num_aborts: u64,
}

impl RecordingSink {
    /// The offers of `source` as of its last commit, in the order they were accepted.
    pub fn committed(&self, source: &str) -> &[Offer] {
        self.committed.get(source).map_or(&[], Vec::as_slice)
    }

    /// Replacements begun and then aborted.
    pub fn num_aborts(&self) -> u64 {
        self.num_aborts
    }

    fn staged(&mut self) -> Result<&mut (String, Vec<Offer>), PipelineError> {
        self.staged.as_mut().ok_or_else(|| PipelineError::Sink {
            sink: "recording sink",
            message: "offers given before a source was begun".into(),
        })
    }
}

impl OfferSink for RecordingSink {
    type Committed = ();

    fn committed_content_hash(&self, source: &str) -> Result<Option<String>, PipelineError> {
        Ok(self.hashes.get(source).cloned())
    }

    fn begin(&mut self, source: &str, _guard: IngestOptions) -> Result<(), PipelineError> {
        self.staged = Some((source.to_string(), Vec::new()));
        Ok(())
    }

    fn accept(&mut self, offers: &mut [Offer]) -> Result<(), PipelineError> {
        self.staged()?.1.extend_from_slice(offers);
        Ok(())
    }

    fn commit(&mut self, meta: &IngestMeta) -> Result<(), PipelineError> {
        let (source, offers) = std::mem::take(self.staged()?);
        self.staged = None;
        self.hashes
            .insert(source.clone(), meta.content_hash.clone());
        self.committed.insert(source, offers);
        Ok(())
    }

    fn abort(&mut self) {
        if self.staged.take().is_some() {
            self.num_aborts += 1;
        }
    }
}
