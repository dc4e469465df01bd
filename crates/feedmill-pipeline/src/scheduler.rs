//! Keeps configured sources fresh while serving: each source with `every` is refreshed when its
//! last ingest (or attempt) is that old, one refresh at a time (ingests share the index's
//! single writer and the machine's two cores), without blocking queries. Each refresh is told
//! to a [`RefreshLog`] (the API's `SourceStatusBoard`, in `feedmill serve`).
//!
//! [`run_scheduler`] also takes commands from a [`SchedulerHandle`](crate::SchedulerHandle)
//! (`scheduler_control`): run a source now, replace the sources after a reload; it skips the
//! sources the handle paused, and runs nothing while the handle has it on standby.

use crate::ingest_stages::IngestStages;
use crate::offer_store::OfferStore;
use crate::refresh_job::{RefreshReport, refresh_source_recorded};
use crate::scheduler_control::{Command, JobState, SchedulerControl, scheduler_channel};
use chrono::{DateTime, Utc};
use feedmill_fetch::{FetchContext, SourceConfig};
use feedmill_model::{IndexedSource, RefreshLog, RefreshRecord};
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

/// How often the scheduler looks for sources that are due.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(5);

/// Refreshes every source once, now (an empty index at start-up), through the ingest
/// `stages` (price history, product matcher); returns their reports.
pub async fn refresh_all(
    store: &OfferStore,
    ctx: &FetchContext,
    sources: &[SourceConfig],
    log: &dyn RefreshLog,
    stages: &IngestStages,
) -> Vec<RefreshReport> {
    let mut reports = Vec::with_capacity(sources.len());
    for source in sources {
        reports.push(refresh_and_record(store, ctx, source, log, stages).await);
    }
    reports
}

/// Runs until aborted: refreshes each scheduled source when it is due, looking every `tick`,
/// through the ingest `stages`. Without scheduled sources it returns at once
/// (nothing could ever be due).
pub async fn run_schedule(
    store: OfferStore,
    ctx: FetchContext,
    sources: Vec<SourceConfig>,
    log: Arc<dyn RefreshLog>,
    tick: Duration,
    stages: IngestStages,
) {
    if sources.iter().all(|s| s.every.is_none()) {
        return;
    }
    let (_handle, control) = scheduler_channel(&sources);
    run_scheduler(store, ctx, sources, log, tick, control, stages).await;
}

/// [`run_schedule`] steered by `control`: runs until aborted, refreshing each due source that
/// is not paused, and between refreshes the jobs and source lists the handle sends.
pub async fn run_scheduler(
    store: OfferStore,
    ctx: FetchContext,
    mut sources: Vec<SourceConfig>,
    log: Arc<dyn RefreshLog>,
    tick: Duration,
    mut control: SchedulerControl,
    stages: IngestStages,
) {
    let mut commands_open = true;
    loop {
        let standby = control.shared.is_standby();
        for source in sources.iter().filter(|s| s.every.is_some() && !standby) {
            if control.shared.is_paused(&source.name) {
                continue;
            }
            if is_due(&store, source, log.as_ref(), Utc::now()) {
                let report = refresh_and_record(&store, &ctx, source, log.as_ref(), &stages).await;
                control.shared.keep_report(&report);
            }
        }
        let command = if commands_open {
            tokio::select! {
                command = control.commands.recv() => command,
                () = tokio::time::sleep(tick) => continue,
            }
        } else {
            tokio::time::sleep(tick).await;
            continue;
        };
        match command {
            None => commands_open = false,
            Some(Command::SetSources(new)) => {
                info!(num_sources = new.len(), "scheduler sources replaced");
                sources = new;
            }
            Some(Command::RunNow { job_id, source }) => {
                let job = JobRunner {
                    log: log.as_ref(),
                    control: &control,
                    stages: &stages,
                };
                job.run(&store, &ctx, &sources, job_id, &source).await;
            }
        }
    }
}

/// Where a run-now job tells what it did.
struct JobRunner<'a> {
    log: &'a dyn RefreshLog,
    control: &'a SchedulerControl,
    stages: &'a IngestStages,
}

impl JobRunner<'_> {
    /// One run-now job: the source's refresh, its state told to the job table.
    async fn run(
        &self,
        store: &OfferStore,
        ctx: &FetchContext,
        sources: &[SourceConfig],
        job_id: u64,
        name: &str,
    ) {
        let JobRunner {
            log,
            control,
            stages,
        } = *self;
        let Some(source) = sources.iter().find(|s| s.name == name) else {
            // Removed by a reload after the job was queued.
            warn!(source = %name, job_id, "run-now job for a source no longer configured");
            control.shared.update_job(job_id, JobState::Failed, None);
            return;
        };
        if control.shared.is_standby() {
            warn!(source = %name, job_id, "run-now job refused: another process runs the refreshes");
            control.shared.update_job(job_id, JobState::Failed, None);
            return;
        }
        control.shared.update_job(job_id, JobState::Running, None);
        let report = refresh_and_record(store, ctx, source, log, stages).await;
        control.shared.keep_report(&report);
        let state = if report.failed() {
            JobState::Failed
        } else {
            JobState::Succeeded
        };
        control.shared.update_job(job_id, state, Some(report));
    }
}

/// Due at `now` when neither an ingest nor an attempt happened within the source's interval.
pub(crate) fn is_due(
    store: &OfferStore,
    source: &SourceConfig,
    log: &dyn RefreshLog,
    now: DateTime<Utc>,
) -> bool {
    let Some(every) = source
        .every
        .and_then(|e| chrono::Duration::from_std(e).ok())
    else {
        return false;
    };
    let last_ingest = store
        .source_stats(&source.name)
        .ok()
        .flatten()
        .map(|s| s.last_ingest_at);
    let last_attempt = log.last_attempt(&source.name);
    let last: Option<DateTime<Utc>> = last_ingest.max(last_attempt);
    last.is_none_or(|last| now - last >= every)
}

async fn refresh_and_record(
    store: &OfferStore,
    ctx: &FetchContext,
    source: &SourceConfig,
    log: &dyn RefreshLog,
    stages: &IngestStages,
) -> RefreshReport {
    let started_at = Utc::now();
    let report = refresh_source_recorded(store, ctx, source, false, stages).await;
    match report.error() {
        Some(error) => warn!(source = %source.name, %error, "refresh failed; previous offers kept"),
        None => info!(source = %source.name, "{}", report.summary()),
    }
    log.record(&source.name, &record_of(store, started_at, &report));
    report
}

/// The refresh as its log keeps it; the offers and rejects are what the index holds now (the
/// previous offers when the refresh failed).
pub(crate) fn record_of(
    store: &OfferStore,
    started_at: DateTime<Utc>,
    report: &RefreshReport,
) -> RefreshRecord {
    let indexed = store
        .source_stats(&report.source)
        .ok()
        .flatten()
        .map(|s| IndexedSource {
            num_offers: s.num_offers,
            num_rejected: s.num_rejected,
        });
    RefreshRecord {
        started_at,
        duration: report.duration,
        error: report.error().map(str::to_string),
        indexed,
    }
}
