//! One fixed query set against the tantivy in-RAM index and Typesense on the same generated
//! offers, compared through the seam: totals, every matching id (as sets), the price order of
//! price sorts, facet counts, groups. What cannot be equal (relevance order, each engine's
//! order of ties) is left out as the crate doc says.

use crate::support::{TestResult, backend, generated_offers, ingest};
use feedmill_gen::GenFormat;
use feedmill_index::OfferIndex;
use feedmill_model::Offer;
use feedmill_search::{
    FacetKind, IngestOptions, SearchBackend, SearchItem, SearchRequest, SortOrder,
};
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// Offers per source: a few thousand in all, quick to ingest into both.
const NUM_RECORDS: u64 = 1_500;
const SOURCES: [(&str, GenFormat, u64); 2] = [
    ("gen-google", GenFormat::GoogleXml, 11),
    ("gen-awin", GenFormat::AwinCsv, 12),
];

/// What one request answers, in the terms both engines must agree on.
#[derive(Debug, PartialEq)]
struct Summary {
    total: u64,
    /// Every matching item: an offer's id, or a group's GTIN, size, prices and offer ids.
    items: BTreeSet<String>,
    /// The price of every item in answer order (a group's lowest), for price sorts.
    prices: Vec<Decimal>,
    facets: String,
}

fn summarize(backend: &dyn SearchBackend, request: &SearchRequest) -> TestResult<Summary> {
    let first = backend.search(request)?;
    let mut summary = Summary {
        total: first.total,
        items: BTreeSet::new(),
        prices: Vec::new(),
        facets: format!("{:?}", first.facets),
    };
    let mut page = first;
    let mut number = request.page;
    loop {
        for item in &page.items {
            let (key, price) = match item {
                SearchItem::Offer(hit) => (hit.offer.id.clone(), hit.offer.price),
                SearchItem::Group(group) => {
                    let ids: Vec<&str> = group.offers.iter().map(|o| o.offer.id.as_str()).collect();
                    let key = format!(
                        "{} {} x{} {}..{} [{}]",
                        group.gtin.as_deref().unwrap_or("-"),
                        group.currency.code(),
                        group.offer_count,
                        group.min_price,
                        group.max_price,
                        ids.join(",")
                    );
                    (key, group.min_price)
                }
            };
            summary.items.insert(key);
            summary.prices.push(price);
        }
        if page.items.len() < request.per_page {
            break;
        }
        number += 1;
        page = backend.search(&SearchRequest {
            page: number,
            ..request.clone()
        })?;
    }
    // Grouped by dearest first, Typesense ranks a group by its dearest offer and tantivy by its
    // cheapest (the crate doc): only the sets are compared.
    let same_order = !(request.group_by_gtin && request.sort == SortOrder::PriceDesc);
    if !request.sort.is_by_price() || !same_order {
        summary.prices.clear();
    }
    Ok(summary)
}

/// The query set, with values taken from the offers themselves.
fn queries(offers: &[Offer]) -> Vec<(&'static str, SearchRequest)> {
    let all = |request: SearchRequest| SearchRequest {
        per_page: 100,
        ..request
    };
    let brand = offers
        .iter()
        .find_map(|o| o.brand.clone())
        .unwrap_or_default();
    let category = offers
        .iter()
        .find_map(|o| o.category.clone())
        .unwrap_or_default();
    let top_category = category.split(" > ").next().unwrap_or_default().to_string();
    let merchant = offers.iter().find_map(|o| o.merchant_name.clone());
    let facets = FacetKind::ALL.to_vec();
    vec![
        (
            "text",
            all(SearchRequest {
                query: Some("hoodie".into()),
                ..Default::default()
            }),
        ),
        (
            "two words",
            all(SearchRequest {
                query: Some("black hoodie".into()),
                ..Default::default()
            }),
        ),
        (
            "folded",
            all(SearchRequest {
                query: Some("FJALLVIND".into()),
                ..Default::default()
            }),
        ),
        (
            "typo",
            all(SearchRequest {
                query: Some("hoodei".into()),
                ..Default::default()
            }),
        ),
        (
            "prefix",
            all(SearchRequest {
                query: Some("hood".into()),
                ..Default::default()
            }),
        ),
        (
            "brand filter",
            all(SearchRequest {
                brands: vec![brand.clone()],
                facets: facets.clone(),
                ..Default::default()
            }),
        ),
        (
            "category filter",
            all(SearchRequest {
                category: Some(category.clone()),
                facets: facets.clone(),
                ..Default::default()
            }),
        ),
        (
            "top category",
            all(SearchRequest {
                category: Some(top_category),
                facets: vec![FacetKind::Category],
                ..Default::default()
            }),
        ),
        (
            "merchant",
            all(SearchRequest {
                merchant,
                ..Default::default()
            }),
        ),
        (
            "source and stock",
            all(SearchRequest {
                source: Some("gen-awin".into()),
                in_stock: true,
                ..Default::default()
            }),
        ),
        (
            "currency and price range",
            all(SearchRequest {
                currency: Some("EUR".into()),
                min_price: Some(Decimal::from(20)),
                max_price: Some(Decimal::from(80)),
                sort: SortOrder::PriceAsc,
                ..Default::default()
            }),
        ),
        (
            "all facets",
            SearchRequest {
                facets: facets.clone(),
                per_page: 1,
                page: 1,
                ..Default::default()
            },
        ),
        (
            "text facets",
            SearchRequest {
                query: Some("jacket".into()),
                facets,
                per_page: 1,
                ..Default::default()
            },
        ),
        (
            "price asc",
            all(SearchRequest {
                sort: SortOrder::PriceAsc,
                ..Default::default()
            }),
        ),
        (
            "price desc",
            all(SearchRequest {
                query: Some("shirt".into()),
                sort: SortOrder::PriceDesc,
                ..Default::default()
            }),
        ),
        (
            "group by gtin",
            all(SearchRequest {
                brands: vec![brand.clone()],
                group_by_gtin: true,
                ..Default::default()
            }),
        ),
        (
            "group by gtin, price desc",
            all(SearchRequest {
                group_by_gtin: true,
                sort: SortOrder::PriceDesc,
                ..Default::default()
            }),
        ),
        (
            "newest",
            all(SearchRequest {
                in_stock: true,
                sort: SortOrder::Newest,
                ..Default::default()
            }),
        ),
        (
            "discount, one letter",
            all(SearchRequest {
                query: Some("hoodie s".into()),
                sort: SortOrder::Discount,
                ..Default::default()
            }),
        ),
        (
            "group by gtin, price",
            all(SearchRequest {
                query: Some("hoodie".into()),
                group_by_gtin: true,
                sort: SortOrder::PriceAsc,
                ..Default::default()
            }),
        ),
    ]
}

#[test]
fn answers_like_the_tantivy_index() -> TestResult {
    let Some(typesense) = backend("differential")? else {
        return Ok(());
    };
    let tantivy = OfferIndex::in_ram()?;
    let mut offers = Vec::new();
    for (source, format, seed) in SOURCES {
        let generated = generated_offers(source, format, NUM_RECORDS, seed)?;
        ingest(&tantivy, source, &generated, IngestOptions::default())?;
        ingest(&typesense, source, &generated, IngestOptions::default())?;
        offers.extend(generated);
    }
    assert_eq!(typesense.num_offers(), SearchBackend::num_offers(&tantivy));
    let mut differences = Vec::new();
    for (name, request) in queries(&offers) {
        let expected = summarize(&tantivy, &request)?;
        let got = summarize(&typesense, &request)?;
        assert!(
            expected.total > 0,
            "{name}: the query set must find something"
        );
        if expected != got {
            let missing: Vec<_> = expected.items.difference(&got.items).take(3).collect();
            let extra: Vec<_> = got.items.difference(&expected.items).take(3).collect();
            differences.push(format!(
                "{name}: total {} vs {}; missing {missing:?}; extra {extra:?}; prices equal: {}; \
                 facets\n  {}\n  {}",
                expected.total,
                got.total,
                expected.prices == got.prices,
                expected.facets,
                got.facets
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    Ok(())
}

#[test]
fn lookups_match_the_tantivy_index() -> TestResult {
    let Some(typesense) = backend("lookups")? else {
        return Ok(());
    };
    let tantivy = OfferIndex::in_ram()?;
    let (source, format, seed) = SOURCES[0];
    let offers = generated_offers(source, format, 400, seed)?;
    ingest(&tantivy, source, &offers, IngestOptions::default())?;
    ingest(&typesense, source, &offers, IngestOptions::default())?;
    for offer in offers.iter().step_by(37) {
        assert_eq!(
            typesense.get_offer(&offer.id)?,
            SearchBackend::get_offer(&tantivy, &offer.id)?
        );
        if let Some(gtin) = &offer.gtin {
            let expected = SearchBackend::offers_by_gtin(&tantivy, gtin.as_str())?;
            assert!(!expected.is_empty());
            assert_eq!(typesense.offers_by_gtin(gtin.as_str())?, expected);
        }
    }
    assert_eq!(typesense.get_offer("no-such-offer")?, None);
    assert!(
        typesense
            .offers_by_gtin("12ab")
            .is_err_and(|e| e.is_user_error())
    );
    let brand = offers
        .iter()
        .find_map(|o| o.brand.clone())
        .unwrap_or_default();
    let prefix: String = brand.chars().take(4).collect();
    let suggested = typesense.suggest(&prefix, 6)?;
    assert!(
        suggested.contains(&brand),
        "{prefix:?} suggests {suggested:?}"
    );
    assert!(SearchBackend::suggest(&tantivy, &prefix, 6)?.contains(&brand));
    let stats = typesense.stats()?;
    let expected = SearchBackend::stats(&tantivy)?;
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].num_offers, expected[0].num_offers);
    Ok(())
}
