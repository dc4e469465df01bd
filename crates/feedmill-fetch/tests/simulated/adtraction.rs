use crate::harness::{Harness, sha256_hex};
use feedmill_fetch::simulator::{ADTRACTION_FEED_FILE, SimulatorConfig};
use feedmill_fetch::{FetchErrorKind, adtraction_programs, cached_feed};
use std::time::Duration;

const API_SOURCE: &str = r#"
[[source]]
name = "kitchentime-se"
network = "adtraction"
token_env = "ADTRACTION_TOKEN"
base_url = "{base}/v3"
program_id = 629059552
channel_id = 1175982945
feed_id = 759
fetch = "api"
every = "6h"
min_ratio = 0.8
"#;

fn file_source() -> String {
    API_SOURCE.replace("fetch = \"api\"", "fetch = \"file\"")
}

#[tokio::test]
async fn api_products_become_a_cached_json_array() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let source = h.source(API_SOURCE);
    let outcome = h.fetch(&source).await.expect("fetched");
    assert_eq!(
        outcome.format.map(feedmill_formats::FeedFormat::name),
        Some("adtraction-json")
    );
    assert_eq!(outcome.num_requests, 1);
    assert_eq!(outcome.expected_records, Some(12));
    assert!(!outcome.unchanged);
    assert_eq!(
        outcome.path,
        h.cache.path().join("kitchentime-se/feed.json")
    );
    let bytes = std::fs::read(&outcome.path).expect("cached file");
    assert_eq!(outcome.content_hash, sha256_hex(&bytes));
    assert_eq!(outcome.num_bytes, bytes.len() as u64);
    let products: Vec<serde_json::Value> = serde_json::from_slice(&bytes).expect("json array");
    assert_eq!(products.len(), 12);
    assert_eq!(products[0]["currency"], "SEK");

    let again = h.fetch(&source).await.expect("fetched again");
    assert!(again.unchanged, "same bytes are unchanged");
    assert_eq!(again.content_hash, outcome.content_hash);
    assert_eq!(h.sim.num_requests(), 2);
}

#[tokio::test]
async fn file_fetch_follows_feed_info_and_skips_unchanged_feeds() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let source = h.source(&file_source());
    let first = h.fetch(&source).await.expect("fetched");
    assert_eq!(
        first.format.map(feedmill_formats::FeedFormat::name),
        Some("adtraction-xml")
    );
    assert_eq!(first.num_requests, 2, "feed info, then the feed file");
    assert_eq!(first.expected_records, Some(12));
    let served = SimulatorConfig::default().files[ADTRACTION_FEED_FILE].clone();
    assert_eq!(std::fs::read(&first.path).expect("cached"), served);
    assert!(first.path.ends_with("kitchentime-se/feed.xml"));

    // Same lastUpdated: no download at all.
    let second = h.fetch(&source).await.expect("fetched");
    assert!(second.unchanged);
    assert_eq!(second.num_requests, 1);

    // Newer lastUpdated but the same file: the conditional GET answers 304.
    h.sim
        .update(|c| c.adtraction_feed_last_updated = "2022-02-04T02:05:06+0100".into());
    let third = h.fetch(&source).await.expect("fetched");
    assert!(third.unchanged);
    assert_eq!(third.num_requests, 2);
    assert_eq!(
        h.sim.requests().last().map(|r| r.path.clone()),
        Some(format!("/files/{ADTRACTION_FEED_FILE}"))
    );

    // A new file: downloaded and swapped in.
    h.clock.advance(Duration::from_secs(5));
    h.sim.set_file(
        ADTRACTION_FEED_FILE,
        b"<productFeed><product><SKU>1</SKU></product></productFeed>".to_vec(),
    );
    h.sim
        .update(|c| c.adtraction_feed_last_updated = "2022-02-05T02:05:06+0100".into());
    let fourth = h.fetch(&source).await.expect("fetched");
    assert!(!fourth.unchanged);
    assert_ne!(fourth.content_hash, first.content_hash);
    let cached = cached_feed(h.cache.path(), "kitchentime-se").expect("cached");
    assert_eq!(
        cached.meta.upstream_version.as_deref(),
        Some("2022-02-05T02:05:06+0100")
    );
}

#[tokio::test]
async fn wrong_token_is_one_clear_error_and_one_request() {
    let h = Harness::start(SimulatorConfig {
        adtraction_token: "the-real-token".into(),
        ..SimulatorConfig::default()
    })
    .await;
    // The harness hands the client the simulator's token; make the server expect another.
    h.sim
        .update(|c| c.adtraction_token = "rotated-token".into());
    let err = h.fetch(&h.source(API_SOURCE)).await.expect_err("rejected");
    assert_eq!(
        err.to_string(),
        "failed to fetch feed \"adtraction/kitchentime-se\": http 403: the token was rejected (check ADTRACTION_TOKEN)"
    );
    assert!(!err.is_retryable());
    assert_eq!(h.sim.num_requests(), 1, "no retry storm");
    assert!(h.clock.sleeps().is_empty());

    let err = h
        .fetch(&h.source(&file_source()))
        .await
        .expect_err("rejected");
    assert!(matches!(
        err.kind(),
        FetchErrorKind::Unauthorized { status: 403, .. }
    ));
    assert_eq!(h.sim.num_requests(), 2);
}

#[tokio::test]
async fn missing_token_fails_before_any_request() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let source = h.source(&API_SOURCE.replace("ADTRACTION_TOKEN", "UNSET_TOKEN_VAR"));
    let err = h.fetch(&source).await.expect_err("no token");
    assert_eq!(
        err.to_string(),
        "failed to fetch feed \"adtraction/kitchentime-se\": environment variable UNSET_TOKEN_VAR is not set (it should hold the api token)"
    );
    assert_eq!(h.sim.num_requests(), 0);
}

#[tokio::test]
async fn server_error_burst_is_retried_with_backoff() {
    let h = Harness::start(SimulatorConfig {
        fail_first_n_with_500: 2,
        ..SimulatorConfig::default()
    })
    .await;
    let outcome = h
        .fetch(&h.source(API_SOURCE))
        .await
        .expect("fetched after retries");
    assert_eq!(outcome.num_requests, 3);
    assert_eq!(h.clock.sleeps().len(), 2, "two back-offs");
    let products: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&outcome.path).expect("file")).expect("json");
    assert_eq!(products.len(), 12);
}

#[tokio::test]
async fn persistent_server_errors_leave_the_previous_file() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let source = h.source(API_SOURCE);
    h.fetch(&source).await.expect("first fetch");
    let before = h.snapshot("kitchentime-se");

    h.sim.update(|c| c.fail_first_n_with_500 = 1000);
    let err = h.fetch(&source).await.expect_err("fails");
    assert_eq!(
        err.to_string(),
        "failed to fetch feed \"adtraction/kitchentime-se\": http 500: simulated server error (gave up after 4 attempts)"
    );
    assert_eq!(h.sim.num_requests(), 1 + 4);
    assert_eq!(h.snapshot("kitchentime-se"), before);
}

#[tokio::test]
async fn the_client_paces_itself_before_the_quota_runs_out() {
    let h = Harness::start(SimulatorConfig {
        rate_limit_after_n: 3,
        rate_limit_window: Duration::from_secs(60),
        ..SimulatorConfig::default()
    })
    .await;
    let source = h.source(API_SOURCE);
    for _ in 0..7 {
        h.fetch(&source).await.expect("fetched");
    }
    assert_eq!(h.sim.num_requests(), 7, "never a 429, never a retry");
    // Seven requests at three a minute span at least two window resets.
    assert!(
        h.clock.total_slept() >= Duration::from_secs(120),
        "{:?}",
        h.clock.sleeps()
    );
}

#[tokio::test]
async fn a_429_waits_until_the_reset_in_epoch_millis() {
    let h = Harness::start(SimulatorConfig {
        rate_limit_after_n: 1,
        rate_limit_window: Duration::from_secs(30),
        ..SimulatorConfig::default()
    })
    .await;
    let source = h.source(API_SOURCE);
    h.fetch(&source).await.expect("uses the quota");
    // A client that has not seen the quota headers runs into the 429.
    let other = h.other_client();
    let outcome = feedmill_fetch::fetch_source(&source, &other)
        .await
        .expect("fetched after the reset");
    assert_eq!(
        outcome.num_requests, 2,
        "the 429, then the retry after the reset"
    );
    let sleeps = h.clock.sleeps();
    assert_eq!(sleeps.len(), 1);
    assert!(
        sleeps[0] >= Duration::from_secs(30) && sleeps[0] <= Duration::from_secs(31),
        "waited {:?}",
        sleeps[0]
    );
}

#[tokio::test]
async fn unknown_feed_id_is_a_clear_error() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let source = h.source(&file_source().replace("feed_id = 759", "feed_id = 1"));
    let err = h.fetch(&source).await.expect_err("no such feed");
    assert!(
        err.to_string()
            .ends_with("feed 1 not found in the program's feed info (available: 759)"),
        "{err}"
    );
    assert_eq!(h.sim.num_requests(), 1);
}

#[tokio::test]
async fn lists_programs() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let programs = adtraction_programs(&h.ctx, &h.source(API_SOURCE), "SE")
        .await
        .expect("programs");
    assert_eq!(programs.len(), 1);
    assert_eq!(programs[0].program_id, 629059552);
    assert_eq!(programs[0].feeds[0].feed_id, Some(759));
}

#[test]
fn fetch_source_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let ctx = feedmill_fetch::FetchContext::new("/nonexistent").expect("client");
    let source = feedmill_fetch::FeedConfig::from_toml_str(
        "[[source]]\nname = \"s\"\nnetwork = \"url\"\nurl = \"http://127.0.0.1:9/f\"\n",
        std::path::Path::new("."),
    )
    .expect("config");
    let future = feedmill_fetch::fetch_source(&source.sources[0], &ctx);
    assert_send(&future);
}
