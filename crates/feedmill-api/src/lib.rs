//! feedmill-api: the HTTP API over the offer index.
//!
//! This crate owns everything between an HTTP request and the index: the axum [`router`] and
//! its layers (tracing, body and query limits, metrics, JSON errors), the handlers for search,
//! price comparison, suggestions, link building and click-out (the links themselves are built
//! by `feedmill-links`, whose [`deep_link`] module is re-exported here), the click-out's
//! durable record in the click store (`feedmill-store`, any `Store` behind [`AppState::new`]),
//! the per-IP click limit, the Prometheus metrics, the OpenAPI document and the comparison page
//! at `/` (`web`: HTML, CSS and scripts embedded in the binary, reading the public API).
//! It reads offers only through the search seam (`feedmill-search`): [`AppState::new`] takes any
//! `SearchBackend` (the binary passes the tantivy `OfferIndex`), so a second backend needs no
//! change here. It never fetches feeds itself: whoever refreshes feeds reports to
//! [`AppState::sources`].
//!
//! # Module arrows
//! One way only (`tools/check-layers` checks it): [`router`] → `handlers` → `state`,
//! `offer_links`, `params`, `types`; `state` → `link_directory` → `offer_links` → `config`;
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
mod click_out_tests;
mod config;
mod error;
mod handlers;
mod json_body;
mod link_directory;
mod metrics;
mod offer_links;
mod openapi;
mod params;
mod rate_limit;
mod route_paths;
mod router;
mod search_index;
mod source_status;
mod state;
#[cfg(test)]
mod testing;
mod types;
mod web;

pub use config::{
    ApiConfig, ConfigError, DEFAULT_CLICKS_PER_MINUTE, DEFAULT_SEARCH_CACHE_BYTES, PageApiKey,
};
pub use error::{ApiError, ErrorCode};
pub use feedmill_links::deep_link;
pub use feedmill_links::{LinkNetwork, MAX_SUB_ID_LEN, SourceLinks, SubIds};
pub use openapi::{document as openapi_document, document_json as openapi_json};
pub use params::MAX_Q_BYTES;
pub use rate_limit::ApiClock;
pub use router::{MAX_BODY_BYTES, router, serve};
pub use source_status::{SourceStatus, SourceStatusBoard};
pub use state::AppState;
pub use types::MAX_BATCH;
