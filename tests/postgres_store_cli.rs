//! The binary on a Postgres store (`--store postgres://…`, `[store] url`), when
//! `FEEDMILL_TEST_POSTGRES_URL` names a server (`tests/store/postgres run -- cargo test -p
//! feedmill-cli --test integration -- postgres_store_cli::`); without it each test says so and
//! passes without checking anything. Each test works in a schema of its own.
//!
//! `ingest` records price history in the server; two `serve` processes on it answer the same
//! history, exactly one of them holds the refresh lease, a click stored through one survives its
//! `kill -9`, and the other takes the lease over within 15 s.

use crate::support::feedmill;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const URL_VARIABLE: &str = "FEEDMILL_TEST_POSTGRES_URL";
const OFFER: &str = "techstore:TS-p037";

/// A schema on the test server, dropped at the end; its URL selects it.
pub(crate) struct Schema {
    admin: String,
    name: String,
    pub(crate) url: String,
}

impl Schema {
    pub(crate) fn new(test: &str) -> Option<Schema> {
        let Ok(base) = std::env::var(URL_VARIABLE) else {
            eprintln!("{test}: not run, {URL_VARIABLE} not set (tests/store/postgres run -- ...)");
            return None;
        };
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let next = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("cli{}_{next}", std::process::id());
        let mut client = admin_client(&base);
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
            ))
            .expect("create schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{separator}options=-csearch_path%3D{name}");
        Some(Schema {
            admin: base,
            name,
            url,
        })
    }

    fn count(&self, table: &str) -> i64 {
        let mut client = admin_client(&self.admin);
        let row = client
            .query_one(&format!("SELECT COUNT(*) FROM {}.{table}", self.name), &[])
            .expect("count");
        row.get(0)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let mut client = admin_client(&self.admin);
        let _ = client.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
    }
}

fn admin_client(url: &str) -> postgres::Client {
    let mut config: postgres::Config = url.parse().expect("test url");
    if let Ok(password) = std::env::var("FEEDMILL_STORE_PASSWORD") {
        config.password(password);
    }
    config
        .connect(postgres::NoTls)
        .expect("connect to the test server")
}

pub(crate) fn demo_feed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds/demo/google-techstore.xml")
}

/// `feedmill ingest` of the demo feed into `index`, history into the store at `url`.
fn ingest(index: &Path, url: &str) {
    let output = feedmill()
        .args(["ingest", "--index"])
        .arg(index)
        .args(["--source", "techstore", "--store", url])
        .arg(demo_feed())
        .output()
        .expect("run ingest");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub(crate) fn http_get(base: &str, path: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_string());
    (status, body)
}

/// A `feedmill serve` on `index` whose sources file names the store (`[store] url`); its log
/// goes to `log`.
fn serve(dir: &Path, index: &Path, url: &str, log: &Path) -> (Child, String) {
    let config = dir.join("feedmill.toml");
    let feed = demo_feed().display().to_string();
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = {url:?}\n\n[[source]]\nname = \"techstore\"\nnetwork = \"file\"\n\
             path = {feed:?}\nevery = \"1h\"\n"
        ),
    )
    .expect("config");
    let mut child = feedmill()
        .args(["serve", "--addr", "127.0.0.1:0", "--index"])
        .arg(index)
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no url in {line:?}"))
        .to_string();
    (child, base)
}

pub(crate) fn holds_lease(log: &Path) -> bool {
    std::fs::read_to_string(log)
        .is_ok_and(|text| text.contains("this process holds the refresh lease"))
}

pub(crate) fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

#[test]
fn ingest_records_history_in_postgres_and_the_password_never_shows() {
    let Some(schema) = Schema::new("ingest_records_history_in_postgres") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    ingest(&dir.path().join("index"), &schema.url);
    assert!(
        schema.count("price_state") > 0,
        "price history in the server"
    );
    assert!(
        !dir.path().join("feedmill.db").exists(),
        "no SQLite file beside the index"
    );
    let history = feedmill()
        .args(["history", "--offer", OFFER, "--json", "--index"])
        .arg(dir.path().join("index"))
        .args(["--store", &schema.url])
        .output()
        .expect("history");
    assert!(
        history.status.success(),
        "{}",
        String::from_utf8_lossy(&history.stderr)
    );
    // A wrong password is refused, and the message names the server without it.
    let wrong = feedmill()
        .args(["clicks", "--store"])
        .arg(schema.url.replacen('@', ":wrong-secret@", 1))
        .env_remove("FEEDMILL_STORE_PASSWORD")
        .env_remove("PGPASSWORD")
        .output()
        .expect("clicks");
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(!wrong.status.success());
    assert!(
        stderr.contains("password authentication failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-secret"), "{stderr}");
}

#[test]
fn two_servers_share_the_store_and_one_takes_the_lease_over() {
    let Some(schema) = Schema::new("two_servers_share_the_store_and_one_takes_over") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (index_a, index_b) = (dir.path().join("a/index"), dir.path().join("b/index"));
    ingest(&index_a, &schema.url);
    ingest(&index_b, &schema.url);
    let (log_a, log_b) = (dir.path().join("a.log"), dir.path().join("b.log"));
    let (mut a, url_a) = serve(&dir.path().join("a"), &index_a, &schema.url, &log_a);
    let (mut b, url_b) = serve(&dir.path().join("b"), &index_b, &schema.url, &log_b);
    let history = format!("/offers/{OFFER}/history");
    let (status, from_a) = http_get(&url_a, &history);
    assert_eq!(status, 200, "{from_a}");
    assert_eq!(
        http_get(&url_b, &history),
        (200, from_a),
        "both answer the same"
    );

    let settled = wait_for(Duration::from_secs(15), || {
        holds_lease(&log_a) || holds_lease(&log_b)
    });
    assert!(settled.is_some(), "nobody took the refresh lease");
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        holds_lease(&log_a) != holds_lease(&log_b),
        "exactly one holds it"
    );
    let (holder, holder_url, (other, other_log)) = if holds_lease(&log_a) {
        (&mut a, url_a.clone(), (&mut b, log_b.clone()))
    } else {
        (&mut b, url_b.clone(), (&mut a, log_a.clone()))
    };
    let (status, _) = http_get(&holder_url, &format!("/r/{OFFER}?sub_id=pg_kill"));
    assert_eq!(status, 302, "click-out");
    holder.kill().expect("kill -9 the holder");
    let _ = holder.wait();
    assert_eq!(schema.count("clicks"), 1, "the click survived its server");
    let took_over = wait_for(Duration::from_secs(15), || holds_lease(&other_log));
    assert!(took_over.is_some(), "no take-over within 15 s");
    eprintln!("take-over after the kill: {took_over:?}");
    let clicks = feedmill()
        .args(["clicks", "--store", &schema.url])
        .output()
        .expect("clicks");
    assert!(String::from_utf8_lossy(&clicks.stdout).contains("pg_kill"));
    other.kill().expect("stop the other server");
    let _ = other.wait();
}
