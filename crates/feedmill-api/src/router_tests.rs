//! The router without a socket (`tower::ServiceExt::oneshot`), over an in-RAM index holding an
//! offer of every network.

use super::*;
use crate::ApiConfig;
use crate::rate_limit::ApiClock;
use crate::testing::{
    fixture_config, fixture_offers, fixture_store, index_with, stored_clicks, strip_links,
};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, StatusCode};
use feedmill_search::SearchRequest;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

struct Fixture {
    state: AppState,
    clock: ApiClock,
    store: Arc<feedmill_store::SqliteStore>,
    click_log: PathBuf,
    dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let click_log = dir.path().join("clicks.ndjson");
    let clock = ApiClock::manual();
    let index = Arc::new(index_with(&fixture_offers()));
    let store = fixture_store(dir.path());
    let state = AppState::with_clock(
        index,
        fixture_config(&click_log),
        store.clone(),
        clock.clone(),
    )
    .unwrap_or_else(|err| panic!("state: {err}"));
    Fixture {
        state,
        clock,
        store,
        click_log,
        dir,
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not json ({err}): {}", self.text))
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

async fn send(state: &AppState, request: Request) -> Answer {
    let response = router(state.clone())
        .oneshot(request)
        .await
        .unwrap_or_else(|err| match err {});
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    Answer {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn request(method: Method, uri: &str, body: Body) -> Request {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body)
        .unwrap_or_else(|err| panic!("request {uri}: {err}"));
    let peer: SocketAddr = ([192, 0, 2, 7], 4711).into();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

async fn get(state: &AppState, uri: &str) -> Answer {
    send(state, request(Method::GET, uri, Body::empty())).await
}

async fn post(state: &AppState, uri: &str, body: Value) -> Answer {
    send(
        state,
        request(Method::POST, uri, Body::from(body.to_string())),
    )
    .await
}

fn offers_of(item: &Value) -> Vec<&Value> {
    match item["offers"].as_array() {
        Some(offers) => offers.iter().collect(),
        None => vec![item],
    }
}

#[tokio::test]
async fn search_offers_carry_three_links_with_the_sub_id() {
    let f = fixture();
    let answer = get(&f.state, "/search?q=trail&subid=nl-42&per_page=50").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let json = answer.json();
    let items = json["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 6);
    for item in &items {
        for key in ["tracking_url", "deep_link", "click_url"] {
            assert!(item.get(key).is_some(), "{key} missing in {item}");
        }
        let click = item["click_url"].as_str().unwrap_or_default();
        assert!(
            click.starts_with("https://compare.example/r/") && click.ends_with("?sub_id=nl-42"),
            "{click}"
        );
    }
    let adtraction = items
        .iter()
        .find(|i| i["network"] == "adtraction")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        adtraction["deep_link"],
        "https://track.adtraction.com/t/t?a=1496445&as=1175982945&t=2&tk=1&epi=nl-42&url=https://www.nordicsport.example/p/1"
    );
    let google = items
        .iter()
        .find(|i| i["source"] == "techstore")
        .cloned()
        .unwrap_or_default();
    assert_eq!(google["tracking_url"], Value::Null);
    assert_eq!(
        google["deep_link"],
        "https://go.network.example/c?site=9&sub=nl-42&dest=https%3A%2F%2Ftechstore.example%2Fp%2Fp078"
    );
}

/// A repeated search comes from the cache, but its links are the caller's, not the first
/// caller's; `/metrics` counts the hit.
#[tokio::test]
async fn cached_search_answers_carry_each_callers_sub_id() {
    let f = fixture();
    let first = get(&f.state, "/search?q=trail&subid=nl-1").await;
    let second = get(&f.state, "/search?q=trail&subid=nl-2").await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let clicks = |answer: &Answer| -> Vec<String> {
        let json = answer.json();
        let items = json["items"].as_array().cloned().unwrap_or_default();
        items
            .iter()
            .map(|item| item["click_url"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (first, second) = (clicks(&first), clicks(&second));
    assert!(!first.is_empty() && first.len() == second.len());
    assert!(
        first.iter().all(|url| url.ends_with("?sub_id=nl-1")),
        "{first:?}"
    );
    assert!(
        second.iter().all(|url| url.ends_with("?sub_id=nl-2")),
        "{second:?}"
    );
    let metrics = get(&f.state, "/metrics").await.text;
    assert!(
        metrics.contains("feedmill_search_cache_hits_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("feedmill_search_cache_misses_total 1"),
        "{metrics}"
    );
}

/// With the cache turned off, every search runs on the index and `/metrics` shows no cache.
#[tokio::test]
async fn the_search_cache_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let mut config = fixture_config(&dir.path().join("clicks.ndjson"));
    config.search_cache_bytes = 0;
    let index = Arc::new(index_with(&fixture_offers()));
    let state = AppState::with_clock(index, config, fixture_store(dir.path()), ApiClock::manual())
        .unwrap_or_else(|err| panic!("state: {err}"));
    for _ in 0..2 {
        assert_eq!(get(&state, "/search?q=trail").await.status, StatusCode::OK);
    }
    let metrics = get(&state, "/metrics").await.text;
    assert!(!metrics.contains("feedmill_search_cache"), "{metrics}");
}

/// The answer is the index's own JSON plus the links, grouped offers included.
#[tokio::test]
async fn search_answers_are_the_index_json_plus_links() {
    let f = fixture();
    for query in [
        "q=trail&per_page=50",
        "group_by=gtin&facets=brand,price&sort=price_asc",
    ] {
        let mut api = get(&f.state, &format!("/search?{query}")).await.json();
        let (request, _) =
            crate::params::search_request(Some(query)).unwrap_or_else(|e| panic!("{e}"));
        let request: SearchRequest = request;
        let response = f
            .state
            .index()
            .search(&request)
            .unwrap_or_else(|e| panic!("{e}"));
        // The index's JSON as `feedmill search` prints it (scores as f32 text).
        let printed = serde_json::to_string(&response).unwrap_or_default();
        let mut index: Value = serde_json::from_str(&printed).unwrap_or_default();
        index["took_ms"] = json!(0);
        api["took_ms"] = json!(0);
        for item in api["items"].as_array_mut().into_iter().flatten() {
            match item.get_mut("offers") {
                Some(Value::Array(offers)) => offers.iter_mut().for_each(strip_links),
                _ => strip_links(item),
            }
        }
        assert_eq!(api, index, "{query}");
    }
}

#[tokio::test]
async fn grouped_offers_carry_links_too() {
    let f = fixture();
    let json = get(&f.state, "/search?group_by=gtin&subid=g1").await.json();
    let items = json["items"].as_array().cloned().unwrap_or_default();
    let group = items
        .iter()
        .find(|i| i["offer_count"] == 2)
        .cloned()
        .unwrap_or_default();
    let offers = offers_of(&group);
    assert_eq!(offers.len(), 2, "{json}");
    for offer in offers {
        assert!(
            offer["deep_link"]
                .as_str()
                .is_some_and(|d| d.contains("g1")),
            "{offer}"
        );
        assert!(
            offer["click_url"]
                .as_str()
                .is_some_and(|c| c.ends_with("?sub_id=g1"))
        );
    }
}

#[tokio::test]
async fn bad_requests_are_4xx_json_never_500() {
    let f = fixture();
    let long_q = format!("/search?q={}", "a".repeat(513));
    let cases = [
        ("/search?colour=red", "unknown_parameter"),
        ("/search?page=two", "invalid_parameter"),
        ("/search?per_page=101", "invalid_parameter"),
        ("/search?min_price=abc", "invalid_parameter"),
        ("/search?sort=cheap", "invalid_parameter"),
        ("/search?currency=XYZ", "invalid_parameter"),
        ("/search?gtin=12ab", "invalid_parameter"),
        ("/search?network=myspace", "invalid_parameter"),
        ("/search?page=1000&per_page=100", "invalid_parameter"),
        ("/search?subid=a%20b", "invalid_parameter"),
        (long_q.as_str(), "query_too_long"),
        ("/suggest", "missing_parameter"),
        ("/suggest?q=a&limit=500", "invalid_parameter"),
        ("/products/abc", "invalid_parameter"),
        ("/offers/x?colour=1", "unknown_parameter"),
        ("/nowhere", "not_found"),
        ("/offers/%FF%FE", "invalid_request"),
    ];
    for (uri, code) in cases {
        let answer = get(&f.state, uri).await;
        assert!(answer.status.is_client_error(), "{uri}: {}", answer.status);
        assert_eq!(answer.error_code(), code, "{uri}: {}", answer.text);
        assert!(
            answer.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let wrong_method = send(&f.state, request(Method::DELETE, "/search", Body::empty())).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.error_code(), "method_not_allowed");
    let allow = wrong_method.headers.get(header::ALLOW);
    assert_eq!(allow.and_then(|v| v.to_str().ok()), Some("GET,HEAD"));
}

#[tokio::test]
async fn offers_and_products() {
    let f = fixture();
    let offer = get(&f.state, "/offers/nordic%3A1496445%3ASKU-1?subid=x1").await;
    assert_eq!(offer.status, StatusCode::OK, "{}", offer.text);
    assert_eq!(offer.json()["id"], "nordic:1496445:SKU-1");
    assert!(
        offer.json()["deep_link"]
            .as_str()
            .is_some_and(|d| d.contains("epi=x1"))
    );
    let missing = get(&f.state, "/offers/nope").await;
    assert_eq!(
        (missing.status, missing.error_code().as_str()),
        (StatusCode::NOT_FOUND, "offer_not_found")
    );

    let product = get(&f.state, "/products/4006381333931").await;
    assert_eq!(product.status, StatusCode::OK, "{}", product.text);
    let json = product.json();
    let totals: Vec<&str> = json["offers"]
        .as_array()
        .map(|o| o.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    // 699 + 49 shipping = 748 at Nordic; 720 at Sneakerhub: cheapest total first.
    assert_eq!(totals, ["sneakerhub:38953120000", "nordic:1496445:SKU-1"]);
    assert_eq!(json["offer_count"], 2);
    let none = get(&f.state, "/products/96385074").await;
    assert_eq!(
        (none.status, none.error_code().as_str()),
        (StatusCode::NOT_FOUND, "product_not_found")
    );
}

#[tokio::test]
async fn suggests_titles_and_brands() {
    let f = fixture();
    let json = get(&f.state, "/suggest?q=sal").await.json();
    let suggestions = json["suggestions"].as_array().cloned().unwrap_or_default();
    assert!(suggestions.iter().any(|s| s == "Salomon"), "{json}");
}

#[tokio::test]
async fn link_builder_in_awin_shape() {
    let f = fixture();
    let body = json!({
        "advertiserId": 10597,
        "destinationUrl": "https://www.sneakerhub.example/sale/",
        "parameters": { "clickref": "nl", "clickref2": "top" }
    });
    let answer = post(&f.state, "/links/generate", body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(
        answer.json()["url"],
        "https://www.awin1.com/cread.php?awinmid=10597&awinaffid=394937&clickref=nl&clickref2=top&ued=https%3A%2F%2Fwww.sneakerhub.example%2Fsale%2F"
    );
    let by_source = post(
        &f.state,
        "/links/generate",
        json!({ "source": "nordic", "parameters": { "subid": "s" } }),
    )
    .await;
    assert_eq!(
        by_source.json()["url"],
        "https://track.adtraction.com/t/t?a=1496445&as=1175982945&t=2&tk=1&epi=s",
        "the program's default landing page"
    );
    let cases = [
        (
            json!({ "advertiserId": 10597, "destinationUrl": "https://evil.example/" }),
            "destination_not_allowed",
        ),
        (
            json!({ "source": "ulike", "destinationUrl": "https://www.ulike.example/x" }),
            "deeplinkNotPermitted",
        ),
        (json!({ "advertiserId": 1 }), "unknown_advertiser"),
        (json!({ "source": "nope" }), "unknown_source"),
        (json!({}), "missing_parameter"),
        (json!({ "source": "nordic", "bogus": 1 }), "invalid_request"),
        (
            json!({ "source": "nordic", "parameters": { "clickref": "a b" } }),
            "invalid_parameter",
        ),
        (
            json!({ "source": "homeshop", "parameters": { "clickref2": "b" } }),
            "invalid_parameter",
        ),
        (
            json!({ "source": "nordic", "shorten": true }),
            "invalid_parameter",
        ),
    ];
    for (body, code) in cases {
        let answer = post(&f.state, "/links/generate", body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
        assert_eq!(answer.error_code(), code, "{body}");
    }
    // A destination that already is a tracking link of the program is edited, not wrapped;
    // one of another program on the same network host is refused.
    let tracking = "https://track.adtraction.com/t/t?a=1496445&as=1175982945&t=2&tk=1&url=https://www.nordicsport.example/p/2";
    let edited = post(&f.state, "/links/generate", json!({ "source": "nordic", "destinationUrl": tracking, "parameters": { "clickref": "e" } })).await;
    assert_eq!(
        edited.json()["url"],
        "https://track.adtraction.com/t/t?a=1496445&as=1175982945&t=2&tk=1&epi=e&url=https://www.nordicsport.example/p/2"
    );
    let other = "https://www.awin1.com/pclick.php?p=1&a=394937&m=999";
    let refused = post(
        &f.state,
        "/links/generate",
        json!({ "advertiserId": 10597, "destinationUrl": other }),
    )
    .await;
    assert_eq!(
        refused.error_code(),
        "destination_not_allowed",
        "{}",
        refused.text
    );
    let forbidden = post(
        &f.state,
        "/links/generate",
        json!({ "source": "ulike", "destinationUrl": "https://www.ulike.example/x" }),
    )
    .await;
    assert_eq!(forbidden.json()["destinationUrl"], "deeplinkNotPermitted");
}

#[tokio::test]
async fn link_batches_answer_per_item_and_cap_at_100() {
    let f = fixture();
    let body = json!({ "requests": [
        { "advertiserId": 10597, "parameters": { "clickref": "foo" } },
        { "source": "ulike", "destinationUrl": "https://www.ulike.example/x" },
        { "source": "spelbutiken", "destinationUrl": "http://www.spelbutiken.se/x", "parameters": { "clickref": "b" } },
        "not an object"
    ]});
    let answer = post(&f.state, "/links/generate-batch", body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let json = answer.json();
    let statuses: Vec<u64> = json["responses"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["status"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(statuses, [200, 400, 200, 400]);
    assert_eq!(
        json["responses"][0]["body"]["request"]["advertiserId"],
        10597
    );
    assert!(
        json["responses"][0]["body"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("clickref=foo"))
    );
    assert_eq!(
        json["responses"][1]["body"]["error"]["code"],
        "deeplinkNotPermitted"
    );
    assert!(
        json["responses"][2]["body"]["url"]
            .as_str()
            .is_some_and(|u| u.contains("epi(b)url(http%3A%2F%2Fwww.spelbutiken.se%2Fx)"))
    );

    let too_many = json!({ "requests": vec![json!({ "source": "nordic" }); 101] });
    let answer = post(&f.state, "/links/generate-batch", too_many).await;
    assert_eq!(
        (answer.status, answer.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "too_many_links")
    );
}

#[tokio::test]
async fn bodies_are_checked() {
    let f = fixture();
    let malformed = send(
        &f.state,
        request(Method::POST, "/links/generate", Body::from("{\"source\":")),
    )
    .await;
    assert_eq!(
        (malformed.status, malformed.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let big = format!("{{\"source\":\"{}\"}}", "x".repeat(MAX_BODY_BYTES + 1));
    let too_big = send(
        &f.state,
        request(Method::POST, "/links/generate", Body::from(big)),
    )
    .await;
    assert_eq!(
        (too_big.status, too_big.error_code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    );
    let mut text = request(Method::POST, "/links/generate", Body::from("{}"));
    text.headers_mut().remove("content-type");
    let unlabelled = send(&f.state, text).await;
    assert_eq!(unlabelled.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(unlabelled.error_code(), "unsupported_media_type");
}

#[tokio::test]
async fn click_out_records_and_redirects_with_sub_ids() {
    let f = fixture();
    let mut click = request(
        Method::GET,
        "/r/nordic%3A1496445%3ASKU-1?sub_id=a&sub_id_2=b&sub_id_3=c&fbclid=x",
        Body::empty(),
    );
    click.headers_mut().insert(
        "referer",
        axum::http::HeaderValue::from_static("https://blog.example/post?email=x"),
    );
    let answer = send(&f.state, click).await;
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.text);
    let awin = get(&f.state, "/r/sneakerhub%3A38953120000?sub_id=z").await;
    let clicks = stored_clicks(f.store.as_ref());
    assert_eq!(clicks.len(), 2);
    let click_id = |offer: &str| {
        clicks
            .iter()
            .find(|c| c.offer_id == offer)
            .map(|c| c.click_id.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        answer.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(
            format!(
                "https://track.adtraction.com/t/t?a=1496445&as=1175982945&t=2&tk=1&epi={}&epi2=b&epi3=c&url=https://www.nordicsport.example/p/1",
                click_id("nordic:1496445:SKU-1")
            )
            .as_str()
        )
    );
    assert_eq!(
        awin.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(
            format!(
                "https://www.awin1.com/pclick.php?p=38953120000&a=394937&m=10597&clickref=z&clickref6={}",
                click_id("sneakerhub:38953120000")
            )
            .as_str()
        )
    );
    let first = clicks.iter().find(|c| c.offer_id == "nordic:1496445:SKU-1");
    let first = serde_json::to_value(first).unwrap_or_default();
    assert_eq!(first["offer_id"], "nordic:1496445:SKU-1");
    assert_eq!(
        (first["sub_id"].as_str(), first["sub_id_3"].as_str()),
        (Some("a"), Some("c"))
    );
    assert_eq!(first["referrer"], "https://blog.example/post");
}

#[tokio::test]
async fn click_out_is_no_open_redirect() {
    let f = fixture();
    for uri in [
        "/r/https%3A%2F%2Fevil.example",
        "/r/nope",
        "/r/%2F%2Fevil.example",
    ] {
        let answer = get(&f.state, uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(answer.headers.get("location").is_none());
    }
    assert_eq!(num_stored_clicks(&f), 0, "a 404 stores no click");
    let good = get(&f.state, "/r/nordic%3A1496445%3ASKU-1?sub_id=ok").await;
    assert_eq!(good.status, StatusCode::FOUND);
    assert_eq!(num_stored_clicks(&f), 1, "a redirect stores its click");
    let bad = get(&f.state, "/r/nordic%3A1496445%3ASKU-1?sub_id=%3Cscript%3E").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.headers.get("location").is_none());
    assert_eq!(num_stored_clicks(&f), 1, "a refused sub-id stores no click");
}

fn num_stored_clicks(f: &Fixture) -> usize {
    stored_clicks(f.store.as_ref()).len()
}

#[tokio::test]
async fn clicks_are_limited_per_ip_with_retry_after() {
    let f = fixture();
    for _ in 0..30 {
        assert_eq!(
            get(&f.state, "/r/homeshop%3Ap069").await.status,
            StatusCode::FOUND
        );
    }
    assert_eq!(num_stored_clicks(&f), 30);
    let limited = get(&f.state, "/r/homeshop%3Ap069").await;
    assert_eq!(
        (limited.status, limited.error_code().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    assert_eq!(num_stored_clicks(&f), 30, "a limited click is not stored");
    assert_eq!(
        limited
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    let mut other = request(Method::GET, "/r/homeshop%3Ap069", Body::empty());
    other
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 1], 1))));
    assert_eq!(send(&f.state, other).await.status, StatusCode::FOUND);
    f.clock.advance(Duration::from_secs(60));
    assert_eq!(
        get(&f.state, "/r/homeshop%3Ap069").await.status,
        StatusCode::FOUND
    );
    assert_eq!(num_stored_clicks(&f), 32);
}

#[tokio::test]
async fn clicks_survive_a_restart() {
    let f = fixture();
    assert_eq!(
        get(&f.state, "/r/ulike%3Ap052?sub_id=persist").await.status,
        StatusCode::FOUND
    );
    let index = f.state.index().clone();
    drop(f.state);
    drop(f.store);
    let store = fixture_store(f.dir.path());
    let again = AppState::new(
        index,
        ApiConfig::new("http://x.example", &f.click_log),
        store.clone(),
    )
    .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        get(&again, "/r/ulike%3Ap052").await.status,
        StatusCode::FOUND
    );
    let clicks = stored_clicks(store.as_ref());
    assert_eq!(clicks.len(), 2);
    assert_eq!(clicks[0].sub_id.as_deref(), Some("persist"));
}

#[tokio::test]
async fn health_metrics_sources_and_openapi() {
    let f = fixture();
    let health = get(&f.state, "/health").await.json();
    assert_eq!(
        (health["status"].as_str(), health["offers"].as_u64()),
        (Some("ok"), Some(6))
    );
    get(&f.state, "/search?q=trail").await;
    get(&f.state, "/r/homeshop%3Ap069").await;
    let metrics = get(&f.state, "/metrics").await;
    assert!(
        metrics
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain"))
    );
    for line in [
        "feedmill_http_requests_total{route=\"/search\",status=\"2xx\"} 1",
        "feedmill_http_request_duration_seconds_count{route=\"/search\"} 1",
        "feedmill_offers{source=\"nordic\"} 1",
        "feedmill_clicks_total 1",
    ] {
        assert!(
            metrics.text.contains(line),
            "{line} not in\n{}",
            metrics.text
        );
    }
    f.state.sources().update(
        "nordic",
        crate::SourceStatus {
            offers: 1,
            duration_ms: 12,
            ..Default::default()
        },
    );
    f.state.sources().update(
        "not-yet",
        crate::SourceStatus {
            last_error: Some("http 503".into()),
            ..Default::default()
        },
    );
    let sources = get(&f.state, "/sources").await.json();
    let list = sources["sources"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 7, "{sources}");
    let nordic = list
        .iter()
        .find(|s| s["name"] == "nordic")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            nordic["num_offers"].as_u64(),
            nordic["refresh"]["duration_ms"].as_u64()
        ),
        (Some(1), Some(12))
    );
    let openapi = get(&f.state, "/openapi.json").await;
    assert_eq!(openapi.status, StatusCode::OK);
    assert!(openapi.json()["paths"]["/search"]["get"].is_object());
}

#[tokio::test]
async fn forwarded_for_keys_the_limit_only_when_trusted() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let index = Arc::new(index_with(&fixture_offers()));
    for trusted in [false, true] {
        let mut config = fixture_config(&dir.path().join("clicks.ndjson"));
        config.clicks_per_minute = 1;
        config.trust_forwarded_for = trusted;
        let store = fixture_store(&dir.path().join(trusted.to_string()));
        let state = AppState::with_clock(index.clone(), config, store, ApiClock::manual())
            .unwrap_or_else(|err| panic!("state: {err}"));
        let mut statuses = Vec::new();
        for client in ["203.0.113.1", "203.0.113.2"] {
            let mut click = request(Method::GET, "/r/homeshop%3Ap069", Body::empty());
            let forwarded = format!("10.9.9.9, {client}");
            let value =
                axum::http::HeaderValue::from_str(&forwarded).unwrap_or_else(|e| panic!("{e}"));
            click.headers_mut().insert("x-forwarded-for", value);
            statuses.push(send(&state, click).await.status.as_u16());
        }
        let want = if trusted { [302, 302] } else { [302, 429] };
        assert_eq!(statuses, want, "trusted: {trusted}");
    }
}

/// Each group's function serves its own routes and no other, so a key or a limit layered on
/// one group covers exactly these.
#[tokio::test]
async fn routes_are_grouped_public_partner_operator() {
    let f = fixture();
    type Group = (
        &'static str,
        fn() -> Vec<crate::router::Route>,
        &'static [&'static str],
    );
    let groups: [Group; 3] = [
        (
            "public",
            public_routes,
            &[
                "/search",
                "/suggest",
                "/offers/{id}",
                "/products/{gtin}",
                "/offers/{id}/history",
                "/products/{gtin}/history",
                "/r/{code}",
                "/health",
                "/openapi.json",
                "/",
                "/assets/{file}",
            ],
        ),
        (
            "partner",
            partner_routes,
            &[
                "/links/generate",
                "/links/generate-batch",
                "/api/postback/{program_id}",
            ],
        ),
        (
            "operator",
            operator_routes,
            &[
                "/sources",
                "/metrics",
                "/keys",
                "/keys/{id}",
                "/keys/scoped",
                "/sources/{name}/refresh",
                "/sources/{name}/pause",
                "/sources/{name}/resume",
                "/jobs/{id}",
                "/admin/reload",
                "/earnings",
                "/earnings/unattributed",
                "/alerts",
                "/alerts/{id}",
                "/matches",
                "/offers/{id}/product",
            ],
        ),
    ];
    for (name, build, paths) in groups {
        for route in crate::route_paths::ALL {
            let uri = route
                .replace("{id}", "x")
                .replace("{gtin}", "4006381333931")
                .replace("{code}", "x")
                .replace("{name}", "x")
                .replace("{program_id}", "x")
                .replace("{file}", "app.js");
            let response = crate::router::router_of(build())
                .with_state(f.state.clone())
                .oneshot(request(Method::GET, &uri, Body::empty()))
                .await
                .unwrap_or_else(|err| match err {});
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            // A path no route matches gets axum's bare 404; a matched one answers, even if
            // with a JSON 404 (no such offer) or a 405 (a POST route).
            let matched = !(status == StatusCode::NOT_FOUND && body.is_empty());
            assert_eq!(matched, paths.contains(route), "{name} group, {route}");
        }
    }
}
