//! [`AppState`]: everything a handler needs, shared by all requests behind one `Arc`: the
//! search backend (any [`SearchBackend`]), the configuration, the click log and limiter, the
//! metrics and the link directory.

use crate::click_log::ClickLog;
use crate::config::{ApiConfig, ConfigError};
use crate::error::ApiError;
use crate::link_directory::LinkDirectory;
use crate::metrics::Metrics;
use crate::rate_limit::{ApiClock, ClickRateLimiter};
use crate::route_paths;
use crate::search_index::SearchIndex;
use crate::source_status::SourceStatusBoard;
use feedmill_search::{CacheStats, SearchBackend, SearchCache};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The API's shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<StateInner>,
}

struct StateInner {
    index: Arc<SearchIndex>,
    /// Answers of repeated searches; `None` when the configuration turns it off.
    search_cache: Option<SearchCache>,
    config: ApiConfig,
    click_log: ClickLog,
    limiter: ClickRateLimiter,
    metrics: Metrics,
    sources: Arc<SourceStatusBoard>,
    directory: LinkDirectory,
    /// Index work running at once. More than the cores only makes each search slower; the
    /// rest wait here, off the async workers (quickwit's `run_cpu_intensive`).
    index_slots: Arc<Semaphore>,
}

impl AppState {
    /// Validates `config` and opens its click log. `index` is the search backend the API reads:
    /// the binary passes the tantivy `OfferIndex`, and any other [`SearchBackend`] serves too.
    pub fn new(index: Arc<dyn SearchBackend>, config: ApiConfig) -> Result<AppState, ConfigError> {
        AppState::with_clock(index, config, ApiClock::system())
    }

    /// [`AppState::new`] with the rate limiter on `clock` (tests use [`ApiClock::manual`]).
    pub fn with_clock(
        index: Arc<dyn SearchBackend>,
        config: ApiConfig,
        clock: ApiClock,
    ) -> Result<AppState, ConfigError> {
        let config = config.validated()?;
        let click_log =
            ClickLog::open(&config.click_log_path).map_err(|source| ConfigError::ClickLog {
                path: config.click_log_path.clone(),
                source,
            })?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let search_cache =
            (config.search_cache_bytes > 0).then(|| SearchCache::new(config.search_cache_bytes));
        let inner = StateInner {
            index,
            search_cache,
            limiter: ClickRateLimiter::new(config.clicks_per_minute, clock),
            config,
            click_log,
            metrics: Metrics::new(route_paths::ALL),
            sources: Arc::new(SourceStatusBoard::default()),
            directory: LinkDirectory::default(),
            index_slots: Arc::new(Semaphore::new(cores * 2)),
        };
        Ok(AppState {
            inner: Arc::new(inner),
        })
    }

    /// The refresh states shown by `GET /sources`; the refresher updates them.
    pub fn sources(&self) -> Arc<SourceStatusBoard> {
        self.inner.sources.clone()
    }

    /// The search backend.
    pub fn index(&self) -> &Arc<dyn SearchBackend> {
        &self.inner.index
    }

    pub(crate) fn search_cache(&self) -> Option<&SearchCache> {
        self.inner.search_cache.as_ref()
    }

    /// What the search cache has done; `None` when it is off.
    pub fn search_cache_stats(&self) -> Option<CacheStats> {
        self.search_cache().map(SearchCache::stats)
    }

    /// The validated configuration.
    pub fn config(&self) -> &ApiConfig {
        &self.inner.config
    }

    pub(crate) fn click_log(&self) -> &ClickLog {
        &self.inner.click_log
    }

    pub(crate) fn limiter(&self) -> &ClickRateLimiter {
        &self.inner.limiter
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn directory(&self) -> &LinkDirectory {
        &self.inner.directory
    }

    /// Runs index work on tokio's blocking pool, a bounded number at a time.
    pub(crate) async fn blocking<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    {
        // The slot moves into the task: it is held until the work ends, even when the request
        // that started it has gone away.
        let slot = self
            .inner
            .index_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|err| ApiError::internal("index slots", err))?;
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let result = work(&state);
            drop(slot);
            result
        })
        .await
        .map_err(|err| ApiError::internal("index task", err))?
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("index", &self.inner.index)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}
