//! Atomic per-source replacement on Typesense: a reader polling during refreshes sees the old
//! or the new offers of a source, never a mix and never none; the shrink guard and rollbacks
//! keep the old offers; a deleted source is gone.

use crate::support::{TestResult, backend, generated_offers, ingest};
use feedmill_gen::GenFormat;
use feedmill_model::Offer;
use feedmill_search::{
    FacetKind, FacetValue, IngestOptions, SearchBackend, SearchError, SearchRequest, SourceStore,
};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

const SOURCE: &str = "acme";

/// `count` offers of `SOURCE` whose brand names the version, taken from generated ones.
fn version(template: &[Offer], name: &str, count: usize) -> Vec<Offer> {
    template
        .iter()
        .cycle()
        .take(count)
        .enumerate()
        .map(|(i, offer)| Offer {
            id: format!("{SOURCE}:{name}:{i}"),
            source: SOURCE.into(),
            brand: Some(format!("Version {name}")),
            ..offer.clone()
        })
        .collect()
}

/// What a reader sees of the source: its brand counts (one brand per version).
fn seen(backend: &dyn SearchBackend) -> Result<Vec<FacetValue>, SearchError> {
    let request = SearchRequest {
        source: Some(SOURCE.into()),
        facets: vec![FacetKind::Brand],
        per_page: 1,
        ..SearchRequest::default()
    };
    let answer = backend.search(&request)?;
    Ok(answer.facets.brand.unwrap_or_default())
}

#[test]
fn a_reader_sees_the_old_or_the_new_offers_never_a_mix() -> TestResult {
    let Some(typesense) = backend("replacement")? else {
        return Ok(());
    };
    let template = generated_offers(SOURCE, GenFormat::GoogleXml, 200, 3)?;
    let versions = [
        version(&template, "a", 1_200),
        version(&template, "b", 1_000),
    ];
    ingest(&typesense, SOURCE, &versions[0], IngestOptions::default())?;
    let allowed: BTreeSet<String> = ["Version a=1200", "Version b=1000"]
        .map(String::from)
        .into();
    let done = AtomicBool::new(false);
    let observed = thread::scope(|scope| -> TestResult<BTreeSet<String>> {
        let reader = scope.spawn(|| -> Result<BTreeSet<String>, SearchError> {
            let mut observed = BTreeSet::new();
            while !done.load(Ordering::SeqCst) {
                let counts = seen(&typesense)?;
                let shown: Vec<String> = counts
                    .iter()
                    .map(|v| format!("{}={}", v.value, v.count))
                    .collect();
                observed.insert(shown.join(" + "));
            }
            Ok(observed)
        });
        let writer = (|| -> TestResult {
            for round in 1..=4 {
                ingest(
                    &typesense,
                    SOURCE,
                    &versions[round % 2],
                    IngestOptions::default(),
                )?;
            }
            Ok(())
        })();
        done.store(true, Ordering::SeqCst);
        let observed = reader.join().map_err(|_| "the reader panicked")??;
        writer?;
        Ok(observed)
    })?;
    assert!(observed.is_subset(&allowed), "a reader saw {observed:?}");
    // Four refreshes flip between the versions while the reader polls: it sees both.
    assert_eq!(observed, allowed, "the reader polled across the refreshes");
    assert_eq!(seen(&typesense)?.len(), 1);
    Ok(())
}

#[test]
fn the_guard_and_a_rollback_keep_the_old_offers() -> TestResult {
    let Some(typesense) = backend("guard")? else {
        return Ok(());
    };
    let template = generated_offers(SOURCE, GenFormat::AwinCsv, 100, 5)?;
    let old = version(&template, "old", 100);
    ingest(&typesense, SOURCE, &old, IngestOptions::default())?;
    let shown = |b: &dyn SearchBackend| -> TestResult<String> {
        let counts = seen(b)?;
        Ok(counts
            .iter()
            .map(|v| format!("{}={}", v.value, v.count))
            .collect())
    };
    assert_eq!(shown(&typesense)?, "Version old=100");

    let shrunk = version(&template, "shrunk", 10);
    let tripped = ingest(&typesense, SOURCE, &shrunk, IngestOptions::default()).err();
    let tripped = tripped.and_then(|e| e.downcast::<SearchError>().ok());
    assert!(matches!(
        tripped.as_deref(),
        Some(SearchError::GuardTripped { new: 10, .. })
    ));
    assert_eq!(shown(&typesense)?, "Version old=100");

    let mut abandoned = typesense.begin_replace(SOURCE, IngestOptions::default())?;
    for offer in version(&template, "abandoned", 100).iter() {
        abandoned.add(offer)?;
    }
    abandoned.roll_back();
    assert_eq!(shown(&typesense)?, "Version old=100");

    let mut other = template[0].clone();
    other.source = "elsewhere".into();
    let mut refusing = typesense.begin_replace(SOURCE, IngestOptions::default())?;
    assert!(refusing.add(&other).is_err_and(|e| e.is_user_error()));
    drop(refusing);

    let forced = IngestOptions {
        force: true,
        ..IngestOptions::default()
    };
    let outcome = ingest(&typesense, SOURCE, &shrunk, forced)?;
    assert!(outcome.guard_overridden);
    assert_eq!((outcome.num_previous, outcome.stats.num_offers), (100, 10));
    assert_eq!(shown(&typesense)?, "Version shrunk=10");
    assert_eq!(typesense.num_offers(), 10);

    assert_eq!(typesense.delete_source(SOURCE)?, 10);
    assert_eq!(shown(&typesense)?, "");
    assert!(typesense.stats()?.is_empty());
    Ok(())
}
