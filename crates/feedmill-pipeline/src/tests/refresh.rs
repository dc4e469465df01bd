//! Refresh jobs and the scheduler over a `file` source.

use super::{SOURCE, TestResult, write_feed};
use crate::OfferStore;
use crate::scheduler::is_due;
use crate::{IngestStages, RefreshOutcome, refresh_all, refresh_source};
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
    let index = OfferStore::from(OfferIndex::open_or_create(&dir.path().join("index"))?);
    let ctx = FetchContext::new(dir.path().join("cache"))?;

    let first = refresh_source(&index, &ctx, &source, false).await;
    let ingested = RefreshOutcome::Ingested {
        num_offers: 15,
        num_previous: 0,
        num_rejected: 0,
    };
    assert_eq!(first.outcome, ingested, "{}", first.summary());
    let details = first
        .details
        .clone()
        .ok_or("an ingest reports its details")?;
    assert_eq!((details.num_read, details.num_kept), (15, 15));
    assert!(details.rejected_by_reason.is_empty());
    assert_eq!(details.guard.min_ratio, 0.8);
    assert!(!details.guard.overridden);
    let again = refresh_source(&index, &ctx, &source, false).await;
    assert_eq!(again.outcome, RefreshOutcome::Unchanged);
    assert!(again.details.is_none(), "an unchanged feed is not parsed");
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
    let index = OfferStore::from(OfferIndex::open_or_create(&dir.path().join("index"))?);
    let ctx = FetchContext::new(dir.path().join("cache"))?;
    let log = RecordedLog::default();
    let now = Utc::now();
    assert!(is_due(&index, &source, &log, now));

    refresh_all(
        &index,
        &ctx,
        std::slice::from_ref(&source),
        &log,
        &IngestStages::default(),
    )
    .await;
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
    refresh_all(
        &index,
        &ctx,
        std::slice::from_ref(&source),
        &log,
        &IngestStages::default(),
    )
    .await;
    let records = log.records();
    let (_, failed) = records.last().ok_or("the failed refresh was not told")?;
    assert!(failed.error.is_some());
    assert_eq!(failed.indexed.map(|i| i.num_offers), Some(8));
    Ok(())
}

/// Waits (a bounded while) until `done` holds.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..400 {
        if done() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    false
}

#[tokio::test]
async fn the_scheduler_skips_paused_sources_and_runs_jobs_on_command() -> TestResult {
    use crate::{ControlError, JobState, run_scheduler, scheduler_channel};
    use std::sync::Arc;
    let dir = tempfile::tempdir()?;
    let feed = write_feed(dir.path(), "feed.csv", 5)?;
    let source = file_source(dir.path(), &feed)?;
    let index = OfferStore::from(OfferIndex::open_or_create(&dir.path().join("index"))?);
    let ctx = FetchContext::new(dir.path().join("cache"))?;
    let log = Arc::new(RecordedLog::default());
    let (handle, control) = scheduler_channel(std::slice::from_ref(&source));
    handle.pause(SOURCE)?;
    assert_eq!(
        handle.pause("nope"),
        Err(ControlError::UnknownSource("nope".into()))
    );
    let tick = std::time::Duration::from_millis(20);
    let scheduler = tokio::spawn(run_scheduler(
        index.clone(),
        ctx,
        vec![source.clone()],
        log.clone(),
        tick,
        control,
        IngestStages::default(),
    ));
    tokio::time::sleep(tick * 5).await;
    assert!(
        log.records().is_empty(),
        "a paused source is not refreshed though due"
    );

    let job_id = handle.run_now(SOURCE)?;
    let finished = eventually(|| {
        handle
            .job(job_id)
            .is_some_and(|j| j.state == JobState::Succeeded)
    })
    .await;
    assert!(finished, "{:?}", handle.job(job_id));
    let job = handle.job(job_id).ok_or("the job is gone")?;
    assert!(job.report.is_some_and(|r| !r.failed()));
    let last = handle.last_report(SOURCE).ok_or("no last report")?;
    let details = last.details.ok_or("an ingest has details")?;
    assert_eq!((details.num_kept, details.guard.num_offers), (5, 5));
    assert_eq!(details.guard.num_previous, 0);
    assert_eq!(
        index.num_offers(),
        5,
        "a run-now runs though the source is paused"
    );
    assert_eq!(
        handle.run_now("nope"),
        Err(ControlError::UnknownSource("nope".into()))
    );

    // A reload that keeps the source keeps its pause; after one that drops it, it is unknown.
    handle.set_sources(vec![source.clone()])?;
    assert_eq!(handle.paused().len(), 1);
    handle.resume(SOURCE)?;
    assert!(handle.paused().is_empty());
    handle.set_sources(Vec::new())?;
    assert_eq!(
        handle.run_now(SOURCE),
        Err(ControlError::UnknownSource(SOURCE.into()))
    );
    scheduler.abort();
    Ok(())
}

#[tokio::test]
async fn a_scheduler_on_standby_runs_nothing_until_it_is_back() -> TestResult {
    use crate::{JobState, run_scheduler, scheduler_channel};
    use std::sync::Arc;
    let dir = tempfile::tempdir()?;
    let feed = write_feed(dir.path(), "feed.csv", 5)?;
    let source = file_source(dir.path(), &feed)?;
    let index = OfferStore::from(OfferIndex::open_or_create(&dir.path().join("index"))?);
    let ctx = FetchContext::new(dir.path().join("cache"))?;
    let log = Arc::new(RecordedLog::default());
    let (handle, control) = scheduler_channel(std::slice::from_ref(&source));
    handle.set_standby(true);
    let tick = std::time::Duration::from_millis(20);
    let scheduler = tokio::spawn(run_scheduler(
        index.clone(),
        ctx,
        vec![source.clone()],
        log.clone(),
        tick,
        control,
        IngestStages::default(),
    ));
    let job_id = handle.run_now(SOURCE)?;
    let refused = eventually(|| {
        handle
            .job(job_id)
            .is_some_and(|j| j.state == JobState::Failed)
    });
    assert!(refused.await, "{:?}", handle.job(job_id));
    tokio::time::sleep(tick * 5).await;
    assert!(
        log.records().is_empty(),
        "a due source is not refreshed on standby"
    );
    assert_eq!(index.num_offers(), 0);

    handle.set_standby(false);
    assert!(
        eventually(|| index.num_offers() == 5).await,
        "refreshed once back"
    );
    scheduler.abort();
    Ok(())
}
