//! What the browser test runs against: the demo feeds plus one small Awin feed whose tracking
//! links point at a local landing server, price history written into the store, and a
//! `feedmill serve` over them in a temporary folder.

use chrono::{Duration, Utc};
use feedmill_model::{Availability, Currency, Decimal, Gtin};
use feedmill_store::{PriceHistoryStore, PriceObservation, SqliteStore};
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The product the fixture feed sells three times.
pub const GTIN: &str = "4006381333931";
pub const TITLE: &str = "Lumo Kettle Steel";
/// The fixture's shops as (merchant, merchant id, sku, price, shipping): the cheapest price
/// (Alpha) is not the cheapest total (Beta), so the page's order shows shipping counted.
pub const SHOPS: [(&str, &str, &str, &str, &str); 3] = [
    ("Alpha Home", "501", "LK-A", "49.00", "9.00"),
    ("Beta Home", "502", "LK-B", "52.00", "0.00"),
    ("Gamma Home", "503", "LK-C", "55.00", "4.95"),
];
/// The shops by total price, cheapest first, with their totals.
pub const BY_TOTAL: [(&str, &str); 3] = [
    ("Beta Home", "52.00"),
    ("Alpha Home", "58.00"),
    ("Gamma Home", "59.95"),
];
/// Days of the seeded history, before now, each with a price offset per shop (in euros).
/// Dearer the longer ago, so the last one is the lowest of the 30 days before today.
pub const HISTORY_DAYS: [(i64, i64); 3] = [(40, 12), (20, 6), (5, LOW_30D_EXTRA)];
/// Each shop's 30-day low is its price plus this, so today's price is an honest discount.
pub const LOW_30D_EXTRA: i64 = 2;

/// A tiny HTTP server standing in for the networks' tracking hosts: it answers every request
/// with a page and keeps each request's target.
pub struct LandingServer {
    pub base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl LandingServer {
    pub fn start() -> LandingServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the landing server");
        let base = format!("http://{}", listener.local_addr().expect("landing address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                if let Some(target) = line.split_whitespace().nth(1) {
                    seen.lock().expect("requests").push(target.to_string());
                }
                let body = "<!doctype html><title>Shop</title><h1>Welcome to the shop</h1>";
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        LandingServer { base, requests }
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

/// The tracking link of a fixture shop, on the landing server.
pub fn tracking_path(merchant_id: &str) -> String {
    format!("/pclick.php?p=9{merchant_id}&a=394937&m={merchant_id}")
}

/// The search-only key of [`Server::start_with_keys`], the one the page is configured with.
pub const PAGE_KEY: &str = "browser-page-search-key-5f1c0a";
const PAGE_KEY_ENV: &str = "FEEDMILL_BROWSER_PAGE_KEY";

/// A running `feedmill serve` in its own folder.
pub struct Server {
    pub base: String,
    /// The key API calls of the test send (`None` in open mode).
    pub key: Option<&'static str>,
    pub store_path: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Copies the demo feeds, adds the fixture feed, seeds the store's price history, starts
    /// in the demo's open mode.
    pub fn start(landing: &LandingServer) -> Server {
        Server::start_in_mode(landing, None)
    }

    /// As [`Server::start`], with `[auth] mode = "keys"` and one search-only key,
    /// [`PAGE_KEY`], which `[web] api_key_env` gives the page.
    pub fn start_with_keys(landing: &LandingServer) -> Server {
        Server::start_in_mode(landing, Some(PAGE_KEY))
    }

    fn start_in_mode(landing: &LandingServer, key: Option<&'static str>) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let feeds = dir.path().join("feeds");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds"),
            &feeds,
        );
        write_fixture_feed(&feeds, &landing.base);
        if key.is_some() {
            append_config(&feeds, &keys_on_config());
        }
        let store_path = dir.path().join("feedmill.db");
        seed_price_history(&store_path);
        let mut command = Command::new(env!("CARGO_BIN_EXE_feedmill"));
        if let Some(key) = key {
            command.env(PAGE_KEY_ENV, key);
        }
        let mut child = command
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .arg("--index")
            .arg(dir.path().join("index"))
            .arg("--config")
            .arg(feeds.join("feedmill.toml"))
            .arg("--cache")
            .arg(dir.path().join("cache"))
            .arg("--store")
            .arg(&store_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn feedmill serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the line with the url");
        let base = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no url in {line:?}"))
            .to_string();
        Server {
            base,
            key,
            store_path,
            child,
            _dir: dir,
        }
    }

    /// The clicks the server stored, read from its store file, once `wanted` holds for one of
    /// them or 5 s have passed: the server acknowledges a click-out from its click journal
    /// and moves it into the file a moment later (README, "The store").
    pub fn stored_clicks(
        &self,
        wanted: impl Fn(&feedmill_store::Click) -> bool,
    ) -> Vec<feedmill_store::Click> {
        use feedmill_store::ClickStore;
        let store = SqliteStore::open(&self.store_path).expect("open the store");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let mut clicks = Vec::new();
            store
                .visit_clicks(feedmill_store::TimeRange::all(), &mut |click| {
                    clicks.push(click.clone());
                    Ok(())
                })
                .expect("read clicks");
            if clicks.iter().any(&wanted) || std::time::Instant::now() > deadline {
                return clicks;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_fixture_feed(feeds: &Path, landing: &str) {
    let mut csv = String::from(
        "aw_deep_link,product_name,aw_product_id,merchant_product_id,search_price,delivery_cost,\
         merchant_name,merchant_id,currency,merchant_deep_link,brand_name,in_stock,ean\n",
    );
    for (merchant, id, sku, price, shipping) in SHOPS {
        let tracking = format!("{landing}{}", tracking_path(id));
        csv.push_str(&format!(
            "{tracking},{TITLE},9{id},{sku},{price},{shipping},{merchant},{id},EUR,\
             {landing}/shop/{id},Lumo,1,{GTIN}\n"
        ));
    }
    std::fs::write(feeds.join("demo/awin-lumo.csv"), csv).expect("write the fixture feed");
    append_config(
        feeds,
        "\n[[source]]\nname = \"lumo\"\nnetwork = \"file\"\npath = \"demo/awin-lumo.csv\"\n\
         format = \"awin-csv\"\nevery = \"1h\"\n",
    );
}

/// Keys on, one search-only key, and the page configured with it (README: "API keys").
fn keys_on_config() -> String {
    format!(
        "\n[auth]\nmode = \"keys\"\n\n[[key]]\nname = \"page\"\nvalue_env = \"{PAGE_KEY_ENV}\"\n\
         actions = [\"search\"]\n\n[web]\napi_key_env = \"{PAGE_KEY_ENV}\"\n"
    )
}

fn append_config(feeds: &Path, sections: &str) {
    let mut config = std::fs::read_to_string(feeds.join("feedmill.toml")).expect("config");
    config.push_str(sections);
    std::fs::write(feeds.join("feedmill.toml"), config).expect("write the config");
}

/// Three earlier refreshes of the fixture shops, each a little dearer the longer ago.
fn seed_price_history(path: &Path) {
    let store = SqliteStore::open(path).expect("create the store");
    let gtin = Gtin::parse(GTIN).expect("fixture gtin");
    let currency = Currency::parse("EUR").expect("EUR");
    for (days_ago, extra) in HISTORY_DAYS {
        let observations: Vec<PriceObservation> = SHOPS
            .iter()
            .map(|(merchant, id, sku, price, _)| PriceObservation {
                offer_id: format!("lumo:{id}:{sku}").into(),
                price: price.parse::<Decimal>().expect("price") + Decimal::from(extra),
                old_price: None,
                currency,
                availability: Availability::InStock,
                gtin: Some(Cow::Owned(gtin.clone())),
                merchant: Some(merchant.to_string().into()),
            })
            .collect();
        store
            .record_prices("lumo", Utc::now() - Duration::days(days_ago), &observations)
            .expect("record prices");
    }
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

/// A raw HTTP GET of the server's JSON API, for what the page should show: (status, body).
/// The server's own key goes along when it has one.
pub fn get_json(server: &Server, path: &str) -> (u16, serde_json::Value) {
    get_json_with_key(&server.base, path, server.key)
}

/// A raw HTTP GET with `X-Api-Key: key`, or without a key.
pub fn get_json_with_key(base: &str, path: &str, key: Option<&str>) -> (u16, serde_json::Value) {
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    let key_header = key.map_or(String::new(), |key| format!("X-Api-Key: {key}\r\n"));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{key_header}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}
