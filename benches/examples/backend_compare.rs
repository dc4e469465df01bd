//! The two search backends side by side on the same generated offers: the embedded tantivy
//! index and Typesense (one node or a cluster), both through the search seam
//! (`feedmill_search::{SearchBackend, SourceStore}`), so the figures compare the engines and
//! the seam's translation to them, not two different front-ends.
//!
//! One run of this example measures one backend: the ingest rate (offers per second through
//! `SourceStore::begin_replace`, 10 sources, each one commit), p50/p99 per query kind
//! (sequential, one client, each request the best of [`RUNS`]), and requests per second with
//! `--connections` threads searching a mixed list at once. With Typesense it also reports the
//! resident memory its nodes gained by the ingest (summed), per million offers, per million
//! offers. `benches/backend_compare` runs it on tantivy, one Typesense node and a 3-node cluster
//! in turn (each started by `tests/cluster/typesense`) and prints the three reports:
//!
//! ```text
//! benches/backend_compare [num_offers]            # default 1,000,000
//! cargo run --release -p feedmill-benches --example backend_compare -- \
//!     --backend tantivy|typesense --offers N [--connections 8] [--seconds 10]
//! ```
//! Typesense's nodes and key come from `TYPESENSE_NODES` (comma-separated URLs) and
//! `TYPESENSE_API_KEY`. The offers are the catalogue's short-text shape (as `search_bench`).

use feedmill_benches::catalogue::{BRANDS, CATALOGUE_SEED, CATEGORIES, Generator, OfferShape};
use feedmill_benches::measure::BenchResult;
use feedmill_gen::rng::SplitMix64;
use feedmill_index::OfferIndex;
use feedmill_model::{Decimal, Offer};
use feedmill_search::{
    FacetKind, IngestMeta, IngestOptions, SearchBackend, SearchRequest, SortOrder, SourceStore,
};
use feedmill_typesense::{TypesenseBackend, TypesenseConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const NUM_SOURCES: usize = 10;
/// Each sequential request runs this many times and keeps its fastest time.
const RUNS: usize = 3;
/// Requests per query kind.
const PER_KIND: usize = 100;

struct Options {
    backend: String,
    num_offers: usize,
    connections: usize,
    seconds: u64,
}

fn options() -> BenchResult<Options> {
    let mut options = Options {
        backend: "tantivy".into(),
        num_offers: 1_000_000,
        connections: 8,
        seconds: 10,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--backend" => options.backend = value,
            "--offers" => options.num_offers = value.parse()?,
            "--connections" => options.connections = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    Ok(options)
}

/// The backend under test, as both halves of the seam.
struct Backend {
    search: Arc<dyn SearchBackend>,
    store: Arc<dyn SourceStore + Send + Sync>,
    /// Kept alive for the tantivy index's files.
    _scratch: Option<tempfile::TempDir>,
}

fn backend(name: &str) -> BenchResult<Backend> {
    match name {
        "tantivy" => {
            let scratch = tempfile::tempdir()?;
            let index = Arc::new(OfferIndex::open_or_create(&scratch.path().join("index"))?);
            Ok(Backend {
                search: index.clone(),
                store: index,
                _scratch: Some(scratch),
            })
        }
        "typesense" => {
            let nodes = std::env::var("TYPESENSE_NODES").map_err(|_| "TYPESENSE_NODES not set")?;
            let config = TypesenseConfig {
                nodes: nodes.split(',').map(str::to_string).collect(),
                api_key: std::env::var("TYPESENSE_API_KEY")
                    .map_err(|_| "TYPESENSE_API_KEY not set")?,
                collection: format!("bench_{}", std::process::id()),
            };
            let backend = Arc::new(TypesenseBackend::connect(&config)?);
            Ok(Backend {
                search: backend.clone(),
                store: backend,
                _scratch: None,
            })
        }
        other => Err(format!("unknown backend {other:?}: tantivy or typesense").into()),
    }
}

/// Generates and ingests the catalogue one source at a time; returns offers per second.
fn ingest(store: &dyn SourceStore, num_offers: usize) -> BenchResult<f64> {
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(CATALOGUE_SEED);
    let mut spent = Duration::ZERO;
    for s in 0..NUM_SOURCES {
        let source = format!("source{s}");
        let offers: Vec<Offer> = (s..num_offers)
            .step_by(NUM_SOURCES)
            .map(|i| generator.offer(&mut rng, OfferShape::SHORT, &source, i))
            .collect();
        let started = Instant::now();
        let mut replacement = store.begin_replace(&source, IngestOptions::default())?;
        for offer in &offers {
            replacement.add(offer)?;
        }
        replacement.commit(IngestMeta::default())?;
        spent += started.elapsed();
    }
    Ok(num_offers as f64 / spent.as_secs_f64())
}

/// The query kinds, [`PER_KIND`] requests each, with words drawn as shoppers type them.
fn query_kinds() -> BenchResult<Vec<(&'static str, Vec<SearchRequest>)>> {
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(42);
    let mut words = |n: usize| -> Vec<String> {
        (0..n)
            .map(|_| generator.word(&mut rng).to_string())
            .collect()
    };
    let text = |query: String| SearchRequest {
        query: Some(query),
        ..SearchRequest::default()
    };
    let one: Vec<String> = words(PER_KIND);
    let two: Vec<String> = words(PER_KIND)
        .into_iter()
        .zip(words(PER_KIND))
        .map(|(a, b)| format!("{a} {b}"))
        .collect();
    let prefixed: Vec<String> = words(PER_KIND)
        .into_iter()
        .zip(words(PER_KIND))
        .map(|(a, b)| format!("{a} {}", b.chars().take(3).collect::<String>()))
        .collect();
    let typos: Vec<String> = words(PER_KIND).into_iter().map(|w| w + "x").collect();
    let filtered = |(i, query): (usize, &String)| SearchRequest {
        brands: vec![BRANDS[i % BRANDS.len()].to_string()],
        in_stock: true,
        max_price: Some(Decimal::from(3000)),
        facets: FacetKind::ALL.to_vec(),
        ..text(query.clone())
    };
    Ok(vec![
        ("one word", one.iter().cloned().map(text).collect()),
        ("two words", two.iter().cloned().map(text).collect()),
        ("word + prefix", prefixed.into_iter().map(text).collect()),
        ("typo", typos.into_iter().map(text).collect()),
        (
            "text + filters + facets",
            one.iter().enumerate().map(filtered).collect(),
        ),
        (
            "price sort",
            two.iter()
                .map(|q| SearchRequest {
                    sort: SortOrder::PriceAsc,
                    ..text(q.clone())
                })
                .collect(),
        ),
        (
            "text, grouped by GTIN",
            one.iter()
                .map(|q| SearchRequest {
                    group_by_gtin: true,
                    ..text(q.clone())
                })
                .collect(),
        ),
        (
            "category, no text, grouped",
            CATEGORIES
                .iter()
                .map(|c| SearchRequest {
                    category: Some(c.to_string()),
                    group_by_gtin: true,
                    sort: SortOrder::PriceAsc,
                    ..SearchRequest::default()
                })
                .collect(),
        ),
    ])
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q) as usize]
}

/// p50 and p99 of one kind, each request the best of [`RUNS`].
fn sequential(backend: &dyn SearchBackend, requests: &[SearchRequest]) -> BenchResult<String> {
    for request in requests.iter().take(10) {
        backend.search(request)?;
    }
    let mut best = vec![Duration::MAX; requests.len()];
    for _ in 0..RUNS {
        for (request, best) in requests.iter().zip(best.iter_mut()) {
            let started = Instant::now();
            backend.search(request)?;
            *best = (*best).min(started.elapsed());
        }
    }
    best.sort();
    Ok(format!(
        "p50 {:>8.2?}  p99 {:>8.2?}",
        quantile(&best, 0.5),
        quantile(&best, 0.99)
    ))
}

/// Requests per second with `connections` threads going through `mix` in turn, and their p99.
fn concurrent(
    backend: &Arc<dyn SearchBackend>,
    mix: &Arc<Vec<SearchRequest>>,
    connections: usize,
    seconds: u64,
) -> BenchResult<(f64, Duration)> {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|c| {
            let (backend, mix, stop, done) =
                (backend.clone(), mix.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || -> Result<Vec<Duration>, String> {
                let mut times = Vec::new();
                let mut i = c * 7;
                while !stop.load(Ordering::Relaxed) {
                    let request = &mix[i % mix.len()];
                    let at = Instant::now();
                    backend.search(request).map_err(|e| e.to_string())?;
                    times.push(at.elapsed());
                    done.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
                Ok(times)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut times = Vec::new();
    for thread in threads {
        times.extend(thread.join().map_err(|_| "a load thread panicked")??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let p99 = if times.is_empty() {
        Duration::ZERO
    } else {
        quantile(&times, 0.99)
    };
    Ok((done.load(Ordering::Relaxed) as f64 / elapsed, p99))
}

/// The summed resident memory of the Typesense nodes whose pids `TS_PIDS` lists
/// (space-separated, as `tests/cluster/typesense` records them), in bytes; `None` without it.
fn typesense_rss() -> Option<u64> {
    let pids = std::env::var("TS_PIDS").ok()?;
    let kib = pids
        .split_whitespace()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum::<u64>();
    Some(kib * 1024)
}

fn main() -> BenchResult<()> {
    let options = options()?;
    let backend = backend(&options.backend)?;
    let nodes = std::env::var("TYPESENSE_NODES").map_or(1, |n| n.split(',').count());
    let label = match options.backend.as_str() {
        "typesense" => format!("typesense, {nodes} node(s)"),
        other => other.to_string(),
    };
    println!("== {label}: {} offers", options.num_offers);
    let empty_rss = typesense_rss();
    let rate = ingest(backend.store.as_ref(), options.num_offers)?;
    println!("ingest                          {rate:>10.0} offers/s");
    if let (Some(empty), Some(full)) = (empty_rss, typesense_rss()) {
        let gib = |bytes: u64| bytes as f64 / f64::from(1 << 30);
        let per_million = gib(full.saturating_sub(empty)) / (options.num_offers as f64 / 1e6);
        println!(
            "typesense-server RSS            {:>10.2} GiB summed over {nodes} node(s) ({:.2} GiB empty): {per_million:.2} GiB per million offers",
            gib(full),
            gib(empty)
        );
    }
    let kinds = query_kinds()?;
    for (name, requests) in &kinds {
        println!(
            "{name:<31} {}",
            sequential(backend.search.as_ref(), requests)?
        );
    }
    let mix: Vec<SearchRequest> = (0..PER_KIND)
        .flat_map(|i| {
            kinds
                .iter()
                .map(move |(_, requests)| requests[i % requests.len()].clone())
        })
        .collect();
    let (per_second, p99) = concurrent(
        &backend.search,
        &Arc::new(mix),
        options.connections,
        options.seconds,
    )?;
    println!(
        "mixed, {} connections           {per_second:>10.0} req/s  p99 {p99:>8.2?}",
        options.connections
    );
    Ok(())
}
