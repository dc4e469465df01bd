//! What the commands that ingest (`ingest`, `refresh`, `serve`) run around the index: the
//! price history (see `price_history.rs`) and the product matcher (on unless `--no-match`,
//! with the bundled model; `--rematch` decides every offer again). Both keep their state in
//! the one store, opened once when either is on. Matching needs the tantivy index's candidates:
//! on another search backend it is off, said once at start ([`for_store`]).

use super::clicks::open_store;
use super::price_history::history_in;
use crate::cli::{HistoryArgs, MatchingArgs};
use anyhow::Context;
use feedmill_fetch::HistoryConfig;
use feedmill_match::MatcherModel;
use feedmill_pipeline::{IngestStages, OfferStore, ProductMatcher};
use feedmill_store::Store;
use std::path::Path;
use std::sync::Arc;

/// The stages of a command, opening the store at `store_path` when a stage needs it.
pub(crate) fn open_stages(
    history: &HistoryArgs,
    config: HistoryConfig,
    matching: &MatchingArgs,
    store_path: &Path,
) -> anyhow::Result<IngestStages> {
    let history_on = !history.no_history && config.enabled;
    if !history_on && matching.no_match {
        return Ok(IngestStages::default());
    }
    let store: Arc<dyn Store> = open_store(store_path)?;
    stages_in(history, config, matching, store)
}

/// The stages recording in `store` (already open, as `serve`'s is).
pub(crate) fn stages_in(
    history: &HistoryArgs,
    config: HistoryConfig,
    matching: &MatchingArgs,
    store: Arc<dyn Store>,
) -> anyhow::Result<IngestStages> {
    let price_history = match history.no_history || !config.enabled {
        true => None,
        false => Some(history_in(history, config, store.clone())?),
    };
    let matcher = match matching.no_match {
        true => None,
        false => Some(
            ProductMatcher::new(store, Arc::new(bundled_model()?)).rematching_all(matching.rematch),
        ),
    };
    Ok(IngestStages::new(price_history, matcher))
}

/// `stages` for an ingest into `store`: without the matcher when the store is not the index.
pub(crate) fn for_store(stages: IngestStages, store: &OfferStore) -> IngestStages {
    match (store, &stages.matcher) {
        (OfferStore::Backend(_), Some(_)) => {
            tracing::info!(
                "product matching is off: it needs the tantivy index's candidates, and the \
                 typesense backend has none (offers are ingested without products)"
            );
            IngestStages {
                matcher: None,
                ..stages
            }
        }
        _ => stages,
    }
}

fn bundled_model() -> anyhow::Result<MatcherModel> {
    MatcherModel::bundled().context("the bundled matcher model")
}
