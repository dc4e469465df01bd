//! File downloads: `/files/{name}` (Adtraction `feedUrl`s, plain `url` sources) and Awin's
//! `/datafeed/download/apikey/{key}/…`, with ETag / Last-Modified and 304s.

use super::state::SimState;
use crate::temp_file::sniff_extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use feedmill_formats::input::ContentHasher;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub(super) async fn file(
    State(state): State<Arc<SimState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve_file(&state, &name, &headers)
}

pub(super) async fn awin_download(
    State(state): State<Arc<SimState>>,
    Path((key, _rest)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (expected, name) = {
        let config = &state.lock().config;
        (config.awin_key.clone(), config.awin_file.clone())
    };
    if key != expected {
        return (StatusCode::UNAUTHORIZED, "invalid api key").into_response();
    }
    serve_file(&state, &name, &headers)
}

fn serve_file(state: &SimState, name: &str, request: &HeaderMap) -> Response {
    let (bytes, modified_ms, conditional) = {
        let inner = state.lock();
        let Some(bytes) = inner.config.files.get(name) else {
            return (StatusCode::NOT_FOUND, "no such file").into_response();
        };
        let modified_ms = inner.file_modified_ms.get(name).copied().unwrap_or(0);
        (bytes.clone(), modified_ms, inner.config.conditional_get)
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, content_type(&bytes));
    if conditional {
        let etag = format!("\"{}\"", &ContentHasher::of(&bytes)[..16]);
        let modified = SystemTime::UNIX_EPOCH + Duration::from_millis(modified_ms);
        let last_modified = httpdate::fmt_http_date(modified);
        if not_modified(request, &etag, modified) {
            return StatusCode::NOT_MODIFIED.into_response();
        }
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        if let Ok(value) = HeaderValue::from_str(&last_modified) {
            headers.insert(header::LAST_MODIFIED, value);
        }
    }
    state.body_response(headers, bytes)
}

/// RFC 9110: `If-None-Match` wins; `If-Modified-Since` only counts without it.
fn not_modified(request: &HeaderMap, etag: &str, modified: SystemTime) -> bool {
    let text = |name| {
        request
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(tags) = text(header::IF_NONE_MATCH) {
        return tags
            .split(',')
            .any(|tag| tag.trim() == etag || tag.trim() == "*");
    }
    let Some(since) =
        text(header::IF_MODIFIED_SINCE).and_then(|v| httpdate::parse_http_date(v).ok())
    else {
        return false;
    };
    // HTTP dates have whole seconds.
    modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        <= since
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
}

fn content_type(bytes: &[u8]) -> HeaderValue {
    HeaderValue::from_static(match sniff_extension(bytes) {
        "gz" => "application/gzip",
        "zip" => "application/zip",
        "xml" => "application/xml",
        "json" => "application/json",
        _ => "text/csv",
    })
}
