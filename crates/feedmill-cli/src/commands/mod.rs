//! One module per subcommand; `run` dispatches.

mod backend;
mod clicks;
mod earnings;
mod feed_options;
mod fetch;
mod r#gen;
mod history;
mod ingest;
mod ingest_alerts;
mod ingest_stages;
mod match_cmd;
mod normalize;
mod postback_programs;
mod price_history;
mod refresh;
mod search;
mod serve;
mod serve_lease;
mod serve_operator;
mod serve_transactions;
mod stats;
mod store_location;
mod transactions;

use crate::cli::{Cli, Command, ServeArgs};
use std::fmt;
use std::process::ExitCode;

/// A usage mistake (exit code 2), as opposed to a run-time failure (exit code 1).
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Normalize(args)) => normalize::run(args),
        Some(Command::Ingest(args)) => ingest::run(args),
        Some(Command::Search(args)) => search::run(args),
        Some(Command::Stats(args)) => stats::run(args),
        Some(Command::Serve(args)) => serve::run(args),
        Some(Command::Clicks(args)) => clicks::run(args),
        Some(Command::Earnings(args)) => earnings::run(args),
        Some(Command::History(args)) => history::run(args),
        Some(Command::Fetch(args)) => fetch::run(args),
        Some(Command::Refresh(args)) => refresh::run(args),
        Some(Command::Gen(args)) => r#gen::run(args),
        Some(Command::Match(args)) => match_cmd::run(args),
        Some(Command::Transactions(args)) => transactions::run(args),
        None => serve::run(ServeArgs::defaults()),
    }
}

pub fn exit_code_for(err: &anyhow::Error) -> ExitCode {
    let index_usage = err
        .downcast_ref::<feedmill_index::IndexError>()
        .is_some_and(|e| e.is_user_error());
    let pipeline_usage = err
        .downcast_ref::<feedmill_pipeline::PipelineError>()
        .is_some_and(|e| e.is_user_error());
    let search_usage = err
        .downcast_ref::<feedmill_search::SearchError>()
        .is_some_and(|e| e.is_user_error());
    if err.downcast_ref::<UsageError>().is_some() || index_usage || pipeline_usage || search_usage {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}
