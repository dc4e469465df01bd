//! [`ApiConfig`]: what the API needs to know beyond the index and the store — its public
//! address, the old click log to import, each source's link settings, the click-out and postback limits —
//! and its validation.

use feedmill_links::SourceLinks;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

/// Linkolino's click-out limit: 30 per IP per minute.
pub const DEFAULT_CLICKS_PER_MINUTE: u32 = 30;
/// Connections one client address may hold open at once (a browser opens about six per host;
/// a shared office NAT a few dozen).
pub const DEFAULT_MAX_CONNECTIONS_PER_IP: u32 = 64;
/// How long a client may take to send a request's headers (nginx's `client_header_timeout` is
/// 60 s; a real client needs milliseconds).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a request body may pause between two reads (nginx's `client_body_timeout` is
/// 60 s; a client on a slow mobile link sends something every few seconds).
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Linkolino's postback limit: 100 per IP and program per minute.
pub const DEFAULT_POSTBACKS_PER_MINUTE: u32 = 100;
/// The default byte budget of the search answer cache ([`ApiConfig::search_cache_bytes`]).
pub const DEFAULT_SEARCH_CACHE_BYTES: u64 = 64 << 20;

/// Settings of the API server.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiConfig {
    /// Where shoppers reach this API, e.g. `https://compare.example`; click URLs are
    /// `{public_base_url}/r/{offer id}`.
    pub public_base_url: String,
    /// The NDJSON click log earlier versions appended to. Clicks now live in the store; a log
    /// found here is imported into it when the state is built (idempotently: again at each
    /// start, it adds only lines the store lacks) and is never written.
    pub click_log_path: PathBuf,
    /// Link settings by source name; sources not listed get [`SourceLinks::default`].
    pub sources: BTreeMap<String, SourceLinks>,
    /// Click-outs per client IP per minute.
    pub clicks_per_minute: u32,
    /// Conversion postbacks per client IP and program per minute.
    pub postbacks_per_minute: u32,
    /// Key the click limit by the last `X-Forwarded-For` address instead of the peer address.
    /// Only for a server behind a proxy that sets that header; otherwise clients could pick
    /// their own key.
    pub trust_forwarded_for: bool,
    /// The most heap the answers of repeated searches may take (an estimate); 0 turns the
    /// cache off. Answers are kept only until the index changes ([`feedmill_search::SearchCache`]).
    pub search_cache_bytes: u64,
    /// Connections one client address may hold open at once, counted by the peer address;
    /// 0 turns the limit off (behind a proxy, every client has the proxy's address).
    pub max_connections_per_ip: u32,
    /// How long a client may take to send a request's headers, and an idle keep-alive
    /// connection may wait for its next request, before the connection is closed.
    pub header_read_timeout: Duration,
    /// How long a request body may pause between two reads (not how long the whole body may
    /// take) before the request is answered `408` and the connection closed.
    pub body_read_timeout: Duration,
    /// Let price alert callbacks reach loopback, private, link-local and other non-public
    /// addresses (`[alerts] allow_private_callbacks`); off, they are refused (SSRF).
    pub allow_private_callbacks: bool,
    /// The key the comparison page at `/` sends as `X-Api-Key` (written into its HTML, so it
    /// must be a key meant to be public: search-only); `None` sends none.
    pub page_api_key: Option<PageApiKey>,
}

/// The comparison page's API key. Public by design (every visitor's browser gets it), but kept
/// out of logs: its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct PageApiKey(String);

impl PageApiKey {
    pub fn new(key: impl Into<String>) -> PageApiKey {
        PageApiKey(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PageApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageApiKey(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid public base url {url:?}: {reason}")]
    BaseUrl { url: String, reason: String },
    #[error("invalid link settings of source {source_name:?}: {reason}")]
    Source { source_name: String, reason: String },
    #[error("the header read timeout must be above zero")]
    HeaderReadTimeout,
    #[error("the body read timeout must be above zero")]
    BodyReadTimeout,
    #[error("invalid api keys: {0}")]
    Keys(String),
    #[error("invalid page api key: {reason}")]
    PageApiKey { reason: String },
    #[error("failed to import click log {path} into the store: {source}")]
    ClickLogImport {
        path: PathBuf,
        #[source]
        source: feedmill_store::StoreError,
    },
}

impl ApiConfig {
    /// A configuration with no per-source settings and the default click limit.
    pub fn new(
        public_base_url: impl Into<String>,
        click_log_path: impl Into<PathBuf>,
    ) -> ApiConfig {
        ApiConfig {
            public_base_url: public_base_url.into(),
            click_log_path: click_log_path.into(),
            sources: BTreeMap::new(),
            clicks_per_minute: DEFAULT_CLICKS_PER_MINUTE,
            postbacks_per_minute: DEFAULT_POSTBACKS_PER_MINUTE,
            trust_forwarded_for: false,
            search_cache_bytes: DEFAULT_SEARCH_CACHE_BYTES,
            max_connections_per_ip: DEFAULT_MAX_CONNECTIONS_PER_IP,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            allow_private_callbacks: false,
            page_api_key: None,
        }
    }

    pub fn with_source(mut self, name: impl Into<String>, links: SourceLinks) -> ApiConfig {
        self.sources.insert(name.into(), links);
        self
    }

    /// The settings of `source`.
    pub fn links(&self, source: &str) -> &SourceLinks {
        static DEFAULT: std::sync::OnceLock<SourceLinks> = std::sync::OnceLock::new();
        self.sources
            .get(source)
            .unwrap_or_else(|| DEFAULT.get_or_init(SourceLinks::default))
    }

    /// Checks the configuration and normalizes it: no trailing `/` on the base URL, each
    /// source's link settings by [`SourceLinks::validated`].
    pub(crate) fn validated(mut self) -> Result<ApiConfig, ConfigError> {
        let base = self
            .public_base_url
            .trim()
            .trim_end_matches('/')
            .to_string();
        let bad_base = |reason: &str| ConfigError::BaseUrl {
            url: self.public_base_url.clone(),
            reason: reason.to_string(),
        };
        let parsed = Url::parse(&base).map_err(|err| bad_base(&err.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
            return Err(bad_base("expected an http(s) url without a query"));
        }
        if self.header_read_timeout.is_zero() {
            return Err(ConfigError::HeaderReadTimeout);
        }
        if self.body_read_timeout.is_zero() {
            return Err(ConfigError::BodyReadTimeout);
        }
        self.public_base_url = base;
        let mut sources = BTreeMap::new();
        for (name, links) in std::mem::take(&mut self.sources) {
            let links = links.validated().map_err(|err| ConfigError::Source {
                source_name: name.clone(),
                reason: err.to_string(),
            })?;
            sources.insert(name, links);
        }
        self.sources = sources;
        if let Some(key) = &self.page_api_key {
            check_page_api_key(key.as_str())?;
        }
        Ok(self)
    }
}

/// A key the page can send as a header value: 1 to 256 visible ASCII characters.
fn check_page_api_key(key: &str) -> Result<(), ConfigError> {
    let reason = if key.is_empty() {
        "it is empty"
    } else if key.len() > 256 {
        "it is longer than 256 characters"
    } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
        "it has characters other than visible ASCII"
    } else {
        return Ok(());
    };
    Err(ConfigError::PageApiKey {
        reason: reason.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use feedmill_links::LinkNetwork;

    #[test]
    fn normalizes_the_base_url_and_hosts() -> Result<(), ConfigError> {
        let links = SourceLinks {
            merchant_hosts: vec!["https://WWW.Shop.example/".into(), "b.example".into()],
            ..SourceLinks::default()
        };
        let config = ApiConfig::new("http://localhost:8080/", "clicks.ndjson")
            .with_source("shop", links)
            .validated()?;
        assert_eq!(config.public_base_url, "http://localhost:8080");
        assert_eq!(
            config.links("shop").merchant_hosts,
            ["shop.example", "b.example"]
        );
        assert!(config.links("other").allow_deep_links);
        Ok(())
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(ApiConfig::new("localhost:8080", "c").validated().is_err());
        let mut no_timeout = ApiConfig::new("http://a.example", "c");
        no_timeout.header_read_timeout = Duration::ZERO;
        assert!(matches!(
            no_timeout.validated(),
            Err(ConfigError::HeaderReadTimeout)
        ));
        let mut no_body_timeout = ApiConfig::new("http://a.example", "c");
        no_body_timeout.body_read_timeout = Duration::ZERO;
        assert!(matches!(
            no_body_timeout.validated(),
            Err(ConfigError::BodyReadTimeout)
        ));
        let template = SourceLinks {
            deep_link_template: Some("https://go.example/?x=1".into()),
            ..SourceLinks::default()
        };
        assert!(
            ApiConfig::new("http://a.example", "c")
                .with_source("s", template)
                .validated()
                .is_err()
        );
        for bad in ["", "two words", "k\u{e9}y"] {
            let mut config = ApiConfig::new("http://a.example", "c");
            config.page_api_key = Some(PageApiKey::new(bad));
            assert!(config.validated().is_err(), "{bad:?}");
        }
        let mut config = ApiConfig::new("http://a.example", "c");
        config.page_api_key = Some(PageApiKey::new("search-key_1"));
        let config = config.validated().map(|c| format!("{c:?}"));
        assert!(config.is_ok_and(|debug| !debug.contains("search-key_1")));
        let network = SourceLinks {
            network: Some(LinkNetwork::Template),
            ..SourceLinks::default()
        };
        assert!(
            ApiConfig::new("http://a.example", "c")
                .with_source("s", network)
                .validated()
                .is_err()
        );
    }
}
