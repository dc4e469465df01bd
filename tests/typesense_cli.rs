//! The binary on the Typesense backend against the binary on tantivy: `feedmill ingest` of the
//! same two demo feeds into each, then `feedmill serve` over each, and the same requests to
//! both answer the same `/search`, `/offers/{id}`, `/products/{gtin}` and `/suggest` (relevance
//! order compared as a set, `score` and `took_ms` left out: each engine has its own).
//!
//! Runs for real under `tests/cluster/typesense run -- cargo test -p feedmill-cli --test
//! integration -- typesense_cli::`; without `TYPESENSE_NODES` it says it was skipped. Both sides
//! run with `--no-match --no-history`: matching needs the tantivy index's candidates and the
//! Typesense backend keeps no price history, so those are left out of the comparison (README).

use crate::support::feedmill;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The demo feeds both backends ingest, with their source names.
const FEEDS: [(&str, &str); 2] = [
    ("techstore", "google-techstore.xml"),
    ("nordicsport", "adtraction-nordicsport.xml"),
];

/// `TYPESENSE_NODES` and `TYPESENSE_API_KEY` as `tests/cluster/typesense run` sets them.
pub(crate) fn typesense_env() -> Option<(Vec<String>, String)> {
    let nodes = std::env::var("TYPESENSE_NODES").ok()?;
    let key = std::env::var("TYPESENSE_API_KEY").ok()?;
    let nodes: Vec<String> = nodes
        .split(',')
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    (!nodes.is_empty()).then_some((nodes, key))
}

/// A collection name no other test run uses.
pub(crate) fn fresh_collection(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Writes a sources file with only a `[search]` section for Typesense.
pub(crate) fn typesense_config(dir: &Path, nodes: &[String], collection: &str) -> PathBuf {
    let nodes: Vec<String> = nodes.iter().map(|n| format!("{n:?}")).collect();
    let text = format!(
        "[search]\nbackend = \"typesense\"\nnodes = [{}]\ncollection = {collection:?}\n",
        nodes.join(", ")
    );
    let path = dir.join("typesense.toml");
    std::fs::write(&path, text).expect("write the sources file");
    path
}

/// `feedmill ARGS` on the backend `config` picks, with its index, store and download cache in
/// `dir`.
pub(crate) fn feedmill_in(dir: &Path, config: &Path, args: &[&str]) -> Command {
    let mut command = feedmill();
    command
        .args(args)
        .arg("--config")
        .arg(config)
        .arg("--index")
        .arg(dir.join("index"))
        .arg("--store")
        .arg(dir.join("feedmill.db"));
    if matches!(args.first(), Some(&"serve" | &"refresh")) {
        command.arg("--cache").arg(dir.join("cache"));
    }
    command
}

/// `feedmill ingest` of one feed as `source` into the backend `config` picks, in `dir`.
fn ingest_feed(dir: &Path, config: &Path, source: &str, feed: &Path) -> std::process::Output {
    feedmill_in(
        dir,
        config,
        &["ingest", "--no-match", "--no-history", "--no-alerts"],
    )
    .args(["--source", source])
    .arg(feed)
    .output()
    .expect("run feedmill ingest")
}

/// `feedmill ingest` of the demo feeds into the backend `config` picks, in `dir`.
pub(crate) fn ingest_demo_feeds(dir: &Path, config: &Path) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds/demo");
    for (source, file) in FEEDS {
        let output = ingest_feed(dir, config, source, &demo.join(file));
        assert!(
            output.status.success(),
            "ingest {source}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A running `feedmill serve`, interrupted when dropped.
pub(crate) struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub(crate) fn start(dir: &Path, config: &Path) -> Server {
        let serve = [
            "serve",
            "--no-match",
            "--no-history",
            "--addr",
            "127.0.0.1:0",
        ];
        let mut child = feedmill_in(dir, config, &serve)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn feedmill serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the first line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no url in {line:?}"))
            .to_string();
        Server { child, url }
    }

    /// Ctrl-C; the exit code.
    pub(crate) fn interrupt(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status();
        self.child.wait().ok().and_then(|status| status.code())
    }

    /// GET `path`: the status and the body as JSON, with this server's own URL written as
    /// `BASE` so that two servers' links compare equal.
    pub(crate) fn get(&self, path: &str) -> (u16, Value) {
        let (status, body) = http_get(&self.url, path);
        let body = body.replace(&self.url, "BASE");
        let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
        (status, value)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A raw HTTP/1.1 GET: the status and the body.
pub(crate) fn http_get(base: &str, path: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a read timeout");
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
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The answer without what each engine computes its own way (`took_ms`, `score`) and what
/// differs per request (`request_id`).
fn comparable(mut value: Value) -> Value {
    strip(&mut value);
    value
}

fn strip(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("took_ms");
            map.remove("score");
            map.remove("request_id");
            map.values_mut().for_each(strip);
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

fn items(answer: &Value) -> Vec<Value> {
    answer["items"].as_array().cloned().unwrap_or_default()
}

fn item_set(answer: &Value) -> BTreeSet<String> {
    items(answer).iter().map(Value::to_string).collect()
}

/// An item's price: an offer's, or a group's lowest.
fn price_of(item: &Value) -> String {
    let price = item.get("price").or_else(|| item.get("min_price"));
    price.map(Value::to_string).unwrap_or_default()
}

/// Both servers answer `path` the same: totals, facets and items as a set; `ordered` also
/// compares the price sequence (equal prices keep each engine's own order).
fn same_search(tantivy: &Server, typesense: &Server, path: &str, ordered: bool) -> Value {
    let (status_t, answer_t) = tantivy.get(path);
    let (status_s, answer_s) = typesense.get(path);
    assert_eq!(status_t, 200, "{path} on tantivy: {answer_t}");
    assert_eq!(status_s, 200, "{path} on typesense: {answer_s}");
    let (answer_t, answer_s) = (comparable(answer_t), comparable(answer_s));
    assert_eq!(answer_t["total"], answer_s["total"], "{path}: totals");
    assert_eq!(answer_t["facets"], answer_s["facets"], "{path}: facets");
    let ids = |answer: &Value| -> Vec<String> {
        let items = items(answer);
        let id = |i: &Value| i.get("id").or_else(|| i.get("gtin")).map(Value::to_string);
        items.iter().filter_map(id).collect()
    };
    assert!(
        item_set(&answer_t) == item_set(&answer_s),
        "{path}: items differ: {:?} vs {:?}",
        ids(&answer_t),
        ids(&answer_s)
    );
    if ordered {
        let prices =
            |answer: &Value| -> Vec<String> { items(answer).iter().map(price_of).collect() };
        assert_eq!(prices(&answer_t), prices(&answer_s), "{path}: price order");
    }
    answer_t
}

fn same_answer(tantivy: &Server, typesense: &Server, path: &str) -> Value {
    let (status_t, answer_t) = tantivy.get(path);
    let (status_s, answer_s) = typesense.get(path);
    assert_eq!(status_t, status_s, "{path}: {answer_t} vs {answer_s}");
    let (answer_t, answer_s) = (comparable(answer_t), comparable(answer_s));
    assert_eq!(answer_t, answer_s, "{path}");
    answer_t
}

#[test]
fn ingest_and_serve_on_typesense_answer_as_on_tantivy() {
    let Some((nodes, _key)) = typesense_env() else {
        eprintln!(
            "skipped: TYPESENSE_NODES is not set (run it through tests/cluster/typesense run -- \
             cargo test -p feedmill-cli --test integration -- typesense_cli::)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (on_tantivy, on_typesense) = (dir.path().join("tantivy"), dir.path().join("typesense"));
    std::fs::create_dir_all(&on_tantivy).expect("mkdir");
    std::fs::create_dir_all(&on_typesense).expect("mkdir");
    let tantivy_config = on_tantivy.join("feedmill.toml");
    std::fs::write(&tantivy_config, "[search]\nbackend = \"tantivy\"\n").expect("write");
    let typesense_config = typesense_config(&on_typesense, &nodes, &fresh_collection("cli"));
    ingest_demo_feeds(&on_tantivy, &tantivy_config);
    ingest_demo_feeds(&on_typesense, &typesense_config);
    let tantivy = Server::start(&on_tantivy, &tantivy_config);
    let typesense = Server::start(&on_typesense, &typesense_config);

    // Text (a typo, a prefix), filters, price sorts with facets, grouping by GTIN.
    for path in [
        "/search?q=headphones&per_page=50",
        "/search?q=headphnes&per_page=50",
        "/search?q=runn&per_page=50",
        "/search?q=wireless&in_stock=true&facets=brand,merchant,network&per_page=50",
        "/search?brand=Braun&per_page=50&facets=category",
    ] {
        same_search(&tantivy, &typesense, path, false);
    }
    for path in [
        "/search?sort=price_asc&per_page=50&facets=brand,price",
        "/search?sort=price_desc&source=nordicsport&per_page=50",
        "/search?sort=price_asc&min_price=20&max_price=200&per_page=50",
        "/search?group_by=gtin&sort=price_asc&per_page=50",
    ] {
        same_search(&tantivy, &typesense, path, true);
    }
    let all = same_search(
        &tantivy,
        &typesense,
        "/search?sort=price_asc&per_page=100",
        true,
    );
    let offers = items(&all);
    assert!(offers.len() > 50, "both feeds are served: {}", offers.len());

    // Lookups: by id (every offer), by GTIN (each one once), and suggestions.
    let mut gtins = BTreeSet::new();
    for offer in &offers {
        let id = offer["id"].as_str().expect("an id");
        let path = format!("/offers/{}", id.replace(':', "%3A"));
        same_answer(&tantivy, &typesense, &path);
        if let Some(gtin) = offer["gtin"].as_str() {
            gtins.insert(gtin.to_string());
        }
    }
    assert!(!gtins.is_empty());
    for gtin in &gtins {
        same_answer(&tantivy, &typesense, &format!("/products/{gtin}"));
    }
    same_answer(&tantivy, &typesense, "/offers/techstore%3Anot-there");
    // Every completion (limit 50, more than there are) as a set; with more completions than
    // the limit, each engine ranks which titles fill it its own way: only the count is equal.
    let suggestions = |server: &Server, path: &str| -> BTreeSet<String> {
        let (status, answer) = server.get(path);
        assert_eq!(status, 200, "{path}: {answer}");
        let list = answer["suggestions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        list.iter().map(Value::to_string).collect()
    };
    for prefix in ["br", "wireless+he", "bose", "sho"] {
        let path = format!("/suggest?q={prefix}&limit=50");
        let all = suggestions(&tantivy, &path);
        assert!(!all.is_empty(), "{path}");
        assert_eq!(all, suggestions(&typesense, &path), "{path}");
        let path = format!("/suggest?q={prefix}");
        let (on_t, on_s) = (suggestions(&tantivy, &path), suggestions(&typesense, &path));
        assert_eq!(on_t.len(), on_s.len(), "{path}: {on_t:?} vs {on_s:?}");
    }
    same_answer(&tantivy, &typesense, "/health");

    // The shrink guard: a feed of three offers for a source of fifty is refused by both, and
    // both keep serving the fifty.
    let small = crate::support::fixture("google-rss.xml");
    for (dir, config) in [
        (&on_tantivy, &tantivy_config),
        (&on_typesense, &typesense_config),
    ] {
        let output = ingest_feed(dir, config, "techstore", &small);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("would shrink from 50"), "{stderr}");
    }
    let kept = same_search(
        &tantivy,
        &typesense,
        "/search?source=techstore&sort=price_asc&per_page=1",
        true,
    );
    assert_eq!(kept["total"], 50, "the guard kept the source");
    assert_eq!(tantivy.interrupt(), Some(0));
    assert_eq!(typesense.interrupt(), Some(0), "Ctrl-C stops it gracefully");
}
