//! `POST /links/generate` and `POST /links/generate-batch`: tracking links in the shape of
//! Awin's link builder (`seeds/awin-linkbuilder.txt`), for any source in the index. The request
//! and response types are in [`crate::types::link_request`].

use crate::error::{ApiError, ErrorCode};
use crate::json_body::ApiJson;
use crate::link_directory::Target;
use crate::state::AppState;
use crate::types::{BatchItem, BatchRequest, BatchResponse, LinkRequest, LinkResponse, MAX_BATCH};
use axum::Json;
use axum::extract::State;
use serde_json::Value;

#[utoipa::path(
    post,
    path = crate::route_paths::LINKS_GENERATE,
    summary = "A tracking link (Awin link-builder shape)",
    description = "",
    request_body = crate::types::LinkRequest,
    responses(
        (status = 200, description = "The link", body = crate::types::LinkResponse),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::BodyErrors,
    )
)]
pub(crate) async fn generate_link(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LinkRequest>,
) -> Result<Json<LinkResponse>, ApiError> {
    let url = state
        .blocking(move |state| build_link(state, &request))
        .await?;
    Ok(Json(LinkResponse { url }))
}

#[utoipa::path(
    post,
    path = crate::route_paths::LINKS_GENERATE_BATCH,
    summary = "Up to 100 tracking links",
    description = "",
    request_body = crate::types::BatchRequest,
    responses(
        (status = 200, description = "A status and body per request", body = crate::types::BatchResponse),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::BodyErrors,
    )
)]
pub(crate) async fn generate_batch(
    State(state): State<AppState>,
    ApiJson(batch): ApiJson<BatchRequest>,
) -> Result<Json<BatchResponse>, ApiError> {
    let count = batch.requests.len();
    if !(1..=MAX_BATCH).contains(&count) {
        return Err(ApiError::new(
            ErrorCode::TooManyLinks,
            format!("a batch holds 1 to {MAX_BATCH} requests, not {count}"),
        ));
    }
    let responses = state
        .blocking(move |state| {
            Ok(batch
                .requests
                .into_iter()
                .map(|item| batch_item(state, item))
                .collect())
        })
        .await?;
    Ok(Json(BatchResponse { responses }))
}

fn batch_item(state: &AppState, item: Value) -> BatchItem {
    let result = serde_json::from_value::<LinkRequest>(item.clone())
        .map_err(|err| {
            ApiError::new(
                ErrorCode::InvalidRequest,
                format!("invalid link request: {err}"),
            )
        })
        .and_then(|request| build_link(state, &request));
    match result {
        Ok(url) => BatchItem {
            status: 200,
            body: serde_json::json!({ "url": url, "request": item }),
        },
        Err(err) => {
            let mut body = err.body();
            if let Some(object) = body.as_object_mut() {
                object.insert("request".into(), item);
            }
            BatchItem {
                status: err.status().as_u16(),
                body,
            }
        }
    }
}

fn build_link(state: &AppState, request: &LinkRequest) -> Result<String, ApiError> {
    if request.shorten {
        return Err(ApiError::invalid_parameter(
            "shorten",
            "short links are not supported",
        ));
    }
    let source = request
        .source
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let target = match (&request.advertiser_id, source) {
        (Some(id), source) => Target::Advertiser {
            id: id.to_string(),
            source: source.map(str::to_string),
        },
        (None, Some(source)) => Target::Source(source.to_string()),
        (None, None) => {
            return Err(ApiError::new(
                ErrorCode::MissingParameter,
                "advertiserId or source is required",
            ));
        }
    };
    let ids = request.parameters.sub_ids()?;
    let program = state
        .directory()
        .find(state.index().as_ref(), state.config(), &target)?;
    let links = state.config().links(&program.source);
    Ok(program.link(links, request.destination_url.as_deref(), &ids)?)
}
