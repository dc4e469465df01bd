//! [`OfferIndex::search`]: one engine behind `feedmill search` and the HTTP API.
//!
//! One pass over the matches collects the page (a top-k by the requested order; `epc` in
//! `epc_sort.rs`), the total and
//! the facet counts together; a grouped search collects groups instead of the page, with their
//! offers' addresses, and then reads only the offers of the page's groups (`grouped_search.rs`).

use crate::drop_rank::DropSortKey;
use crate::epc_sort::EpcSortKey;
use crate::error::IndexError;
use crate::facets::{FacetCountsCollector, FacetFruit, facet_results};
use crate::fast_filter::FilterCollector;
use crate::offer_index::{OfferIndex, snapshot_generation};
use crate::query_builder::{BuiltQuery, build_query_at};
use crate::schema::{DISCOUNT, PRICE_MINOR, UPDATED_AT};
use feedmill_search::SearchCache;
use feedmill_search::{OfferHit, SearchItem, SearchResponse};
use feedmill_search::{SearchRequest, SortOrder};
use std::sync::Arc;
use std::time::Instant;
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::{DateTime, DocAddress, Order, Searcher};

/// A page of hits with their scores, the total and the facet counts.
type Collected = (Vec<(Option<f32>, DocAddress)>, usize, FacetFruit);

impl OfferIndex {
    /// Runs a search. Bad parameters are user errors ([`IndexError::is_user_error`]).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, IndexError> {
        self.search_on(&self.searcher(), request)
    }

    /// Runs a search, or answers it from `cache` when the same request was answered on the
    /// same snapshot of the index. The answer is shared with the cache: its `took_ms` is that
    /// of the search that computed it.
    pub fn search_cached(
        &self,
        cache: &SearchCache,
        request: &SearchRequest,
    ) -> Result<Arc<SearchResponse>, IndexError> {
        let searcher = self.searcher();
        cache.get_or_search(snapshot_generation(&searcher), request, || {
            self.search_on(&searcher, request)
        })
    }

    fn search_on(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
    ) -> Result<SearchResponse, IndexError> {
        let started = Instant::now();
        request.validate()?;
        let query = build_query_at(&self.inner.schema, request, self.search_time())?;
        let facets = FacetCountsCollector::for_request(request);
        let (total, items, facet_fruit) = match request.grouping() {
            Some(grouping) => self.search_grouped(searcher, &query, request, grouping, facets)?,
            None => self.search_offers(searcher, &query, request, facets)?,
        };
        Ok(SearchResponse {
            total,
            page: request.page,
            per_page: request.per_page,
            took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            items,
            facets: facet_results(facet_fruit, request),
        })
    }

    fn search_offers(
        &self,
        searcher: &Searcher,
        query: &BuiltQuery,
        request: &SearchRequest,
        facets: FacetCountsCollector,
    ) -> Result<(u64, Vec<SearchItem>, FacetFruit), IndexError> {
        let top = TopDocs::with_limit(request.per_page).and_offset(request.offset());
        // Only relevance computes scores: the other orders read a fast column and leave scoring
        // out of the pass, so their hits carry no score. Ties keep index order.
        let (hits, total, fruit) = match request.sort {
            SortOrder::Relevance => {
                collect(searcher, query, top.order_by_score(), facets, |s| Some(*s))?
            }
            SortOrder::PriceAsc => {
                let top = top.order_by_fast_field::<i64>(PRICE_MINOR, Order::Asc);
                collect(searcher, query, top, facets, |_| None)?
            }
            SortOrder::PriceDesc => {
                let top = top.order_by_fast_field::<i64>(PRICE_MINOR, Order::Desc);
                collect(searcher, query, top, facets, |_| None)?
            }
            SortOrder::Newest => {
                let top = top.order_by_fast_field::<DateTime>(UPDATED_AT, Order::Desc);
                collect(searcher, query, top, facets, |_| None)?
            }
            SortOrder::Discount => {
                let top = top.order_by_fast_field::<f64>(DISCOUNT, Order::Desc);
                collect(searcher, query, top, facets, |_| None)?
            }
            SortOrder::Epc => {
                // `validate` has refused an epc request without ranks.
                let ranks =
                    request
                        .merchant_ranks
                        .clone()
                        .ok_or_else(|| IndexError::InvalidInput {
                            field: "sort",
                            reason: "epc needs merchant ranks".into(),
                        })?;
                let top = top.order_by(EpcSortKey::new(ranks));
                collect(searcher, query, top, facets, |(_, score)| Some(*score))?
            }
            SortOrder::PriceDrop => {
                let top = top.order_by(DropSortKey::at(query.now));
                collect(searcher, query, top, facets, |_| None)?
            }
        };
        let mut items = Vec::with_capacity(hits.len());
        for (score, address) in hits {
            let priced = self.load_priced_offer(searcher, address)?;
            items.push(SearchItem::Offer(OfferHit {
                offer: priced.offer,
                price_facts: priced.price_facts,
                score,
            }));
        }
        Ok((total as u64, items, fruit))
    }
}

/// Runs `top` with a count and the facets in one pass; `score_of` reads the score of a hit's
/// sort key.
fn collect<K, C>(
    searcher: &Searcher,
    query: &BuiltQuery,
    top: C,
    facets: FacetCountsCollector,
    score_of: impl Fn(&K) -> Option<f32>,
) -> Result<Collected, IndexError>
where
    C: Collector<Fruit = Vec<(K, DocAddress)>>,
{
    let collector = FilterCollector::new(query.filter, (top, Count, facets));
    let (hits, total, fruit) = searcher.search(query.query.as_ref(), &collector)?;
    let hits = hits
        .into_iter()
        .map(|(key, address)| (score_of(&key), address))
        .collect();
    Ok((hits, total, fruit))
}
