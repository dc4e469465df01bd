//! `feedmill ingest`: one source's feed files into the index, replacing its offers atomically,
//! behind the shrink guard; an unchanged feed is skipped. Prices are recorded in the store's
//! price history (`--store`; off with `--no-history`) and each offer indexed with its honest
//! numbers, and each offer matched into its product (off with `--no-match`). After a commit the
//! price alerts are evaluated and their drops delivered (off with `--no-alerts`; see
//! `ingest_alerts.rs`).

use super::UsageError;
use super::backend::{config_or_default, open_offer_store};
use super::feed_options::feed_options;
use super::ingest_alerts::{AlertContext, after_ingest};
use crate::cli::IngestArgs;
use crate::progress::IngestBars;
use anyhow::Context;
use feedmill_fetch::HistoryConfig;
use feedmill_index::{IngestOptions, IngestOutcome};
use feedmill_model::Rejection;
use feedmill_pipeline::{
    IngestReport, IngestRequest, IngestResult, OfferSink, PipelineError, ingest_source_with,
};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

pub fn run(args: IngestArgs) -> anyhow::Result<ExitCode> {
    let first = args
        .paths
        .first()
        .ok_or_else(|| UsageError("no feed file given".into()))?;
    if !(args.min_ratio > 0.0 && args.min_ratio <= 1.0) {
        return Err(UsageError(format!("--min-ratio {} is not in (0, 1]", args.min_ratio)).into());
    }
    let request = IngestRequest {
        paths: args.paths.clone(),
        feed: feed_options(&args.feed, first)?,
        guard: IngestOptions {
            min_ratio: args.min_ratio,
            force: args.force,
        },
        expected_records: None,
        content_hash: None,
    };
    let config = config_or_default(&args.backend.config)?;
    let index = open_offer_store(&args.index, &config.search)?;
    let mut rejects = match &args.rejects {
        Some(path) => {
            Some(BufWriter::new(File::create(path).with_context(|| {
                format!("failed to create {}", path.display())
            })?))
        }
        None => None,
    };
    if let Some(now) = super::price_history::fixed_now(&args.history)?
        && let Some(index) = index.index()
    {
        index.set_search_time(Some(now));
    }
    let stages = super::ingest_stages::open_stages(
        &args.history,
        HistoryConfig::default(),
        &args.matching,
        &args.store_path(),
    )?;
    let stages = super::ingest_stages::for_store(stages, &index);
    let alert_index = index.search_backend();
    let mut sink = stages.index_sink(index);
    let on_rejection = |rejection: &Rejection| match rejects.as_mut() {
        Some(out) => {
            serde_json::to_writer(&mut *out, rejection).map_err(std::io::Error::other)?;
            out.write_all(b"\n")
        }
        None => Ok(()),
    };
    let (result, matched) = match &stages.history {
        Some(history) => {
            let mut recorded = history.sink(sink);
            let result = ingest(&mut recorded, &request, on_rejection);
            (result, recorded.inner().last_match().cloned())
        }
        None => {
            let result = ingest(&mut sink, &request, on_rejection);
            (result, sink.last_match().cloned())
        }
    };
    if let Some(out) = rejects.as_mut() {
        out.flush().context("failed to write rejects")?;
    }
    let source = &request.feed.source;
    match result.with_context(|| format!("failed to ingest source {source:?}"))? {
        IngestResult::Unchanged => {
            eprintln!(
                "source {source:?} unchanged since its last ingest: skipped (--force re-ingests)"
            );
        }
        IngestResult::Committed(report) => {
            let IngestReport {
                outcome,
                reports,
                stats,
                elapsed,
            } = *report;
            for report in &reports {
                super::normalize::print_report(report);
            }
            let per_second = stats.num_kept as f64 / elapsed.as_secs_f64().max(1e-9);
            eprintln!(
                "source {source:?}: {} offers (was {}), {} duplicate ids, committed in {:.2} s ({per_second:.0} offers/s)",
                outcome.stats.num_offers,
                outcome.num_previous,
                outcome.num_duplicates,
                elapsed.as_secs_f64(),
            );
            if outcome.guard_overridden {
                eprintln!("warning: --force replaced a source the shrink guard would have kept");
            }
            eprintln!("{stats}");
            if let Some(matched) = matched {
                eprintln!("{matched}");
            }
            let context = AlertContext {
                store_path: &args.store_path(),
                store: stages.store(),
                allow_private: false,
                now: super::price_history::fixed_now(&args.history)?,
            };
            after_ingest(&args.alerts, alert_index, &context);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn ingest<S: OfferSink<Committed = IngestOutcome>>(
    sink: &mut S,
    request: &IngestRequest,
    on_rejection: impl FnMut(&Rejection) -> std::io::Result<()>,
) -> Result<IngestResult<IngestOutcome>, PipelineError> {
    ingest_source_with(sink, request, &IngestBars, on_rejection)
}
