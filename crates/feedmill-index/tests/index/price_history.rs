//! Offers indexed with their honest numbers: returned with them, sorted by the honest
//! discount and the price drop (recent drops first), filtered by `dropped_within` and
//! `at_lowest`.

use crate::support::{OfferExt, at, dec, meta, offer};
use chrono::{DateTime, Duration, Utc};
use feedmill_index::{
    IngestOptions, OfferIndex, PriceFacts, PriceHistoryFigures, SearchItem, SearchRequest,
    SortOrder,
};
use feedmill_model::Offer;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn now() -> DateTime<Utc> {
    at("2026-06-30T12:00:00Z")
}

/// An offer at `price` with a previous price, a 30-day low, a change `changed_days` ago and
/// the lowest since `lowest_days` ago.
fn priced(
    sku: &str,
    price: &str,
    previous: &str,
    low: Option<&str>,
    changed_days: i64,
    lowest_days: i64,
) -> (Offer, PriceFacts) {
    let offer = offer("shop", sku, "Kettle", price).old_price("200.00");
    let figures = PriceHistoryFigures {
        current_since: now() - Duration::days(changed_days),
        previous_price: Some(dec(previous)),
        history_days: 60,
        lowest_30d: low.map(dec),
        lowest_since: now() - Duration::days(lowest_days),
    };
    let facts = PriceFacts::new(&offer, &figures);
    (offer, facts)
}

fn index_with(offers: &[(Offer, PriceFacts)]) -> Result<OfferIndex, Box<dyn std::error::Error>> {
    let index = OfferIndex::in_ram()?;
    let mut ingest = index.begin_source_ingest("shop", IngestOptions::default())?;
    for (offer, facts) in offers {
        ingest.add_priced(offer, Some(facts))?;
    }
    // One offer without history: it has none of the fields and matches no history filter.
    ingest.add(&offer("shop", "bare", "Kettle", "50.00").old_price("100.00"))?;
    ingest.commit(meta("h"))?;
    index.set_search_time(Some(now()));
    Ok(index)
}

fn ids(
    index: &OfferIndex,
    request: SearchRequest,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let response = index.search(&request)?;
    let mut ids = Vec::new();
    for item in response.items {
        if let SearchItem::Offer(hit) = item {
            ids.push(hit.offer.id.trim_start_matches("shop:").to_string());
        }
    }
    Ok(ids)
}

fn catalogue() -> Vec<(Offer, PriceFacts)> {
    vec![
        // 10 % below its low, dropped 20 % three days ago, lowest for 100 days.
        priced("a", "90.00", "112.50", Some("100.00"), 3, 100),
        // 40 % below its low, dropped 5 % ten days ago, lowest for 10 days.
        priced("b", "60.00", "63.16", Some("100.00"), 10, 10),
        // A raise two days ago: no drop, not below its low.
        priced("c", "120.00", "100.00", Some("100.00"), 2, 2),
        // Too little history: no low, so no honest discount.
        priced("d", "80.00", "100.00", None, 1, 95),
    ]
}

#[test]
fn hits_carry_their_facts_and_lookups_too() -> TestResult {
    let index = index_with(&catalogue())?;
    let response = index.search(&SearchRequest::default())?;
    let with_facts = response
        .items
        .iter()
        .filter(|item| matches!(item, SearchItem::Offer(hit) if hit.price_facts.is_some()))
        .count();
    assert_eq!(with_facts, 4);
    let a = index.get_priced_offer("shop:a")?.ok_or("shop:a missing")?;
    assert_eq!(a.price_facts.map(|f| f.discount_percent), Some(Some(10.0)));
    let bare = index.get_priced_offer("shop:bare")?.ok_or("bare missing")?;
    assert_eq!(bare.price_facts, None);
    Ok(())
}

#[test]
fn discount_sorts_by_the_honest_figure_and_price_drop_by_the_last_drop() -> TestResult {
    let index = index_with(&catalogue())?;
    let by_discount = SearchRequest {
        sort: SortOrder::Discount,
        ..SearchRequest::default()
    };
    // The feed claims 200.00 for all; only the history's lows rank them. The offer without
    // history keeps its claim (50 %).
    assert_eq!(ids(&index, by_discount)?[..3], ["bare", "b", "a"]);
    let by_drop = SearchRequest {
        sort: SortOrder::PriceDrop,
        ..SearchRequest::default()
    };
    assert_eq!(ids(&index, by_drop)?[..3], ["a", "d", "b"]);
    Ok(())
}

#[test]
fn price_drop_ranks_drops_of_the_last_30_days_before_older_ones() -> TestResult {
    let index = index_with(&[
        // 50 % down 45 days ago, 10 % three days ago, 20 % exactly 30 days ago.
        priced("old", "50.00", "100.00", Some("100.00"), 45, 45),
        priced("new", "90.00", "100.00", Some("100.00"), 3, 3),
        priced("edge", "80.00", "100.00", Some("100.00"), 30, 30),
    ])?;
    let by_drop = |group_by_gtin| SearchRequest {
        sort: SortOrder::PriceDrop,
        group_by_gtin,
        ..SearchRequest::default()
    };
    for grouped in [false, true] {
        assert_eq!(
            ids(&index, by_drop(grouped))?,
            ["edge", "new", "old", "bare"],
            "grouped: {grouped}"
        );
    }
    // Ten days later the 20 % drop is 40 days old: it follows the older, larger one.
    index.set_search_time(Some(now() + Duration::days(10)));
    for grouped in [false, true] {
        assert_eq!(
            ids(&index, by_drop(grouped))?,
            ["new", "old", "edge", "bare"],
            "grouped: {grouped}"
        );
    }
    Ok(())
}

#[test]
fn history_filters_measure_from_the_search_time() -> TestResult {
    let index = index_with(&catalogue())?;
    let dropped = |days| SearchRequest {
        dropped_within: Some(days),
        sort: SortOrder::PriceAsc,
        ..SearchRequest::default()
    };
    assert_eq!(
        ids(&index, dropped(7))?,
        ["d", "a"],
        "c rose, b dropped 10 days ago"
    );
    assert_eq!(ids(&index, dropped(30))?, ["b", "d", "a"]);
    let lowest = |days| SearchRequest {
        at_lowest: Some(days),
        sort: SortOrder::PriceAsc,
        ..SearchRequest::default()
    };
    assert_eq!(ids(&index, lowest(90))?, ["d", "a"]);
    assert_eq!(ids(&index, lowest(5))?, ["b", "d", "a"]);
    index.set_search_time(Some(now() + Duration::days(10)));
    assert_eq!(
        ids(&index, dropped(7))?,
        Vec::<String>::new(),
        "ten days later"
    );
    Ok(())
}

#[test]
fn grouped_offers_carry_their_facts_too() -> TestResult {
    let (offer, facts) = priced("g1", "90.00", "112.50", Some("100.00"), 3, 100);
    let offer = offer.gtin("4006381333931");
    let index = OfferIndex::in_ram()?;
    let mut ingest = index.begin_source_ingest("shop", IngestOptions::default())?;
    ingest.add_priced(&offer, Some(&facts))?;
    ingest.add(&crate::support::offer("shop", "g2", "Kettle", "95.00").gtin("4006381333931"))?;
    ingest.commit(meta("g"))?;
    let grouped = index.search(&SearchRequest {
        group_by_gtin: true,
        ..SearchRequest::default()
    })?;
    let Some(SearchItem::Group(group)) = grouped.items.first() else {
        return Err("no group".into());
    };
    let facts: Vec<bool> = group
        .offers
        .iter()
        .map(|o| o.price_facts.is_some())
        .collect();
    assert_eq!(
        facts,
        [true, false],
        "cheapest first: the priced offer at 90.00"
    );
    Ok(())
}
