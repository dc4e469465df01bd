//! [`SearchCache`]: answers of repeated searches, kept until what searches see changes.
//!
//! A comparison site asks the same questions over and over: its category pages, its popular
//! queries, the first page of each. Like Solr's query result cache, the answer of such a search
//! is kept and served again, but only while it is exactly what a fresh search would return:
//! an entry is keyed by the request *and* the backend's [`Generation`] it was computed on (for
//! the tantivy index: the segments the searcher reads, with their deletes). A commit (a feed
//! refreshed) changes it, and every entry of another generation is dropped the first time a
//! search sees the new one, so a cached answer is never stale. (A reload that changes nothing
//! keeps the generation and its answers.) The cache knows no backend: any backend's answers
//! can be kept, through [`SearchBackend::search_cached`](crate::SearchBackend::search_cached).
//!
//! The cache is bounded by an estimate of its answers' heap size (offers are most of it) and
//! evicts by quick_cache's policy (S3-FIFO: frequently asked answers stay, a burst of one-off
//! queries does not flush them). Hits and misses are counted for `/metrics`.

use crate::generation::Generation;
use crate::search_request::SearchRequest;
use crate::search_response::{FacetResults, SearchItem, SearchResponse};
use feedmill_model::Offer;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A request as asked of one generation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    generation: Generation,
    request: SearchRequest,
}

#[derive(Debug, Clone, Copy)]
struct ResponseWeighter;

impl Weighter<CacheKey, Arc<SearchResponse>> for ResponseWeighter {
    fn weight(&self, key: &CacheKey, response: &Arc<SearchResponse>) -> u64 {
        let key_bytes = size_of::<CacheKey>() + key.request.query.as_ref().map_or(0, String::len);
        (key_bytes + approx_heap_bytes(response)) as u64
    }
}

/// How many answers the cache starts with room for; it holds as many as its bytes allow.
const ESTIMATED_ENTRIES: usize = 4096;

/// Answers by request and generation, within a byte budget. Shared by the threads that search.
pub struct SearchCache {
    entries: Cache<CacheKey, Arc<SearchResponse>, ResponseWeighter>,
    /// The generation of the latest search; entries of others are dropped.
    generation: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What the cache has done since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// The estimated heap size of the answers held.
    pub bytes: u64,
    pub entries: u64,
}

impl SearchCache {
    /// A cache of at most `max_bytes` of answers (as estimated).
    pub fn new(max_bytes: u64) -> SearchCache {
        SearchCache {
            entries: Cache::with_weighter(ESTIMATED_ENTRIES, max_bytes.max(1), ResponseWeighter),
            generation: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.entries.weight(),
            entries: self.entries.len() as u64,
        }
    }

    /// The answer to `request` on `generation`, computed by `search` unless held. `search`
    /// must answer from `generation` or a later one. Errors are not kept.
    pub fn get_or_search<E>(
        &self,
        generation: Generation,
        request: &SearchRequest,
        search: impl FnOnce() -> Result<SearchResponse, E>,
    ) -> Result<Arc<SearchResponse>, E> {
        self.forget_others_than(generation);
        let key = CacheKey {
            generation,
            request: request.clone(),
        };
        if let Some(response) = self.entries.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(response);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let response = Arc::new(search()?);
        // Not kept when another generation came meanwhile: it is the one searches now read.
        if self.generation.load(Ordering::Relaxed) == generation.0 {
            self.entries.insert(key, response.clone());
        }
        Ok(response)
    }

    /// Drops every entry when `generation` is not the one of the latest search. (While a
    /// reload is under way, searches on the old and the new generation may alternate for a
    /// moment.)
    fn forget_others_than(&self, generation: Generation) {
        if self.generation.swap(generation.0, Ordering::Relaxed) != generation.0 {
            self.entries.clear();
        }
    }
}

impl std::fmt::Debug for SearchCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchCache")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// About the heap an answer holds: the offers' text, the facet values, the containers.
fn approx_heap_bytes(response: &SearchResponse) -> usize {
    let mut bytes = size_of::<SearchResponse>();
    for item in &response.items {
        bytes += size_of::<SearchItem>();
        match item {
            SearchItem::Offer(hit) => bytes += offer_heap_bytes(&hit.offer),
            SearchItem::Group(group) => {
                bytes += group.gtin.as_ref().map_or(0, String::len)
                    + group.product_id.as_ref().map_or(0, String::len)
                    + group.title.len();
                for priced in &group.offers {
                    bytes += size_of::<crate::PricedOffer>() + offer_heap_bytes(&priced.offer);
                }
            }
        }
    }
    bytes + facet_heap_bytes(&response.facets)
}

fn offer_heap_bytes(offer: &Offer) -> usize {
    let optional = [
        &offer.merchant_id,
        &offer.merchant_name,
        &offer.program_id,
        &offer.sku,
        &offer.mpn,
        &offer.description,
        &offer.brand,
        &offer.category,
        &offer.product_url,
        &offer.tracking_url,
        &offer.image_url,
    ];
    let text: usize = optional
        .iter()
        .filter_map(|v| v.as_ref())
        .map(String::len)
        .sum();
    let images: usize = offer.additional_images.iter().map(|i| i.len() + 24).sum();
    let extra: usize = offer
        .extra
        .iter()
        .map(|(k, v)| k.len() + v.len() + 64)
        .sum();
    offer.id.len() + offer.source.len() + offer.title.len() + text + images + extra
}

fn facet_heap_bytes(facets: &FacetResults) -> usize {
    let values = facets.lists().into_iter().flatten().flatten();
    values.map(|value| value.value.len() + 32).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RequestError;
    use std::cell::Cell;

    fn answer(total: u64) -> SearchResponse {
        SearchResponse {
            total,
            page: 1,
            per_page: 20,
            took_ms: 0,
            items: Vec::new(),
            facets: FacetResults::default(),
        }
    }

    fn text(query: &str) -> SearchRequest {
        SearchRequest {
            query: Some(query.into()),
            ..SearchRequest::default()
        }
    }

    #[test]
    fn repeats_are_answered_until_the_generation_changes() -> Result<(), RequestError> {
        let cache = SearchCache::new(1 << 20);
        let searches = Cell::new(0);
        let search = |total| {
            searches.set(searches.get() + 1);
            Ok::<_, RequestError>(answer(total))
        };
        let first = cache.get_or_search(Generation(1), &text("shoes"), || search(3))?;
        let again = cache.get_or_search(Generation(1), &text("shoes"), || search(99))?;
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(searches.get(), 1);
        let other = cache.get_or_search(Generation(1), &text("boots"), || search(4))?;
        assert_eq!(other.total, 4);
        let changed = cache.get_or_search(Generation(2), &text("shoes"), || search(5))?;
        assert_eq!(changed.total, 5);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 3, 1));
        Ok(())
    }

    #[test]
    fn errors_are_not_kept() {
        let cache = SearchCache::new(1 << 20);
        for _ in 0..2 {
            let failed = cache.get_or_search(Generation(1), &text("shoes"), || {
                Err::<SearchResponse, _>(RequestError::invalid("per_page", "too many"))
            });
            assert!(failed.is_err());
        }
        let stats = cache.stats();
        assert_eq!((stats.misses, stats.entries), (2, 0));
    }

    #[test]
    fn keeps_within_its_bytes() -> Result<(), RequestError> {
        let budget = 4 << 10;
        let cache = SearchCache::new(budget);
        for n in 0..200 {
            cache.get_or_search(Generation(1), &text(&format!("query {n}")), || {
                Ok::<_, RequestError>(answer(n))
            })?;
        }
        let stats = cache.stats();
        assert!(stats.bytes <= budget, "{stats:?}");
        assert!(stats.entries > 0 && stats.entries < 200, "{stats:?}");
        Ok(())
    }
}
