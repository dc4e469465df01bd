//! PartnerBoost's `/api.php` gateway: the publisher datafeed and the brand list, answering
//! every outcome with HTTP 200 and a result code in the envelope, every number a string.
//! Parameters are read from the query string, a form body or a JSON body, as the docs allow.

use super::sample_data::escape_xml;
use super::state::SimState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

const MAX_LIMIT: usize = 100;

pub(super) async fn api(
    State(state): State<Arc<SimState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = params(query.as_deref(), &headers, &body);
    let xml = params
        .get("type")
        .is_some_and(|t| t.eq_ignore_ascii_case("xml"));
    let expected = state.lock().config.partnerboost_token.clone();
    match params.get("token") {
        None => return status_only(&state, xml, 1003, "token is required"),
        Some(token) if *token != expected => return status_only(&state, xml, 1001, "Token error"),
        Some(_) => {}
    }
    if state.take(|i| (&mut i.num_busy, i.config.partnerboost_busy_first_n)) {
        return status_only(&state, xml, 1002, "Call frequency too high");
    }
    if params.get("mod").map(String::as_str) == Some("medium")
        && params.get("op").map(String::as_str) == Some("transaction")
    {
        return super::transactions::partnerboost(&state, &params);
    }
    let Some((page, limit)) = paging(&params) else {
        return status_only(&state, xml, 1003, "page or limit is invalid");
    };
    let action = (
        params.get("mod").map(String::as_str),
        params.get("op").map(String::as_str),
    );
    match action {
        (Some("datafeed"), Some("list")) => datafeed(&state, &params, page, limit, xml),
        (Some("medium"), Some("monetization_api")) => brands(&state, page, limit),
        _ => status_only(&state, xml, 1003, "unknown mod or op"),
    }
}

fn datafeed(
    state: &SimState,
    params: &HashMap<String, String>,
    page: usize,
    limit: usize,
    xml: bool,
) -> Response {
    let (total, list) = {
        let config = &state.lock().config;
        let matches = |item: &&Value, key: &str| {
            params
                .get(key)
                .is_none_or(|wanted| item[key].as_str() == Some(wanted.as_str()))
        };
        let items: Vec<&Value> = config
            .partnerboost_items
            .iter()
            .filter(|item| matches(item, "brand_id") && matches(item, "mcid"))
            .collect();
        let list: Vec<Value> = items
            .iter()
            .skip((page - 1) * limit)
            .take(limit)
            .map(|item| (*item).clone())
            .collect();
        (items.len(), list)
    };
    if xml {
        return respond(state, true, xml_envelope(total, &list));
    }
    let body = json!({
        "status": {"code": 0, "msg": "success"},
        "data": {"total": total.to_string(), "list": list}
    });
    respond(state, false, serde_json::to_vec(&body).unwrap_or_default())
}

fn brands(state: &SimState, page: usize, limit: usize) -> Response {
    let (total, list) = {
        let config = &state.lock().config;
        let brands = &config.partnerboost_brands;
        let list: Vec<Value> = brands
            .iter()
            .skip((page - 1) * limit)
            .take(limit)
            .cloned()
            .collect();
        (brands.len(), list)
    };
    let body = json!({
        "status": {"code": 0, "msg": "success"},
        "data": {
            "total_mcid": total.to_string(),
            "total_page": total.div_ceil(limit).max(1).to_string(),
            "list": list
        }
    });
    respond(state, false, serde_json::to_vec(&body).unwrap_or_default())
}

fn status_only(state: &SimState, xml: bool, code: i64, msg: &str) -> Response {
    if xml {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root><status><code>{code}</code>\
             <msg>{}</msg></status><data/></root>",
            escape_xml(msg)
        );
        return respond(state, true, body.into_bytes());
    }
    let body = json!({"status": {"code": code, "msg": msg}, "data": []});
    respond(state, false, serde_json::to_vec(&body).unwrap_or_default())
}

fn respond(state: &SimState, xml: bool, bytes: Vec<u8>) -> Response {
    let mut headers = HeaderMap::new();
    let content_type = if xml {
        "text/xml; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    state.body_response(headers, bytes)
}

/// `<root><status/><data><total/><list><item>…` with the documented `updated-at` spelling.
fn xml_envelope(total: usize, list: &[Value]) -> Vec<u8> {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root><status><code>0</code><msg>success</msg>\
         </status><data><total>{total}</total><list>"
    );
    for item in list {
        out.push_str("<item>");
        if let Some(fields) = item.as_object() {
            for (key, value) in fields {
                let tag = if key == "updated_at" {
                    "updated-at"
                } else {
                    key.as_str()
                };
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                out.push_str(&format!("<{tag}>{}</{tag}>", escape_xml(&text)));
            }
        }
        out.push_str("</item>");
    }
    out.push_str("</list></data></root>\n");
    out.into_bytes()
}

fn paging(params: &HashMap<String, String>) -> Option<(usize, usize)> {
    let number = |key: &str, default: usize| match params.get(key) {
        None => Some(default),
        Some(text) => text.trim().parse::<usize>().ok(),
    };
    let page = number("page", 1)?;
    let limit = number("limit", MAX_LIMIT)?;
    (page >= 1 && limit >= 1).then_some((page, limit.min(MAX_LIMIT)))
}

/// Query string, then form or JSON body (body wins).
fn params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let mut params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) {
            for (key, value) in fields {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                params.insert(key, text);
            }
        }
    } else {
        params.extend(url::form_urlencoded::parse(body).into_owned());
    }
    params
}
