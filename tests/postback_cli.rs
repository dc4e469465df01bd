//! `feedmill serve` and conversion postbacks as a merchant's backend sends them: the
//! `[[program]]` keys of the sources file, reloaded on `SIGHUP`, and a burst of postbacks from
//! concurrent senders cut by `kill -9`, after which every postback that got its `200` is in the
//! store.

use crate::support::feedmill;
use feedmill_store::{ConversionStore, SqliteStore};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A raw HTTP/1.1 GET with an `X-Api-Key`: the status and the body, or `None` when the server
/// is gone.
fn postback(base: &str, path: &str, key: &str) -> Option<(u16, String)> {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Api-Key: {key}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    Some((status, body.to_string()))
}

/// Starts `feedmill serve` in `dir` (its sources file `feedmill.toml`, no sources, an empty
/// index) with `env`, and returns it with its URL.
fn start_serve(dir: &Path, env: &[(&str, &str)]) -> (Child, String) {
    let mut command = feedmill();
    command
        .current_dir(dir)
        .args(["serve", "--index", "index", "--config", "feedmill.toml"])
        .args(["--store", "feedmill.db", "--cache", "cache"])
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("spawn feedmill serve");
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
    let status = std::process::Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill {name}");
}

fn stop(child: &mut Child) {
    signal(child, "-INT");
    let _ = child.wait();
}

/// Sends postbacks until `check` holds for the answer to `path` with `key`, or 10 s pass.
fn eventually(url: &str, path: &str, key: &str, check: impl Fn(u16) -> bool) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = postback(url, path, key).map_or(0, |(status, _)| status);
        if check(status) || Instant::now() > deadline {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

const PROGRAM_WITH_KEY_FILE: &str = r#"
[[program]]
id = "shop-pl"
network = "generic"
currency = "PLN"
key_file = "shop-pl.key"
"#;

#[test]
fn sighup_reloads_the_programs_so_a_rotated_key_stops_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("feedmill.toml"), PROGRAM_WITH_KEY_FILE).expect("config");
    std::fs::write(dir.path().join("shop-pl.key"), "sk_first\n").expect("key");
    let (mut child, url) = start_serve(dir.path(), &[]);
    let path = "/api/postback/shop-pl?order_id=ORD-1&amount=10.00";
    let (status, body) = postback(&url, path, "sk_first").expect("answer");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"pending\""), "{body}");

    // The merchant rotates the key: the secret file changes, the server is told.
    std::fs::write(dir.path().join("shop-pl.key"), "sk_second\n").expect("key");
    assert_eq!(
        postback(&url, path, "sk_first").map(|a| a.0),
        Some(200),
        "until the reload"
    );
    signal(&child, "-HUP");
    assert_eq!(eventually(&url, path, "sk_first", |s| s == 401), 401);
    assert_eq!(postback(&url, path, "sk_second").map(|a| a.0), Some(200));

    // A reload that fails keeps the programs in effect.
    std::fs::write(dir.path().join("feedmill.toml"), "[[program]]\nid = 1\n").expect("config");
    signal(&child, "-HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(postback(&url, path, "sk_second").map(|a| a.0), Some(200));

    // A program taken out of the file is gone at the next reload.
    std::fs::write(dir.path().join("feedmill.toml"), "").expect("config");
    signal(&child, "-HUP");
    assert_eq!(eventually(&url, path, "sk_second", |s| s == 404), 404);
    stop(&mut child);
}

/// Eight programs, one per sender, so that no sender meets the limit of 100 a minute per IP
/// and program before the kill.
const NUM_SENDERS: usize = 8;
/// Acknowledged postbacks after which the server is killed, mid-burst.
const KILL_AFTER_ACKS: usize = 150;

fn burst_config() -> String {
    (0..NUM_SENDERS)
        .map(|n| {
            format!("[[program]]\nid = \"shop-{n}\"\ncurrency = \"SEK\"\nkey_env = \"BURST_KEY\"\n")
        })
        .collect()
}

/// (program, order, conversion id) of every postback answered `200`.
type Acks = Arc<Mutex<Vec<(String, String, String)>>>;

fn send_until_gone(url: String, sender: usize, acks: Acks, gone: Arc<AtomicBool>) {
    for n in 0..100 {
        let order = format!("ORD-{sender}-{n}");
        let path =
            format!("/api/postback/shop-{sender}?order_id={order}&amount={n}.50&sub_id=s{sender}");
        let Some((status, body)) = postback(&url, &path, "sk_burst") else {
            gone.store(true, Ordering::SeqCst);
            return;
        };
        if status != 200 {
            continue;
        }
        let answer: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        let id = answer["conversion_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        acks.lock()
            .expect("acks")
            .push((format!("shop-{sender}"), order, id));
    }
}

#[test]
fn kill_9_during_a_postback_burst_loses_no_acknowledged_conversion() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("feedmill.toml"), burst_config()).expect("config");
    let env = [("BURST_KEY", "sk_burst")];
    let (mut child, url) = start_serve(dir.path(), &env);
    let acks: Acks = Arc::default();
    let gone = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..NUM_SENDERS)
        .map(|sender| {
            let (url, acks, gone) = (url.clone(), acks.clone(), gone.clone());
            std::thread::spawn(move || send_until_gone(url, sender, acks, gone))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acks.lock().expect("acks").len() < KILL_AFTER_ACKS && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    for sender in senders {
        sender.join().expect("sender");
    }
    let acks = acks.lock().expect("acks").clone();
    assert!(
        acks.len() >= KILL_AFTER_ACKS,
        "only {} acknowledged",
        acks.len()
    );
    assert!(gone.load(Ordering::SeqCst), "the kill came mid-burst");

    // After a restart, every acknowledged conversion is there, under the id it was given.
    let (mut child, url) = start_serve(dir.path(), &env);
    let store = SqliteStore::open(&dir.path().join("feedmill.db")).expect("store");
    for (program, order, id) in &acks {
        let stored = store.conversion(program, order).expect("read");
        let stored =
            stored.unwrap_or_else(|| panic!("{program}/{order} was acknowledged but lost"));
        assert_eq!(&stored.conversion_id, id);
    }
    let (program, order, id) = &acks[0];
    let again = format!("/api/postback/{program}?order_id={order}&amount=1");
    let (status, body) = postback(&url, &again, "sk_burst").expect("answer");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(id.as_str()),
        "the same conversion after the crash: {body}"
    );
    stop(&mut child);
}
