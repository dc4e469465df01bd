//! `feedmill refresh`: fetch, normalize and ingest every configured source (or one), each in
//! its own guarded replacement, recorded in the price history and matched into products (see
//! `ingest_stages.rs`). Exits 1 when any source failed; the others are still refreshed. When
//! at least one source committed, the price alerts are evaluated and their drops delivered
//! (off with `--no-alerts`; see `ingest_alerts.rs`).

use super::backend::open_offer_store;
use super::fetch::{runtime, selected_sources};
use super::ingest_alerts::{AlertContext, after_ingest};
use super::store_location::configured_store;
use crate::cli::RefreshArgs;
use feedmill_fetch::load_config;
use feedmill_pipeline::{RefreshOutcome, refresh_source_recorded};
use std::process::ExitCode;

pub fn run(args: RefreshArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.sources.config)?;
    let sources = selected_sources(&config, &args.sources)?;
    // Opened before the runtime and dropped after it: Typesense's client is a blocking one.
    let index = open_offer_store(&args.index, &config.search)?;
    let ctx = super::fetch::fetch_context(&args.sources.cache)?;
    let store = configured_store(args.store.as_deref(), &config, args.store_path());
    let stages =
        super::ingest_stages::open_stages(&args.history, config.history, &args.matching, &store)?;
    let stages = super::ingest_stages::for_store(stages, &index);
    let runtime = runtime()?;
    let (mut failed, mut committed) = (0, 0);
    for source in sources {
        let report = runtime.block_on(refresh_source_recorded(
            &index, &ctx, source, args.force, &stages,
        ));
        eprintln!("{}", report.summary());
        failed += usize::from(report.failed());
        committed += usize::from(matches!(report.outcome, RefreshOutcome::Ingested { .. }));
    }
    drop(runtime);
    if committed > 0 {
        let context = AlertContext {
            store_path: &store,
            store: stages.store(),
            allow_private: config.alerts.allow_private_callbacks,
            now: super::price_history::fixed_now(&args.history)?,
        };
        after_ingest(&args.alerts, index.search_backend(), &context);
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
