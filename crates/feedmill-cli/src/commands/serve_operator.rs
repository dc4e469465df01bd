//! `feedmill serve`'s [`Operator`]: the API's operator endpoints over the pipeline's scheduler
//! ([`SchedulerHandle`]) and the config file, and [`ServeOperator::reload_all`], the one place
//! a reload (`POST /admin/reload` or SIGHUP) reaches every part that can be reloaded.

use super::postback_programs::postback_programs;
use feedmill_api::PostbackPrograms;
use feedmill_api::auth::{AuthMode, AuthSettings, KeyRing, KeySpec};
use feedmill_api::operator::{
    GuardDecisionView, JobStatus, JobView, Operator, OperatorError, RefreshDetailsView,
    RefreshOutcomeView, RefreshReportView, ReloadSummary,
};
use feedmill_fetch::{FeedConfig, load_config};
use feedmill_pipeline::{ControlError, JobState, RefreshOutcome, RefreshReport, SchedulerHandle};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use tracing::{info, warn};

/// Reads an environment variable; tests pass their own.
pub(super) type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// The API's key settings of `config`, each secret read from the variable its key names.
/// The error names the key and the variable, never a value.
pub(super) fn auth_settings(config: &FeedConfig, env: &EnvLookup) -> Result<AuthSettings, String> {
    let mode = match config.auth.mode {
        feedmill_fetch::AuthMode::Open => AuthMode::Open,
        feedmill_fetch::AuthMode::Keys => AuthMode::Keys,
    };
    let mut keys = Vec::with_capacity(config.keys.len());
    for key in &config.keys {
        let secret = env(&key.value_env)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                format!(
                    "key {:?}: environment variable {} is not set",
                    key.name, key.value_env
                )
            })?;
        keys.push(KeySpec {
            name: key.name.clone(),
            secret,
            actions: key.actions.clone(),
            sources: key.sources.clone(),
            expires_at: key.expires_at,
            requests_per_minute: key.requests_per_minute,
            allowed_origins: key.allowed_origins.clone(),
        });
    }
    if mode == AuthMode::Keys && keys.is_empty() {
        warn!("[auth] mode = \"keys\" without [[key]] entries: only run-time keys will work");
    }
    Ok(AuthSettings { mode, keys })
}

/// See the module doc.
pub(super) struct ServeOperator {
    pub config_path: PathBuf,
    pub scheduler: SchedulerHandle,
    pub keys: Arc<KeyRing>,
    /// Replaces the API's conversion postback programs and their keys.
    pub apply_programs: Box<dyn Fn(PostbackPrograms) + Send + Sync>,
    pub env: Box<EnvLookup>,
}

fn operator_error(err: ControlError) -> OperatorError {
    match err {
        ControlError::UnknownSource(name) => OperatorError::UnknownSource(name),
        ControlError::QueueFull => OperatorError::QueueFull,
        ControlError::Stopped => OperatorError::Unavailable(err.to_string()),
    }
}

impl ServeOperator {
    /// Re-reads the config file and hands each reloadable part its new settings: API keys and
    /// postback programs (both checked whole before anything changes), then the scheduler's
    /// sources. A broken file changes nothing. Link settings of sources are read at start only.
    /// A new reloadable part gets its call here.
    pub fn reload_all(&self) -> Result<ReloadSummary, OperatorError> {
        let invalid = |message: String| OperatorError::InvalidConfig(message);
        let config = load_config(&self.config_path).map_err(|err| invalid(err.to_string()))?;
        let settings = auth_settings(&config, self.env.as_ref()).map_err(invalid)?;
        let programs = postback_programs(&config, self.env.as_ref())
            .map_err(|err| invalid(format!("{err:#}")))?;
        let num_programs = programs.len();
        self.keys.configure(&settings).map_err(invalid)?;
        (self.apply_programs)(programs);
        let num_sources = config.sources.len();
        self.scheduler
            .set_sources(config.sources)
            .map_err(operator_error)?;
        info!(
            num_sources,
            num_keys = settings.keys.len(),
            "configuration reloaded"
        );
        Ok(ReloadSummary {
            num_sources,
            num_keys: settings.keys.len(),
            num_programs,
        })
    }
}

impl Operator for ServeOperator {
    fn refresh(&self, source: &str) -> Result<String, OperatorError> {
        let job_id = self.scheduler.run_now(source).map_err(operator_error)?;
        Ok(job_id.to_string())
    }

    fn job(&self, job_id: &str) -> Option<JobView> {
        let job = self.scheduler.job(job_id.parse().ok()?)?;
        Some(JobView {
            job_id: job.job_id.to_string(),
            source: job.source,
            status: match job.state {
                JobState::Queued => JobStatus::Queued,
                JobState::Running => JobStatus::Running,
                JobState::Succeeded => JobStatus::Succeeded,
                JobState::Failed => JobStatus::Failed,
            },
            report: job.report.map(report_view),
        })
    }

    fn pause(&self, source: &str) -> Result<(), OperatorError> {
        self.scheduler.pause(source).map_err(operator_error)
    }

    fn resume(&self, source: &str) -> Result<(), OperatorError> {
        self.scheduler.resume(source).map_err(operator_error)
    }

    fn paused(&self) -> BTreeSet<String> {
        self.scheduler.paused()
    }

    fn reload(&self) -> Result<ReloadSummary, OperatorError> {
        self.reload_all()
    }

    fn last_report(&self, source: &str) -> Option<RefreshReportView> {
        self.scheduler.last_report(source).map(report_view)
    }
}

/// The pipeline's report as the API writes it.
fn report_view(report: RefreshReport) -> RefreshReportView {
    let outcome = match report.outcome {
        RefreshOutcome::Unchanged => RefreshOutcomeView::Unchanged,
        RefreshOutcome::Ingested {
            num_offers,
            num_previous,
            num_rejected,
        } => RefreshOutcomeView::Ingested {
            num_offers,
            num_previous,
            num_rejected,
        },
        RefreshOutcome::Failed { error } => RefreshOutcomeView::Failed { error },
    };
    let details = report.details.map(|details| RefreshDetailsView {
        num_read: details.num_read,
        num_kept: details.num_kept,
        rejected_by_reason: (details.rejected_by_reason.into_iter())
            .map(|(reason, count)| (reason.as_str().to_string(), count))
            .collect(),
        guard: GuardDecisionView {
            min_ratio: details.guard.min_ratio,
            num_previous: details.guard.num_previous,
            num_offers: details.guard.num_offers,
            overridden: details.guard.overridden,
        },
    });
    RefreshReportView {
        source: report.source,
        outcome,
        duration: report.duration.into(),
        details,
    }
}

/// Reloads on every SIGHUP until the server stops; a failed reload is logged and the old
/// configuration stays.
#[cfg(unix)]
pub(super) async fn reload_on_hangup(operator: Arc<ServeOperator>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        warn!("cannot listen for SIGHUP: reload with POST /admin/reload");
        return;
    };
    while hangups.recv().await.is_some() {
        let operator = operator.clone();
        match tokio::task::spawn_blocking(move || operator.reload_all()).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => warn!(%error, "SIGHUP reload failed; the old configuration stays"),
            Err(error) => warn!(%error, "SIGHUP reload task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const KEYS: &str = "[auth]\nmode = \"keys\"\n[[key]]\nname = \"front\"\nvalue_env = \"FRONT_KEY\"\nactions = [\"search\"]\n";

    #[test]
    fn key_secrets_come_from_the_named_variable() -> Result<(), Box<dyn std::error::Error>> {
        let config = FeedConfig::from_toml_str(KEYS, Path::new("."))?;
        let env = |name: &str| (name == "FRONT_KEY").then(|| "fmk_front-secret-000001".to_string());
        let settings = auth_settings(&config, &env)?;
        assert_eq!(settings.mode, AuthMode::Keys);
        assert_eq!(settings.keys[0].secret, "fmk_front-secret-000001");
        let missing = auth_settings(&config, &|_: &str| None)
            .err()
            .unwrap_or_default();
        assert!(
            missing.contains("FRONT_KEY") && missing.contains("front"),
            "{missing}"
        );
        let open = auth_settings(&FeedConfig::default(), &|_: &str| None)?;
        assert_eq!(open, AuthSettings::default());
        Ok(())
    }
}
