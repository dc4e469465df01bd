//! Searches per second of the index alone, from 1, 2 and 4 threads at once: whether concurrent
//! searches contend inside the index (they scale with the cores if they do not), without the
//! HTTP layer of `feedmill-api`'s load example.
//!
//! The request mix is the load example's, the harness's `catalogue_mix`: 60 % text, 20 % text
//! with a brand, a price cap, in stock and a price sort, 10 % text with brand, price and
//! merchant facets, 10 % text grouped by GTIN; words drawn like search_bench's "realistic"
//! queries. Each thread runs requests in turn
//! for the given seconds; the total rate, the process's CPU time per search (which stays flat
//! as threads are added unless searches contend) and each kind's mean latency are printed per
//! thread count.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example search_bench -- 1000000 /tmp/index   # builds
//! cargo run --release -p feedmill-benches --example search_load -- /tmp/index [seconds] [threads,...]
//! ```

use feedmill_benches::measure::{BenchResult, process_cpu};
use feedmill_benches::query_mix::{CATALOGUE_KINDS, MixedRequest, catalogue_mix};
use feedmill_index::OfferIndex;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const KINDS: [&str; 4] = CATALOGUE_KINDS;

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: search_load INDEX_DIR [seconds] [threads]")?,
    );
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let threads: Vec<usize> = match args.next() {
        Some(list) => list.split(',').map(str::parse).collect::<Result<_, _>>()?,
        None => vec![1, 2, 4],
    };
    let index = OfferIndex::open_or_create(&dir)?;
    if index.num_offers() == 0 {
        return Err(format!(
            "{} holds no offers; build it with search_bench",
            dir.display()
        )
        .into());
    }
    let requests = catalogue_mix(1000, false)?;
    for mixed in requests.iter().take(100) {
        index.search(&mixed.request)?; // warm the page cache
    }
    for num_threads in threads {
        run(&index, &requests, num_threads, Duration::from_secs(seconds))?;
    }
    Ok(())
}

/// `num_threads` threads searching for `duration`; prints the rate and the mean per kind.
fn run(
    index: &OfferIndex,
    requests: &[MixedRequest],
    num_threads: usize,
    duration: Duration,
) -> BenchResult<()> {
    let cpu_before = process_cpu();
    let until = Instant::now() + duration;
    let results: Vec<BenchResult<[(u64, Duration); 4]>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..num_threads)
            .map(|t| scope.spawn(move || search_until(index, requests, t, until)))
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err("a search thread panicked".into()))
            })
            .collect()
    });
    let mut totals = [(0u64, Duration::ZERO); 4];
    for result in results {
        for (total, (count, time)) in totals.iter_mut().zip(result?) {
            total.0 += count;
            total.1 += time;
        }
    }
    let num_searches: u64 = totals.iter().map(|(count, _)| count).sum();
    let rate = num_searches as f64 / duration.as_secs_f64();
    let cpu = process_cpu().saturating_sub(cpu_before);
    let cpu_per_search = cpu.as_secs_f64() * 1e3 / num_searches.max(1) as f64;
    let means: Vec<String> = KINDS
        .iter()
        .zip(totals)
        .map(|(kind, (count, time))| {
            let mean = time.as_secs_f64() * 1e3 / count.max(1) as f64;
            format!("{kind} {mean:.2} ms")
        })
        .collect();
    println!(
        "{num_threads} threads: {rate:>6.0} searches/s, CPU {cpu_per_search:.2} ms/search \
         ({:.2} cores busy); mean latency {}",
        cpu.as_secs_f64() / duration.as_secs_f64(),
        means.join(", ")
    );
    Ok(())
}

/// Counts and total latency per kind of the searches one thread ran.
fn search_until(
    index: &OfferIndex,
    requests: &[MixedRequest],
    thread: usize,
    until: Instant,
) -> BenchResult<[(u64, Duration); 4]> {
    let mut totals = [(0u64, Duration::ZERO); 4];
    // Threads start at different requests, so they do not walk the list in step.
    let mut next = thread * 97;
    while Instant::now() < until {
        let mixed = &requests[next % requests.len()];
        let started = Instant::now();
        index.search(&mixed.request)?;
        if let Some(total) = totals.get_mut(mixed.kind) {
            total.0 += 1;
            total.1 += started.elapsed();
        }
        next += 1;
    }
    Ok(totals)
}
