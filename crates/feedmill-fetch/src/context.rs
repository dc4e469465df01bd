//! Everything a fetch needs besides the source's own config: the HTTP client, the cache
//! directory, the clock, how to read secrets, the retry policy and the shared rate limiter.
//!
//! One [`FetchContext`] serves every source of a run (it is cheap to clone); sharing it is what
//! lets the per-host rate limiter see all requests to a host.

use crate::clock::{Clock, SystemClock};
use crate::rate_limit::RateLimiter;
use crate::retry::RetryPolicy;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Looks up an environment variable by name (`std::env::var` in production, a map in tests,
/// so tests never set process-wide variables).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    /// The longest silence between two reads (of headers or body) before giving up; not a
    /// total deadline, so a large feed can take as long as it streams.
    pub read_timeout: Duration,
    pub user_agent: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            user_agent: concat!("feedmill/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

#[derive(Clone)]
pub struct FetchContext {
    pub(crate) client: reqwest::Client,
    pub(crate) cache_dir: PathBuf,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) env: EnvLookup,
    pub(crate) retry: RetryPolicy,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) progress: Option<Arc<dyn DownloadProgress>>,
}

/// Told how each download advances, so that a terminal can show a progress bar. The library
/// draws nothing itself.
pub trait DownloadProgress: Send + Sync {
    /// A response body starts; `total_bytes` is its `Content-Length` when the server sent one.
    fn started(&self, source: &str, total_bytes: Option<u64>);
    fn advanced(&self, source: &str, num_bytes: u64);
    /// The body ended (complete or not).
    fn finished(&self, source: &str);
}

impl FetchContext {
    /// Default settings: real clock, process environment, default timeouts and retries.
    pub fn new(cache_dir: impl Into<PathBuf>) -> Result<FetchContext, reqwest::Error> {
        FetchContext::builder(cache_dir).build()
    }

    pub fn builder(cache_dir: impl Into<PathBuf>) -> FetchContextBuilder {
        FetchContextBuilder {
            cache_dir: cache_dir.into(),
            http: HttpSettings::default(),
            client: None,
            clock: Arc::new(SystemClock),
            env: Arc::new(|name| std::env::var(name).ok()),
            retry: RetryPolicy::default(),
            progress: None,
        }
    }

    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    pub(crate) fn env_var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|value| !value.trim().is_empty())
    }
}

impl fmt::Debug for FetchContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FetchContext")
            .field("cache_dir", &self.cache_dir)
            .field("clock", &self.clock)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

pub struct FetchContextBuilder {
    cache_dir: PathBuf,
    http: HttpSettings,
    client: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
    env: EnvLookup,
    retry: RetryPolicy,
    progress: Option<Arc<dyn DownloadProgress>>,
}

impl FetchContextBuilder {
    pub fn http(mut self, http: HttpSettings) -> Self {
        self.http = http;
        self
    }

    /// Uses a ready client instead of building one from [`HttpSettings`].
    pub fn client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn env(mut self, lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Arc::new(lookup);
        self
    }

    /// Secrets from a fixed set of variables (tests, or a secrets file the binary read).
    pub fn env_vars<K, V>(self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.env(move |name| vars.get(name).cloned())
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Reports downloads to `progress` (a progress bar on a terminal).
    pub fn progress(mut self, progress: Arc<dyn DownloadProgress>) -> Self {
        self.progress = Some(progress);
        self
    }

    pub fn build(self) -> Result<FetchContext, reqwest::Error> {
        let client = match self.client {
            Some(client) => client,
            None => build_client(&self.http)?,
        };
        Ok(FetchContext {
            client,
            cache_dir: self.cache_dir,
            clock: self.clock,
            env: self.env,
            retry: self.retry,
            limiter: Arc::new(RateLimiter::new()),
            progress: self.progress,
        })
    }
}

/// A reqwest client with connect and read timeouts. No automatic decompression: feeds are
/// cached as the bytes the server sent and the normalizer detects gzip and ZIP itself.
pub fn build_client(http: &HttpSettings) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(http.connect_timeout)
        .read_timeout(http.read_timeout)
        .user_agent(http.user_agent.clone())
        .build()
}
