//! The command line: subcommands and flags. Their names are a contract with users' scripts.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    /// Normalize the bundled demo feeds of feeds/demo (what `cargo run --release` does).
    Demo(DemoArgs),
}

/// How to read a feed: shared by `normalize` and `ingest`.
#[derive(Debug, Args, Clone)]
pub struct FeedArgs {
    /// Feed format: auto (detect from the content) or one of adtraction-xml, adtraction-csv,
    /// adtraction-json, partnerboost-json, partnerboost-xml, awin-csv, google-xml, google-csv,
    /// tradetracker-xml, csv, xml, json, ndjson.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Source name written on every offer (default: the file name without extensions).
    #[arg(long)]
    pub source: Option<String>,
    /// Currency (ISO-4217) of records that name none.
    #[arg(long)]
    pub currency: Option<String>,
    /// Map an offer field to a feed key, e.g. `--map title=produktnavn` (repeatable).
    #[arg(long = "map", value_name = "FIELD=KEY")]
    pub maps: Vec<String>,
    /// The XML element or JSON array key that holds one record.
    #[arg(long)]
    pub record: Option<String>,
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
pub struct DemoArgs {
    /// Folder of demo feeds.
    #[arg(long, default_value = "feeds/demo")]
    pub feeds: PathBuf,
    /// Where the normalized offers go, one NDJSON file per feed.
    #[arg(long, default_value = "target/demo")]
    pub out: PathBuf,
}
