//! `feedmill serve` with a `[transactions]` schedule: the sync runs at start, stores the
//! Adtraction program's commission types, and the API's offers of that program then carry
//! `expected_commission`.

use crate::support::feedmill;
use feedmill_fetch::simulator::{Simulator, SimulatorConfig};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn http_get(base: &str, path: &str) -> Value {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn start_serve(dir: &std::path::Path) -> (Child, String) {
    let path = |name: &str| dir.join(name).display().to_string();
    let mut child = feedmill()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--config",
            &path("feedmill.toml"),
        ])
        .args(["--index", &path("index"), "--cache", &path("cache")])
        .args(["--store", &path("feedmill.db")])
        .env("ADTRACTION_TOKEN", "adtraction-test-token")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
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

#[test]
fn serve_syncs_on_its_schedule_and_decorates_offers_with_expected_commission() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let simulator = runtime
        .block_on(Simulator::start(SimulatorConfig::default()))
        .expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = format!(
        r#"
[[source]]
name = "kitchentime"
network = "adtraction"
token_env = "ADTRACTION_TOKEN"
base_url = "{v3}"
program_id = 629059552
channel_id = 1175982945
fetch = "api"

[transactions]
every = "1h"

[[network_account]]
name = "adt"
network = "adtraction"
token_env = "ADTRACTION_TOKEN"
base_url = "{root}"
commission_programs = [629059552]
"#,
        v3 = simulator.adtraction_base_url(),
        root = simulator.account_base_url(),
    );
    std::fs::write(dir.path().join("feedmill.toml"), config).expect("config");
    let (mut child, url) = start_serve(dir.path());

    // The sync runs beside the first ingest; poll until the reloaded rules show.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut offer = Value::Null;
    while Instant::now() < deadline {
        let answer = http_get(&url, "/search?source=kitchentime&per_page=1");
        offer = answer["items"][0].clone();
        if offer.get("expected_commission").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        offer["expected_commission"],
        serde_json::json!({"amount": "100.00", "currency": "SEK", "rule": "Sale new customer: 100 SEK"}),
        "{offer}"
    );
    let commission_calls = simulator
        .requests()
        .iter()
        .filter(|r| {
            r.path
                .starts_with("/v3/partner/programs/commissions/629059552/")
        })
        .count();
    assert_eq!(
        commission_calls, 1,
        "one sync at start, the next in an hour"
    );
}
