//! The command line of the end-to-end benchmark (hand-parsed: a bench target has no clap, and
//! `cargo bench` adds a `--bench` flag of its own, which is ignored here).

use feedmill_benches::http_load::HttpSettings;
use feedmill_benches::measure::BenchResult;
use feedmill_gen::GenFormat;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
usage: cargo bench -p feedmill-benches --bench e2e -- [options]
  --offers N             records in the generated feed (default 1000000)
  --format NAME          google-xml (default), awin-csv, adtraction-xml or partnerboost-json
  --seed N               generator seed (default 42)
  --scaling N,N,...      also run these sizes, each in a fresh process, and print how time and
                         memory grow (e.g. 100000,1000000,5000000)
  --runs N               run each size N times, each in a fresh process, and report the
                         median of every figure (default 1)
  --queries N            single-threaded searches, split over the four kinds (default 2000)
  --concurrency N        HTTP connections (default 8)
  --http-seconds S       HTTP load stops after S seconds ... (default 10)
  --http-requests N      ... or N requests, whichever comes first (default 20000)
  --work-dir DIR         where the feed and the indexes go (default: the system temp dir)
  --search-index DIR     only the search and HTTP stages, over the index in DIR (one that
                         `feedmill ingest` built from `feedmill gen` output, say): a quick loop
                         for work on search speed
  --write-markdown PATH  write the tables and the machine into PATH (between markers, so the
                         rest of the file stays as written)
  --json-out PATH        write the run's figures as JSON (used by --scaling)
Relative paths are taken from the workspace root, not from benches/ where cargo runs this.";

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub num_offers: u64,
    pub format: GenFormat,
    pub seed: u64,
    /// Sizes of the scaling run; empty: one run only.
    pub scaling: Vec<u64>,
    /// Repeats of each size; more than one reports medians.
    pub runs: usize,
    pub num_queries: usize,
    pub http: HttpSettings,
    pub work_dir: Option<PathBuf>,
    /// An existing index: run the search stages only.
    pub search_index: Option<PathBuf>,
    pub write_markdown: Option<PathBuf>,
    pub json_out: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            num_offers: 1_000_000,
            format: GenFormat::GoogleXml,
            seed: 42,
            scaling: Vec::new(),
            runs: 1,
            num_queries: 2_000,
            http: HttpSettings {
                concurrency: 8,
                max_duration: Duration::from_secs(10),
                max_requests: 20_000,
            },
            work_dir: None,
            search_index: None,
            write_markdown: None,
            json_out: None,
        }
    }
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> BenchResult<Options> {
        let mut options = Options::default();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            // Added by `cargo bench`.
            if flag == "--bench" {
                continue;
            }
            let value = args
                .next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
            options.set(&flag, value)?;
        }
        if options.num_offers == 0 || options.scaling.contains(&0) {
            return Err("the feed needs at least one offer".into());
        }
        if options.runs == 0 {
            return Err("--runs needs at least one run".into());
        }
        Ok(options)
    }

    fn set(&mut self, flag: &str, value: String) -> BenchResult<()> {
        match flag {
            "--offers" => self.num_offers = number(flag, &value)?,
            "--format" => self.format = value.parse()?,
            "--seed" => self.seed = number(flag, &value)?,
            "--scaling" => self.scaling = parse_sizes(&value)?,
            "--runs" => self.runs = number(flag, &value)?,
            "--queries" => self.num_queries = number(flag, &value)?,
            "--concurrency" => self.http.concurrency = number(flag, &value)?,
            "--http-seconds" => self.http.max_duration = Duration::from_secs(number(flag, &value)?),
            "--http-requests" => self.http.max_requests = number(flag, &value)?,
            "--work-dir" => self.work_dir = Some(from_workspace_root(&value)),
            "--search-index" => self.search_index = Some(from_workspace_root(&value)),
            "--write-markdown" => self.write_markdown = Some(from_workspace_root(&value)),
            "--json-out" => self.json_out = Some(value.into()),
            other => return Err(format!("unknown option {other}\n{USAGE}").into()),
        }
        Ok(())
    }

    /// Every size to run: the scaling sizes and `--offers`, ascending.
    pub fn sizes(&self) -> Vec<u64> {
        let mut sizes = self.scaling.clone();
        if !sizes.contains(&self.num_offers) {
            sizes.push(self.num_offers);
            sizes.sort_unstable();
        }
        sizes
    }

    /// The arguments that make a child process do one run of `num_offers` the same way.
    pub fn child_args(&self, num_offers: u64, json_out: &std::path::Path) -> Vec<String> {
        let mut args = vec![
            "--offers".to_string(),
            num_offers.to_string(),
            "--format".into(),
            self.format.name().into(),
            "--seed".into(),
            self.seed.to_string(),
            "--queries".into(),
            self.num_queries.to_string(),
            "--concurrency".into(),
            self.http.concurrency.to_string(),
            "--http-seconds".into(),
            self.http.max_duration.as_secs().to_string(),
            "--http-requests".into(),
            self.http.max_requests.to_string(),
            "--json-out".into(),
            json_out.display().to_string(),
        ];
        if let Some(dir) = &self.work_dir {
            args.extend(["--work-dir".into(), dir.display().to_string()]);
        }
        args
    }
}

/// `path` relative to the workspace root. `cargo bench` runs a bench in its package's directory
/// (benches/), so `--write-markdown BENCHMARKS.md` would otherwise land in benches/.
fn from_workspace_root(path: &str) -> PathBuf {
    let path = PathBuf::from(path);
    if path.is_absolute() {
        return path;
    }
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    package.parent().unwrap_or(package).join(path)
}

/// A whole number given to `flag`; `_` may group digits (`1_000_000`).
fn number<T: std::str::FromStr>(flag: &str, value: &str) -> BenchResult<T> {
    value
        .replace('_', "")
        .parse()
        .map_err(|_| format!("{flag} takes a whole number, not {value:?}").into())
}

/// `100000,1000000,5_000_000` → the sizes, ascending, without repeats.
fn parse_sizes(list: &str) -> BenchResult<Vec<u64>> {
    let mut sizes = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        sizes.push(number("--scaling", item)?);
    }
    sizes.sort_unstable();
    sizes.dedup();
    Ok(sizes)
}
