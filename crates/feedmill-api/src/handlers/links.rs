//! `POST /links/generate` and `POST /links/generate-batch`: tracking links in the shape of
//! Awin's link builder (`seeds/awin-linkbuilder.txt`), for any source in the index.

use crate::error::{ApiError, ErrorCode};
use crate::json_body::ApiJson;
use crate::link_directory::Target;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use feedmill_links::{SubIds, check_sub_id};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Awin's batch limit.
pub const MAX_BATCH: usize = 100;

/// One link request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LinkRequest {
    /// An offer's `merchant_id` or `program_id` (Awin's advertiser id).
    #[serde(default)]
    pub advertiser_id: Option<AdvertiserId>,
    /// A source name, instead of or besides `advertiserId`.
    #[serde(default)]
    pub source: Option<String>,
    /// The page to land on; the program's default landing page when absent.
    #[serde(default)]
    pub destination_url: Option<String>,
    #[serde(default)]
    pub parameters: LinkParameters,
    /// Short links are not supported; `true` is refused.
    #[serde(default)]
    pub shorten: bool,
}

/// Awin sends integers; other networks' ids may be text.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AdvertiserId {
    Number(u64),
    Text(String),
}

impl fmt::Display for AdvertiserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdvertiserId::Number(n) => write!(f, "{n}"),
            AdvertiserId::Text(t) => f.write_str(t.trim()),
        }
    }
}

/// Click references: `clickref`..`clickref6` (or `subid` for the first), each
/// `[A-Za-z0-9_-]`, at most 64. `campaign` is accepted for Awin compatibility and not used.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkParameters {
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default)]
    pub subid: Option<String>,
    #[serde(default)]
    pub clickref: Option<String>,
    #[serde(default)]
    pub clickref2: Option<String>,
    #[serde(default)]
    pub clickref3: Option<String>,
    #[serde(default)]
    pub clickref4: Option<String>,
    #[serde(default)]
    pub clickref5: Option<String>,
    #[serde(default)]
    pub clickref6: Option<String>,
}

impl LinkParameters {
    fn sub_ids(&self) -> Result<SubIds, ApiError> {
        // Checked like a sub-id so nothing unsafe is accepted, then not used.
        check_sub_id("campaign", self.campaign.as_deref().unwrap_or(""))?;
        let first = match (self.clickref.as_deref(), self.subid.as_deref()) {
            (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => {
                return Err(ApiError::invalid_parameter(
                    "parameters",
                    "give clickref or subid, not both",
                ));
            }
            (Some(a), _) if !a.is_empty() => a,
            (_, other) => other.unwrap_or(""),
        };
        let slots = [
            ("clickref", first),
            ("clickref2", self.clickref2.as_deref().unwrap_or("")),
            ("clickref3", self.clickref3.as_deref().unwrap_or("")),
            ("clickref4", self.clickref4.as_deref().unwrap_or("")),
            ("clickref5", self.clickref5.as_deref().unwrap_or("")),
            ("clickref6", self.clickref6.as_deref().unwrap_or("")),
        ];
        let mut ids = SubIds::none();
        for (slot, (name, value)) in slots.into_iter().enumerate() {
            ids.set(slot, name, value)?;
        }
        Ok(ids)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkResponse {
    pub url: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 100 link requests.
    #[schema(value_type = Vec<LinkRequest>)]
    pub requests: Vec<Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResponse {
    pub responses: Vec<BatchItem>,
}

/// The status the request would have had alone, and its body: `{url, request}`, or
/// `{error, request}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchItem {
    pub status: u16,
    #[schema(value_type = Object)]
    pub body: Value,
}

pub(crate) async fn generate_link(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LinkRequest>,
) -> Result<Json<LinkResponse>, ApiError> {
    let url = state
        .blocking(move |state| build_link(state, &request))
        .await?;
    Ok(Json(LinkResponse { url }))
}

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
        .find(state.index(), state.config(), &target)?;
    let links = state.config().links(&program.source);
    Ok(program.link(links, request.destination_url.as_deref(), &ids)?)
}
