//! Per-source metadata, written as the payload of the tantivy commit that changed the source.
//!
//! Keeping it in the commit (not in a side file) makes it exactly as durable as the offers: after
//! a crash the index reopens at its last commit and the metadata read back is that commit's.

use crate::error::IndexError;
use feedmill_search::SourceStats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The commit payload: every source's stats, by source name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct SourceCatalog {
    /// Bumped if the payload layout ever changes; readers reject versions they do not know.
    version: u32,
    sources: BTreeMap<String, SourceStats>,
}

const CATALOG_VERSION: u32 = 1;

impl SourceCatalog {
    /// Reads the payload of a commit; an index never ingested into has none.
    pub fn from_payload(payload: Option<&str>) -> Result<SourceCatalog, IndexError> {
        let Some(payload) = payload.filter(|p| !p.trim().is_empty()) else {
            return Ok(SourceCatalog {
                version: CATALOG_VERSION,
                sources: BTreeMap::new(),
            });
        };
        let catalog: SourceCatalog = serde_json::from_str(payload).map_err(IndexError::Payload)?;
        if catalog.version != CATALOG_VERSION {
            return Err(IndexError::PayloadVersion(catalog.version));
        }
        Ok(catalog)
    }

    pub fn to_payload(&self) -> Result<String, IndexError> {
        serde_json::to_string(self).map_err(IndexError::Payload)
    }

    pub fn get(&self, source: &str) -> Option<&SourceStats> {
        self.sources.get(source)
    }

    /// The catalog with `stats` replacing its source's entry.
    pub fn with(&self, stats: SourceStats) -> SourceCatalog {
        let mut next = self.clone();
        next.version = CATALOG_VERSION;
        next.sources.insert(stats.source.clone(), stats);
        next
    }

    pub fn without(&self, source: &str) -> SourceCatalog {
        let mut next = self.clone();
        next.version = CATALOG_VERSION;
        next.sources.remove(source);
        next
    }

    /// All sources, by name.
    pub fn stats(&self) -> Vec<SourceStats> {
        self.sources.values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn stats(source: &str) -> SourceStats {
        SourceStats {
            source: source.into(),
            num_offers: 3,
            last_ingest_at: DateTime::<Utc>::UNIX_EPOCH,
            last_duration_ms: 1500,
            num_rejected: 1,
            content_hash: "abc".into(),
        }
    }

    #[test]
    fn round_trips_through_the_payload() -> Result<(), IndexError> {
        let catalog = SourceCatalog::from_payload(None)?
            .with(stats("a"))
            .with(stats("b"));
        let back = SourceCatalog::from_payload(Some(&catalog.to_payload()?))?;
        assert_eq!(back, catalog);
        assert_eq!(back.without("a").stats(), vec![stats("b")]);
        Ok(())
    }

    #[test]
    fn rejects_unreadable_payloads() {
        assert!(SourceCatalog::from_payload(Some("not json")).is_err());
        assert!(SourceCatalog::from_payload(Some(r#"{"version":9,"sources":{}}"#)).is_err());
    }

    #[test]
    fn writes_rfc3339_times() -> Result<(), IndexError> {
        let json = SourceCatalog::default().with(stats("a")).to_payload()?;
        assert!(
            json.contains(r#""last_ingest_at":"1970-01-01T00:00:00Z""#),
            "{json}"
        );
        Ok(())
    }
}
