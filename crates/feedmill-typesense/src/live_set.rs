//! [`LiveSet`]: each source's live generation, as the `feedmill_meta` collection holds it.
//!
//! A refresh writes its offers under a new generation number, then flips the source's meta
//! document to it (one document write, atomic in Typesense), then deletes the old generation.
//! Searches filter on the live generations, so they see a source's old offers or its new ones,
//! never a mix and never none. Generation numbers are unique across sources (microseconds
//! since the epoch, above every live one), so the filter is one numeric list.

use crate::error::TypesenseError;
use feedmill_search::{Generation, SourceStats};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::hash::{DefaultHasher, Hash, Hasher};

/// One source's meta document: its live generation and the stats of the ingest that wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LiveSource {
    pub source: String,
    pub generation: u64,
    pub stats: SourceStats,
}

/// The meta document as stored: the stats as a JSON string, not indexed.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct MetaDocument {
    pub id: String,
    pub source: String,
    pub generation: u64,
    pub stats: String,
}

impl MetaDocument {
    pub fn of(live: &LiveSource) -> Result<MetaDocument, TypesenseError> {
        Ok(MetaDocument {
            id: live.source.clone(),
            source: live.source.clone(),
            generation: live.generation,
            stats: serde_json::to_string(&live.stats)
                .map_err(|err| TypesenseError::bad_answer("meta document", err))?,
        })
    }

    pub fn into_live(self) -> Result<LiveSource, TypesenseError> {
        let stats = serde_json::from_str(&self.stats)
            .map_err(|err| TypesenseError::bad_answer("meta document stats", err))?;
        Ok(LiveSource {
            source: self.source,
            generation: self.generation,
            stats,
        })
    }
}

/// The meta collection's schema.
pub(crate) fn meta_schema(name: &str) -> Value {
    json!({
        "name": name,
        "fields": [
            {"name": "source", "type": "string", "facet": true},
            {"name": "generation", "type": "int64"},
            {"name": "stats", "type": "string", "index": false, "optional": true},
        ],
    })
}

/// Every source's live generation, sorted by source.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LiveSet {
    sources: Vec<LiveSource>,
}

impl LiveSet {
    pub fn new(mut sources: Vec<LiveSource>) -> LiveSet {
        sources.sort_by(|a, b| a.source.cmp(&b.source));
        LiveSet { sources }
    }

    pub fn sources(&self) -> &[LiveSource] {
        &self.sources
    }

    pub fn get(&self, source: &str) -> Option<&LiveSource> {
        self.sources.iter().find(|live| live.source == source)
    }

    /// True when both name the same generation for every source.
    pub fn same_generations(&self, other: &LiveSet) -> bool {
        self.sources.len() == other.sources.len()
            && self
                .sources
                .iter()
                .zip(&other.sources)
                .all(|(a, b)| a.source == b.source && a.generation == b.generation)
    }

    /// What searches see: changes exactly when a source's live generation does.
    pub fn generation(&self) -> Generation {
        let mut hasher = DefaultHasher::new();
        for live in &self.sources {
            live.source.hash(&mut hasher);
            live.generation.hash(&mut hasher);
        }
        Generation(hasher.finish())
    }

    /// The filter that keeps the live generations' documents. With no source live it matches
    /// nothing: generation 0 is never issued.
    pub fn filter(&self) -> String {
        let generations: Vec<String> = self
            .sources
            .iter()
            .map(|live| live.generation.to_string())
            .collect();
        match generations.is_empty() {
            true => "generation:=0".to_string(),
            false => format!("generation:=[{}]", generations.join(",")),
        }
    }

    pub fn num_offers(&self) -> u64 {
        self.sources.iter().map(|live| live.stats.num_offers).sum()
    }

    /// The number for a new generation: now in microseconds, and above every live one and
    /// `issued` (the last this process handed out), so that it is unique.
    pub fn next_generation(&self, issued: u64, now_micros: u64) -> u64 {
        let highest = self.sources.iter().map(|live| live.generation).max();
        now_micros.max(highest.unwrap_or(0) + 1).max(issued + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn live(source: &str, generation: u64) -> LiveSource {
        LiveSource {
            source: source.into(),
            generation,
            stats: SourceStats {
                source: source.into(),
                num_offers: 10,
                last_ingest_at: Utc::now(),
                last_duration_ms: 1,
                num_rejected: 0,
                content_hash: String::new(),
            },
        }
    }

    #[test]
    fn filters_on_every_live_generation() {
        let set = LiveSet::new(vec![live("b", 7), live("a", 5)]);
        assert_eq!(set.filter(), "generation:=[5,7]");
        assert_eq!(LiveSet::default().filter(), "generation:=0");
        assert_eq!(set.num_offers(), 20);
    }

    #[test]
    fn generations_move_forward_and_differ() {
        let set = LiveSet::new(vec![live("a", 100)]);
        assert_eq!(set.next_generation(0, 50), 101);
        assert_eq!(set.next_generation(200, 50), 201);
        assert_eq!(set.next_generation(0, 1_000), 1_000);
        let flipped = LiveSet::new(vec![live("a", 101)]);
        assert!(!set.same_generations(&flipped));
        assert_ne!(set.generation(), flipped.generation());
        assert!(set.same_generations(&LiveSet::new(vec![live("a", 100)])));
    }
}
