//! feedmill-api: the HTTP API over the offer index.
//!
//! This crate owns everything between an HTTP request and the index: the axum [`router`] and
//! its layers (tracing, body and query limits, metrics, JSON errors), the handlers for search,
//! price comparison, suggestions, link building and click-out (the links themselves are built
//! by `feedmill-links`, whose [`deep_link`] module is re-exported here), the click-out's
//! durable record in the click store (`feedmill-store`, any `Store` behind [`AppState::new`]),
//! the per-IP click limit, the API keys ([`auth`]: actions per route, scoped search keys,
//! per-key limits and CORS), the operator's endpoints over an [`operator::Operator`] the binary
//! attaches, conversion postbacks (`postback`: programs and their keys,
//! reloadable with [`AppState::reload_programs`]; the field rules and the idempotent upsert are
//! the store's), the Prometheus metrics, the OpenAPI document (exact: tests hold it to
//! the server's answers, and `tests/contract/schemathesis` checks it from outside), the
//! comparison page at `/` (`web`: HTML, CSS and scripts embedded in the binary, reading the
//! public API) and the accept loop [`serve`], with its defences against hostile clients.
//! It reads offers only through the search seam (`feedmill-search`): [`AppState::new`] takes any
//! `SearchBackend` (the binary passes the tantivy `OfferIndex`), so a second backend needs no
//! change here. It never fetches feeds itself: whoever refreshes feeds reports to
//! [`AppState::sources`].
//!
//! # Module arrows
//! One way only (`tools/check-layers` checks it): [`serve`] (the accept loop, `server`) →
//! [`router`] → `request_id`, `server::connection_limit`; [`router`] → `handlers` → `state`,
//! `offer_links`, `params`, `types`; `state` → `link_directory` → `offer_links` → `config`,
//! `commission_book`; `state` → `commission_book`;
//! `openapi` → `types`, `params`, `error`. The request and response types (`types`) and the
//! route table (`route_paths`: public, partner, operator) depend on no handler.
//!
//! ```no_run
//! # async fn run(index: std::sync::Arc<dyn feedmill_search::SearchBackend>) -> Result<(), Box<dyn std::error::Error>> {
//! use feedmill_api::{ApiConfig, AppState, serve};
//! let config = ApiConfig::new("https://compare.example", "clicks.ndjson");
//! let store = std::sync::Arc::new(feedmill_store::SqliteStore::open("feedmill.db".as_ref())?);
//! let state = AppState::new(index, config, store)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, state, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

#[cfg(test)]
mod alert_run_tests;
#[cfg(test)]
mod alert_tests;
pub mod alerts;
pub mod auth;
#[cfg(test)]
mod click_out_tests;
mod commission_book;
#[cfg(test)]
mod commission_tests;
mod config;
mod earnings_params;
#[cfg(test)]
mod earnings_testing;
#[cfg(test)]
mod earnings_tests;
mod epc_ranks;
mod error;
mod handlers;
#[cfg(test)]
mod history_tests;
mod json_body;
mod link_directory;
mod match_params;
#[cfg(test)]
mod match_tests;
mod metrics;
mod offer_links;
mod openapi;
pub mod operator;
mod params;
mod postback;
#[cfg(test)]
mod price_history_tests;
mod rate_limit;
mod request_id;
mod route_paths;
mod router;
mod search_index;
mod server;
mod source_status;
mod state;
#[cfg(test)]
mod testing;
mod types;
mod wall_clock;
mod web;

pub use commission_book::{CommissionBook, SourceProgram};
pub use config::{
    ApiConfig, ConfigError, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_CLICKS_PER_MINUTE,
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS_PER_IP, DEFAULT_POSTBACKS_PER_MINUTE,
    DEFAULT_SEARCH_CACHE_BYTES, PageApiKey,
};
pub use epc_ranks::{EPC_REFRESH, EPC_WINDOW_DAYS, EpcRanks, MIN_EPC_CLICKS};
pub use error::{ApiError, ErrorCode};
pub use feedmill_links::deep_link;
pub use feedmill_links::{LinkNetwork, MAX_SUB_ID_LEN, SourceLinks, SubIds};
pub use openapi::{document as openapi_document, document_json as openapi_json};
pub use params::{DEFAULT_HISTORY_DAYS, MAX_HISTORY_DAYS, MAX_Q_BYTES, MAX_Q_CHARS};
pub use postback::{MAX_PROGRAM_ID_CHARS, PostbackProgram, PostbackPrograms, ProgramError};
pub use rate_limit::ApiClock;
pub use router::{MAX_BODY_BYTES, metrics_router, router};
pub use server::{serve, serve_metrics};
pub use source_status::{SourceStatus, SourceStatusBoard};
pub use state::AppState;
pub use types::{CreatedKey, KeyList, KeyView, NewKeyRequest, ScopedKey};
pub use types::{
    DailyPoint, HistoryPoint, MAX_BATCH, MarketLow, MerchantHistory, OfferHistory,
    PostbackResponse, ProductHistory, merchant_source,
};
pub use types::{PinView, ReviewEntry};
pub use wall_clock::WallClock;
