//! [`AppState`]: everything a handler needs, shared by all requests behind one `Arc`: the
//! search backend (any [`SearchBackend`]), the click store (any [`Store`]), the configuration,
//! the click limiter, the metrics, the link directory, the EPC tables of `sort=epc`, the API
//! keys ([`KeyRing`]) and the operator hooks ([`Operator`]) the binary attaches.

use crate::auth::KeyRing;
use crate::commission_book::CommissionBook;
use crate::config::{ApiConfig, ConfigError};
use crate::epc_ranks::EpcRanks;
use crate::error::ApiError;
use crate::link_directory::LinkDirectory;
use crate::metrics::Metrics;
use crate::operator::Operator;
use crate::postback::{PostbackProgram, PostbackPrograms};
use crate::rate_limit::{ApiClock, ClickRateLimiter, PostbackRateLimiter};
use crate::route_paths;
use crate::search_index::SearchIndex;
use crate::source_status::SourceStatusBoard;
use crate::wall_clock::WallClock;
use feedmill_search::{CacheStats, SearchBackend, SearchCache};
use feedmill_store::Store;
use std::sync::{Arc, OnceLock, RwLock};
use tokio::sync::Semaphore;
use tracing::{info, warn};

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
    /// Where click-outs are recorded, durably, before the redirect.
    store: Arc<dyn Store>,
    limiter: ClickRateLimiter,
    postback_limiter: PostbackRateLimiter,
    /// The programs that may send postbacks, swapped whole at a config reload; a handler
    /// takes the `Arc` (a read lock held for a pointer copy), so a reload never waits on one.
    programs: RwLock<Arc<PostbackPrograms>>,
    metrics: Metrics,
    sources: Arc<SourceStatusBoard>,
    directory: LinkDirectory,
    /// The merchants' EPC tables `sort=epc` ranks by, computed from the store now and then.
    epc_ranks: EpcRanks,
    /// The programs' commission rules behind `expected_commission`.
    commissions: Arc<CommissionBook>,
    /// Index work running at once. More than the cores only makes each search slower; the
    /// rest wait here, off the async workers (quickwit's `run_cpu_intensive`).
    index_slots: Arc<Semaphore>,
    /// The keys accepted now; open (no key needed) until configured.
    keys: Arc<KeyRing>,
    /// Runs sources and reloads the config; attached by the binary once the state exists.
    operator: OnceLock<Arc<dyn Operator>>,
    /// The date of history windows and alert evaluations; settable (tests, `--now`).
    wall_clock: WallClock,
}

impl AppState {
    /// Validates `config` and imports the old click log it names into `store`, if there is
    /// one. `index` is the search backend the API reads (the binary passes the tantivy
    /// `OfferIndex`; any other [`SearchBackend`] serves too), `store` where click-outs are
    /// recorded (the binary passes a `SqliteStore`).
    pub fn new(
        index: Arc<dyn SearchBackend>,
        config: ApiConfig,
        store: Arc<dyn Store>,
    ) -> Result<AppState, ConfigError> {
        AppState::with_clock(index, config, store, ApiClock::system())
    }

    /// [`AppState::new`] with the rate limiter on `clock` (tests use [`ApiClock::manual`]).
    pub fn with_clock(
        index: Arc<dyn SearchBackend>,
        config: ApiConfig,
        store: Arc<dyn Store>,
        clock: ApiClock,
    ) -> Result<AppState, ConfigError> {
        let config = config.validated()?;
        import_old_click_log(store.as_ref(), &config)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let search_cache =
            (config.search_cache_bytes > 0).then(|| SearchCache::new(config.search_cache_bytes));
        let keys = Arc::new(KeyRing::new(clock.clone()));
        let stored_keys = store
            .api_keys()
            .map_err(|err| ConfigError::Keys(format!("cannot read the stored api keys: {err}")))?;
        keys.load_stored(&stored_keys).map_err(ConfigError::Keys)?;
        let inner = StateInner {
            index,
            search_cache,
            limiter: ClickRateLimiter::new(config.clicks_per_minute, clock.clone()),
            postback_limiter: PostbackRateLimiter::new(config.postbacks_per_minute, clock),
            programs: RwLock::new(Arc::new(PostbackPrograms::default())),
            config,
            store,
            metrics: Metrics::new(route_paths::ALL),
            sources: Arc::new(SourceStatusBoard::default()),
            directory: LinkDirectory::default(),
            epc_ranks: EpcRanks::default(),
            commissions: Arc::new(CommissionBook::default()),
            index_slots: Arc::new(Semaphore::new(cores * 2)),
            keys,
            operator: OnceLock::new(),
            wall_clock: WallClock::system(),
        };
        Ok(AppState {
            inner: Arc::new(inner),
        })
    }

    /// The refresh states shown by `GET /sources`; the refresher updates them.
    pub fn sources(&self) -> Arc<SourceStatusBoard> {
        self.inner.sources.clone()
    }

    /// The clock of dated answers and alerts (see [`WallClock`]); set it to fix "now".
    pub fn wall_clock(&self) -> &WallClock {
        &self.inner.wall_clock
    }

    /// The API keys: [`KeyRing::configure`] turns keys on (the state starts open).
    pub fn keys(&self) -> &Arc<KeyRing> {
        &self.inner.keys
    }

    /// Attaches what the operator endpoints drive (once; false when one was attached).
    pub fn attach_operator(&self, operator: Arc<dyn Operator>) -> bool {
        self.inner.operator.set(operator).is_ok()
    }

    pub(crate) fn operator(&self) -> Option<Arc<dyn Operator>> {
        self.inner.operator.get().cloned()
    }

    /// The commission rules offers are decorated with; the transaction sync replaces them.
    pub fn commissions(&self) -> Arc<CommissionBook> {
        self.inner.commissions.clone()
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

    /// The click store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The merchants' EPC tables of `sort=epc`; [`EpcRanks::invalidate`] them when sales
    /// change (a postback, a transaction sync) so the next such search sees the change.
    pub fn epc_ranks(&self) -> &EpcRanks {
        &self.inner.epc_ranks
    }

    pub(crate) fn limiter(&self) -> &ClickRateLimiter {
        &self.inner.limiter
    }

    pub(crate) fn postback_limiter(&self) -> &PostbackRateLimiter {
        &self.inner.postback_limiter
    }

    /// Replaces the postback programs and their keys, as read from a (re)loaded config: from
    /// the next postback on only these programs and keys are accepted, so a key rotated out
    /// of the config stops working here, without a restart. `feedmill serve` calls it at
    /// start and on `SIGHUP`.
    pub fn reload_programs(&self, programs: PostbackPrograms) {
        let num_programs = programs.len();
        let mut current = self
            .inner
            .programs
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *current = Arc::new(programs);
        info!(num_programs, "postback programs loaded");
    }

    /// The postback programs in effect.
    pub fn postback_programs(&self) -> Arc<PostbackPrograms> {
        self.inner
            .programs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn postback_program(&self, id: &str) -> Option<PostbackProgram> {
        self.postback_programs().get(id).cloned()
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn directory(&self) -> &LinkDirectory {
        &self.inner.directory
    }

    /// Runs a lookup of one offer: at once on this worker when the backend's point reads are
    /// local (handing a read of microseconds to the blocking pool cost a click-out more than
    /// the read; BENCHMARKS.md), else as [`AppState::blocking`] work.
    pub(crate) async fn point_read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    {
        if self.index().point_reads_are_local() {
            return work(self);
        }
        self.blocking(work).await
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

/// Imports the click log of earlier versions into the store (a no-op without one, and for
/// lines imported before); malformed lines are counted and reported, never fatal.
fn import_old_click_log(store: &dyn Store, config: &ApiConfig) -> Result<(), ConfigError> {
    let path = &config.click_log_path;
    let report =
        store
            .import_click_log_file(path)
            .map_err(|source| ConfigError::ClickLogImport {
                path: path.clone(),
                source,
            })?;
    let Some(report) = report else {
        return Ok(());
    };
    if report.num_imported > 0 {
        info!(path = %path.display(), num_imported = report.num_imported, "imported old click log into the store");
    }
    for line in &report.malformed {
        warn!(path = %path.display(), line = line.line_number, reason = %line.reason, "click log line not imported");
    }
    if report.num_malformed > report.malformed.len() as u64 {
        warn!(path = %path.display(), num_malformed = report.num_malformed, "more click log lines not imported");
    }
    Ok(())
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("index", &self.inner.index)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}
