//! Price alerts end to end: the endpoints through the router, and evaluation and delivery to a
//! real callback server on 127.0.0.1 (so these tests allow private callbacks).

use crate::alerts::{AlertEvaluator, CallbackPolicy, RetryPolicy, SIGNATURE_HEADER, verify};
use crate::history_tests::{SHOE_GTIN, call};
use crate::state::AppState;
use crate::testing::{fixture_config, fixture_offers, fixture_store, full_offer};
use axum::http::StatusCode;
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex};
use feedmill_model::{Decimal, Offer};
use feedmill_store::{AlertId, AlertStore, DeliveryState, SqliteStore};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) struct Fixture {
    pub state: AppState,
    pub index: Arc<OfferIndex>,
    pub store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
}

pub(crate) fn fixture(allow_private: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let index = Arc::new(crate::testing::index_with(&fixture_offers()));
    let store = fixture_store(dir.path());
    let mut config = fixture_config(&dir.path().join("clicks.ndjson"));
    config.allow_private_callbacks = allow_private;
    let state = AppState::new(index.clone(), config, store.clone())
        .unwrap_or_else(|err| panic!("state: {err}"));
    Fixture {
        state,
        index,
        store,
        _dir: dir,
    }
}

/// A request the callback server received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub signature: String,
    pub delivery: String,
    pub body: Vec<u8>,
}

/// A callback server on 127.0.0.1 that answers with the scripted statuses, then 200.
#[derive(Clone, Default)]
pub(crate) struct Callback {
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl Callback {
    pub(crate) async fn start(script: &[u16]) -> (Callback, String) {
        let callback = Callback::default();
        callback.lock_script().extend(script);
        let server = callback.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    server.lock_received().push(Received {
                        signature: header(SIGNATURE_HEADER),
                        delivery: header("X-Feedmill-Delivery"),
                        body: body.to_vec(),
                    });
                    let status = server.lock_script().pop_front().unwrap_or(200);
                    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
                },
            ),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|err| panic!("bind: {err}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|err| panic!("addr: {err}"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (callback, format!("http://{addr}/hook"))
    }

    fn lock_received(&self) -> std::sync::MutexGuard<'_, Vec<Received>> {
        self.received.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_script(&self) -> std::sync::MutexGuard<'_, VecDeque<u16>> {
        self.script.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.lock_received().clone()
    }
}

pub(crate) fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        first_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
    }
}

fn evaluator(f: &Fixture, allow_private: bool, max_attempts: u32) -> Arc<AlertEvaluator> {
    let policy = CallbackPolicy { allow_private };
    Arc::new(
        AlertEvaluator::new(f.index.clone(), f.store.clone(), policy)
            .with_retry(fast_retry(max_attempts)),
    )
}

pub(crate) async fn create(f: &Fixture, body: Value) -> (StatusCode, Value) {
    call(&f.state, "POST", "/alerts", &body.to_string()).await
}

fn alert_id(created: &Value) -> AlertId {
    let id = created["id"].as_str().unwrap_or_default();
    AlertId::parse(id).unwrap_or_else(|| panic!("no alert id in {created}"))
}

/// Replaces the `nordic` source with its shoe at `price` SEK.
fn reprice_nordic(index: &OfferIndex, price: &str) {
    let offer = Offer {
        price: price.parse::<Decimal>().unwrap_or_default(),
        ..full_offer()
    };
    let mut ingest = index
        .begin_source_ingest("nordic", IngestOptions::default())
        .unwrap_or_else(|err| panic!("ingest: {err}"));
    ingest
        .add(&offer)
        .unwrap_or_else(|err| panic!("add: {err}"));
    ingest
        .commit(IngestMeta::default())
        .unwrap_or_else(|err| panic!("commit: {err}"));
}

#[tokio::test]
async fn an_alert_is_created_with_its_secret_once_read_and_deleted() {
    let f = fixture(false);
    let (status, created) = create(
        &f,
        json!({"gtin": SHOE_GTIN, "below": "700.00", "currency": "SEK",
               "callback_url": "https://93.184.215.14/hook"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["secret"].as_str().map(str::len), Some(64));
    assert_eq!(created["gtin"], "04006381333931");
    assert_eq!(created["below"], "700.00");
    assert!(created["offer_id"].is_null() && created["is_below"].is_null());
    let path = format!("/alerts/{}", alert_id(&created));
    let (status, read) = call(&f.state, "GET", &path, "").await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert!(
        read.get("secret").is_none(),
        "the secret is shown once: {read}"
    );
    assert_eq!(read["deliveries"], json!([]));
    assert_eq!(read["callback_url"], "https://93.184.215.14/hook");
    let (status, _) = call(&f.state, "DELETE", &path, "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = call(&f.state, "GET", &path, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
    let (status, _) = call(&f.state, "DELETE", &path, "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&f.state, "GET", "/alerts/not-an-id", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_alert_requests_are_4xx_with_a_reason() {
    let f = fixture(false);
    let good = json!({"offer_id": "nordic:1496445:SKU-1", "below": "79.00", "currency": "SEK",
                      "callback_url": "https://93.184.215.14/hook"});
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let cases = [
        (with("gtin", json!(SHOE_GTIN)), 400, "exactly one"),
        (with("offer_id", json!("nordic:none")), 404, "no offer"),
        (with("below", json!("-1")), 400, "below"),
        (with("below", json!("0")), 400, "below"),
        (with("below", json!("1e3")), 400, "below"),
        (with("below", json!("1.00001")), 400, "4 decimal"),
        (with("below", json!(79)), 400, "below"),
        (with("currency", json!("EURO")), 400, "currency"),
        (with("colour", json!("red")), 400, "colour"),
        (
            with("callback_url", json!("ftp://93.184.215.14/")),
            400,
            "http or https",
        ),
        (
            with("callback_url", json!("http://127.0.0.1:9/")),
            400,
            "loopback",
        ),
        (
            with("callback_url", json!("http://localhost/")),
            400,
            "loopback",
        ),
        (
            with("callback_url", json!("http://10.0.0.8/")),
            400,
            "private",
        ),
        (
            with("callback_url", json!("http://169.254.169.254/")),
            400,
            "link-local",
        ),
        (
            with("callback_url", json!("http://100.64.1.1/")),
            400,
            "CGNAT",
        ),
        (
            with("callback_url", json!("http://0.0.0.0/")),
            400,
            "unspecified",
        ),
        (
            with("callback_url", json!("http://239.1.1.1/")),
            400,
            "multicast",
        ),
        (
            with("callback_url", json!("http://[fd12::1]/")),
            400,
            "private",
        ),
    ];
    for (body, want, reason) in cases {
        let (status, answer) = create(&f, body.clone()).await;
        assert_eq!(status.as_u16(), want, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{body}: {message}");
    }
    let mut neither = good.clone();
    neither.as_object_mut().map(|o| o.remove("offer_id"));
    assert_eq!(create(&f, neither).await.0, StatusCode::BAD_REQUEST);
    assert!(f.store.alerts().unwrap_or_default().is_empty());
}

#[tokio::test]
async fn a_drop_is_delivered_signed_after_retries_and_only_once() {
    let f = fixture(true);
    let (callback, url) = Callback::start(&[500, 503]).await;
    let (status, created) = create(
        &f,
        json!({"gtin": SHOE_GTIN, "below": "700.00", "currency": "SEK", "callback_url": url}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap_or_default().to_string();
    let evaluator = evaluator(&f, true, 5);
    let stats = evaluator
        .run_once()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        (stats.num_dropped, stats.num_delivered),
        (1, 1),
        "{stats:?}"
    );
    let received = callback.received();
    assert_eq!(received.len(), 3, "two 5xx answers, then 200");
    for request in &received {
        assert!(
            verify(&secret, &request.body, &request.signature),
            "{request:?}"
        );
        assert_eq!(
            request.body, received[0].body,
            "every attempt sends the same bytes"
        );
        assert_eq!(request.delivery, received[0].delivery);
    }
    let body: Value = serde_json::from_slice(&received[0].body).unwrap_or_default();
    assert_eq!(body["price"], "699.00");
    assert_eq!(body["lowest_offer_id"], "nordic:1496445:SKU-1");
    assert_eq!(body["gtin"], "04006381333931");
    let path = format!("/alerts/{}", alert_id(&created));
    let (_, read) = call(&f.state, "GET", &path, "").await;
    assert_eq!(read["deliveries"][0]["state"], "delivered");
    assert_eq!(read["deliveries"][0]["attempts"], 3);
    assert_eq!(read["is_below"], true);

    evaluator
        .run_once()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    reprice_nordic(&f.index, "650.00");
    evaluator
        .run_once()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(callback.received().len(), 3, "still the same drop");

    reprice_nordic(&f.index, "750.00");
    let above = evaluator
        .run_once()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        above.num_dropped, 0,
        "Sneakerhub's 720.00 is not below 700.00"
    );
    reprice_nordic(&f.index, "690.00");
    let again = evaluator
        .run_once()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!((again.num_dropped, again.num_delivered), (1, 1));
    let received = callback.received();
    assert_eq!(
        received.len(),
        4,
        "a new drop after the price went back above"
    );
    let body: Value = serde_json::from_slice(&received[3].body).unwrap_or_default();
    assert_eq!(body["price"], "690.00");
    assert_ne!(received[3].delivery, received[0].delivery);
}

#[tokio::test]
async fn attempts_are_bounded_and_a_client_error_is_not_retried() {
    let f = fixture(true);
    let (always_500, url_500) = Callback::start(&[500; 10]).await;
    let (gone_410, url_410) = Callback::start(&[410]).await;
    for url in [&url_500, &url_410] {
        let (status, created) = create(
            &f,
            json!({"offer_id": "nordic:1496445:SKU-1", "below": "700", "currency": "SEK",
                   "callback_url": url}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }
    let stats = evaluator(&f, true, 3)
        .run_once()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!((stats.num_dropped, stats.num_failed), (2, 2), "{stats:?}");
    assert_eq!(always_500.received().len(), 3, "bounded attempts");
    assert_eq!(gone_410.received().len(), 1, "a 4xx is final");
    let failed: Vec<_> = f
        .store
        .alerts()
        .unwrap_or_default()
        .iter()
        .flat_map(|a| f.store.deliveries(&a.alert_id).unwrap_or_default())
        .collect();
    assert!(
        failed.iter().all(|d| d.state == DeliveryState::Failed),
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .any(|d| d.attempts == 3
                && d.last_error.as_deref() == Some("callback answered http 500"))
    );
    assert!(f.store.pending_deliveries().unwrap_or_default().is_empty());
}

#[tokio::test]
async fn a_callback_is_checked_again_at_delivery() {
    let f = fixture(true);
    let (callback, url) = Callback::start(&[]).await;
    let (status, _) = create(
        &f,
        json!({"gtin": SHOE_GTIN, "below": "700", "currency": "SEK", "callback_url": url}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let stats = evaluator(&f, false, 5)
        .run_once()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(stats.num_failed, 1, "{stats:?}");
    assert!(
        callback.received().is_empty(),
        "nothing reached the loopback callback"
    );
    let failed = f.store.alerts().unwrap_or_default();
    let deliveries = f.store.deliveries(&failed[0].alert_id).unwrap_or_default();
    let error = deliveries[0].last_error.clone().unwrap_or_default();
    assert!(error.contains("loopback"), "{error}");
    assert_eq!(
        deliveries[0].attempts, 1,
        "a refused address is not retried"
    );
}
