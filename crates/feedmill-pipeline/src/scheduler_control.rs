//! [`SchedulerHandle`]: how the server steers the running scheduler — run a source now (as a
//! job with an id and a state), pause and resume a source, replace the sources after a
//! config reload — and [`SchedulerControl`], the scheduler's end of it.
//!
//! Run-now jobs and new source lists travel over a bounded channel ([`COMMAND_CAPACITY`]); a
//! full channel is an error to the caller, never a wait. Pauses are a shared set the
//! scheduler reads before each due refresh: they take effect at once, are kept by name (so
//! they survive a reload that keeps the source), and never stop a run-now the operator asked
//! for. The job table keeps the last [`MAX_JOBS`] jobs. A scheduler on standby
//! ([`SchedulerHandle::set_standby`]: another replica holds the refresh lease of a shared
//! store) runs nothing, scheduled or asked for, until it is told to run again.

use crate::refresh_job::RefreshReport;
use feedmill_fetch::SourceConfig;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;

/// Commands waiting for the scheduler; more than a handful means it is busy refreshing.
pub const COMMAND_CAPACITY: usize = 32;
/// Jobs remembered for `GET /jobs/{id}`; the oldest are forgotten first.
pub const MAX_JOBS: usize = 256;

/// Where a run-now job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// A run-now job.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub job_id: u64,
    pub source: String,
    pub state: JobState,
    /// The refresh's report once it ended.
    pub report: Option<RefreshReport>,
}

/// Why the scheduler did not take a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("no source named {0:?}")]
    UnknownSource(String),
    #[error("the scheduler's queue is full")]
    QueueFull,
    #[error("the scheduler has stopped")]
    Stopped,
}

pub(crate) enum Command {
    RunNow { job_id: u64, source: String },
    SetSources(Vec<SourceConfig>),
}

/// What the handle and the scheduler share.
#[derive(Default)]
pub(crate) struct Shared {
    pub known: Mutex<BTreeSet<String>>,
    pub paused: Mutex<BTreeSet<String>>,
    pub jobs: Mutex<VecDeque<Job>>,
    /// The last refresh of each source, scheduled, run now or at start.
    pub last_reports: Mutex<BTreeMap<String, RefreshReport>>,
    next_job: AtomicU64,
    /// True while another process runs the refreshes.
    standby: AtomicBool,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub(crate) fn is_standby(&self) -> bool {
        self.standby.load(Ordering::SeqCst)
    }

    pub(crate) fn is_paused(&self, source: &str) -> bool {
        locked(&self.paused).contains(source)
    }

    pub(crate) fn set_known(&self, sources: &[SourceConfig]) {
        *locked(&self.known) = sources.iter().map(|s| s.name.clone()).collect();
    }

    pub(crate) fn keep_report(&self, report: &RefreshReport) {
        locked(&self.last_reports).insert(report.source.clone(), report.clone());
    }

    pub(crate) fn update_job(&self, job_id: u64, state: JobState, report: Option<RefreshReport>) {
        let mut jobs = locked(&self.jobs);
        if let Some(job) = jobs.iter_mut().find(|job| job.job_id == job_id) {
            job.state = state;
            job.report = report;
        }
    }
}

/// The server's end. Cheap to clone.
#[derive(Clone)]
pub struct SchedulerHandle {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

/// The scheduler's end, handed to [`run_scheduler`](crate::run_scheduler).
pub struct SchedulerControl {
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) shared: Arc<Shared>,
}

/// A connected pair for a scheduler that starts with `sources`.
pub fn scheduler_channel(sources: &[SourceConfig]) -> (SchedulerHandle, SchedulerControl) {
    let (sender, receiver) = mpsc::channel(COMMAND_CAPACITY);
    let shared = Arc::new(Shared::default());
    shared.set_known(sources);
    let handle = SchedulerHandle {
        commands: sender,
        shared: shared.clone(),
    };
    (
        handle,
        SchedulerControl {
            commands: receiver,
            shared,
        },
    )
}

impl SchedulerHandle {
    fn check_known(&self, source: &str) -> Result<(), ControlError> {
        if locked(&self.shared.known).contains(source) {
            Ok(())
        } else {
            Err(ControlError::UnknownSource(source.to_string()))
        }
    }

    fn send(&self, command: Command) -> Result<(), ControlError> {
        self.commands.try_send(command).map_err(|err| match err {
            mpsc::error::TrySendError::Full(_) => ControlError::QueueFull,
            mpsc::error::TrySendError::Closed(_) => ControlError::Stopped,
        })
    }

    /// Queues a refresh of `source` now; its job starts as [`JobState::Queued`].
    pub fn run_now(&self, source: &str) -> Result<u64, ControlError> {
        self.check_known(source)?;
        let job_id = self.shared.next_job.fetch_add(1, Ordering::Relaxed) + 1;
        {
            let mut jobs = locked(&self.shared.jobs);
            if jobs.len() == MAX_JOBS {
                jobs.pop_front();
            }
            jobs.push_back(Job {
                job_id,
                source: source.to_string(),
                state: JobState::Queued,
                report: None,
            });
        }
        let sent = self.send(Command::RunNow {
            job_id,
            source: source.to_string(),
        });
        if sent.is_err() {
            locked(&self.shared.jobs).retain(|job| job.job_id != job_id);
        }
        sent.map(|()| job_id)
    }

    pub fn job(&self, job_id: u64) -> Option<Job> {
        let jobs = locked(&self.shared.jobs);
        jobs.iter().find(|job| job.job_id == job_id).cloned()
    }

    /// Puts the scheduler on standby (`true`: it runs no refresh, and a run-now job fails) or
    /// back to work (`false`, as it starts).
    pub fn set_standby(&self, standby: bool) {
        self.shared.standby.store(standby, Ordering::SeqCst);
    }

    /// True while the scheduler is on standby.
    pub fn is_standby(&self) -> bool {
        self.shared.standby.load(Ordering::SeqCst)
    }

    /// Stops scheduled refreshes of `source` (a run-now still runs).
    pub fn pause(&self, source: &str) -> Result<(), ControlError> {
        self.check_known(source)?;
        locked(&self.shared.paused).insert(source.to_string());
        Ok(())
    }

    pub fn resume(&self, source: &str) -> Result<(), ControlError> {
        self.check_known(source)?;
        locked(&self.shared.paused).remove(source);
        Ok(())
    }

    pub fn paused(&self) -> BTreeSet<String> {
        locked(&self.shared.paused).clone()
    }

    /// The last refresh report of `source` this scheduler knows.
    pub fn last_report(&self, source: &str) -> Option<RefreshReport> {
        locked(&self.shared.last_reports).get(source).cloned()
    }

    /// Keeps reports of refreshes run outside the scheduler (the ingest at start).
    pub fn keep_reports(&self, reports: &[RefreshReport]) {
        for report in reports {
            self.shared.keep_report(report);
        }
    }

    /// Replaces the scheduler's sources (after a config reload). Pauses are kept by name.
    pub fn set_sources(&self, sources: Vec<SourceConfig>) -> Result<(), ControlError> {
        self.shared.set_known(&sources);
        self.send(Command::SetSources(sources))
    }
}
