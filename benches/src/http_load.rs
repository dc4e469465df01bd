//! The HTTP load client of every benchmark: the real API server (`feedmill_api::serve`) over an
//! index on 127.0.0.1:0 ([`ServedIndex`]), loaded by a small client in the same process
//! ([`run_load`], which also loads any server by URL).
//!
//! The server runs on a 2-worker tokio runtime, as `feedmill serve` does; the client is a
//! current-thread runtime on the calling thread with `concurrency` tasks, each sending its next
//! `GET /search` as soon as the previous answer is read (a closed loop). The load stops after a
//! bounded time or number of requests, whichever comes first, and goes nowhere but loopback.
//! Client and server share the machine's cores, so the figures are a lower bound for a server
//! alone.
//!
//! The e2e benchmark's HTTP stage ([`http_load`]) runs twice: with the search cache off, so that every request is searched on the
//! index (the engine's throughput), and with the cache as `feedmill serve` has it by default.
//! The mix repeats (its requests cycle, and its one-word queries recur within it), so the
//! second run answers most requests from the cache: it shows what the cache does for a
//! comparison site's recurring queries, not what any query costs.

use crate::measure::{BenchResult, StageClock, StageFigures, quantile};
use crate::query_mix::{MixedRequest, url_params};
use feedmill_api::{ApiConfig, AppState, serve};
use feedmill_index::{CacheStats, OfferIndex};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Requests sent before the timed load (connections opened, caches warm); not counted.
const WARM_UP_REQUESTS: u64 = 200;
/// Worker threads of the server's runtime: those of `feedmill serve`.
const SERVER_WORKERS: usize = 2;

/// How hard the load pushes, and for how long at most.
#[derive(Debug, Clone, Copy)]
pub struct HttpSettings {
    pub concurrency: usize,
    pub max_duration: Duration,
    pub max_requests: u64,
}

/// What the load measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HttpFigures {
    pub concurrency: usize,
    pub num_requests: u64,
    pub num_errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The timed load's wall time and memory.
    pub stage: StageFigures,
    /// The search cache's byte budget (0: off) and the share of the timed requests it answered.
    #[serde(default)]
    pub cache_bytes: u64,
    #[serde(default)]
    pub cache_hit_share: f64,
}

impl HttpFigures {
    pub fn requests_per_second(&self) -> f64 {
        self.stage.per_second(self.num_requests)
    }
}

/// The API server over an index, on 127.0.0.1:0 in a 2-worker runtime of its own (as
/// `feedmill serve` runs), until [`ServedIndex::stop`].
pub struct ServedIndex {
    runtime: tokio::runtime::Runtime,
    serving: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: tokio::sync::oneshot::Sender<()>,
    state: AppState,
    base: String,
}

impl ServedIndex {
    /// Serves `index` with a search cache of `cache_bytes` (0: none); clicks go to a store in
    /// `scratch`.
    pub fn start(
        index: Arc<OfferIndex>,
        cache_bytes: u64,
        scratch: &Path,
    ) -> BenchResult<ServedIndex> {
        ServedIndex::start_configured(index, scratch, |config| {
            config.search_cache_bytes = cache_bytes;
        })
    }

    /// Serves `index` with the configuration as `configure` sets it (limits, cache); clicks
    /// and postbacks go to a store in `scratch` (`feedmill.db`).
    pub fn start_configured(
        index: Arc<OfferIndex>,
        scratch: &Path,
        configure: impl FnOnce(&mut ApiConfig),
    ) -> BenchResult<ServedIndex> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(SERVER_WORKERS)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let base = format!("http://{}", listener.local_addr()?);
        let mut config = ApiConfig::new(base.clone(), scratch.join("clicks.ndjson"));
        configure(&mut config);
        let store = Arc::new(feedmill_store::SqliteStore::open(
            &scratch.join("feedmill.db"),
        )?);
        let state = AppState::new(index, config, store)?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = runtime.spawn(serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        Ok(ServedIndex {
            runtime,
            serving,
            stop,
            state,
            base,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The server's state (to load postback programs, or turn keys on and off while it serves).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn cache_stats(&self) -> CacheStats {
        self.state.search_cache_stats().unwrap_or_default()
    }

    /// Stops the server and waits for it.
    pub fn stop(self) -> BenchResult<()> {
        let _ = self.stop.send(());
        self.runtime.block_on(self.serving)??;
        Ok(())
    }
}

/// Serves `index` with a search cache of `cache_bytes` (0: none), loads it with `mix` and
/// stops the server.
pub fn http_load(
    index: Arc<OfferIndex>,
    mix: &[MixedRequest],
    settings: &HttpSettings,
    scratch: &Path,
    cache_bytes: u64,
) -> BenchResult<HttpFigures> {
    let server = ServedIndex::start(index, cache_bytes, scratch)?;
    let urls = search_urls(server.base(), mix)?;
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let figures = client.block_on(load(urls, *settings, || server.cache_stats()));
    server.stop()?;
    Ok(HttpFigures {
        cache_bytes,
        ..figures?
    })
}

/// One request of a load: its kind (an index into the mix's kinds) and URL.
#[derive(Debug, Clone)]
pub struct LoadRequest {
    pub kind: usize,
    pub url: Url,
}

/// The mix as `GET {base}/search` requests.
pub fn search_urls(base: &str, mix: &[MixedRequest]) -> BenchResult<Arc<[LoadRequest]>> {
    let endpoint = format!("{base}/search");
    let mut urls = Vec::with_capacity(mix.len());
    for mixed in mix {
        let url = Url::parse_with_params(&endpoint, url_params(&mixed.request))?;
        urls.push(LoadRequest {
            kind: mixed.kind,
            url,
        });
    }
    if urls.is_empty() {
        return Err("the query mix is empty".into());
    }
    Ok(urls.into())
}

/// The warm-up, then the timed load; `cache_stats` reads the server's cache counters.
async fn load(
    urls: Arc<[LoadRequest]>,
    settings: HttpSettings,
    cache_stats: impl Fn() -> CacheStats,
) -> BenchResult<HttpFigures> {
    let client = client(settings.concurrency)?;
    warm_up(&client, &urls, settings.concurrency).await?;
    let before = cache_stats();
    let outcome = run_load(&client, &urls, &settings).await?;
    let after = cache_stats();
    let (hits, misses) = (after.hits - before.hits, after.misses - before.misses);
    let mut latencies: Vec<f64> = outcome.latencies.iter().map(|(_, ms)| *ms).collect();
    latencies.sort_by(f64::total_cmp);
    Ok(HttpFigures {
        concurrency: settings.concurrency,
        num_requests: latencies.len() as u64,
        num_errors: outcome.num_errors,
        p50_ms: quantile(&latencies, 0.5),
        p99_ms: quantile(&latencies, 0.99),
        stage: outcome.stage,
        cache_bytes: 0,
        cache_hit_share: hits as f64 / (hits + misses).max(1) as f64,
    })
}

/// An HTTP client keeping one connection per concurrent task.
pub fn client(concurrency: usize) -> BenchResult<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?)
}

/// [`client`] that hands redirects back instead of following them (a click-out's `302` is
/// its answer, and its `Location` leads off the machine).
pub fn client_without_redirects(concurrency: usize) -> BenchResult<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// [`client`] sending `X-Api-Key: key` with every request.
pub fn client_with_key(concurrency: usize, key: &str) -> BenchResult<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-api-key", reqwest::header::HeaderValue::from_str(key)?);
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .default_headers(headers)
        .build()?)
}

/// `/r/{id}` URLs of the first `num_offers` indexed offers (by hundreds), found by a match-all
/// search.
pub async fn click_out_urls(base: &str, num_offers: usize) -> BenchResult<Arc<[LoadRequest]>> {
    let http = client(1)?;
    let mut urls = Vec::new();
    for page in 1..=num_offers.div_ceil(100) {
        let search = format!("{base}/search?per_page=100&page={page}");
        let answer: serde_json::Value = http.get(&search).send().await?.json().await?;
        for item in answer["items"].as_array().into_iter().flatten() {
            if let Some(id) = item["id"].as_str() {
                let mut url = Url::parse(base)?;
                url.path_segments_mut()
                    .map_err(|()| "base url cannot have a path")?
                    .extend(["r", id]);
                urls.push(LoadRequest { kind: 0, url });
            }
        }
    }
    if urls.is_empty() {
        return Err("no offers to click".into());
    }
    Ok(urls.into())
}

/// Prints a load's rate and latency on one line.
pub fn print_outcome(what: &str, outcome: &LoadOutcome, concurrency: usize) {
    let mut millis: Vec<f64> = outcome.latencies.iter().map(|(_, ms)| *ms).collect();
    millis.sort_by(f64::total_cmp);
    let seconds = outcome.stage.seconds;
    println!(
        "{what}: {} ok  {} errors  {:.0}/s  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  (concurrency {concurrency}, {seconds:.1} s)",
        millis.len(),
        outcome.num_errors,
        millis.len() as f64 / seconds.max(1e-9),
        quantile(&millis, 0.50),
        quantile(&millis, 0.99),
        quantile(&millis, 1.0),
    );
}

/// Requests sent before a timed load, not counted: connections opened, caches warm.
pub async fn warm_up(
    client: &reqwest::Client,
    urls: &Arc<[LoadRequest]>,
    concurrency: usize,
) -> BenchResult<()> {
    let budget = Budget::new(WARM_UP_REQUESTS, Duration::from_secs(30));
    run_workers(client, urls, concurrency, budget).await?;
    Ok(())
}

/// The timed load: `settings.concurrency` tasks in a closed loop until its time or requests
/// are spent; each successful request's kind and milliseconds, the failures counted.
pub async fn run_load(
    client: &reqwest::Client,
    urls: &Arc<[LoadRequest]>,
    settings: &HttpSettings,
) -> BenchResult<LoadOutcome> {
    let clock = StageClock::start();
    let budget = Budget::new(settings.max_requests, settings.max_duration);
    let mut outcome = run_workers(client, urls, settings.concurrency, budget).await?;
    outcome.stage = clock.finish(outcome.latencies.len() as u64);
    Ok(outcome)
}

/// How many requests may still start, and until when; shared by the client's tasks.
struct Budget {
    next: AtomicU64,
    max_requests: u64,
    deadline: Instant,
}

impl Budget {
    fn new(max_requests: u64, max_duration: Duration) -> Arc<Budget> {
        Arc::new(Budget {
            next: AtomicU64::new(0),
            max_requests,
            deadline: Instant::now() + max_duration,
        })
    }

    /// The number of the next request to send, or `None` when the budget is spent.
    fn claim(&self) -> Option<u64> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        (n < self.max_requests && Instant::now() < self.deadline).then_some(n)
    }
}

/// What a timed load did.
#[derive(Debug, Default)]
pub struct LoadOutcome {
    /// The kind and milliseconds of each successful request.
    pub latencies: Vec<(usize, f64)>,
    pub num_errors: u64,
    /// The load's wall time and memory.
    pub stage: StageFigures,
}

/// `concurrency` tasks sending requests until `budget` is spent; request `n` is URL `n` of the
/// mix (cycling), so every run sends the same requests in the same order.
async fn run_workers(
    client: &reqwest::Client,
    urls: &Arc<[LoadRequest]>,
    concurrency: usize,
    budget: Arc<Budget>,
) -> BenchResult<LoadOutcome> {
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, urls, budget) = (client.clone(), urls.clone(), budget.clone());
        tasks.push(tokio::spawn(async move {
            let mut outcome = LoadOutcome::default();
            while let Some(n) = budget.claim() {
                let request = &urls[(n % urls.len() as u64) as usize];
                let started = Instant::now();
                if send(&client, request.url.clone()).await {
                    let millis = started.elapsed().as_secs_f64() * 1000.0;
                    outcome.latencies.push((request.kind, millis));
                } else {
                    outcome.num_errors += 1;
                }
            }
            outcome
        }));
    }
    let mut all = LoadOutcome::default();
    for task in tasks {
        let outcome = task.await?;
        all.latencies.extend(outcome.latencies);
        all.num_errors += outcome.num_errors;
    }
    Ok(all)
}

/// One request, its body read to the end; true on a 2xx answer, or a 3xx one that the client
/// did not follow ([`client_without_redirects`]).
async fn send(client: &reqwest::Client, url: Url) -> bool {
    match client.get(url).send().await {
        Ok(response) => {
            let status = response.status();
            (status.is_success() || status.is_redirection()) && response.bytes().await.is_ok()
        }
        Err(_) => false,
    }
}
