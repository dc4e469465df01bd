//! Stateless replicas: two `feedmill serve` processes on one Typesense cluster and one Postgres
//! store, both started on an empty collection. Exactly one of them (the holder of the store's
//! refresh lease) fills the shared collection, both then answer the same searches, lookups and
//! history, and when the holder is killed with `kill -9` the other takes the lease over and
//! runs a refresh job itself.
//!
//! Needs both servers: `tests/store/postgres run -- tests/cluster/typesense run --nodes 3 --
//! cargo test -p feedmill-cli --test integration -- replicas_cli::` (as `.ci/run` does); without
//! `FEEDMILL_TEST_POSTGRES_URL` or `TYPESENSE_NODES` it says so and passes without checking.

use crate::postgres_store_cli::{Schema, demo_feed, holds_lease, http_get, wait_for};
use crate::support::feedmill;
use crate::typesense_cli::{fresh_collection, typesense_env};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

const OFFER: &str = "techstore:TS-p037";
const FILLING: &str = "index is empty: ingesting the configured sources";

/// Starts a `feedmill serve` on the shared collection and store, its log in `dir/serve.log`.
fn replica(dir: &Path, nodes: &[String], collection: &str, store_url: &str) -> Child {
    std::fs::create_dir_all(dir).expect("replica dir");
    let nodes: Vec<String> = nodes.iter().map(|n| format!("{n:?}")).collect();
    let feed = demo_feed().display().to_string();
    let config = dir.join("feedmill.toml");
    std::fs::write(
        &config,
        format!(
            "[search]\nbackend = \"typesense\"\nnodes = [{}]\ncollection = {collection:?}\n\n\
             [store]\nurl = {store_url:?}\n\n[[source]]\nname = \"techstore\"\n\
             network = \"file\"\npath = {feed:?}\nevery = \"1h\"\n",
            nodes.join(", ")
        ),
    )
    .expect("config");
    feedmill()
        // One public address for both, as behind a load balancer: click URLs carry it.
        .args(["serve", "--addr", "127.0.0.1:0", "--no-match"])
        .args(["--public-url", "https://compare.example", "--index"])
        .arg(dir.join("index"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("serve.log")).expect("log file"))
        .spawn()
        .expect("spawn serve")
}

/// A replica process, killed when the test ends, failed or not.
struct Replica(Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The address a started replica listens on, from its first line (printed once it serves).
fn served_at(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    line.split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1"))
        .unwrap_or_else(|| panic!("no url in {line:?}"))
        .to_string()
}

fn log_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
}

fn http_post(base: &str, path: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok());
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string());
    (status.unwrap_or(0), body.unwrap_or_default())
}

/// `/jobs/{id}` of the job a `202` answer queued.
fn job_path_of(body: &str) -> String {
    let job: Value = serde_json::from_str(body).expect("job");
    let id = job["job_id"].as_str().expect("a job id");
    format!("/jobs/{id}")
}

/// The JSON answer of `path` without the fields that differ from call to call.
fn answer(base: &str, path: &str) -> Value {
    let (status, body) = http_get(base, path);
    assert_eq!(status, 200, "{base}{path}: {body}");
    let mut value: Value = serde_json::from_str(&body).expect("JSON answer");
    if let Some(object) = value.as_object_mut() {
        object.remove("took_ms");
    }
    value
}

#[test]
fn two_replicas_share_one_cluster_and_one_store_and_one_refreshes() {
    let test = "two_replicas_share_one_cluster_and_one_store_and_one_refreshes";
    let Some(schema) = Schema::new(test) else {
        return;
    };
    let Some((nodes, _key)) = typesense_env() else {
        eprintln!("{test}: not run, TYPESENSE_NODES not set (tests/cluster/typesense run -- ...)");
        return;
    };
    let collection = fresh_collection("replicas");
    let work = tempfile::tempdir().expect("tempdir");
    let (dir_a, dir_b) = (work.path().join("a"), work.path().join("b"));
    // Both start on the empty collection before either serves: they race for the filling.
    let mut a = Replica(replica(&dir_a, &nodes, &collection, &schema.url));
    let mut b = Replica(replica(&dir_b, &nodes, &collection, &schema.url));
    let (url_a, url_b) = (served_at(&mut a.0), served_at(&mut b.0));

    let filled = wait_for(Duration::from_secs(30), || {
        answer(&url_a, "/health")["offers"].as_u64() > Some(0)
    });
    assert!(filled.is_some(), "nobody filled the collection");
    let fillers = [&dir_a, &dir_b]
        .iter()
        .filter(|dir| log_of(dir).contains(FILLING))
        .count();
    assert_eq!(
        fillers, 1,
        "exactly one replica fills the shared collection"
    );
    for path in [
        "/health".to_string(),
        "/search?q=samsung&facets=brand".to_string(),
        "/search?sort=price_asc&per_page=50".to_string(),
        format!("/offers/{OFFER}"),
        format!("/offers/{OFFER}/history"),
    ] {
        let (from_a, from_b) = (answer(&url_a, &path), answer(&url_b, &path));
        assert!(from_a == from_b, "{path}: {from_a}\n  !=\n{from_b}");
    }

    let (log_a, log_b) = (dir_a.join("serve.log"), dir_b.join("serve.log"));
    assert_ne!(
        holds_lease(&log_a),
        holds_lease(&log_b),
        "exactly one holds the lease"
    );
    let (holder, (other_url, other_log)) = if holds_lease(&log_a) {
        (&mut a, (url_b, log_b))
    } else {
        (&mut b, (url_a, log_a))
    };
    let (status, body) = http_post(&other_url, "/sources/techstore/refresh");
    assert_eq!(status, 202, "{body}");
    let job_path = job_path_of(&body);
    let refused = wait_for(Duration::from_secs(10), || {
        answer(&other_url, &job_path)["status"] == "failed"
    });
    assert!(
        refused.is_some(),
        "a replica without the lease runs no refresh: {}",
        answer(&other_url, &job_path)
    );

    holder.0.kill().expect("kill -9 the holder");
    let _ = holder.0.wait();
    let took_over = wait_for(Duration::from_secs(15), || holds_lease(&other_log));
    assert!(took_over.is_some(), "no take-over within 15 s");
    let (status, body) = http_post(&other_url, "/sources/techstore/refresh");
    assert_eq!(status, 202, "{body}");
    let job_path = job_path_of(&body);
    let ran = wait_for(Duration::from_secs(30), || {
        answer(&other_url, &job_path)["status"] == "succeeded"
    });
    assert!(
        ran.is_some(),
        "the new holder runs the refresh: {}",
        answer(&other_url, &job_path)
    );
    assert!(answer(&other_url, "/health")["offers"].as_u64() > Some(0));
}
