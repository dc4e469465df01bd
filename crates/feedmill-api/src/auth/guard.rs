//! [`require_key`]: the middleware that asks each request for the key its route needs.
//!
//! In order: the route's rule ([`access_of`]); the key from `X-Api-Key` or
//! `Authorization: Bearer` (missing, unknown or expired → 401); the action (→ 403); the
//! browser origin the key allows (→ 403); the key's source pattern (→ 403); the key's own rate
//! (→ 429 with `Retry-After`). A scoped key's filters then replace the caller's in the query.
//! The key itself is never logged: only its name is, and only at debug level.

use super::action::{Access, Action, access_of};
use super::key_ring::{AuthMode, Caller, KeyRefusal};
use crate::error::{ApiError, ErrorCode};
use crate::route_paths;
use crate::state::AppState;
use axum::extract::{FromRequestParts as _, MatchedPath, RawPathParams, Request, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::collections::BTreeMap;

/// The header a key is sent in (or `Authorization: Bearer <key>`).
pub const API_KEY_HEADER: &str = "x-api-key";

/// See the module doc.
pub(crate) async fn require_key(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let access = route.as_ref().and_then(|r| access_of(r.as_str()));
    let Some(Access::Needs(action)) = access else {
        // Open routes, and paths that are no route (their 404 says so).
        return next.run(request).await;
    };
    if state.keys().mode() == AuthMode::Open {
        return next.run(request).await;
    }
    let route = route.as_ref().map_or("", MatchedPath::as_str);
    match authorize(&state, request, route, action).await {
        Ok(request) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

async fn authorize(
    state: &AppState,
    request: Request,
    route: &str,
    action: Action,
) -> Result<Request, Refusal> {
    let presented = presented_key(request.headers()).ok_or(Refusal::Missing)?;
    let caller = state
        .keys()
        .authenticate(presented, Utc::now())
        .map_err(Refusal::Key)?;
    tracing::debug!(key = %caller.key.name, route, "key accepted");
    if !caller.key.may(action) {
        let message = format!("this key may not {action}: {route} needs the {action} action");
        return Err(forbidden(ErrorCode::ActionNotAllowed, message));
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !caller.key.allows_origin(origin) {
            let message = format!("this key may not be used from origin {origin:?}");
            return Err(forbidden(ErrorCode::OriginNotAllowed, message));
        }
    }
    let (mut parts, body) = request.into_parts();
    let fixed = fixed_query(&caller, &mut parts, route).await?;
    if let Err(seconds) = caller.key.check_rate() {
        return Err(Refusal::Limited(seconds));
    }
    if !fixed.is_empty() {
        parts.uri = with_query_fixed(&parts.uri, &fixed)?;
    }
    parts.extensions.insert(caller);
    Ok(Request::from_parts(parts, body))
}

/// The query parameters the caller's key fixes on this route; a refusal where the key's
/// limits cannot be kept on it.
async fn fixed_query(
    caller: &Caller,
    parts: &mut axum::http::request::Parts,
    route: &str,
) -> Result<BTreeMap<String, String>, Refusal> {
    let mut fixed = BTreeMap::new();
    if let Some(scope) = &caller.scope {
        if route != route_paths::SEARCH {
            let message = format!("a scoped key can only call {}", route_paths::SEARCH);
            return Err(forbidden(ErrorCode::ActionNotAllowed, message));
        }
        fixed.extend(scope.filter.clone());
    }
    let Some(pattern) = caller.key.sources.as_deref() else {
        return Ok(fixed);
    };
    let limited = |what: &str| {
        forbidden(
            ErrorCode::ActionNotAllowed,
            format!("this key is limited to sources {pattern:?}: {what}"),
        )
    };
    if route == route_paths::SEARCH {
        let asked = fixed
            .get("source")
            .cloned()
            .or_else(|| query_value(&parts.uri, "source"));
        match asked {
            Some(source) if caller.key.allows_source(&source) => {}
            Some(source) => return Err(limited(&format!("not {source:?}"))),
            None if !pattern.contains('*') => {
                fixed.insert("source".into(), pattern.to_string());
            }
            None => return Err(limited("name one with the source parameter")),
        }
        return Ok(fixed);
    }
    let params = RawPathParams::from_request_parts(parts, &())
        .await
        .map_err(|_| limited("this route has no source"))?;
    if route == route_paths::PRODUCT {
        // The handler keeps the offers of the key's sources only.
        return Ok(fixed);
    }
    if route == route_paths::OFFER || route == route_paths::OFFER_HISTORY {
        // An offer's id begins with its source (`source:offer`).
        let id = params
            .iter()
            .find(|(name, _)| *name == "id")
            .map(|(_, v)| v);
        let source = id
            .and_then(|id| id.split_once(':'))
            .map(|(source, _)| source);
        return match source {
            Some(source) if caller.key.allows_source(source) => Ok(fixed),
            _ => Err(limited(&format!(
                "offer {:?} is of another source",
                id.unwrap_or("")
            ))),
        };
    }
    let name = params
        .iter()
        .find(|(name, _)| *name == "name")
        .map(|(_, v)| v);
    match name {
        Some(name) if caller.key.allows_source(name) => Ok(fixed),
        Some(name) => Err(limited(&format!("not {name:?}"))),
        None if route == route_paths::KEYS_SCOPED => Ok(fixed),
        None => Err(limited("this route cannot be limited by source")),
    }
}

/// The key of `X-Api-Key`, else of `Authorization: Bearer`; a header that is not text is
/// an (invalid) empty key.
fn presented_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(key) = headers.get(API_KEY_HEADER) {
        return Some(key.to_str().map_or("", str::trim));
    }
    let authorization = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = authorization.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
}

fn query_value(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

/// `uri` with the parameters of `fixed` replacing the caller's of the same names.
fn with_query_fixed(uri: &Uri, fixed: &BTreeMap<String, String>) -> Result<Uri, Refusal> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    let caller_pairs = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes());
    for (name, value) in caller_pairs {
        if !fixed.contains_key(name.as_ref()) {
            query.append_pair(&name, &value);
        }
    }
    for (name, value) in fixed {
        query.append_pair(name, value);
    }
    let path_and_query = format!("{}?{}", uri.path(), query.finish());
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(
        path_and_query
            .parse()
            .map_err(|err| Refusal::Error(ApiError::internal("scoped query", err)))?,
    );
    Uri::from_parts(parts).map_err(|err| Refusal::Error(ApiError::internal("scoped uri", err)))
}

/// Why a request is not let through.
pub(crate) enum Refusal {
    Missing,
    Key(KeyRefusal),
    Limited(u64),
    Error(ApiError),
}

fn forbidden(code: ErrorCode, message: String) -> Refusal {
    Refusal::Error(ApiError::new(code, message))
}

impl Refusal {
    /// The answer's error: code, message and `Retry-After`.
    pub(crate) fn into_error(self) -> ApiError {
        match self {
            Refusal::Missing => ApiError::new(
                ErrorCode::MissingApiKey,
                "this route needs an api key: send it as X-Api-Key or Authorization: Bearer",
            ),
            Refusal::Key(KeyRefusal::Unknown) => {
                ApiError::new(ErrorCode::InvalidApiKey, "the api key is not valid")
            }
            Refusal::Key(KeyRefusal::Expired(name)) => ApiError::new(
                ErrorCode::ExpiredApiKey,
                format!("the api key {name:?} has expired"),
            ),
            Refusal::Limited(seconds) => ApiError {
                retry_after: Some(seconds),
                ..ApiError::new(
                    ErrorCode::RateLimited,
                    format!("this key's request limit is reached; retry in {seconds} s"),
                )
            },
            Refusal::Error(error) => error,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let error = self.into_error();
        let challenge = error.status() == axum::http::StatusCode::UNAUTHORIZED;
        let mut response = error.into_response();
        if challenge {
            let bearer = HeaderValue::from_static("Bearer");
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, bearer);
        }
        response
    }
}
