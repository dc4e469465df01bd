//! The `[search]` section of the sources file: which search backend holds the offers.
//!
//! ```toml
//! [search]
//! backend = "typesense"                 # or "tantivy", the default (the on-disk `--index`)
//! nodes = ["http://127.0.0.1:8108", "http://127.0.0.1:8109", "http://127.0.0.1:8110"]
//! api_key_env = "TYPESENSE_API_KEY"     # the default; the key itself is never in the file
//! collection = "feedmill_offers"        # the default
//! ```
//!
//! The section is checked as written when the file loads (a backend that is not one of the two,
//! Typesense without nodes, settings that do not apply to tantivy); the key is read from the
//! environment by [`TypesenseSettings::api_key`] when a command starts, and never printed.

use serde::Deserialize;

/// The environment variable that holds the Typesense API key unless `api_key_env` says.
pub const DEFAULT_TYPESENSE_KEY_ENV: &str = "TYPESENSE_API_KEY";
/// The offers collection unless `collection` says (its meta collection is this + `_meta`).
pub const DEFAULT_TYPESENSE_COLLECTION: &str = "feedmill_offers";

/// Where the offers are searched and written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SearchConfig {
    /// The tantivy index in the command's `--index` folder.
    #[default]
    Tantivy,
    Typesense(TypesenseSettings),
}

/// `backend = "typesense"`: the nodes, where the key is, the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypesenseSettings {
    /// Base URLs of the nodes (`http://host:port`), as written.
    pub nodes: Vec<String>,
    /// The environment variable holding the API key.
    pub api_key_env: String,
    pub collection: String,
}

/// Why the section or its key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchConfigError {
    #[error(
        "[search] backend {0:?} is not a search backend: expected \"tantivy\" or \"typesense\""
    )]
    UnknownBackend(String),
    #[error("[search] {0}")]
    Invalid(String),
    #[error(
        "[search] backend \"typesense\" needs its API key in the environment variable {name:?}, \
         which is not set or empty"
    )]
    MissingKey { name: String },
}

/// The section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSearch {
    backend: Option<String>,
    nodes: Option<Vec<String>>,
    api_key_env: Option<String>,
    collection: Option<String>,
}

impl RawSearch {
    pub(crate) fn validated(self) -> Result<SearchConfig, SearchConfigError> {
        match self.backend.as_deref().map(str::trim).unwrap_or("tantivy") {
            "tantivy" => self.tantivy(),
            "typesense" => self.typesense(),
            other => Err(SearchConfigError::UnknownBackend(other.to_string())),
        }
    }

    fn tantivy(self) -> Result<SearchConfig, SearchConfigError> {
        let typesense_keys = [
            ("nodes", self.nodes.is_some()),
            ("api_key_env", self.api_key_env.is_some()),
            ("collection", self.collection.is_some()),
        ];
        match typesense_keys.iter().find(|(_, given)| *given) {
            Some((key, _)) => Err(SearchConfigError::Invalid(format!(
                "{key} applies to backend \"typesense\" only"
            ))),
            None => Ok(SearchConfig::Tantivy),
        }
    }

    fn typesense(self) -> Result<SearchConfig, SearchConfigError> {
        let nodes: Vec<String> = self
            .nodes
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.trim().to_string())
            .collect();
        if nodes.is_empty() {
            return Err(SearchConfigError::Invalid(
                "backend \"typesense\" needs nodes = [\"http://host:port\", ...]".into(),
            ));
        }
        if let Some(bad) = nodes
            .iter()
            .find(|n| !(n.starts_with("http://") || n.starts_with("https://")))
        {
            return Err(SearchConfigError::Invalid(format!(
                "node {bad:?} is not an http:// or https:// URL"
            )));
        }
        let api_key_env = self
            .api_key_env
            .unwrap_or_else(|| DEFAULT_TYPESENSE_KEY_ENV.to_string());
        if !is_env_name(&api_key_env) {
            return Err(SearchConfigError::Invalid(format!(
                "api_key_env {api_key_env:?} is not an environment variable name (A-Z, 0-9, _)"
            )));
        }
        let collection = self
            .collection
            .unwrap_or_else(|| DEFAULT_TYPESENSE_COLLECTION.to_string());
        let valid_collection = !collection.is_empty()
            && collection
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid_collection {
            return Err(SearchConfigError::Invalid(format!(
                "collection {collection:?} is not a name (letters, digits, _ and -)"
            )));
        }
        Ok(SearchConfig::Typesense(TypesenseSettings {
            nodes,
            api_key_env,
            collection,
        }))
    }
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl TypesenseSettings {
    /// The API key from the environment (`lookup` is `std::env::var` outside tests).
    pub fn api_key(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<String, SearchConfigError> {
        match lookup(&self.api_key_env) {
            Some(key) if !key.trim().is_empty() => Ok(key.trim().to_string()),
            _ => Err(SearchConfigError::MissingKey {
                name: self.api_key_env.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SearchConfig, SearchConfigError> {
        let raw: RawSearch =
            toml::from_str(text).map_err(|e| SearchConfigError::Invalid(e.to_string()))?;
        raw.validated()
    }

    #[test]
    fn tantivy_is_the_default_and_takes_no_typesense_keys() {
        assert_eq!(parse(""), Ok(SearchConfig::Tantivy));
        assert_eq!(parse("backend = \"tantivy\""), Ok(SearchConfig::Tantivy));
        let err = parse("nodes = [\"http://127.0.0.1:8108\"]");
        assert!(matches!(err, Err(SearchConfigError::Invalid(m)) if m.contains("nodes")));
    }

    #[test]
    fn typesense_needs_nodes_and_has_defaults() {
        let config = parse("backend = \"typesense\"\nnodes = [\"http://127.0.0.1:8108\"]");
        let expected = TypesenseSettings {
            nodes: vec!["http://127.0.0.1:8108".into()],
            api_key_env: DEFAULT_TYPESENSE_KEY_ENV.into(),
            collection: DEFAULT_TYPESENSE_COLLECTION.into(),
        };
        assert_eq!(config, Ok(SearchConfig::Typesense(expected)));
        assert!(parse("backend = \"typesense\"").is_err());
        assert!(parse("backend = \"typesense\"\nnodes = [\"127.0.0.1:8108\"]").is_err());
        let err = parse("backend = \"elastic\"");
        assert_eq!(
            err,
            Err(SearchConfigError::UnknownBackend("elastic".into()))
        );
        assert!(
            parse("backend = \"typesense\"\nnodes = [\"http://a\"]\ncollection = \"a b\"").is_err()
        );
        assert!(parse("backend = \"typesense\"\nnodes = [\"http://a\"]\nport = 1").is_err());
    }

    #[test]
    fn the_key_comes_from_the_named_variable_and_is_never_in_the_message() {
        let settings = TypesenseSettings {
            nodes: vec!["http://127.0.0.1:8108".into()],
            api_key_env: "TS_KEY".into(),
            collection: "offers".into(),
        };
        let key = settings.api_key(|name| (name == "TS_KEY").then(|| " s3cret ".to_string()));
        assert_eq!(key, Ok("s3cret".to_string()));
        let missing = settings.api_key(|_| None);
        assert!(
            matches!(&missing, Err(SearchConfigError::MissingKey { name }) if name == "TS_KEY")
        );
        let empty = settings.api_key(|_| Some("  ".into()));
        assert!(empty.is_err());
    }
}
