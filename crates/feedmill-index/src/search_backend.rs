//! [`OfferIndex`] as the seam's backend: [`SearchBackend`] and [`SourceStore`] over the
//! index's own methods, with [`IndexError`] turned into [`SearchError`].
//!
//! The cached search is keyed by the exact snapshot it searched (one searcher for both), not by
//! a generation read beside it.

use crate::offer_index::{OfferIndex, snapshot_generation};
use crate::source_ingest::SourceIngest;
use feedmill_model::Offer;
use feedmill_search::{
    Generation, IngestMeta, IngestOptions, IngestOutcome, PriceFacts, PricedOffer, SearchBackend,
    SearchCache, SearchError, SearchRequest, SearchResponse, SourceReplacement, SourceStats,
    SourceStore,
};
use std::sync::Arc;

impl SearchBackend for OfferIndex {
    fn generation(&self) -> Generation {
        snapshot_generation(&self.searcher())
    }

    fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        Ok(OfferIndex::search(self, request)?)
    }

    fn search_cached(
        &self,
        cache: &SearchCache,
        request: &SearchRequest,
    ) -> Result<Arc<SearchResponse>, SearchError> {
        Ok(OfferIndex::search_cached(self, cache, request)?)
    }

    fn get_offer(&self, id: &str) -> Result<Option<Offer>, SearchError> {
        Ok(OfferIndex::get_offer(self, id)?)
    }

    /// A term-dictionary probe and one document-store block of the mapped index.
    fn point_reads_are_local(&self) -> bool {
        true
    }

    fn offers_by_gtin(&self, gtin: &str) -> Result<Vec<Offer>, SearchError> {
        Ok(OfferIndex::offers_by_gtin(self, gtin)?)
    }

    fn get_priced_offer(&self, id: &str) -> Result<Option<PricedOffer>, SearchError> {
        Ok(OfferIndex::get_priced_offer(self, id)?)
    }

    fn priced_offers_by_gtin(&self, gtin: &str) -> Result<Vec<PricedOffer>, SearchError> {
        Ok(OfferIndex::priced_offers_by_gtin(self, gtin)?)
    }

    fn priced_offers_by_product(&self, product_id: &str) -> Result<Vec<PricedOffer>, SearchError> {
        Ok(OfferIndex::priced_offers_by_product(self, product_id)?)
    }

    fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<String>, SearchError> {
        Ok(OfferIndex::suggest(self, prefix, limit)?)
    }

    fn stats(&self) -> Result<Vec<SourceStats>, SearchError> {
        Ok(OfferIndex::stats(self)?)
    }

    fn num_offers(&self) -> u64 {
        OfferIndex::num_offers(self)
    }
}

impl SourceStore for OfferIndex {
    fn begin_replace(
        &self,
        source: &str,
        options: IngestOptions,
    ) -> Result<Box<dyn SourceReplacement>, SearchError> {
        Ok(Box::new(self.begin_source_ingest(source, options)?))
    }

    fn delete_source(&self, source: &str) -> Result<u64, SearchError> {
        Ok(OfferIndex::delete_source(self, source)?)
    }
}

impl SourceReplacement for SourceIngest {
    fn source(&self) -> &str {
        SourceIngest::source(self)
    }

    fn add(&mut self, offer: &Offer) -> Result<(), SearchError> {
        Ok(SourceIngest::add(self, offer)?)
    }

    fn add_priced(&mut self, offer: &Offer, facts: Option<&PriceFacts>) -> Result<(), SearchError> {
        Ok(SourceIngest::add_priced(self, offer, facts)?)
    }

    fn num_offers(&self) -> u64 {
        SourceIngest::num_offers(self)
    }

    fn commit(self: Box<Self>, meta: IngestMeta) -> Result<IngestOutcome, SearchError> {
        SourceIngest::commit(*self, meta).map_err(SearchError::from)
    }
}
