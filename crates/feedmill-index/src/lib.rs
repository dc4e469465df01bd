//! The offer index of feedmill: a tantivy index with one writer, per-source atomic replace, and
//! the one search engine behind `feedmill ingest / search / stats` and the HTTP API.
//!
//! It is the tantivy backend of the search seam (`feedmill-search`): [`OfferIndex`] implements
//! `SearchBackend` and `SourceStore`, and [`SourceIngest`] `SourceReplacement`
//! (`search_backend.rs`); the request and answer types, the ingest's metadata types and the
//! [`SearchCache`] live in the seam and are re-exported here. Its generation is a hash of the
//! segments a searcher reads with their deletes. The inherent methods below are the same calls
//! with [`IndexError`], for the CLI and the benches.
//!
//! # What it owns
//! - [`OfferIndex`]: opens or creates the on-disk index ([`OfferIndex::open_or_create`]) or an
//!   in-RAM test double ([`OfferIndex::in_ram`]); holds the reader and the single
//!   `IndexWriter`, opened lazily and lent to one ingest at a time (a second process gets
//!   [`IndexError::Locked`]).
//! - [`SourceIngest`]: replaces every offer of one source in one commit (`delete_term(source)`,
//!   then the feed's offers; an id repeated in the feed keeps its last record, and an id another
//!   source held moves to this one), behind a shrink guard: a feed under `min_ratio` (0.8) of the source's offers, or empty, is rolled
//!   back unless forced ([`IndexError::GuardTripped`]). Per-source metadata ([`SourceStats`]:
//!   offers, last ingest time, duration, rejects, content hash) is the commit's payload, so it
//!   is exactly as durable as the offers; `kill -9` at any moment reopens at the last commit.
//! - [`OfferIndex::search`] ([`SearchRequest`] → [`SearchResponse`]): text with folding, typo
//!   tolerance and prefix matching; filters; six sorts (`epc` by the request's merchant ranks); facet counts over the whole result
//!   set; grouping by GTIN. Plus [`OfferIndex::get_offer`], [`OfferIndex::offers_by_gtin`],
//!   [`OfferIndex::suggest`], [`OfferIndex::stats`] and [`OfferIndex::delete_source`].
//! - [`OfferIndex::search_cached`] with a [`SearchCache`]: the answers of repeated requests,
//!   kept until a commit changes the index (the API's search path).
//!
//! # Schema
//! | field | kind | for |
//! |---|---|---|
//! | `offer` | stored text | the whole [`Offer`](feedmill_model::Offer) as JSON: what retrieval returns, exact prices included |
//! | `id`, `source` | raw, indexed | upsert, per-source replace, lookup, filter |
//! | `network`, `currency` | raw, indexed, fast | filter, facet, grouping |
//! | `merchant`, `brand` | folded keyword indexed, raw fast | case-insensitive filter; facets show values as written |
//! | `title` (×3), `brand_text`, `category_text`, `description` | words, frequencies | exact matching and BM25 |
//! | `match_text` | title + brand + category words | typo and prefix matching, one automaton per word |
//! | `category` | facet (`A > B` path) | prefix filter, hierarchical counts |
//! | `in_stock` | bool, indexed, fast | filter |
//! | `gtin14` | raw, indexed, fast (when the offer has a GTIN) | lookup, filter |
//! | `gtin_key` | u64 fast | the GTIN-14 as a number: what `group_by=gtin` groups by |
//! | `product_key` | u64 indexed, fast (when the offer was matched) | the `product_id` as a number: what `group_by=product` groups by, `/products/{id}` |
//! | `price_minor`, `total_minor` | i64 fast | price filter and sort (the exact price stays in `offer`) |
//! | `discount` | f64 fast: the honest percent below the 30-day low when price history is kept, else percent off `old_price` | sort |
//! | `updated_at` | date fast, seconds | sort |
//! | `price_facts` | stored text, with price history | the figures the offer's honest numbers (`PriceFacts`) are derived from (`stored_facts.rs`), returned with it |
//! | `price_drop` | f64 fast, percent below the previous price (drops only) | `sort=price_drop`, `dropped_within` |
//! | `price_changed_at`, `lowest_since` | date fast, seconds | `dropped_within`, `at_lowest` (ranges from the search's "now") |
//!
//! Words are split on anything but letters and digits, lower-cased and folded to ASCII, so
//! `grön` and `Gron` find each other.
//!
//! # Settings, for a 2-core, 24 GiB machine
//! - Writer: two indexing threads with 512 MiB each and one merge thread (reasons at
//!   `WriterSettings::ON_DISK`): indexing is half of an ingest's CPU and one thread capped it
//!   at what one core indexes; a merge never takes both cores from searches. An ingest hands
//!   offers over 16 at a time and deletes by id only what needs it (`source_ingest.rs`).
//! - Merge policy: tantivy's log policy, merging any segment more than 30 % deleted, since every
//!   ingest deletes its source's previous copy.
//! - Reader: reloads on commits (`OnCommitWithDelay`, which also sees another process's
//!   ingest) and explicitly right after our own, so a search after `commit` sees it.
//! - Searches run on the calling thread, share nothing mutable but tantivy's doc-store block
//!   cache (and the [`SearchCache`] when one is given), and allocate per search only in
//!   proportion to their matches; a page is at most [`MAX_PER_PAGE`] hits and paging stops at
//!   [`MAX_RESULT_WINDOW`]. In stock and the price range are checked on fast columns while
//!   collecting (`fast_filter.rs`); typo and prefix matches leave out the word itself and, for
//!   a rare word, are kept as a list, not a bitset (`loose_term_query.rs`); several words meet
//!   in bitsets of their common words' matches, read without scoring, and are scored only where
//!   all match (`intersected_word.rs`); a word beside filters seeks its fields rather than
//!   reading them through (`seeking_union.rs`);
//!   grouping finds an offer's group by the ordinal the snapshot's group table gives every
//!   document (`group_table.rs`) and keeps the groups' offers, so a grouped page needs no
//!   second search (`grouping.rs`); a grouped search without words, filters or facets reads
//!   its page from the snapshot's ranked catalogue of that sort, built once by the same pass
//!   (`match_all_groups.rs`). Tables and catalogues asked for on one snapshot are built for
//!   the next by the reload that opens it, before searches see it (`snapshot_warmer.rs`).
//!
//! # Performance
//! Measured figures, with the commands that produce them, are in the workspace's
//! `BENCHMARKS.md` (the end-to-end benchmark: ingest beside tantivy indexing pre-built
//! documents, search latency and the API under load at 1M offers). This crate's examples
//! measure parts alone: `ingest_bench.rs` (ingest against tantivy's own bound),
//! `search_bench.rs` (latency per kind of query) and `search_load.rs` (searches from several
//! threads at once).
//!
//! Errors are one [`IndexError`]; [`IndexError::is_user_error`] separates bad requests from
//! failures of the index.

mod bench_support;
mod cross_source;
mod drop_rank;
mod epc_sort;
mod error;
mod facets;
mod fast_filter;
mod feed_ids;
mod group_buffers;
mod group_fruit;
mod group_key;
mod group_table;
mod grouped_caches;
mod grouped_search;
mod grouping;
#[cfg(test)]
mod grouping_reference_tests;
mod history_filters;
mod intersected_word;
mod loose_term_query;
mod match_all_groups;
mod match_candidates;
mod offer_document;
mod offer_index;
mod query_builder;
mod schema;
mod search;
mod search_backend;
mod seeking_union;
mod snapshot_slots;
mod snapshot_warmer;
#[cfg(test)]
mod snapshot_warming_tests;
mod source_catalog;
mod source_ingest;
mod stored_facts;
mod suggest;
mod writer_slot;

#[doc(hidden)]
pub use bench_support::PrebuiltDocuments;
pub use error::IndexError;
pub use match_candidates::{CandidateHit, MatchCandidates};
pub use offer_index::OfferIndex;
pub use source_ingest::SourceIngest;
// The search types' home is `feedmill-search`; they are re-exported for the callers of the
// index's own methods (the CLI, the benches).
pub use feedmill_search::{
    CacheStats, DEFAULT_MIN_RATIO, DEFAULT_PER_PAGE, FacetKind, FacetResults, FacetValue,
    Generation, GtinGroup, IngestMeta, IngestOptions, IngestOutcome, MAX_BRANDS, MAX_PER_PAGE,
    MAX_QUERY_CHARS, MAX_RESULT_WINDOW, MAX_SUGGESTIONS, MerchantRanks, OfferHit, PriceFacts,
    PriceHistoryFigures, PricedOffer, SearchCache, SearchItem, SearchRequest, SearchResponse,
    SortOrder, SourceStats, parse_day_window,
};
