//! The index through the seam: every call a caller of `dyn SearchBackend` / `dyn SourceStore`
//! makes, with the generation, the guard and the errors as the seam states them.

use crate::support::{OfferExt, TestResult, ingest, meta, offer};
use feedmill_index::OfferIndex;
use feedmill_search::{
    IngestOptions, SearchBackend, SearchCache, SearchError, SearchRequest, SourceStore,
};

fn text(query: &str) -> SearchRequest {
    SearchRequest {
        query: Some(query.into()),
        ..SearchRequest::default()
    }
}

/// Replaces `source` through the seam.
fn replace(store: &dyn SourceStore, source: &str, skus: &[&str]) -> Result<u64, SearchError> {
    let mut replacement = store.begin_replace(source, IngestOptions::default())?;
    for sku in skus {
        replacement.add(&offer(source, sku, &format!("shoe {sku}"), "10.00"))?;
    }
    Ok(replacement.commit(meta("seam"))?.stats.num_offers)
}

#[test]
fn searches_and_lookups_through_the_trait() -> TestResult {
    let index = OfferIndex::in_ram()?;
    ingest(
        &index,
        "acme",
        &[
            offer("acme", "1", "Running shoe", "10.00").gtin("4006381333931"),
            offer("acme", "2", "Rain boot", "20.00").brand("Nordic"),
        ],
    )?;
    let backend: &dyn SearchBackend = &index;
    assert_eq!(backend.search(&text("shoe"))?.total, 1);
    assert_eq!(backend.num_offers(), 2);
    let found = backend.get_offer("acme:2")?;
    assert_eq!(found.map(|o| o.title), Some("Rain boot".to_string()));
    assert!(backend.get_offer("acme:9")?.is_none());
    assert_eq!(backend.offers_by_gtin("4006381333931")?.len(), 1);
    assert!(backend.suggest("nor", 5)?.contains(&"Nordic".to_string()));
    let stats = backend.stats()?;
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].num_offers, 2);
    Ok(())
}

#[test]
fn user_errors_stay_user_errors_and_failures_do_not() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let backend: &dyn SearchBackend = &index;
    let bad = SearchRequest {
        per_page: 1000,
        ..SearchRequest::default()
    };
    assert!(
        backend
            .search(&bad)
            .err()
            .is_some_and(|e| e.is_user_error())
    );
    assert!(
        backend
            .suggest("a", 0)
            .err()
            .is_some_and(|e| e.is_user_error())
    );
    let bad_gtin = backend.offers_by_gtin("12ab");
    assert!(bad_gtin.err().is_some_and(|e| e.is_user_error()));
    Ok(())
}

#[test]
fn the_generation_changes_with_every_commit_only() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let before = index.generation();
    index.reload()?;
    assert_eq!(index.generation(), before);
    assert_eq!(replace(&index, "acme", &["1", "2"])?, 2);
    let after_ingest = index.generation();
    assert_ne!(after_ingest, before);
    assert_eq!(SourceStore::delete_source(&index, "acme")?, 2);
    assert_ne!(index.generation(), after_ingest);
    Ok(())
}

#[test]
fn a_replacement_is_atomic_and_guarded() -> TestResult {
    let index = OfferIndex::in_ram()?;
    replace(&index, "acme", &["1", "2", "3", "4", "5"])?;
    // Rolled back: nothing changes, and the writer is free for the next replacement.
    let mut given_up = index.begin_replace("acme", IngestOptions::default())?;
    given_up.add(&offer("acme", "9", "shoe 9", "1.00"))?;
    assert_eq!(given_up.num_offers(), 1);
    given_up.roll_back();
    assert_eq!(index.search(&text("shoe"))?.total, 5);
    // A shrunken feed trips the guard and keeps the previous offers.
    let tripped = replace(&index, "acme", &["1"]);
    assert!(matches!(
        tripped,
        Err(SearchError::GuardTripped {
            previous: 5,
            new: 1,
            ..
        })
    ));
    assert_eq!(index.search(&text("shoe"))?.total, 5);
    // An offer of another source is refused, as a failure of the caller's pipeline.
    let mut wrong = index.begin_replace("acme", IngestOptions::default())?;
    assert_eq!(wrong.source(), "acme");
    wrong.add(&offer("acme", "9", "shoe 9", "1.00"))?;
    let refused = wrong.add(&offer("other", "1", "shoe", "1.00"));
    assert!(refused.err().is_some_and(|e| !e.is_user_error()));
    // Dropped without a commit: nothing changes either.
    drop(wrong);
    assert_eq!(index.search(&text("shoe"))?.total, 5);
    assert_eq!(index.get_offer("acme:9")?, None);
    Ok(())
}

#[test]
fn the_cached_search_of_the_trait_is_dropped_by_a_commit() -> TestResult {
    let index = OfferIndex::in_ram()?;
    replace(&index, "acme", &["1"])?;
    let backend: &dyn SearchBackend = &index;
    let cache = SearchCache::new(1 << 20);
    assert_eq!(backend.search_cached(&cache, &text("shoe"))?.total, 1);
    assert_eq!(backend.search_cached(&cache, &text("shoe"))?.total, 1);
    assert_eq!(cache.stats().hits, 1);
    replace(&index, "acme", &["1", "2"])?;
    assert_eq!(backend.search_cached(&cache, &text("shoe"))?.total, 2);
    assert_eq!(cache.stats().entries, 1);
    Ok(())
}
