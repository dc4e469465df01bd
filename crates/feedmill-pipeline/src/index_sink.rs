//! [`IndexSink`]: the index as an [`OfferSink`], one `SourceIngest` per source replacement.

use crate::error::PipelineError;
use crate::offer_sink::OfferSink;
use feedmill_index::{
    IngestMeta, IngestOptions, IngestOutcome, OfferIndex, PriceFacts, SourceIngest,
};
use feedmill_model::Offer;

/// Writes a source's offers into the index: `begin` deletes the source's offers in a pending
/// replacement, `accept` adds each offer, `commit` applies the shrink guard and commits once.
/// An ingest aborted or dropped before its commit rolls back.
pub struct IndexSink {
    index: OfferIndex,
    ingest: Option<SourceIngest>,
}

impl IndexSink {
    pub fn new(index: OfferIndex) -> IndexSink {
        IndexSink {
            index,
            ingest: None,
        }
    }

    pub fn index(&self) -> &OfferIndex {
        &self.index
    }

    fn ingest(&mut self) -> Result<&mut SourceIngest, PipelineError> {
        self.ingest.as_mut().ok_or_else(|| PipelineError::Sink {
            sink: "index",
            message: "offers given before a source was begun".into(),
        })
    }
}

impl OfferSink for IndexSink {
    type Committed = IngestOutcome;

    fn committed_content_hash(&self, source: &str) -> Result<Option<String>, PipelineError> {
        Ok(self.index.source_content_hash(source)?)
    }

    fn begin(&mut self, source: &str, guard: IngestOptions) -> Result<(), PipelineError> {
        // A replacement still open is rolled back before the next one takes the writer.
        self.ingest = None;
        self.ingest = Some(self.index.begin_source_ingest(source, guard)?);
        Ok(())
    }

    fn accept(&mut self, offers: &[Offer]) -> Result<(), PipelineError> {
        let ingest = self.ingest()?;
        for offer in offers {
            ingest.add(offer)?;
        }
        Ok(())
    }

    /// Each offer is indexed with its honest numbers.
    fn accept_priced(
        &mut self,
        offers: &[Offer],
        facts: &[Option<PriceFacts>],
    ) -> Result<(), PipelineError> {
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
        Ok(ingest.commit(meta.clone())?)
    }

    fn abort(&mut self) {
        self.ingest = None;
    }
}
