//! `sort=epc`: offers by their merchant's place in the request's ranks, unranked merchants
//! after every ranked one, ties by relevance; refused without ranks or with grouping.

use crate::search::sorted;
use crate::support::*;
use feedmill_index::{IndexError, MerchantRanks, OfferIndex, SearchRequest, SortOrder};
use std::sync::Arc;

/// Offers of four merchants in two sources (so in two segments), all matching "shoe".
fn shops() -> Result<OfferIndex, IndexError> {
    let index = OfferIndex::in_ram()?;
    let north = [
        offer("north", "1", "Shoe", "10").merchant("Thin"),
        offer("north", "2", "Shoe shoe shoe", "10").merchant("Thin"),
        offer("north", "3", "Shoe", "10").merchant("Best"),
        offer("north", "4", "Shoe", "10"),
    ];
    let south = [
        offer("south", "5", "Shoe", "10").merchant("Good"),
        offer("south", "6", "Shoe shoe shoe", "10").merchant("Good"),
        offer("south", "7", "Shoe", "10").merchant("Best"),
    ];
    ingest(&index, "north", &north)?;
    ingest(&index, "south", &south)?;
    Ok(index)
}

fn by_epc(ranks: MerchantRanks) -> SearchRequest {
    SearchRequest {
        query: Some("shoe".into()),
        sort: SortOrder::Epc,
        merchant_ranks: Some(Arc::new(ranks)),
        ..SearchRequest::default()
    }
}

#[test]
fn ranked_merchants_come_first_by_epc_then_relevance() -> TestResult {
    let index = shops()?;
    let ranks = MerchantRanks::new(
        Some(currency("SEK")),
        [("Good".into(), dec("0.50")), ("Best".into(), dec("2.00"))],
    );
    let response = index.search(&by_epc(ranks))?;
    let order = ids(&response);
    let (best, rest) = order.split_at(2);
    assert_eq!(sorted(best.to_vec()), ["north:3", "south:7"], "{order:?}");
    assert_eq!(
        &rest[..2],
        ["south:6", "south:5"],
        "Good next, the more relevant offer first"
    );
    assert_eq!(
        &rest[2..3],
        ["north:2"],
        "unranked last, by relevance: {order:?}"
    );
    assert_eq!(sorted(rest[3..].to_vec()), ["north:1", "north:4"]);
    assert_eq!(response.total, 7);
    Ok(())
}

#[test]
fn without_ranked_merchants_epc_is_relevance_order() -> TestResult {
    let index = shops()?;
    let response = index.search(&by_epc(MerchantRanks::empty(None)))?;
    let relevance = index.search(&SearchRequest {
        query: Some("shoe".into()),
        ..SearchRequest::default()
    })?;
    let first_two = |r: &feedmill_index::SearchResponse| sorted(ids(r)[..2].to_vec());
    assert_eq!(first_two(&response), first_two(&relevance));
    assert_eq!(first_two(&response), ["north:2", "south:6"]);
    Ok(())
}

#[test]
fn epc_without_ranks_or_with_grouping_is_the_callers_mistake() -> TestResult {
    let index = shops()?;
    let without = SearchRequest {
        merchant_ranks: None,
        ..by_epc(MerchantRanks::empty(None))
    };
    let grouped = SearchRequest {
        group_by_gtin: true,
        ..by_epc(MerchantRanks::empty(None))
    };
    for request in [without, grouped] {
        let err = index.search(&request).err();
        assert!(err.is_some_and(|e| e.is_user_error()), "{request:?}");
    }
    Ok(())
}
