//! [`TypesenseBackend`]: the seam's [`SearchBackend`] over a Typesense cluster.
//!
//! A search runs as one multi-search request: the offer search filtered on the live
//! generations this process saw last, then a read of the meta collection. When that read shows
//! the same generations, the answer is of exactly that set; when a refresh flipped one in
//! between, the search runs again on the new set (at most [`SEARCH_ATTEMPTS`] times). So an
//! answer never mixes a source's generations and never misses a source that was flipped and
//! cleaned up while it ran.

use crate::client::TypesenseClient;
use crate::collections::{Collections, META_PAGE};
use crate::error::TypesenseError;
use crate::live_set::{LiveSet, MetaDocument};
use crate::search_answer::{TypesenseAnswer, facets, items, sort_cheapest_first, top_values};
use crate::search_params::{query_words, search_params};
use feedmill_model::Offer;
use feedmill_search::normalize_gtin14;
use feedmill_search::{
    FacetKind, Generation, MAX_SUGGESTIONS, RequestError, SearchBackend, SearchCache, SearchError,
    SearchRequest, SearchResponse, SortOrder, SourceStats,
};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Searches run again this often when refreshes keep flipping generations under them.
const SEARCH_ATTEMPTS: usize = 4;
/// Offers read per page of a lookup (Typesense's largest page).
const LOOKUP_PAGE: u64 = 250;

/// Where the backend finds Typesense and what it names its collections.
#[derive(Debug, Clone)]
pub struct TypesenseConfig {
    /// Base URLs of the nodes, e.g. `http://127.0.0.1:8108`.
    pub nodes: Vec<String>,
    pub api_key: String,
    /// The offers collection's name; the meta collection is this with `_meta` appended.
    pub collection: String,
}

/// The seam's backend over Typesense; cheap to clone (one shared client).
#[derive(Debug, Clone)]
pub struct TypesenseBackend {
    pub(crate) shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub collections: Collections,
    /// The live generations as last read.
    pub last_live: Mutex<Arc<LiveSet>>,
    /// The last generation number this process issued.
    pub issued: Mutex<u64>,
    /// The highest [`LiveSet::high_water`] seen: a node that shows less is behind.
    pub high_water: AtomicU64,
}

impl TypesenseBackend {
    /// Connects and creates the collections when they are missing.
    pub fn connect(config: &TypesenseConfig) -> Result<TypesenseBackend, TypesenseError> {
        if config.collection.trim().is_empty() {
            return Err(TypesenseError::Config("empty collection name".into()));
        }
        let collections = Collections {
            client: TypesenseClient::new(&config.nodes, &config.api_key)?,
            offers: config.collection.clone(),
            meta: format!("{}_meta", config.collection),
        };
        collections.ensure()?;
        let live = collections.read_live()?;
        let backend = TypesenseBackend {
            shared: Arc::new(Shared {
                collections,
                high_water: AtomicU64::new(live.high_water()),
                last_live: Mutex::new(Arc::new(live)),
                issued: Mutex::new(0),
            }),
        };
        backend.admit_caught_up_nodes();
        Ok(backend)
    }

    /// The live generations as read now, from a node that is not behind what this process saw
    /// (one node after the other in turn).
    pub(crate) fn refresh_live(&self) -> Result<Arc<LiveSet>, TypesenseError> {
        let num_nodes = self.shared.collections.client.num_nodes();
        for _ in 0..num_nodes {
            let live = Arc::new(self.shared.collections.read_live()?);
            if !self.shared.is_behind(&live) {
                self.shared.remember(&live);
                return Ok(live);
            }
        }
        Err(TypesenseError::Unavailable {
            attempts: num_nodes,
            last: "every typesense node that answered is behind the live generations \
                   (replaying its log after a restart)"
                .into(),
        })
    }

    /// Runs `search` (an offers-collection search without its live filter) on a settled set of
    /// generations; the answer and the set it was of.
    fn settled_search(
        &self,
        search: impl Fn(&LiveSet) -> Result<Value, TypesenseError>,
    ) -> Result<(Value, Arc<LiveSet>), TypesenseError> {
        self.admit_caught_up_nodes();
        let client = &self.shared.collections.client;
        let mut live = self.shared.last();
        for _ in 0..SEARCH_ATTEMPTS {
            if !client.any_admitted() {
                return Err(TypesenseError::Unavailable {
                    attempts: 0,
                    last: "no typesense node has caught up with the live generations yet".into(),
                });
            }
            let searches = vec![search(&live)?, self.shared.collections.meta_search()];
            let (results, node) = self.shared.collections.multi_search(searches)?;
            let mut results = results.into_iter();
            let answer = results.next().unwrap_or_default();
            let after = match results.next() {
                Some(meta) => self.live_of_meta_search(meta)?,
                None => return Err(TypesenseError::bad_answer("a multi search", "one result")),
            };
            if self.shared.is_behind(&after) {
                // Restarted between two calls and replaying its log: the past, not an answer.
                tracing::info!(node = %client.node_name(node), "typesense node behind, no longer served from");
                client.mark_down(node);
                continue;
            }
            if after.same_generations(&live) {
                return Ok((answer, live));
            }
            live = Arc::new(after);
            self.shared.remember(&live);
        }
        Err(TypesenseError::Unsettled(SEARCH_ATTEMPTS))
    }

    fn live_of_meta_search(&self, meta: Value) -> Result<LiveSet, TypesenseError> {
        let found = meta.get("found").and_then(Value::as_u64).unwrap_or(0);
        if found > META_PAGE {
            return self.shared.collections.read_live();
        }
        let mut documents = Vec::new();
        let hits = meta
            .get("hits")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for hit in hits {
            let document: MetaDocument = serde_json::from_value(hit["document"].clone())
                .map_err(|err| TypesenseError::bad_answer("the meta search", err))?;
            documents.push(document);
        }
        LiveSet::of_documents(documents)
    }

    fn offers_search(&self, params: serde_json::Map<String, Value>) -> Value {
        let mut search = params;
        search.insert("collection".into(), json!(self.shared.collections.offers));
        Value::Object(search)
    }

    fn run_search(
        &self,
        request: &SearchRequest,
    ) -> Result<(SearchResponse, Generation), TypesenseError> {
        let started = Instant::now();
        request.validate()?;
        let (answer, live) = self.settled_search(|live| {
            Ok(self.offers_search(search_params(request, &live.filter())?))
        })?;
        let answer: TypesenseAnswer = serde_json::from_value(answer)
            .map_err(|err| TypesenseError::bad_answer("a search", err))?;
        let has_words = request
            .query
            .as_deref()
            .is_some_and(|q| !query_words(q).is_empty());
        let scored = request.sort == SortOrder::Relevance && has_words;
        let response = SearchResponse {
            total: answer.found,
            page: request.page,
            per_page: request.per_page,
            took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            items: items(&answer, scored)?,
            facets: facets(&answer, request),
        };
        Ok((response, live.generation()))
    }

    /// Every offer matching `filter` on the live generations, page by page; read again from
    /// the first page when a refresh flips a generation between pages.
    fn lookup(&self, filter: &str) -> Result<Vec<Offer>, TypesenseError> {
        for _ in 0..SEARCH_ATTEMPTS {
            if let Some(offers) = self.lookup_pages(filter)? {
                return Ok(offers);
            }
        }
        Err(TypesenseError::Unsettled(SEARCH_ATTEMPTS))
    }

    /// The offers of every page, or `None` when the pages were not all of one live set.
    fn lookup_pages(&self, filter: &str) -> Result<Option<Vec<Offer>>, TypesenseError> {
        let mut offers = Vec::new();
        let mut first_live: Option<Arc<LiveSet>> = None;
        for page in 1u64.. {
            let (answer, live) = self.settled_search(|live| {
                Ok(json!({
                    "collection": self.shared.collections.offers,
                    "q": "*",
                    "filter_by": format!("{} && {filter}", live.filter()),
                    "include_fields": "offer",
                    "page": page,
                    "per_page": LOOKUP_PAGE,
                }))
            })?;
            match &first_live {
                Some(first) if !first.same_generations(&live) => return Ok(None),
                Some(_) => {}
                None => first_live = Some(live),
            }
            let answer: TypesenseAnswer = serde_json::from_value(answer)
                .map_err(|err| TypesenseError::bad_answer("a lookup", err))?;
            for hit in &answer.hits {
                offers.push(hit.offer()?);
            }
            if answer.hits.len() < LOOKUP_PAGE as usize || offers.len() as u64 >= answer.found {
                break;
            }
        }
        Ok(Some(offers))
    }

    fn brand_suggestions(&self, words: &str) -> Result<Vec<String>, TypesenseError> {
        let (answer, _) = self.settled_search(|live| {
            Ok(self.offers_search(suggest_params(words, "brand", live, 0, true)))
        })?;
        let answer: TypesenseAnswer = serde_json::from_value(answer)
            .map_err(|err| TypesenseError::bad_answer("a suggestion", err))?;
        let counts: HashMap<String, u64> = answer
            .facet_counts
            .iter()
            .flat_map(|f| f.counts.iter().map(|c| (c.value.clone(), c.count)))
            .collect();
        Ok(top_values(counts).into_iter().map(|v| v.value).collect())
    }

    fn title_suggestions(&self, words: &str, limit: usize) -> Result<Vec<String>, TypesenseError> {
        let (answer, _) = self.settled_search(|live| {
            Ok(self.offers_search(suggest_params(words, "title", live, limit * 2, false)))
        })?;
        let answer: TypesenseAnswer = serde_json::from_value(answer)
            .map_err(|err| TypesenseError::bad_answer("a suggestion", err))?;
        let mut titles = Vec::with_capacity(answer.hits.len());
        for hit in &answer.hits {
            titles.push(hit.offer()?.title);
        }
        Ok(titles)
    }

    fn suggestions(&self, prefix: &str, limit: usize) -> Result<Vec<String>, TypesenseError> {
        if !(1..=MAX_SUGGESTIONS).contains(&limit) {
            return Err(RequestError::invalid(
                "limit",
                format!("{limit} is not between 1 and {MAX_SUGGESTIONS}"),
            )
            .into());
        }
        let words = query_words(prefix).join(" ");
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let brands = self.brand_suggestions(&words)?;
        let titles = self.title_suggestions(&words, limit)?;
        let brand_places = limit.div_ceil(2);
        let (first_brands, more_brands) = brands.split_at(brand_places.min(brands.len()));
        let mut seen = HashSet::new();
        let mut suggestions = Vec::with_capacity(limit);
        for candidate in first_brands.iter().chain(&titles).chain(more_brands) {
            if suggestions.len() == limit {
                break;
            }
            if seen.insert(candidate.to_lowercase()) {
                suggestions.push(candidate.clone());
            }
        }
        Ok(suggestions)
    }
}

/// A search of one field for suggestions: with `facet`, the field's values are counted.
fn suggest_params(
    words: &str,
    field: &str,
    live: &LiveSet,
    per_page: usize,
    facet: bool,
) -> serde_json::Map<String, Value> {
    let last_chars = words.rsplit(' ').next().map_or(0, |w| w.chars().count());
    let mut params = serde_json::Map::new();
    params.insert("q".into(), json!(words));
    params.insert("query_by".into(), json!(field));
    params.insert("prefix".into(), json!(last_chars >= 2));
    params.insert("num_typos".into(), json!(1));
    params.insert("min_len_1typo".into(), json!(5));
    params.insert("drop_tokens_threshold".into(), json!(0));
    params.insert("typo_tokens_threshold".into(), json!(1u64 << 30));
    params.insert("filter_by".into(), json!(live.filter()));
    params.insert("per_page".into(), json!(per_page));
    params.insert("include_fields".into(), json!("offer"));
    if facet {
        params.insert(
            "facet_by".into(),
            json!(crate::search_params::facet_field(FacetKind::Brand)),
        );
        params.insert(
            "max_facet_values".into(),
            json!(crate::search_params::MAX_FACET_VALUES),
        );
    }
    params
}

impl Shared {
    pub fn last(&self) -> Arc<LiveSet> {
        self.last_live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Keeps `live` as the set searches run on, unless it is behind what was seen before.
    pub fn remember(&self, live: &Arc<LiveSet>) {
        if self.is_behind(live) {
            return;
        }
        self.high_water
            .fetch_max(live.high_water(), Ordering::SeqCst);
        *self.last_live.lock().unwrap_or_else(|e| e.into_inner()) = live.clone();
    }

    /// True when `live` knows less than a live set this process saw before: read from a node
    /// that is replaying its log.
    pub fn is_behind(&self, live: &LiveSet) -> bool {
        live.high_water() < self.high_water.load(Ordering::SeqCst)
    }
}

impl SearchBackend for TypesenseBackend {
    /// The live generations as read now; the last ones read when Typesense cannot be reached
    /// (a search then fails on its own).
    fn generation(&self) -> Generation {
        match self.refresh_live() {
            Ok(live) => live.generation(),
            Err(_) => self.shared.last().generation(),
        }
    }

    fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        Ok(self.run_search(request)?.0)
    }

    /// Keyed by the generations the answer was computed on. A request answered before on the
    /// live generations is answered from the cache after one read of the meta collection.
    fn search_cached(
        &self,
        cache: &SearchCache,
        request: &SearchRequest,
    ) -> Result<Arc<SearchResponse>, SearchError> {
        let live = self.refresh_live()?;
        cache.get_or_search(live.generation(), request, || self.search(request))
    }

    fn get_offer(&self, id: &str) -> Result<Option<Offer>, SearchError> {
        if id.contains('`') || id.trim().is_empty() {
            return Ok(None);
        }
        let offers = self.lookup(&format!("offer_id:=`{id}`"))?;
        Ok(offers.into_iter().find(|offer| offer.id == id))
    }

    fn offers_by_gtin(&self, gtin: &str) -> Result<Vec<Offer>, SearchError> {
        let gtin14 = normalize_gtin14(gtin)?;
        let mut offers = self.lookup(&format!("gtin14:=`{gtin14}`"))?;
        sort_cheapest_first(&mut offers);
        Ok(offers)
    }

    fn suggest(&self, prefix: &str, limit: usize) -> Result<Vec<String>, SearchError> {
        Ok(self.suggestions(prefix, limit)?)
    }

    fn stats(&self) -> Result<Vec<SourceStats>, SearchError> {
        let live = self.refresh_live()?;
        Ok(live.sources().iter().map(|l| l.stats.clone()).collect())
    }

    /// As of the live generations read now (the last ones read when Typesense is unreachable).
    fn num_offers(&self) -> u64 {
        match self.refresh_live() {
            Ok(live) => live.num_offers(),
            Err(_) => self.shared.last().num_offers(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live_set::LiveSource;
    use chrono::Utc;

    fn set(generations: &[(&str, u64)]) -> Arc<LiveSet> {
        let sources = generations.iter().map(|(source, generation)| LiveSource {
            source: source.to_string(),
            generation: *generation,
            stats: SourceStats {
                source: source.to_string(),
                num_offers: 1,
                last_ingest_at: Utc::now(),
                last_duration_ms: 1,
                num_rejected: 0,
                content_hash: String::new(),
            },
        });
        Arc::new(LiveSet::new(sources.collect()))
    }

    #[test]
    fn a_live_set_behind_the_high_water_is_not_searched_on() -> Result<(), TypesenseError> {
        let shared = Shared {
            collections: Collections {
                client: TypesenseClient::new(&["http://127.0.0.1:9".into()], "key")?,
                offers: "offers".into(),
                meta: "offers_meta".into(),
            },
            last_live: Mutex::new(set(&[("a", 100)])),
            issued: Mutex::new(0),
            high_water: AtomicU64::new(100),
        };
        let now = set(&[("a", 100), ("bulk", 300)]);
        shared.remember(&now);
        // A node replaying its log shows the set before `bulk` came, or its older generation.
        for past in [set(&[("a", 100)]), set(&[("a", 100), ("bulk", 200)])] {
            assert!(shared.is_behind(&past));
            shared.remember(&past);
            assert_eq!(shared.last(), now);
        }
        let next = set(&[("a", 400), ("bulk", 300)]);
        assert!(!shared.is_behind(&next));
        shared.remember(&next);
        assert_eq!(shared.last(), next);
        Ok(())
    }
}
