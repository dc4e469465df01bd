//! Latency of grouped searches at catalogue scale, alone and under concurrent load, over an
//! index of `feedmill gen` offers (`feedmill ingest` of a `google-xml` feed, say).
//!
//! A mix of seven requests in turn, the one of issue 18's measurements: the whole catalogue
//! grouped (`group_by=gtin`, relevance then cheapest first), two broad grouped queries (one of
//! the generated catalogue's five commonest brands, grouped, relevance or cheapest first) and
//! four ungrouped text queries (a model name, two words, a word and a prefix, a brand sorted by
//! price). Each thread cycles through the mix from its own starting point for the given
//! seconds; the p50 and p99 of each kind and of the whole mix are printed per thread count.
//! No answer cache: every request is searched on the index.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example grouped_load -- INDEX_DIR [seconds] [threads,...]
//! ```

use feedmill_index::{OfferIndex, SearchRequest, SortOrder};
use std::path::PathBuf;
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const BRANDS: [&str; 5] = [
    "fjallvind",
    "nordkap",
    "aero outdoor",
    "bjork berg",
    "polarljus",
];
const MODELS: [&str; 8] = [
    "kestrel", "aurora", "fjord", "nimbus", "tundra", "vega", "orion", "lofoten",
];
const KINDS: [&str; 3] = ["match-all grouped", "broad grouped", "text"];

/// The mix: (kind, request), seven requests per turn.
fn mix() -> Vec<(usize, SearchRequest)> {
    let grouped = |query: Option<String>, sort| SearchRequest {
        query,
        sort,
        group_by_gtin: true,
        ..SearchRequest::default()
    };
    let text = |query: String, sort| SearchRequest {
        query: Some(query),
        sort,
        ..SearchRequest::default()
    };
    let mut requests = Vec::new();
    for turn in 0..40 {
        let sort = match turn % 2 {
            0 => SortOrder::Relevance,
            _ => SortOrder::PriceAsc,
        };
        let brand = BRANDS[turn % BRANDS.len()].to_string();
        let model = MODELS[turn % MODELS.len()];
        let other = MODELS[(turn + 3) % MODELS.len()];
        requests.push((0, grouped(None, sort)));
        requests.push((1, grouped(Some(brand.clone()), sort)));
        requests.push((2, text(model.to_string(), SortOrder::Relevance)));
        requests.push((2, text(format!("{model} {other}"), SortOrder::Relevance)));
        requests.push((1, grouped(Some(BRANDS[(turn + 1) % 5].to_string()), sort)));
        requests.push((
            2,
            text(format!("{model} {}", &other[..3]), SortOrder::Relevance),
        ));
        requests.push((2, text(brand, SortOrder::PriceAsc)));
    }
    requests
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    let at = ((sorted.len().max(1) - 1) as f64 * q).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

/// Runs the mix on `threads` threads for `seconds`; latencies by kind.
fn run(
    index: &OfferIndex,
    requests: &[(usize, SearchRequest)],
    threads: usize,
    seconds: u64,
) -> BenchResult<Vec<Vec<Duration>>> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let per_thread = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || -> BenchResult<Vec<Vec<Duration>>> {
                    let mut times = vec![Vec::new(); KINDS.len()];
                    let mut i = t * requests.len() / threads.max(1);
                    while Instant::now() < deadline {
                        let (kind, request) = &requests[i % requests.len()];
                        let started = Instant::now();
                        index.search(request)?;
                        times[*kind].push(started.elapsed());
                        i += 1;
                    }
                    Ok(times)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| "a search thread panicked"))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let mut by_kind = vec![Vec::new(); KINDS.len()];
    for times in per_thread {
        for (into, from) in by_kind.iter_mut().zip(times?) {
            into.extend(from);
        }
    }
    Ok(by_kind)
}

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: grouped_load INDEX_DIR [seconds] [threads,...]")?,
    );
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let threads: Vec<usize> = match args.next() {
        Some(list) => list.split(',').map(str::parse).collect::<Result<_, _>>()?,
        None => vec![1, 8],
    };
    let index = OfferIndex::open_or_create(&dir)?;
    let requests = mix();
    // The first requests warm the page cache and build what a snapshot builds once.
    for (i, (kind, request)) in requests.iter().take(14).enumerate() {
        let started = Instant::now();
        index.search(request)?;
        if i < 2 {
            println!(
                "first {} ({}): {:.2?}",
                KINDS[*kind],
                request.sort,
                started.elapsed()
            );
        }
    }
    for num_threads in threads {
        let by_kind = run(&index, &requests, num_threads, seconds)?;
        let mut all: Vec<Duration> = by_kind.iter().flatten().copied().collect();
        all.sort();
        println!(
            "{num_threads} threads, {} searches in {seconds} s",
            all.len()
        );
        for (name, mut times) in KINDS.iter().zip(by_kind) {
            times.sort();
            println!(
                "  {name:<18} n {:>6}  p50 {:>8.2?}  p99 {:>8.2?}",
                times.len(),
                quantile(&times, 0.5),
                quantile(&times, 0.99)
            );
        }
        println!(
            "  {:<18} n {:>6}  p50 {:>8.2?}  p99 {:>8.2?}",
            "whole mix",
            all.len(),
            quantile(&all, 0.5),
            quantile(&all, 0.99)
        );
    }
    Ok(())
}
