//! Ingests recorded in the price history: each offer indexed with its honest numbers, a
//! refused replacement recording nothing, an unchanged feed adding nothing.

use super::{SOURCE, TestResult, request};
use crate::{IndexSink, IngestResult, PriceHistory, PriceHistorySink, ingest_source};
use feedmill_fetch::{Clock, ManualClock};
use feedmill_index::OfferIndex;
use feedmill_store::{PointKind, PriceHistoryStore, SqliteStore, Store};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

/// A CSV feed of `num_offers` offers `sku-0`… priced `base + i`, with an old price of 200.
fn write_priced_feed(dir: &Path, num_offers: usize, base: i64) -> std::io::Result<PathBuf> {
    let mut csv = String::from("id,title,price,old_price,currency,link\n");
    for i in 0..num_offers {
        csv.push_str(&format!(
            "sku-{i},Trail shoe {i},{}.00,200.00,SEK,https://shop.example/p/{i}\n",
            base + i as i64
        ));
    }
    let path = dir.join("feed.csv");
    std::fs::write(&path, csv)?;
    Ok(path)
}

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    clock: ManualClock,
    store: Arc<SqliteStore>,
    sink: PriceHistorySink<IndexSink>,
}

fn fixture() -> Result<Fixture, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().to_path_buf();
    let index = OfferIndex::open_or_create(&path.join("index"))?;
    let store = Arc::new(SqliteStore::open(&path.join("feedmill.db"))?);
    let clock = ManualClock::starting_at(1_780_000_000_000);
    let history = PriceHistory::new(store.clone() as Arc<dyn Store>, Arc::new(clock.clone()));
    Ok(Fixture {
        _dir: dir,
        dir: path,
        clock,
        store,
        sink: history.sink(IndexSink::new(index)),
    })
}

fn kinds(
    store: &SqliteStore,
    offer_id: &str,
) -> Result<Vec<PointKind>, Box<dyn std::error::Error>> {
    let points = store.price_points(SOURCE, offer_id, chrono::DateTime::<chrono::Utc>::MIN_UTC)?;
    Ok(points.iter().map(|p| p.kind).collect())
}

#[test]
fn every_ingest_is_recorded_and_indexed_with_its_honest_numbers() -> TestResult {
    let mut f = fixture()?;
    let feed = write_priced_feed(&f.dir, 10, 100)?;
    ingest_source(&mut f.sink, &request(vec![feed]))?;
    let id = "shop:sku-3";
    assert_eq!(kinds(&f.store, id)?, [PointKind::First]);
    let index = f
        .sink
        .inner()
        .index()
        .ok_or("the sink writes the index")?
        .clone();
    let first = index.get_priced_offer(id)?.ok_or("offer missing")?;
    let facts = first.price_facts.ok_or("no facts on day 0")?;
    assert_eq!((facts.history_days, facts.lowest_price_30d), (0, None));
    assert_eq!(facts.claimed_discount_percent, Some(48.5));
    assert!(!facts.discount_verified, "no history backs the claim");

    // 40 days later every price drops by 10.
    f.clock.advance(DAY * 40);
    let feed = write_priced_feed(&f.dir, 10, 90)?;
    ingest_source(&mut f.sink, &request(vec![feed]))?;
    assert_eq!(kinds(&f.store, id)?, [PointKind::First, PointKind::Change]);
    let later = index.get_priced_offer(id)?.ok_or("offer missing")?;
    let facts = later.price_facts.ok_or("no facts on day 40")?;
    assert_eq!(facts.lowest_price_30d, Some(Decimal::new(10300, 2)));
    assert_eq!(facts.previous_price, Some(Decimal::new(10300, 2)));
    assert_eq!(facts.history_days, 40);
    assert_eq!(facts.discount_percent, Some(9.7));
    assert_eq!(facts.price_drop_percent, Some(9.7));
    assert_eq!(f.sink.last_stats().map(|s| s.num_changed), Some(10));
    Ok(())
}

#[test]
fn a_refused_replacement_records_nothing_and_marks_nothing_gone() -> TestResult {
    let mut f = fixture()?;
    ingest_source(
        &mut f.sink,
        &request(vec![write_priced_feed(&f.dir, 10, 100)?]),
    )?;
    f.clock.advance(DAY);
    // Half the offers, cheaper: the shrink guard keeps the previous offers.
    let shrunk = write_priced_feed(&f.dir, 5, 50)?;
    let refused = ingest_source(&mut f.sink, &request(vec![shrunk]));
    assert!(refused.is_err_and(|e| e.is_guard_trip()));
    assert_eq!(kinds(&f.store, "shop:sku-1")?, [PointKind::First]);
    assert_eq!(
        kinds(&f.store, "shop:sku-8")?,
        [PointKind::First],
        "not gone"
    );
    assert_eq!(f.sink.inner().store().num_offers(), 10);
    Ok(())
}

#[test]
fn an_unchanged_feed_adds_nothing_even_when_forced() -> TestResult {
    let mut f = fixture()?;
    let feed = write_priced_feed(&f.dir, 4, 100)?;
    ingest_source(&mut f.sink, &request(vec![feed.clone()]))?;
    f.clock.advance(DAY);
    let skipped = ingest_source(&mut f.sink, &request(vec![feed.clone()]))?;
    assert!(matches!(skipped, IngestResult::Unchanged));
    let mut forced = request(vec![feed]);
    forced.guard.force = true;
    ingest_source(&mut f.sink, &forced)?;
    assert_eq!(f.sink.last_stats().map(|s| s.num_unchanged), Some(4));
    assert_eq!(kinds(&f.store, "shop:sku-0")?, [PointKind::First]);
    let priced = f
        .sink
        .inner()
        .index()
        .ok_or("the sink writes the index")?
        .get_priced_offer("shop:sku-0")?;
    let since = priced
        .and_then(|p| p.price_facts)
        .map(|f| f.price_changed_at);
    let first_day = chrono::DateTime::from_timestamp_millis(1_780_000_000_000);
    assert_eq!(since, first_day, "the unchanged offer keeps its facts");
    assert!(f.clock.now_ms() > 1_780_000_000_000);
    Ok(())
}
