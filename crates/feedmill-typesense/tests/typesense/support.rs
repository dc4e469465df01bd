//! What the tests share: the Typesense config from the environment, generated offers, and
//! ingesting them through the seam.

use feedmill_formats::driver::{FeedOptions, run_feed};
use feedmill_formats::input::open_reader;
use feedmill_gen::{GenConfig, GenFormat, generate};
use feedmill_model::Offer;
use feedmill_search::{IngestMeta, IngestOptions, IngestOutcome, SourceStore};
use feedmill_typesense::{TypesenseBackend, TypesenseConfig};
use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A backend on a collection of its own (tests run in parallel and share the server), or
/// `None` with a message when no Typesense is configured.
pub fn backend(test: &str) -> TestResult<Option<TypesenseBackend>> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let (Ok(nodes), Ok(api_key)) = (
        std::env::var("TYPESENSE_NODES"),
        std::env::var("TYPESENSE_API_KEY"),
    ) else {
        eprintln!(
            "{test}: skipped, TYPESENSE_NODES / TYPESENSE_API_KEY not set (run it with \
             tests/cluster/typesense run -- cargo test -p feedmill-typesense)"
        );
        return Ok(None);
    };
    let collection = format!(
        "t{}_{}_{}_{test}",
        std::process::id(),
        chrono::Utc::now().timestamp_millis(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let config = TypesenseConfig {
        nodes: nodes.split(',').map(str::to_string).collect(),
        api_key,
        collection,
    };
    Ok(Some(TypesenseBackend::connect(&config)?))
}

/// The offers of a generated feed of `num_records` records (a few are bad and rejected).
pub fn generated_offers(
    source: &str,
    format: GenFormat,
    num_records: u64,
    seed: u64,
) -> TestResult<Vec<Offer>> {
    let mut bytes = Vec::new();
    generate(&GenConfig::new(format, num_records, seed), &mut bytes)?;
    let input = open_reader(Box::new(Cursor::new(bytes)))?;
    let options = FeedOptions {
        source: source.into(),
        format: Some(format.into()),
        ..FeedOptions::default()
    };
    let mut offers = Vec::new();
    run_feed(input, &options, |batch| {
        offers.extend(batch.offers);
        Ok(())
    })?;
    Ok(offers)
}

/// Replaces `source` with `offers` in one commit.
pub fn ingest(
    store: &dyn SourceStore,
    source: &str,
    offers: &[Offer],
    options: IngestOptions,
) -> TestResult<IngestOutcome> {
    let mut replacement = store.begin_replace(source, options)?;
    for offer in offers {
        replacement.add(offer)?;
    }
    Ok(replacement.commit(IngestMeta::default())?)
}
