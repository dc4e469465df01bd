//! The price history across a crash between the index's commit and the batch's write, and
//! its pruning at the retention it was given.

use super::{SOURCE, TestResult, request};
use crate::{
    IndexSink, IngestResult, OfferSink, PipelineError, PriceHistory, PriceHistorySink,
    ingest_source,
};
use feedmill_fetch::ManualClock;
use feedmill_index::{IngestMeta, IngestOptions, OfferIndex, PriceFacts};
use feedmill_model::Offer;
use feedmill_store::{PointKind, PriceHistoryStore, SqliteStore, Store};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

/// A sink that commits the sink it wraps and then fails, as a process killed right after the
/// index's commit: whatever its caller would write next is never written.
struct DiesAfterCommit<S>(S);

impl<S: OfferSink> OfferSink for DiesAfterCommit<S> {
    type Committed = S::Committed;

    fn committed_content_hash(&self, source: &str) -> Result<Option<String>, PipelineError> {
        self.0.committed_content_hash(source)
    }

    fn begin(&mut self, source: &str, guard: IngestOptions) -> Result<(), PipelineError> {
        self.0.begin(source, guard)
    }

    fn accept(&mut self, offers: &mut [Offer]) -> Result<(), PipelineError> {
        self.0.accept(offers)
    }

    fn accept_priced(
        &mut self,
        offers: &mut [Offer],
        facts: &[Option<PriceFacts>],
    ) -> Result<(), PipelineError> {
        self.0.accept_priced(offers, facts)
    }

    fn commit(&mut self, meta: &IngestMeta) -> Result<S::Committed, PipelineError> {
        self.0.commit(meta)?;
        Err(PipelineError::Sink {
            sink: "test",
            message: "killed after the index's commit".into(),
        })
    }

    fn abort(&mut self) {
        self.0.abort();
    }
}

/// `num_offers` offers `sku-0`… priced `base + i` SEK.
fn write_feed(dir: &Path, num_offers: usize, base: i64) -> std::io::Result<PathBuf> {
    let mut csv = String::from("id,title,price,currency,link\n");
    for i in 0..num_offers {
        let price = base + i as i64;
        csv.push_str(&format!(
            "sku-{i},Trail shoe {i},{price}.00,SEK,https://shop.example/p/{i}\n"
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
    index: OfferIndex,
    store: Arc<SqliteStore>,
}

impl Fixture {
    fn new() -> Result<Fixture, Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().to_path_buf();
        Ok(Fixture {
            index: OfferIndex::open_or_create(&path.join("index"))?,
            store: Arc::new(SqliteStore::open(&path.join("feedmill.db"))?),
            clock: ManualClock::starting_at(1_780_000_000_000),
            _dir: dir,
            dir: path,
        })
    }

    fn history(&self) -> PriceHistory {
        let store = self.store.clone() as Arc<dyn Store>;
        PriceHistory::new(store, Arc::new(self.clock.clone()))
    }

    /// A sink as a freshly started process builds it.
    fn sink(&self) -> PriceHistorySink<IndexSink> {
        self.history().sink(IndexSink::new(self.index.clone()))
    }

    fn kinds(&self, offer_id: &str) -> Result<Vec<PointKind>, Box<dyn std::error::Error>> {
        let since = chrono::DateTime::<chrono::Utc>::MIN_UTC;
        let points = self.store.price_points(SOURCE, offer_id, since)?;
        Ok(points.iter().map(|p| p.kind).collect())
    }
}

#[test]
fn prices_the_index_committed_before_a_crash_are_recorded_by_the_next_ingest() -> TestResult {
    let f = Fixture::new()?;
    ingest_source(&mut f.sink(), &request(vec![write_feed(&f.dir, 10, 100)?]))?;
    f.clock.advance(DAY);
    let cheaper = request(vec![write_feed(&f.dir, 10, 90)?]);
    let mut dying = f
        .history()
        .sink(DiesAfterCommit(IndexSink::new(f.index.clone())));
    assert!(ingest_source(&mut dying, &cheaper).is_err());
    drop(dying);
    let live = f
        .index
        .get_priced_offer("shop:sku-3")?
        .ok_or("offer missing")?;
    assert_eq!(
        live.offer.price,
        Decimal::new(9300, 2),
        "the index committed"
    );
    assert_eq!(
        f.kinds("shop:sku-3")?,
        [PointKind::First],
        "the batch was lost"
    );

    // The restarted process refreshes the same, unchanged feed.
    f.clock.advance(Duration::from_secs(3600));
    let mut restarted = f.sink();
    let again = ingest_source(&mut restarted, &cheaper)?;
    assert!(matches!(again, IngestResult::Committed(_)), "not skipped");
    assert_eq!(restarted.last_stats().map(|s| s.num_changed), Some(10));
    assert_eq!(
        f.kinds("shop:sku-3")?,
        [PointKind::First, PointKind::Change]
    );
    let facts = f
        .index
        .get_priced_offer("shop:sku-3")?
        .and_then(|p| p.price_facts);
    assert_eq!(
        facts.and_then(|f| f.previous_price),
        Some(Decimal::new(10300, 2))
    );

    // Caught up: the same feed is skipped again, and nothing was recorded twice.
    let skipped = ingest_source(&mut f.sink(), &cheaper)?;
    assert!(matches!(skipped, IngestResult::Unchanged));
    assert_eq!(
        f.kinds("shop:sku-3")?,
        [PointKind::First, PointKind::Change]
    );
    Ok(())
}

#[test]
fn a_feed_indexed_without_history_is_recorded_by_the_next_ingest_with_it() -> TestResult {
    let f = Fixture::new()?;
    let feed = request(vec![write_feed(&f.dir, 4, 100)?]);
    ingest_source(&mut IndexSink::new(f.index.clone()), &feed)?;
    assert_eq!(f.kinds("shop:sku-0")?, []);
    let recorded = ingest_source(&mut f.sink(), &feed)?;
    assert!(matches!(recorded, IngestResult::Committed(_)));
    assert_eq!(f.kinds("shop:sku-0")?, [PointKind::First]);
    Ok(())
}

#[test]
fn the_sink_prunes_at_the_retention_it_was_given() -> TestResult {
    let f = Fixture::new()?;
    let mut sink = f
        .history()
        .with_retention_days(40)
        .sink(IndexSink::new(f.index.clone()));
    // 100 on day 0, 90 on day 10, 80 on day 60: the cut of day 60 at 40 days is day 20.
    for (days, base) in [(0, 100), (10, 90), (50, 80)] {
        f.clock.advance(DAY * days);
        ingest_source(&mut sink, &request(vec![write_feed(&f.dir, 2, base)?]))?;
    }
    assert_eq!(
        f.kinds("shop:sku-0")?,
        [PointKind::Change, PointKind::Change],
        "day 0 pruned, day 10 still in effect at the cut"
    );
    // The default retention (400 days) would have kept all three.
    let g = Fixture::new()?;
    let mut sink = g.sink();
    for (days, base) in [(0, 100), (10, 90), (50, 80)] {
        g.clock.advance(DAY * days);
        ingest_source(&mut sink, &request(vec![write_feed(&g.dir, 2, base)?]))?;
    }
    assert_eq!(g.kinds("shop:sku-0")?.len(), 3);
    Ok(())
}
