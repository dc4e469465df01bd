//! The OpenAPI document against the server itself, through the router over the fixture index:
//! real answers of every route validate against the response schema the document gives for
//! their status, formats included (the schemas are derived from the answers' types; this checks
//! the derive's reading of their serde attributes), and each query parameter's schema accepts
//! exactly the values the server accepts.

use super::{document_json, param_schema};
use crate::params::{ParamKind, ParamSpec, ParamValues, SEARCH_PARAMS, SUGGEST_PARAMS};
use crate::router::router;
use crate::state::AppState;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::Method;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

pub(super) fn doc() -> Value {
    serde_json::from_str(document_json()).unwrap_or(Value::Null)
}

pub(super) fn state(dir: &std::path::Path) -> AppState {
    let index = Arc::new(index_with(&fixture_offers()));
    AppState::new(
        index,
        fixture_config(&dir.join("clicks")),
        fixture_store(dir),
    )
    .unwrap_or_else(|err| panic!("state: {err}"))
}

/// Status, content type and body of one request through the router.
pub(super) async fn send(
    state: &AppState,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (u16, String, Vec<u8>) {
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body)
        .unwrap_or_else(|err| panic!("request {uri}: {err}"));
    let peer: SocketAddr = ([192, 0, 2, 9], 4711).into();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = router(state.clone())
        .oneshot(request)
        .await
        .unwrap_or_else(|err| match err {});
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    (status, content_type, bytes.to_vec())
}

/// A validator of `schema`, resolving its references in the document's components.
pub(super) fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    validator_with(doc, schema, false)
}

/// [`validator`], also checking `format`s (`date`, `date-time`) when `formats`.
pub(super) fn validator_with(doc: &Value, schema: &Value, formats: bool) -> jsonschema::Validator {
    let mut root = schema.clone();
    if let Some(object) = root.as_object_mut() {
        object.insert("components".into(), doc["components"].clone());
    }
    jsonschema::draft202012::options()
        .should_validate_formats(formats)
        .build(&root)
        .unwrap_or_else(|err| panic!("schema {schema}: {err}"))
}

/// Checks one answer against the document's response for its route, method and status, formats
/// (`date-time`) included.
fn check_answer(doc: &Value, route: &str, method: &str, answer: &(u16, String, Vec<u8>)) {
    let (status, content_type, body) = answer;
    let response = &doc["paths"][route][method]["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {route}: status {status} is not documented"
    );
    let Some(content) = response["content"].as_object() else {
        return;
    };
    let media = content_type.split(';').next().unwrap_or_default();
    let schema = &content
        .get(media)
        .unwrap_or_else(|| panic!("{method} {route} {status}: {media} is not documented"))["schema"];
    if media != "application/json" {
        return;
    }
    let json: Value = serde_json::from_slice(body)
        .unwrap_or_else(|err| panic!("{method} {route} {status}: not json ({err})"));
    let errors: Vec<String> = validator_with(doc, schema, true)
        .iter_errors(&json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {route} {status}: {errors:?}\n{json}"
    );
}

#[tokio::test]
async fn real_answers_of_every_route_match_the_document() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state(dir.path());
    let doc = doc();
    let link = json!({ "source": "nordic", "parameters": { "clickref": "c1" } });
    let cases: Vec<(&str, Method, String, Option<Value>)> = vec![
        ("/search", Method::GET, "/search".into(), None),
        (
            "/search",
            Method::GET,
            "/search?q=shoe&subid=s1".into(),
            None,
        ),
        (
            "/search",
            Method::GET,
            "/search?group_by=gtin&facets=brand,category,merchant,network,price".into(),
            None,
        ),
        (
            "/search",
            Method::GET,
            "/search?min_price=9&max_price=1&facets=brand".into(),
            None,
        ),
        (
            "/search",
            Method::GET,
            "/search?sort=price_desc&in_stock=true&per_page=1&page=2".into(),
            None,
        ),
        ("/search", Method::GET, "/search?per_page=0".into(), None),
        ("/suggest", Method::GET, "/suggest?q=s&limit=5".into(), None),
        ("/suggest", Method::GET, "/suggest".into(), None),
        (
            "/offers/{id}",
            Method::GET,
            "/offers/nordic%3A1496445%3ASKU-1?subid=x".into(),
            None,
        ),
        ("/offers/{id}", Method::GET, "/offers/nope".into(), None),
        (
            "/products/{gtin}",
            Method::GET,
            "/products/4006381333931".into(),
            None,
        ),
        (
            "/products/{gtin}",
            Method::GET,
            "/products/12345670".into(),
            None,
        ),
        (
            "/products/{gtin}",
            Method::GET,
            "/products/abc".into(),
            None,
        ),
        (
            "/links/generate",
            Method::POST,
            "/links/generate".into(),
            Some(link.clone()),
        ),
        (
            "/links/generate",
            Method::POST,
            "/links/generate".into(),
            Some(json!({ "source": "ulike", "destinationUrl": "https://www.ulike.example/x" })),
        ),
        (
            "/links/generate",
            Method::POST,
            "/links/generate".into(),
            Some(json!({ "bogus": 1 })),
        ),
        (
            "/links/generate-batch",
            Method::POST,
            "/links/generate-batch".into(),
            Some(json!({ "requests": [link, 7] })),
        ),
        (
            "/links/generate-batch",
            Method::POST,
            "/links/generate-batch".into(),
            Some(json!({ "requests": [] })),
        ),
        (
            "/r/{code}",
            Method::GET,
            "/r/nordic%3A1496445%3ASKU-1?sub_id=a".into(),
            None,
        ),
        ("/r/{code}", Method::GET, "/r/nope".into(), None),
        ("/sources", Method::GET, "/sources".into(), None),
        ("/health", Method::GET, "/health".into(), None),
        ("/metrics", Method::GET, "/metrics".into(), None),
        ("/openapi.json", Method::GET, "/openapi.json".into(), None),
        ("/keys", Method::GET, "/keys".into(), None),
        (
            "/keys",
            Method::POST,
            "/keys".into(),
            Some(json!({ "name": "front", "actions": ["search"] })),
        ),
        (
            "/keys",
            Method::POST,
            "/keys".into(),
            Some(json!({ "name": "front", "actions": ["fly"] })),
        ),
        (
            "/keys/{id}",
            Method::DELETE,
            "/keys/0000000000000000".into(),
            None,
        ),
        (
            "/keys/scoped",
            Method::POST,
            "/keys/scoped".into(),
            Some(json!({ "filter": { "merchant": "Nordic" } })),
        ),
        (
            "/sources/{name}/refresh",
            Method::POST,
            "/sources/nordic/refresh".into(),
            None,
        ),
        (
            "/sources/{name}/pause",
            Method::POST,
            "/sources/nordic/pause".into(),
            None,
        ),
        (
            "/sources/{name}/resume",
            Method::POST,
            "/sources/nordic/resume".into(),
            None,
        ),
        ("/jobs/{id}", Method::GET, "/jobs/j-1".into(), None),
        ("/admin/reload", Method::POST, "/admin/reload".into(), None),
        ("/", Method::GET, "/".into(), None),
        ("/assets/{file}", Method::GET, "/assets/app.js".into(), None),
        (
            "/assets/{file}",
            Method::GET,
            "/assets/none.js".into(),
            None,
        ),
        (
            "/offers/{id}/history",
            Method::GET,
            "/offers/none/history?days=30".into(),
            None,
        ),
        (
            "/products/{gtin}/history",
            Method::GET,
            "/products/4006381333931/history".into(),
            None,
        ),
        (
            "/alerts",
            Method::POST,
            "/alerts".into(),
            Some(
                json!({ "gtin": "4006381333931", "below": "1.00", "currency": "EUR",
                         "callback_url": "http://127.0.0.1:9/hook" }),
            ),
        ),
        ("/matches", Method::GET, "/matches".into(), None),
        (
            "/matches",
            Method::GET,
            "/matches?status=pinned&per_page=5".into(),
            None,
        ),
        ("/matches", Method::GET, "/matches?status=open".into(), None),
        (
            "/offers/{id}/product",
            Method::PUT,
            "/offers/nordic%3A1496445%3ASKU-1/product".into(),
            Some(json!({ "product_id": "p0123456789ab" })),
        ),
        (
            "/matches",
            Method::GET,
            "/matches?status=pinned".into(),
            None,
        ),
        (
            "/offers/{id}/product",
            Method::PUT,
            "/offers/nordic%3A1496445%3ASKU-1/product".into(),
            Some(json!({ "product_id": "nope" })),
        ),
        (
            "/offers/{id}/product",
            Method::PUT,
            "/offers/none/product".into(),
            Some(json!({ "split": true })),
        ),
        (
            "/offers/{id}/product",
            Method::DELETE,
            "/offers/nordic%3A1496445%3ASKU-1/product".into(),
            None,
        ),
        (
            "/offers/{id}/product",
            Method::DELETE,
            "/offers/nordic%3A1496445%3ASKU-1/product".into(),
            None,
        ),
        ("/alerts/{id}", Method::GET, "/alerts/none".into(), None),
        ("/alerts/{id}", Method::DELETE, "/alerts/none".into(), None),
        (
            "/earnings",
            Method::GET,
            "/earnings?group_by=merchant".into(),
            None,
        ),
        (
            "/earnings/unattributed",
            Method::GET,
            "/earnings/unattributed".into(),
            None,
        ),
        (
            "/api/postback/{program_id}",
            Method::GET,
            "/api/postback/none?order_id=A-1&amount=10".into(),
            None,
        ),
        (
            "/api/postback/{program_id}",
            Method::POST,
            "/api/postback/none?order_id=A-1&amount=10".into(),
            None,
        ),
    ];
    let mut routes_seen = std::collections::BTreeSet::new();
    for (route, method, uri, body) in cases {
        let answer = send(&state, method.clone(), &uri, body).await;
        check_answer(&doc, route, &method.as_str().to_lowercase(), &answer);
        routes_seen.insert(route);
    }
    operator_answers_match_the_document(&state, &doc).await;
    for route in crate::route_paths::ALL {
        assert!(
            routes_seen.contains(route),
            "{route} has no answer checked here"
        );
    }
}

/// With an operator: a source's last report (`GET /sources`) and a finished job's report
/// (`GET /jobs/{id}`), both of the report's real type, against their schemas.
async fn operator_answers_match_the_document(state: &AppState, doc: &Value) {
    use crate::auth::test_support::{FakeOperator, sample_report};
    let operator = Arc::new(FakeOperator::default());
    assert!(state.attach_operator(operator.clone()));
    let refresh = send(state, Method::POST, "/sources/sneakerhub/refresh", None).await;
    check_answer(doc, "/sources/{name}/refresh", "post", &refresh);
    if let Some(job) = operator
        .jobs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .first_mut()
    {
        job.status = crate::operator::JobStatus::Succeeded;
        job.report = Some(sample_report(&job.source));
    }
    let job = send(state, Method::GET, "/jobs/job-1", None).await;
    check_answer(doc, "/jobs/{id}", "get", &job);
    let job: Value = serde_json::from_slice(&job.2).unwrap_or_default();
    assert_eq!(job["report"]["details"]["guard"]["min_ratio"], 0.5, "{job}");
    let sources = send(state, Method::GET, "/sources", None).await;
    check_answer(doc, "/sources", "get", &sources);
    let sources: Value = serde_json::from_slice(&sources.2).unwrap_or_default();
    let reports: Vec<&Value> = sources["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|source| &source["last_report"])
        .filter(|report| !report.is_null())
        .collect();
    assert!(!reports.is_empty(), "no last_report checked: {sources}");
    for report in reports {
        assert_eq!(report["outcome"]["status"], "ingested", "{report}");
        assert_eq!(report["details"]["rejected_by_reason"]["missing_price"], 2);
    }
}

/// A query value as schemathesis sends it for the parameter's schema: a whole number for an
/// integer, a one-value array for a repeatable parameter, else the text.
fn as_json(spec: &ParamSpec, text: &str) -> Value {
    let one = match spec.kind {
        ParamKind::Integer => text
            .parse::<i64>()
            .map_or_else(|_| json!(text), |n| json!(n)),
        ParamKind::Text | ParamKind::Decimal | ParamKind::Boolean => json!(text),
    };
    if spec.repeatable { json!([one]) } else { one }
}

/// Values the server takes beyond the schema, on purpose: enums and booleans in any case and
/// spelling (`PRICE_ASC`, `yes`), and a blank number or name as absent.
fn lenient(spec: &ParamSpec, text: &str) -> bool {
    if text.trim().is_empty() && !matches!(spec.values, ParamValues::Pattern(_)) {
        return true;
    }
    match (spec.kind, spec.values) {
        (ParamKind::Boolean, _) => true,
        // Blanks around a date or time are trimmed.
        (_, ParamValues::DateOrTime) => text != text.trim(),
        (_, ParamValues::OneOf(values)) => {
            values().iter().any(|v| v.eq_ignore_ascii_case(text.trim()))
        }
        _ => false,
    }
}

const SAMPLES: &[&str] = &[
    "",
    " ",
    "a",
    "0",
    "1",
    "-1",
    "2",
    "50",
    "51",
    "100",
    "101",
    "1.5",
    "99.50",
    "1.",
    ".5",
    "1e5",
    "+1",
    "1234567890123456",
    "123456789012345.1234567890",
    "SEK",
    "sek",
    "XYZ",
    "QQ",
    "awin",
    "myspace",
    "price_asc",
    "cheap",
    "gtin",
    "brand",
    "brand,price",
    " brand , ,price",
    "colour",
    "brand,colour",
    "4006381333931",
    "4006-381 333931",
    "123456789012345",
    "12ab",
    ">>",
    " > ",
    "Sport > Skor",
    "a@b",
    "a b",
    "ok_id-1",
    "true",
    "false",
    "maybe",
];

fn long_samples() -> Vec<String> {
    vec![
        "a".repeat(64),
        "a".repeat(65),
        "a".repeat(256),
        "a".repeat(257),
        "\u{e9}".repeat(256),
    ]
}

/// Dates and times, for the earnings reports' `from` and `to` (all before now, so that a `from`
/// is before the default `to`).
const DATE_SAMPLES: &[&str] = &[
    "2026-01-31",
    "2024-02-29",
    "2026-01-31T10:00:00Z",
    "2026-01-31T10:00:00.250+02:00",
    " 2026-01-31 ",
    "2026-02-30",
    "2026-13-01",
    "2026-01-31T25:00:00Z",
    "2026-01-31T10:00:00",
    "31.01.2026",
    "last-week",
];

async fn check_params(state: &AppState, path: &str, base: &str, specs: &[ParamSpec]) {
    check_params_with(state, path, base, specs, &[]).await;
}

/// Each of `specs` with every sample and `extra`: valid by its schema (formats checked) means
/// accepted, and invalid refused unless [`lenient`].
async fn check_params_with(
    state: &AppState,
    path: &str,
    base: &str,
    specs: &[ParamSpec],
    extra: &[&str],
) {
    let doc = doc();
    let long = long_samples();
    let samples: Vec<&str> = SAMPLES
        .iter()
        .copied()
        .chain(long.iter().map(String::as_str))
        .chain(extra.iter().copied())
        .collect();
    for spec in specs {
        let schema = serde_json::to_value(param_schema(spec)).unwrap_or_default();
        let validator = validator_with(&doc, &schema, true);
        for text in &samples {
            let encoded: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
            let uri = format!("{path}?{base}{}={encoded}", spec.name);
            let (status, _, body) = send(state, Method::GET, &uri, None).await;
            let accepted = status < 400;
            let valid = validator.is_valid(&as_json(spec, text));
            let why = String::from_utf8_lossy(&body);
            if valid {
                assert!(accepted, "{uri}: valid by {schema} but {status} {why}");
            } else {
                assert!(
                    !accepted || lenient(spec, text),
                    "{uri}: invalid by {schema} but {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn parameter_schemas_accept_what_the_server_accepts() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state(dir.path());
    check_params(&state, "/search", "", SEARCH_PARAMS).await;
    let limit_only: Vec<ParamSpec> = SUGGEST_PARAMS
        .iter()
        .filter(|s| s.name == "limit")
        .copied()
        .collect();
    check_params(&state, "/suggest", "q=s&", &limit_only).await;
    check_params(&state, "/matches", "", crate::match_params::MATCHES_PARAMS).await;
    let period = crate::earnings_params::EARNINGS_PARAMS;
    check_params_with(&state, "/earnings", "", period, DATE_SAMPLES).await;
    let unattributed = crate::earnings_params::UNATTRIBUTED_PARAMS;
    check_params_with(
        &state,
        "/earnings/unattributed",
        "",
        unattributed,
        DATE_SAMPLES,
    )
    .await;
}

/// Every JSON request body refuses unknown fields with a 400, at every level.
#[tokio::test]
async fn request_bodies_refuse_unknown_fields() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state(dir.path());
    let cases = [
        ("/links/generate", json!({ "source": "nordic", "bogus": 1 })),
        (
            "/links/generate",
            json!({ "source": "nordic", "parameters": { "clickref": "a", "bogus": 1 } }),
        ),
        (
            "/links/generate-batch",
            json!({ "requests": [{ "source": "nordic" }], "bogus": 1 }),
        ),
        (
            "/alerts",
            json!({ "gtin": "4006381333931", "callback_url": "https://hooks.example/a", "bogus": 1 }),
        ),
        (
            "/keys",
            json!({ "name": "k", "actions": ["search"], "bogus": 1 }),
        ),
        ("/keys/scoped", json!({ "filter": {}, "bogus": 1 })),
    ];
    for (path, body) in cases {
        let (status, _, answer) = send(&state, Method::POST, path, Some(body.clone())).await;
        let answer: Value = serde_json::from_slice(&answer).unwrap_or_default();
        assert_eq!(status, 400, "{path} {body}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_request", "{path} {body}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("bogus")),
            "{answer}"
        );
    }
    // Inside a batch, the unknown field is that item's own 400.
    let batch = json!({ "requests": [{ "source": "nordic", "bogus": 1 }] });
    let (status, _, answer) =
        send(&state, Method::POST, "/links/generate-batch", Some(batch)).await;
    let answer: Value = serde_json::from_slice(&answer).unwrap_or_default();
    assert_eq!(
        (status, answer["responses"][0]["status"].as_u64()),
        (200, Some(400))
    );
}

/// The link builder's body schemas refuse what the server refuses for its shape, and take what
/// it links. (A valid body can still name an unknown source: that 400 is about the data.)
#[tokio::test]
async fn link_body_schemas_agree_with_the_server() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state(dir.path());
    let doc = doc();
    let link = validator(&doc, &json!({ "$ref": "#/components/schemas/LinkRequest" }));
    let batch = validator(
        &doc,
        &json!({ "$ref": "#/components/schemas/BatchRequest" }),
    );
    let linked = [
        json!({ "source": "nordic" }),
        json!({ "advertiserId": 10597 }),
        json!({ "advertiserId": "10597", "source": null, "destinationUrl": null }),
        json!({ "source": "nordic", "shorten": false, "parameters": { "clickref": "a", "clickref2": null } }),
    ];
    let refused = [
        json!({}),
        json!({ "source": "" }),
        json!({ "source": "  " }),
        json!({ "advertiserId": null }),
        json!({ "advertiserId": -1 }),
        json!({ "advertiserId": 1.5 }),
        json!({ "source": 5 }),
        json!({ "source": "nordic", "shorten": true }),
        json!({ "source": "nordic", "parameters": { "clickref": "a b" } }),
        json!({ "source": "nordic", "parameters": { "clickref": "a".repeat(65) } }),
        json!({ "source": "nordic", "parameters": null }),
        json!({ "source": "nordic", "bogus": 1 }),
        json!([]),
        json!("nordic"),
    ];
    for body in linked {
        assert!(link.is_valid(&body), "{body}");
        let (status, _, answer) =
            send(&state, Method::POST, "/links/generate", Some(body.clone())).await;
        assert_eq!(status, 200, "{body}: {}", String::from_utf8_lossy(&answer));
    }
    for body in refused {
        assert!(!link.is_valid(&body), "{body}");
        let (status, _, _) =
            send(&state, Method::POST, "/links/generate", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
    }
    for (body, want) in [
        (json!({ "requests": [] }), 400),
        (json!({ "requests": [1, { "source": "nordic" }] }), 200),
        (
            json!({ "requests": (0..101).map(|_| json!({})).collect::<Vec<_>>() }),
            400,
        ),
        (json!({ "requests": null }), 400),
        (json!({}), 400),
    ] {
        assert_eq!(batch.is_valid(&body), want == 200, "{body}");
        let (status, _, _) = send(
            &state,
            Method::POST,
            "/links/generate-batch",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, want, "{body}");
    }
}

/// The pin body's schema (`oneOf`: a product id, or `"split": true`) accepts exactly what
/// `PUT /offers/{id}/product` accepts.
#[tokio::test]
async fn pin_body_schema_agrees_with_the_server() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let state = state(dir.path());
    let doc = doc();
    let pin = validator(&doc, &json!({ "$ref": "#/components/schemas/PinRequest" }));
    let uri = "/offers/nordic%3A1496445%3ASKU-1/product";
    let accepted = [
        json!({ "product_id": "p0123456789ab" }),
        json!({ "product_id": "p0123456789ab", "split": false }),
        json!({ "product_id": "p0123456789ab", "split": null }),
        json!({ "split": true }),
        json!({ "split": true, "product_id": null }),
    ];
    let refused = [
        json!({}),
        json!({ "product_id": null, "split": false }),
        json!({ "split": false }),
        json!({ "product_id": "p0123456789ab", "split": true }),
        json!({ "product_id": " p0123456789ab" }),
        json!({ "product_id": "P0123456789AB" }),
        json!({ "product_id": 7 }),
        json!({ "split": "yes" }),
        json!({ "split": true, "bogus": 1 }),
        json!([]),
    ];
    for body in accepted {
        assert!(pin.is_valid(&body), "{body}");
        let (status, _, answer) = send(&state, Method::PUT, uri, Some(body.clone())).await;
        assert_eq!(status, 200, "{body}: {}", String::from_utf8_lossy(&answer));
    }
    for body in refused {
        assert!(!pin.is_valid(&body), "{body}");
        let (status, _, _) = send(&state, Method::PUT, uri, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
    }
}
