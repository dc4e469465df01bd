use feedmill_fetch::simulator::{Simulator, SimulatorConfig};
use feedmill_fetch::{
    FeedConfig, FetchContext, FetchError, FetchOutcome, HttpSettings, ManualClock, SourceConfig,
    fetch_source,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const ADTRACTION_ENV: &str = "ADTRACTION_TOKEN";
pub const PARTNERBOOST_ENV: &str = "PARTNERBOOST_TOKEN";
pub const AWIN_ENV: &str = "AWIN_FEED_KEY";

pub struct Harness {
    pub sim: Simulator,
    pub clock: ManualClock,
    pub cache: tempfile::TempDir,
    pub ctx: FetchContext,
}

impl Harness {
    pub async fn start(config: SimulatorConfig) -> Harness {
        Harness::start_with(config, HttpSettings::default()).await
    }

    pub async fn start_with(config: SimulatorConfig, http: HttpSettings) -> Harness {
        let clock = ManualClock::new();
        let tokens = [
            (ADTRACTION_ENV, config.adtraction_token.clone()),
            (PARTNERBOOST_ENV, config.partnerboost_token.clone()),
            (AWIN_ENV, config.awin_key.clone()),
        ];
        let sim = Simulator::start_with_clock(config, Arc::new(clock.clone()))
            .await
            .expect("simulator starts");
        let cache = tempfile::tempdir().expect("cache dir");
        let ctx = context(cache.path(), &clock, tokens, http);
        Harness {
            sim,
            clock,
            cache,
            ctx,
        }
    }

    /// A second client (fresh rate limiter) on the same cache and clock.
    pub fn other_client(&self) -> FetchContext {
        let tokens = [(ADTRACTION_ENV, "adtraction-test-token".to_string())];
        context(
            self.cache.path(),
            &self.clock,
            tokens,
            HttpSettings::default(),
        )
    }

    /// A source parsed from TOML, with `{base}` standing for the simulator's address.
    pub fn source(&self, toml: &str) -> SourceConfig {
        let text = toml.replace("{base}", &self.sim.base_url());
        let config = FeedConfig::from_toml_str(&text, self.cache.path()).expect("valid source");
        config.sources.into_iter().next().expect("one source")
    }

    pub async fn fetch(&self, source: &SourceConfig) -> Result<FetchOutcome, FetchError> {
        fetch_source(source, &self.ctx).await
    }

    /// The cached files of `source`: (path, bytes) sorted, to compare before and after.
    pub fn snapshot(&self, source: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let dir = self.cache.path().join(source);
        let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| (e.path(), std::fs::read(e.path()).unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}

fn context(
    cache: &Path,
    clock: &ManualClock,
    tokens: impl IntoIterator<Item = (&'static str, String)>,
    http: HttpSettings,
) -> FetchContext {
    FetchContext::builder(cache)
        .clock(Arc::new(clock.clone()))
        .env_vars(tokens)
        .http(http)
        .build()
        .expect("client builds")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn short_timeouts() -> HttpSettings {
    HttpSettings {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_millis(80),
        ..HttpSettings::default()
    }
}
