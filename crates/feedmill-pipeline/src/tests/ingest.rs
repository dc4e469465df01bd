//! Ingest through the index and a second sink beside it.

use super::{SOURCE, TestResult, request, write_feed};
use crate::{
    FanOutSink, IndexSink, IngestResult, OfferSink, PipelineError, RecordingSink, ingest_offers,
    ingest_source,
};
use feedmill_index::{IngestMeta, IngestOptions, IngestOutcome, OfferIndex};
use feedmill_model::Offer;

type BothSinks = FanOutSink<IndexSink, RecordingSink>;

fn both_sinks(dir: &std::path::Path) -> Result<BothSinks, PipelineError> {
    let index = OfferIndex::open_or_create(&dir.join("index"))?;
    Ok(FanOutSink::new(
        IndexSink::new(index),
        RecordingSink::default(),
    ))
}

/// Every offer the second sink committed is in the index as it was accepted, and the index
/// holds no other offer of the source.
fn assert_same_offers(sinks: &BothSinks, expected: usize) -> TestResult {
    let recorded = sinks.secondary().committed(SOURCE);
    assert_eq!(recorded.len(), expected);
    let index = sinks.primary().index().ok_or("the sink writes the index")?;
    for offer in recorded {
        assert_eq!(index.get_offer(&offer.id)?.as_ref(), Some(offer));
    }
    let stats = index.stats()?;
    let indexed = stats
        .iter()
        .find(|s| s.source == SOURCE)
        .map(|s| s.num_offers);
    assert_eq!(indexed, Some(expected as u64));
    assert_eq!(index.num_offers(), expected as u64);
    Ok(())
}

fn committed(result: IngestResult<IngestOutcome>) -> Result<IngestOutcome, String> {
    match result {
        IngestResult::Committed(report) => Ok(report.outcome),
        IngestResult::Unchanged => Err("the feed was skipped as unchanged".into()),
    }
}

#[test]
fn a_second_sink_sees_exactly_the_offers_the_index_got() -> TestResult {
    let dir = tempfile::tempdir()?;
    let first = write_feed(dir.path(), "a.csv", 30)?;
    let mut sinks = both_sinks(dir.path())?;
    let outcome = committed(ingest_source(&mut sinks, &request(vec![first]))?)?;
    assert_eq!(outcome.stats.num_offers, 30);
    assert_same_offers(&sinks, 30)?;
    let first_ids: Vec<String> = sinks
        .secondary()
        .committed(SOURCE)
        .iter()
        .map(|o| o.id.clone())
        .collect();
    // Two files make one feed; the replacement drops the offers the new feed lacks.
    let kept = write_feed(dir.path(), "b.csv", 20)?;
    let renamed = write_feed(dir.path(), "c.csv", 10)?;
    std::fs::write(
        &renamed,
        std::fs::read_to_string(&renamed)?.replace("sku-", "other-"),
    )?;
    let outcome = committed(ingest_source(&mut sinks, &request(vec![kept, renamed]))?)?;
    assert_eq!((outcome.stats.num_offers, outcome.num_previous), (30, 30));
    assert_same_offers(&sinks, 30)?;
    let index = sinks.primary().index().ok_or("the sink writes the index")?;
    for id in &first_ids[20..] {
        assert_eq!(index.get_offer(id)?, None, "{id} outlived its feed");
    }
    Ok(())
}

#[test]
fn an_unchanged_feed_reaches_neither_sink() -> TestResult {
    let dir = tempfile::tempdir()?;
    let feed = write_feed(dir.path(), "a.csv", 12)?;
    let mut sinks = both_sinks(dir.path())?;
    committed(ingest_source(&mut sinks, &request(vec![feed.clone()]))?)?;
    let again = ingest_source(&mut sinks, &request(vec![feed.clone()]))?;
    assert!(matches!(again, IngestResult::Unchanged));
    assert_eq!(sinks.secondary().num_aborts(), 0);
    let mut forced = request(vec![feed]);
    forced.guard.force = true;
    let outcome = committed(ingest_source(&mut sinks, &forced)?)?;
    assert_eq!(outcome.num_previous, 12);
    assert_same_offers(&sinks, 12)
}

#[test]
fn a_guard_trip_leaves_both_sinks_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let full = write_feed(dir.path(), "full.csv", 40)?;
    let mut sinks = both_sinks(dir.path())?;
    committed(ingest_source(&mut sinks, &request(vec![full]))?)?;
    let shrunk = write_feed(dir.path(), "shrunk.csv", 10)?;
    let err = ingest_source(&mut sinks, &request(vec![shrunk]))
        .err()
        .ok_or("a feed of a quarter of the offers was committed")?;
    assert!(err.is_guard_trip(), "{err}");
    assert_eq!(sinks.secondary().num_aborts(), 1);
    assert_same_offers(&sinks, 40)
}

#[test]
fn a_failed_feed_leaves_both_sinks_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let good = write_feed(dir.path(), "good.csv", 25)?;
    let mut sinks = both_sinks(dir.path())?;
    committed(ingest_source(&mut sinks, &request(vec![good.clone()]))?)?;

    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body>maintenance</body></html>",
    )?;
    let err = ingest_source(&mut sinks, &request(vec![good.clone(), page]))
        .err()
        .ok_or("an HTML page was ingested as a feed")?;
    assert!(matches!(err, PipelineError::Feed { .. }), "{err}");
    assert!(err.to_string().contains("page.html"), "{err}");
    assert_same_offers(&sinks, 25)?;

    let mut short = request(vec![write_feed(dir.path(), "short.csv", 24)?]);
    short.expected_records = Some(30);
    let err = ingest_source(&mut sinks, &short)
        .err()
        .ok_or("a feed short of its announced records was committed")?;
    assert!(matches!(
        err,
        PipelineError::ShortFeed {
            expected: 30,
            num_read: 24
        }
    ));
    assert_eq!(sinks.secondary().num_aborts(), 2);
    assert_same_offers(&sinks, 25)?;

    let missing = ingest_source(&mut sinks, &request(vec![dir.path().join("gone.csv")]));
    assert!(matches!(missing, Err(PipelineError::Hash { .. })));
    assert_same_offers(&sinks, 25)
}

fn offer(source: &str, i: usize) -> Result<Offer, Box<dyn std::error::Error>> {
    Ok(Offer {
        id: format!("{source}:{i}"),
        source: source.into(),
        network: feedmill_model::Network::Generic,
        merchant_id: None,
        merchant_name: Some("Kitchen shop".into()),
        program_id: None,
        sku: Some(i.to_string()),
        gtin: None,
        mpn: None,
        title: format!("Kettle {i}"),
        description: None,
        brand: None,
        category: None,
        price: feedmill_model::Decimal::new(1999 + i as i64, 2),
        old_price: None,
        currency: feedmill_model::Currency::parse("SEK")?,
        shipping: None,
        availability: feedmill_model::Availability::InStock,
        product_url: Some(format!("https://shop.example/k/{i}")),
        tracking_url: None,
        image_url: None,
        additional_images: Vec::new(),
        updated_at: None,
        extra: Default::default(),
        product_id: None,
        product_match: None,
    })
}

#[test]
fn offers_in_memory_replace_a_source_in_one_commit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut sinks = both_sinks(dir.path())?;
    let mut offers = (0..5000)
        .map(|i| offer(SOURCE, i))
        .collect::<Result<Vec<_>, _>>()?;
    let meta = IngestMeta::default();
    let outcome = ingest_offers(
        &mut sinks,
        SOURCE,
        IngestOptions::default(),
        &mut offers,
        &meta,
    )?;
    assert_eq!(outcome.stats.num_offers, 5000);
    assert_same_offers(&sinks, 5000)?;
    // An offer of another source fails the whole replacement: nothing of it is kept.
    let mut mixed = vec![offer(SOURCE, 1)?, offer("elsewhere", 2)?];
    let guard = IngestOptions {
        force: true,
        ..IngestOptions::default()
    };
    let err = ingest_offers(&mut sinks, SOURCE, guard, &mut mixed, &meta);
    assert!(err.is_err());
    assert_eq!(sinks.secondary().num_aborts(), 1);
    assert_same_offers(&sinks, 5000)
}

#[test]
fn a_sink_refuses_offers_outside_a_replacement() {
    let mut sink = RecordingSink::default();
    assert!(sink.accept(&mut []).is_err());
    assert!(sink.commit(&IngestMeta::default()).is_err());
}
