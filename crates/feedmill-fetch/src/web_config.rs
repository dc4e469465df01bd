//! The `[web]` section of the sources file: settings of the comparison page at `/`.
//!
//! ```toml
//! [web]
//! api_key_env = "FEEDMILL_PAGE_KEY"   # the page sends this key as X-Api-Key (a search-only key)
//! ```
//!
//! The key itself never sits in the file: the section names the environment variable that
//! holds it, and [`WebConfig::page_api_key`] reads it when the server starts.

use serde::Deserialize;

/// The `[web]` section; absent means the page sends no key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// The environment variable holding the key the page sends.
    pub api_key_env: Option<String>,
}

/// Why the page's key could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebConfigError {
    #[error("[web] api_key_env {name:?} is not an environment variable name (A-Z, 0-9, _)")]
    BadEnvName { name: String },
    #[error("[web] api_key_env names {name:?}, which is not set or empty")]
    MissingKey { name: String },
}

impl WebConfig {
    /// Checks the section as written (the variable's name, not its value).
    pub(crate) fn validated(self) -> Result<WebConfig, WebConfigError> {
        if let Some(name) = &self.api_key_env {
            let valid = !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid {
                return Err(WebConfigError::BadEnvName { name: name.clone() });
            }
        }
        Ok(self)
    }

    /// The page's key from the environment (`lookup` is `std::env::var` outside tests):
    /// `None` without `api_key_env`, an error when the variable it names is unset or empty.
    pub fn page_api_key(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<String>, WebConfigError> {
        let Some(name) = &self.api_key_env else {
            return Ok(None);
        };
        match lookup(name) {
            Some(value) if !value.trim().is_empty() => Ok(Some(value.trim().to_string())),
            _ => Err(WebConfigError::MissingKey { name: name.clone() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FeedConfig;
    use std::path::Path;

    #[test]
    fn reads_the_key_from_the_variable_the_section_names() -> Result<(), Box<dyn std::error::Error>>
    {
        let config =
            FeedConfig::from_toml_str("[web]\napi_key_env = \"PAGE_KEY\"\n", Path::new("."))?;
        assert_eq!(config.web.api_key_env.as_deref(), Some("PAGE_KEY"));
        let env = |name: &str| (name == "PAGE_KEY").then(|| " s3cret ".to_string());
        assert_eq!(config.web.page_api_key(env)?, Some("s3cret".to_string()));
        let missing = config.web.page_api_key(|_| None);
        assert!(matches!(missing, Err(WebConfigError::MissingKey { .. })));
        assert_eq!(WebConfig::default().page_api_key(env)?, None);
        Ok(())
    }

    #[test]
    fn rejects_unknown_keys_and_bad_names() {
        for text in [
            "[web]\napi_key = \"inline secret\"\n",
            "[web]\napi_key_env = \"not a name\"\n",
            "[web]\napi_key_env = \"\"\n",
        ] {
            let parsed = FeedConfig::from_toml_str(text, Path::new("."));
            assert!(parsed.is_err(), "{text}");
        }
        let absent = FeedConfig::from_toml_str("", Path::new("."));
        assert!(absent.is_ok_and(|config| config.web == WebConfig::default()));
    }
}
