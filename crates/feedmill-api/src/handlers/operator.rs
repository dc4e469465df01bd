//! The operator's endpoints (admin keys): `POST /sources/{name}/refresh` (202 with a job id),
//! `GET /jobs/{id}`, `POST /sources/{name}/pause` and `/resume`, and `POST /admin/reload`. They
//! ask the [`Operator`](crate::operator::Operator) the binary attached; without one they
//! answer 503.

use crate::error::{ApiError, ErrorCode};
use crate::operator::{JobView, Operator, OperatorError, ReloadSummary};
use crate::state::AppState;
use crate::types::{JobQueued, PauseState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use std::sync::Arc;

fn operator(state: &AppState) -> Result<Arc<dyn Operator>, ApiError> {
    state.operator().ok_or_else(|| {
        let message = "this server runs no scheduler and no config file to operate";
        ApiError::new(ErrorCode::OperatorUnavailable, message)
    })
}

impl From<OperatorError> for ApiError {
    fn from(err: OperatorError) -> ApiError {
        let code = match &err {
            OperatorError::UnknownSource(_) => ErrorCode::SourceNotFound,
            OperatorError::QueueFull | OperatorError::Unavailable(_) => {
                ErrorCode::OperatorUnavailable
            }
            OperatorError::InvalidConfig(_) => ErrorCode::InvalidConfig,
        };
        ApiError::new(code, err.to_string())
    }
}

#[utoipa::path(
    post,
    path = crate::route_paths::SOURCE_REFRESH,
    summary = "Refreshes a source now",
    description = "",
    params(crate::openapi::handler_params::SourceNamePath),
    responses(
        (status = 202, description = r#"Queued: {"job_id": ...}"#, body = crate::types::JobQueued),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::SourceNotFound,
        crate::openapi::handler_params::OperatorUnavailable,
    )
)]
pub(crate) async fn refresh_source(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<JobQueued>), ApiError> {
    let job_id = operator(&state)?.refresh(&name)?;
    tracing::info!(source = %name, job = %job_id, "refresh queued by the operator");
    Ok((StatusCode::ACCEPTED, Json(JobQueued { job_id })))
}

#[utoipa::path(
    get,
    path = crate::route_paths::JOB,
    summary = "A refresh job's state and report",
    description = "",
    params(crate::openapi::handler_params::JobIdPath),
    responses(
        (status = 200, description = "The job", body = crate::operator::JobView),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::SourceNotFound,
        crate::openapi::handler_params::OperatorUnavailable,
    )
)]
pub(crate) async fn job(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job = operator(&state)?.job(&id);
    job.map(Json)
        .ok_or_else(|| ApiError::new(ErrorCode::JobNotFound, format!("no job {id:?}")))
}

#[utoipa::path(
    post,
    path = crate::route_paths::SOURCE_PAUSE,
    summary = "Pauses a source's scheduled refreshes",
    description = "",
    params(crate::openapi::handler_params::SourceNamePath),
    responses(
        (status = 200, description = "The source's pause state", body = crate::types::PauseState),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::SourceNotFound,
        crate::openapi::handler_params::OperatorUnavailable,
    )
)]
pub(crate) async fn pause_source(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<PauseState>, ApiError> {
    operator(&state)?.pause(&name)?;
    tracing::info!(source = %name, "source paused");
    Ok(Json(PauseState {
        source: name,
        paused: true,
    }))
}

#[utoipa::path(
    post,
    path = crate::route_paths::SOURCE_RESUME,
    summary = "Resumes a source's scheduled refreshes",
    description = "",
    params(crate::openapi::handler_params::SourceNamePath),
    responses(
        (status = 200, description = "The source's pause state", body = crate::types::PauseState),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::SourceNotFound,
        crate::openapi::handler_params::OperatorUnavailable,
    )
)]
pub(crate) async fn resume_source(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<PauseState>, ApiError> {
    operator(&state)?.resume(&name)?;
    tracing::info!(source = %name, "source resumed");
    Ok(Json(PauseState {
        source: name,
        paused: false,
    }))
}

/// Reloading reads files: it runs off the async workers.
#[utoipa::path(
    post,
    path = crate::route_paths::ADMIN_RELOAD,
    summary = "Re-reads the configuration (sources, keys and postback programs); a broken file is a 400 and changes nothing",
    description = "",
    responses(
        (status = 200, description = "Reloaded", body = crate::operator::ReloadSummary),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::OperatorUnavailable,
    )
)]
pub(crate) async fn reload(State(state): State<AppState>) -> Result<Json<ReloadSummary>, ApiError> {
    let operator = operator(&state)?;
    let summary = tokio::task::spawn_blocking(move || operator.reload())
        .await
        .map_err(|err| ApiError::internal("reload task", err))??;
    tracing::info!(
        num_sources = summary.num_sources,
        num_keys = summary.num_keys,
        "configuration reloaded"
    );
    Ok(Json(summary))
}
