//! Conversion postbacks accepted durably per second, and click-outs per second with their
//! latency, against the real server with its SQLite store.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example postback_load -- \
//!     [--postbacks 20000] [--concurrency 32] [--seconds 20] [--offers 10000] [--clicks 5000]
//! ```
//! It builds an index of the harness's catalogue (offers with tracking URLs) in a temporary
//! directory, serves it with [`ServedIndex`] (2 server workers, the store `feedmill.db` in the
//! same directory, WAL with `synchronous=FULL` and group commit, as `feedmill serve` opens it)
//! with one postback program loaded and the per-IP limits lifted (every request comes from
//! 127.0.0.1), and drives it with the harness's closed-loop client:
//! 1. `GET /api/postback/bench?order_id=B-n&amount=...&sub_id=...&api_key=...`, one new order
//!    per request (each a created conversion, attributed by sub-id against an empty click
//!    table), `--concurrency` senders. An answer is counted only when it is a `200`, which the
//!    server sends after the store's commit; afterwards every counted order is read back from
//!    the store, so the rate is of durable conversions.
//! 2. `GET /r/{offer id}` over 1,000 offers, answered `302` after the click is stored.
//!
//! Client and server share the machine's cores, so the figures are a lower bound for the
//! server alone.

use feedmill_api::{PostbackProgram, PostbackPrograms};
use feedmill_benches::catalogue::{OfferShape, build_index};
use feedmill_benches::http_load::{
    HttpSettings, LoadRequest, ServedIndex, click_out_urls, client, client_without_redirects,
    print_outcome, run_load, warm_up,
};
use feedmill_benches::measure::{BenchResult, machine_description};
use feedmill_model::Currency;
use feedmill_store::{ConversionStore, SqliteStore};
use reqwest::Url;
use std::sync::Arc;
use std::time::Duration;

const NUM_SOURCES: usize = 10;
const PROGRAM: &str = "bench";
const KEY: &str = "sk_bench_postback_key";
/// Offers the click-outs cycle through.
const NUM_CLICK_OFFERS: usize = 1000;

/// Offers with tracking URLs, so that every click-out has a link to build.
const SHAPE: OfferShape = OfferShape {
    feed_fields: true,
    ..OfferShape::SHORT
};

struct Options {
    postbacks: u64,
    concurrency: usize,
    seconds: u64,
    offers: usize,
    clicks: u64,
}

fn options() -> BenchResult<Options> {
    let mut options = Options {
        postbacks: 20_000,
        concurrency: 32,
        seconds: 20,
        offers: 10_000,
        clicks: 5_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--postbacks" => options.postbacks = value.parse()?,
            "--concurrency" => options.concurrency = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--offers" => options.offers = value.parse()?,
            "--clicks" => options.clicks = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(options)
}

/// `count` postbacks of orders `{prefix}-0`.. as URLs.
fn postback_urls(base: &str, prefix: &str, count: u64) -> BenchResult<Arc<[LoadRequest]>> {
    let endpoint = format!("{base}/api/postback/{PROGRAM}");
    let mut urls = Vec::new();
    for n in 0..count {
        let amount = format!("{}.{:02}", 10 + n % 990, n % 100);
        let params = [
            ("order_id", format!("{prefix}-{n}")),
            ("amount", amount),
            ("sub_id", format!("campaign-{}", n % 50)),
            ("api_key", KEY.to_owned()),
        ];
        urls.push(LoadRequest {
            kind: 0,
            url: Url::parse_with_params(&endpoint, &params)?,
        });
    }
    Ok(urls.into())
}

async fn drive(base: &str, options: &Options) -> BenchResult<u64> {
    let settings = |max_requests| HttpSettings {
        concurrency: options.concurrency,
        max_duration: Duration::from_secs(options.seconds),
        max_requests,
    };
    let http = client(options.concurrency)?;
    warm_up(&http, &postback_urls(base, "W", 200)?, options.concurrency).await?;
    let postbacks = postback_urls(base, "B", options.postbacks)?;
    let outcome = run_load(&http, &postbacks, &settings(options.postbacks)).await?;
    print_outcome("postbacks", &outcome, options.concurrency);
    let num_acknowledged = if outcome.num_errors == 0 {
        outcome.latencies.len() as u64
    } else {
        0
    };

    let clicks = click_out_urls(base, NUM_CLICK_OFFERS).await?;
    let http = client_without_redirects(options.concurrency)?;
    warm_up(&http, &clicks, options.concurrency).await?;
    let outcome = run_load(&http, &clicks, &settings(options.clicks)).await?;
    print_outcome("click-outs", &outcome, options.concurrency);
    Ok(num_acknowledged)
}

fn main() -> BenchResult<()> {
    let options = options()?;
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
        config.postbacks_per_minute = u32::MAX;
        config.clicks_per_minute = u32::MAX;
    })?;
    let currency = Currency::parse("SEK").map_err(|err| err.to_string())?;
    let program = PostbackProgram::new(PROGRAM, currency, [KEY])?;
    server
        .state()
        .reload_programs(PostbackPrograms::new([program])?);
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = client.block_on(drive(server.base(), &options));
    server.stop()?;
    let num_acknowledged = result?;
    // Every acknowledged postback is read back from the store.
    let store = SqliteStore::open(&scratch.path().join("feedmill.db"))?;
    for n in 0..num_acknowledged {
        if store.conversion(PROGRAM, &format!("B-{n}"))?.is_none() {
            return Err(format!("postback B-{n} was acknowledged but is not stored").into());
        }
    }
    println!("read back: {num_acknowledged} acknowledged conversions all in the store");
    Ok(())
}
