//! Where feedmill's bytes come from.
//!
//! This crate owns the sources file ([`load_config`] → [`FeedConfig`] of [`SourceConfig`]s, the
//! API's `[auth]` section and `[[key]]` entries, [`AuthConfig`] and [`KeyConfig`], and the
//! [`ProgramConfig`]s of merchants' conversion postbacks, the `[search]` section's
//! [`SearchConfig`] (the tantivy index or a Typesense cluster) and the `[store]` section's
//! Postgres URL, [`StoreConfig`]),
//! the network clients (Adtraction API v3, PartnerBoost's datafeed, Awin feed downloads, plain
//! URLs and local files), how they behave on a bad day (bounded, jittered retries; per-host rate
//! limits learned from `X-RateLimit-*`; `Retry-After`), and the feed cache: streaming downloads
//! into `<cache_dir>/<source>/feed.<ext>` with conditional GET and a content hash, renamed into
//! place only when complete, so a failed fetch always leaves the last good file. It does not
//! parse feeds: [`fetch_source`] hands back the path and the `FeedFormat` the normalizer
//! (`feedmill-formats`) reads. `simulator` (behind the `simulator` feature, off by default) is a
//! local stand-in for both networks' APIs, with configurable faults, used by the tests; without
//! the feature this crate has no web server in it.
//!
//! It also reads what the networks report back: each `[[network_account]]`'s transaction
//! report ([`fetch_transactions`], mapped into the store's `TransactionInput`) and Adtraction
//! programs' commission types ([`fetch_commissions`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = feedmill_fetch::load_config("feeds/feedmill.toml".as_ref())?;
//! let ctx = feedmill_fetch::FetchContext::new("cache")?;
//! for source in &config.sources {
//!     let outcome = feedmill_fetch::fetch_source(source, &ctx).await?;
//!     if !outcome.unchanged {
//!         println!("{} → {}", source.name, outcome.path.display());
//!     }
//! }
//! # Ok(()) }
//! ```

mod adtraction_source;
mod alerts_config;
mod auth_config;
mod cache;
mod clock;
mod config;
mod context;
mod download;
mod error;
mod history_config;
mod http_client;
#[cfg(test)]
mod manifest_tests;
mod network_account;
mod partnerboost_brands;
mod partnerboost_envelope;
mod partnerboost_source;
pub mod program_config;
mod rate_limit;
mod retry;
mod search_config;
#[cfg(feature = "simulator")]
pub mod simulator;
mod source_config;
mod store_config;
mod temp_file;
mod transactions;
mod url_source;
mod web_config;

pub use adtraction_source::{AdtractionFeedInfo, AdtractionProgram, adtraction_programs};
pub use alerts_config::AlertsConfig;
pub use auth_config::{AuthConfig, AuthMode, KeyConfig};
pub use cache::{CacheMeta, CachedFeed, cached_feed};
pub use clock::{Clock, ManualClock, SleepFuture, SystemClock};
pub use config::{ConfigError, FeedConfig, load_config};
pub use context::{
    DownloadProgress, EnvLookup, FetchContext, FetchContextBuilder, HttpSettings, build_client,
};
pub use error::{FetchError, FetchErrorKind};
pub use history_config::{DEFAULT_RETENTION_DAYS, HistoryConfig};
pub use network_account::{
    ADTRACTION_API_URL, AWIN_API_URL, AccountNetwork, DEFAULT_SYNC_DAYS, MAX_SYNC_DAYS,
    NetworkAccount, PARTNERBOOST_API_URL, TransactionSyncConfig,
};
pub use program_config::{KeySource, ProgramConfig, ProgramKeyError};
pub use rate_limit::RateLimiter;
pub use retry::RetryPolicy;
pub use search_config::{
    DEFAULT_TYPESENSE_COLLECTION, DEFAULT_TYPESENSE_KEY_ENV, SearchConfig, SearchConfigError,
    TypesenseSettings,
};
pub use source_config::{
    ADTRACTION_BASE_URL, AWIN_BASE_URL, AdtractionConfig, AdtractionFetch, AwinConfig, FileConfig,
    LinkSettings, NetworkConfig, PARTNERBOOST_BASE_URL, PartnerboostConfig, SourceConfig,
    UrlConfig, parse_interval,
};
pub use store_config::StoreConfig;
pub use transactions::{
    ProgramCommissionReport, RejectedRow, ReportedTransaction, TransactionReport,
    TransactionWindow, fetch_commissions, fetch_transactions,
};
pub use web_config::{WebConfig, WebConfigError};

use chrono::{DateTime, Utc};
use http_client::Session;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The result of fetching one source.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchOutcome {
    /// The source's name.
    pub source: String,
    /// The file the normalizer reads: the cached feed, or the local file of a `file` source.
    pub path: PathBuf,
    /// The format to read it with; `None` means auto-detect.
    pub format: Option<feedmill_formats::FeedFormat>,
    /// Hex SHA-256 of the file's bytes.
    pub content_hash: String,
    /// Nothing new: a 304, an upstream version seen before, or the same bytes as last time.
    /// (A caller that may have crashed between fetching and indexing should also compare
    /// `content_hash` with what it last indexed.)
    pub unchanged: bool,
    pub num_bytes: u64,
    /// HTTP requests made, retries included.
    pub num_requests: u32,
    /// The number of records the upstream announced (Adtraction `count` / `numberOfProducts`,
    /// PartnerBoost `total`), to compare with what the normalizer reads.
    pub expected_records: Option<u64>,
    pub duration: Duration,
}

/// Fetches one source into the cache (or, for a `file` source, hashes it in place).
///
/// On error the previously cached file and its meta are untouched.
pub async fn fetch_source(
    source: &SourceConfig,
    ctx: &FetchContext,
) -> Result<FetchOutcome, FetchError> {
    let started = Instant::now();
    let label = source.label();
    let session = Session::new(ctx, label.clone(), source.token_env());
    let stored = match &source.network {
        NetworkConfig::Adtraction(config) => {
            adtraction_source::fetch(&session, source, config).await
        }
        NetworkConfig::Partnerboost(config) => {
            partnerboost_source::fetch(&session, source, config).await
        }
        NetworkConfig::Awin(config) => url_source::fetch_awin(&session, source, config).await,
        NetworkConfig::Url(config) => url_source::fetch_url(&session, source, &config.url).await,
        NetworkConfig::File(config) => url_source::fetch_file(&session, source, config).await,
    };
    let num_requests = session.num_requests();
    let stored = stored.map_err(|kind| {
        tracing::warn!(feed = %label, num_requests, error = %kind, "fetch failed");
        FetchError::new(label.clone(), kind)
    })?;
    let outcome = FetchOutcome {
        source: source.name.clone(),
        path: stored.path,
        format: stored.meta.format,
        content_hash: stored.meta.content_hash,
        unchanged: stored.unchanged,
        num_bytes: stored.meta.num_bytes,
        num_requests,
        expected_records: stored.meta.expected_records,
        duration: started.elapsed(),
    };
    tracing::info!(
        feed = %label,
        unchanged = outcome.unchanged,
        num_bytes = outcome.num_bytes,
        num_requests,
        duration_ms = crate::clock::millis(outcome.duration),
        "feed fetched"
    );
    Ok(outcome)
}

/// "Now" from the injected clock, for `fetched_at`.
pub(crate) fn now_utc(clock: &dyn Clock) -> DateTime<Utc> {
    i64::try_from(clock.now_ms())
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_else(Utc::now)
}
