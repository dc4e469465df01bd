//! The search answer cache: repeated requests are answered from it, and a commit makes every
//! answer it holds unusable.

use crate::search::{catalog, sorted, text};
use crate::support::*;
use feedmill_index::{IndexError, SearchCache};
use std::sync::Arc;

#[test]
fn a_repeated_request_is_answered_from_the_cache() -> Result<(), IndexError> {
    let index = catalog()?;
    let cache = SearchCache::new(1 << 20);
    let first = index.search_cached(&cache, &text("shoes"))?;
    let second = index.search_cached(&cache, &text("shoes"))?;
    assert_eq!(sorted(ids(&first)), ["shop:3", "shop:4"]);
    assert!(Arc::ptr_eq(&first, &second), "the kept answer itself");
    let stats = cache.stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
    assert!(stats.bytes > 0);
    // Another request, or the same one with another page, is another entry.
    let mut page_two = text("shoes");
    page_two.per_page = 1;
    index.search_cached(&cache, &page_two)?;
    assert_eq!(cache.stats().misses, 2);
    Ok(())
}

#[test]
fn a_commit_makes_cached_answers_unusable() -> Result<(), IndexError> {
    let index = catalog()?;
    let cache = SearchCache::new(1 << 20);
    assert_eq!(
        sorted(ids(&*index.search_cached(&cache, &text("shoes"))?)),
        ["shop:3", "shop:4"]
    );
    ingest(
        &index,
        "other",
        &[offer("other", "6", "Hiking Shoes", "120")],
    )?;
    let after = index.search_cached(&cache, &text("shoes"))?;
    assert_eq!(sorted(ids(&after)), ["other:6", "shop:3", "shop:4"]);
    assert_eq!(cache.stats().hits, 0);
    assert_eq!(
        cache.stats().entries,
        1,
        "the old snapshot's answer is gone"
    );
    Ok(())
}

#[test]
fn a_reload_that_changes_nothing_keeps_the_answers() -> Result<(), IndexError> {
    let index = catalog()?;
    let cache = SearchCache::new(1 << 20);
    index.search_cached(&cache, &text("shoes"))?;
    index.reload()?;
    index.search_cached(&cache, &text("shoes"))?;
    assert_eq!(cache.stats().hits, 1);
    Ok(())
}

#[test]
fn bad_requests_are_refused_and_not_kept() -> Result<(), IndexError> {
    let index = catalog()?;
    let cache = SearchCache::new(1 << 20);
    let mut bad = text("shoes");
    bad.per_page = 1000;
    for _ in 0..2 {
        let err = index.search_cached(&cache, &bad).err();
        assert!(err.is_some_and(|err| err.is_user_error()));
    }
    assert_eq!(cache.stats().entries, 0);
    Ok(())
}

#[test]
fn the_cache_keeps_within_its_bytes() -> Result<(), IndexError> {
    let index = catalog()?;
    let budget = 16 << 10;
    let cache = SearchCache::new(budget);
    for price in 1..200 {
        let mut request = text("shoes");
        request.max_price = Some(price.into());
        index.search_cached(&cache, &request)?;
    }
    let stats = cache.stats();
    assert!(stats.bytes <= budget, "{stats:?}");
    assert!(stats.entries > 1 && stats.entries < 199, "{stats:?}");
    Ok(())
}
