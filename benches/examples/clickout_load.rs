//! Click-outs per second and their latency: `GET /r/{offer id}` answered `302` after the click
//! is committed to the store, against the real server.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example clickout_load -- \
//!     [--offers 10000] [--concurrency 16] [--seconds 20] [--requests 200000]
//!     [--serve-seconds S | --url http://host:port]
//! ```
//! By default it builds an index of the harness's catalogue (offers with tracking URLs) in a
//! temporary directory, serves it with [`ServedIndex`] (2 server workers, the store
//! `feedmill.db` beside it, as `feedmill serve` opens it, the per-IP click limit lifted: every
//! request comes from 127.0.0.1) and drives it from the harness's closed-loop client over the
//! first 1,000 offers. `--serve-seconds` only serves (printing `SERVING <url>`) for that long;
//! `--url` only drives a server already running. The two together compare servers of
//! different versions with one client: the click-out before the store (an NDJSON log) and
//! after it (BENCHMARKS.md, "Click-outs before and after the store").
//!
//! Client and server share the machine's cores, so the figures are a lower bound for the
//! server alone.

use feedmill_benches::catalogue::{OfferShape, build_index};
use feedmill_benches::http_load::{
    HttpSettings, ServedIndex, click_out_urls, client_without_redirects, print_outcome, run_load,
    warm_up,
};
use feedmill_benches::measure::{BenchResult, machine_description};
use std::sync::Arc;
use std::time::Duration;

const NUM_SOURCES: usize = 10;
/// Offers the click-outs cycle through.
const NUM_CLICK_OFFERS: usize = 1000;
/// Offers with tracking URLs, so that every click-out has a link to build.
const SHAPE: OfferShape = OfferShape {
    feed_fields: true,
    ..OfferShape::SHORT
};

struct Options {
    offers: usize,
    concurrency: usize,
    seconds: u64,
    requests: u64,
    serve_seconds: Option<u64>,
    url: Option<String>,
}

fn options() -> BenchResult<Options> {
    let mut options = Options {
        offers: 10_000,
        concurrency: 16,
        seconds: 20,
        requests: 200_000,
        serve_seconds: None,
        url: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--offers" => options.offers = value.parse()?,
            "--concurrency" => options.concurrency = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--requests" => options.requests = value.parse()?,
            "--serve-seconds" => options.serve_seconds = Some(value.parse()?),
            "--url" => options.url = Some(value),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(options)
}

async fn drive(base: &str, options: &Options) -> BenchResult<()> {
    let clicks = click_out_urls(base, NUM_CLICK_OFFERS).await?;
    let http = client_without_redirects(options.concurrency)?;
    warm_up(&http, &clicks, options.concurrency).await?;
    let settings = HttpSettings {
        concurrency: options.concurrency,
        max_duration: Duration::from_secs(options.seconds),
        max_requests: options.requests,
    };
    let outcome = run_load(&http, &clicks, &settings).await?;
    print_outcome("click-outs", &outcome, options.concurrency);
    Ok(())
}

fn main() -> BenchResult<()> {
    let options = options()?;
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if let Some(url) = &options.url {
        return client.block_on(drive(url, &options));
    }
    for line in machine_description() {
        println!("{line}");
    }
    let scratch = tempfile::tempdir()?;
    let index = build_index(
        &scratch.path().join("index"),
        options.offers,
        NUM_SOURCES,
        SHAPE,
    )?;
    let server = ServedIndex::start_configured(Arc::new(index), scratch.path(), |config| {
        config.clicks_per_minute = u32::MAX;
    })?;
    let result = match options.serve_seconds {
        Some(seconds) => {
            println!("SERVING {}", server.base());
            std::thread::sleep(Duration::from_secs(seconds));
            Ok(())
        }
        None => client.block_on(drive(server.base(), &options)),
    };
    server.stop()?;
    result
}
