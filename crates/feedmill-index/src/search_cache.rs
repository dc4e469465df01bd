//! [`SearchCache`]: answers of repeated searches, kept until the index changes.
//!
//! A comparison site asks the same questions over and over: its category pages, its popular
//! queries, the first page of each. Like Solr's query result cache, the answer of such a search
//! is kept and served again, but only while it is exactly what a fresh search would return:
//! an entry is keyed by the request *and* the index snapshot it was computed on: the segments
//! the searcher reads, with their deletes. A commit (a feed refreshed) changes them, and every
//! entry of another snapshot is dropped the first time a search sees the new one, so a cached
//! answer is never stale. (A reload that changes nothing keeps the snapshot and its answers.)
//!
//! The cache is bounded by an estimate of its answers' heap size (offers are most of it) and
//! evicts by quick_cache's policy (S3-FIFO: frequently asked answers stay, a burst of one-off
//! queries does not flush them). Hits and misses are counted for `/metrics`.

use crate::search_request::SearchRequest;
use crate::search_response::{FacetResults, SearchItem, SearchResponse};
use feedmill_model::Offer;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tantivy::Searcher;

/// A request as asked of one index snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    snapshot: u64,
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

/// Answers by request and index snapshot, within a byte budget. Shared by the threads that
/// search.
pub struct SearchCache {
    entries: Cache<CacheKey, Arc<SearchResponse>, ResponseWeighter>,
    /// The snapshot of the latest search; entries of others are dropped.
    snapshot: AtomicU64,
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
            snapshot: AtomicU64::new(0),
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

    /// The answer to `request` on `snapshot` (see [`snapshot_id`]), computed by `search`
    /// unless held. Errors are not kept.
    pub(crate) fn get_or_search<E>(
        &self,
        snapshot: u64,
        request: &SearchRequest,
        search: impl FnOnce() -> Result<SearchResponse, E>,
    ) -> Result<Arc<SearchResponse>, E> {
        self.forget_others_than(snapshot);
        let key = CacheKey {
            snapshot,
            request: request.clone(),
        };
        if let Some(response) = self.entries.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(response);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let response = Arc::new(search()?);
        // Not kept when another snapshot came meanwhile: it is the one searches now read.
        if self.snapshot.load(Ordering::Relaxed) == snapshot {
            self.entries.insert(key, response.clone());
        }
        Ok(response)
    }

    /// Drops every entry when `snapshot` is not the one of the latest search. (While a reload
    /// is under way, searches on the old and the new snapshot may alternate for a moment.)
    fn forget_others_than(&self, snapshot: u64) {
        if self.snapshot.swap(snapshot, Ordering::Relaxed) != snapshot {
            self.entries.clear();
        }
    }
}

/// What identifies the snapshot `searcher` reads: its segments and their deletes. Reloads that
/// change nothing give the same id.
pub(crate) fn snapshot_id(searcher: &Searcher) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    for reader in searcher.segment_readers() {
        reader.segment_id().hash(&mut hasher);
        reader.delete_opstamp().hash(&mut hasher);
    }
    hasher.finish()
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
                bytes += group.gtin.len() + group.title.len();
                for offer in &group.offers {
                    bytes += size_of::<Offer>() + offer_heap_bytes(offer);
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
