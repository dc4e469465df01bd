//! [`PriceHistorySink`]: records every source replacement in the price history and gives each
//! offer its honest numbers before the index sees it.
//!
//! The history is not a sink *beside* the index ([`FanOutSink`](crate::FanOutSink)) but a stage
//! *in front of* it: the honest numbers are fields of the offer's index document (so that
//! `sort=discount`, `sort=price_drop` and the history filters are index work), so the history
//! must see each batch before the index does. It wraps the next sink, observes each batch into
//! one [`PriceBatch`] per replacement, and hands the offers on with their
//! [`PriceFacts`] ([`OfferSink::accept_priced`]). The rule of `FanOutSink` holds: the inner sink
//! (the index) decides — its commit comes first, and the batch is written only after it; when
//! the index refuses (the shrink guard, a short download) or the ingest aborts, the batch is
//! dropped and nothing is recorded or marked gone. After each recorded batch the history is
//! pruned to its retention.
//!
//! The two commits are not one: a process killed after the index's and before the batch's
//! leaves the index a feed ahead. The batch is written with the feed's content hash, and
//! [`OfferSink::committed_content_hash`] answers the index's hash only when the history's is
//! the same, so that feed is not skipped as unchanged but ingested again, and the prices the
//! lost batch held are recorded then (dated by that ingest).

use crate::error::PipelineError;
use crate::offer_sink::OfferSink;
use crate::price_history::PriceHistory;
use feedmill_index::{IngestMeta, IngestOptions, PriceFacts, PriceHistoryFigures};
use feedmill_model::Offer;
use feedmill_store::{PriceBatch, PriceBatchStats, PriceObservation, PriceSummary, StoreError};
use std::borrow::Cow;
use tracing::{info, warn};

/// See the module doc.
pub struct PriceHistorySink<S> {
    inner: S,
    history: PriceHistory,
    batch: Option<PriceBatch>,
    last_stats: Option<PriceBatchStats>,
}

impl PriceHistory {
    /// `inner` (the index) with this history in front of it.
    pub fn sink<S: OfferSink>(&self, inner: S) -> PriceHistorySink<S> {
        PriceHistorySink::new(inner, self.clone())
    }
}

impl<S: OfferSink> PriceHistorySink<S> {
    pub fn new(inner: S, history: PriceHistory) -> PriceHistorySink<S> {
        PriceHistorySink {
            inner,
            history,
            batch: None,
            last_stats: None,
        }
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// What the last recorded batch did (`None` before one was recorded).
    pub fn last_stats(&self) -> Option<&PriceBatchStats> {
        self.last_stats.as_ref()
    }

    fn batch(&mut self) -> Result<&mut PriceBatch, PipelineError> {
        self.batch.as_mut().ok_or_else(|| PipelineError::Sink {
            sink: "price history",
            message: "offers given before a source was begun".into(),
        })
    }
}

fn store_error(err: StoreError) -> PipelineError {
    PipelineError::Sink {
        sink: "price history",
        message: err.to_string(),
    }
}

impl<S: OfferSink> OfferSink for PriceHistorySink<S> {
    type Committed = S::Committed;

    /// The index's hash only when the history caught up to it: `None` after a commit of the
    /// index whose batch was never written (a kill between the two, a failed write), so the
    /// unchanged feed is ingested again and its prices recorded.
    fn committed_content_hash(&self, source: &str) -> Result<Option<String>, PipelineError> {
        let indexed = self.inner.committed_content_hash(source)?;
        let recorded = self
            .history
            .store()
            .price_history_content_hash(source)
            .map_err(store_error)?;
        Ok(indexed.filter(|hash| recorded.as_deref() == Some(hash.as_str())))
    }

    fn begin(&mut self, source: &str, guard: IngestOptions) -> Result<(), PipelineError> {
        self.inner.begin(source, guard)?;
        let now = self.history.now();
        let store = self.history.store();
        let begun = match self.history.take_known(source) {
            Some(known) => store.resume_price_batch(now, known),
            None => store.begin_price_batch(source, now),
        };
        match begun {
            Ok(batch) => {
                self.batch = Some(batch);
                Ok(())
            }
            Err(err) => {
                self.inner.abort();
                Err(store_error(err))
            }
        }
    }

    fn accept(&mut self, offers: &mut [Offer]) -> Result<(), PipelineError> {
        let observations: Vec<PriceObservation> = offers.iter().map(observation).collect();
        let store = self.history.store().clone();
        let summaries = store
            .observe_prices(self.batch()?, &observations)
            .map_err(store_error)?;
        let facts: Vec<Option<PriceFacts>> = offers
            .iter()
            .zip(&summaries)
            .map(|(offer, summary)| summary.map(|s| PriceFacts::new(offer, &figures(&s))))
            .collect();
        self.inner.accept_priced(offers, &facts)
    }

    /// Facts computed by another stage are replaced by this history's own.
    fn accept_priced(
        &mut self,
        offers: &mut [Offer],
        _facts: &[Option<PriceFacts>],
    ) -> Result<(), PipelineError> {
        self.accept(offers)
    }

    fn commit(&mut self, meta: &IngestMeta) -> Result<S::Committed, PipelineError> {
        let batch = self.batch.take();
        let committed = self.inner.commit(meta)?;
        let Some(mut batch) = batch else {
            return Err(PipelineError::Sink {
                sink: "price history",
                message: "commit without a source begun".into(),
            });
        };
        batch.set_content_hash(&meta.content_hash);
        let source = batch.source().to_owned();
        let (stats, known) = self
            .history
            .store()
            .finish_price_batch_keeping(batch)
            .map_err(store_error)?;
        self.history.keep_known(known);
        info!(source = %source, num_first = stats.num_first, num_changed = stats.num_changed,
              num_returned = stats.num_returned, num_disappeared = stats.num_disappeared,
              num_rejected = stats.num_rejected, "price history recorded");
        if let Err(err) = self.history.prune() {
            warn!(error = %err, "price history pruning failed; it runs again after the next ingest");
        }
        self.last_stats = Some(stats);
        Ok(committed)
    }

    fn abort(&mut self) {
        self.batch = None;
        self.inner.abort();
    }
}

/// What the history records of an offer.
fn observation(offer: &Offer) -> PriceObservation<'_> {
    let merchant = offer
        .merchant_name
        .as_deref()
        .or(offer.merchant_id.as_deref())
        .map(str::trim)
        .filter(|m| !m.is_empty());
    PriceObservation {
        offer_id: Cow::Borrowed(&offer.id),
        price: offer.price,
        old_price: offer.old_price,
        currency: offer.currency,
        availability: offer.availability,
        gtin: offer.gtin.as_ref().map(Cow::Borrowed),
        merchant: merchant.map(Cow::Borrowed),
    }
}

/// The store's summary as the search seam's figures.
pub(crate) fn figures(summary: &PriceSummary) -> PriceHistoryFigures {
    PriceHistoryFigures {
        current_since: summary.current_since,
        previous_price: summary.previous_price,
        history_days: summary.history_days,
        lowest_30d: summary.lowest_30d,
        lowest_since: summary.lowest_since,
    }
}
