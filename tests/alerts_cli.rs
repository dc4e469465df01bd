//! `feedmill serve` delivers price alerts: an alert created over HTTP is evaluated after the
//! next refresh of its source and delivered, signed, to a callback server on 127.0.0.1 (the
//! sources file allows private callbacks).

use crate::support::feedmill;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A raw HTTP/1.1 request: (status, body).
fn http(base: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).unwrap_or_else(|err| panic!("connect: {err}"));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|err| panic!("send: {err}"));
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// One POST the callback server received: its signature header and body.
type Delivery = (String, Vec<u8>);

/// A callback server answering 200 to every request, handing each to the channel.
fn callback_server() -> (String, mpsc::Receiver<Delivery>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|err| panic!("bind: {err}"));
    let url = format!(
        "http://{}/hook",
        listener
            .local_addr()
            .unwrap_or_else(|err| panic!("addr: {err}"))
    );
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            if let Some(delivery) = read_post(stream) {
                let _ = sender.send(delivery);
            }
        }
    });
    (url, received)
}

fn read_post(mut stream: TcpStream) -> Option<Delivery> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let (mut signature, mut length) = (String::new(), 0);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        match name.to_ascii_lowercase().as_str() {
            "x-feedmill-signature" => signature = value.trim().to_string(),
            "content-length" => length = value.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    Some((signature, body))
}

/// When the alert at `path` was last evaluated.
fn evaluated_at(base: &str, path: &str) -> serde_json::Value {
    let (_, body) = http(base, "GET", path, "");
    let alert: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    alert["evaluated_at"].clone()
}

fn start_serve(dir: &Path) -> (Child, String) {
    let mut child = feedmill()
        .current_dir(dir)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--config",
            "feedmill.toml",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("spawn feedmill: {err}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut line = String::new();
    let _ = BufReader::new(stdout).read_line(&mut line);
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no url in {line:?}"))
        .to_string();
    (child, url)
}

#[test]
fn serve_delivers_a_signed_alert_after_a_refresh() {
    let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
    let feed =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds/demo/adtraction-nordicsport.xml");
    std::fs::copy(feed, dir.path().join("nordic.xml")).unwrap_or_else(|err| panic!("copy: {err}"));
    let config = "[alerts]\nallow_private_callbacks = true\n\n[[source]]\nname = \"nordic\"\n\
                  network = \"file\"\npath = \"nordic.xml\"\nformat = \"adtraction-xml\"\nevery = \"1s\"\n";
    std::fs::write(dir.path().join("feedmill.toml"), config)
        .unwrap_or_else(|err| panic!("config: {err}"));
    let (callback, delivered) = callback_server();
    let (mut serve, base) = start_serve(dir.path());
    let (_, found) = http(&base, "GET", "/search?per_page=1&sort=price_asc", "");
    let found: serde_json::Value = serde_json::from_str(&found).unwrap_or_default();
    let offer = &found["items"][0];
    let (offer_id, currency) = (offer["id"].as_str(), offer["currency"].as_str());
    let (Some(offer_id), Some(currency)) = (offer_id, currency) else {
        panic!("no offer in {found}");
    };
    let request = serde_json::json!({"offer_id": offer_id, "below": "999999", "currency": currency,
                                     "callback_url": callback});
    let (status, created) = http(&base, "POST", "/alerts", &request.to_string());
    assert_eq!(status, 201, "{created}");
    let created: serde_json::Value = serde_json::from_str(&created).unwrap_or_default();
    let secret = created["secret"].as_str().unwrap_or_default();
    let alert_path = format!("/alerts/{}", created["id"].as_str().unwrap_or_default());
    let delivery = delivered.recv_timeout(Duration::from_secs(60));
    let first_evaluation = evaluated_at(&base, &alert_path);
    // The next refresh (every 1 s, looked at every 5 s) evaluates the alert again.
    let mut later = first_evaluation.clone();
    for _ in 0..60 {
        if later != first_evaluation {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
        later = evaluated_at(&base, &alert_path);
    }
    let (_, shown) = http(&base, "GET", &alert_path, "");
    let _ = std::process::Command::new("kill")
        .args(["-INT", &serve.id().to_string()])
        .status();
    let _ = serve.wait();
    let (signature, body) = delivery.unwrap_or_else(|_| panic!("no delivery within 60 s: {shown}"));
    assert!(
        feedmill_api::alerts::verify(secret, &body, &signature),
        "{signature}"
    );
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(body["offer_id"], offer_id);
    assert_ne!(later, first_evaluation, "evaluated again: {shown}");
    assert!(
        delivered.try_recv().is_err(),
        "one delivery per drop: {shown}"
    );
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap_or_default();
    assert_eq!(shown["deliveries"][0]["state"], "delivered", "{shown}");
    assert_eq!(shown["deliveries"].as_array().map(Vec::len), Some(1));
}
