//! [`FanOutSink`]: one ingest, two consumers — the index and a sink beside it.

use crate::error::PipelineError;
use crate::offer_sink::OfferSink;
use feedmill_index::{IngestMeta, IngestOptions, PriceFacts};
use feedmill_model::Offer;

/// Hands every call to `primary` (the index) and `secondary` (price history, say). The primary
/// decides: it commits first, and when it refuses (the shrink guard) the secondary is aborted,
/// so both keep the source as it was. The primary's hash decides whether a feed is unchanged.
/// More consumers nest: `FanOutSink::new(index, FanOutSink::new(a, b))`.
pub struct FanOutSink<P, S> {
    primary: P,
    secondary: S,
}

impl<P: OfferSink, S: OfferSink> FanOutSink<P, S> {
    pub fn new(primary: P, secondary: S) -> FanOutSink<P, S> {
        FanOutSink { primary, secondary }
    }

    pub fn primary(&self) -> &P {
        &self.primary
    }

    pub fn secondary(&self) -> &S {
        &self.secondary
    }

    pub fn into_parts(self) -> (P, S) {
        (self.primary, self.secondary)
    }
}

impl<P: OfferSink, S: OfferSink> OfferSink for FanOutSink<P, S> {
    type Committed = P::Committed;

    fn committed_content_hash(&self, source: &str) -> Result<Option<String>, PipelineError> {
        self.primary.committed_content_hash(source)
    }

    fn begin(&mut self, source: &str, guard: IngestOptions) -> Result<(), PipelineError> {
        self.primary.begin(source, guard)?;
        if let Err(err) = self.secondary.begin(source, guard) {
            self.primary.abort();
            return Err(err);
        }
        Ok(())
    }

    fn accept(&mut self, offers: &mut [Offer]) -> Result<(), PipelineError> {
        self.primary.accept(offers)?;
        self.secondary.accept(offers)
    }

    fn accept_priced(
        &mut self,
        offers: &mut [Offer],
        facts: &[Option<PriceFacts>],
    ) -> Result<(), PipelineError> {
        self.primary.accept_priced(offers, facts)?;
        self.secondary.accept_priced(offers, facts)
    }

    fn commit(&mut self, meta: &IngestMeta) -> Result<P::Committed, PipelineError> {
        let committed = match self.primary.commit(meta) {
            Ok(committed) => committed,
            Err(err) => {
                self.secondary.abort();
                return Err(err);
            }
        };
        self.secondary.commit(meta)?;
        Ok(committed)
    }

    fn abort(&mut self) {
        self.primary.abort();
        self.secondary.abort();
    }
}
