//! [`IngestStages`]: what an ingest runs around the index, each optional: the price history
//! (a stage in front of the index) and the product matcher (run by the index sink).

use crate::index_sink::IndexSink;
use crate::offer_store::OfferStore;
use crate::price_history::PriceHistory;
use crate::product_matcher::ProductMatcher;
use feedmill_store::Store;
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct IngestStages {
    pub history: Option<PriceHistory>,
    pub matcher: Option<ProductMatcher>,
}

impl IngestStages {
    pub fn new(history: Option<PriceHistory>, matcher: Option<ProductMatcher>) -> IngestStages {
        IngestStages { history, matcher }
    }

    /// The store the stages record in (`None` when neither is on): what runs after the ingest
    /// (the price alerts) uses the same one rather than opening it a second time.
    pub fn store(&self) -> Option<Arc<dyn Store>> {
        let history = self.history.as_ref().map(|history| history.store().clone());
        history.or_else(|| self.matcher.as_ref().map(|matcher| matcher.store().clone()))
    }

    /// The index sink of an ingest into `store`, matching products when a matcher is set
    /// (and the store has match candidates).
    pub fn index_sink(&self, store: impl Into<OfferStore>) -> IndexSink {
        let sink = IndexSink::new(store);
        match &self.matcher {
            Some(matcher) => sink.with_matcher(matcher.clone()),
            None => sink,
        }
    }
}
