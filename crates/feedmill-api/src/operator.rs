//! [`Operator`]: what the operator endpoints ask of whoever runs the feeds and the config —
//! run a source now, pause and resume it, tell a job's state, reload the configuration. The
//! binary implements it over the pipeline's scheduler (`feedmill serve`); the API only knows
//! this trait, so it never imports the fetch or pipeline crates, and tests use a double.

pub use crate::types::{
    DurationView, GuardDecisionView, RefreshDetailsView, RefreshOutcomeView, RefreshReportView,
};
use serde::Serialize;
use std::collections::BTreeSet;

/// The state of a refresh job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// One refresh job as `GET /jobs/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub job_id: String,
    pub source: String,
    pub status: JobStatus,
    /// The refresh's report once it has finished (its outcome, counts and duration).
    pub report: Option<RefreshReportView>,
}

/// What a reload changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReloadSummary {
    pub num_sources: usize,
    pub num_keys: usize,
    /// Conversion postback programs (`[[program]]`) now in effect.
    pub num_programs: usize,
}

/// Why an operator request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperatorError {
    #[error("no source named {0:?}")]
    UnknownSource(String),
    #[error("the refresh queue is full; try again shortly")]
    QueueFull,
    /// The configuration file is broken; the old configuration stays.
    #[error("the configuration was not reloaded: {0}")]
    InvalidConfig(String),
    #[error("{0}")]
    Unavailable(String),
}

/// See the module doc. Methods are quick: a refresh is queued, not run, by [`Operator::refresh`].
pub trait Operator: Send + Sync {
    /// Queues a refresh of `source` now; returns its job id.
    fn refresh(&self, source: &str) -> Result<String, OperatorError>;
    /// The job `job_id`, if it is known.
    fn job(&self, job_id: &str) -> Option<JobView>;
    /// Stops scheduled refreshes of `source` until it is resumed (a reload keeps the pause).
    fn pause(&self, source: &str) -> Result<(), OperatorError>;
    fn resume(&self, source: &str) -> Result<(), OperatorError>;
    /// The paused sources.
    fn paused(&self) -> BTreeSet<String>;
    /// Re-reads the configuration (keys and sources).
    fn reload(&self) -> Result<ReloadSummary, OperatorError>;
    /// The last refresh report of `source` (kept and rejected records by reason, the guard's
    /// decision, the duration), when one ran in this process.
    fn last_report(&self, _source: &str) -> Option<RefreshReportView> {
        None
    }
}
