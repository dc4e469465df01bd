//! [`ApiError`] and the one table that maps its codes to HTTP statuses (meilisearch style).
//!
//! Every error leaves the API as `{"error": {"code", "message"}}` with the status of its code.
//! User errors say what was wrong; internal errors are logged in full and answered with a
//! generic message, so nothing about the machine leaks into a response.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use feedmill_links::LinkError;
use feedmill_search::{RequestError, SearchError};
use serde::Serialize;
use serde_json::{Value, json};

/// What went wrong, as a stable machine-readable code. Codes are snake_case, except Awin's own
/// `deeplinkNotPermitted`, kept verbatim so Awin link-builder clients recognize it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidParameter,
    UnknownParameter,
    DuplicateParameter,
    MissingParameter,
    QueryTooLong,
    InvalidRequest,
    MalformedJson,
    UnsupportedMediaType,
    BodyTooLarge,
    /// A request body that paused longer than the body read timeout.
    RequestTimeout,
    TooManyLinks,
    DeeplinkNotPermitted,
    DestinationNotAllowed,
    UnknownAdvertiser,
    UnknownSource,
    NoTrackingLink,
    OfferNotFound,
    ProductNotFound,
    NotFound,
    /// A postback for a program that is not configured.
    UnknownProgram,
    /// A postback without its program's key, or with a wrong or rotated one.
    Unauthorized,
    MethodNotAllowed,
    RateLimited,
    /// No key on a route that needs one.
    MissingApiKey,
    /// A key the server does not know (or a scoped key whose signature does not hold).
    InvalidApiKey,
    ExpiredApiKey,
    /// The key lacks the route's action (or the route is outside the key's limits).
    ActionNotAllowed,
    /// The key may not be used from the request's browser origin.
    OriginNotAllowed,
    KeyNotFound,
    JobNotFound,
    SourceNotFound,
    /// A reload found the configuration file broken; the old configuration stays.
    InvalidConfig,
    /// The server runs without the part that would answer (no scheduler, no config file).
    OperatorUnavailable,
    /// The click store could not record a click-out (it is not redirected unrecorded), or
    /// could not answer a report.
    StoreUnavailable,
    /// The search backend could not be reached (no node of a search cluster answered).
    SearchUnavailable,
    Internal,
}

impl ErrorCode {
    /// The table: every code with its name and status.
    pub fn info(self) -> (&'static str, StatusCode) {
        use ErrorCode::*;
        match self {
            InvalidParameter => ("invalid_parameter", StatusCode::BAD_REQUEST),
            UnknownParameter => ("unknown_parameter", StatusCode::BAD_REQUEST),
            DuplicateParameter => ("duplicate_parameter", StatusCode::BAD_REQUEST),
            MissingParameter => ("missing_parameter", StatusCode::BAD_REQUEST),
            QueryTooLong => ("query_too_long", StatusCode::BAD_REQUEST),
            InvalidRequest => ("invalid_request", StatusCode::BAD_REQUEST),
            MalformedJson => ("malformed_json", StatusCode::BAD_REQUEST),
            UnsupportedMediaType => ("unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE),
            BodyTooLarge => ("body_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            RequestTimeout => ("request_timeout", StatusCode::REQUEST_TIMEOUT),
            TooManyLinks => ("too_many_links", StatusCode::BAD_REQUEST),
            DeeplinkNotPermitted => ("deeplinkNotPermitted", StatusCode::BAD_REQUEST),
            DestinationNotAllowed => ("destination_not_allowed", StatusCode::BAD_REQUEST),
            UnknownAdvertiser => ("unknown_advertiser", StatusCode::BAD_REQUEST),
            UnknownSource => ("unknown_source", StatusCode::BAD_REQUEST),
            NoTrackingLink => ("no_tracking_link", StatusCode::BAD_REQUEST),
            OfferNotFound => ("offer_not_found", StatusCode::NOT_FOUND),
            ProductNotFound => ("product_not_found", StatusCode::NOT_FOUND),
            NotFound => ("not_found", StatusCode::NOT_FOUND),
            UnknownProgram => ("unknown_program", StatusCode::NOT_FOUND),
            Unauthorized => ("unauthorized", StatusCode::UNAUTHORIZED),
            MethodNotAllowed => ("method_not_allowed", StatusCode::METHOD_NOT_ALLOWED),
            RateLimited => ("rate_limited", StatusCode::TOO_MANY_REQUESTS),
            MissingApiKey => ("missing_api_key", StatusCode::UNAUTHORIZED),
            InvalidApiKey => ("invalid_api_key", StatusCode::UNAUTHORIZED),
            ExpiredApiKey => ("expired_api_key", StatusCode::UNAUTHORIZED),
            ActionNotAllowed => ("action_not_allowed", StatusCode::FORBIDDEN),
            OriginNotAllowed => ("origin_not_allowed", StatusCode::FORBIDDEN),
            KeyNotFound => ("key_not_found", StatusCode::NOT_FOUND),
            JobNotFound => ("job_not_found", StatusCode::NOT_FOUND),
            SourceNotFound => ("source_not_found", StatusCode::NOT_FOUND),
            InvalidConfig => ("invalid_config", StatusCode::BAD_REQUEST),
            OperatorUnavailable => ("operator_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            StoreUnavailable => ("store_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            SearchUnavailable => ("search_unavailable", StatusCode::SERVICE_UNAVAILABLE),
            Internal => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.info().0
    }

    pub fn status(self) -> StatusCode {
        self.info().1
    }

    /// The code for an error status that did not come from a handler (a layer's 413, axum's
    /// 405), so that every error body has the same shape.
    pub fn for_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::BodyTooLarge,
            StatusCode::REQUEST_TIMEOUT => ErrorCode::RequestTimeout,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
            s if s.is_client_error() => ErrorCode::InvalidRequest,
            _ => ErrorCode::Internal,
        }
    }
}

/// An error answer: a code from the table and a message for the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds for a `Retry-After` header (rate limiting).
    pub retry_after: Option<u64>,
}

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
    /// Awin's own field, `"deeplinkNotPermitted"`, with that error code only.
    #[serde(rename = "destinationUrl", skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub destination_url: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code from the error table, e.g. `invalid_parameter`.
    pub code: String,
    pub message: String,
    /// The answer's `X-Request-Id`, to find the request in the server's log.
    pub request_id: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn invalid_parameter(name: &str, reason: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("invalid {name}: {reason}"),
        )
    }

    /// A failure of ours: logged in full, answered with a generic message.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %err, context, "internal error");
        ApiError::new(ErrorCode::Internal, "internal error")
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The JSON body; Awin's `deeplinkNotPermitted` also carries Awin's own
    /// `"destinationUrl": "deeplinkNotPermitted"` field.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "error": { "code": self.code.as_str(), "message": self.message }
        });
        if self.code == ErrorCode::DeeplinkNotPermitted
            && let Some(object) = body.as_object_mut()
        {
            object.insert("destinationUrl".into(), json!("deeplinkNotPermitted"));
        }
        body
    }
}

impl From<SearchError> for ApiError {
    fn from(err: SearchError) -> ApiError {
        if err.is_user_error() {
            ApiError::new(ErrorCode::InvalidParameter, err.to_string())
        } else if err.is_unavailable() {
            // Logged in full; the caller learns that trying again may work.
            tracing::error!(error = %err, "search backend unavailable");
            ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    ErrorCode::SearchUnavailable,
                    "the search backend could not be reached; try again shortly",
                )
            }
        } else {
            ApiError::internal("search backend", err)
        }
    }
}

impl From<LinkError> for ApiError {
    /// The link errors' rows of the table. Sub-ids and destinations are the caller's; a link
    /// that cannot be built from a program's own data is `no_tracking_link`.
    fn from(err: LinkError) -> ApiError {
        use LinkError::*;
        let code = match &err {
            SubIdTooLong { .. }
            | SubIdCharacters { .. }
            | SubIdSlot { .. }
            | TooManySubIds { .. }
            | BadDestination
            | BadDestinationLink(_) => ErrorCode::InvalidParameter,
            DeepLinksNotPermitted { .. } => ErrorCode::DeeplinkNotPermitted,
            DestinationNotAllowed { .. } => ErrorCode::DestinationNotAllowed,
            NoTrackingLink { .. }
            | BadTrackingUrl(_)
            | AwinIds(_)
            | BadTemplate(_)
            | NeedsTemplate
            | MissingTemplate
            | BadMerchantHost(_) => ErrorCode::NoTrackingLink,
        };
        ApiError::new(code, err.to_string())
    }
}

/// A store failure: a bad report parameter is the caller's (400, naming it); anything else is
/// the store's (503: it may answer again shortly), logged in full and answered generically.
impl From<feedmill_store::StoreError> for ApiError {
    fn from(err: feedmill_store::StoreError) -> ApiError {
        if err.is_user_error() {
            return ApiError::new(ErrorCode::InvalidParameter, err.to_string());
        }
        tracing::error!(error = %err, "store failed");
        ApiError::new(
            ErrorCode::StoreUnavailable,
            "the store could not answer; try again shortly",
        )
    }
}

/// A request the seam refused is always the caller's mistake.
impl From<RequestError> for ApiError {
    fn from(err: RequestError) -> ApiError {
        ApiError::new(ErrorCode::InvalidParameter, err.to_string())
    }
}

impl ApiError {
    /// [`ApiError::body`] with the request's id in `error.request_id`.
    pub fn body_with_request_id(&self, request_id: &str) -> Value {
        let mut body = self.body();
        if let Some(error) = body.get_mut("error").and_then(Value::as_object_mut) {
            error.insert("request_id".into(), json!(request_id));
        }
        body
    }
}

/// The answer carries the error itself as an extension too, so that the router's outer layer
/// can write the body again with the request id, which a handler does not know.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_errors_are_4xx_and_internal_ones_are_generic() {
        let user: ApiError =
            SearchError::from(RequestError::UnknownSortOrder("cheap".into())).into();
        assert_eq!(user.status(), StatusCode::BAD_REQUEST);
        assert!(user.message.contains("cheap"));
        let locked = std::io::Error::other("index /secret/path is locked by another writer");
        let internal: ApiError = SearchError::backend(locked).into();
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let down = std::io::Error::other("no node at http://10.0.0.7:8108 answered");
        let unavailable: ApiError = SearchError::unavailable(down).into();
        assert_eq!(unavailable.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(unavailable.code.as_str(), "search_unavailable");
        assert!(
            !unavailable.message.contains("10.0.0.7"),
            "{}",
            unavailable.message
        );
        assert!(!internal.body().to_string().contains("secret"));
    }

    #[test]
    fn every_status_maps_to_a_code_of_that_status() {
        for status in [401u16, 404, 405, 413, 415, 429, 400, 408, 500, 503] {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
            let code = ErrorCode::for_status(status);
            assert_eq!(
                code.status().is_client_error(),
                status.is_client_error(),
                "{status}"
            );
        }
    }

    #[test]
    fn link_errors_keep_their_codes_and_messages() {
        let sub_id: ApiError = LinkError::SubIdTooLong {
            field: "subid".into(),
        }
        .into();
        assert_eq!(sub_id.code, ErrorCode::InvalidParameter);
        assert_eq!(sub_id.message, "invalid subid: longer than 64 characters");
        let closed: ApiError = LinkError::DeepLinksNotPermitted {
            source_name: "shop".into(),
        }
        .into();
        assert_eq!(closed.code, ErrorCode::DeeplinkNotPermitted);
        let host: ApiError = LinkError::DestinationNotAllowed {
            host: "evil.example".into(),
            known: "none".into(),
        }
        .into();
        assert_eq!(host.status(), StatusCode::BAD_REQUEST);
        assert_eq!(host.code, ErrorCode::DestinationNotAllowed);
        let no_link: ApiError = LinkError::NoTrackingLink {
            source_name: "shop".into(),
        }
        .into();
        assert_eq!(no_link.code, ErrorCode::NoTrackingLink);
    }

    #[test]
    fn error_bodies_carry_the_request_id() {
        let body = ApiError::new(ErrorCode::NotFound, "no").body_with_request_id("req-1");
        assert_eq!(body["error"]["request_id"], "req-1");
        assert_eq!(body["error"]["code"], "not_found");
        let response = ApiError::new(ErrorCode::NotFound, "no").into_response();
        assert!(response.extensions().get::<ApiError>().is_some());
    }

    #[test]
    fn awin_code_keeps_awin_field() {
        let body = ApiError::new(ErrorCode::DeeplinkNotPermitted, "no").body();
        assert_eq!(body["destinationUrl"], "deeplinkNotPermitted");
        assert_eq!(body["error"]["code"], "deeplinkNotPermitted");
    }
}
