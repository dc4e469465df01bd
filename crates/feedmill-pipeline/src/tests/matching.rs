//! Ingests through a matcher: offers of two merchants meet in one product by GTIN, by brand +
//! MPN (joining the one GTIN the key has), and by a learned score on the title; an unchanged
//! offer keeps its decision without being scored again; an operator's pin and split take effect
//! on the next ingest, even of an unchanged feed; a pair between the two thresholds goes to the review list.

use super::TestResult;
use crate::{IndexSink, IngestRequest, IngestResult, MatchSummary, ProductMatcher, ingest_source};
use feedmill_formats::FeedFormat;
use feedmill_formats::driver::FeedOptions;
use feedmill_index::{IngestOptions, OfferIndex};
use feedmill_match::MatcherModel;
use feedmill_model::{MatchMethod, Offer};
use feedmill_store::{PinTarget, ProductMatchStore, ProductPin, SqliteStore, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const HEADER: &str = "id,title,brand,mpn,gtin,price,currency,link\n";

/// Shop A: a drive with GTIN and MPN, headphones known by title only, a shoe.
const SHOP_A: &str = "\
a1,WD Red Plus 2TB NAS hard drive WD20EFRX,Western Digital,WD20EFRX,4006381333931,899.00,SEK,https://a.example/1
a2,Sony WH-1000XM4 wireless noise cancelling headphones black,Sony,,,2990.00,SEK,https://a.example/2
a3,Trail running shoe Speedgoat 5 blue size 42,Hoka,,,1599.00,SEK,https://a.example/3
";

/// Shop B: the drive by GTIN, the drive again by brand + MPN only, the headphones by title.
const SHOP_B: &str = "\
b1,Western Digital Red Plus 2 TB,Western Digital,,04006381333931,879.00,SEK,https://b.example/1
b2,WD Red Plus NAS 2TB 3.5 inch,Western Digital,WD20EFRX,,869.00,SEK,https://b.example/2
b3,Sony WH-1000XM4 wireless noise cancelling headphones black,Sony,,,2890.00,SEK,https://b.example/3
";

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    store: Arc<SqliteStore>,
    sink: IndexSink,
}

fn fixture(model: MatcherModel) -> Result<Fixture, Box<dyn std::error::Error>> {
    fixture_with(model, false)
}

/// A fixture whose matcher decides every offer again on each ingest (`--rematch`) when asked.
fn fixture_with(
    model: MatcherModel,
    rematch_all: bool,
) -> Result<Fixture, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().to_path_buf();
    let index = OfferIndex::open_or_create(&path.join("index"))?;
    let store = Arc::new(SqliteStore::open(&path.join("feedmill.db"))?);
    let matcher = ProductMatcher::new(store.clone() as Arc<dyn Store>, Arc::new(model))
        .rematching_all(rematch_all);
    Ok(Fixture {
        _dir: dir,
        dir: path,
        store,
        sink: IndexSink::new(index).with_matcher(matcher),
    })
}

impl Fixture {
    /// Ingests `rows` as `source`'s whole feed; what matching did.
    fn ingest(
        &mut self,
        source: &str,
        rows: &str,
    ) -> Result<MatchSummary, Box<dyn std::error::Error>> {
        let summary = self.try_ingest(source, rows)?;
        Ok(summary.ok_or("the feed was skipped as unchanged")?)
    }

    /// [`Fixture::ingest`], or `None` when the ingest skipped the feed as unchanged.
    fn try_ingest(
        &mut self,
        source: &str,
        rows: &str,
    ) -> Result<Option<MatchSummary>, Box<dyn std::error::Error>> {
        let path = write(&self.dir, source, rows)?;
        let request = IngestRequest {
            paths: vec![path],
            feed: FeedOptions {
                source: source.into(),
                format: Some(FeedFormat::Csv),
                ..FeedOptions::default()
            },
            guard: IngestOptions::default(),
            expected_records: None,
            content_hash: None,
        };
        match ingest_source(&mut self.sink, &request)? {
            IngestResult::Committed(_) => Ok(Some(
                self.sink.last_match().cloned().ok_or("no match summary")?,
            )),
            IngestResult::Unchanged => Ok(None),
        }
    }

    fn offer(&self, id: &str) -> Result<Offer, Box<dyn std::error::Error>> {
        Ok(self
            .sink
            .index()
            .ok_or("the sink writes the index")?
            .get_offer(id)?
            .ok_or(format!("{id} is not indexed"))?)
    }

    fn product_of(&self, id: &str) -> Result<String, Box<dyn std::error::Error>> {
        Ok(self
            .offer(id)?
            .product_id
            .ok_or(format!("{id} has no product"))?)
    }

    fn method_of(&self, id: &str) -> Result<MatchMethod, Box<dyn std::error::Error>> {
        Ok(self
            .offer(id)?
            .product_match
            .ok_or("no match object")?
            .method)
    }
}

fn write(dir: &Path, source: &str, rows: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(format!("{source}.csv"));
    std::fs::write(&path, format!("{HEADER}{rows}"))?;
    Ok(path)
}

fn pin(source: &str, offer_id: &str, target: PinTarget) -> ProductPin {
    ProductPin {
        offer_id: offer_id.into(),
        source: source.into(),
        target,
        created_at: chrono::Utc::now(),
    }
}

fn bundled() -> Result<MatcherModel, Box<dyn std::error::Error>> {
    Ok(MatcherModel::bundled()?)
}

#[test]
fn two_merchants_meet_by_gtin_model_key_and_score() -> TestResult {
    let mut f = fixture(bundled()?)?;
    let first = f.ingest("shopa", SHOP_A)?;
    assert_eq!(first.num_offers, 3);
    let second = f.ingest("shopb", SHOP_B)?;
    assert_eq!(second.num_offers, 3);

    // The GTIN, written as EAN-13 and as GTIN-14, names one product.
    let drive = f.product_of("shopa:a1")?;
    assert_eq!(f.product_of("shopb:b1")?, drive);
    assert_eq!(f.method_of("shopb:b1")?, MatchMethod::Gtin);
    // Brand + MPN without a GTIN joins the one GTIN product the key belongs to.
    assert_eq!(f.product_of("shopb:b2")?, drive);
    assert_eq!(f.method_of("shopb:b2")?, MatchMethod::Model);
    // No identifiers at all: the learned score on the title joins the headphones.
    assert_eq!(f.product_of("shopb:b3")?, f.product_of("shopa:a2")?);
    let scored = f.offer("shopb:b3")?.product_match.ok_or("no match")?;
    assert_eq!(scored.method, MatchMethod::Scored);
    assert!(scored.score.is_some_and(|s| s > 0.0));
    // The shoe has no competitor: it stays its own product.
    assert_eq!(f.method_of("shopa:a3")?, MatchMethod::None);
    assert_ne!(f.product_of("shopa:a3")?, f.product_of("shopa:a2")?);
    Ok(())
}

#[test]
fn an_unchanged_offer_keeps_its_decision_without_scoring() -> TestResult {
    let mut f = fixture(bundled()?)?;
    f.ingest("shopa", SHOP_A)?;
    let first = f.ingest("shopb", SHOP_B)?;
    assert_eq!(first.num_scored, 1);
    let headphones = f.product_of("shopb:b3")?;
    // New prices only: the content differs, the evidence does not (the headphones' score and
    // the drive's model key are both kept).
    let repriced = SHOP_B
        .replace("2890.00", "2790.00")
        .replace("869.00", "859.00");
    let again = f.ingest("shopb", &repriced)?;
    assert_eq!((again.num_scored, again.num_reused), (0, 2));
    assert_eq!(f.product_of("shopb:b3")?, headphones);
    assert_eq!(f.method_of("shopb:b3")?, MatchMethod::Scored);
    // A changed title is evidence: the offer is scored again.
    let retitled = repriced.replace("headphones black", "headphones silver");
    let changed = f.ingest("shopb", &retitled)?;
    assert_eq!((changed.num_scored, changed.num_reused), (1, 1));
    Ok(())
}

#[test]
fn pins_and_splits_hold_on_the_next_ingest() -> TestResult {
    let mut f = fixture(bundled()?)?;
    f.ingest("shopa", SHOP_A)?;
    f.ingest("shopb", SHOP_B)?;
    let drive = f.product_of("shopa:a1")?;
    // The shoe pinned to the drive's product, the headphones split off.
    f.store
        .set_pin(&pin("shopb", "shopb:b3", PinTarget::Split))?;
    f.store
        .set_pin(&pin("shopa", "shopa:a3", PinTarget::Product(drive.clone())))?;
    // The feed is unchanged, yet its next ingest runs: the pin must take effect.
    let summary = f.ingest("shopb", SHOP_B)?;
    assert_eq!(summary.num_pinned, 1);
    assert_eq!(
        f.try_ingest("shopb", SHOP_B)?,
        None,
        "applied pins ingested again"
    );
    let split = f.offer("shopb:b3")?.product_match.ok_or("no match")?;
    assert!(split.pinned);
    assert_eq!(split.method, MatchMethod::None);
    assert_ne!(f.product_of("shopb:b3")?, f.product_of("shopa:a2")?);
    f.ingest("shopa", SHOP_A)?;
    assert_eq!(f.product_of("shopa:a3")?, drive);
    assert!(f.offer("shopa:a3")?.product_match.is_some_and(|m| m.pinned));
    // Unpinned, the split offer is matched again by its evidence.
    f.store.remove_pin("shopb:b3")?;
    f.ingest("shopb", SHOP_B)?;
    assert_eq!(f.product_of("shopb:b3")?, f.product_of("shopa:a2")?);
    Ok(())
}

#[test]
fn a_pair_between_the_thresholds_goes_to_review_and_stays_alone() -> TestResult {
    let mut model = bundled()?;
    model.match_threshold = 0.0;
    model.auto_group_threshold = 1.5;
    let mut f = fixture(model)?;
    f.ingest("shopa", SHOP_A)?;
    let summary = f.ingest("shopb", SHOP_B)?;
    assert_eq!(summary.num_review, 1);
    let waiting = f.offer("shopb:b3")?.product_match.ok_or("no match")?;
    assert!(waiting.in_review);
    assert_eq!(waiting.method, MatchMethod::None);
    assert_ne!(f.product_of("shopb:b3")?, f.product_of("shopa:a2")?);
    let reviews = f.store.match_reviews(10, 0)?;
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].offer_id, "shopb:b3");
    assert_eq!(reviews[0].candidate_offer_id, "shopa:a2");
    assert_eq!(f.store.count_match_reviews()?, 1);
    Ok(())
}

#[test]
fn a_model_key_joins_a_gtin_of_the_same_feed_at_once_or_at_the_next_ingest() -> TestResult {
    let mut f = fixture(bundled()?)?;
    // One multi-merchant feed: an MPN-only offer a whole batch before its GTIN sibling, another
    // in the sibling's batch.
    let mut feed = String::from(
        "m1,WD Red Plus NAS 2TB,Western Digital,WD20EFRX,,869.00,SEK,https://m.example/1\n",
    );
    for i in 1..feedmill_formats::driver::BATCH_SIZE {
        feed.push_str(&format!(
            "f{i},Filler offer {i},Acme,,,1.00,SEK,https://m.example/f{i}\n"
        ));
    }
    feed.push_str(
        "\
m2,WD Red Plus 2TB NAS drive,Western Digital,WD20EFRX,4006381333931,899.00,SEK,https://m.example/2
m3,Western Digital Red Plus 2 TB NAS,Western Digital,WD20EFRX,,879.00,SEK,https://m.example/3
",
    );
    f.ingest("market", &feed)?;
    let drive = f.product_of("market:m2")?;
    assert_eq!(f.product_of("market:m3")?, drive, "a GTIN of its batch");
    assert_ne!(
        f.product_of("market:m1")?,
        drive,
        "its GTIN came a batch later"
    );
    assert_eq!(f.method_of("market:m1")?, MatchMethod::Model);
    // The next ingest decides the waiting offer again, and it joins the GTIN's product.
    f.ingest("market", &feed.replace("869.00", "859.00"))?;
    assert_eq!(f.product_of("market:m1")?, drive);
    Ok(())
}

#[test]
fn a_full_rematch_scores_unchanged_offers_again_and_keeps_their_products() -> TestResult {
    let mut f = fixture_with(bundled()?, true)?;
    f.ingest("shopa", SHOP_A)?;
    f.ingest("shopb", SHOP_B)?;
    let headphones = f.product_of("shopb:b3")?;
    let again = f.ingest("shopb", &SHOP_B.replace("2890.00", "2790.00"))?;
    assert_eq!((again.num_scored, again.num_reused), (1, 0));
    assert_eq!(
        f.product_of("shopb:b3")?,
        headphones,
        "the same evidence, the same product"
    );
    Ok(())
}
