//! The click-out and the click store, through the router: every redirect has its click
//! stored first, with all six sub-id slots; a store that cannot write answers `503` (and a
//! journaled click-out redirects while the database is locked); an old NDJSON click log is
//! imported once.

use crate::rate_limit::ApiClock;
use crate::router::router;
use crate::state::AppState;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with, stored_clicks};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, StatusCode};
use feedmill_store::SqliteStore;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::ServiceExt;

struct Clicks {
    state: AppState,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

fn clicks() -> Clicks {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let store = fixture_store(dir.path());
    let state = state_over(&dir, store.clone());
    Clicks {
        state,
        store,
        _dir: dir,
    }
}

fn state_over(dir: &tempfile::TempDir, store: Arc<SqliteStore>) -> AppState {
    let index = Arc::new(index_with(&fixture_offers()));
    let config = fixture_config(&dir.path().join("clicks.ndjson"));
    AppState::with_clock(index, config, store, ApiClock::manual())
        .unwrap_or_else(|err| panic!("state: {err}"))
}

/// Status, headers and body text of a `GET` from 192.0.2.7.
async fn click(
    state: &AppState,
    uri: &str,
    referer: Option<&str>,
) -> (StatusCode, HeaderMap, String) {
    let mut builder = Request::builder().uri(uri);
    if let Some(referer) = referer {
        builder = builder.header("referer", referer);
    }
    let mut request = builder
        .body(Body::empty())
        .unwrap_or_else(|err| panic!("request {uri}: {err}"));
    let peer: SocketAddr = ([192, 0, 2, 7], 4711).into();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = router(state.clone())
        .oneshot(request)
        .await
        .unwrap_or_else(|err| match err {});
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub(crate) fn location(headers: &HeaderMap) -> String {
    headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_click_out_is_stored_with_all_six_slots_before_its_redirect() {
    let c = clicks();
    let uri = "/r/nordic%3A1496445%3ASKU-1?sub_id=a&sub_id_2=b&sub_id_3=c&sub_id_4=d&sub_id_5=e&sub_id_6=f";
    let (status, headers, text) = click(&c.state, uri, Some("https://blog.example/p?x=1")).await;
    assert_eq!(status, StatusCode::FOUND, "{text}");
    let stored = stored_clicks(c.store.as_ref());
    assert_eq!(stored.len(), 1);
    let stored = &stored[0];
    assert_eq!(stored.offer_id, "nordic:1496445:SKU-1");
    assert_eq!(stored.source, "nordic");
    assert_eq!(stored.network, Some(feedmill_model::Network::Adtraction));
    assert_eq!(stored.merchant.as_deref(), Some("Nordic Sport"));
    assert_eq!(
        stored.sub_ids(),
        [
            Some("a"),
            Some("b"),
            Some("c"),
            Some("d"),
            Some("e"),
            Some("f")
        ]
    );
    assert_eq!(stored.referrer.as_deref(), Some("https://blog.example/p"));
    assert_eq!(stored.destination, location(&headers));
    assert!(feedmill_store::ClickId::parse(stored.click_id.as_str()).is_some());
}

#[tokio::test]
async fn concurrent_click_outs_are_all_stored() {
    let c = clicks();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let state = c.state.clone();
        tasks.push(tokio::spawn(async move {
            click(&state, &format!("/r/ulike%3Ap052?sub_id=n{i}"), None)
                .await
                .0
        }));
    }
    for task in tasks {
        assert_eq!(task.await.ok(), Some(StatusCode::FOUND));
    }
    assert_eq!(stored_clicks(c.store.as_ref()).len(), 20);
}

/// A second connection holding the database's write lock until dropped.
struct DatabaseLock(rusqlite::Connection);

impl DatabaseLock {
    fn take(store: &SqliteStore) -> DatabaseLock {
        let connection = rusqlite::Connection::open(store.path())
            .unwrap_or_else(|err| panic!("second connection: {err}"));
        connection
            .execute_batch("BEGIN EXCLUSIVE")
            .unwrap_or_else(|err| panic!("lock: {err}"));
        DatabaseLock(connection)
    }
}

impl Drop for DatabaseLock {
    fn drop(&mut self) {
        // A failed rollback leaves the lock to the connection's close.
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

/// Another connection holds the database's write lock: the click cannot be committed, so the
/// shopper gets a `503` with a JSON message and no `Location`, and nothing is stored.
#[tokio::test]
async fn a_store_that_cannot_write_answers_503_and_does_not_redirect() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    // The first opener holds the click journal, which keeps taking clicks while the database
    // is locked (next test); the state's store, opened second, commits each click itself.
    let _journal_holder = fixture_store(dir.path());
    let c = Clicks {
        store: fixture_store(dir.path()),
        state: state_over(&dir, fixture_store(dir.path())),
        _dir: dir,
    };
    let blocker = DatabaseLock::take(&c.store);
    let (status, headers, text) = click(&c.state, "/r/ulike%3Ap052", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert!(headers.get("location").is_none());
    assert!(headers.get("retry-after").is_some());
    let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(body["error"]["code"], "store_unavailable");
    drop(blocker);
    assert!(stored_clicks(c.store.as_ref()).is_empty());
    let (status, _, _) = click(&c.state, "/r/ulike%3Ap052", None).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(stored_clicks(c.store.as_ref()).len(), 1);
}

#[tokio::test]
async fn a_journaled_click_out_redirects_while_the_database_is_locked_and_is_stored_after() {
    let c = clicks();
    let blocker = DatabaseLock::take(&c.store);
    let (status, headers, text) = click(&c.state, "/r/ulike%3Ap052", None).await;
    assert_eq!(status, StatusCode::FOUND, "{text}");
    assert!(headers.get("location").is_some());
    drop(blocker);
    let store = c.store.clone();
    let stored = tokio::task::spawn_blocking(move || stored_clicks(store.as_ref()))
        .await
        .unwrap_or_else(|err| panic!("read: {err}"));
    assert_eq!(stored.len(), 1, "the journaled click reaches the database");
}

#[tokio::test]
async fn an_old_click_log_is_imported_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let log = "{\"time\":\"2026-01-02T03:04:05Z\",\"offer_id\":\"ulike:p052\",\"source\":\"ulike\",\"sub_id\":\"old\",\"destination\":\"https://x.example/\"}\n\
               {\"time\":\"2026-01-02T03:04:06Z\",\"offer_id\":\"ulike:p052\",\"source\":\"ulike\",\"destination\":\"https://x.example/\"}\n\
               {\"time\":\"19";
    std::fs::write(dir.path().join("clicks.ndjson"), log)
        .unwrap_or_else(|err| panic!("log: {err}"));
    let store = fixture_store(dir.path());
    drop(state_over(&dir, store.clone()));
    let state = state_over(&dir, store.clone());
    let stored = stored_clicks(store.as_ref());
    assert_eq!(stored.len(), 2, "two complete lines, imported once");
    assert_eq!(stored[0].sub_id.as_deref(), Some("old"));
    let (status, _, _) = click(&state, "/r/ulike%3Ap052", None).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(stored_clicks(store.as_ref()).len(), 3);
}

/// The value of query parameter `name` in `link`.
fn query_value(link: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The stored click id of the latest click-out of `offer_id`.
fn stored_id(store: &SqliteStore, offer_id: &str) -> String {
    stored_clicks(store)
        .iter()
        .rev()
        .find(|c| c.offer_id == offer_id)
        .map(|c| c.click_id.to_string())
        .unwrap_or_else(|| panic!("no stored click of {offer_id}"))
}

const TEMPLATE_WITH_CLICK_ID: &str =
    "https://go.network.example/c?site=9&sub={subid}&cid={click_id}&dest={url}";

fn state_with_click_id_template(dir: &tempfile::TempDir, store: Arc<SqliteStore>) -> AppState {
    let index = Arc::new(index_with(&fixture_offers()));
    let techstore = crate::SourceLinks {
        deep_link_template: Some(TEMPLATE_WITH_CLICK_ID.into()),
        ..crate::SourceLinks::default()
    };
    let config =
        fixture_config(&dir.path().join("clicks.ndjson")).with_source("techstore", techstore);
    AppState::with_clock(index, config, store, ApiClock::manual())
        .unwrap_or_else(|err| panic!("state: {err}"))
}

#[tokio::test]
async fn the_location_carries_the_click_id_in_each_networks_slot() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let store = fixture_store(dir.path());
    let state = state_with_click_id_template(&dir, store.clone());
    let query_slots = [
        ("sneakerhub:38953120000", "clickref6", "clickref"),
        ("ulike:p052", "uid5", "uid"),
        ("techstore:p078", "cid", "sub"),
    ];
    for (offer, click_param, caller_param) in query_slots {
        let uri = format!("/r/{}?sub_id=nl", offer.replace(':', "%3A"));
        let (status, headers, text) = click(&state, &uri, None).await;
        assert_eq!(status, StatusCode::FOUND, "{offer}: {text}");
        let link = location(&headers);
        let id = stored_id(&store, offer);
        assert_eq!(query_value(&link, click_param), Some(id), "{link}");
        assert_eq!(
            query_value(&link, caller_param).as_deref(),
            Some("nl"),
            "{link}"
        );
    }
    // Adtraction reports `epi` back alone: the click id takes it, the caller keeps `epi2` on.
    let uri = "/r/nordic%3A1496445%3ASKU-1?sub_id=nl&sub_id_2=top";
    let (_, headers, _) = click(&state, uri, None).await;
    let link = location(&headers);
    let id = stored_id(&store, "nordic:1496445:SKU-1");
    assert_eq!(query_value(&link, "epi"), Some(id), "{link}");
    assert_eq!(query_value(&link, "epi2").as_deref(), Some("top"), "{link}");
    assert_eq!(query_value(&link, "epi5"), None, "{link}");
    // TradeTracker's one slot: the click id takes it (here the reference part of `tt`); the
    // caller's sub-id is kept in the store only.
    let (_, headers, _) = click(&state, "/r/homeshop%3Ap069?sub_id=nl", None).await;
    let link = location(&headers);
    let id = stored_id(&store, "homeshop:p069");
    assert_eq!(
        query_value(&link, "tt"),
        Some(format!("534_251713_1_{id}")),
        "{link}"
    );
    assert!(!link.contains("nl"), "{link}");
    let homeshop = stored_clicks(store.as_ref());
    let homeshop = homeshop
        .iter()
        .rev()
        .find(|c| c.offer_id == "homeshop:p069");
    assert_eq!(homeshop.and_then(|c| c.sub_id.as_deref()), Some("nl"));
    // Tradedoubler (a generic feed's links): `epi(..)`.
    let (_, headers, _) = click(&state, "/r/spelbutiken%3A68837", None).await;
    let id = stored_id(&store, "spelbutiken:68837");
    assert!(
        location(&headers).contains(&format!("epi({id})")),
        "{}",
        location(&headers)
    );
}

#[tokio::test]
async fn two_click_outs_get_different_ids_and_searches_carry_none() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let store = fixture_store(dir.path());
    let state = state_with_click_id_template(&dir, store.clone());
    let search = "/search?source=techstore&subid=nl";
    let (_, _, before) = click(&state, search, None).await;
    let mut links = Vec::new();
    for _ in 0..2 {
        let (status, headers, _) = click(&state, "/r/techstore%3Ap078?sub_id=nl", None).await;
        assert_eq!(status, StatusCode::FOUND);
        links.push(location(&headers));
    }
    let stored = stored_clicks(store.as_ref());
    assert_eq!(stored.len(), 2);
    assert_ne!(stored[0].click_id, stored[1].click_id);
    assert_ne!(links[0], links[1]);
    for click in &stored {
        assert!(links.iter().any(|l| l.contains(click.click_id.as_str())));
    }
    // The search answer (cached or not) has the placeholder empty and no click's id.
    let (_, _, after) = click(&state, search, None).await;
    for answer in [&before, &after] {
        assert!(answer.contains("cid=&dest="), "{answer}");
        for click in &stored {
            assert!(!answer.contains(click.click_id.as_str()), "{answer}");
        }
    }
}
