//! The query mixes and their single-threaded timing.
//!
//! Two mixes, one per synthetic input: [`query_mix`] over feedmill-gen's feeds (the e2e
//! benchmark) and [`catalogue_mix`] over the in-memory catalogue of [`crate::catalogue`] (the
//! index and API examples). Both are lists of [`MixedRequest`]s, which the HTTP load sends as
//! `GET /search` ([`url_params`]).
//!
//! Queries take their words from the generator's own vocabulary (`feedmill_gen::vocabulary`:
//! product kinds, model names, brands and colours in four languages), so they hit the indexed
//! catalogue the way shoppers' queries hit a real one. As in feedmill-index's `search_bench`,
//! the text takes turns: one word, two words, a word and a three-letter prefix (typing), a word
//! with a typo. Four kinds of request, in turn:
//! - **text**: the text alone, relevance order;
//! - **text + filters + facets**: in stock, a price cap, a brand on every other query, the five
//!   facets counted over the whole result set;
//! - **grouped by GTIN**: the text with offers grouped per product;
//! - **sorted by price**: the text, cheapest (or dearest) first.
//!
//! The HTTP stage sends the same requests, so the single-threaded figures are its baseline.

use crate::catalogue::{self, Generator, WORDS};
use crate::measure::{BenchResult, StageClock, StageFigures, quantile};
use feedmill_gen::rng::SplitMix64;
use feedmill_gen::vocabulary::{BRANDS, COLOURS, KINDS, MODELS};
use feedmill_index::{FacetKind, OfferIndex, SearchRequest, SortOrder};
use feedmill_model::Decimal;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::time::Instant;

/// The kinds of request, in the order they take turns.
pub const QUERY_KINDS: [&str; 4] = [
    "text",
    "text + filters + facets",
    "grouped by GTIN",
    "sorted by price",
];

/// Requests run untimed first, so the first timed ones do not pay for a cold page cache.
const WARM_UP: usize = 40;

/// Latency of one kind of request (or of the whole mix, kind "all").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryFigures {
    pub kind: String,
    pub num_queries: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub mean_ms: f64,
    pub mean_hits: f64,
}

impl QueryFigures {
    /// Requests per second one thread reaches at this mean latency.
    pub fn per_second(&self) -> f64 {
        if self.mean_ms > 0.0 {
            1000.0 / self.mean_ms
        } else {
            0.0
        }
    }
}

/// One request of the mix with its kind (an index into [`QUERY_KINDS`]).
#[derive(Debug, Clone)]
pub struct MixedRequest {
    pub kind: usize,
    pub request: SearchRequest,
}

/// `num_queries` requests, the four kinds in turn, the same for the same seed.
pub fn query_mix(num_queries: usize, seed: u64) -> Vec<MixedRequest> {
    let words = vocabulary();
    let mut rng = SplitMix64::derive(seed, &[0xE2E]);
    (0..num_queries)
        .map(|i| {
            let (kind, turn) = (i % QUERY_KINDS.len(), i / QUERY_KINDS.len());
            let text = text(&words, &mut rng, turn);
            MixedRequest {
                kind,
                request: request(kind, text, turn),
            }
        })
        .collect()
}

/// The kinds of [`catalogue_mix`], in the order of their numbers.
pub const CATALOGUE_KINDS: [&str; 4] = ["text", "filtered", "facets", "grouped"];

/// `num_requests` requests over the catalogue, the same every time: in every ten, six text
/// queries (one word, two words, a word and a three-letter prefix), two with a brand, a price
/// cap, in stock and a price sort, one with brand, price and merchant facets, one grouped by
/// GTIN. Words are drawn like the catalogue's text (Zipf), or with `broad` from its 40 most
/// common words only, each in 3–6 % of the titles.
pub fn catalogue_mix(num_requests: usize, broad: bool) -> BenchResult<Vec<MixedRequest>> {
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(42);
    let word = |rng: &mut SplitMix64| -> String {
        if broad {
            rng.pick(WORDS).to_string()
        } else {
            generator.word(rng).to_string()
        }
    };
    let mut mix = Vec::with_capacity(num_requests);
    for i in 0..num_requests {
        let text = match i % 10 {
            2 | 3 => format!("{} {}", word(&mut rng), word(&mut rng)),
            4 | 5 => {
                let typed: String = word(&mut rng).chars().take(3).collect();
                format!("{} {typed}", word(&mut rng))
            }
            _ => word(&mut rng),
        };
        let text = SearchRequest {
            query: Some(text),
            ..SearchRequest::default()
        };
        let (kind, request) = match i % 10 {
            0..=5 => (0, text),
            6 | 7 => {
                let filtered = SearchRequest {
                    brands: vec![rng.pick(catalogue::BRANDS).to_string()],
                    sort: SortOrder::PriceAsc,
                    in_stock: true,
                    max_price: Some(Decimal::from(3000)),
                    ..text
                };
                (1, filtered)
            }
            8 => {
                let facets = vec![FacetKind::Brand, FacetKind::Price, FacetKind::Merchant];
                (2, SearchRequest { facets, ..text })
            }
            _ => {
                let grouped = SearchRequest {
                    group_by_gtin: true,
                    ..text
                };
                (3, grouped)
            }
        };
        mix.push(MixedRequest { kind, request });
    }
    Ok(mix)
}

/// Lower-cased words a shopper might type about the generated catalogue.
fn vocabulary() -> Vec<String> {
    let kinds = KINDS.iter().map(|kind| kind.name);
    let colours = COLOURS.iter().flatten().copied();
    let all = kinds
        .chain(MODELS.iter().copied())
        .chain(BRANDS.iter().copied());
    let mut words: Vec<String> = all.chain(colours).map(str::to_lowercase).collect();
    words.sort();
    words.dedup();
    words
}

/// The `turn`-th text: one word, two words, a word and a prefix, a word with a typo, in turn.
fn text(words: &[String], rng: &mut SplitMix64, turn: usize) -> String {
    let mut word = || rng.pick(words).clone();
    match turn % 4 {
        0 => word(),
        1 => format!("{} {}", word(), word()),
        2 => {
            let typed: String = word().chars().take(3).collect();
            format!("{} {typed}", word())
        }
        _ => format!("{}x", word()),
    }
}

/// A request of `kind` for the `turn`-th text of that kind. A brand filter (filters kind) and
/// the sort direction (sorted kind) alternate every four turns, so every text style gets both.
fn request(kind: usize, query: String, turn: usize) -> SearchRequest {
    let query = Some(query);
    let variant = (turn / 4).is_multiple_of(2);
    match kind {
        0 => SearchRequest {
            query,
            ..SearchRequest::default()
        },
        1 => SearchRequest {
            query,
            in_stock: true,
            max_price: Some(Decimal::from(2000)),
            brands: if variant {
                vec![BRANDS[(turn / 8) % 10].to_string()]
            } else {
                Vec::new()
            },
            facets: FacetKind::ALL.to_vec(),
            ..SearchRequest::default()
        },
        2 => SearchRequest {
            query,
            group_by_gtin: true,
            ..SearchRequest::default()
        },
        _ => SearchRequest {
            query,
            sort: if variant {
                SortOrder::PriceAsc
            } else {
                SortOrder::PriceDesc
            },
            ..SearchRequest::default()
        },
    }
}

/// Runs the mix once on this thread, each request timed alone; figures per kind, then the
/// whole mix as kind "all", and the stage's time and memory.
pub fn run_query_mix(
    index: &OfferIndex,
    mix: &[MixedRequest],
) -> BenchResult<(Vec<QueryFigures>, StageFigures)> {
    for mixed in mix.iter().take(WARM_UP) {
        index.search(&mixed.request)?;
    }
    let clock = StageClock::start();
    let mut timings = Vec::with_capacity(mix.len());
    for mixed in mix {
        let started = Instant::now();
        let response = index.search(&mixed.request)?;
        let millis = started.elapsed().as_secs_f64() * 1000.0;
        timings.push((mixed.kind, millis, black_box(response).total));
    }
    let stage = clock.finish(mix.len() as u64);
    let mut figures: Vec<QueryFigures> = QUERY_KINDS
        .iter()
        .enumerate()
        .map(|(k, name)| summarize(name, timings.iter().filter(|t| t.0 == k)))
        .collect();
    figures.push(summarize("all", timings.iter()));
    Ok((figures, stage))
}

fn summarize<'a>(kind: &str, timings: impl Iterator<Item = &'a (usize, f64, u64)>) -> QueryFigures {
    let (mut millis, mut hits) = (Vec::new(), 0u64);
    for (_, ms, total) in timings {
        millis.push(*ms);
        hits += total;
    }
    millis.sort_by(f64::total_cmp);
    let count = millis.len().max(1) as f64;
    QueryFigures {
        kind: kind.to_string(),
        num_queries: millis.len(),
        p50_ms: quantile(&millis, 0.5),
        p99_ms: quantile(&millis, 0.99),
        mean_ms: millis.iter().sum::<f64>() / count,
        mean_hits: hits as f64 / count,
    }
}

/// The request as `GET /search` query parameters (the names of the HTTP API).
pub fn url_params(request: &SearchRequest) -> Vec<(&'static str, String)> {
    let mut params = Vec::new();
    if let Some(query) = &request.query {
        params.push(("q", query.clone()));
    }
    for brand in &request.brands {
        params.push(("brand", brand.clone()));
    }
    if request.in_stock {
        params.push(("in_stock", "true".into()));
    }
    if let Some(max) = request.max_price {
        params.push(("max_price", max.to_string()));
    }
    if request.sort != SortOrder::Relevance {
        params.push(("sort", request.sort.as_str().into()));
    }
    if !request.facets.is_empty() {
        let names: Vec<&str> = request.facets.iter().map(|f| f.as_str()).collect();
        params.push(("facets", names.join(",")));
    }
    if request.group_by_gtin {
        params.push(("group_by", "gtin".into()));
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_mix_has_its_kinds_in_their_shares() -> BenchResult<()> {
        let mix = catalogue_mix(1000, false)?;
        let count = |kind: usize| mix.iter().filter(|m| m.kind == kind).count();
        assert_eq!(
            [count(0), count(1), count(2), count(3)],
            [600, 200, 100, 100]
        );
        assert!(mix.iter().all(|m| m.request.query.is_some()));
        assert!(
            mix.iter()
                .filter(|m| m.kind == 3)
                .all(|m| m.request.group_by_gtin)
        );
        let again = catalogue_mix(1000, false)?;
        let queries = |mix: &[MixedRequest]| -> Vec<Option<String>> {
            mix.iter().map(|m| m.request.query.clone()).collect()
        };
        assert_eq!(queries(&mix), queries(&again));
        let broad = catalogue_mix(40, true)?;
        let first_word = |m: &MixedRequest| {
            m.request
                .query
                .as_deref()
                .and_then(|q| q.split(' ').next())
                .map(str::to_string)
        };
        assert!(
            broad
                .iter()
                .filter_map(first_word)
                .all(|w| WORDS.contains(&w.as_str()))
        );
        Ok(())
    }

    #[test]
    fn requests_become_the_api_parameters() {
        let request = SearchRequest {
            query: Some("trail shoe".into()),
            in_stock: true,
            sort: SortOrder::PriceAsc,
            facets: vec![FacetKind::Brand, FacetKind::Price],
            group_by_gtin: true,
            ..SearchRequest::default()
        };
        let params = url_params(&request);
        let has = |name: &str, value: &str| params.iter().any(|(n, v)| *n == name && v == value);
        assert!(has("q", "trail shoe") && has("in_stock", "true") && has("sort", "price_asc"));
        assert!(has("facets", "brand,price") && has("group_by", "gtin"));
    }
}
