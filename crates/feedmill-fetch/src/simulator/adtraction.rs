//! Adtraction API v3 routes: programs, feed info and products, behind `X-Token` and the
//! per-minute quota.

use super::state::SimState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

type Params = Query<HashMap<String, String>>;

/// Checks the token, then counts the request against the quota; the quota headers go on every
/// response past the token check.
pub(super) fn gate(
    state: &SimState,
    headers: &HeaderMap,
    query: &Params,
) -> Result<HeaderMap, Box<Response>> {
    let token = headers
        .get("x-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query.get("token").cloned());
    let expected = state.lock().config.adtraction_token.clone();
    match token {
        None => {
            return Err(Box::new(message(
                StatusCode::UNAUTHORIZED,
                HeaderMap::new(),
                "Unauthorized: missing X-Token",
            )));
        }
        Some(token) if token != expected => {
            return Err(Box::new(message(
                StatusCode::FORBIDDEN,
                HeaderMap::new(),
                "Forbidden: invalid API token",
            )));
        }
        Some(_) => {}
    }
    let quota = state.adtraction_quota();
    if let Some(ms) = quota.exceeded_for_ms {
        let text = format!("Rate limit exceeded. Quota resets in {ms} ms");
        return Err(Box::new(message(
            StatusCode::TOO_MANY_REQUESTS,
            quota.headers,
            &text,
        )));
    }
    Ok(quota.headers)
}

fn message(status: StatusCode, headers: HeaderMap, text: &str) -> Response {
    (status, headers, Json(json!({ "message": text }))).into_response()
}

fn parse_body(body: &Bytes) -> Result<Value, Box<Response>> {
    serde_json::from_slice(body).map_err(|_| {
        Box::new(message(
            StatusCode::BAD_REQUEST,
            HeaderMap::new(),
            "Bad request: body must be JSON",
        ))
    })
}

pub(super) async fn programs(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    query: Params,
    body: Bytes,
) -> Response {
    let quota = match gate(&state, &headers, &query) {
        Ok(quota) => quota,
        Err(response) => return *response,
    };
    let request = match parse_body(&body) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    if !request["market"].is_string() {
        return message(
            StatusCode::BAD_REQUEST,
            quota,
            "Bad request: market is required",
        );
    }
    let feed = feed_info_entry(&state);
    let config = &state.lock().config;
    if request["programId"]
        .as_u64()
        .is_some_and(|id| id != config.adtraction_program_id)
    {
        return (StatusCode::OK, quota, Json(json!([]))).into_response();
    }
    let program = json!({
        "programId": config.adtraction_program_id,
        "market": request["market"],
        "currency": "SEK",
        "approvalStatus": 1,
        "programName": "Kitchentime SE",
        "programURL": "https://www.kitchentime.se",
        "trackingURL": "https://track.adtraction.com/t/t?a=24209996&as=24577691&t=2&tk=1",
        "feeds": [feed],
        "status": 0
    });
    (StatusCode::OK, quota, Json(json!([program]))).into_response()
}

pub(super) async fn feed_info(
    State(state): State<Arc<SimState>>,
    Path((program_id, channel_id)): Path<(String, String)>,
    headers: HeaderMap,
    query: Params,
) -> Response {
    let quota = match gate(&state, &headers, &query) {
        Ok(quota) => quota,
        Err(response) => return *response,
    };
    let known = {
        let config = &state.lock().config;
        program_id == config.adtraction_program_id.to_string()
            && channel_id == config.adtraction_channel_id.to_string()
    };
    if !known {
        return message(
            StatusCode::NOT_FOUND,
            quota,
            "Not found: no such program for this channel",
        );
    }
    (
        StatusCode::OK,
        quota,
        Json(json!([feed_info_entry(&state)])),
    )
        .into_response()
}

fn feed_info_entry(state: &SimState) -> Value {
    let base_url = state.base_url();
    let config = &state.lock().config;
    json!({
        "feedId": config.adtraction_feed_id,
        "name": "Standard",
        "approvalStatus": 1,
        "feedUrl": format!(
            "{base_url}/files/{}?type=feed&format=XML&encoding=UTF8&epi=0&zip=0&apid={}&asid={}&pfid={}",
            config.adtraction_feed_file,
            config.adtraction_program_id,
            config.adtraction_channel_id,
            config.adtraction_feed_id
        ),
        "lastUpdated": config.adtraction_feed_last_updated,
        "numberOfProducts": config.adtraction_products.len()
    })
}

pub(super) async fn products(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    query: Params,
    body: Bytes,
) -> Response {
    let mut quota = match gate(&state, &headers, &query) {
        Ok(quota) => quota,
        Err(response) => return *response,
    };
    let request = match parse_body(&body) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let (Some(program_id), Some(channel_id)) =
        (request["programId"].as_u64(), request["channelId"].as_u64())
    else {
        return message(
            StatusCode::BAD_REQUEST,
            quota,
            "Bad request: programId and channelId are required",
        );
    };
    let (bytes, count, last_updated) = {
        let config = &state.lock().config;
        let feed_ok = request["feedId"]
            .as_u64()
            .is_none_or(|id| id == config.adtraction_feed_id);
        if program_id != config.adtraction_program_id
            || channel_id != config.adtraction_channel_id
            || !feed_ok
        {
            return message(
                StatusCode::NOT_FOUND,
                quota,
                "Not found: no such program or feed",
            );
        }
        let bytes = serde_json::to_vec(&config.adtraction_products).unwrap_or_default();
        (
            bytes,
            config.adtraction_products.len(),
            config.adtraction_feed_last_updated.clone(),
        )
    };
    quota.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    quota.insert("count", HeaderValue::from(count));
    if let Ok(value) = HeaderValue::from_str(&last_updated) {
        quota.insert("feed_lastupdated", value);
    }
    state.body_response(quota, bytes)
}
