//! Text matching, filters, sorts, paging, facets and the response JSON.

use crate::support::*;
use feedmill_index::{FacetKind, IndexError, OfferIndex, SearchRequest, SearchResponse, SortOrder};
use feedmill_model::{Availability, Network};

/// Five offers in two sources, with every field the filters, sorts and facets read.
pub fn catalog() -> Result<OfferIndex, IndexError> {
    let index = OfferIndex::in_ram()?;
    let shop = [
        offer("shop", "1", "Grön Hoodie", "499")
            .brand("Björn Borg")
            .category("Kläder > Tröjor")
            .merchant("Acme")
            .updated("2024-05-03T00:00:00Z")
            .old_price("599"),
        offer("shop", "2", "Gron Jacket", "1299")
            .brand("Nike")
            .category("Kläder > Jackor")
            .merchant("Acme")
            .updated("2024-05-01T00:00:00Z")
            .old_price("2599"),
        offer("shop", "3", "Running Shoes", "899")
            .brand("Nike")
            .category("Sport > Skor > Löparskor")
            .merchant("Sportbutiken")
            .availability(Availability::OutOfStock)
            .updated("2024-05-02T00:00:00Z"),
        offer("shop", "4", "Trail Shoes", "45")
            .brand("Salomon")
            .category("Sport > Skor > Trail")
            .merchant("Sportbutiken")
            .currency("EUR")
            .description("Grip for muddy hoodie weather"),
    ];
    let other = [offer("other", "5", "Sport Bag", "20")
        .brand("NIKE")
        .category("Sport > Väskor")
        .network(Network::Awin)
        .merchant("Bagshop")
        .gtin("036000291452")];
    ingest(&index, "shop", &shop)?;
    ingest(&index, "other", &other)?;
    Ok(index)
}

pub fn search(index: &OfferIndex, request: SearchRequest) -> Result<SearchResponse, IndexError> {
    index.search(&request)
}

pub fn text(query: &str) -> SearchRequest {
    SearchRequest {
        query: Some(query.into()),
        ..SearchRequest::default()
    }
}

pub fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[test]
fn diacritics_fold_both_ways() -> TestResult {
    let index = catalog()?;
    let both = ["shop:1", "shop:2"];
    assert_eq!(sorted(ids(&search(&index, text("gron"))?)), both);
    assert_eq!(sorted(ids(&search(&index, text("GRÖN"))?)), both);
    assert_eq!(
        ids(&search(&index, text("bjorn"))?),
        ["shop:1"],
        "brand is searched"
    );
    assert_eq!(
        ids(&search(&index, text("löparskor"))?),
        ["shop:3"],
        "category is searched"
    );
    Ok(())
}

#[test]
fn one_typo_is_forgiven_on_long_words() -> TestResult {
    let index = catalog()?;
    assert_eq!(ids(&search(&index, text("hoddie"))?)[0], "shop:1");
    assert_eq!(
        ids(&search(&index, text("jakcet gron"))?),
        ["shop:2"],
        "transposition"
    );
    assert!(
        search(&index, text("zzhoodie"))?.items.is_empty(),
        "two edits"
    );
    assert!(
        search(&index, text("bgas"))?.items.is_empty(),
        "short words stay exact"
    );
    Ok(())
}

#[test]
fn the_last_word_matches_as_a_prefix() -> TestResult {
    let index = catalog()?;
    assert_eq!(ids(&search(&index, text("hoo"))?)[0], "shop:1");
    assert_eq!(
        sorted(ids(&search(&index, text("running sh"))?)),
        ["shop:3"]
    );
    assert!(
        search(&index, text("sh running"))?.items.is_empty(),
        "only the last word"
    );
    Ok(())
}

#[test]
fn exact_matches_rank_above_typos_and_prefixes() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let offers = [
        offer("s", "typo", "Hoodia", "1"),
        offer("s", "prefix", "Hoodies", "1"),
        offer("s", "exact", "Hoodie", "1"),
    ];
    ingest(&index, "s", &offers)?;
    let found = ids(&search(&index, text("hoodie"))?);
    assert_eq!(found[0], "s:exact");
    assert_eq!(found.len(), 3);
    Ok(())
}

#[test]
fn every_filter_narrows_the_set() -> TestResult {
    let index = catalog()?;
    let cases: Vec<(SearchRequest, Vec<&str>)> = vec![
        (
            SearchRequest {
                brands: vec!["nike".into()],
                ..Default::default()
            },
            vec!["other:5", "shop:2", "shop:3"],
        ),
        (
            SearchRequest {
                brands: vec!["Salomon".into(), "bjorn borg".into()],
                ..Default::default()
            },
            vec!["shop:1", "shop:4"],
        ),
        (
            SearchRequest {
                category: Some("Sport".into()),
                ..Default::default()
            },
            vec!["other:5", "shop:3", "shop:4"],
        ),
        (
            SearchRequest {
                category: Some("Sport > Skor".into()),
                ..Default::default()
            },
            vec!["shop:3", "shop:4"],
        ),
        (
            SearchRequest {
                category: Some("Sport>Skor>Trail".into()),
                ..Default::default()
            },
            vec!["shop:4"],
        ),
        (
            SearchRequest {
                merchant: Some("sportbutiken".into()),
                ..Default::default()
            },
            vec!["shop:3", "shop:4"],
        ),
        (
            SearchRequest {
                network: Some("AWIN".into()),
                ..Default::default()
            },
            vec!["other:5"],
        ),
        (
            SearchRequest {
                source: Some("other".into()),
                ..Default::default()
            },
            vec!["other:5"],
        ),
        (
            SearchRequest {
                min_price: Some(dec("499")),
                max_price: Some(dec("899")),
                ..Default::default()
            },
            vec!["shop:1", "shop:3"],
        ),
        (
            SearchRequest {
                max_price: Some(dec("45")),
                ..Default::default()
            },
            vec!["other:5", "shop:4"],
        ),
        (
            SearchRequest {
                min_price: Some(dec("1000")),
                ..Default::default()
            },
            vec!["shop:2"],
        ),
        (
            SearchRequest {
                currency: Some("eur".into()),
                ..Default::default()
            },
            vec!["shop:4"],
        ),
        (
            SearchRequest {
                in_stock: true,
                ..Default::default()
            },
            vec!["other:5", "shop:1", "shop:2", "shop:4"],
        ),
        (
            SearchRequest {
                gtin: Some("0036000291452".into()),
                ..Default::default()
            },
            vec!["other:5"],
        ),
        (
            SearchRequest {
                query: Some("shoes".into()),
                brands: vec!["nike".into()],
                ..Default::default()
            },
            vec!["shop:3"],
        ),
        (
            SearchRequest {
                brands: vec![String::new()],
                merchant: Some(" ".into()),
                ..Default::default()
            },
            vec!["other:5", "shop:1", "shop:2", "shop:3", "shop:4"],
        ),
    ];
    for (request, want) in cases {
        let found = sorted(ids(&search(&index, request.clone())?));
        assert_eq!(found, want, "{request:?}");
    }
    Ok(())
}

#[test]
fn every_sort_orders_the_results() -> TestResult {
    let index = catalog()?;
    let order = |sort: SortOrder| -> Result<Vec<String>, IndexError> {
        Ok(ids(&search(
            &index,
            SearchRequest {
                sort,
                ..Default::default()
            },
        )?))
    };
    assert_eq!(
        order(SortOrder::PriceAsc)?,
        ["other:5", "shop:4", "shop:1", "shop:3", "shop:2"]
    );
    assert_eq!(
        order(SortOrder::PriceDesc)?,
        ["shop:2", "shop:3", "shop:1", "shop:4", "other:5"]
    );
    let newest = order(SortOrder::Newest)?;
    assert_eq!(
        newest[..3],
        ["shop:1", "shop:3", "shop:2"],
        "undated offers last"
    );
    let discount = order(SortOrder::Discount)?;
    assert_eq!(discount[..2], ["shop:2", "shop:1"], "50 % before 17 %");
    let relevance = ids(&search(&index, text("hoodie"))?);
    assert_eq!(relevance, ["shop:1", "shop:4"], "title above description");
    Ok(())
}

#[test]
fn pages_through_the_results() -> TestResult {
    let index = catalog()?;
    let page = |page: usize| -> Result<SearchResponse, IndexError> {
        search(
            &index,
            SearchRequest {
                sort: SortOrder::PriceAsc,
                page,
                per_page: 2,
                ..Default::default()
            },
        )
    };
    assert_eq!(ids(&page(1)?), ["other:5", "shop:4"]);
    assert_eq!(ids(&page(2)?), ["shop:1", "shop:3"]);
    let last = page(3)?;
    assert_eq!(ids(&last), ["shop:2"]);
    assert_eq!((last.total, last.page, last.per_page), (5, 3, 2));
    assert!(page(4)?.items.is_empty());
    Ok(())
}

#[test]
fn the_response_json_has_the_contract_shape() -> TestResult {
    let index = catalog()?;
    let plain = serde_json::to_value(search(&index, text("hoodie"))?)?;
    let keys: Vec<&String> = plain.as_object().ok_or("not an object")?.keys().collect();
    assert_eq!(
        keys,
        ["items", "page", "per_page", "took_ms", "total"],
        "no facets key when none asked"
    );
    let item = &plain["items"][0];
    assert_eq!(item["id"], "shop:1");
    assert_eq!(item["price"], "499.00");
    assert_eq!(item["old_price"], "599.00");
    assert_eq!(item["brand"], "Björn Borg");
    assert!(item["score"].as_f64().is_some_and(|s| s > 0.0));

    let request = SearchRequest {
        facets: vec![FacetKind::Network],
        ..Default::default()
    };
    let with_facets = serde_json::to_value(search(&index, request)?)?;
    assert_eq!(
        with_facets["facets"]["network"][0],
        serde_json::json!({"value": "generic", "count": 4})
    );
    assert!(with_facets["facets"].get("brand").is_none());

    let back: SearchResponse = serde_json::from_value(plain)?;
    assert_eq!(ids(&back)[0], "shop:1");
    Ok(())
}

#[test]
fn bad_requests_are_user_errors() -> TestResult {
    let index = catalog()?;
    let bad = [
        SearchRequest {
            per_page: 0,
            ..Default::default()
        },
        SearchRequest {
            per_page: 1000,
            ..Default::default()
        },
        SearchRequest {
            network: Some("myspace".into()),
            ..Default::default()
        },
        SearchRequest {
            currency: Some("XYZ".into()),
            ..Default::default()
        },
        SearchRequest {
            gtin: Some("12ab".into()),
            ..Default::default()
        },
        SearchRequest {
            category: Some(" > ".into()),
            ..Default::default()
        },
        SearchRequest {
            query: Some("x".repeat(1000)),
            ..Default::default()
        },
    ];
    for request in bad {
        let err = index.search(&request).err();
        assert!(
            err.as_ref().is_some_and(IndexError::is_user_error),
            "{request:?}: {err:?}"
        );
    }
    let unknown = "cheapest".parse::<SortOrder>().err();
    assert!(unknown.is_some_and(|e| IndexError::from(e).is_user_error()));
    Ok(())
}

#[test]
fn a_query_without_words_matches_everything() -> TestResult {
    let index = catalog()?;
    assert_eq!(search(&index, text("  !! "))?.total, 5);
    assert_eq!(search(&index, SearchRequest::default())?.total, 5);
    Ok(())
}

#[test]
fn suggests_brands_then_titles() -> TestResult {
    let index = catalog()?;
    let suggestions = index.suggest("ni", 5)?;
    assert_eq!(
        suggestions[0], "Nike",
        "most offers first; NIKE is the same brand"
    );
    assert_eq!(suggestions.len(), 1);
    let titles = index.suggest("sho", 5)?;
    assert_eq!(sorted(titles), ["Running Shoes", "Trail Shoes"]);
    let folded = index.suggest("gron", 5)?;
    assert_eq!(sorted(folded), ["Gron Jacket", "Grön Hoodie"]);
    assert!(index.suggest("", 5)?.is_empty());
    assert!(
        index
            .suggest("ni", 0)
            .err()
            .is_some_and(|e| e.is_user_error())
    );
    Ok(())
}

#[test]
fn sorts_and_groups_work_when_no_offer_has_the_field() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let plain = [
        offer("s", "a", "Lamp", "10"),
        offer("s", "b", "Lamp shade", "20"),
    ];
    ingest(&index, "s", &plain)?;
    for sort in SortOrder::ALL {
        for group_by_gtin in [false, true] {
            let request = SearchRequest {
                sort,
                group_by_gtin,
                facets: FacetKind::ALL.to_vec(),
                ..Default::default()
            };
            let response = search(&index, request)?;
            assert_eq!(response.total, 2, "{sort} grouped {group_by_gtin}");
        }
    }
    Ok(())
}

#[test]
fn an_empty_index_answers_empty() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let request = SearchRequest {
        query: Some("lamp".into()),
        group_by_gtin: true,
        facets: FacetKind::ALL.to_vec(),
        ..Default::default()
    };
    let response = search(&index, request)?;
    assert_eq!((response.total, response.items.len()), (0, 0));
    assert_eq!(index.stats()?, vec![]);
    assert!(index.suggest("la", 5)?.is_empty());
    assert_eq!(index.get_offer("nope")?, None);
    Ok(())
}

#[test]
fn filters_skip_deleted_offers_and_scores_without_words_are_constant() -> TestResult {
    let index = OfferIndex::in_ram()?;
    // The repeated id deletes its first record inside the new segment.
    let offers = [
        offer("shop", "a", "Lamp", "100"),
        offer("shop", "b", "Lamp", "200").availability(Availability::OutOfStock),
        offer("shop", "a", "Lamp", "300"),
        offer("shop", "c", "Lamp", "50").gtin("4006381333931"),
    ];
    ingest(&index, "shop", &offers)?;
    let request = |in_stock, max_price: Option<&str>, group_by_gtin| SearchRequest {
        in_stock,
        max_price: max_price.map(dec),
        group_by_gtin,
        sort: SortOrder::PriceAsc,
        ..SearchRequest::default()
    };
    assert_eq!(
        ids(&search(&index, request(true, Some("250"), false))?),
        ["shop:c"]
    );
    assert_eq!(
        ids(&search(&index, request(true, None, false))?),
        ["shop:c", "shop:a"]
    );
    assert_eq!(
        ids(&search(&index, request(false, Some("250"), true))?),
        ["shop:c", "shop:b"]
    );

    // Scored, the same filters are a query clause rather than a collector's check.
    let scored = SearchRequest {
        query: Some("lamp".into()),
        sort: SortOrder::Relevance,
        ..request(true, Some("250"), false)
    };
    assert_eq!(ids(&search(&index, scored.clone())?), ["shop:c"]);
    let grouped_scored = SearchRequest {
        group_by_gtin: true,
        ..scored
    };
    assert_eq!(ids(&search(&index, grouped_scored)?), ["shop:c"]);

    let scores = |request: SearchRequest| -> Result<Vec<Option<f32>>, IndexError> {
        Ok(search(&index, request)?
            .items
            .into_iter()
            .filter_map(|item| match item {
                feedmill_index::SearchItem::Offer(hit) => Some(hit.score),
                feedmill_index::SearchItem::Group(_) => None,
            })
            .collect())
    };
    let relevance = |in_stock, group_by_gtin| SearchRequest {
        sort: SortOrder::Relevance,
        ..request(in_stock, None, group_by_gtin)
    };
    assert_eq!(
        scores(relevance(false, false))?,
        [Some(1.0); 3],
        "everything"
    );
    assert_eq!(
        scores(relevance(true, false))?,
        [Some(0.0); 2],
        "filters only"
    );
    assert_eq!(scores(relevance(false, true))?, [Some(1.0); 2], "grouped");
    assert_eq!(
        scores(relevance(true, true))?,
        [Some(0.0)],
        "grouped, filters only"
    );
    Ok(())
}

#[test]
fn typos_and_prefixes_match_in_a_large_segment() -> TestResult {
    let index = OfferIndex::in_ram()?;
    // Few matches among many offers: the loose matches are kept as a list, not a bitset.
    let mut offers: Vec<_> = (0..3000)
        .map(|i| offer("shop", &i.to_string(), &format!("Filler item {i}"), "10"))
        .collect();
    offers.push(offer("shop", "hoodie", "Grön Hoodie", "300"));
    offers.push(offer("shop", "hoody", "Hoody Classic", "200"));
    offers.push(offer("shop", "hood", "Car hood", "100"));
    ingest(&index, "shop", &offers)?;
    let found = |query: &str| -> Result<Vec<String>, IndexError> {
        let mut found = ids(&search(&index, text(query))?);
        found.sort();
        Ok(found)
    };
    assert_eq!(found("hoodei")?, ["shop:hoodie"], "one transposition");
    assert_eq!(found("grön hoo")?, ["shop:hoodie"], "a prefix after a word");
    assert_eq!(
        found("hoo")?,
        ["shop:hood", "shop:hoodie", "shop:hoody"],
        "a prefix"
    );
    assert_eq!(found("classc")?, ["shop:hoody"], "one deletion");
    Ok(())
}
