//! `feedmill serve` with `[auth] mode = "keys"`: keys from the environment, 401 / 403 over
//! HTTP, the click-out still open, an operator's run-now job, and key rotation by
//! `POST /admin/reload` and by SIGHUP without a restart (a broken file changes nothing), and
//! no secret in the server's debug log.

use crate::support::feedmill;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

const FRONT_A: &str = "fmk_front-secret-aaaaaaaa";
const FRONT_B: &str = "fmk_front-secret-bbbbbbbb";
const OPS: &str = "fmk_operator-secret-0001";

/// A raw HTTP/1.1 request with an optional key: (status, whole response as text).
fn http(base: &str, method: &str, path: &str, key: Option<&str>) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    let key_header = key
        .map(|k| format!("X-Api-Key: {k}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{key_header}Content-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response)
}

fn write_config(dir: &Path, front_env: &str, extra: &str) {
    let demo =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds/demo/adtraction-nordicsport.xml");
    let config = format!(
        "[auth]\nmode = \"keys\"\n\n[[key]]\nname = \"front\"\nvalue_env = \"{front_env}\"\nactions = [\"search\"]\n\n\
         [[key]]\nname = \"ops\"\nvalue_env = \"FM_TEST_OPS\"\nactions = [\"admin\"]\n\n\
         [[source]]\nname = \"nordicsport\"\nnetwork = \"file\"\npath = {:?}\nformat = \"adtraction-xml\"\n{extra}",
        demo.display().to_string()
    );
    std::fs::write(dir.join("feedmill.toml"), config).expect("write config");
}

/// A port free a moment ago, for `--metrics-listen`.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

fn start(dir: &Path, metrics_addr: &str) -> (Child, String) {
    let config = dir.join("feedmill.toml");
    let index = dir.join("index");
    let cache = dir.join("cache");
    let mut child = feedmill()
        .args(["serve", "--addr", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--index")
        .arg(&index)
        .arg("--cache")
        .arg(&cache)
        .args(["--metrics-listen", metrics_addr])
        .env("FM_TEST_FRONT_A", FRONT_A)
        .env("FM_TEST_FRONT_B", FRONT_B)
        .env("FM_TEST_OPS", OPS)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("serve.log")).expect("log file"))
        .spawn()
        .expect("spawn feedmill serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no url in {line:?}"))
        .to_string();
    (child, url)
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args([name, &pid])
        .status();
}

/// Polls `check` for up to ten seconds.
fn eventually(mut check: impl FnMut() -> bool) -> bool {
    (0..200).any(|_| {
        let done = check();
        if !done {
            std::thread::sleep(Duration::from_millis(50));
        }
        done
    })
}

#[test]
fn keys_guard_the_api_and_rotate_on_reload_and_sighup() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(dir.path(), "FM_TEST_FRONT_A", "");
    let metrics_addr = format!("127.0.0.1:{}", free_port());
    let (mut child, url) = start(dir.path(), &metrics_addr);

    assert_eq!(http(&url, "GET", "/health", None).0, 200);
    assert_eq!(
        http(&url, "GET", "/metrics", None).0,
        401,
        "metrics need the admin key here"
    );
    assert_eq!(http(&url, "GET", "/metrics", Some(OPS)).0, 200);
    let metrics_url = format!("http://{metrics_addr}");
    let (status, metrics) = http(&metrics_url, "GET", "/metrics", None);
    assert_eq!(status, 200, "and are open on their own address: {metrics}");
    assert!(
        metrics.contains("feedmill_http_requests_total"),
        "{metrics}"
    );
    assert_eq!(
        http(&metrics_url, "GET", "/search?q=shoe", None).0,
        404,
        "only metrics there"
    );
    let (status, body) = http(&url, "GET", "/search?q=shoe", None);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("missing_api_key"), "{body}");
    assert_eq!(http(&url, "GET", "/search?q=shoe", Some(FRONT_A)).0, 200);
    assert_eq!(http(&url, "GET", "/sources", Some(FRONT_A)).0, 403);
    let (status, sources) = http(&url, "GET", "/sources", Some(OPS));
    assert_eq!(status, 200, "{sources}");
    assert!(
        sources.contains("\"rejected_by_reason\"")
            && sources.contains("\"guard\":{\"min_ratio\":0.8"),
        "the start's ingest report: {sources}"
    );
    assert_eq!(
        http(&url, "GET", "/r/nordicsport%3ANS-p054", None).0,
        302,
        "the click-out stays open"
    );

    let (status, body) = http(&url, "POST", "/sources/nordicsport/refresh", Some(OPS));
    assert_eq!(status, 202, "{body}");
    let job_id = body
        .split("\"job_id\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string();
    let finished = eventually(|| {
        let (_, job) = http(&url, "GET", &format!("/jobs/{job_id}"), Some(OPS));
        job.contains("\"status\":\"succeeded\"")
    });
    assert!(
        finished,
        "{}",
        http(&url, "GET", &format!("/jobs/{job_id}"), Some(OPS)).1
    );

    write_config(dir.path(), "FM_TEST_FRONT_B", "");
    let (status, body) = http(&url, "POST", "/admin/reload", Some(OPS));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        http(&url, "GET", "/search?q=shoe", Some(FRONT_A)).0,
        401,
        "the old secret is gone"
    );
    assert_eq!(http(&url, "GET", "/search?q=shoe", Some(FRONT_B)).0, 200);

    std::fs::write(dir.path().join("feedmill.toml"), "[auth\nmode = ").expect("break config");
    let (status, body) = http(&url, "POST", "/admin/reload", Some(OPS));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid_config"), "{body}");
    assert_eq!(
        http(&url, "GET", "/search?q=shoe", Some(FRONT_B)).0,
        200,
        "the old config stays"
    );

    write_config(dir.path(), "FM_TEST_FRONT_A", "");
    signal(&child, "-HUP");
    assert!(
        eventually(|| http(&url, "GET", "/search?q=shoe", Some(FRONT_A)).0 == 200),
        "SIGHUP reloads the keys"
    );
    assert_eq!(http(&url, "GET", "/search?q=shoe", Some(FRONT_B)).0, 401);

    signal(&child, "-INT");
    let code = child.wait().ok().and_then(|status| status.code());
    assert_eq!(code, Some(0), "Ctrl-C shuts down gracefully");

    // Every request above went through the key check, logged at debug level by key name; no
    // secret is in the log.
    let log = std::fs::read_to_string(dir.path().join("serve.log")).expect("read the log");
    assert!(
        log.contains("key accepted"),
        "the log is at debug level: {log}"
    );
    for secret in [FRONT_A, FRONT_B, OPS] {
        assert!(!log.contains(secret), "a secret in the log");
    }
}

/// The page publishes its key in its HTML: `serve` refuses to start when `[web] api_key_env`
/// gives it a key that may do more than search, and says why.
#[test]
fn serve_refuses_to_publish_a_key_that_can_do_more_than_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_config(
        dir.path(),
        "FM_TEST_FRONT_A",
        "\n[web]\napi_key_env = \"FM_TEST_OPS\"\n",
    );
    let mut child = feedmill()
        .args(["serve", "--addr", "127.0.0.1:0", "--config"])
        .arg(dir.path().join("feedmill.toml"))
        .arg("--index")
        .arg(dir.path().join("index"))
        .env("FM_TEST_FRONT_A", FRONT_A)
        .env("FM_TEST_OPS", OPS)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn feedmill serve");
    let exited = eventually(|| matches!(child.try_wait(), Ok(Some(_))));
    if !exited {
        let _ = child.kill();
        panic!("serve started with an admin key published on the page");
    }
    let output = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("only the search action"), "{stderr}");
    assert!(!stderr.contains(OPS), "the secret is not printed: {stderr}");
}
