//! The traits a search backend implements: [`SearchBackend`] answers searches and lookups,
//! [`SourceStore`] replaces a source's offers atomically through a [`SourceReplacement`].
//!
//! Both are object safe, so the API holds an `Arc<dyn SearchBackend>` and a second backend is a
//! new implementation, not a change to its callers. Every method blocks (a backend reads its
//! storage on the calling thread): async callers run them on a blocking pool.

use crate::error::SearchError;
use crate::generation::Generation;
use crate::price_facts::{PriceFacts, PricedOffer};
use crate::search_cache::SearchCache;
use crate::search_request::SearchRequest;
use crate::search_response::SearchResponse;
use crate::source_ingest::{IngestMeta, IngestOptions, IngestOutcome, SourceStats};
use feedmill_model::Offer;
use std::sync::Arc;

/// Searches and lookups over the offers of every source.
pub trait SearchBackend: Send + Sync + std::fmt::Debug {
    /// The generation searches see now. Read before searching, it is never newer than what the
    /// search then sees (generations only move forward).
    fn generation(&self) -> Generation;

    /// Runs a search. Bad parameters are user errors ([`SearchError::is_user_error`]).
    fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError>;

    /// Runs a search, or answers it from `cache` when the same request was answered on the
    /// same generation. A backend that can search one fixed snapshot overrides this to key the
    /// answer by exactly the snapshot it searched.
    fn search_cached(
        &self,
        cache: &SearchCache,
        request: &SearchRequest,
    ) -> Result<Arc<SearchResponse>, SearchError> {
        cache.get_or_search(self.generation(), request, || self.search(request))
    }

    /// The offer with this id.
    fn get_offer(&self, id: &str) -> Result<Option<Offer>, SearchError>;

    /// Whether [`SearchBackend::get_offer`] is a read of local memory or mapped files that
    /// takes microseconds (the embedded index), cheap enough to run on an async worker; a
    /// backend that asks a server over the network keeps the default, false.
    fn point_reads_are_local(&self) -> bool {
        false
    }

    /// Every offer of one product, cheapest total (price + shipping) first; any GTIN length,
    /// compared in its 14-digit form.
    fn offers_by_gtin(&self, gtin: &str) -> Result<Vec<Offer>, SearchError>;

    /// The offer with this id and its honest numbers; a backend that keeps no price facts
    /// answers the bare offer.
    fn get_priced_offer(&self, id: &str) -> Result<Option<PricedOffer>, SearchError> {
        Ok(self.get_offer(id)?.map(PricedOffer::bare))
    }

    /// [`SearchBackend::offers_by_gtin`] with each offer's honest numbers.
    fn priced_offers_by_gtin(&self, gtin: &str) -> Result<Vec<PricedOffer>, SearchError> {
        Ok(self
            .offers_by_gtin(gtin)?
            .into_iter()
            .map(PricedOffer::bare)
            .collect())
    }

    /// Every offer of the matched product `product_id` (its `p…` id), cheapest total first,
    /// with their honest numbers. A backend that keeps no products refuses (a user error: the
    /// caller can ask by GTIN instead).
    fn priced_offers_by_product(&self, product_id: &str) -> Result<Vec<PricedOffer>, SearchError> {
        let _ = product_id;
        Err(crate::RequestError::invalid(
            "product",
            "this search backend does not keep matched products; ask by GTIN",
        )
        .into())
    }

    /// Up to `limit` (at most [`MAX_SUGGESTIONS`](crate::MAX_SUGGESTIONS)) completions of
    /// `prefix`: brands and titles.
    fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<String>, SearchError>;

    /// Every source's metadata as of the last commit, by source name.
    fn stats(&self) -> Result<Vec<SourceStats>, SearchError>;

    /// Offers searches see now, all sources.
    fn num_offers(&self) -> u64;
}

/// Where offers are written: one source replaced at a time, atomically.
pub trait SourceStore: Send + Sync {
    /// Starts replacing every offer of `source`. Searches see the old offers until the
    /// replacement commits.
    fn begin_replace(
        &self,
        source: &str,
        options: IngestOptions,
    ) -> Result<Box<dyn SourceReplacement>, SearchError>;

    /// Removes every offer of `source` and its metadata in one commit; returns how many went.
    fn delete_source(&self, source: &str) -> Result<u64, SearchError>;
}

/// One source's replacement in progress. Dropped without [`SourceReplacement::commit`], it
/// rolls back and leaves the source as it was.
pub trait SourceReplacement: Send {
    fn source(&self) -> &str;

    /// Adds one offer of the source, replacing an earlier one with the same id; an offer of
    /// another source is refused.
    fn add(&mut self, offer: &Offer) -> Result<(), SearchError>;

    /// Adds one offer with its honest numbers. A backend that does not index them adds the
    /// bare offer (its sorts then use the feed's claim, as without history).
    fn add_priced(&mut self, offer: &Offer, facts: Option<&PriceFacts>) -> Result<(), SearchError> {
        let _ = facts;
        self.add(offer)
    }

    /// Distinct offers added so far.
    fn num_offers(&self) -> u64;

    /// Commits the replacement with `meta` as the source's metadata, or rolls it back with
    /// [`SearchError::GuardTripped`] when the shrink guard trips and `force` is off.
    fn commit(self: Box<Self>, meta: IngestMeta) -> Result<IngestOutcome, SearchError>;

    /// Gives the replacement up: the source stays as it was. Dropping it does the same; this
    /// says so where it happens.
    fn roll_back(self: Box<Self>) {
        drop(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search_response::FacetResults;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Answers every search with the number of searches it has run, at the generation a test
    /// sets: enough to see when the default cached search searches and when it does not.
    #[derive(Debug, Default)]
    struct CountingBackend {
        generation: AtomicU64,
        num_searches: AtomicU64,
    }

    impl SearchBackend for CountingBackend {
        fn generation(&self) -> Generation {
            Generation(self.generation.load(Ordering::SeqCst))
        }

        fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
            request.validate()?;
            let total = self.num_searches.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(SearchResponse {
                total,
                page: request.page,
                per_page: request.per_page,
                took_ms: 0,
                items: Vec::new(),
                facets: FacetResults::default(),
            })
        }

        fn get_offer(&self, _id: &str) -> Result<Option<Offer>, SearchError> {
            Ok(None)
        }

        fn offers_by_gtin(&self, _gtin: &str) -> Result<Vec<Offer>, SearchError> {
            Ok(Vec::new())
        }

        fn suggest(&self, _prefix: &str, _limit: usize) -> Result<Vec<String>, SearchError> {
            Ok(Vec::new())
        }

        fn stats(&self) -> Result<Vec<SourceStats>, SearchError> {
            Ok(Vec::new())
        }

        fn num_offers(&self) -> u64 {
            0
        }
    }

    #[test]
    fn the_default_cached_search_is_keyed_by_the_generation() -> Result<(), SearchError> {
        let counting = CountingBackend::default();
        let backend: &dyn SearchBackend = &counting;
        let cache = SearchCache::new(1 << 20);
        let request = SearchRequest::default();
        assert_eq!(backend.search_cached(&cache, &request)?.total, 1);
        assert_eq!(
            backend.search_cached(&cache, &request)?.total,
            1,
            "answered again"
        );
        counting.generation.store(7, Ordering::SeqCst);
        assert_eq!(
            backend.search_cached(&cache, &request)?.total,
            2,
            "a new generation"
        );
        let bad = SearchRequest {
            page: 0,
            ..SearchRequest::default()
        };
        let refused = backend.search_cached(&cache, &bad).err();
        assert!(refused.is_some_and(|e| e.is_user_error()));
        assert_eq!(cache.stats().entries, 1);
        Ok(())
    }
}
