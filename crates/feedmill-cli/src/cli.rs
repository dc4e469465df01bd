//! The command line: subcommands and flags. Their names are a contract with users' scripts.

use clap::{Args, Parser, Subcommand};
use feedmill_formats::FeedFormat;
use feedmill_gen::{DEFAULT_BAD_SHARE, GenFormat};
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, Parser)]
#[command(
    name = "feedmill",
    version,
    about = "Product datafeed aggregation: normalize, index and serve affiliate feeds"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Normalize a feed into offers, one JSON object per line on stdout.
    Normalize(NormalizeArgs),
    /// Normalize a feed and replace its source's offers in the index, in one commit.
    Ingest(IngestArgs),
    /// Search the index: text, filters, facets, sorting, grouping by GTIN.
    Search(SearchArgs),
    /// Per source: offers, last ingest time and duration, rejected records.
    Stats(StatsArgs),
    /// Serve the HTTP API; ingests the configured sources first when the index is empty and
    /// keeps them fresh on their schedule (what `cargo run --release` does).
    Serve(ServeArgs),
    /// Export the recorded click-outs as NDJSON.
    Clicks(ClicksArgs),
    /// Download the configured sources into the cache.
    Fetch(FetchArgs),
    /// Fetch, normalize and ingest the configured sources, each behind the shrink guard.
    Refresh(RefreshArgs),
    /// Write a deterministic synthetic feed (benchmarks, load tests).
    Gen(GenArgs),
    /// Product matching: train and evaluate the matcher, group offers into products.
    Match(crate::match_args::MatchArgs),
}

/// How to read a feed: shared by `normalize` and `ingest`.
#[derive(Debug, Args, Clone)]
pub struct FeedArgs {
    /// Feed format: auto (detect from the content) or one of adtraction-xml, adtraction-csv,
    /// adtraction-json, partnerboost-json, partnerboost-xml, awin-csv, google-xml, google-csv,
    /// tradetracker-xml, csv, xml, json, ndjson.
    #[arg(long, default_value = "auto")]
    pub format: FormatArg,
    /// Source name written on every offer (default: the file name without extensions).
    #[arg(long)]
    pub source: Option<String>,
    /// Currency (ISO-4217) of records that name none.
    #[arg(long)]
    pub currency: Option<String>,
    /// Map an offer field to a feed key, e.g. `--map title=produktnavn` (repeatable).
    #[arg(long = "map", value_name = "FIELD=KEY")]
    pub maps: Vec<String>,
    /// The XML element or JSON array key that holds one record (JSON: every array of that name,
    /// each element inheriting the fields of the object holding it, e.g. `variants`).
    #[arg(long)]
    pub record: Option<String>,
}

/// `--format`: `auto` (`None`, detect from the content) or a [`FeedFormat`] by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatArg(pub Option<FeedFormat>);

impl FromStr for FormatArg {
    type Err = String;

    fn from_str(name: &str) -> Result<FormatArg, String> {
        match name {
            "auto" => Ok(FormatArg(None)),
            name => name.parse().map(|format| FormatArg(Some(format))),
        }
    }
}

#[derive(Debug, Args)]
pub struct NormalizeArgs {
    #[command(flatten)]
    pub feed: FeedArgs,
    /// Write one JSON line per rejected record to this file.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// The feed file (plain, gzip or ZIP); `-` reads stdin.
    pub path: PathBuf,
}

/// The default on-disk index: the repository's `index/` folder.
pub const DEFAULT_INDEX_DIR: &str = "index";

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The index folder (created when missing).
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    #[command(flatten)]
    pub feed: FeedArgs,
    /// Keep the old offers when the new feed holds fewer than this share of them.
    #[arg(long, default_value_t = feedmill_index::DEFAULT_MIN_RATIO)]
    pub min_ratio: f64,
    /// Replace the source even when the guard trips or the feed is unchanged.
    #[arg(long)]
    pub force: bool,
    /// Write one JSON line per rejected record to this file.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// The source's feed files (plain, gzip or ZIP); several files make one feed.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// Free text over title, brand, category and description.
    pub query: Option<String>,
    /// Only these brands (repeatable).
    #[arg(long = "brand")]
    pub brands: Vec<String>,
    /// A category path (`Sport > Footwear`); includes everything below it.
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub merchant: Option<String>,
    #[arg(long)]
    pub network: Option<String>,
    #[arg(long)]
    pub source: Option<String>,
    #[arg(long)]
    pub min_price: Option<String>,
    #[arg(long)]
    pub max_price: Option<String>,
    #[arg(long)]
    pub currency: Option<String>,
    /// Only offers in stock.
    #[arg(long)]
    pub in_stock: bool,
    /// Offers of one product.
    #[arg(long)]
    pub gtin: Option<String>,
    /// relevance, price_asc, price_desc, newest or discount.
    #[arg(long, default_value = "relevance")]
    pub sort: String,
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    #[arg(long, default_value_t = feedmill_index::DEFAULT_PER_PAGE)]
    pub per_page: usize,
    /// Facets to count, comma-separated: brand, category, merchant, network, price.
    #[arg(long)]
    pub facets: Option<String>,
    /// One result per product (GTIN) with its offers cheapest first.
    #[arg(long)]
    pub group_by_gtin: bool,
    /// Print the JSON response instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    #[arg(long)]
    pub json: bool,
}

/// The default sources file.
pub const DEFAULT_CONFIG: &str = "feeds/feedmill.toml";
/// The default download cache.
pub const DEFAULT_CACHE_DIR: &str = "cache";

#[derive(Debug, Args)]
pub struct SourceSelection {
    /// The sources file.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Only this source (default: all).
    #[arg(long)]
    pub source: Option<String>,
    /// Where downloads are kept between runs.
    #[arg(long, default_value = DEFAULT_CACHE_DIR)]
    pub cache: PathBuf,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub sources: SourceSelection,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub sources: SourceSelection,
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// Re-ingest unchanged feeds and replace sources even when the shrink guard trips.
    #[arg(long)]
    pub force: bool,
}

/// The default address of the HTTP API.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// `feedmill_api::DEFAULT_SEARCH_CACHE_BYTES`, in MiB.
pub const DEFAULT_SEARCH_CACHE_MB: u64 = feedmill_api::DEFAULT_SEARCH_CACHE_BYTES >> 20;

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "FEEDMILL_ADDR", default_value = DEFAULT_ADDR)]
    pub addr: String,
    /// The sources file; its sources are ingested into an empty index and refreshed on their
    /// `every` schedule.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    #[arg(long, default_value = DEFAULT_CACHE_DIR)]
    pub cache: PathBuf,
    /// Where shoppers reach this server; click URLs start with it (default: http://ADDR).
    #[arg(long)]
    pub public_url: Option<String>,
    /// The click log earlier versions wrote, imported into the store at start (default:
    /// clicks.ndjson inside the index folder).
    #[arg(long)]
    pub clicks: Option<PathBuf>,
    /// The store of clicks (SQLite; default: feedmill.db beside the index folder).
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Memory for the answers of repeated searches, kept until the index changes; 0 turns
    /// the cache off.
    #[arg(long, value_name = "MB", default_value_t = DEFAULT_SEARCH_CACHE_MB)]
    pub search_cache_mb: u64,
}

impl ServeArgs {
    pub fn defaults() -> ServeArgs {
        ServeArgs {
            index: DEFAULT_INDEX_DIR.into(),
            addr: std::env::var("FEEDMILL_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_string()),
            config: DEFAULT_CONFIG.into(),
            cache: DEFAULT_CACHE_DIR.into(),
            public_url: None,
            clicks: None,
            store: None,
            search_cache_mb: DEFAULT_SEARCH_CACHE_MB,
        }
    }

    pub fn click_log(&self) -> PathBuf {
        self.clicks
            .clone()
            .unwrap_or_else(|| self.index.join("clicks.ndjson"))
    }

    pub fn store_path(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| default_store_path(&self.index))
    }
}

#[derive(Debug, Args)]
pub struct ClicksArgs {
    /// The click log earlier versions wrote, imported into the store first if it is there
    /// (default: clicks.ndjson inside the index folder).
    #[arg(long)]
    pub clicks: Option<PathBuf>,
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// The store of clicks (SQLite; default: feedmill.db beside the index folder).
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
}

impl ClicksArgs {
    pub fn click_log(&self) -> PathBuf {
        self.clicks
            .clone()
            .unwrap_or_else(|| self.index.join("clicks.ndjson"))
    }

    pub fn store_path(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| default_store_path(&self.index))
    }
}

/// The store's default file: `feedmill.db` in the folder that holds the index folder
/// (`index` → `feedmill.db`, `/srv/feeds/index` → `/srv/feeds/feedmill.db`).
pub fn default_store_path(index: &Path) -> PathBuf {
    index
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf)
        .join(STORE_FILE_NAME)
}

/// The file name of the default store.
pub const STORE_FILE_NAME: &str = "feedmill.db";

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Feed format: google-xml, awin-csv, adtraction-xml or partnerboost-json.
    #[arg(long)]
    pub format: GenFormat,
    /// Records to write, bad ones included.
    #[arg(long)]
    pub offers: u64,
    /// Seed of the generator: the same seed gives the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Compress with gzip (fast level), as networks deliver large feeds.
    #[arg(long)]
    pub gzip: bool,
    /// Share of deliberately bad records (missing or negative price, no URL, placeholder GTIN).
    #[arg(long, default_value_t = DEFAULT_BAD_SHARE, value_parser = parse_share)]
    pub bad_share: f64,
    /// Share of the good offers written without their GTIN (the product behind each offer
    /// stays the same, so a matcher can be measured against it).
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    pub blank_gtins: f64,
    /// Share of the good offers written without their MPN, drawn independently.
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    pub blank_mpns: f64,
    /// Where to write the feed; `-` or nothing means stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `--bad-share`: a number from 0 to 1.
fn parse_share(raw: &str) -> Result<f64, String> {
    let share: f64 = raw
        .parse()
        .map_err(|_| format!("{raw:?} is not a number"))?;
    if (0.0..=1.0).contains(&share) {
        Ok(share)
    } else {
        Err(format!("{share} is not between 0 and 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_shares() {
        assert_eq!(parse_share("0.05"), Ok(0.05));
        assert!(parse_share("1.5").is_err());
        assert!(parse_share("lots").is_err());
    }
}
