//! `feedmill stats`: per source — offers, last ingest time and duration, rejected records — of
//! the search backend the sources file's `[search]` section picks (`backend.rs`).

use super::backend::{config_or_default, open_offer_store};
use crate::cli::StatsArgs;
use std::process::ExitCode;

pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let config = config_or_default(&args.backend.config)?;
    let index = open_offer_store(&args.index, &config.search)?;
    let stats = index.stats()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<32} {:>10} {:>10} {:>10}  last ingest",
        "source", "offers", "rejected", "took"
    );
    for source in &stats {
        println!(
            "{:<32} {:>10} {:>10} {:>9.2}s  {}",
            source.source,
            source.num_offers,
            source.num_rejected,
            source.last_duration_ms as f64 / 1000.0,
            source
                .last_ingest_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
    }
    println!("{} sources, {} offers", stats.len(), index.num_offers());
    Ok(ExitCode::SUCCESS)
}
