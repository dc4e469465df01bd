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

    /// The floor's document: `generation` is the highest of a removed source.
    pub fn floor(generation: u64) -> MetaDocument {
        MetaDocument {
            id: FLOOR_ID.to_string(),
            source: FLOOR_ID.to_string(),
            generation,
            stats: String::new(),
        }
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

/// The id (and source) of the meta document that holds the highest generation of a removed
/// source: a backtick never names a source.
pub(crate) const FLOOR_ID: &str = "`removed`";

/// Every source's live generation, sorted by source, and the floor: the highest generation
/// of a source removed since.
///
/// Generations only grow, and a removal raises the floor above every live one, so a node's
/// [`LiveSet::high_water`] never goes down on a node that has caught up. A node that shows
/// less than this process saw before is replaying its log: Typesense serves reads from such a
/// node (it says `/health` ok while fewer than 1,000 entries behind), and what it answers is
/// the past.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LiveSet {
    sources: Vec<LiveSource>,
    floor: u64,
}

impl LiveSet {
    pub fn new(mut sources: Vec<LiveSource>) -> LiveSet {
        sources.sort_by(|a, b| a.source.cmp(&b.source));
        LiveSet { sources, floor: 0 }
    }

    /// The live set the meta collection's documents describe (the floor's among them).
    pub fn of_documents(documents: Vec<MetaDocument>) -> Result<LiveSet, TypesenseError> {
        let mut sources = Vec::with_capacity(documents.len());
        let mut floor = 0;
        for document in documents {
            match document.id == FLOOR_ID {
                true => floor = document.generation,
                false => sources.push(document.into_live()?),
            }
        }
        Ok(LiveSet {
            floor,
            ..LiveSet::new(sources)
        })
    }

    /// The highest generation this set knows of, live or removed.
    pub fn high_water(&self) -> u64 {
        let highest_live = self.sources.iter().map(|live| live.generation).max();
        highest_live.unwrap_or(0).max(self.floor)
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
        now_micros.max(self.high_water() + 1).max(issued + 1)
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
    fn the_floor_is_no_source_and_keeps_the_high_water_up() -> Result<(), TypesenseError> {
        let documents = vec![
            MetaDocument::of(&live("a", 100))?,
            MetaDocument::floor(300),
            MetaDocument::of(&live("b", 200))?,
        ];
        let set = LiveSet::of_documents(documents)?;
        assert_eq!(set.sources().len(), 2);
        assert_eq!(set.filter(), "generation:=[100,200]");
        assert_eq!(set.high_water(), 300);
        assert_eq!(set.next_generation(0, 50), 301);
        assert!(set.same_generations(&LiveSet::new(vec![live("b", 200), live("a", 100)])));
        assert_eq!(LiveSet::new(vec![live("a", 100)]).high_water(), 100);
        assert_eq!(LiveSet::default().high_water(), 0);
        Ok(())
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
