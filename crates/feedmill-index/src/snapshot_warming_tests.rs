//! A reload builds the new snapshot's group table and whole-catalogue lists before searches see
//! it (`snapshot_warmer.rs`): after each commit, the first whole-catalogue grouped searches find
//! them built — no search builds one — and their answers are the brute-force grouping's.

use crate::grouping_reference_tests::{Expected, Rng, TestResult};
use crate::grouping_reference_tests::{as_expected, generated_index, ingest, reference};
use crate::offer_index::OfferIndex;
use feedmill_search::{Grouping, SearchRequest, SortOrder};

/// The sorts asked for before the commits.
const ASKED: [SortOrder; 2] = [SortOrder::Relevance, SortOrder::PriceAsc];

fn whole_catalogue(sort: SortOrder) -> SearchRequest {
    SearchRequest {
        sort,
        group_by_gtin: true,
        ..SearchRequest::default()
    }
}

fn is_built(index: &OfferIndex, sort: SortOrder) -> bool {
    let searcher = index.searcher();
    let caches = &index.inner.group_caches;
    caches.is_built(&searcher, Grouping::Gtin, sort)
}

fn builds_by_searches(index: &OfferIndex) -> u64 {
    index.grouped_builds().0
}

fn assert_exact(index: &OfferIndex, sort: SortOrder, round: usize) -> TestResult {
    let request = whole_catalogue(sort);
    let response = index.search(&request)?;
    let (total, expected) = reference(index, &request)?;
    assert_eq!(response.total, total, "round {round}: {sort:?}");
    let items: Vec<Expected> = response.items.iter().map(as_expected).collect();
    assert_eq!(items, expected, "round {round}: {sort:?}");
    Ok(())
}

#[test]
fn after_a_commit_the_first_whole_catalogue_search_finds_its_list_built() -> TestResult {
    let mut rng = Rng(11);
    let index = generated_index(&mut rng)?;
    for sort in ASKED {
        index.search(&whole_catalogue(sort))?;
    }
    let by_searches = builds_by_searches(&index);
    assert_eq!(
        by_searches, 3,
        "one table and two lists, built by the searches"
    );
    for round in 0..3 {
        match round {
            0 => ingest(&index, &mut rng, "d", 60)?,
            1 => {
                index.delete_source("a")?;
            }
            _ => ingest(&index, &mut rng, "b", 100)?,
        }
        for sort in ASKED {
            assert!(is_built(&index, sort), "round {round}: {sort:?} warmed");
        }
        assert!(
            !is_built(&index, SortOrder::Newest),
            "never asked: not warmed"
        );
        for sort in ASKED {
            assert_exact(&index, sort, round)?;
        }
        let built = builds_by_searches(&index);
        assert_eq!(built, by_searches, "round {round}: no search built one");
    }
    let (_, by_warmer) = index.grouped_builds();
    assert!(
        by_warmer >= 3 * 2,
        "the reloads built the lists: {by_warmer}"
    );
    // A sort first asked now is built by its search, then warmed by the next reload.
    assert_exact(&index, SortOrder::Newest, 3)?;
    assert_eq!(builds_by_searches(&index), by_searches + 1);
    ingest(&index, &mut rng, "e", 40)?;
    assert!(is_built(&index, SortOrder::Newest));
    assert_exact(&index, SortOrder::Newest, 4)?;
    assert_eq!(builds_by_searches(&index), by_searches + 1);
    Ok(())
}

#[test]
fn without_warming_the_first_search_builds_the_list() -> TestResult {
    let mut rng = Rng(12);
    let index = generated_index(&mut rng)?;
    index.set_snapshot_warming(false);
    index.search(&whole_catalogue(SortOrder::PriceAsc))?;
    let by_searches = builds_by_searches(&index);
    ingest(&index, &mut rng, "d", 60)?;
    assert!(!is_built(&index, SortOrder::PriceAsc));
    assert_exact(&index, SortOrder::PriceAsc, 0)?;
    assert_eq!(
        builds_by_searches(&index),
        by_searches + 2,
        "a table and a list"
    );
    assert_eq!(index.grouped_builds().1, 0);
    Ok(())
}
