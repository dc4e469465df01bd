//! feedmill-search: the seam between what asks for offers (the HTTP API, the CLI) and what holds
//! them (a search backend: today the tantivy index of `feedmill-index`).
//!
//! # What it owns
//! - The request and its answer, with their JSON (a contract with users): [`SearchRequest`]
//!   (filters, [`SortOrder`], [`FacetKind`], paging limits, the [`MerchantRanks`] `sort=epc`
//!   ranks by) and its validation, which is the
//!   same for every backend; [`SearchResponse`] with [`SearchItem`]s ([`OfferHit`],
//!   [`GtinGroup`]) and [`FacetResults`].
//! - The traits a backend implements: [`SearchBackend`] (search, get offer, offers of a
//!   product, suggest, stats, and the [`Generation`] of what searches see) and [`SourceStore`]
//!   (replace one source atomically through a [`SourceReplacement`], behind the shrink guard of
//!   [`IngestOptions`], or delete it), with the ingest's metadata types ([`IngestMeta`],
//!   [`IngestOutcome`], [`SourceStats`]).
//! - The honest numbers of an offer kept with price history ([`PriceFacts`], computed from its
//!   [`PriceHistoryFigures`] once for every backend; [`PricedOffer`]) and the history filters
//!   of a request (`dropped_within`, `at_lowest`, `sort=price_drop`).
//! - [`SearchCache`]: answers of repeated requests, keyed by request and [`Generation`], so it
//!   serves any backend.
//! - [`SearchError`]: user errors ([`RequestError`]) kept apart from backend failures.
//!
//! It depends on the offer model only: no search engine, no I/O. The tantivy index is the
//! backend and its in-RAM form (`OfferIndex::in_ram`) is the test double the API's tests use.

mod backend;
mod error;
mod generation;
mod gtin_key;
mod merchant_ranks;
mod offer_keys;
mod price_facts;
mod search_cache;
mod search_request;
mod search_response;
mod source_ingest;

pub use backend::{SearchBackend, SourceReplacement, SourceStore};
pub use error::{RequestError, SearchError};
pub use generation::Generation;
pub use gtin_key::normalize_gtin14;
pub use merchant_ranks::MerchantRanks;
pub use offer_keys::{category_steps, discount_percent, price_key};
pub use price_facts::{PriceFacts, PriceHistoryFigures, PricedOffer, percent_below};
pub use search_cache::{CacheStats, SearchCache};
pub use search_request::{
    DEFAULT_PER_PAGE, FacetKind, Grouping, MAX_BRANDS, MAX_DAY_WINDOW, MAX_PER_PAGE,
    MAX_QUERY_CHARS, MAX_RESULT_WINDOW, SearchRequest, SortOrder, parse_day_window,
};
pub use search_response::{
    FacetResults, FacetValue, GtinGroup, OfferHit, SearchItem, SearchResponse,
};
pub use source_ingest::{DEFAULT_MIN_RATIO, IngestMeta, IngestOptions, IngestOutcome, SourceStats};

/// Most suggestions one call returns.
pub const MAX_SUGGESTIONS: usize = 50;
