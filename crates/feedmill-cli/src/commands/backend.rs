//! The search backend a command reads and writes, as the sources file's `[search]` section picks
//! it: the tantivy index in `--index` (the default), or a Typesense cluster whose API key comes
//! from the environment variable the section names (never printed). An unknown backend or a
//! missing key fails the command at its start, before anything is read or written.
//!
//! Typesense is reached with a blocking HTTP client, which must never be used or dropped on an
//! async worker: `serve` and `refresh` open it before their runtime starts and drop it only after
//! the runtime is gone.

use crate::cli::DEFAULT_CONFIG;
use anyhow::Context;
use feedmill_fetch::{FeedConfig, SearchConfig, TypesenseSettings, load_config};
use feedmill_index::OfferIndex;
use feedmill_pipeline::OfferStore;
use feedmill_typesense::{TypesenseBackend, TypesenseConfig};
use std::path::Path;
use std::sync::Arc;
use tracing::info;

/// The sources file at `path`; a missing default file is an empty one (tantivy, no sources).
pub(crate) fn config_or_default(path: &Path) -> anyhow::Result<FeedConfig> {
    if !path.exists() && path.as_os_str() == DEFAULT_CONFIG {
        return Ok(FeedConfig::default());
    }
    Ok(load_config(path)?)
}

/// Opens the store `search` names: the index at `index`, or the Typesense cluster.
pub(crate) fn open_offer_store(index: &Path, search: &SearchConfig) -> anyhow::Result<OfferStore> {
    match search {
        SearchConfig::Tantivy => {
            let index = OfferIndex::open_or_create(index)
                .with_context(|| format!("failed to open the index at {}", index.display()))?;
            Ok(OfferStore::Index(index))
        }
        SearchConfig::Typesense(settings) => {
            let backend = connect_typesense(settings, |name| std::env::var(name).ok())?;
            Ok(OfferStore::Backend(Arc::new(backend)))
        }
    }
}

fn connect_typesense(
    settings: &TypesenseSettings,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<TypesenseBackend> {
    let api_key = settings.api_key(env)?;
    let config = TypesenseConfig {
        nodes: settings.nodes.clone(),
        api_key,
        collection: settings.collection.clone(),
    };
    let backend = TypesenseBackend::connect(&config).with_context(|| {
        format!(
            "failed to connect to Typesense at {} (collection {:?})",
            settings.nodes.join(", "),
            settings.collection
        )
    })?;
    info!(
        nodes = %settings.nodes.join(","),
        collection = %settings.collection,
        "search backend: typesense"
    );
    Ok(backend)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_fails_before_connecting_and_names_the_variable() {
        let settings = TypesenseSettings {
            // Nothing listens there; the key check comes first.
            nodes: vec!["http://127.0.0.1:9".into()],
            api_key_env: "FEEDMILL_TEST_TS_KEY".into(),
            collection: "offers".into(),
        };
        let err = connect_typesense(&settings, |_| None).err();
        let message = err.map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(message.contains("FEEDMILL_TEST_TS_KEY"), "{message}");
    }
}
