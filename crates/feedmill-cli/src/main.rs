//! The `feedmill` binary: command-line parsing, logging set-up and wiring of the library crates
//! (the ingest, refresh jobs and scheduler are `feedmill-pipeline`'s).
//!
//! Exit codes: 0 done (also when records were rejected), 1 the input could not be read as a
//! feed (or another run-time failure), 2 usage error.

mod cli;
mod commands;
mod default_paths;
mod match_args;
mod progress;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: normalization allocates many small strings on
/// several threads at once, the case mimalloc is built for.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            commands::exit_code_for(&err)
        }
    }
}

/// Logs go to stderr, filtered by `RUST_LOG` (default `info`); stdout carries data only.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .compact()
        .init();
}
