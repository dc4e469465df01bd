//! `/search` requests per second with API keys off and on, on one server over one index,
//! alternating rounds so that both see the same machine: what checking a key costs (a SHA-256
//! of the presented secret, a map lookup, the action and the per-key rate check).
//!
//! ```text
//! cargo run --release -p feedmill-benches --example keys_load -- \
//!     [--offers 100000] [--concurrency 16] [--seconds 10] [--rounds 3]
//! ```
//! The search cache is off, so every request is searched on the index. Keys on means
//! `[auth] mode = "keys"` with one search key (with a per-key rate limit far above the load,
//! so the limiter runs but never refuses), sent as `X-Api-Key`; keys off is the default open
//! mode. The ratio printed is on ÷ off (target ≥ 0.95).

use feedmill_api::auth::{AuthMode, AuthSettings, KeySpec};
use feedmill_benches::catalogue::{OfferShape, build_index};
use feedmill_benches::http_load::{
    HttpSettings, ServedIndex, client, client_with_key, run_load, search_urls, warm_up,
};
use feedmill_benches::measure::BenchResult;
use feedmill_benches::query_mix::catalogue_mix;
use std::sync::Arc;
use std::time::Duration;

const NUM_SOURCES: usize = 10;
const NUM_REQUESTS: usize = 1000;
const SEARCH_KEY: &str = "fmk_benchmark-search-key-0001";
/// Far above any load this machine can make: the limiter is checked on every request, never hit.
const KEY_REQUESTS_PER_MINUTE: u32 = 100_000_000;

struct Options {
    offers: usize,
    concurrency: usize,
    seconds: u64,
    rounds: usize,
}

fn options() -> BenchResult<Options> {
    let mut options = Options {
        offers: 100_000,
        concurrency: 16,
        seconds: 10,
        rounds: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--offers" => options.offers = value.parse()?,
            "--concurrency" => options.concurrency = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--rounds" => options.rounds = value.parse()?,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    Ok(options)
}

fn keys_on() -> AuthSettings {
    AuthSettings {
        mode: AuthMode::Keys,
        keys: vec![KeySpec {
            name: "bench".into(),
            secret: SEARCH_KEY.into(),
            actions: vec!["search".into()],
            sources: None,
            expires_at: None,
            requests_per_minute: Some(KEY_REQUESTS_PER_MINUTE),
            allowed_origins: Vec::new(),
        }],
    }
}

/// One timed round: (requests per second, errors).
async fn round(
    server: &ServedIndex,
    options: &Options,
    with_keys: bool,
) -> BenchResult<(f64, u64)> {
    let settings = if with_keys {
        keys_on()
    } else {
        AuthSettings::default()
    };
    server.state().keys().configure(&settings)?;
    let urls = search_urls(server.base(), &catalogue_mix(NUM_REQUESTS, false)?)?;
    let client = if with_keys {
        client_with_key(options.concurrency, SEARCH_KEY)?
    } else {
        client(options.concurrency)?
    };
    warm_up(&client, &urls, options.concurrency).await?;
    let load = HttpSettings {
        concurrency: options.concurrency,
        max_duration: Duration::from_secs(options.seconds),
        max_requests: u64::MAX,
    };
    let outcome = run_load(&client, &urls, &load).await?;
    let rate = outcome.latencies.len() as f64 / outcome.stage.seconds.max(1e-9);
    Ok((rate, outcome.num_errors))
}

fn main() -> BenchResult<()> {
    let options = options()?;
    let scratch = tempfile::tempdir()?;
    let shape = OfferShape {
        feed_fields: true,
        ..OfferShape::SHORT
    };
    let index = build_index(
        &scratch.path().join("index"),
        options.offers,
        NUM_SOURCES,
        shape,
    )?;
    let server = ServedIndex::start(Arc::new(index), 0, scratch.path())?;
    let client_runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut off, mut on) = (Vec::new(), Vec::new());
    for r in 0..options.rounds {
        // Alternate which goes first, so a drift of the machine hits both alike.
        for with_keys in [r % 2 == 1, r % 2 == 0] {
            let (rate, errors) = client_runtime.block_on(round(&server, &options, with_keys))?;
            if errors > 0 {
                return Err(format!("{errors} requests failed (keys {with_keys})").into());
            }
            let label = if with_keys { "keys on " } else { "keys off" };
            println!("round {}  {label}  {rate:.0} searches/s", r + 1);
            if with_keys {
                on.push(rate)
            } else {
                off.push(rate)
            };
        }
    }
    server.stop()?;
    let mean = |rates: &[f64]| rates.iter().sum::<f64>() / rates.len().max(1) as f64;
    println!(
        "keys off {:.0}/s  keys on {:.0}/s  on/off {:.3}  ({} offers, concurrency {}, {} rounds of {} s)",
        mean(&off),
        mean(&on),
        mean(&on) / mean(&off).max(1e-9),
        options.offers,
        options.concurrency,
        options.rounds,
        options.seconds
    );
    Ok(())
}
