//! The accept loop against raw TCP clients on 127.0.0.1: a body over the limit, headers sent
//! too slowly, a body sent too slowly (and one sent steadily), too many connections from one address, request ids, and shutdown.

use super::serve;
use crate::config::ApiConfig;
use crate::state::AppState;
use crate::testing::{fixture_config, fixture_offers, fixture_store, index_with};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(
        configure: impl FnOnce(&mut ApiConfig),
    ) -> Result<Server, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut config = fixture_config(&dir.path().join("clicks.ndjson"));
        configure(&mut config);
        let index = Arc::new(index_with(&fixture_offers()));
        let state = AppState::new(index, config, fixture_store(dir.path()))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state, async {
            let _ = stopped.await;
        }));
        Ok(Server {
            addr,
            stop: Some(stop),
            task,
            _dir: dir,
        })
    }

    async fn stop(mut self) -> TestResult {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), &mut self.task).await???;
        Ok(())
    }
}

/// Everything the server sends until it closes the connection, within `limit`.
async fn read_until_closed(
    stream: &mut (impl AsyncRead + Unpin),
    limit: Duration,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut answer = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut answer)).await??;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

async fn get_health(addr: SocketAddr) -> Result<String, Box<dyn std::error::Error>> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await?;
    read_until_closed(&mut stream, Duration::from_secs(10)).await
}

/// The piece of a body over the limit a client writes at a time, and how many it writes (2 MiB,
/// twice the limit).
const PIECE: usize = 64 << 10;
const NUM_PIECES: usize = 32;

/// Sends `head`, then [`NUM_PIECES`] times `piece` a little apart, reading the answer as it
/// goes, as curl and browsers do: every write must succeed (no broken pipe) and a JSON 413 with
/// `Connection: close` must arrive (no reset).
async fn send_body_over_the_limit(addr: SocketAddr, head: String, piece: Vec<u8>) -> TestResult {
    let stream = TcpStream::connect(addr).await?;
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        for _ in 0..NUM_PIECES {
            writer.write_all(&piece).await?;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Ok::<_, std::io::Error>(writer)
    });
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut answer)).await??;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(answer.contains(r#""code":"body_too_large""#), "{answer}");
    assert!(answer.contains(r#""request_id":""#), "{answer}");
    let sent = tokio::time::timeout(Duration::from_secs(10), sender).await??;
    assert!(sent.is_ok(), "the body could not be sent: {sent:?}");
    Ok(())
}

/// A body announced by its `Content-Length` as over the limit: refused before it is read.
#[tokio::test]
async fn a_body_over_the_limit_gets_its_413_before_the_close() -> TestResult {
    let server = Server::start(|_| {}).await?;
    let body_len = PIECE * NUM_PIECES;
    let head = format!(
        "POST /links/generate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {body_len}\r\n\r\n"
    );
    for _ in 0..3 {
        send_body_over_the_limit(server.addr, head.clone(), vec![b'x'; PIECE]).await?;
    }
    server.stop().await
}

/// A chunked body has no length to refuse up front: it is refused once the limit has been
/// read, with the rest still arriving.
#[tokio::test]
async fn a_chunked_body_over_the_limit_gets_its_413_before_the_close() -> TestResult {
    let server = Server::start(|_| {}).await?;
    let head = "POST /links/generate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    let mut chunk = format!("{PIECE:x}\r\n").into_bytes();
    chunk.extend(std::iter::repeat_n(b' ', PIECE));
    chunk.extend(b"\r\n");
    for _ in 0..3 {
        send_body_over_the_limit(server.addr, head.to_string(), chunk.clone()).await?;
    }
    server.stop().await
}

#[tokio::test]
async fn headers_sent_too_slowly_are_cut_off() -> TestResult {
    let timeout = Duration::from_millis(400);
    let server = Server::start(|c| c.header_read_timeout = timeout).await?;
    // Half a request head, then nothing: closed after the timeout, with no answer.
    let mut half = TcpStream::connect(server.addr).await?;
    let started = Instant::now();
    half.write_all(b"GET /health HTTP/1.1\r\nHost: te").await?;
    let answer = read_until_closed(&mut half, Duration::from_secs(5)).await?;
    let waited = started.elapsed();
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(waited >= timeout / 2, "closed after {waited:?}");
    // A connection that sends nothing at all is closed too.
    let mut idle = TcpStream::connect(server.addr).await?;
    read_until_closed(&mut idle, Duration::from_secs(5)).await?;
    // A client that sends its request in time is served.
    assert!(get_health(server.addr).await?.starts_with("HTTP/1.1 200"));
    server.stop().await
}

/// A link request whose JSON is `padding` bytes of leading white space long before it starts.
fn padded_link_request(padding: usize) -> (String, Vec<u8>) {
    let mut body = vec![b' '; padding];
    body.extend(br#"{"source":"nordic","parameters":{"subid":"s"}}"#);
    let head = format!(
        "POST /links/generate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    (head, body)
}

/// A slow-loris on the body: headers in time, then a byte a second, each pause longer than the
/// body read timeout. Answered 408 with the API's JSON error and closed after the first pause,
/// long before the body would be complete.
#[tokio::test]
async fn a_body_that_pauses_too_long_gets_408_and_the_close() -> TestResult {
    let timeout = Duration::from_millis(300);
    let server = Server::start(|c| c.body_read_timeout = timeout).await?;
    let (head, body) = padded_link_request(100);
    let stream = TcpStream::connect(server.addr).await?;
    let (mut reader, mut writer) = stream.into_split();
    writer.write_all(head.as_bytes()).await?;
    let started = Instant::now();
    let trickler = tokio::spawn(async move {
        for byte in body {
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let answer = read_until_closed(&mut reader, Duration::from_secs(10)).await?;
    let waited = started.elapsed();
    trickler.abort();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
    assert!(answer.contains(r#""request_id":""#), "{answer}");
    assert!(
        waited >= timeout && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    // The server serves others meanwhile.
    assert!(get_health(server.addr).await?.starts_with("HTTP/1.1 200"));
    server.stop().await
}

/// The timeout is for pauses, not for the whole body: a 320 KiB body sent in 40 pieces 50 ms
/// apart takes about 2 s, four times the timeout, and is answered normally.
#[tokio::test]
async fn a_large_body_that_flows_steadily_is_not_cut() -> TestResult {
    let timeout = Duration::from_millis(500);
    let server = Server::start(|c| c.body_read_timeout = timeout).await?;
    let (head, body) = padded_link_request(40 * (8 << 10));
    let mut stream = TcpStream::connect(server.addr).await?;
    stream.write_all(head.as_bytes()).await?;
    let started = Instant::now();
    for piece in body.chunks(8 << 10) {
        stream.write_all(piece).await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = read_until_closed(&mut stream, Duration::from_secs(10)).await?;
    assert!(started.elapsed() > timeout * 2, "sent too fast to tell");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("https://track.adtraction.com/"), "{answer}");
    server.stop().await
}

#[tokio::test]
async fn connections_over_the_per_address_limit_get_429() -> TestResult {
    let server = Server::start(|c| c.max_connections_per_ip = 2).await?;
    let first = TcpStream::connect(server.addr).await?;
    let _second = TcpStream::connect(server.addr).await?;
    // Both are accepted before the third is (the loop accepts in order).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = get_health(server.addr).await?;
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(refused.contains(r#""code":"rate_limited""#), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    // Closing one frees its slot as soon as the server sees the close.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = get_health(server.addr).await?;
        if answer.starts_with("HTTP/1.1 200") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the slot was never freed: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await
}

#[tokio::test]
async fn answers_carry_a_usable_request_id() -> TestResult {
    let server = Server::start(|_| {}).await?;
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::new();
    let echoed = client
        .get(format!("{base}/health"))
        .header("x-request-id", "edge-7f3a.1")
        .send()
        .await?;
    assert_eq!(echoed.headers()["x-request-id"], "edge-7f3a.1");
    let replaced = client
        .get(format!("{base}/nowhere"))
        .header("x-request-id", "<script>alert(1)</script>")
        .send()
        .await?;
    let id = replaced.headers()["x-request-id"].to_str()?.to_string();
    assert_eq!(id.len(), 36, "a new UUID: {id}");
    let body: serde_json::Value = replaced.json().await?;
    assert_eq!(body["error"]["request_id"], id.as_str());
    let fresh = client.get(format!("{base}/health")).send().await?;
    let fresh_id = fresh.headers()["x-request-id"].to_str()?.to_string();
    assert!(fresh_id.len() == 36 && fresh_id != id);
    server.stop().await
}

/// The metrics listener keeps the same connection rules: slow headers are cut off, and a
/// request in time is answered.
#[tokio::test]
async fn the_metrics_listener_cuts_off_slow_headers_too() -> TestResult {
    let timeout = Duration::from_millis(400);
    let dir = tempfile::tempdir()?;
    let mut config = fixture_config(&dir.path().join("clicks.ndjson"));
    config.header_read_timeout = timeout;
    let index = Arc::new(index_with(&fixture_offers()));
    let state = AppState::new(index, config, fixture_store(dir.path()))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(super::serve_metrics(listener, state));
    let mut half = TcpStream::connect(addr).await?;
    let started = Instant::now();
    half.write_all(b"GET /metrics HTTP/1.1\r\nHost: te").await?;
    let answer = read_until_closed(&mut half, Duration::from_secs(5)).await?;
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() >= timeout / 2, "closed too early");
    let mut whole = TcpStream::connect(addr).await?;
    whole
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await?;
    let answer = read_until_closed(&mut whole, Duration::from_secs(5)).await?;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    task.abort();
    Ok(())
}
