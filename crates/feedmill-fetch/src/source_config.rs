//! The validated form of one `[[source]]`: what to fetch and how, per network.
//!
//! [`crate::config`] parses the TOML into a flat raw struct (so unknown keys are errors) and
//! validates it into these types; fetch code only ever sees a [`SourceConfig`]. Secrets are
//! never stored here, only the name of the environment variable that holds them.

use std::path::PathBuf;
use std::time::Duration;

pub const ADTRACTION_BASE_URL: &str = "https://api.adtraction.net/v3";
pub const PARTNERBOOST_BASE_URL: &str = "https://app.partnerboost.com";
pub const AWIN_BASE_URL: &str = "https://productdata.awin.com";

/// PartnerBoost's documented page size maximum.
pub const PARTNERBOOST_MAX_LIMIT: u32 = 100;

/// One feed source: its name (which becomes the offers' `source`) and where its bytes come from.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    pub name: String,
    /// A `feedmill_formats::FeedFormat` name; `None` means auto-detect (or the network's
    /// natural format, see [`SourceConfig::default_format`]).
    pub format: Option<feedmill_formats::FeedFormat>,
    /// Refresh interval when serving.
    pub every: Option<Duration>,
    /// The index's replacement guard: a new feed with fewer offers than this share of the
    /// previous one is not swapped in.
    pub min_ratio: Option<f64>,
    /// Downloads smaller than this are refused as broken (default 1: an empty body).
    pub min_bytes: u64,
    pub network: NetworkConfig,
    /// How deep links to this source's offers are built (read by the API).
    pub links: LinkSettings,
}

/// A source's deep-link settings, keys `link_network`, `deep_link_template`,
/// `allow_deep_links` and `merchant_hosts` of any `[[source]]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkSettings {
    /// The link dialect when the network does not say it (a `url` feed of TradeTracker).
    pub link_network: Option<String>,
    /// A URL with `{url}` (the landing page) and optionally `{subid}`, for other networks.
    pub deep_link_template: Option<String>,
    /// False when the program forbids deep links to other pages than its offers'.
    pub allow_deep_links: bool,
    /// Hosts a link-builder destination may have; empty: those of the source's offers.
    pub merchant_hosts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NetworkConfig {
    Adtraction(AdtractionConfig),
    Partnerboost(PartnerboostConfig),
    Awin(AwinConfig),
    Url(UrlConfig),
    File(FileConfig),
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdtractionConfig {
    pub token_env: String,
    pub base_url: String,
    pub program_id: u64,
    pub channel_id: u64,
    pub feed_id: Option<u64>,
    pub fetch: AdtractionFetch,
}

/// How an Adtraction feed is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdtractionFetch {
    /// `POST /partner/products/feed/`: a JSON array of products.
    Api,
    /// `GET /partner/products/feedinfo/…` then download the feed's `feedUrl` (XML or CSV).
    File,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PartnerboostConfig {
    pub token_env: String,
    pub base_url: String,
    pub brand_type: Option<String>,
    pub brand_id: Option<String>,
    pub mcid: Option<String>,
    pub keywords: Option<String>,
    pub price_range: Option<String>,
    pub min_discount: Option<u32>,
    /// Items per page, 1..=100.
    pub limit: u32,
    /// `type=xml` instead of JSON (chosen with `format = "partnerboost-xml"`).
    pub xml: bool,
    /// Fill a missing `merchant_name` from the brand list (JSON only).
    pub merchant_names: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwinConfig {
    /// The download URL; `{token}` stands for the feed key read from `token_env`.
    pub url_template: String,
    pub token_env: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UrlConfig {
    pub url: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileConfig {
    /// Resolved against the config file's directory.
    pub path: PathBuf,
}

impl SourceConfig {
    /// The network's name as written in the config (`adtraction`, `url`, …).
    pub fn network_name(&self) -> &'static str {
        match &self.network {
            NetworkConfig::Adtraction(_) => "adtraction",
            NetworkConfig::Partnerboost(_) => "partnerboost",
            NetworkConfig::Awin(_) => "awin",
            NetworkConfig::Url(_) => "url",
            NetworkConfig::File(_) => "file",
        }
    }

    /// `network/name`, how errors and logs name the feed.
    pub fn label(&self) -> String {
        format!("{}/{}", self.network_name(), self.name)
    }

    /// The environment variable holding this source's secret, if it has one.
    pub fn token_env(&self) -> Option<&str> {
        match &self.network {
            NetworkConfig::Adtraction(c) => Some(&c.token_env),
            NetworkConfig::Partnerboost(c) => Some(&c.token_env),
            NetworkConfig::Awin(c) => c.token_env.as_deref(),
            NetworkConfig::Url(_) | NetworkConfig::File(_) => None,
        }
    }

    /// The format the normalizer should use when none is configured and the fetch does not
    /// learn it: `None` means auto-detect.
    pub fn default_format(&self) -> Option<&'static str> {
        match &self.network {
            NetworkConfig::Adtraction(c) if c.fetch == AdtractionFetch::Api => {
                Some("adtraction-json")
            }
            NetworkConfig::Adtraction(_) => None,
            NetworkConfig::Partnerboost(c) if c.xml => Some("partnerboost-xml"),
            NetworkConfig::Partnerboost(_) => Some("partnerboost-json"),
            NetworkConfig::Awin(_) => Some("awin-csv"),
            NetworkConfig::Url(_) | NetworkConfig::File(_) => None,
        }
    }
}

/// Parses an interval like `90s`, `30m`, `6h`, `1d` or `1h30m`.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit_secs = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(format!("invalid interval {text:?}: unknown unit {c:?}")),
        };
        let value: u64 = digits
            .parse()
            .map_err(|_| format!("invalid interval {text:?}: expected a number before {c:?}"))?;
        digits.clear();
        total = value
            .checked_mul(unit_secs)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(|| format!("invalid interval {text:?}: too long"))?;
    }
    if !digits.is_empty() {
        return Err(format!(
            "invalid interval {text:?}: a unit is missing (use s, m, h or d, e.g. \"6h\")"
        ));
    }
    if total == 0 {
        return Err(format!(
            "invalid interval {text:?}: must be longer than zero"
        ));
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_intervals() {
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_interval("6h"), Ok(Duration::from_secs(21_600)));
        assert_eq!(parse_interval("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_interval("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_interval("45s"), Ok(Duration::from_secs(45)));
    }

    #[test]
    fn rejects_bad_intervals() {
        for bad in ["", "6", "h", "0m", "6x", "1.5h", "-1h"] {
            assert!(parse_interval(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
