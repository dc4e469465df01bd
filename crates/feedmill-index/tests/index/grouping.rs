//! Grouping by GTIN and lookups by GTIN.

use crate::support::*;
use feedmill_index::{FacetKind, IndexError, OfferIndex, SearchItem, SearchRequest, SortOrder};

const UPC: &str = "036000291452";
const EAN_OF_UPC: &str = "0036000291452";
const OTHER: &str = "4006381333931";

fn catalog() -> Result<OfferIndex, IndexError> {
    let index = OfferIndex::in_ram()?;
    let a = [
        offer("a", "1", "Camera X100", "1000")
            .gtin(UPC)
            .shipping("100"),
        offer("a", "2", "Tripod", "300").gtin(OTHER),
        offer("a", "3", "Camera strap", "50"),
    ];
    let b = [
        offer("b", "1", "X100 digital camera", "1050").gtin(EAN_OF_UPC),
        offer("b", "2", "Camera bag", "200"),
    ];
    let c = [
        offer("c", "1", "Fujifilm X100 camera", "1200")
            .gtin(EAN_OF_UPC)
            .shipping("0"),
        offer("c", "2", "Camera X100 (EUR)", "110")
            .gtin(UPC)
            .currency("EUR"),
    ];
    ingest(&index, "a", &a)?;
    ingest(&index, "b", &b)?;
    ingest(&index, "c", &c)?;
    Ok(index)
}

fn grouped(sort: SortOrder) -> SearchRequest {
    SearchRequest {
        query: Some("camera".into()),
        group_by_gtin: true,
        sort,
        ..SearchRequest::default()
    }
}

#[test]
fn groups_offers_of_one_product() -> TestResult {
    let index = catalog()?;
    let response = index.search(&grouped(SortOrder::PriceAsc))?;
    // SEK camera group, EUR camera group, strap, bag (the tripod does not match "camera").
    assert_eq!(response.total, 4);
    let mut seen_groups = 0;
    for item in &response.items {
        let SearchItem::Group(group) = item else {
            continue;
        };
        seen_groups += 1;
        assert_eq!(group.gtin.as_deref(), Some("00036000291452"));
        if group.currency.code() == "SEK" {
            assert_eq!(group.offer_count, 3);
            assert_eq!(group.min_price, dec("1000"));
            assert_eq!(group.max_price, dec("1200"));
            let order: Vec<&str> = group.offers.iter().map(|o| o.offer.id.as_str()).collect();
            // Totals: a:1 1100, b:1 1050, c:1 1200.
            assert_eq!(order, ["b:1", "a:1", "c:1"], "cheapest total first");
            assert_eq!(
                group.title, "X100 digital camera",
                "the cheapest offer's title"
            );
        } else {
            assert_eq!((group.offer_count, group.currency.code()), (1, "EUR"));
        }
    }
    assert_eq!(seen_groups, 2);
    let singles: Vec<&str> = response
        .items
        .iter()
        .filter_map(|item| match item {
            SearchItem::Offer(hit) => Some(hit.offer.id.as_str()),
            SearchItem::Group(_) => None,
        })
        .collect();
    assert_eq!(
        singles,
        ["a:3", "b:2"],
        "offers without a GTIN stay single, cheapest first"
    );
    Ok(())
}

#[test]
fn groups_rank_by_their_lowest_price() -> TestResult {
    let index = catalog()?;
    let labels = |sort| -> Result<Vec<String>, IndexError> {
        let response = index.search(&grouped(sort))?;
        Ok(response
            .items
            .iter()
            .map(|item| match item {
                SearchItem::Group(g) => format!("{}:{}", g.currency, g.min_price.normalize()),
                SearchItem::Offer(hit) => hit.offer.id.clone(),
            })
            .collect())
    };
    assert_eq!(
        labels(SortOrder::PriceAsc)?,
        ["a:3", "EUR:110", "b:2", "SEK:1000"]
    );
    assert_eq!(
        labels(SortOrder::PriceDesc)?,
        ["SEK:1000", "b:2", "EUR:110", "a:3"]
    );
    Ok(())
}

#[test]
fn grouped_pages_and_facets_count_offers() -> TestResult {
    let index = catalog()?;
    let request = SearchRequest {
        per_page: 1,
        page: 2,
        facets: vec![FacetKind::Price],
        ..grouped(SortOrder::PriceAsc)
    };
    let response = index.search(&request)?;
    assert_eq!(response.total, 4);
    assert_eq!(ids(&response), ["c:2"], "the EUR group is second");
    let counted: u64 = response
        .facets
        .price
        .iter()
        .flatten()
        .map(|v| v.count)
        .sum();
    assert_eq!(counted, 6, "facets count offers, not groups");
    Ok(())
}

#[test]
fn grouped_json_has_the_contract_shape() -> TestResult {
    let index = catalog()?;
    let json = serde_json::to_value(index.search(&grouped(SortOrder::PriceDesc))?)?;
    let group = &json["items"][0];
    let keys: Vec<&String> = group.as_object().ok_or("not an object")?.keys().collect();
    assert_eq!(
        keys,
        [
            "currency",
            "gtin",
            "max_price",
            "min_price",
            "offer_count",
            "offers",
            "title"
        ]
    );
    assert_eq!(group["min_price"], "1000.00");
    assert_eq!(group["offers"][0]["id"], "b:1");
    assert!(json["items"][1]["score"].is_number() || json["items"][1]["score"].is_null());
    Ok(())
}

#[test]
fn offers_by_gtin_accepts_upc_and_ean_and_sorts_by_total() -> TestResult {
    let index = catalog()?;
    let by_upc: Vec<String> = index
        .offers_by_gtin(UPC)?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let by_ean: Vec<String> = index
        .offers_by_gtin(EAN_OF_UPC)?
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(by_upc, by_ean);
    // Totals: c:2 110 EUR, b:1 1050, a:1 1100, c:1 1200.
    assert_eq!(by_upc, ["c:2", "b:1", "a:1", "c:1"]);
    assert!(index.offers_by_gtin("96385074")?.is_empty());
    assert!(
        index
            .offers_by_gtin("not-a-gtin")
            .err()
            .is_some_and(|e| e.is_user_error())
    );
    Ok(())
}

/// 1,200 offers in three sources (segments) of 150 products, some in two currencies, a third
/// without a GTIN: enough groups per segment for the grouping's array index and cross-segment
/// merge, checked against grouping by hand.
fn wide_catalog() -> Result<OfferIndex, IndexError> {
    let index = OfferIndex::in_ram()?;
    for source in ["a", "b", "c"] {
        let offers: Vec<_> = (0..400u64)
            .map(|i| {
                let price = format!("{}", 10 + (i * 37 + source.len() as u64 * 11) % 900);
                let offer = offer(source, &i.to_string(), "Wide camera", &price);
                let offer = if i % 3 == 0 {
                    offer
                } else {
                    offer.gtin(&valid_gtin(i % 150))
                };
                if i % 7 == 0 {
                    offer.currency("EUR")
                } else {
                    offer
                }
            })
            .collect();
        ingest(&index, source, &offers)?;
    }
    Ok(index)
}

/// A valid EAN-13 for `n`.
fn valid_gtin(n: u64) -> String {
    let body = format!("{:012}", 400_000_000_000 + n * 7919);
    format!(
        "{body}{}",
        feedmill_model::gtin_check_digit(body.as_bytes())
    )
}

#[test]
fn wide_grouping_matches_grouping_by_hand() -> TestResult {
    let index = wide_catalog()?;
    let plain = SearchRequest {
        query: Some("wide".into()),
        per_page: 100,
        ..SearchRequest::default()
    };
    let mut by_hand: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for page in 1..=12 {
        let response = index.search(&SearchRequest {
            page,
            ..plain.clone()
        })?;
        for item in response.items {
            if let SearchItem::Offer(hit) = item {
                let key = match &hit.offer.gtin {
                    Some(gtin) => format!("{}/{}", gtin.as_gtin14(), hit.offer.currency),
                    None => format!("single/{}", hit.offer.id),
                };
                by_hand.entry(key).or_default().push(hit.offer.id);
            }
        }
    }
    for sort in SortOrder::ALL {
        let grouped = SearchRequest {
            group_by_gtin: true,
            sort,
            ..plain.clone()
        };
        let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for page in 1.. {
            let response = index.search(&SearchRequest {
                page,
                ..grouped.clone()
            })?;
            assert_eq!(response.total, by_hand.len() as u64, "{sort}");
            if response.items.is_empty() {
                break;
            }
            for item in response.items {
                let (key, mut ids) = match item {
                    SearchItem::Group(g) => {
                        let ids = g.offers.iter().map(|o| o.offer.id.clone()).collect();
                        (
                            format!("{}/{}", g.gtin.as_deref().unwrap_or("-"), g.currency),
                            ids,
                        )
                    }
                    SearchItem::Offer(hit) => {
                        (format!("single/{}", hit.offer.id), vec![hit.offer.id])
                    }
                };
                ids.sort();
                assert!(
                    seen.insert(key, ids).is_none(),
                    "an item on two pages ({sort})"
                );
            }
        }
        for ids in by_hand.values_mut() {
            ids.sort();
        }
        assert_eq!(seen, by_hand, "{sort}");
    }
    Ok(())
}
