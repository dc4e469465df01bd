//! The arguments of `feedmill match` (train, eval, cluster; review, pins, pin, unpin), apart
//! from the command code so that `cli.rs` names them without importing the commands.

use crate::default_paths::{DEFAULT_INDEX_DIR, default_store_path};
use feedmill_match::gbdt::BoostingParams;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct MatchArgs {
    #[command(subcommand)]
    pub command: MatchCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum MatchCommand {
    /// Train the matcher model from labelled pair files; thresholds are chosen on --valid.
    Train(TrainArgs),
    /// Precision, recall and F1 of the model on a labelled pair file, and its speed.
    Eval(EvalArgs),
    /// Group offers (NDJSON, the output of `normalize`) into products: each line gets a
    /// `product_id` and a `match` object.
    Cluster(ClusterArgs),
    /// The review list: pairs the ingest scored between the match and the auto-group
    /// threshold, best first; each offer stays alone until it is pinned.
    Review(ReviewArgs),
    /// The operators' pins, oldest first.
    Pins(StoreArgs),
    /// Pin an offer to a product (--product) or split it off (--split); the next ingest or
    /// refresh of its source applies it, even when the feed is unchanged.
    Pin(PinArgs),
    /// Remove an offer's pin: the matcher decides its product again from the next ingest.
    Unpin(UnpinArgs),
}

/// Where the index and the store are (the matcher's decisions and pins live in the store).
#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    #[arg(long, default_value = DEFAULT_INDEX_DIR)]
    pub index: PathBuf,
    /// The store (a SQLite file or a postgres:// URL; default: feedmill.db beside the index
    /// folder).
    #[arg(long, value_name = "PATH|URL")]
    pub store: Option<PathBuf>,
    /// Print JSON (the items of `GET /matches`) instead of a table.
    #[arg(long)]
    pub json: bool,
}

impl StoreArgs {
    pub fn store_path(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(|| default_store_path(&self.index))
    }
}

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub at: StoreArgs,
    /// Entries shown.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Entries skipped first.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["product", "split"])))]
pub struct PinArgs {
    /// The offer's id (it must be in the index).
    pub offer_id: String,
    /// The product to keep the offer in (p and 12 hex digits; some offer must have it).
    #[arg(long)]
    pub product: Option<String>,
    /// Keep the offer alone.
    #[arg(long)]
    pub split: bool,
    #[command(flatten)]
    pub at: StoreArgs,
}

#[derive(Debug, clap::Args)]
pub struct UnpinArgs {
    pub offer_id: String,
    #[command(flatten)]
    pub at: StoreArgs,
}

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Training pair files (repeat the flag for several).
    #[arg(long, required = true)]
    pub pairs: Vec<PathBuf>,
    /// Validation pair files the thresholds are chosen on (repeat the flag for several).
    #[arg(long, required = true)]
    pub valid: Vec<PathBuf>,
    /// Where to write the model.
    #[arg(long)]
    pub out: PathBuf,
    /// Boosting rounds.
    #[arg(long, default_value_t = BoostingParams::default().num_trees)]
    pub trees: usize,
    /// Depth of each tree.
    #[arg(long, default_value_t = BoostingParams::default().max_depth)]
    pub depth: usize,
}

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Labelled pair file (`COL attr VAL value` segments, tab, label).
    #[arg(long)]
    pub pairs: PathBuf,
    /// Model file (default: the model built into the binary, models/matcher.json).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    /// Offers, one JSON object per line; `-` reads stdin.
    pub offers: PathBuf,
    /// Model file (default: the model built into the binary).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Where to write the offers; `-` or nothing means stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}
