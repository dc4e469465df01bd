use crate::harness::{Harness, sha256_hex, short_timeouts};
use feedmill_fetch::simulator::{AWIN_FILE, SimulatorConfig};
use feedmill_fetch::{FetchErrorKind, cached_feed};
use std::time::{Duration, Instant};

const FEED: &[u8] =
    b"<?xml version=\"1.0\"?><rss><channel><item><g:id>1</g:id></item></channel></rss>\n";

fn url_source(name: &str) -> String {
    format!(
        "[[source]]\nname = \"my-shop\"\nnetwork = \"url\"\nurl = \"{{base}}/files/{name}\"\nformat = \"google-xml\"\n"
    )
}

async fn with_feed(config: SimulatorConfig) -> Harness {
    let h = Harness::start(config).await;
    h.sim.set_file("feed.xml", FEED.to_vec());
    h
}

#[tokio::test]
async fn conditional_get_answers_304_for_an_unchanged_feed() {
    let h = with_feed(SimulatorConfig::default()).await;
    let source = h.source(&url_source("feed.xml"));
    let first = h.fetch(&source).await.expect("fetched");
    assert!(!first.unchanged);
    assert_eq!(
        first.format.map(feedmill_formats::FeedFormat::name),
        Some("google-xml")
    );
    assert_eq!(first.content_hash, sha256_hex(FEED));
    assert!(first.path.ends_with("my-shop/feed.xml"));

    let second = h.fetch(&source).await.expect("fetched");
    assert!(second.unchanged);
    assert_eq!(second.path, first.path);
    assert_eq!(second.content_hash, first.content_hash);

    h.clock.advance(Duration::from_secs(2));
    h.sim
        .set_file("feed.xml", b"<rss><channel></channel></rss>".to_vec());
    let third = h.fetch(&source).await.expect("fetched");
    assert!(!third.unchanged);
    assert_eq!(
        std::fs::read(&third.path).expect("file"),
        b"<rss><channel></channel></rss>"
    );
}

#[tokio::test]
async fn without_validators_the_hash_still_detects_no_change() {
    let h = with_feed(SimulatorConfig {
        conditional_get: false,
        ..SimulatorConfig::default()
    })
    .await;
    let source = h.source(&url_source("feed.xml"));
    h.fetch(&source).await.expect("fetched");
    let again = h.fetch(&source).await.expect("fetched");
    assert!(again.unchanged);
    // The bytes were downloaded again; only the temp file was dropped.
    let files: Vec<_> = h
        .snapshot("my-shop")
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert_eq!(files.len(), 2, "feed.xml and meta.json only: {files:?}");
}

#[tokio::test]
async fn truncated_download_is_retried() {
    let h = with_feed(SimulatorConfig {
        truncate_first_n: 1,
        ..SimulatorConfig::default()
    })
    .await;
    let outcome = h
        .fetch(&h.source(&url_source("feed.xml")))
        .await
        .expect("fetched");
    assert_eq!(outcome.num_requests, 2);
    assert_eq!(std::fs::read(&outcome.path).expect("file"), FEED);
}

#[tokio::test]
async fn always_truncated_download_keeps_the_previous_file() {
    let h = with_feed(SimulatorConfig::default()).await;
    let source = h.source(&url_source("feed.xml"));
    h.fetch(&source).await.expect("first fetch");
    let before = h.snapshot("my-shop");

    h.sim.set_file("feed.xml", FEED.repeat(100));
    h.sim.update(|c| c.truncate_first_n = 100);
    let err = h.fetch(&source).await.expect_err("never complete");
    assert!(
        matches!(
            err.kind(),
            FetchErrorKind::Exhausted {
                num_attempts: 4,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(h.snapshot("my-shop"), before);
}

#[tokio::test]
async fn slow_answer_times_out_and_is_retried() {
    let h = Harness::start_with(
        SimulatorConfig {
            delay: Duration::from_millis(400),
            delay_first_n: 1,
            ..SimulatorConfig::default()
        },
        short_timeouts(),
    )
    .await;
    h.sim.set_file("feed.xml", FEED.to_vec());
    let started = Instant::now();
    let outcome = h
        .fetch(&h.source(&url_source("feed.xml")))
        .await
        .expect("fetched");
    assert_eq!(outcome.num_requests, 2);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(std::fs::read(&outcome.path).expect("file"), FEED);
}

#[tokio::test]
async fn empty_or_too_small_downloads_are_refused() {
    let h = with_feed(SimulatorConfig::default()).await;
    let source = h.source(&url_source("feed.xml"));
    h.fetch(&source).await.expect("first fetch");
    let before = h.snapshot("my-shop");

    h.sim.set_file("feed.xml", Vec::new());
    let err = h.fetch(&source).await.expect_err("empty");
    assert_eq!(
        err.to_string(),
        "failed to fetch feed \"url/my-shop\": suspiciously small download: 0 bytes (min_bytes is 1)"
    );
    assert_eq!(h.snapshot("my-shop"), before);

    let strict = h.source(&format!("{}min_bytes = 10000\n", url_source("feed.xml")));
    h.sim.set_file("feed.xml", b"<rss/>".to_vec());
    let err = h.fetch(&strict).await.expect_err("too small");
    assert!(matches!(
        err.kind(),
        FetchErrorKind::TooSmall {
            num_bytes: 6,
            min_bytes: 10000
        }
    ));
    assert_eq!(h.snapshot("my-shop"), before);
}

#[tokio::test]
async fn missing_file_is_a_404_without_retries() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let err = h
        .fetch(&h.source(&url_source("nope.xml")))
        .await
        .expect_err("404");
    assert_eq!(
        err.to_string(),
        "failed to fetch feed \"url/my-shop\": http 404: no such file"
    );
    assert_eq!(h.sim.num_requests(), 1);
}

#[tokio::test]
async fn retry_after_on_503_is_honoured() {
    let h = with_feed(SimulatorConfig {
        fail_first_n_with_500: 1,
        server_error_status: 503,
        retry_after_secs: Some(7),
        ..SimulatorConfig::default()
    })
    .await;
    h.fetch(&h.source(&url_source("feed.xml")))
        .await
        .expect("fetched");
    assert_eq!(h.clock.sleeps(), vec![Duration::from_secs(7)]);
}

const AWIN_SOURCE: &str = r#"
[[source]]
name = "acme-outdoor"
network = "awin"
token_env = "AWIN_FEED_KEY"
url = "{base}/datafeed/download/apikey/{token}/fid/1234/format/csv/delimiter/%2C/compression/gzip/"
"#;

#[tokio::test]
async fn awin_gzip_csv_is_cached_as_sent() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let outcome = h.fetch(&h.source(AWIN_SOURCE)).await.expect("fetched");
    assert_eq!(
        outcome.format.map(feedmill_formats::FeedFormat::name),
        Some("awin-csv")
    );
    assert!(outcome.path.ends_with("acme-outdoor/feed.gz"));
    let served = SimulatorConfig::default().files[AWIN_FILE].clone();
    assert_eq!(std::fs::read(&outcome.path).expect("file"), served);
    let requested = h.sim.requests()[0].path.clone();
    assert!(requested.contains("/apikey/awin-test-key/"), "{requested}");
}

#[tokio::test]
async fn awin_cut_gzip_with_matching_length_never_replaces_the_good_file() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let source = h.source(AWIN_SOURCE);
    h.fetch(&source).await.expect("first fetch");
    let before = h.snapshot("acme-outdoor");

    let whole = SimulatorConfig::default().files[AWIN_FILE].clone();
    h.sim.set_file(AWIN_FILE, whole[..whole.len() / 2].to_vec());
    let err = h.fetch(&source).await.expect_err("corrupt");
    assert!(
        err.to_string()
            .contains("gzip stream does not decode to its end"),
        "{err}"
    );
    assert_eq!(h.snapshot("acme-outdoor"), before);
}

#[tokio::test]
async fn awin_wrong_key_fails_once_and_hides_the_key() {
    let h = Harness::start(SimulatorConfig::default()).await;
    h.sim.update(|c| c.awin_key = "rotated".into());
    let err = h.fetch(&h.source(AWIN_SOURCE)).await.expect_err("401");
    assert_eq!(
        err.to_string(),
        "failed to fetch feed \"awin/acme-outdoor\": http 401: the token was rejected (check AWIN_FEED_KEY)"
    );
    assert!(!err.to_string().contains("awin-test-key"));
    assert_eq!(h.sim.num_requests(), 1);
}

#[tokio::test]
async fn file_source_is_hashed_in_place() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let path = h.cache.path().join("local-feed.csv");
    std::fs::write(&path, b"id,title,price\n1,Kettle,10 SEK\n").expect("write");
    let source =
        h.source("[[source]]\nname = \"local\"\nnetwork = \"file\"\npath = \"local-feed.csv\"\n");
    let first = h.fetch(&source).await.expect("hashed");
    assert_eq!(first.path, path);
    assert_eq!(first.num_requests, 0);
    assert!(!first.unchanged);
    assert!(h.fetch(&source).await.expect("hashed").unchanged);

    std::fs::write(&path, b"id,title,price\n1,Kettle,12 SEK\n").expect("write");
    let changed = h.fetch(&source).await.expect("hashed");
    assert!(!changed.unchanged);
    assert_eq!(
        cached_feed(h.cache.path(), "local").map(|c| c.path),
        Some(path)
    );
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let h = Harness::start(SimulatorConfig::default()).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let source = h.source(&format!(
        "[[source]]\nname = \"gone\"\nnetwork = \"url\"\nurl = \"http://{closed}/feed.xml\"\n"
    ));
    let err = h.fetch(&source).await.expect_err("refused");
    assert!(
        matches!(
            err.kind(),
            FetchErrorKind::Exhausted {
                num_attempts: 4,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(h.clock.sleeps().len(), 3);
}

/// One download as a progress bar sees it: source, announced total, bytes seen, finished.
type ProgressEvent = (String, Option<u64>, u64, bool);

/// Records what downloads report.
#[derive(Default)]
struct RecordedProgress {
    events: std::sync::Mutex<Vec<ProgressEvent>>,
}

impl feedmill_fetch::DownloadProgress for RecordedProgress {
    fn started(&self, source: &str, total_bytes: Option<u64>) {
        if let Ok(mut events) = self.events.lock() {
            events.push((source.to_string(), total_bytes, 0, false));
        }
    }

    fn advanced(&self, _source: &str, num_bytes: u64) {
        if let Ok(mut events) = self.events.lock()
            && let Some(last) = events.last_mut()
        {
            last.2 += num_bytes;
        }
    }

    fn finished(&self, _source: &str) {
        if let Ok(mut events) = self.events.lock()
            && let Some(last) = events.last_mut()
        {
            last.3 = true;
        }
    }
}

#[tokio::test]
async fn downloads_report_their_progress() {
    let h = with_feed(SimulatorConfig::default()).await;
    let progress = std::sync::Arc::new(RecordedProgress::default());
    let ctx = feedmill_fetch::FetchContext::builder(h.cache.path())
        .clock(std::sync::Arc::new(h.clock.clone()))
        .progress(progress.clone())
        .build()
        .expect("client");
    let source = h.source(&url_source("feed.xml"));
    feedmill_fetch::fetch_source(&source, &ctx)
        .await
        .expect("fetched");
    let events = progress
        .events
        .lock()
        .map(|e| e.clone())
        .unwrap_or_default();
    let total = FEED.len() as u64;
    assert_eq!(
        events,
        vec![("my-shop".to_string(), Some(total), total, true)]
    );
}
