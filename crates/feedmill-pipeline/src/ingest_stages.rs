//! [`IngestStages`]: what an ingest runs around the index, each optional: the price history
//! (a stage in front of the index) and the product matcher (run by the index sink).

use crate::index_sink::IndexSink;
use crate::offer_store::OfferStore;
use crate::price_history::PriceHistory;
use crate::product_matcher::ProductMatcher;

#[derive(Clone, Default)]
pub struct IngestStages {
    pub history: Option<PriceHistory>,
    pub matcher: Option<ProductMatcher>,
}

impl IngestStages {
    pub fn new(history: Option<PriceHistory>, matcher: Option<ProductMatcher>) -> IngestStages {
        IngestStages { history, matcher }
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
