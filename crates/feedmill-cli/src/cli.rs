//! The command line: subcommands and flags. Their names are a contract with users' scripts.

pub use crate::default_paths::{DEFAULT_INDEX_DIR, default_store_path};
use clap::{Args, Parser, Subcommand};
use feedmill_formats::FeedFormat;
use feedmill_gen::{DEFAULT_BAD_SHARE, GenFormat};
use std::path::PathBuf;
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
    /// Earnings from the store: clicks, conversions, sale amount, commission by status,
    /// conversion rate and EPC per group and currency (a table, or the JSON of GET /earnings).
    Earnings(EarningsArgs),
    /// Price history from the store: an offer's change points or a product's daily lows, as a
    /// table with a chart per currency, or as the API's JSON.
    History(HistoryReportArgs),
    /// Download the configured sources into the cache.
    Fetch(FetchArgs),
    /// Fetch, normalize and ingest the configured sources, each behind the shrink guard.
    Refresh(RefreshArgs),
    /// Write a deterministic synthetic feed (benchmarks, load tests).
    Gen(GenArgs),
    /// Product matching: train and evaluate the matcher, group offers into products.
    Match(crate::match_args::MatchArgs),
    /// Network transactions: `sync` pulls the networks' reports into the store.
    Transactions(TransactionsArgs),
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

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The index folder (created when missing).
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    #[command(flatten)]
    pub backend: BackendArgs,
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
    /// The store the price history is recorded in (a SQLite file or a postgres:// URL;
    /// default: feedmill.db beside the index folder, the one `serve` uses).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<PathBuf>,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub matching: MatchingArgs,
    #[command(flatten)]
    pub alerts: AlertArgs,
    /// The source's feed files (plain, gzip or ZIP); several files make one feed.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

impl IngestArgs {
    pub fn store_path(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| default_store_path(&self.index))
    }
}

/// How a command that ingests records price history.
#[derive(Debug, Args, Clone, Default)]
pub struct HistoryArgs {
    /// Record no price history and index no honest numbers (the `[history]` section's
    /// `enabled = false`, for this command).
    #[arg(long)]
    pub no_history: bool,
    /// The time the ingests are dated and the history filters measure from (RFC 3339), for
    /// replays of simulated days.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

/// The price alerts of a command that ingests (`ingest`, `refresh`): evaluated after a commit
/// and their drops delivered, as `serve` does.
#[derive(Debug, Args, Clone, Default)]
pub struct AlertArgs {
    /// Evaluate no price alerts after the ingest (a running `serve` or the next ingest will).
    #[arg(long)]
    pub no_alerts: bool,
    /// Let alert callbacks reach loopback, private and link-local addresses (as the sources
    /// file's `[alerts] allow_private_callbacks = true`). Off by default: SSRF protection.
    #[arg(long)]
    pub allow_private_callbacks: bool,
}

/// How a command that ingests matches offers into products.
#[derive(Debug, Args, Clone, Default)]
pub struct MatchingArgs {
    /// Set no products: offers are indexed without `product_id` and `match`.
    #[arg(long)]
    pub no_match: bool,
    /// Match every offer again, not only new and changed ones (operators' pins still hold).
    #[arg(long, conflicts_with = "no_match")]
    pub rematch: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    #[command(flatten)]
    pub backend: BackendArgs,
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
    /// relevance, price_asc, price_desc, newest, discount (honest, from price history) or
    /// price_drop (largest drop of the last 30 days first, as a percent of the previous price;
    /// older drops after).
    #[arg(long, default_value = "relevance")]
    pub sort: String,
    /// Only offers whose price dropped within this many days (`7d`).
    #[arg(long)]
    pub dropped_within: Option<String>,
    /// Only offers at their lowest price in this many days (`90d`).
    #[arg(long)]
    pub at_lowest: Option<String>,
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    #[arg(long, default_value_t = feedmill_index::DEFAULT_PER_PAGE)]
    pub per_page: usize,
    /// Facets to count, comma-separated: brand, category, merchant, network, price.
    #[arg(long)]
    pub facets: Option<String>,
    /// One result per product (GTIN) with its offers cheapest first.
    #[arg(long, conflicts_with = "group_by_product")]
    pub group_by_gtin: bool,
    /// One result per matched product (offers without a GTIN included) with its offers
    /// cheapest first.
    #[arg(long)]
    pub group_by_product: bool,
    /// Print the JSON response instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    #[command(flatten)]
    pub backend: BackendArgs,
    #[arg(long)]
    pub json: bool,
}

/// The default sources file.
pub const DEFAULT_CONFIG: &str = "feeds/feedmill.toml";

/// The sources file of a command that only needs its `[search]` section.
#[derive(Debug, Args, Clone)]
pub struct BackendArgs {
    /// The sources file whose `[search]` section picks the search backend (without one, or
    /// when the default file is missing: the tantivy index in --index).
    #[arg(long, default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
}
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
    /// The store the price history is recorded in (a SQLite file or a postgres:// URL;
    /// default: the sources file's `[store] url`, else feedmill.db beside the index folder,
    /// the one `serve` uses).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<PathBuf>,
    #[command(flatten)]
    pub history: HistoryArgs,
    #[command(flatten)]
    pub matching: MatchingArgs,
    #[command(flatten)]
    pub alerts: AlertArgs,
}

impl RefreshArgs {
    pub fn store_path(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| default_store_path(&self.index))
    }
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
    /// The store of clicks and price history (a SQLite file or a postgres:// URL; default:
    /// the sources file's `[store] url`, else feedmill.db beside the index folder).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<PathBuf>,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Set no products on the offers the refreshes ingest.
    #[arg(long)]
    pub no_match: bool,
    /// Memory for the answers of repeated searches, kept until the index changes; 0 turns
    /// the cache off.
    #[arg(long, value_name = "MB", default_value_t = DEFAULT_SEARCH_CACHE_MB)]
    pub search_cache_mb: u64,
    /// Connections one client address may hold open at once; 0 turns the limit off (behind a
    /// proxy, where every client has the proxy's address).
    #[arg(long, value_name = "N", default_value_t = feedmill_api::DEFAULT_MAX_CONNECTIONS_PER_IP)]
    pub max_connections_per_ip: u32,
    /// Also serve `/metrics`, without a key, on this address (e.g. 127.0.0.1:9100) for a
    /// scraper; on the main address it needs an admin key when keys are on.
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
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
            history: HistoryArgs::default(),
            no_match: false,
            search_cache_mb: DEFAULT_SEARCH_CACHE_MB,
            max_connections_per_ip: feedmill_api::DEFAULT_MAX_CONNECTIONS_PER_IP,
            metrics_listen: None,
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
pub struct HistoryReportArgs {
    #[command(flatten)]
    pub target: HistoryTarget,
    /// Days of history up to now, 1 to 400.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=400))]
    pub days: u32,
    /// Print the JSON of `GET /products/{gtin}/history` or `GET /offers/{id}/history`.
    #[arg(long)]
    pub json: bool,
    /// The offer's source, when the index cannot tell it and the id does not begin with it.
    #[arg(long, requires = "offer")]
    pub source: Option<String>,
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// The store (a SQLite file or a postgres:// URL; default: feedmill.db beside the
    /// index folder).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<PathBuf>,
}

/// What `feedmill history` shows: one product or one offer.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct HistoryTarget {
    /// A product (any GTIN length): its daily market low and each merchant's daily low.
    #[arg(long)]
    pub gtin: Option<String>,
    /// An offer id: its change points.
    #[arg(long)]
    pub offer: Option<String>,
}

impl HistoryReportArgs {
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
    /// The store of clicks (a SQLite file or a postgres:// URL; default: feedmill.db beside
    /// the index folder).
    #[arg(long, value_name = "PATH|URL")]
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

#[derive(Debug, Args)]
pub struct EarningsArgs {
    /// Start, inclusive: a UTC date (2026-01-31) or an RFC 3339 time (default: 30 days before
    /// --to).
    #[arg(long)]
    pub from: Option<String>,
    /// End: a UTC date, that day included, or an RFC 3339 time, exclusive (default: now).
    #[arg(long)]
    pub to: Option<String>,
    /// day, source, merchant, offer or sub_id.
    #[arg(long, default_value = "day")]
    pub group_by: String,
    /// List the sales no click could be credited with instead of the report.
    #[arg(long)]
    pub unattributed: bool,
    /// Print JSON (the same fields as GET /earnings and /earnings/unattributed).
    #[arg(long)]
    pub json: bool,
    /// Where the store is (and the old click log imported first, as `clicks` does).
    #[command(flatten)]
    pub location: ClicksArgs,
}

#[derive(Debug, clap::Args)]
pub struct TransactionsArgs {
    #[command(subcommand)]
    pub command: TransactionsCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TransactionsCommand {
    /// Pull every network account's transactions over the trailing window and upsert them
    /// into the store; prints per account: fetched, new, updated, rejected rows.
    Sync(TransactionsSyncArgs),
}

#[derive(Debug, clap::Args)]
pub struct TransactionsSyncArgs {
    /// The sources file, whose `[[network_account]]`s are synced.
    #[arg(long, default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Days re-pulled, ending now (default: `[transactions] days`, else 30).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(feedmill_fetch::MAX_SYNC_DAYS)))]
    pub days: Option<u32>,
    /// Only this account (its `name`; default: all).
    #[arg(long)]
    pub account: Option<String>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// The store (a SQLite file or a postgres:// URL; default: the sources file's
    /// `[store] url`, else feedmill.db beside the index folder).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<PathBuf>,
    #[arg(long, default_value = DEFAULT_CACHE_DIR)]
    pub cache: PathBuf,
}

impl TransactionsSyncArgs {
    pub fn store_path(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| default_store_path(&self.index))
    }
}

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
    /// Write the prices of this day of a simulated run of daily refreshes (0 = the catalogue
    /// prices), with the price-change schedule and its traps.
    #[arg(long)]
    pub day: Option<u32>,
    /// With `--day`: the share of offers whose price changes each day (`5%` or `0.05`).
    #[arg(long, default_value = "5%", value_parser = parse_percent_share, requires = "day")]
    pub price_changes: f64,
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

/// `--price-changes`: `5%` or a share from 0 to 1.
fn parse_percent_share(raw: &str) -> Result<f64, String> {
    match raw.trim().strip_suffix('%') {
        Some(percent) => {
            let value: f64 = percent
                .trim()
                .parse()
                .map_err(|_| format!("{raw:?} is not a percentage"))?;
            parse_share(&(value / 100.0).to_string())
        }
        None => parse_share(raw.trim()),
    }
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
    fn parses_percent_shares() {
        assert_eq!(parse_percent_share("5%"), Ok(0.05));
        assert_eq!(parse_percent_share("0.5"), Ok(0.5));
        assert!(parse_percent_share("150%").is_err());
        assert!(parse_percent_share("x%").is_err());
    }

    #[test]
    fn parses_shares() {
        assert_eq!(parse_share("0.05"), Ok(0.05));
        assert!(parse_share("1.5").is_err());
        assert!(parse_share("lots").is_err());
    }

    #[test]
    fn serve_takes_a_connection_limit() -> Result<(), clap::Error> {
        use clap::Parser;
        let limit = |args: &[&str]| -> Result<Option<u32>, clap::Error> {
            let cli = Cli::try_parse_from(args)?;
            Ok(match cli.command {
                Some(Command::Serve(serve)) => Some(serve.max_connections_per_ip),
                _ => None,
            })
        };
        assert_eq!(
            limit(&["feedmill", "serve"])?,
            Some(feedmill_api::DEFAULT_MAX_CONNECTIONS_PER_IP)
        );
        assert_eq!(
            limit(&["feedmill", "serve", "--max-connections-per-ip", "0"])?,
            Some(0)
        );
        assert!(limit(&["feedmill", "serve", "--max-connections-per-ip", "-1"]).is_err());
        Ok(())
    }
}
