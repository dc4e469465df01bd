//! `feedmill fetch`: downloads the configured sources into the cache, nothing more.

use super::UsageError;
use crate::cli::{FetchArgs, SourceSelection};
use anyhow::Context;
use feedmill_fetch::{FeedConfig, FetchContext, SourceConfig, fetch_source, load_config};
use std::process::ExitCode;

pub fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.sources.config)?;
    let sources = selected_sources(&config, &args.sources)?;
    let runtime = runtime()?;
    let ctx = super::fetch::fetch_context(&args.sources.cache)?;
    let mut failed = 0;
    for source in sources {
        match runtime.block_on(fetch_source(source, &ctx)) {
            Ok(outcome) => eprintln!(
                "{}: {} bytes in {} requests, {} -> {} ({:.2} s)",
                source.name,
                outcome.num_bytes,
                outcome.num_requests,
                if outcome.unchanged {
                    "unchanged"
                } else {
                    "changed"
                },
                outcome.path.display(),
                outcome.duration.as_secs_f64()
            ),
            Err(err) => {
                failed += 1;
                eprintln!("{}: {err}", source.name);
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The sources `--source` names (all when it names none); an unknown name is a usage error.
pub fn selected_sources<'c>(
    config: &'c FeedConfig,
    selection: &SourceSelection,
) -> Result<Vec<&'c SourceConfig>, UsageError> {
    match &selection.source {
        Some(name) => config.source(name).map(|s| vec![s]).ok_or_else(|| {
            UsageError(format!(
                "no source named {name:?} in {}",
                selection.config.display()
            ))
        }),
        None => Ok(config.sources.iter().collect()),
    }
}

/// The HTTP client and download cache, drawing download progress on a terminal.
pub fn fetch_context(cache: &std::path::Path) -> anyhow::Result<FetchContext> {
    FetchContext::builder(cache)
        .progress(std::sync::Arc::new(crate::progress::DownloadBars::default()))
        .build()
        .context("failed to set up the HTTP client")
}

/// The async runtime for network I/O: two workers, one per core.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}
