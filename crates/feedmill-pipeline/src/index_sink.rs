//! [`IndexSink`]: the [`OfferStore`] (the index, or another seam backend) as an [`OfferSink`],
//! one replacement per source, matching each offer into its product first when it has a
//! [`ProductMatcher`] and the store has match candidates (the index; a seam backend has none,
//! and its offers are ingested unmatched, said once in the log).

use crate::error::PipelineError;
use crate::offer_sink::OfferSink;
use crate::offer_store::{OfferStore, Replacement};
use crate::product_matcher::{MatchSummary, ProductMatcher, SourceMatching};
use feedmill_index::{IngestMeta, IngestOptions, IngestOutcome, OfferIndex, PriceFacts};
use feedmill_model::Offer;
use tracing::{info, warn};

/// Writes a source's offers into the index: `begin` deletes the source's offers in a pending
/// replacement, `accept` adds each offer, `commit` applies the shrink guard and commits once.
/// An ingest aborted or dropped before its commit rolls back.
///
/// With a matcher, `begin` takes the catalogue as searches see it (before the replacement) as
/// the offers to match against, `accept` sets each offer's product, and `commit` stores the
/// decisions once the index committed: a replacement the shrink guard refuses stores nothing.
pub struct IndexSink {
    store: OfferStore,
    ingest: Option<Replacement>,
    matcher: Option<ProductMatcher>,
    matching: Option<SourceMatching>,
    last_match: Option<MatchSummary>,
}

impl IndexSink {
    pub fn new(store: impl Into<OfferStore>) -> IndexSink {
        IndexSink {
            store: store.into(),
            ingest: None,
            matcher: None,
            matching: None,
            last_match: None,
        }
    }

    /// Matches every offer into its product before indexing it.
    pub fn with_matcher(mut self, matcher: ProductMatcher) -> IndexSink {
        self.matcher = Some(matcher);
        self
    }

    /// What matching did in the last committed replacement (with a matcher).
    pub fn last_match(&self) -> Option<&MatchSummary> {
        self.last_match.as_ref()
    }

    /// Sets each offer's product when matching, else leaves the offers as given.
    fn set_products(&mut self, offers: &mut [Offer]) -> Result<(), PipelineError> {
        match self.matching.as_mut() {
            Some(matching) => matching.assign(offers),
            None => Ok(()),
        }
    }

    /// The index, when the sink writes into the index.
    pub fn index(&self) -> Option<&OfferIndex> {
        self.store.index()
    }

    pub fn store(&self) -> &OfferStore {
        &self.store
    }

    fn ingest(&mut self) -> Result<&mut Replacement, PipelineError> {
        self.ingest.as_mut().ok_or_else(|| PipelineError::Sink {
            sink: "index",
            message: "offers given before a source was begun".into(),
        })
    }
}

impl OfferSink for IndexSink {
    type Committed = IngestOutcome;

    /// None while an operator's pin waits for the source's next ingest: an unchanged feed is
    /// ingested again so that the pin takes effect.
    fn committed_content_hash(&self, source: &str) -> Result<Option<String>, PipelineError> {
        if let Some(matcher) = &self.matcher
            && matcher.pins_pending(source)?
        {
            return Ok(None);
        }
        self.store.content_hash(source)
    }

    fn begin(&mut self, source: &str, guard: IngestOptions) -> Result<(), PipelineError> {
        // A replacement still open is rolled back before the next one takes the writer.
        self.ingest = None;
        self.matching = None;
        if let Some(matcher) = &self.matcher {
            match self.store.match_candidates() {
                Some(candidates) => self.matching = Some(matcher.begin(source, candidates)?),
                None => info!(
                    source,
                    "product matching off: this search backend keeps no match candidates"
                ),
            }
        }
        self.ingest = Some(self.store.begin(source, guard)?);
        Ok(())
    }

    fn accept(&mut self, offers: &mut [Offer]) -> Result<(), PipelineError> {
        self.set_products(offers)?;
        let ingest = self.ingest()?;
        for offer in offers.iter() {
            ingest.add(offer)?;
        }
        Ok(())
    }

    /// Each offer is indexed with its honest numbers.
    fn accept_priced(
        &mut self,
        offers: &mut [Offer],
        facts: &[Option<PriceFacts>],
    ) -> Result<(), PipelineError> {
        self.set_products(offers)?;
        let ingest = self.ingest()?;
        for (i, offer) in offers.iter().enumerate() {
            ingest.add_priced(offer, facts.get(i).and_then(Option::as_ref))?;
        }
        Ok(())
    }

    fn commit(&mut self, meta: &IngestMeta) -> Result<IngestOutcome, PipelineError> {
        let ingest = self.ingest.take().ok_or_else(|| PipelineError::Sink {
            sink: "index",
            message: "commit without a source begun".into(),
        })?;
        let outcome = ingest.commit(meta.clone())?;
        if let Some(matching) = self.matching.take() {
            // The offers are live with their products; a decision not stored only means the
            // next ingest decides those offers again.
            match matching.finish() {
                Ok(summary) => self.last_match = Some(summary),
                Err(err) => warn!(%err, "product decisions not stored"),
            }
        }
        Ok(outcome)
    }

    fn abort(&mut self) {
        self.ingest = None;
        self.matching = None;
    }
}
