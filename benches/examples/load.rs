//! Load generator: searches per second and latency of the real server over a generated index.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example load -- \
//!     [--offers 100000] [--index DIR] [--concurrency 16] [--seconds 20] [--url http://host:port] [--broad] [--only text|filtered|facets|grouped]
//! ```
//! Without `--url` it builds (or reopens) an index of the harness's catalogue in `DIR` (a
//! temporary directory by default), serves it on 127.0.0.1:0 from a 2-worker runtime, and
//! drives it from a 1-thread client runtime in the same process: on a 2-core machine client and
//! server share the cores, so the figures are a lower bound for the server alone. With `--url`
//! only the client runs. Requests are the harness's `catalogue_mix` — free text, filters with a
//! sort, facets and GTIN grouping, with words drawn from the catalogue's Zipf-distributed
//! 20,000-word vocabulary (or, with `--broad`, only its 40 most common words) — sent by the
//! harness's closed-loop client (`http_load::run_load`) after its warm-up. An index built by
//! the `search_bench` example can be reused with `--index` (its offers carry no tracking URLs).

use feedmill_benches::catalogue::{OfferShape, build_index};
use feedmill_benches::http_load::{
    HttpSettings, LoadRequest, ServedIndex, client, run_load, search_urls, warm_up,
};
use feedmill_benches::measure::{BenchResult, quantile};
use feedmill_benches::query_mix::{CATALOGUE_KINDS, catalogue_mix};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const NUM_SOURCES: usize = 10;

/// Requests in the mix the load cycles through.
const NUM_REQUESTS: usize = 1000;

/// The catalogue's short texts with the fields a feed adds (a tracking URL per offer), so that
/// every answer carries links to build, as a served catalogue's does.
const SHAPE: OfferShape = OfferShape {
    feed_fields: true,
    ..OfferShape::SHORT
};

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

fn options() -> BenchResult<Options> {
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

/// The mix as requests to `base`, only those of `--only`'s kind when given.
fn requests(base: &str, options: &Options) -> BenchResult<Arc<[LoadRequest]>> {
    let mut mix = catalogue_mix(NUM_REQUESTS, options.broad)?;
    if let Some(only) = options.only.as_deref() {
        let kind = CATALOGUE_KINDS
            .iter()
            .position(|k| *k == only)
            .ok_or_else(|| format!("--only takes one of {CATALOGUE_KINDS:?}"))?;
        mix.retain(|m| m.kind == kind);
    }
    search_urls(base, &mix)
}

async fn drive(base: String, options: &Options) -> BenchResult<()> {
    let requests = requests(&base, options)?;
    let settings = HttpSettings {
        concurrency: options.concurrency,
        max_duration: Duration::from_secs(options.seconds),
        max_requests: u64::MAX,
    };
    let client = client(settings.concurrency)?;
    warm_up(&client, &requests, settings.concurrency).await?;
    let outcome = run_load(&client, &requests, &settings).await?;
    let seconds = outcome.stage.seconds;
    let overall: Vec<f64> = outcome.latencies.iter().map(|(_, ms)| *ms).collect();
    println!(
        "searches: {}  errors: {}  rate: {:.0}/s  {}  (concurrency {}, {seconds:.1} s)",
        overall.len(),
        outcome.num_errors,
        overall.len() as f64 / seconds.max(1e-9),
        percentiles(overall),
        settings.concurrency,
    );
    for (k, name) in CATALOGUE_KINDS.iter().enumerate() {
        let of_kind: Vec<f64> = outcome
            .latencies
            .iter()
            .filter(|(kind, _)| *kind == k)
            .map(|(_, ms)| *ms)
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

fn percentiles(mut millis: Vec<f64>) -> String {
    millis.sort_by(f64::total_cmp);
    format!(
        "p50: {:.2} ms  p90: {:.2} ms  p99: {:.2} ms  max: {:.2} ms",
        quantile(&millis, 0.50),
        quantile(&millis, 0.90),
        quantile(&millis, 0.99),
        quantile(&millis, 1.0)
    )
}

fn main() -> BenchResult<()> {
    let options = options()?;
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if let Some(url) = options.url.clone() {
        return client.block_on(drive(url, &options));
    }
    let scratch = tempfile::tempdir()?;
    let dir = options
        .index
        .clone()
        .unwrap_or_else(|| scratch.path().join("index"));
    let index = build_index(&dir, options.offers, NUM_SOURCES, SHAPE)?;
    let server = ServedIndex::start(
        Arc::new(index),
        feedmill_api::DEFAULT_SEARCH_CACHE_BYTES,
        scratch.path(),
    )?;
    let result = client.block_on(drive(server.base().to_string(), &options));
    server.stop()?;
    result
}
