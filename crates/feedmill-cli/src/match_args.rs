//! The arguments of `feedmill match` (train, eval, cluster), apart from the command code so
//! that `cli.rs` names them without importing the commands.

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
