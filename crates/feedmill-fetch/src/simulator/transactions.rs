//! The transaction reports of the three networks and Adtraction's commission types, with
//! their faults: 429 with `Retry-After` (the first N calls), bad tokens (401 / PartnerBoost
//! code 1001), PartnerBoost paging, Awin's 31-day span and 20-calls-a-minute limit. Rows are
//! served as configured, so a malformed one reaches the client as it is; a row whose date
//! cannot be read is in every window.

use super::adtraction::gate;
use super::state::SimState;
use crate::transactions::fields::parse_iso_time;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Awin's longest span per call.
const AWIN_MAX_SPAN_DAYS: i64 = 31;

/// 429 with `Retry-After` while the fault budget lasts.
fn rate_limited(state: &SimState) -> Option<Response> {
    let limited = state.take(|i| {
        (
            &mut i.num_transactions_limited,
            i.config.transactions.rate_limited_first_n,
        )
    });
    if !limited {
        return None;
    }
    let secs = state.lock().config.transactions.retry_after_secs;
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({"message": "Too many requests"})),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    Some(response)
}

/// PartnerBoost's report; `params` are the gateway's, the token already checked.
pub(super) fn partnerboost(state: &SimState, params: &HashMap<String, String>) -> Response {
    if let Some(response) = rate_limited(state) {
        return response;
    }
    let date = |key: &str| {
        params
            .get(key)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let (Some(begin), Some(end)) = (date("begin_date"), date("end_date")) else {
        return pb_status(1003, "begin_date and end_date are required (YYYY-MM-DD)");
    };
    if end < begin || end - begin > Duration::days(62) {
        return pb_status(1006, "date span exceeds 62 days");
    }
    let number = |key: &str, default: usize| {
        params
            .get(key)
            .map_or(Some(default), |v| v.trim().parse::<usize>().ok())
    };
    let (Some(page), Some(limit)) = (number("page", 1), number("limit", 100)) else {
        return pb_status(1003, "page or limit is invalid");
    };
    let config = &state.lock().config.transactions;
    let limit = limit.clamp(1, config.partnerboost_page_cap.max(1));
    let rows: Vec<&Value> = config
        .partnerboost_rows
        .iter()
        .filter(|row| match order_time(row) {
            Some(time) => (begin..=end).contains(&time.date_naive()),
            None => true,
        })
        .collect();
    let list: Vec<&Value> = rows
        .iter()
        .skip(page.saturating_sub(1) * limit)
        .take(limit)
        .copied()
        .collect();
    let total_page = rows.len().div_ceil(limit).max(1);
    let body = json!({
        "status": {"code": 0, "msg": "success"},
        "data": {
            "total_page": total_page.to_string(),
            "total_trans": rows.len().to_string(),
            "list": list
        }
    });
    Json(body).into_response()
}

fn pb_status(code: i64, msg: &str) -> Response {
    Json(json!({"status": {"code": code, "msg": msg}, "data": []})).into_response()
}

/// `POST /v2/partner/transactions/`.
pub(super) async fn adtraction(
    State(state): State<Arc<SimState>>,
    headers: HeaderMap,
    query: Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let quota = match gate(&state, &headers, &query) {
        Ok(quota) => quota,
        Err(response) => return *response,
    };
    if let Some(response) = rate_limited(&state) {
        return response;
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let bound = |key: &str| request[key].as_str().and_then(parse_iso_time);
    let (Some(from), Some(to)) = (bound("fromDate"), bound("toDate")) else {
        let message = json!({"message": "Bad request: fromDate and toDate are required"});
        return (StatusCode::BAD_REQUEST, quota, Json(message)).into_response();
    };
    let rows = in_window(&state.lock().config.transactions.adtraction_rows, from, to);
    (StatusCode::OK, quota, Json(rows)).into_response()
}

/// `GET /v3/partner/programs/commissions/{programId}/` (and `…/{channelId}/`).
pub(super) async fn adtraction_commissions(
    State(state): State<Arc<SimState>>,
    Path(path): Path<HashMap<String, String>>,
    headers: HeaderMap,
    query: Query<HashMap<String, String>>,
) -> Response {
    let quota = match gate(&state, &headers, &query) {
        Ok(quota) => quota,
        Err(response) => return *response,
    };
    let program = path.get("program_id").and_then(|id| id.parse::<u64>().ok());
    let config = &state.lock().config.transactions;
    match program.and_then(|id| config.adtraction_commissions.get(&id)) {
        Some(types) => (StatusCode::OK, quota, Json(types.clone())).into_response(),
        None => {
            let message = json!({"message": "Not found: no such program"});
            (StatusCode::NOT_FOUND, quota, Json(message)).into_response()
        }
    }
}

/// `GET /publishers/{id}/transactions/`.
pub(super) async fn awin(
    State(state): State<Arc<SimState>>,
    Path(publisher_id): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (token, publisher, per_minute) = {
        let config = &state.lock().config.transactions;
        (
            config.awin_api_token.clone(),
            config.awin_publisher_id,
            config.awin_calls_per_minute,
        )
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(token.as_str()) {
        return awin_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: invalid access token",
        );
    }
    if publisher_id != publisher.to_string() {
        return awin_error(StatusCode::NOT_FOUND, "Not found: no such publisher");
    }
    if !state.awin_call_allowed(per_minute) {
        return awin_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests: 20 per minute",
        );
    }
    if let Some(response) = rate_limited(&state) {
        return response;
    }
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let bound = |key: &str| params.get(key).and_then(|v| parse_iso_time(v));
    let (Some(from), Some(to)) = (bound("startDate"), bound("endDate")) else {
        return awin_error(
            StatusCode::BAD_REQUEST,
            "startDate and endDate are required",
        );
    };
    if to < from || to - from > Duration::days(AWIN_MAX_SPAN_DAYS) {
        return awin_error(StatusCode::BAD_REQUEST, "Date range exceeds 31 days");
    }
    let rows = in_window(&state.lock().config.transactions.awin_rows, from, to);
    Json(rows).into_response()
}

fn awin_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

/// The rows whose `transactionDate` is in `[from, to)`, and those without a readable one.
/// A PartnerBoost row's `order_time` (unix seconds, as a string or a number).
fn order_time(row: &Value) -> Option<DateTime<Utc>> {
    let secs = match &row["order_time"] {
        Value::String(text) => text.trim().parse().ok(),
        Value::Number(number) => number.as_i64(),
        _ => None,
    };
    DateTime::from_timestamp(secs?, 0)
}

fn in_window(rows: &[Value], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Value> {
    rows.iter()
        .filter(
            |row| match row["transactionDate"].as_str().and_then(parse_iso_time) {
                Some(time) => from <= time && time < to,
                None => true,
            },
        )
        .cloned()
        .collect()
}
