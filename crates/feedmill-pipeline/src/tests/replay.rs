//! Sixty days of daily refreshes of a generated catalogue (`feedmill gen --day N` with its
//! price-change schedule and traps), each recorded in the price history and indexed with the
//! honest numbers; every offer's numbers on every day are checked against a brute-force
//! computation from the prices the generator is known to have written, day by day.

use super::TestResult;
use crate::{IndexSink, PriceHistory, PriceHistorySink, ingest_source};
use chrono::{DateTime, Duration, TimeZone, Utc};
use feedmill_fetch::ManualClock;
use feedmill_formats::FeedFormat;
use feedmill_formats::driver::FeedOptions;
use feedmill_gen::catalogue::Catalogue;
use feedmill_gen::price_changes::{DayPrice, price_on_day};
use feedmill_gen::schedule::{Schedule, Slot};
use feedmill_gen::{GenConfig, GenFormat, PriceChanges, generate};
use feedmill_index::{IngestOptions, OfferIndex, PriceFacts, SearchItem, SearchRequest};
use feedmill_store::{SqliteStore, Store};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::Arc;

const SEED: u64 = 11;
const NUM_OFFERS: u64 = 600;
const NUM_DAYS: u32 = 60;
const SHARE: f64 = 0.05;
const SOURCE: &str = "gen";

/// Each offer's listing on each day, by `merchant_id:sku` (as the normalizer reads them).
type KnownPrices = HashMap<String, Vec<Option<DayPrice>>>;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 6, 0, 0)
        .single()
        .unwrap_or_default()
}

fn day_time(day: usize) -> DateTime<Utc> {
    start() + Duration::days(day as i64)
}

fn known_prices() -> KnownPrices {
    let catalogue = Catalogue::new(GenFormat::AwinCsv, SEED);
    let mut known = KnownPrices::new();
    for (position, slot) in (0u64..).zip(Schedule::new(NUM_OFFERS, SEED, 0.0)) {
        let Slot::Offer { product, offer } = slot else {
            continue;
        };
        let record = catalogue.offer(product, offer, position);
        let days = (0..NUM_DAYS)
            .map(|day| price_on_day(SEED, &record, PriceChanges { day, share: SHARE }))
            .collect();
        known.insert(format!("{}:{}", record.merchant.id, record.sku), days);
    }
    known
}

fn money(minor: i64) -> Decimal {
    Decimal::new(minor, 2)
}

/// Percent of `reference` that `price` is below it, to one decimal, when it is below.
fn percent_below(price: Decimal, reference: Decimal) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    (price < reference).then(|| {
        let percent = (reference - price) * Decimal::ONE_HUNDRED / reference;
        percent.round_dp(1).to_f64().unwrap_or(f64::NAN)
    })
}

/// The honest numbers of an offer on the last of `days`, by the rule, day by day.
fn brute_force(days: &[Option<DayPrice>]) -> Option<PriceFacts> {
    let today = days.last().copied().flatten()?;
    let same = |d: &Option<DayPrice>| d.is_some_and(|d| d.currency == today.currency);
    let mut since = days.len() - 1;
    while since > 0 && days[since - 1].is_some_and(|d| d.price == today.price && same(&Some(d))) {
        since -= 1;
    }
    let previous = days[..since]
        .iter()
        .rev()
        .find(|d| same(d))
        .and_then(|d| d.map(|d| d.price));
    let mut history_begins = since;
    for day in (0..since).rev() {
        match days[day] {
            None => {}
            Some(d) if d.currency == today.currency => history_begins = day,
            Some(_) => break,
        }
    }
    let history_days = (since - history_begins) as i64;
    let lowest = (history_days >= 30).then(|| {
        let window = &days[since - 30..since];
        let inside = window
            .iter()
            .filter(|d| same(d))
            .filter_map(|d| d.map(|d| d.price))
            .min();
        inside.or_else(|| {
            days[..since - 30]
                .iter()
                .rev()
                .find(|d| same(d))
                .and_then(|d| d.map(|d| d.price))
        })
    });
    let lower = |d: &Option<DayPrice>| {
        d.is_some_and(|d| d.currency != today.currency || d.price < today.price)
    };
    let lowest_since = match days.iter().rposition(lower) {
        Some(day) => day + 1,
        None => days.iter().position(Option::is_some)?,
    };
    let price = money(today.price);
    let lowest_30d = lowest.flatten().map(money);
    let claimed = today
        .old_price
        .and_then(|old| percent_below(price, money(old)));
    Some(PriceFacts {
        lowest_price_30d: lowest_30d,
        history_days,
        price_changed_at: day_time(since),
        previous_price: previous.map(money),
        discount_percent: lowest_30d.and_then(|low| percent_below(price, low)),
        claimed_discount_percent: claimed,
        discount_verified: claimed.is_some()
            && matches!((today.old_price, lowest_30d), (Some(old), Some(low)) if money(old) <= low),
        price_drop_percent: previous.and_then(|p| percent_below(price, money(p))),
        lowest_since: day_time(lowest_since),
    })
}

/// Every indexed offer with its facts, by `merchant_id:sku`.
fn indexed(
    index: &OfferIndex,
) -> Result<HashMap<String, Option<PriceFacts>>, Box<dyn std::error::Error>> {
    let mut found = HashMap::new();
    for page in 1.. {
        let request = SearchRequest {
            page,
            per_page: 100,
            ..SearchRequest::default()
        };
        let response = index.search(&request)?;
        if response.items.is_empty() {
            break;
        }
        for item in response.items {
            let SearchItem::Offer(hit) = item else {
                return Err("a group in an ungrouped search".into());
            };
            let merchant = hit.offer.merchant_id.clone().unwrap_or_default();
            let sku = hit.offer.sku.clone().unwrap_or_default();
            found.insert(format!("{merchant}:{sku}"), hit.price_facts);
        }
    }
    Ok(found)
}

fn total(index: &OfferIndex, request: SearchRequest) -> Result<u64, Box<dyn std::error::Error>> {
    Ok(index.search(&request)?.total)
}

#[test]
fn sixty_days_of_refreshes_give_every_offer_its_honest_numbers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let index = OfferIndex::open_or_create(&dir.path().join("index"))?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("feedmill.db"))?);
    let clock = ManualClock::starting_at(u64::try_from(start().timestamp_millis())?);
    let history = PriceHistory::new(store, Arc::new(clock.clone()));
    let mut sink: PriceHistorySink<IndexSink> = history.sink(IndexSink::new(index.clone()));
    let known = known_prices();
    let feed = dir.path().join("feed.csv");
    let mut num_checked = 0;
    for day in 0..NUM_DAYS {
        let mut cfg = GenConfig::new(GenFormat::AwinCsv, NUM_OFFERS, SEED);
        cfg.bad_share = 0.0;
        cfg.price_changes = Some(PriceChanges { day, share: SHARE });
        generate(&cfg, &mut std::fs::File::create(&feed)?)?;
        let request = crate::IngestRequest {
            paths: vec![feed.clone()],
            feed: FeedOptions {
                source: SOURCE.into(),
                format: Some(FeedFormat::AwinCsv),
                ..FeedOptions::default()
            },
            guard: IngestOptions::default(),
            expected_records: None,
            content_hash: None,
        };
        ingest_source(&mut sink, &request)?;
        let found = indexed(&index)?;
        let listed: Vec<(&String, Option<PriceFacts>)> = known
            .iter()
            .map(|(key, days)| (key, brute_force(&days[..=day as usize])))
            .filter(|(_, facts)| facts.is_some())
            .collect();
        assert_eq!(found.len(), listed.len(), "offers listed on day {day}");
        for (key, expected) in listed {
            assert_eq!(found.get(key), Some(&expected), "{key} on day {day}");
            num_checked += 1;
        }
        clock.advance(std::time::Duration::from_secs(86_400));
    }
    assert!(num_checked > 30_000, "{num_checked}");

    let last = NUM_DAYS as usize - 1;
    index.set_search_time(Some(day_time(last)));
    let expected: Vec<PriceFacts> = known
        .values()
        .filter_map(|days| brute_force(&days[..=last]))
        .collect();
    let dropped = expected
        .iter()
        .filter(|f| f.price_drop_percent.is_some() && f.price_changed_at >= day_time(last - 7))
        .count() as u64;
    let dropped_within = SearchRequest {
        dropped_within: Some(7),
        ..SearchRequest::default()
    };
    assert_eq!(total(&index, dropped_within)?, dropped);
    let lowest = expected
        .iter()
        .filter(|f| f.lowest_since <= day_time(last - 30))
        .count() as u64;
    let at_lowest = SearchRequest {
        at_lowest: Some(30),
        ..SearchRequest::default()
    };
    assert_eq!(total(&index, at_lowest)?, lowest);
    assert!(dropped > 0 && lowest > 0, "{dropped} {lowest}");
    Ok(())
}
