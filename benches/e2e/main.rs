//! End-to-end benchmark of feedmill over one large generated feed, with a baseline measured in
//! the same run beside each figure.
//!
//! One run, in this order, all in this process through the libraries (as `feedmill` uses them):
//! 1. **generate** N records (feedmill-gen, seed 42, 1 % planted bad records) into a gzip file;
//! 2. **read baseline**: gunzip + the bare syntax reader with a no-op sink — the upper bound for
//!    reading the format;
//! 3. **normalize**: `open_reader` + `run_feed`, offers counted and dropped;
//! 4. **tantivy baseline**: the same offers as pre-built documents added by the index's own
//!    writer into a fresh index and committed — the upper bound for indexing;
//! 5. **ingest**: the feed streamed through `run_feed` into one `SourceIngest`, committed once
//!    (`feedmill ingest`); then the merges that commit started, and the index's size on disk;
//!    then **re-ingest** of the unchanged feed (hashed and skipped, as `feedmill ingest` does);
//! 6. **search**: a mix of four request kinds (text; text + filters + facets; grouped by GTIN;
//!    sorted by price) from the generator's vocabulary, single-threaded, p50/p99 per kind;
//! 7. **HTTP**: `feedmill_api::serve` on 127.0.0.1:0 under a closed-loop load of the same mix
//!    (8 connections, 10 s or 20,000 requests, whichever comes first).
//!
//! Each stage reports its time, offers/s, MB/s and its peak resident memory (`VmHWM`, reset
//! before the stage). The table goes to stdout; `--write-markdown BENCHMARKS.md` also writes it,
//! with the machine's description, between marker comments in that file. `--scaling 100000,
//! 1000000,5000000` runs each size in a fresh process (so memory figures do not carry over) and
//! adds a table of how time and memory grow with the feed.
//!
//! ```text
//! cargo bench -p feedmill-benches --bench e2e -- --offers 1000000 [--format google-xml]
//!     [--scaling 100000,1000000,5000000] [--write-markdown BENCHMARKS.md]
//! ```
//! `--help` lists every option. The default run takes 1½ minutes on 2 cores, the 5M-offer run
//! about 8. `cargo test` does not build or run this target (bench targets are only run by
//! `cargo bench` or `cargo test --benches`).

mod child_runs;
mod feed_stages;
mod markdown;
mod options;
mod report;

use feedmill_benches::feed::{self, Feed};
use feedmill_benches::measure::{self, BenchResult, StageFigures, dir_size};
use feedmill_benches::{http_load, query_mix};
use feedmill_gen::GenConfig;
use feedmill_index::OfferIndex;
use options::Options;
use report::RunResults;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// The allocator of the `feedmill` binary, so that time and memory are those of the product.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if std::env::args().any(|arg| arg == "-h" || arg == "--help") {
        println!("{}", options::USAGE);
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("e2e: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Every run the options ask for, then the tables.
fn run() -> BenchResult<()> {
    let options = Options::parse(std::env::args().skip(1))?;
    if let Some(dir) = &options.search_index {
        let run = search_stages(&options, dir)?;
        println!("\n{}", report::search_table(&run));
        return Ok(());
    }
    let sizes = options.sizes();
    let runs = if sizes.len() == 1 && options.runs == 1 {
        vec![run_pipeline(&options)?]
    } else {
        child_runs::run_sizes(&options, &sizes)?
    };
    let run = runs
        .iter()
        .find(|r| r.num_records == options.num_offers)
        .cloned()
        .ok_or("the run at --offers is missing")?;
    let scaling: Vec<RunResults> = runs
        .into_iter()
        .filter(|r| options.scaling.contains(&r.num_records))
        .collect();
    if let Some(path) = &options.json_out {
        std::fs::write(path, serde_json::to_vec_pretty(&run)?)?;
    }
    println!("\n{}", report::stage_table(&run));
    if !scaling.is_empty() {
        println!("{}", report::scaling_table(&scaling));
    }
    if let Some(path) = &options.write_markdown {
        markdown::write_sections(path, &sections(&options, &run, &scaling))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// One run of every stage over a feed of `options.num_offers` records.
fn run_pipeline(options: &Options) -> BenchResult<RunResults> {
    let log = Log::new();
    let scratch = match &options.work_dir {
        Some(dir) => tempfile::Builder::new()
            .prefix("feedmill-e2e")
            .tempdir_in(dir)?,
        None => tempfile::Builder::new().prefix("feedmill-e2e").tempdir()?,
    };
    let config = GenConfig::new(options.format, options.num_offers, options.seed);
    let (feed, generate) = feed::generate(scratch.path(), &config)?;
    log.stage("generate", &generate);
    let read_baseline = feed_stages::read_baseline(&feed)?;
    log.stage("read baseline", &read_baseline);
    let normalize = feed_stages::normalize(&feed)?;
    log.stage("normalize", &normalize);
    let (mut results, index) = index_stages(&feed, scratch.path(), &log)?;
    let index = Arc::new(index);
    let mix = query_mix::query_mix(options.num_queries, options.seed);
    (results.queries, results.search) = query_mix::run_query_mix(&index, &mix)?;
    log.line(&format!("search: {} requests", mix.len()));
    (results.http_uncached, results.http) = http_stages(index, &mix, options, scratch.path())?;
    log.line(&format!(
        "http: {} requests without the cache, {} with it",
        results.http_uncached.num_requests, results.http.num_requests
    ));
    Ok(RunResults {
        format: Some(options.format.into()),
        seed: options.seed,
        num_runs: 1,
        num_records: feed.stats.num_offers,
        feed_bytes: feed.stats.num_bytes,
        gzip_bytes: feed.stats.num_gzip_bytes,
        generate,
        read_baseline,
        normalize,
        total_seconds: log.started.elapsed().as_secs_f64(),
        ..results
    })
}

/// The search and HTTP stages over the index in `dir`, opened as it is.
fn search_stages(options: &Options, dir: &Path) -> BenchResult<RunResults> {
    let index = OfferIndex::open_or_create(dir)?;
    if index.num_offers() == 0 {
        return Err(format!("{} holds no offers", dir.display()).into());
    }
    let index = Arc::new(index);
    let scratch = tempfile::Builder::new().prefix("feedmill-e2e").tempdir()?;
    let mix = query_mix::query_mix(options.num_queries, options.seed);
    let mut results = RunResults::default();
    (results.queries, results.search) = query_mix::run_query_mix(&index, &mix)?;
    (results.http_uncached, results.http) = http_stages(index, &mix, options, scratch.path())?;
    Ok(results)
}

/// The HTTP load with the search cache off, then on (the default budget of `feedmill serve`).
fn http_stages(
    index: Arc<OfferIndex>,
    mix: &[query_mix::MixedRequest],
    options: &Options,
    scratch: &Path,
) -> BenchResult<(http_load::HttpFigures, http_load::HttpFigures)> {
    let uncached = http_load::http_load(index.clone(), mix, &options.http, scratch, 0)?;
    let cache_bytes = feedmill_api::DEFAULT_SEARCH_CACHE_BYTES;
    let cached = http_load::http_load(index, mix, &options.http, scratch, cache_bytes)?;
    Ok((uncached, cached))
}

/// The indexing baseline, then the ingest into `scratch/index`: their figures (the other
/// fields at their defaults) and the ingested index, its writer closed.
fn index_stages(feed: &Feed, scratch: &Path, log: &Log) -> BenchResult<(RunResults, OfferIndex)> {
    let baseline_dir = scratch.join("baseline-index");
    let (tantivy_baseline, baseline_index_bytes) =
        feed_stages::tantivy_baseline(feed, &baseline_dir)?;
    std::fs::remove_dir_all(&baseline_dir)?;
    log.stage("tantivy baseline", &tantivy_baseline);
    let index_dir = scratch.join("index");
    let index = OfferIndex::open_or_create(&index_dir)?;
    let ingest = feed_stages::ingest(feed, &index)?;
    log.stage("ingest", &ingest);
    let merges = feed_stages::finish_merges(&index);
    log.stage("merges", &merges);
    let reingest = feed_stages::reingest_unchanged(feed, &index)?;
    log.stage("re-ingest, unchanged", &reingest);
    let results = RunResults {
        num_offers: ingest.num_items,
        tantivy_baseline,
        baseline_index_bytes,
        ingest,
        merges,
        reingest,
        index_bytes: dir_size(&index_dir)?,
        ..RunResults::default()
    };
    Ok((results, index))
}

/// The sections `--write-markdown` writes: the machine, the stage table, the scaling table.
fn sections(options: &Options, run: &RunResults, scaling: &[RunResults]) -> Vec<(String, String)> {
    let command = format!(
        "`cargo bench -p feedmill-benches --bench e2e -- {}`",
        shown_args().join(" ")
    );
    let repeats = match run.num_runs {
        1 => "one run".to_string(),
        n => format!("median of {n} runs, each in a fresh process"),
    };
    let measured = format!(
        "measured {} on commit {} with\n{command}",
        measure::today(),
        measure::source_revision()
    );
    let intro = format!(
        "{} records of {} (seed {}), {} kept; {repeats}, {:.0} s per run; {measured}\n\n",
        report::count(run.num_records),
        run.format_name(),
        run.seed,
        report::count(run.num_offers),
        run.total_seconds,
    );
    let mut sections = vec![("machine".to_string(), machine_section())];
    let name = format!("{}-{}", run.format_name(), run.num_records);
    sections.push((name, intro + &report::stage_table(run)));
    if !scaling.is_empty() {
        let name = format!("scaling-{}", options.format);
        let intro = format!("{} ({repeats}), {measured}\n\n", options.format);
        sections.push((name, intro + &report::scaling_table(scaling)));
    }
    sections
}

/// This run's arguments without the ones that only say where output goes.
fn shown_args() -> Vec<String> {
    let mut shown = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--write-markdown" | "--json-out" | "--work-dir" => {
                args.next();
            }
            _ => shown.push(arg),
        }
    }
    shown
}

fn machine_section() -> String {
    let items: Vec<String> = measure::machine_description()
        .into_iter()
        .map(|item| format!("- {item}"))
        .collect();
    items.join("\n")
}

/// Progress on stderr, with the time since the start of the run.
struct Log {
    started: Instant,
}

impl Log {
    fn new() -> Log {
        Log {
            started: Instant::now(),
        }
    }

    fn line(&self, text: &str) {
        eprintln!("[{:>7.1} s] {text}", self.started.elapsed().as_secs_f64());
    }

    fn stage(&self, name: &str, figures: &StageFigures) {
        self.line(&format!(
            "{name}: {} in {:.1} s, {}/s, peak RSS · heap {}",
            report::count(figures.num_items),
            figures.seconds,
            report::count(figures.items_per_second() as u64),
            report::memories(figures),
        ));
    }
}
