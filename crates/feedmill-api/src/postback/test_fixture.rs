//! A router with two postback programs over a fresh store, and what the tests read back: the
//! answer, the stored conversion and a dump of every conversion row (to prove that a refused
//! postback stored or changed nothing).

use crate::postback::{PostbackProgram, PostbackPrograms};
use crate::rate_limit::ApiClock;
use crate::router::router;
use crate::state::AppState;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, Method, StatusCode};
use feedmill_model::Currency;
use feedmill_store::{Conversion, ConversionStore, SqliteStore};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

/// The Polish shop's key (Linkolino's example key).
pub(super) const PL_KEY: &str = "sk_live_abc123";
/// The Swedish shop's key.
pub(super) const SE_KEY: &str = "sk_live_se_789";

pub(super) struct Postbacks {
    pub state: AppState,
    pub clock: ApiClock,
    pub store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

pub(super) fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|err| panic!("{code}: {err}"))
}

pub(super) fn program(id: &str, code: &str, keys: &[&str]) -> PostbackProgram {
    PostbackProgram::new(id, currency(code), keys).unwrap_or_else(|err| panic!("{id}: {err}"))
}

pub(super) fn programs(list: Vec<PostbackProgram>) -> PostbackPrograms {
    PostbackPrograms::new(list).unwrap_or_else(|err| panic!("programs: {err}"))
}

/// `shop-pl` (PLN, [`PL_KEY`]) and `shop-se` (SEK, [`SE_KEY`]).
pub(super) fn postbacks() -> Postbacks {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let store = fixture_store(dir.path());
    let clock = ApiClock::manual();
    let index = Arc::new(index_with(&fixture_offers()));
    let config = fixture_config(&dir.path().join("clicks.ndjson"));
    let state = AppState::with_clock(index, config, store.clone(), clock.clone())
        .unwrap_or_else(|err| panic!("state: {err}"));
    state.reload_programs(programs(vec![
        program("shop-pl", "PLN", &[PL_KEY]),
        program("shop-se", "SEK", &[SE_KEY]),
    ]));
    Postbacks {
        state,
        clock,
        store,
        _dir: dir,
    }
}

pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
}

impl Answer {
    pub fn error_code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or_default()
    }

    pub fn conversion_id(&self) -> &str {
        self.json["conversion_id"].as_str().unwrap_or_default()
    }
}

/// Sends a request from 192.0.2.7 with `headers` and `body`.
pub(super) async fn send(
    state: &AppState,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> Answer {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder
        .body(body.into())
        .unwrap_or_else(|err| panic!("request {uri}: {err}"));
    let peer: SocketAddr = ([192, 0, 2, 7], 4711).into();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = router(state.clone())
        .oneshot(request)
        .await
        .unwrap_or_else(|err| match err {});
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|err| panic!("not json ({err}): {}", String::from_utf8_lossy(&bytes)));
    Answer {
        status,
        headers,
        json,
    }
}

/// A `GET` with the Polish shop's key in `X-Api-Key`.
pub(super) async fn get_pl(state: &AppState, uri: &str) -> Answer {
    send(
        state,
        Method::GET,
        uri,
        &[("x-api-key", PL_KEY)],
        Body::empty(),
    )
    .await
}

/// A `POST` of `body` as `content_type` with the Polish shop's key.
pub(super) async fn post_pl(
    state: &AppState,
    uri: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> Answer {
    let headers = [("x-api-key", PL_KEY), ("content-type", content_type)];
    send(state, Method::POST, uri, &headers, body).await
}

pub(super) fn stored(store: &SqliteStore, program: &str, order: &str) -> Option<Conversion> {
    store
        .conversion(program, order)
        .unwrap_or_else(|err| panic!("conversion: {err}"))
}

/// Every row of the conversion tables as text, in a stable order.
pub(super) fn dump(store: &SqliteStore) -> Vec<String> {
    let connection = rusqlite::Connection::open(store.path())
        .unwrap_or_else(|err| panic!("open {}: {err}", store.path().display()));
    let mut rows = Vec::new();
    for table in ["conversions", "conversion_status_history"] {
        let sql = format!("SELECT * FROM {table} ORDER BY 1, 2, 3");
        let mut statement = connection
            .prepare(&sql)
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
        let num_columns = statement.column_count();
        let mut query = statement
            .query([])
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
        while let Ok(Some(row)) = query.next() {
            let values: Vec<String> = (0..num_columns)
                .map(|i| format!("{:?}", row.get_ref(i).ok()))
                .collect();
            rows.push(format!("{table}: {}", values.join(" | ")));
        }
    }
    rows
}

/// A `multipart/form-data` body of `fields` (raw bytes, so tests can send bad UTF-8) and its
/// content type.
pub(super) fn multipart(fields: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "feedmill-postback-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}
