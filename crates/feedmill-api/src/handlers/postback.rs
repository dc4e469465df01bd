//! `GET`/`POST /api/postback/{program_id}`: a merchant's backend reports a conversion.
//!
//! In order: the program must be configured (else 404 `unknown_program`); at most
//! [`crate::ApiConfig::postbacks_per_minute`] postbacks per client IP and program (else 429
//! with `Retry-After`); the program's key in `X-Api-Key` or the `api_key` query parameter
//! (else 401 `unauthorized`: a missing, wrong or rotated-out key); the fields from the query
//! string and, for a `POST`, the body (see [`crate::postback::fields`]); the field rules of
//! `feedmill_store::validate_postback` (400 naming the field and the rule). Then the store
//! upserts the conversion by (program, order) and attributes it to its click, on tokio's
//! blocking pool; the answer is sent only after the store's commit, so a `200` means durable.
//! A store that cannot write is a 503 `store_unavailable` and nothing is acknowledged.

use crate::auth::guard::Refusal;
use crate::auth::{Action, KeyRefusal};
use crate::error::{ApiError, ErrorCode};
use crate::handlers::clickout::client_ip;
use crate::postback::PostbackProgram;
use crate::postback::fields::{BodyKind, Field, body_kind, decode_json, decode_multipart};
use crate::postback::fields::{decode_urlencoded, not_utf8};
use crate::state::AppState;
use crate::types::PostbackResponse;
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method};
use chrono::Utc;
use feedmill_store::{ConversionInput, ConversionReceipt, validate_postback};
use tracing::{debug, error};

/// The query parameter that may carry the key (Linkolino keeps it for compatibility).
const API_KEY_PARAM: &str = "api_key";
/// The header that carries the key.
const API_KEY_HEADER: &str = "x-api-key";
/// The canonical payload's own program field; it must name the URL's program.
const PROGRAM_ID_FIELD: &str = "program_id";
/// The `Retry-After` of a postback the store could not write.
const STORE_RETRY_AFTER_SECS: u64 = 1;

/// The OpenAPI operations of [`postback`], by method: one handler reads the fields from the
/// query string (GET) or from the body and the query string (POST), so its two operations are
/// written as `utoipa::Path` by hand rather than by `#[utoipa::path]`, from the one table of
/// fields in `crate::openapi::postback_doc`.
pub(crate) struct PostbackQueryDoc;
/// See [`PostbackQueryDoc`].
pub(crate) struct PostbackBodyDoc;

impl utoipa::Path for PostbackQueryDoc {
    fn methods() -> Vec<utoipa::openapi::HttpMethod> {
        vec![utoipa::openapi::HttpMethod::Get]
    }

    fn path() -> String {
        crate::route_paths::POSTBACK.to_string()
    }

    fn operation() -> utoipa::openapi::path::Operation {
        crate::openapi::postback_doc::operation(
            "Register a conversion (fields in the query string)",
            false,
        )
    }
}

impl utoipa::Path for PostbackBodyDoc {
    fn methods() -> Vec<utoipa::openapi::HttpMethod> {
        vec![utoipa::openapi::HttpMethod::Post]
    }

    fn path() -> String {
        crate::route_paths::POSTBACK.to_string()
    }

    fn operation() -> utoipa::openapi::path::Operation {
        crate::openapi::postback_doc::operation(
            "Register a conversion (fields in the body and/or the query string)",
            true,
        )
    }
}

pub(crate) async fn postback(
    State(state): State<AppState>,
    Path(program_id): Path<String>,
    request: Request,
) -> Result<Json<PostbackResponse>, ApiError> {
    let program = state.postback_program(&program_id).ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnknownProgram,
            format!("no postback program \"{program_id}\""),
        )
    })?;
    let ip = client_ip(&state, &request);
    if let Err(retry_after) = state.postback_limiter().check((ip, program_id.clone())) {
        let mut err = ApiError::new(
            ErrorCode::RateLimited,
            "too many postbacks from this address for this program; try again later",
        );
        err.retry_after = Some(retry_after);
        return Err(err);
    }
    let query = request.uri().query().unwrap_or_default().as_bytes();
    let mut fields = decode_urlencoded(query, "query string")?;
    authenticate(&state, &program, request.headers(), &fields)?;
    fields.retain(|(name, _)| name != API_KEY_PARAM);
    if request.method() == Method::POST {
        fields.extend(body_fields(request).await?);
    }
    check_program_field(&program, &mut fields)?;
    let valid = validate_postback(
        program.id(),
        fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )
    .map_err(|err| ApiError::new(ErrorCode::InvalidParameter, err.to_string()))?;
    let mut conversion = valid.conversion;
    conversion.commission_amount = conversion
        .sale_amount()
        .and_then(|sale| program.commission_on(sale));
    let receipt = store_conversion(&state, &program, conversion).await?;
    Ok(Json(PostbackResponse {
        success: true,
        conversion_id: receipt.conversion_id,
        status: receipt.status.as_str().to_owned(),
        ignored_fields: valid.ignored_fields,
    }))
}

/// The key from the header, else from the query string, must be one of the program's, or a
/// server key with the `postback` action (the operator's own, for any program; not a scoped
/// key, which only searches).
fn authenticate(
    state: &AppState,
    program: &PostbackProgram,
    headers: &HeaderMap,
    query: &[Field],
) -> Result<(), ApiError> {
    let from_header = headers.get(API_KEY_HEADER).map(|value| value.to_str());
    let key = match from_header {
        Some(Ok(key)) => Some(key),
        Some(Err(_)) => None,
        None => query
            .iter()
            .find(|(name, _)| name == API_KEY_PARAM)
            .map(|(_, key)| key.as_str()),
    };
    match key {
        None | Some("") => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "a postback needs the program's key in X-Api-Key (or the api_key parameter)",
        )),
        Some(key) if program.accepts_key(key) => Ok(()),
        Some(key) => server_key_may_post(state, key),
    }
}

/// A server key (not one of the program's) may post a conversion when it has the `postback`
/// action: a wrong key is a `401`, an expired one a `401` naming it, a key without the action
/// a `403`, a key over its rate a `429`.
fn server_key_may_post(state: &AppState, key: &str) -> Result<(), ApiError> {
    let caller = state
        .keys()
        .authenticate(key, Utc::now())
        .map_err(|refusal| match refusal {
            KeyRefusal::Unknown => ApiError::new(
                ErrorCode::Unauthorized,
                "the api key is not valid for this program",
            ),
            expired => Refusal::Key(expired).into_error(),
        })?;
    if caller.scope.is_some() || !caller.key.may(Action::Postback) {
        return Err(ApiError::new(
            ErrorCode::ActionNotAllowed,
            "this key may not post conversions: a postback needs the program's key or a key \
             with the postback action",
        ));
    }
    caller
        .key
        .check_rate()
        .map_err(|seconds| Refusal::Limited(seconds).into_error())
}

/// The body's fields, by its content type; an empty body may have none.
async fn body_fields(request: Request) -> Result<Vec<Field>, ApiError> {
    let kind = body_kind(request.headers())?;
    if kind == Some(BodyKind::Multipart) {
        return decode_multipart(request).await;
    }
    // The router's body limit layer (1 MiB) bounds what this reads.
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .map_err(|_| {
            ApiError::new(
                ErrorCode::BodyTooLarge,
                "the postback body is over 1 MiB or was cut off",
            )
        })?;
    match kind {
        _ if body.is_empty() => Ok(Vec::new()),
        Some(BodyKind::Form) => decode_urlencoded(&body, "body"),
        Some(BodyKind::Json) => decode_json(&body),
        Some(BodyKind::Multipart) | None => {
            std::str::from_utf8(&body).map_err(|_| not_utf8("body"))?;
            Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "a postback body needs a Content-Type: application/x-www-form-urlencoded, application/json or multipart/form-data",
            ))
        }
    }
}

/// A `program_id` field (the canonical payload carries one) must name the URL's program; it is
/// taken out of the fields, as the URL says it already.
fn check_program_field(program: &PostbackProgram, fields: &mut Vec<Field>) -> Result<(), ApiError> {
    for (name, value) in fields.iter() {
        if name == PROGRAM_ID_FIELD && !value.is_empty() && value != program.id() {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                format!(
                    "field \"program_id\" is {value:?} but the postback is sent to program \"{}\"",
                    program.id()
                ),
            ));
        }
    }
    fields.retain(|(name, _)| name != PROGRAM_ID_FIELD);
    Ok(())
}

/// Upserts the conversion (attributed by the store), returning after its commit.
async fn store_conversion(
    state: &AppState,
    program: &PostbackProgram,
    input: ConversionInput,
) -> Result<ConversionReceipt, ApiError> {
    let store = state.store().clone();
    let currency = program.default_currency();
    let order_id = input.order_id.clone();
    let written =
        tokio::task::spawn_blocking(move || store.upsert_conversion(&input, currency, Utc::now()))
            .await;
    let failure = match written {
        Ok(Ok(receipt)) => {
            debug!(program = %program.id(), order = %order_id, conversion = %receipt.conversion_id, created = receipt.created, "postback stored");
            return Ok(receipt);
        }
        Ok(Err(err)) if err.is_user_error() => {
            return Err(ApiError::new(ErrorCode::InvalidParameter, err.to_string()));
        }
        Ok(Err(err)) => err.to_string(),
        Err(err) => err.to_string(),
    };
    error!(error = %failure, program = %program.id(), order = %order_id, "failed to store postback");
    let mut err = ApiError::new(
        ErrorCode::StoreUnavailable,
        "the conversion could not be stored; send the postback again shortly",
    );
    err.retry_after = Some(STORE_RETRY_AFTER_SECS);
    Err(err)
}
