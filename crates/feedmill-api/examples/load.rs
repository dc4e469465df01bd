//! Load generator: searches per second and latency of the real server over a generated index.
//!
//! ```text
//! cargo run --release -p feedmill-api --example load -- \
//!     [--offers 100000] [--index DIR] [--concurrency 16] [--seconds 20] [--url http://host:port] [--broad] [--only text|filtered|facets|grouped]
//! ```
//! Without `--url` it builds (or reopens) an index of generated offers in `DIR` (a temporary
//! directory by default), serves it on 127.0.0.1:0 from a 2-worker runtime, and drives it from
//! a 1-thread client runtime in the same process: on a 2-core machine client and server share
//! the cores, so the figures are a lower bound for the server alone. With `--url` only the
//! client runs. Requests mix free text, filters with a sort, facets and GTIN grouping, with
//! words drawn from a Zipf-distributed 20,000-word vocabulary (or, with `--broad`, only the 40
//! most common words). An index built by feedmill-index's `search_bench` example can be reused
//! with `--index`.

use feedmill_api::{ApiConfig, AppState, serve};
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex};
use feedmill_model::{Availability, Currency, Decimal, Network, Offer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The word lists, random numbers, vocabulary and GTINs of feedmill-index's examples, so that
/// both crates' benchmarks search the same kind of catalogue.
#[path = "../../feedmill-index/examples/support/mod.rs"]
mod support;

use support::{BRANDS, Rng, WORDS, gtin_for, vocabulary};

const NUM_SOURCES: usize = 10;

struct Options {
    offers: usize,
    index: Option<PathBuf>,
    concurrency: usize,
    seconds: u64,
    url: Option<String>,
    /// Only queries of one kind (text, filtered, facets, grouped).
    only: Option<String>,
    /// Query only the 40 most common words (every query matches much of the index).
    broad: bool,
}

fn options() -> Result<Options, Error> {
    let mut options = Options {
        offers: 100_000,
        index: None,
        concurrency: 16,
        seconds: 20,
        url: None,
        broad: false,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--broad" {
            options.broad = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--offers" => options.offers = value.parse()?,
            "--index" => options.index = Some(value.into()),
            "--concurrency" => options.concurrency = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--url" => options.url = Some(value),
            "--only" => options.only = Some(value),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(options)
}

/// Words drawn with probability proportional to 1 / (rank + 1), as words in real text are.
struct Words {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Words {
    fn new() -> Words {
        let words = vocabulary(20_000);
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        Words { words, cumulative }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
        let rank = self.cumulative.partition_point(|c| *c < target);
        self.words.get(rank).map_or("trail", String::as_str)
    }

    fn text(&self, rng: &mut Rng, num_words: usize) -> String {
        (0..num_words)
            .map(|_| self.word(rng))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn generate(words: &Words, rng: &mut Rng, source: &str, i: usize, sek: Currency) -> Offer {
    let product = rng.next() % 200_000;
    let num_words = 3 + rng.below(5);
    let title = format!("{} {product}", words.text(rng, num_words));
    let url = format!("https://www.{source}.example/p/{i}");
    Offer {
        id: format!("{source}:{i}"),
        source: source.to_string(),
        network: Network::Adtraction,
        merchant_id: None,
        merchant_name: Some(format!("Merchant {}", rng.next() % 300)),
        program_id: Some(format!("{}", 1000 + source.len())),
        sku: Some(i.to_string()),
        gtin: if rng.next().is_multiple_of(3) {
            None
        } else {
            gtin_for(product)
        },
        mpn: None,
        title,
        description: Some(words.text(rng, 12)),
        brand: Some(rng.pick(BRANDS).to_string()),
        category: Some("Sport > Skor".into()),
        price: Decimal::new((rng.next() % 500_000) as i64 + 100, 2),
        old_price: None,
        currency: sek,
        shipping: Some(Decimal::new(4900, 2)),
        availability: if rng.next().is_multiple_of(5) {
            Availability::OutOfStock
        } else {
            Availability::InStock
        },
        product_url: Some(url.clone()),
        tracking_url: Some(format!(
            "https://track.adtraction.com/t/t?a=1&as=2&t=2&tk=1&url={url}"
        )),
        image_url: None,
        additional_images: Vec::new(),
        updated_at: None,
        extra: BTreeMap::new(),
    }
}

fn build_index(options: &Options) -> Result<(Arc<OfferIndex>, Option<tempfile::TempDir>), Error> {
    let (dir, temp) = match &options.index {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::tempdir()?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let index = OfferIndex::open_or_create(&dir)?;
    if index.num_offers() > 0 {
        eprintln!("reusing {} offers in {}", index.num_offers(), dir.display());
        return Ok((Arc::new(index), temp));
    }
    let started = Instant::now();
    let sek = Currency::parse("SEK")?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let words = Words::new();
    for s in 0..NUM_SOURCES {
        let source = format!("source{s}");
        let mut ingest = index.begin_source_ingest(&source, IngestOptions::default())?;
        for i in (s..options.offers).step_by(NUM_SOURCES) {
            ingest.add(&generate(&words, &mut rng, &source, i, sek))?;
        }
        ingest.commit(IngestMeta::default())?;
    }
    index.release_writer();
    eprintln!(
        "indexed {} offers in {:.1?}",
        index.num_offers(),
        started.elapsed()
    );
    Ok((Arc::new(index), temp))
}

/// 1,000 search query strings: text (one word, two words, a word and a prefix), text with a
/// brand, a price cap and a sort, text with facets, and text grouped by GTIN.
const KINDS: [&str; 4] = ["text", "filtered", "facets", "grouped"];

fn queries(broad: bool, only: Option<&str>) -> Vec<(usize, String)> {
    let words = Words::new();
    let mut rng = Rng(42);
    let word = |rng: &mut Rng| {
        let word = if broad {
            rng.pick(WORDS).to_string()
        } else {
            words.word(rng).to_string()
        };
        url::form_urlencoded::byte_serialize(word.as_bytes()).collect::<String>()
    };
    let all: Vec<(usize, String)> = (0..1000)
        .map(|i| match i % 10 {
            0 | 1 => (0, format!("q={}&subid=load", word(&mut rng))),
            2 | 3 => (
                0,
                format!("q={}+{}&subid=load", word(&mut rng), word(&mut rng)),
            ),
            4 | 5 => {
                let typed: String = word(&mut rng).chars().take(3).collect();
                (0, format!("q={}+{typed}&subid=load", word(&mut rng)))
            }
            6 | 7 => (
                1,
                format!(
                    "q={}&brand={}&sort=price_asc&in_stock=true&max_price=3000",
                    word(&mut rng),
                    url::form_urlencoded::byte_serialize(rng.pick(BRANDS).as_bytes())
                        .collect::<String>()
                ),
            ),
            8 => (
                2,
                format!("q={}&facets=brand,price,merchant", word(&mut rng)),
            ),
            _ => (3, format!("q={}&group_by=gtin", word(&mut rng))),
        })
        .collect();
    all.into_iter()
        .filter(|(kind, _)| only.is_none_or(|o| o == KINDS[*kind]))
        .collect()
}

async fn drive(base: String, options: &Options) -> Result<(), Error> {
    let (concurrency, seconds) = (options.concurrency, options.seconds);
    let queries = Arc::new(queries(options.broad, options.only.as_deref()));
    if queries.is_empty() {
        return Err(format!("--only takes one of {KINDS:?}").into());
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let warmup = Duration::from_secs(2);
    let started = Instant::now();
    let until = started + warmup + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (client, base, queries) = (client.clone(), base.clone(), queries.clone());
        workers.push(tokio::spawn(async move {
            let mut rng = Rng(0x1234_5678 + w as u64 * 7919);
            let (mut latencies, mut errors) = (Vec::new(), 0u64);
            while Instant::now() < until {
                let (kind, query) = &queries[rng.below(queries.len())];
                let url = format!("{base}/search?{query}");
                let sent = Instant::now();
                let ok = match client.get(&url).send().await {
                    Ok(response) => {
                        response.status().is_success() && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                if sent >= started + warmup {
                    if ok {
                        latencies.push((*kind, sent.elapsed().as_micros() as u64));
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for worker in workers {
        let (latencies, failed) = worker.await?;
        all.extend(latencies);
        errors += failed;
    }
    let overall: Vec<u64> = all.iter().map(|(_, micros)| *micros).collect();
    println!(
        "searches: {}  errors: {errors}  rate: {:.0}/s  {}  (concurrency {concurrency}, {seconds} s)",
        overall.len(),
        overall.len() as f64 / seconds as f64,
        percentiles(overall),
    );
    for (k, name) in KINDS.iter().enumerate() {
        let of_kind: Vec<u64> = all
            .iter()
            .filter(|(kind, _)| *kind == k)
            .map(|(_, m)| *m)
            .collect();
        if !of_kind.is_empty() {
            println!(
                "  {name:<9} {:>6} searches  {}",
                of_kind.len(),
                percentiles(of_kind)
            );
        }
    }
    Ok(())
}

fn percentiles(mut micros: Vec<u64>) -> String {
    micros.sort_unstable();
    let at = |p: f64| {
        let i = ((micros.len() as f64 * p) as usize).min(micros.len().saturating_sub(1));
        micros.get(i).copied().unwrap_or(0) as f64 / 1000.0
    };
    format!(
        "p50: {:.2} ms  p90: {:.2} ms  p99: {:.2} ms  max: {:.2} ms",
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    )
}

fn main() -> Result<(), Error> {
    let options = options()?;
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if let Some(url) = options.url.clone() {
        return client.block_on(drive(url, &options));
    }
    let (index, _temp) = build_index(&options)?;
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let clicks = tempfile::tempdir()?;
    let store = Arc::new(feedmill_store::SqliteStore::open(
        &clicks.path().join("feedmill.db"),
    )?);
    let listener = server.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let base = format!("http://{}", listener.local_addr()?);
    let click_log = clicks.path().join("clicks.ndjson");
    let state = AppState::new(index, ApiConfig::new(base.clone(), click_log), store)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = server.spawn(serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let result = client.block_on(drive(base, &options));
    let _ = stop.send(());
    server.block_on(serving)??;
    result
}
