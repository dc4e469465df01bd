//! `POST /keys`, `GET /keys`, `DELETE /keys/{id}` (admin) and `POST /keys/scoped` (a search
//! key narrowing itself). New keys are stored before they are answered, by the digest of their
//! secret only; the secret is in the answer and nowhere else.

use crate::auth::api_key::parse_actions;
use crate::auth::scoped;
use crate::auth::secret;
use crate::auth::{Action, Caller};
use crate::error::{ApiError, ErrorCode};
use crate::json_body::ApiJson;
use crate::params::search_request;
use crate::state::AppState;
use crate::types::{CreatedKey, KeyList, KeyView, NewKeyRequest, ScopedKey, ScopedKeyRequest};
use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use feedmill_store::StoredApiKey;

/// Bytes of randomness in a run-time key's public id.
const KEY_ID_BYTES: usize = 8;

#[utoipa::path(
    get,
    path = crate::route_paths::KEYS,
    summary = "Every API key, without secrets",
    description = "",
    responses(
        (status = 200, description = "The keys", body = crate::types::KeyList),
        crate::openapi::handler_params::ReadErrors,
    )
)]
pub(crate) async fn list_keys(State(state): State<AppState>) -> Json<KeyList> {
    let keys = state.keys().keys();
    Json(KeyList {
        keys: keys.iter().map(|key| KeyView::of(key)).collect(),
    })
}

#[utoipa::path(
    post,
    path = crate::route_paths::KEYS,
    summary = "A new API key; its secret is in this answer only",
    description = "",
    request_body = crate::types::NewKeyRequest,
    responses(
        (status = 201, description = "The key and its secret", body = crate::types::CreatedKey),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::BodyErrors,
    )
)]
pub(crate) async fn create_key(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<NewKeyRequest>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let stored_key = new_stored_key(&request)?;
    let secret = stored_key.1;
    let stored = stored_key.0;
    let to_store = stored.clone();
    state
        .blocking(move |state| {
            state
                .store()
                .insert_api_key(&to_store)
                .map_err(|err| ApiError::internal("store api key", err))
        })
        .await?;
    let key = state
        .keys()
        .add_stored(&stored)
        .map_err(|err| ApiError::internal("new api key", err))?;
    tracing::info!(key = %key.name, id = %key.id, "api key created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            key: KeyView::of(&key),
            secret,
        }),
    ))
}

/// The key to store for `request` and its secret.
fn new_stored_key(request: &NewKeyRequest) -> Result<(StoredApiKey, String), ApiError> {
    let invalid = |message: String| ApiError::new(ErrorCode::InvalidRequest, message);
    if request.name.trim().is_empty() {
        return Err(invalid("name must not be empty".into()));
    }
    if request.requests_per_minute == Some(0) {
        return Err(invalid("requests_per_minute must be at least 1".into()));
    }
    let actions = parse_actions(&request.actions).map_err(invalid)?;
    let secret = secret::generate_secret().map_err(|err| ApiError::internal("key secret", err))?;
    let mut id_bytes = [0u8; KEY_ID_BYTES];
    getrandom::fill(&mut id_bytes).map_err(|err| ApiError::internal("key id", err))?;
    let stored = StoredApiKey {
        key_id: id_bytes.iter().map(|b| format!("{b:02x}")).collect(),
        name: request.name.trim().to_string(),
        secret_sha256: secret::to_hex(&secret::digest(&secret)),
        prefix: secret::prefix_of(&secret),
        actions: actions.iter().map(|a| a.as_str().to_string()).collect(),
        sources: request.sources.clone(),
        allowed_origins: request.allowed_origins.clone(),
        expires_at: request.expires_at,
        requests_per_minute: request.requests_per_minute,
        created_at: Utc::now(),
    };
    Ok((stored, secret))
}

#[utoipa::path(
    delete,
    path = crate::route_paths::KEY,
    summary = "Deletes a run-time API key",
    description = "",
    params(crate::openapi::handler_params::KeyIdPath),
    responses(
        (status = 204, description = "Deleted"),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::NotFound,
    )
)]
pub(crate) async fn delete_key(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if id.starts_with("config:") {
        let message = "keys of the config file are removed from the file, then reloaded";
        return Err(ApiError::new(ErrorCode::InvalidRequest, message));
    }
    let key_id = id.clone();
    let deleted = state
        .blocking(move |state| {
            state
                .store()
                .delete_api_key(&key_id)
                .map_err(|err| ApiError::internal("delete api key", err))
        })
        .await?;
    if !deleted {
        return Err(ApiError::new(
            ErrorCode::KeyNotFound,
            format!("no key {id:?}"),
        ));
    }
    state.keys().remove_stored(&id);
    tracing::info!(id = %id, "api key deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Signs the caller's search key's scoped key. In open mode there is no caller key, so no
/// scoped key either. The filters must be ones a search takes: they are run as one (a page of
/// one offer), so a value the search backend refuses (an unknown network, a GTIN of letters)
/// is a 400 here rather than in every search of the key.
#[utoipa::path(
    post,
    path = crate::route_paths::KEYS_SCOPED,
    summary = "A scoped search key: the caller's search key with filters it cannot widen",
    description = "",
    request_body = crate::auth::ScopeParams,
    responses(
        (status = 200, description = "The scoped key", body = crate::types::ScopedKey),
        crate::openapi::handler_params::ReadErrors,
        crate::openapi::handler_params::BodyErrors,
    )
)]
pub(crate) async fn create_scoped_key(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    ApiJson(params): ApiJson<ScopedKeyRequest>,
) -> Result<Json<ScopedKey>, ApiError> {
    let Some(Extension(caller)) = caller else {
        let message = "scoped keys need [auth] mode = \"keys\" and a search key to narrow";
        return Err(ApiError::new(ErrorCode::InvalidRequest, message));
    };
    if caller.scope.is_some() || !caller.key.may(Action::Search) {
        let message = "only a search key (not a scoped one) can be narrowed";
        return Err(ApiError::new(ErrorCode::ActionNotAllowed, message));
    }
    params
        .check()
        .map_err(|message| ApiError::new(ErrorCode::InvalidRequest, message))?;
    // The filters must be ones a search would accept.
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params.filter)
        .finish();
    let (mut request, _) = search_request(Some(&query))?;
    request.per_page = 1;
    state
        .blocking(move |state| super::search::backend_search(state, &request).map(|_| ()))
        .await?;
    let key = scoped::mint(&caller.key.digest, &caller.key.prefix, &params)
        .map_err(|err| ApiError::internal("scoped key", err))?;
    Ok(Json(ScopedKey { key, params }))
}
