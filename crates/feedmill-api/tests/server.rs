//! End to end: a real server on 127.0.0.1:0 and a real HTTP client (reqwest), over an on-disk
//! index.

use feedmill_api::{ApiConfig, AppState, SourceLinks, serve};
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex};
use feedmill_model::{Availability, Currency, Decimal, Gtin, Network, Offer};
use feedmill_store::{ClickStore, SqliteStore, TimeRange};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn offer(id: &str, price: i64, shipping: i64) -> Result<Offer, Box<dyn std::error::Error>> {
    Ok(Offer {
        id: format!("nordic:{id}"),
        source: "nordic".into(),
        network: Network::Adtraction,
        merchant_id: None,
        merchant_name: Some("Nordic Sport".into()),
        program_id: Some("1496445".into()),
        sku: Some(id.into()),
        gtin: Some(Gtin::parse("4006381333931")?),
        mpn: None,
        title: format!("Trail running shoe {id}"),
        description: None,
        brand: Some("Salomon".into()),
        category: Some("Sport > Skor".into()),
        price: Decimal::new(price, 0),
        old_price: None,
        currency: Currency::parse("SEK")?,
        shipping: Some(Decimal::new(shipping, 0)),
        availability: Availability::InStock,
        product_url: Some(format!("https://www.nordicsport.example/p/{id}")),
        tracking_url: Some(format!(
            "https://track.adtraction.com/t/t?a=1496445&as=1&t=2&tk=1&url=https://www.nordicsport.example/p/{id}"
        )),
        image_url: None,
        additional_images: Vec::new(),
        updated_at: None,
        extra: BTreeMap::new(),
        product_id: None,
        product_match: None,
    })
}

fn build_index(dir: &Path) -> Result<Arc<OfferIndex>, Box<dyn std::error::Error>> {
    let index = OfferIndex::open_or_create(dir)?;
    let mut ingest = index.begin_source_ingest("nordic", IngestOptions::default())?;
    for (id, price, shipping) in [("a", 700, 49), ("b", 720, 0), ("c", 690, 99)] {
        ingest.add(&offer(id, price, shipping)?)?;
    }
    ingest.commit(IngestMeta::default())?;
    index.release_writer();
    Ok(Arc::new(index))
}

struct Server {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    client: reqwest::Client,
}

impl Server {
    async fn start(
        index: Arc<OfferIndex>,
        click_log: &Path,
        store: Arc<SqliteStore>,
    ) -> Result<Server, Box<dyn std::error::Error>> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let links = SourceLinks {
            merchant_hosts: vec!["nordicsport.example".into()],
            ..SourceLinks::default()
        };
        let config = ApiConfig::new(base.clone(), click_log).with_source("nordic", links);
        let state = AppState::new(index, config, store)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, state, async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Server {
            base,
            stop: Some(stop),
            task,
            client,
        })
    }

    async fn get(&self, path: &str) -> Result<reqwest::Response, reqwest::Error> {
        self.client.get(format!("{}{path}", self.base)).send().await
    }

    /// Stops the server gracefully and waits for `serve` to return.
    async fn shutdown(mut self) -> TestResult {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await??;
        Ok(())
    }
}

#[tokio::test]
async fn search_then_click_out_over_http_and_export_the_click() -> TestResult {
    let dir = tempfile::tempdir()?;
    let index = build_index(&dir.path().join("index"))?;
    let click_log = dir.path().join("clicks.ndjson");
    let store = Arc::new(SqliteStore::open(&dir.path().join("feedmill.db"))?);
    let server = Server::start(index, &click_log, store.clone()).await?;

    let search: Value = server
        .get("/search?q=trail&sort=price_asc&subid=e2e")
        .await?
        .json()
        .await?;
    assert_eq!(search["total"], 3);
    let first = &search["items"][0];
    assert_eq!(first["id"], "nordic:c");
    let click_url = first["click_url"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        click_url,
        format!("{}/r/nordic%3Ac?sub_id=e2e", server.base)
    );

    let click = server
        .client
        .get(&click_url)
        .header("referer", "https://blog.example/a?b=c")
        .send()
        .await?;
    assert_eq!(click.status(), 302);
    let location = click
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let location = location.to_string();

    let product: Value = server.get("/products/4006381333931").await?.json().await?;
    let ids: Vec<&str> = product["offers"]
        .as_array()
        .map(|o| o.iter().filter_map(|o| o["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        ["nordic:b", "nordic:a", "nordic:c"],
        "cheapest total first"
    );

    let link = server
        .client
        .post(format!("{}/links/generate", server.base))
        .json(&json!({ "advertiserId": "1496445", "destinationUrl": "https://shop.nordicsport.example/sale", "parameters": { "clickref": "x" } }))
        .send()
        .await?;
    assert_eq!(link.status(), 200);
    let link: Value = link.json().await?;
    assert_eq!(
        link["url"],
        "https://track.adtraction.com/t/t?a=1496445&as=1&t=2&tk=1&epi=x&url=https%3A%2F%2Fshop.nordicsport.example%2Fsale"
    );

    server.shutdown().await?;
    let mut out = Vec::new();
    let num_clicks = store.visit_clicks(TimeRange::all(), &mut |click| {
        out.push(click.clone());
        Ok(())
    })?;
    assert_eq!(num_clicks, 1);
    let record = serde_json::to_value(&out[0])?;
    assert_eq!(
        location,
        format!(
            "https://track.adtraction.com/t/t?a=1496445&as=1&t=2&tk=1&epi={}&url=https://www.nordicsport.example/p/c",
            out[0].click_id
        )
    );
    assert_eq!(
        (record["offer_id"].as_str(), record["sub_id"].as_str()),
        (Some("nordic:c"), Some("e2e"))
    );
    assert_eq!(record["referrer"], "https://blog.example/a");
    Ok(())
}

#[tokio::test]
async fn limits_and_errors_over_http() -> TestResult {
    let dir = tempfile::tempdir()?;
    let index = build_index(&dir.path().join("index"))?;
    let store = Arc::new(SqliteStore::open(&dir.path().join("feedmill.db"))?);
    let server = Server::start(index, &dir.path().join("clicks.ndjson"), store).await?;

    for _ in 0..30 {
        assert_eq!(server.get("/r/nordic%3Aa").await?.status(), 302);
    }
    let limited = server.get("/r/nordic%3Aa").await?;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_some());
    let body: Value = limited.json().await?;
    assert_eq!(body["error"]["code"], "rate_limited");

    let big = vec![b' '; 2 * 1024 * 1024];
    let too_big = server
        .client
        .post(format!("{}/links/generate-batch", server.base))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await?;
    assert_eq!(too_big.status(), 413);
    let body: Value = too_big.json().await?;
    assert_eq!(body["error"]["code"], "body_too_large");

    let bad = server.get("/search?per_page=500").await?;
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await?;
    assert_eq!(body["error"]["code"], "invalid_parameter");

    let openapi: Value = server.get("/openapi.json").await?.json().await?;
    assert!(openapi["paths"]["/links/generate-batch"]["post"].is_object());
    server.shutdown().await
}
