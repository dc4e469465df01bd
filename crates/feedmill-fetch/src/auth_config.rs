//! The `[auth]` section and the `[[key]]` entries of the sources file: whether the API wants
//! keys, and the keys an operator configures. A key's secret never sits in the file: the file
//! names the environment variable that holds it (`value_env`), read when the file is loaded.
//!
//! The actions a key names (`search`, `links`, `admin`, ...) are checked by the API, which owns
//! them; this module checks the shape of each entry.
//!
//! ```toml
//! [auth]
//! mode = "keys"                       # "open" (the default): no key needed
//!
//! [[key]]
//! name = "storefront"
//! value_env = "FEEDMILL_SEARCH_KEY"
//! actions = ["search"]
//! allowed_origins = ["https://shop.example"]
//! requests_per_minute = 600
//! expires_at = "2027-01-01T00:00:00Z"
//! ```

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashSet;

/// Whether the API asks for keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// No key needed (the demo's setting, and today's behaviour).
    #[default]
    Open,
    /// Every route but the click-out, the health check and the OpenAPI document needs a key.
    Keys,
}

/// The `[auth]` section.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub mode: AuthMode,
}

/// One `[[key]]` entry, validated; its secret is still only the name of a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyConfig {
    pub name: String,
    /// The environment variable holding the secret.
    pub value_env: String,
    pub actions: Vec<String>,
    /// A source-name pattern (`shop-*`) the key is limited to.
    pub sources: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub requests_per_minute: Option<u32>,
    /// Browser origins that may call with this key (CORS); empty for no browser use.
    pub allowed_origins: Vec<String>,
}

/// A `[[key]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawKey {
    name: String,
    value_env: String,
    actions: Vec<String>,
    sources: Option<String>,
    expires_at: Option<String>,
    requests_per_minute: Option<u32>,
    #[serde(default)]
    allowed_origins: Vec<String>,
}

/// Validates the `[[key]]` entries: names unique, a variable and an action each, an RFC 3339
/// expiry, a positive rate limit. The error names the key.
pub(crate) fn validate_keys(raw: Vec<RawKey>) -> Result<Vec<KeyConfig>, (String, String)> {
    let mut names = HashSet::new();
    let mut keys = Vec::with_capacity(raw.len());
    for key in raw {
        let fail = |message: &str| (key.name.clone(), message.to_string());
        if key.name.trim().is_empty() {
            return Err(fail("name must not be empty"));
        }
        if !names.insert(key.name.clone()) {
            return Err(fail("two keys have this name; names must be unique"));
        }
        if key.value_env.trim().is_empty() {
            return Err(fail("value_env must name an environment variable"));
        }
        if key.actions.is_empty() {
            return Err(fail("actions must list at least one action"));
        }
        if key.requests_per_minute == Some(0) {
            return Err(fail("requests_per_minute must be at least 1"));
        }
        let expires_at = match key.expires_at.as_deref() {
            None => None,
            Some(text) => Some(
                DateTime::parse_from_rfc3339(text)
                    .map_err(|err| fail(&format!("expires_at {text:?} is not RFC 3339: {err}")))?
                    .with_timezone(&Utc),
            ),
        };
        keys.push(KeyConfig {
            name: key.name,
            value_env: key.value_env,
            actions: key.actions,
            sources: key.sources,
            expires_at,
            requests_per_minute: key.requests_per_minute,
            allowed_origins: key.allowed_origins,
        });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use crate::{AuthMode, ConfigError, FeedConfig};
    use std::path::Path;

    fn parse(text: &str) -> Result<FeedConfig, ConfigError> {
        FeedConfig::from_toml_str(text, Path::new("."))
    }

    fn error_of(text: &str) -> String {
        parse(text).map_or_else(|err| err.to_string(), |_| "parsed".into())
    }

    #[test]
    fn the_default_is_open_without_keys() -> Result<(), ConfigError> {
        let config = parse("")?;
        assert_eq!(config.auth.mode, AuthMode::Open);
        assert!(config.keys.is_empty());
        Ok(())
    }

    #[test]
    fn keys_are_read_with_every_field() -> Result<(), ConfigError> {
        let config = parse(
            r#"
[auth]
mode = "keys"

[[key]]
name = "storefront"
value_env = "FEEDMILL_SEARCH_KEY"
actions = ["search"]
sources = "shop-*"
allowed_origins = ["https://shop.example"]
requests_per_minute = 600
expires_at = "2027-01-01T00:00:00+01:00"

[[key]]
name = "operator"
value_env = "FEEDMILL_ADMIN_KEY"
actions = ["admin"]
"#,
        )?;
        assert_eq!(config.auth.mode, AuthMode::Keys);
        let [storefront, operator] = config.keys.as_slice() else {
            panic!("two keys expected, got {:?}", config.keys);
        };
        assert_eq!(storefront.value_env, "FEEDMILL_SEARCH_KEY");
        assert_eq!(storefront.sources.as_deref(), Some("shop-*"));
        assert_eq!(storefront.requests_per_minute, Some(600));
        assert_eq!(storefront.allowed_origins, ["https://shop.example"]);
        assert_eq!(
            storefront.expires_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-12-31T23:00:00+00:00")
        );
        assert_eq!(operator.actions, ["admin"]);
        assert!(operator.expires_at.is_none() && operator.allowed_origins.is_empty());
        Ok(())
    }

    #[test]
    fn bad_keys_are_named_in_the_error() {
        let key = |extra: &str| {
            format!("[[key]]\nname = \"k\"\nvalue_env = \"K\"\nactions = [\"search\"]\n{extra}")
        };
        assert!(error_of("[auth]\nmode = \"closed\"\n").contains("mode"));
        assert!(error_of("[auth]\nmodes = \"keys\"\n").contains("modes"));
        assert!(error_of(&key("value = \"secret\"\n")).contains("unknown field `value`"));
        assert!(error_of(&key("expires_at = \"tomorrow\"\n")).contains("key \"k\": expires_at"));
        assert!(error_of(&key("requests_per_minute = 0\n")).contains("at least 1"));
        let twice = format!("{}{}", key(""), key(""));
        assert!(error_of(&twice).contains("names must be unique"));
        let no_actions = "[[key]]\nname = \"k\"\nvalue_env = \"K\"\nactions = []\n";
        assert!(error_of(no_actions).contains("at least one action"));
        let no_env = "[[key]]\nname = \"k\"\nvalue_env = \" \"\nactions = [\"search\"]\n";
        assert!(error_of(no_env).contains("value_env"));
    }
}
