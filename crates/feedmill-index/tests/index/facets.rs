//! Facet counts: over the whole result set, following the filters, the category tree.

use crate::search::{catalog, search};
use crate::support::*;
use feedmill_index::{FacetKind, FacetValue, SearchRequest};

fn counts(values: &Option<Vec<FacetValue>>) -> Vec<(String, u64)> {
    values
        .iter()
        .flatten()
        .map(|v| (v.value.clone(), v.count))
        .collect()
}

fn pairs(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected.iter().map(|(v, c)| (v.to_string(), *c)).collect()
}

#[test]
fn facets_count_the_whole_result_set() -> TestResult {
    let index = catalog()?;
    let request = SearchRequest {
        per_page: 1,
        facets: FacetKind::ALL.to_vec(),
        ..Default::default()
    };
    let response = search(&index, request)?;
    assert_eq!(response.items.len(), 1);
    assert_eq!(response.total, 5);
    let facets = &response.facets;
    assert_eq!(
        counts(&facets.brand),
        pairs(&[("Nike", 2), ("Björn Borg", 1), ("NIKE", 1), ("Salomon", 1)])
    );
    assert_eq!(
        counts(&facets.merchant),
        pairs(&[("Acme", 2), ("Sportbutiken", 2), ("Bagshop", 1)])
    );
    assert_eq!(
        counts(&facets.network),
        pairs(&[("generic", 4), ("awin", 1)])
    );
    assert_eq!(
        counts(&facets.category),
        pairs(&[("Sport", 3), ("Kläder", 2)])
    );
    assert_eq!(
        counts(&facets.price),
        pairs(&[
            ("0-25", 1),
            ("25-50", 1),
            ("50-100", 0),
            ("100-250", 0),
            ("250-500", 1),
            ("500-1000", 1),
            ("1000+", 1)
        ])
    );
    Ok(())
}

#[test]
fn category_facets_open_the_selected_path() -> TestResult {
    let index = catalog()?;
    let request = SearchRequest {
        category: Some("Sport > Skor".into()),
        facets: vec![FacetKind::Category],
        ..Default::default()
    };
    let response = search(&index, request)?;
    assert_eq!(
        counts(&response.facets.category),
        pairs(&[
            ("Sport", 2),
            ("Sport > Skor", 2),
            ("Sport > Skor > Löparskor", 1),
            ("Sport > Skor > Trail", 1)
        ])
    );
    assert!(response.facets.brand.is_none(), "only requested facets");
    Ok(())
}

#[test]
fn facets_follow_the_filters() -> TestResult {
    let index = catalog()?;
    let request = SearchRequest {
        query: Some("shoes".into()),
        facets: vec![FacetKind::Brand, FacetKind::Price],
        ..Default::default()
    };
    let response = search(&index, request)?;
    assert_eq!(
        counts(&response.facets.brand),
        pairs(&[("Nike", 1), ("Salomon", 1)])
    );
    let nonzero: Vec<(String, u64)> = counts(&response.facets.price)
        .into_iter()
        .filter(|(_, c)| *c > 0)
        .collect();
    assert_eq!(nonzero, pairs(&[("25-50", 1), ("500-1000", 1)]));
    Ok(())
}
