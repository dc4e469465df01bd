//! Per-source replace, upsert, the shrink guard, metadata and the single writer.

use crate::support::*;
use feedmill_index::{IndexError, IngestMeta, IngestOptions, OfferIndex, SearchRequest};
use std::time::Duration;

fn source_ids(index: &OfferIndex, source: &str) -> Result<Vec<String>, IndexError> {
    let request = SearchRequest {
        source: Some(source.into()),
        per_page: 100,
        ..SearchRequest::default()
    };
    let mut found = ids(&index.search(&request)?);
    found.sort();
    Ok(found)
}

fn feed(source: &str, skus: &[&str]) -> Vec<feedmill_model::Offer> {
    skus.iter()
        .map(|sku| offer(source, sku, &format!("Product {sku}"), "100"))
        .collect()
}

#[test]
fn an_ingest_replaces_the_source_in_one_commit() -> TestResult {
    let index = OfferIndex::in_ram()?;
    ingest(&index, "shop", &feed("shop", &["a", "b", "c", "d", "e"]))?;
    ingest(&index, "other", &feed("other", &["a"]))?;

    let mut next = index.begin_source_ingest("shop", IngestOptions::default())?;
    for offer in feed("shop", &["b", "c", "d", "e", "f"]) {
        next.add(&offer)?;
    }
    // Before the commit searches still see the old set, whole.
    assert_eq!(
        source_ids(&index, "shop")?,
        ["shop:a", "shop:b", "shop:c", "shop:d", "shop:e"]
    );
    let outcome = next.commit(meta("v2"))?;

    assert_eq!(
        source_ids(&index, "shop")?,
        ["shop:b", "shop:c", "shop:d", "shop:e", "shop:f"]
    );
    assert_eq!(index.get_offer("shop:a")?, None);
    assert_eq!(
        source_ids(&index, "other")?,
        ["other:a"],
        "other sources are untouched"
    );
    assert_eq!(outcome.stats.num_offers, 5);
    assert_eq!(outcome.num_previous, 5);
    assert!(!outcome.guard_overridden);
    Ok(())
}

#[test]
fn duplicate_ids_keep_the_last_record() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let offers = [
        offer("shop", "a", "Hoodie", "100"),
        offer("shop", "b", "Jacket", "300"),
        offer("shop", "a", "Hoodie", "120"),
    ];
    let outcome = ingest(&index, "shop", &offers)?;
    assert_eq!(outcome.stats.num_offers, 2);
    assert_eq!(outcome.num_duplicates, 1);
    assert_eq!(index.num_offers(), 2);
    let kept = index.get_offer("shop:a")?.ok_or("shop:a missing")?;
    assert_eq!(kept.price, dec("120"));
    Ok(())
}

#[test]
fn an_id_another_source_holds_moves_to_the_new_source() -> TestResult {
    let index = OfferIndex::in_ram()?;
    // Ids normally start with their source's name; these two sources share one anyway.
    let shared = |source: &str, price: &str| {
        offer(source, "x", "Shared", price).with(|o| o.id = "shared:x".into())
    };
    ingest(
        &index,
        "a",
        &[shared("a", "100"), offer("a", "keep", "Kept", "5")],
    )?;
    ingest(
        &index,
        "b",
        &[offer("b", "first", "First", "1"), shared("b", "200")],
    )?;
    let moved = index.get_offer("shared:x")?.ok_or("shared:x missing")?;
    assert_eq!((moved.source.as_str(), moved.price), ("b", dec("200")));
    assert_eq!(index.num_offers(), 3, "one copy of the shared id");
    assert_eq!(source_ids(&index, "a")?, ["a:keep"]);

    // Re-ingesting the source that holds it keeps it there, once.
    ingest(
        &index,
        "b",
        &[shared("b", "300"), offer("b", "first", "First", "1")],
    )?;
    assert_eq!(index.num_offers(), 3);
    assert_eq!(source_ids(&index, "b")?, ["b:first", "shared:x"]);
    Ok(())
}

#[test]
fn duplicates_across_batches_keep_the_last_record() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let mut offers: Vec<_> = (0..100)
        .map(|i| offer("shop", &format!("{i:03}"), "Item", "10"))
        .collect();
    offers.push(offer("shop", "007", "Item", "70"));
    offers.push(offer("shop", "099", "Item", "99"));
    let outcome = ingest(&index, "shop", &offers)?;
    assert_eq!((outcome.stats.num_offers, outcome.num_duplicates), (100, 2));
    assert_eq!(index.num_offers(), 100);
    let last = index.get_offer("shop:007")?.ok_or("shop:007 missing")?;
    assert_eq!(last.price, dec("70"));
    Ok(())
}

#[test]
fn the_stored_offer_comes_back_exactly() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let original = offer("shop", "a", "Grön Hoodie", "699")
        .brand("Björn Borg")
        .category("Kläder > Tröjor")
        .gtin("4006381333931")
        .shipping("49")
        .old_price("899.5")
        .updated("2024-05-01T10:00:00Z")
        .description("Mjuk & varm");
    ingest(&index, "shop", std::slice::from_ref(&original))?;
    let back = index.get_offer("shop:a")?.ok_or("offer missing")?;
    assert_eq!(back, original);
    assert_eq!(
        serde_json::to_string(&back)?,
        serde_json::to_string(&original)?
    );
    assert!(serde_json::to_string(&back)?.contains(r#""price":"699.00""#));
    Ok(())
}

#[test]
fn the_guard_keeps_a_source_that_shrinks_too_much() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let ten: Vec<&str> = vec!["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    ingest(&index, "shop", &feed("shop", &ten))?;

    let err = ingest(&index, "shop", &feed("shop", &ten[..7]))
        .err()
        .ok_or("guard did not trip")?;
    match &err {
        IndexError::GuardTripped {
            source_name,
            previous,
            new,
            min_ratio,
        } => {
            assert_eq!((source_name.as_str(), *previous, *new), ("shop", 10, 7));
            assert_eq!(*min_ratio, 0.8);
        }
        other => return Err(format!("unexpected error {other}").into()),
    }
    let message = err.to_string();
    assert!(
        message.contains("10") && message.contains(" 7 "),
        "{message}"
    );
    assert_eq!(source_ids(&index, "shop")?.len(), 10, "old offers stay");
    assert_eq!(
        index.stats()?[0].content_hash,
        "hash-of-10",
        "metadata stays"
    );

    // Exactly 80 % passes.
    ingest(&index, "shop", &feed("shop", &ten[..8]))?;
    assert_eq!(source_ids(&index, "shop")?.len(), 8);

    // Force replaces anyway and says so.
    let forced = IngestOptions {
        force: true,
        ..IngestOptions::default()
    };
    let outcome = ingest_with(&index, "shop", &feed("shop", &ten[..2]), forced)?;
    assert!(outcome.guard_overridden);
    assert_eq!(source_ids(&index, "shop")?.len(), 2);
    Ok(())
}

#[test]
fn an_empty_feed_trips_the_guard_even_at_ratio_zero() -> TestResult {
    let index = OfferIndex::in_ram()?;
    ingest(&index, "shop", &feed("shop", &["a"]))?;
    let lenient = IngestOptions {
        min_ratio: 0.0,
        force: false,
    };
    let err = ingest_with(&index, "shop", &[], lenient).err();
    assert!(
        matches!(
            err,
            Some(IndexError::GuardTripped {
                previous: 1,
                new: 0,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(index.num_offers(), 1);
    Ok(())
}

#[test]
fn a_dropped_ingest_rolls_back_and_frees_the_writer() -> TestResult {
    let index = OfferIndex::in_ram()?;
    ingest(&index, "shop", &feed("shop", &["a"]))?;
    {
        let mut abandoned = index.begin_source_ingest("shop", IngestOptions::default())?;
        abandoned.add(&offer("shop", "zzz", "Never committed", "1"))?;
    }
    ingest(&index, "other", &feed("other", &["b"]))?;
    assert_eq!(index.get_offer("shop:zzz")?, None);
    assert_eq!(source_ids(&index, "shop")?, ["shop:a"]);
    Ok(())
}

#[test]
fn offers_of_another_source_are_refused() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let mut ingest = index.begin_source_ingest("shop", IngestOptions::default())?;
    let err = ingest.add(&offer("elsewhere", "a", "Hoodie", "1")).err();
    assert!(
        matches!(err, Some(IndexError::SourceMismatch { .. })),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn metadata_persists_across_reopen() -> TestResult {
    let dir = tempfile::tempdir()?;
    {
        let index = OfferIndex::open_or_create(dir.path())?;
        assert_eq!(index.source_content_hash("shop")?, None);
        let mut ingest = index.begin_source_ingest("shop", IngestOptions::default())?;
        ingest.add(&offer("shop", "a", "Hoodie", "100"))?;
        ingest.add(&offer("shop", "b", "Jacket", "200"))?;
        ingest.commit(IngestMeta {
            content_hash: "sha256:abc".into(),
            num_rejected: 3,
            duration: Duration::from_millis(1500),
        })?;
        ingest_with(
            &index,
            "other",
            &feed("other", &["x"]),
            IngestOptions::default(),
        )?;
    }
    let index = OfferIndex::open_or_create(dir.path())?;
    assert_eq!(
        index.source_content_hash("shop")?.as_deref(),
        Some("sha256:abc")
    );
    let stats = index.stats()?;
    let names: Vec<&str> = stats.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(names, ["other", "shop"]);
    let shop = &stats[1];
    assert_eq!(
        (shop.num_offers, shop.num_rejected, shop.last_duration_ms),
        (2, 3, 1500)
    );
    assert!((chrono::Utc::now() - shop.last_ingest_at).num_seconds() < 60);
    assert_eq!(index.num_offers(), 3);
    Ok(())
}

#[test]
fn delete_source_removes_offers_and_metadata() -> TestResult {
    let index = OfferIndex::in_ram()?;
    ingest(&index, "shop", &feed("shop", &["a", "b"]))?;
    ingest(&index, "other", &feed("other", &["c"]))?;
    assert_eq!(index.delete_source("shop")?, 2);
    assert_eq!(index.num_offers(), 1);
    let names: Vec<String> = index.stats()?.into_iter().map(|s| s.source).collect();
    assert_eq!(names, ["other"]);
    Ok(())
}

#[test]
fn a_second_writer_on_the_same_directory_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let first = OfferIndex::open_or_create(dir.path())?;
    let second = OfferIndex::open_or_create(dir.path())?;
    ingest(&first, "shop", &feed("shop", &["a"]))?;

    let err = second
        .begin_source_ingest("other", IngestOptions::default())
        .err();
    assert!(matches!(err, Some(IndexError::Locked { .. })), "{err:?}");
    assert!(err.is_some_and(|e| e.to_string().contains("locked by another writer")));

    first.release_writer();
    ingest(&second, "other", &feed("other", &["b"]))?;
    first.reload()?;
    assert_eq!(
        first.num_offers(),
        2,
        "the reader sees the other writer's commit"
    );
    Ok(())
}

#[test]
fn bad_ingest_parameters_are_user_errors() -> TestResult {
    let index = OfferIndex::in_ram()?;
    let bad_ratio = IngestOptions {
        min_ratio: 1.5,
        force: false,
    };
    let err = index.begin_source_ingest("shop", bad_ratio).err();
    assert!(err.is_some_and(|e| e.is_user_error()));
    let err = index
        .begin_source_ingest(" ", IngestOptions::default())
        .err();
    assert!(err.is_some_and(|e| e.is_user_error()));
    Ok(())
}
