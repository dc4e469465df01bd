//! Refresh jobs and the scheduler over a `file` source.

use super::{SOURCE, TestResult, write_feed};
use crate::scheduler::is_due;
use crate::{RefreshOutcome, refresh_all, refresh_source};
use chrono::{DateTime, Utc};
use feedmill_fetch::{FetchContext, SourceConfig, load_config};
use feedmill_index::OfferIndex;
use feedmill_model::{RefreshLog, RefreshRecord};
use std::path::Path;
use std::sync::Mutex;

/// The refreshes told, in order.
#[derive(Default)]
struct RecordedLog {
    records: Mutex<Vec<(String, RefreshRecord)>>,
}

impl RecordedLog {
    fn records(&self) -> Vec<(String, RefreshRecord)> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl RefreshLog for RecordedLog {
    fn last_attempt(&self, source: &str) -> Option<DateTime<Utc>> {
        let records = self.records();
        let last = records.iter().rev().find(|(name, _)| name == source);
        last.map(|(_, record)| record.started_at)
    }

    fn record(&self, source: &str, refresh: &RefreshRecord) {
        if let Ok(mut records) = self.records.lock() {
            records.push((source.to_string(), refresh.clone()));
        }
    }
}

/// The one source of a sources file naming `feed` (read as generic CSV), refreshed hourly.
fn file_source(dir: &Path, feed: &Path) -> Result<SourceConfig, Box<dyn std::error::Error>> {
    let config = dir.join("feedmill.toml");
    let toml = format!(
        "[[source]]\nname = \"{SOURCE}\"\nnetwork = \"file\"\nformat = \"csv\"\nevery = \"1h\"\npath = {:?}\n",
        feed.display().to_string()
    );
    std::fs::write(&config, toml)?;
    let mut sources = load_config(&config)?.sources;
    sources
        .pop()
        .ok_or_else(|| "the sources file holds no source".into())
}

#[tokio::test]
async fn a_refresh_ingests_then_skips_then_keeps_the_offers_of_a_broken_feed() -> TestResult {
    let dir = tempfile::tempdir()?;
    let feed = write_feed(dir.path(), "feed.csv", 15)?;
    let source = file_source(dir.path(), &feed)?;
    let index = OfferIndex::open_or_create(&dir.path().join("index"))?;
    let ctx = FetchContext::new(dir.path().join("cache"))?;

    let first = refresh_source(&index, &ctx, &source, false).await;
    let ingested = RefreshOutcome::Ingested {
        num_offers: 15,
        num_previous: 0,
        num_rejected: 0,
    };
    assert_eq!(first.outcome, ingested, "{}", first.summary());
    let again = refresh_source(&index, &ctx, &source, false).await;
    assert_eq!(again.outcome, RefreshOutcome::Unchanged);
    assert!(again.summary().contains("shop: unchanged"));

    std::fs::write(&feed, "<html><body>moved</body></html>")?;
    let broken = refresh_source(&index, &ctx, &source, false).await;
    assert!(broken.failed());
    assert!(
        broken.summary().contains("previous offers kept"),
        "{}",
        broken.summary()
    );
    assert_eq!(index.num_offers(), 15);
    Ok(())
}

#[tokio::test]
async fn the_scheduler_tells_each_refresh_and_waits_for_the_interval() -> TestResult {
    let dir = tempfile::tempdir()?;
    let feed = write_feed(dir.path(), "feed.csv", 8)?;
    let source = file_source(dir.path(), &feed)?;
    let index = OfferIndex::open_or_create(&dir.path().join("index"))?;
    let ctx = FetchContext::new(dir.path().join("cache"))?;
    let log = RecordedLog::default();
    let now = Utc::now();
    assert!(is_due(&index, &source, &log, now));

    refresh_all(&index, &ctx, std::slice::from_ref(&source), &log, None).await;
    let records = log.records();
    assert_eq!(records.len(), 1);
    let (name, record) = &records[0];
    assert_eq!(name, SOURCE);
    assert_eq!(record.error, None);
    let indexed = record
        .indexed
        .ok_or("the record lacks the indexed counts")?;
    assert_eq!(indexed.num_offers, 8);
    assert!(!is_due(&index, &source, &log, Utc::now()));
    assert!(is_due(
        &index,
        &source,
        &log,
        Utc::now() + chrono::Duration::hours(2)
    ));

    std::fs::remove_file(&feed)?;
    refresh_all(&index, &ctx, std::slice::from_ref(&source), &log, None).await;
    let records = log.records();
    let (_, failed) = records.last().ok_or("the failed refresh was not told")?;
    assert!(failed.error.is_some());
    assert_eq!(failed.indexed.map(|i| i.num_offers), Some(8));
    Ok(())
}
