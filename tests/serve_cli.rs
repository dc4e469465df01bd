//! `feedmill` with no arguments (what `cargo run --release` runs) in a fresh folder: it ingests
//! the bundled demo sources, serves them, records click-outs durably and shuts down on Ctrl-C;
//! `feedmill clicks` prints the stored clicks, an old click log imported once.

use crate::support::feedmill;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};

/// A raw HTTP/1.1 GET: (status, headers and body as text).
fn http_get(base: &str, path: &str) -> (u16, String) {
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
    (status, response)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Starts `feedmill` (no arguments) in `dir` and returns it with the URL it prints.
fn start_default(dir: &Path) -> (Child, String) {
    let mut child = feedmill()
        .current_dir(dir)
        .env("FEEDMILL_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn feedmill");
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

fn interrupt(child: &mut Child) -> Option<i32> {
    let pid = child.id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status();
    child.wait().ok().and_then(|status| status.code())
}

#[test]
fn the_default_command_ingests_the_demo_feeds_serves_them_and_keeps_clicks() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds"),
        &dir.path().join("feeds"),
    );
    let (mut child, url) = start_default(dir.path());

    let (status, _) = http_get(&url, "/health");
    assert_eq!(status, 200);
    let (status, body) = http_get(&url, "/search?q=headphones&subid=cmp_7&per_page=3");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"deep_link\"") && body.contains("\"click_url\""),
        "{body}"
    );
    let (_, body) = http_get(&url, "/search?source=techstore&subid=cmp_7&per_page=1");
    assert!(body.contains("https://click.linknetwork.example/c?pub=demo&subid=cmp_7&url=https%3A%2F%2Ftechstore.example"), "the configured template: {body}");
    let (status, body) = http_get(&url, "/search?per_page=1000");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"error\""), "{body}");

    let (status, response) = http_get(&url, "/r/nordicsport%3ANS-p054?sub_id=cmp_7");
    assert_eq!(status, 302, "{response}");
    let location = response
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap_or_default()
        .to_string();
    assert!(
        location.contains("track.adtraction.com") && !location.contains("cmp_7"),
        "{location}"
    );
    let (status, _) = http_get(&url, "/r/no-such-offer");
    assert_eq!(status, 404);
    assert_eq!(
        interrupt(&mut child),
        Some(0),
        "Ctrl-C shuts down gracefully"
    );

    // A restart keeps the index (no second ingest needed) and the click.
    let (mut child, url) = start_default(dir.path());
    let (status, body) = http_get(&url, "/offers/nordicsport%3ANS-p054");
    assert_eq!(status, 200, "{body}");
    assert_eq!(interrupt(&mut child), Some(0));
    let clicks = feedmill()
        .current_dir(dir.path())
        .arg("clicks")
        .output()
        .expect("clicks");
    let exported = String::from_utf8_lossy(&clicks.stdout);
    assert_eq!(exported.lines().count(), 1, "{exported}");
    assert!(
        exported.contains("cmp_7") && exported.contains("nordicsport:NS-p054"),
        "{exported}"
    );
    // The click's id is the one the shopper's link carried to the network.
    let stored: serde_json::Value = serde_json::from_str(exported.trim()).expect("JSON");
    let click_id = stored["click_id"].as_str().unwrap_or_default();
    assert_eq!(click_id.len(), 32, "{stored}");
    // Adtraction reports `epi` back alone: the click id rides there, the sub-id stays stored.
    assert!(location.contains(&format!("epi={click_id}&")), "{location}");
}

/// Two lines of the NDJSON click log earlier versions wrote, and a line torn by a crash.
const OLD_CLICK_LOG: &str = "{\"time\":\"2026-01-02T03:04:05Z\",\"offer_id\":\"shop:1\",\"source\":\"shop\",\"sub_id\":\"old_1\",\"destination\":\"https://shop.example/1\"}\n\
{\"time\":\"2026-01-02T03:04:06Z\",\"offer_id\":\"shop:2\",\"source\":\"shop\",\"sub_id\":\"old_2\",\"sub_id_2\":\"b\",\"referrer\":\"https://blog.example/\",\"destination\":\"https://shop.example/2\"}\n\
{\"time\":\"19";

/// `feedmill clicks` in `dir` with `args`: its stdout lines as JSON.
fn exported_clicks(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let output = feedmill()
        .current_dir(dir)
        .arg("clicks")
        .args(args)
        .output()
        .expect("clicks");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

#[test]
fn serve_imports_an_old_click_log_into_the_store_beside_the_index_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("index")).expect("mkdir");
    std::fs::write(dir.path().join("index/clicks.ndjson"), OLD_CLICK_LOG).expect("log");
    for _ in 0..2 {
        let (mut child, url) = start_default(dir.path());
        // An answer means the server runs, its Ctrl-C handler installed.
        assert_eq!(http_get(&url, "/health").0, 200);
        assert_eq!(interrupt(&mut child), Some(0));
    }
    assert!(dir.path().join("feedmill.db").is_file());
    // The log moved away: what is printed comes from the store.
    std::fs::rename(
        dir.path().join("index/clicks.ndjson"),
        dir.path().join("old.ndjson"),
    )
    .expect("move the log");
    let clicks = exported_clicks(dir.path(), &[]);
    assert_eq!(clicks.len(), 2, "{clicks:?}");
    assert_eq!(clicks[0]["sub_id"], "old_1");
    assert_eq!(
        (
            clicks[1]["sub_id_2"].as_str(),
            clicks[1]["referrer"].as_str()
        ),
        (Some("b"), Some("https://blog.example/"))
    );
    for click in &clicks {
        assert_eq!(
            click["click_id"].as_str().map(str::len),
            Some(32),
            "{click}"
        );
    }
}

#[test]
fn clicks_reads_the_store_and_imports_a_log_given_by_flags_idempotently() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("old.ndjson"), OLD_CLICK_LOG).expect("log");
    let args = ["--store", "data/clicks.db", "--clicks", "old.ndjson"];
    let first = exported_clicks(dir.path(), &args);
    let again = exported_clicks(dir.path(), &args);
    assert_eq!(first.len(), 2);
    assert_eq!(first, again, "the same clicks under the same ids");
    assert!(dir.path().join("data/clicks.db").is_file());
    assert!(
        exported_clicks(dir.path(), &[]).is_empty(),
        "the default store is another file"
    );
}
