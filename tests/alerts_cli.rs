//! `feedmill serve` delivers price alerts: an alert created over HTTP is evaluated after the
//! next refresh of its source and delivered, signed, to a callback server on 127.0.0.1 (the
//! sources file allows private callbacks). So does a standalone `feedmill ingest`, once per
//! drop, leaving what its receiver refused pending for the next run.

use crate::support::{feedmill, run, stderr};
use feedmill_model::Currency;
use feedmill_store::{AlertStore, AlertTarget, DeliveryState, NewAlert, SqliteStore};
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
    callback_server_failing(0)
}

/// A callback server answering 500 to its first `failures` requests and 200 to the others,
/// handing each it answered 200 to the channel.
fn callback_server_failing(failures: usize) -> (String, mpsc::Receiver<Delivery>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|err| panic!("bind: {err}"));
    let url = format!(
        "http://{}/hook",
        listener
            .local_addr()
            .unwrap_or_else(|err| panic!("addr: {err}"))
    );
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().flatten().enumerate() {
            if let Some(delivery) = read_post(stream, n >= failures) {
                let _ = sender.send(delivery);
            }
        }
    });
    (url, received)
}

/// Reads one POST and answers it 200 (`Some`) or 500 (`None`).
fn read_post(mut stream: TcpStream, accept: bool) -> Option<Delivery> {
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
    let status = if accept {
        "200 OK"
    } else {
        "500 Internal Server Error"
    };
    let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(answer.as_bytes());
    accept.then_some((signature, body))
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

const FEED_HEADER: &str = "id,title,price,currency,link\n";

/// A folder with an index and a store that `feedmill ingest` runs over.
struct Shop {
    dir: tempfile::TempDir,
}

impl Shop {
    fn new() -> Shop {
        Shop {
            dir: tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}")),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn store(&self) -> SqliteStore {
        SqliteStore::open(Path::new(&self.path("feedmill.db")))
            .unwrap_or_else(|err| panic!("store: {err}"))
    }

    /// An alert on shop:a below 80.00 EUR calling `url`; returns its secret.
    fn alert(&self, url: &str) -> String {
        let alert = NewAlert {
            target: AlertTarget::Offer("shop:a".into()),
            below: "80.00".parse().unwrap_or_default(),
            currency: Currency::parse("EUR").unwrap_or_else(|_| unreachable!("EUR is ISO-4217")),
            callback_url: url.into(),
        };
        let created = self.store().create_alert(&alert, chrono::Utc::now());
        created.unwrap_or_else(|err| panic!("alert: {err}")).secret
    }

    /// `feedmill ingest` of shop's trail shoe at `price`; returns its stderr.
    fn ingest(&self, price: &str, extra: &[&str]) -> String {
        self.ingest_logging(price, extra, "warn")
    }

    /// [`Shop::ingest`] with its log at `level` (`RUST_LOG`).
    fn ingest_logging(&self, price: &str, extra: &[&str], level: &str) -> String {
        let feed = self.dir.path().join("shop.csv");
        let row = format!("{FEED_HEADER}a,Trail shoe,{price},EUR,https://shop.example/a\n");
        std::fs::write(&feed, row).unwrap_or_else(|err| panic!("{err}"));
        let (index, store) = (self.path("index"), self.path("feedmill.db"));
        let mut args = vec![
            "ingest",
            "--index",
            &index,
            "--store",
            &store,
            "--source",
            "shop",
            "--format",
            "csv",
            "--no-match",
            "--allow-private-callbacks",
        ];
        args.extend_from_slice(extra);
        let feed = feed.display().to_string();
        args.push(&feed);
        let output = feedmill()
            .env("RUST_LOG", level)
            .args(&args)
            .output()
            .unwrap_or_else(|err| panic!("failed to run feedmill: {err}"));
        let err = stderr(&output);
        assert!(output.status.success(), "{err}");
        err
    }

    fn deliveries(&self) -> Vec<feedmill_store::AlertDelivery> {
        let store = self.store();
        let alerts = store.alerts().unwrap_or_default();
        alerts
            .iter()
            .flat_map(|a| store.deliveries(&a.alert_id).unwrap_or_default())
            .collect()
    }
}

fn alerts_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|line| line.starts_with("alerts: "))
        .unwrap_or_default()
}

#[test]
fn ingest_delivers_a_signed_alert_once_per_drop() {
    let shop = Shop::new();
    let (callback, delivered) = callback_server();
    let secret = shop.alert(&callback);
    let above = shop.ingest("99.00", &[]);
    assert_eq!(
        alerts_line(&above),
        "alerts: 1 evaluated, 0 new drops, 0 delivered, 0 pending",
        "{above}"
    );
    let dropped = shop.ingest("79.00", &[]);
    assert_eq!(
        alerts_line(&dropped),
        "alerts: 1 evaluated, 1 new drops, 1 delivered, 0 pending",
        "{dropped}"
    );
    let (signature, body) = delivered
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("no delivery: {dropped}"));
    assert!(feedmill_api::alerts::verify(&secret, &body, &signature));
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(
        (&body["offer_id"], &body["price"]),
        (&"shop:a".into(), &"79.00".into())
    );
    let again = shop.ingest("79.00", &["--force"]);
    assert_eq!(
        alerts_line(&again),
        "alerts: 1 evaluated, 0 new drops, 0 delivered, 0 pending",
        "{again}"
    );
    assert!(
        delivered.recv_timeout(Duration::from_millis(500)).is_err(),
        "the same drop"
    );
    shop.ingest("99.00", &[]);
    let skipped = shop.ingest("70.00", &["--no-alerts"]);
    assert_eq!(alerts_line(&skipped), "", "{skipped}");
    assert!(delivered.try_recv().is_err(), "--no-alerts");
    assert_eq!(
        shop.deliveries().len(),
        1,
        "nothing evaluated with --no-alerts"
    );
}

/// The alerts run on the store the ingest opened: opened a second time, the store would find
/// its click journal taken (by this very process) and say so.
#[test]
fn ingest_opens_its_store_once() {
    let shop = Shop::new();
    let (callback, _delivered) = callback_server();
    shop.alert(&callback);
    let logged = shop.ingest_logging("99.00", &[], "info");
    assert_eq!(
        alerts_line(&logged),
        "alerts: 1 evaluated, 0 new drops, 0 delivered, 0 pending",
        "{logged}"
    );
    assert!(!logged.contains("held by another process"), "{logged}");
}

#[test]
fn ingest_leaves_a_refused_delivery_pending_for_the_next_run() {
    let shop = Shop::new();
    let (callback, delivered) = callback_server_failing(3);
    shop.alert(&callback);
    shop.ingest("99.00", &[]);
    let started = std::time::Instant::now();
    let refused = shop.ingest("79.00", &[]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "bounded: {refused}"
    );
    assert_eq!(
        alerts_line(&refused),
        "alerts: 1 evaluated, 1 new drops, 0 delivered, 1 pending",
        "{refused}"
    );
    let pending = shop.deliveries();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (pending[0].state, pending[0].attempts),
        (DeliveryState::Pending, 3)
    );
    assert!(delivered.try_recv().is_err());
    let next = shop.ingest("78.00", &[]);
    assert_eq!(
        alerts_line(&next),
        "alerts: 1 evaluated, 0 new drops, 1 delivered, 0 pending",
        "{next}"
    );
    let (_, body) = delivered
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("no delivery: {next}"));
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(body["price"], "79.00", "the drop that was pending");
    let done = shop.deliveries();
    assert_eq!(
        (done[0].state, done[0].attempts),
        (DeliveryState::Delivered, 4)
    );
}

#[test]
fn refresh_delivers_the_drop_of_a_committed_source_under_its_alerts_section() {
    let shop = Shop::new();
    let (callback, delivered) = callback_server();
    shop.alert(&callback);
    let feed = shop.path("shop.csv");
    let config = format!(
        "[alerts]\nallow_private_callbacks = true\n\n[[source]]\nname = \"shop\"\n\
         network = \"file\"\npath = {feed:?}\nformat = \"csv\"\n"
    );
    std::fs::write(shop.path("feedmill.toml"), config).unwrap_or_else(|err| panic!("{err}"));
    let refresh = |price: &str| {
        let row = format!("{FEED_HEADER}a,Trail shoe,{price},EUR,https://shop.example/a\n");
        std::fs::write(&feed, row).unwrap_or_else(|err| panic!("{err}"));
        let (config, index, store, cache) = (
            shop.path("feedmill.toml"),
            shop.path("index"),
            shop.path("feedmill.db"),
            shop.path("cache"),
        );
        let output = run(&[
            "refresh",
            "--config",
            &config,
            "--index",
            &index,
            "--store",
            &store,
            "--cache",
            &cache,
            "--no-match",
        ]);
        let err = stderr(&output);
        assert!(output.status.success(), "{err}");
        err
    };
    refresh("99.00");
    let dropped = refresh("79.00");
    assert_eq!(
        alerts_line(&dropped),
        "alerts: 1 evaluated, 1 new drops, 1 delivered, 0 pending",
        "{dropped}"
    );
    assert!(delivered.recv_timeout(Duration::from_secs(5)).is_ok());
    let unchanged = refresh("79.00");
    assert_eq!(
        alerts_line(&unchanged),
        "",
        "nothing committed: {unchanged}"
    );
    assert!(delivered.try_recv().is_err());
}
