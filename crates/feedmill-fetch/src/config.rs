//! The sources file (`feeds/feedmill.toml`): strict TOML parsed, then validated.
//!
//! serde cannot combine `deny_unknown_fields` with an internally tagged enum, so each
//! `[[source]]` is read into one flat [`RawSource`] that denies unknown keys, then validated per
//! network into a [`SourceConfig`]. A key that exists but does not apply to the source's network
//! is an error too, so a typo never silently falls back to a default.

use crate::auth_config::{AuthConfig, KeyConfig, RawKey, validate_keys};
use crate::history_config::HistoryConfig;
use crate::network_account::{
    NetworkAccount, RawNetworkAccount, RawTransactionSync, TransactionSyncConfig, validate_accounts,
};
use crate::program_config::{ProgramConfig, RawProgram};
use crate::source_config::*;
use feedmill_formats::FeedFormat;
use serde::Deserialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// All configured sources, in file order, and the programs that send conversion postbacks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeedConfig {
    pub sources: Vec<SourceConfig>,
    /// The `[auth]` section: whether the API asks for keys.
    pub auth: AuthConfig,
    /// The `[[key]]` entries.
    pub keys: Vec<KeyConfig>,
    /// The `[[program]]` sections (see [`crate::program_config`]).
    pub programs: Vec<ProgramConfig>,
    /// `[[network_account]]`: the accounts whose transactions are synced.
    pub network_accounts: Vec<NetworkAccount>,
    /// `[transactions]`: the sync's window and schedule.
    pub transaction_sync: TransactionSyncConfig,
    /// The `[history]` section (price history recording and retention).
    pub history: HistoryConfig,
    /// The `[alerts]` section.
    pub alerts: crate::alerts_config::AlertsConfig,
    /// The `[web]` section: the comparison page's settings.
    pub web: crate::web_config::WebConfig,
    /// The `[search]` section: the search backend that holds the offers.
    pub search: crate::search_config::SearchConfig,
    /// The `[store]` section: a Postgres store instead of the SQLite file.
    pub store: crate::store_config::StoreConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid toml: {message}")]
    Parse { message: String },
    #[error("source \"{name}\": {message}")]
    Source { name: String, message: String },
    #[error("key \"{name}\": {message}")]
    Key { name: String, message: String },
    #[error("network account \"{name}\": {message}")]
    Account { name: String, message: String },
    #[error("[transactions]: {message}")]
    TransactionSync { message: String },
    #[error(transparent)]
    Web(#[from] crate::web_config::WebConfigError),
    #[error(transparent)]
    Search(#[from] crate::search_config::SearchConfigError),
    #[error("two sources are named \"{name}\"; names must be unique")]
    DuplicateName { name: String },
    #[error("program \"{id}\": {message}")]
    Program { id: String, message: String },
    #[error("two programs have the id \"{id}\"; ids must be unique")]
    DuplicateProgram { id: String },
    /// Any of the above, with the file it was found in.
    #[error("{}: {inner}", .path.display())]
    InFile {
        path: PathBuf,
        inner: Box<ConfigError>,
    },
}

/// Reads and validates a sources file; relative `path`s resolve against its directory.
pub fn load_config(path: &Path) -> Result<FeedConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    FeedConfig::from_toml_str(&text, base_dir).map_err(|inner| ConfigError::InFile {
        path: path.to_path_buf(),
        inner: Box::new(inner),
    })
}

impl FeedConfig {
    pub fn from_toml_str(text: &str, base_dir: &Path) -> Result<FeedConfig, ConfigError> {
        let raw: RawFile = toml::from_str(text).map_err(|err| ConfigError::Parse {
            message: err.to_string().trim_end().to_string(),
        })?;
        let mut names = HashSet::new();
        let mut sources = Vec::with_capacity(raw.source.len());
        for raw_source in raw.source {
            if !names.insert(raw_source.name.clone()) {
                return Err(ConfigError::DuplicateName {
                    name: raw_source.name,
                });
            }
            let name = raw_source.name.clone();
            let source = raw_source
                .validate(base_dir)
                .map_err(|message| ConfigError::Source { name, message })?;
            sources.push(source);
        }
        let keys =
            validate_keys(raw.key).map_err(|(name, message)| ConfigError::Key { name, message })?;
        let programs = validate_programs(raw.program, &sources, base_dir)?;
        let network_accounts = validate_accounts(raw.network_account)
            .map_err(|(name, message)| ConfigError::Account { name, message })?;
        let transaction_sync = match raw.transactions {
            Some(section) => section
                .validate()
                .map_err(|message| ConfigError::TransactionSync { message })?,
            None => TransactionSyncConfig::default(),
        };
        let history = raw
            .history
            .validated()
            .map_err(|message| ConfigError::Parse {
                message: format!("[history]: {message}"),
            })?;
        let web = raw.web.validated()?;
        let search = raw.search.validated()?;
        let store = raw
            .store
            .validated()
            .map_err(|message| ConfigError::Parse { message })?;
        Ok(FeedConfig {
            sources,
            auth: raw.auth.unwrap_or_default(),
            keys,
            programs,
            network_accounts,
            transaction_sync,
            history,
            alerts: raw.alerts,
            web,
            search,
            store,
        })
    }

    pub fn source(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.name == name)
    }
}

fn validate_programs(
    raw: Vec<RawProgram>,
    sources: &[SourceConfig],
    base_dir: &Path,
) -> Result<Vec<ProgramConfig>, ConfigError> {
    let source_names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let mut programs: Vec<ProgramConfig> = Vec::with_capacity(raw.len());
    for raw_program in raw {
        let id = raw_program.id.clone();
        if programs.iter().any(|p| p.id == id) {
            return Err(ConfigError::DuplicateProgram { id });
        }
        let program = raw_program
            .validate(&source_names, base_dir)
            .map_err(|message| ConfigError::Program { id, message })?;
        programs.push(program);
    }
    Ok(programs)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    source: Vec<RawSource>,
    auth: Option<AuthConfig>,
    #[serde(default)]
    key: Vec<RawKey>,
    #[serde(default)]
    program: Vec<RawProgram>,
    #[serde(default)]
    network_account: Vec<RawNetworkAccount>,
    transactions: Option<RawTransactionSync>,
    #[serde(default)]
    history: HistoryConfig,
    #[serde(default)]
    alerts: crate::alerts_config::AlertsConfig,
    #[serde(default)]
    web: crate::web_config::WebConfig,
    #[serde(default)]
    search: crate::search_config::RawSearch,
    #[serde(default)]
    store: crate::store_config::StoreConfig,
}

/// An id written either as a number or a string (`brand_id = 66303` or `"66303"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawId {
    Number(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    network: String,
    format: Option<String>,
    every: Option<String>,
    min_ratio: Option<f64>,
    min_bytes: Option<u64>,
    token_env: Option<String>,
    base_url: Option<String>,
    // adtraction
    program_id: Option<u64>,
    channel_id: Option<u64>,
    feed_id: Option<u64>,
    fetch: Option<String>,
    // partnerboost
    brand_type: Option<String>,
    brand_id: Option<RawId>,
    mcid: Option<String>,
    keywords: Option<String>,
    price_range: Option<String>,
    min_discount: Option<u32>,
    limit: Option<u32>,
    merchant_names: Option<bool>,
    // awin
    feed_ids: Option<Vec<u64>>,
    columns: Option<Vec<String>>,
    // url / file (url also for awin)
    url: Option<String>,
    path: Option<String>,
    // links (any network): how the API builds deep links for this source's offers
    link_network: Option<String>,
    deep_link_template: Option<String>,
    allow_deep_links: Option<bool>,
    merchant_hosts: Option<Vec<String>>,
}

type Invalid = String;

impl RawSource {
    fn validate(self, base_dir: &Path) -> Result<SourceConfig, Invalid> {
        if self.name.trim().is_empty() || self.name.contains('/') || self.name.starts_with('.') {
            return Err("name must be non-empty, without '/' and not start with '.'".into());
        }
        self.check_keys_apply()?;
        let format = validate_format(self.format.as_deref())?;
        let every = self.every.as_deref().map(parse_interval).transpose()?;
        if let Some(ratio) = self.min_ratio
            && !(ratio > 0.0 && ratio <= 1.0)
        {
            return Err(format!("min_ratio must be in (0, 1], got {ratio}"));
        }
        let network = match self.network.as_str() {
            "adtraction" => NetworkConfig::Adtraction(self.adtraction()?),
            "partnerboost" => NetworkConfig::Partnerboost(self.partnerboost(format)?),
            "awin" => NetworkConfig::Awin(self.awin()?),
            "url" => NetworkConfig::Url(UrlConfig {
                url: checked_url("url", self.url.as_deref())?,
            }),
            "file" => NetworkConfig::File(self.file(base_dir)?),
            other => {
                return Err(format!(
                    "unknown network {other:?}; expected adtraction, partnerboost, awin, url or file"
                ));
            }
        };
        let links = self.links()?;
        Ok(SourceConfig {
            name: self.name,
            format,
            every,
            min_ratio: self.min_ratio,
            min_bytes: self.min_bytes.unwrap_or(1),
            network,
            links,
        })
    }

    /// Network-specific keys set on a source of another network are errors.
    fn check_keys_apply(&self) -> Result<(), Invalid> {
        let set: [(&str, bool, &[&str]); 17] = [
            (
                "token_env",
                self.token_env.is_some(),
                &["adtraction", "partnerboost", "awin"],
            ),
            (
                "base_url",
                self.base_url.is_some(),
                &["adtraction", "partnerboost", "awin"],
            ),
            ("program_id", self.program_id.is_some(), &["adtraction"]),
            ("channel_id", self.channel_id.is_some(), &["adtraction"]),
            ("feed_id", self.feed_id.is_some(), &["adtraction"]),
            ("fetch", self.fetch.is_some(), &["adtraction"]),
            ("brand_type", self.brand_type.is_some(), &["partnerboost"]),
            ("brand_id", self.brand_id.is_some(), &["partnerboost"]),
            ("mcid", self.mcid.is_some(), &["partnerboost"]),
            ("keywords", self.keywords.is_some(), &["partnerboost"]),
            ("price_range", self.price_range.is_some(), &["partnerboost"]),
            (
                "min_discount",
                self.min_discount.is_some(),
                &["partnerboost"],
            ),
            ("limit", self.limit.is_some(), &["partnerboost"]),
            (
                "merchant_names",
                self.merchant_names.is_some(),
                &["partnerboost"],
            ),
            ("feed_ids", self.feed_ids.is_some(), &["awin"]),
            ("columns", self.columns.is_some(), &["awin"]),
            ("path", self.path.is_some(), &["file"]),
        ];
        for (key, is_set, networks) in set {
            if is_set && !networks.contains(&self.network.as_str()) {
                return Err(format!(
                    "key `{key}` does not apply to network {}",
                    self.network
                ));
            }
        }
        if self.url.is_some() && !["url", "awin"].contains(&self.network.as_str()) {
            return Err(format!(
                "key `url` does not apply to network {}",
                self.network
            ));
        }
        Ok(())
    }

    fn links(&self) -> Result<LinkSettings, Invalid> {
        if let Some(template) = &self.deep_link_template {
            if !template.contains("{url}") {
                return Err("deep_link_template needs a {url} placeholder".into());
            }
            checked_url(
                "deep_link_template",
                Some(&template.replace(['{', '}'], "")),
            )?;
        }
        const LINK_NETWORKS: [&str; 6] = [
            "adtraction",
            "awin",
            "partnerboost",
            "tradetracker",
            "tradedoubler",
            "template",
        ];
        if let Some(network) = &self.link_network
            && !LINK_NETWORKS.contains(&network.as_str())
        {
            return Err(format!(
                "link_network must be one of {}, got {network:?}",
                LINK_NETWORKS.join(", ")
            ));
        }
        Ok(LinkSettings {
            link_network: self.link_network.clone(),
            deep_link_template: self.deep_link_template.clone(),
            allow_deep_links: self.allow_deep_links.unwrap_or(true),
            merchant_hosts: self.merchant_hosts.clone().unwrap_or_default(),
        })
    }

    fn adtraction(&self) -> Result<AdtractionConfig, Invalid> {
        let fetch = match self.fetch.as_deref() {
            None | Some("api") => AdtractionFetch::Api,
            Some("file") => AdtractionFetch::File,
            Some(other) => return Err(format!("fetch must be \"api\" or \"file\", got {other:?}")),
        };
        Ok(AdtractionConfig {
            token_env: required_env_name("adtraction", self.token_env.as_deref())?,
            base_url: base_url(self.base_url.as_deref(), ADTRACTION_BASE_URL)?,
            program_id: self.program_id.ok_or("adtraction needs program_id")?,
            channel_id: self.channel_id.ok_or("adtraction needs channel_id")?,
            feed_id: self.feed_id,
            fetch,
        })
    }

    fn partnerboost(&self, format: Option<FeedFormat>) -> Result<PartnerboostConfig, Invalid> {
        let xml = match format {
            None | Some(FeedFormat::PartnerboostJson) => false,
            Some(FeedFormat::PartnerboostXml) => true,
            Some(other) => {
                return Err(format!(
                    "partnerboost serves partnerboost-json or partnerboost-xml, not {other}"
                ));
            }
        };
        let limit = self.limit.unwrap_or(PARTNERBOOST_MAX_LIMIT);
        if !(1..=PARTNERBOOST_MAX_LIMIT).contains(&limit) {
            return Err(format!(
                "limit must be 1..={PARTNERBOOST_MAX_LIMIT}, got {limit}"
            ));
        }
        Ok(PartnerboostConfig {
            token_env: required_env_name("partnerboost", self.token_env.as_deref())?,
            base_url: base_url(self.base_url.as_deref(), PARTNERBOOST_BASE_URL)?,
            brand_type: self.brand_type.clone(),
            brand_id: self.brand_id.as_ref().map(|id| match id {
                RawId::Number(n) => n.to_string(),
                RawId::Text(s) => s.clone(),
            }),
            mcid: self.mcid.clone(),
            keywords: self.keywords.clone(),
            price_range: self.price_range.clone(),
            min_discount: self.min_discount,
            limit,
            xml,
            merchant_names: self.merchant_names.unwrap_or(true),
        })
    }

    fn awin(&self) -> Result<AwinConfig, Invalid> {
        let token_env = self
            .token_env
            .as_deref()
            .map(|name| required_env_name("awin", Some(name)))
            .transpose()?;
        let url_template = match (&self.url, &self.feed_ids) {
            (Some(_), Some(_)) => return Err("awin takes either url or feed_ids, not both".into()),
            (None, None) => return Err("awin needs url or feed_ids".into()),
            (Some(_), None) if self.base_url.is_some() => {
                return Err("awin takes base_url only with feed_ids; put the host in url".into());
            }
            (Some(url), None) => {
                checked_url("url", Some(&url.replace("{token}", "token")))?;
                url.clone()
            }
            (None, Some(ids)) => {
                if ids.is_empty() {
                    return Err("feed_ids must not be empty".into());
                }
                let base = base_url(self.base_url.as_deref(), AWIN_BASE_URL)?;
                awin_download_template(&base, ids, self.columns.as_deref())
            }
        };
        if url_template.contains("{token}") && token_env.is_none() {
            return Err("awin needs token_env for the {token} in its url".into());
        }
        Ok(AwinConfig {
            url_template,
            token_env,
        })
    }

    fn file(&self, base_dir: &Path) -> Result<FileConfig, Invalid> {
        let path = self.path.as_deref().ok_or("file needs path")?;
        Ok(FileConfig {
            path: base_dir.join(path),
        })
    }
}

/// Awin's datafeed download URL (gzip CSV) for the given feed ids.
fn awin_download_template(base: &str, feed_ids: &[u64], columns: Option<&[String]>) -> String {
    let ids: Vec<String> = feed_ids.iter().map(u64::to_string).collect();
    let columns = match columns {
        Some(columns) if !columns.is_empty() => format!("columns/{}/", columns.join(",")),
        _ => String::new(),
    };
    format!(
        "{base}/datafeed/download/apikey/{{token}}/fid/{}/{columns}format/csv/delimiter/%2C/compression/gzip/",
        ids.join(",")
    )
}

fn validate_format(format: Option<&str>) -> Result<Option<FeedFormat>, Invalid> {
    match format {
        None | Some("auto") => Ok(None),
        Some(name) => Ok(Some(FeedFormat::from_str(name)?)),
    }
}

fn required_env_name(network: &str, name: Option<&str>) -> Result<String, Invalid> {
    let name = name.ok_or_else(|| format!("{network} needs token_env"))?;
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "token_env must name an environment variable (like \"ADTRACTION_TOKEN\"), got {name:?}; \
             never put the token itself in the config"
        ));
    }
    Ok(name.to_string())
}

fn base_url(given: Option<&str>, default: &str) -> Result<String, Invalid> {
    let url = checked_url("base_url", Some(given.unwrap_or(default)))?;
    Ok(url.trim_end_matches('/').to_string())
}

fn checked_url(key: &str, url: Option<&str>) -> Result<String, Invalid> {
    let text = url.ok_or_else(|| format!("needs {key}"))?;
    let parsed =
        url::Url::parse(text).map_err(|err| format!("{key} {text:?} is not a url: {err}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{key} must be http or https, got {text:?}"));
    }
    Ok(text.to_string())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
