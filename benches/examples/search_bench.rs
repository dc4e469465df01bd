//! Latency of the index at catalogue scale: builds an index of generated offers (default
//! 1,000,000 in 10 sources) and times searches single-threaded.
//!
//! Titles draw 3–7 words from a 20,000-word vocabulary with Zipf frequencies (the harness's
//! `catalogue`), as
//! product text has: a few words are frequent, most are rare. "realistic" queries take words
//! the same way; "broad" queries take the 40 most frequent words only, each in 3–6 % of the
//! titles and 7–15 % of the descriptions. `BENCH_QUERY=word` times one query (with `BENCH_SORT`,
//! `BENCH_GROUPED`, `BENCH_NO_FACETS`, `BENCH_NO_FILTERS`), e.g. for a profiler; `BENCH_ONLY=text` runs only the
//! sections whose name holds `text` (`BENCH_ONLY='broad: text$'` only that one); `BENCH_SLOWEST=1` lists the slowest requests of each.
//!
//! ```text
//! cargo run --release -p feedmill-benches --example search_bench -- [num_offers] [index_dir]
//! ```
//! With an `index_dir` that already holds offers, the build is skipped.

use feedmill_benches::catalogue::{BRANDS, CATEGORIES, Generator, OfferShape, WORDS, build_index};
use feedmill_benches::measure::BenchResult;
use feedmill_gen::rng::SplitMix64;
use feedmill_index::{FacetKind, OfferIndex, SearchRequest, SortOrder};
use feedmill_model::Decimal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const NUM_SOURCES: usize = 10;

fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration, Duration) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99), at(1.0))
}

/// Each request runs `RUNS` times and keeps its fastest time, which filters out the moments
/// other processes took the shared cores; percentiles are then over requests.
const RUNS: usize = 5;

fn bench(index: &OfferIndex, name: &str, requests: &[SearchRequest]) -> BenchResult<()> {
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        let wanted = match only.strip_suffix('$') {
            Some(exact) => name == exact,
            None => name.contains(&only),
        };
        if !wanted {
            return Ok(());
        }
    }
    for request in requests.iter().take(20) {
        index.search(request)?; // warm the page cache
    }
    let mut best = vec![Duration::MAX; requests.len()];
    let mut total_hits = 0;
    for _ in 0..RUNS {
        for (request, best) in requests.iter().zip(best.iter_mut()) {
            let started = Instant::now();
            total_hits += index.search(request)?.total;
            *best = (*best).min(started.elapsed());
        }
    }
    if std::env::var_os("BENCH_SLOWEST").is_some() {
        let mut slowest: Vec<(Duration, &SearchRequest)> =
            best.iter().copied().zip(requests).collect();
        slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
        for (time, request) in slowest.iter().take(3) {
            println!(
                "    {time:>8.2?} {:?} sort {} group {}",
                request.query, request.sort, request.group_by_gtin
            );
        }
    }
    let mean = best.iter().sum::<Duration>() / best.len().max(1) as u32;
    let (p50, p99, max) = percentiles(best);
    println!(
        "{name:<42} mean {mean:>8.2?}  p50 {p50:>8.2?}  p99 {p99:>8.2?}  max {max:>8.2?}  (avg hits {})",
        total_hits / (RUNS * requests.len()) as u64
    );
    Ok(())
}

/// The first three letters, as typed so far.
fn prefix(word: &str) -> String {
    word.chars().take(3).collect()
}

fn main() -> BenchResult<()> {
    let mut args = std::env::args().skip(1);
    let num_offers: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = args.next().map(PathBuf::from);
    let scratch = tempfile::tempdir()?;
    let dir = dir.unwrap_or_else(|| scratch.path().join("index"));
    let started = Instant::now();
    let index = build_index(&dir, num_offers, NUM_SOURCES, OfferShape::SHORT)?;
    println!(
        "{} offers ready in {:.1?}",
        index.num_offers(),
        started.elapsed()
    );
    if let Some(query) = std::env::var_os("BENCH_QUERY") {
        // Profiling aid: one query, many times.
        let filtered = std::env::var_os("BENCH_NO_FILTERS").is_none();
        let request = SearchRequest {
            query: Some(query.to_string_lossy().into_owned()),
            in_stock: filtered,
            max_price: filtered.then(|| Decimal::from(3000)),
            facets: if std::env::var_os("BENCH_NO_FACETS").is_some() {
                Vec::new()
            } else {
                FacetKind::ALL.to_vec()
            },
            sort: match std::env::var("BENCH_SORT") {
                Ok(sort) => sort.parse()?,
                Err(_) => SortOrder::Relevance,
            },
            group_by_gtin: std::env::var_os("BENCH_GROUPED").is_some(),
            ..SearchRequest::default()
        };
        bench(&index, "single query x200", &vec![request; 200])?;
        return Ok(());
    }
    let generator = Generator::new()?;
    let mut rng = SplitMix64::new(42);
    let realistic = queries(&mut rng, |rng| generator.word(rng).to_string());
    let broad = queries(&mut rng, |rng| rng.pick(WORDS).to_string());
    for (label, queries) in [("realistic", &realistic), ("broad", &broad)] {
        let text: Vec<SearchRequest> = queries
            .iter()
            .map(|q| SearchRequest {
                query: Some(q.clone()),
                ..SearchRequest::default()
            })
            .collect();
        let full: Vec<SearchRequest> = queries
            .iter()
            .enumerate()
            .map(|(i, q)| SearchRequest {
                query: Some(q.clone()),
                in_stock: true,
                max_price: Some(Decimal::from(3000)),
                brands: if i % 2 == 0 {
                    vec![BRANDS[i % BRANDS.len()].to_string()]
                } else {
                    vec![]
                },
                sort: SortOrder::ALL[i % 5],
                facets: FacetKind::ALL.to_vec(),
                ..SearchRequest::default()
            })
            .collect();
        let grouped: Vec<SearchRequest> = full
            .iter()
            .map(|r| SearchRequest {
                group_by_gtin: true,
                ..r.clone()
            })
            .collect();
        for (kind, name) in ["one word", "two words", "word + prefix", "typo"]
            .iter()
            .enumerate()
        {
            let of_kind: Vec<SearchRequest> = full.iter().skip(kind).step_by(4).cloned().collect();
            bench(&index, &format!("{label}: full, {name}"), &of_kind)?;
        }
        bench(&index, &format!("{label}: text"), &text)?;
        bench(&index, &format!("{label}: text + filters + facets"), &full)?;
        let name = format!("{label}: text + filters + facets, grouped");
        bench(&index, &name, &grouped)?;
        if std::env::var_os("BENCH_ONLY").is_some() {
            continue;
        }
        let started = Instant::now();
        for q in queries.iter() {
            index.suggest(&prefix(q), 10)?;
        }
        println!(
            "{label}: suggest avg {:.2?}",
            started.elapsed() / queries.len() as u32
        );
    }
    let browse: Vec<SearchRequest> = CATEGORIES
        .iter()
        .map(|c| SearchRequest {
            category: Some(c.to_string()),
            facets: FacetKind::ALL.to_vec(),
            sort: SortOrder::PriceAsc,
            ..SearchRequest::default()
        })
        .collect();
    let all_grouped = vec![SearchRequest {
        group_by_gtin: true,
        ..SearchRequest::default()
    }];
    bench(&index, "no text: category browse + facets", &browse)?;
    bench(&index, "no text: everything, grouped", &all_grouped)?;
    Ok(())
}

/// 200 queries: one word, two words, a word and a prefix, a word with a typo, in turn.
fn queries(rng: &mut SplitMix64, mut word: impl FnMut(&mut SplitMix64) -> String) -> Vec<String> {
    (0..200)
        .map(|i| match i % 4 {
            0 => word(rng),
            1 => format!("{} {}", word(rng), word(rng)),
            2 => format!("{} {}", word(rng), prefix(&word(rng))),
            _ => format!("{}x", word(rng)),
        })
        .collect()
}
