//! Suite: clicks, the click log import and the schema version.

use super::{click, day};
use crate::click::{Click, ClickCount, GroupBy, TimeRange};
use crate::error::{StoreError, StoreResult};
use crate::store::{ClickAck, Store};

pub(crate) fn a_click_keeps_every_field(store: &impl Store) -> StoreResult<()> {
    let mut full = click("o1", day(0), Some("nl"))?;
    full.sub_id_2 = Some("s2".into());
    full.sub_id_3 = Some("s3".into());
    full.sub_id_4 = Some("s4".into());
    full.sub_id_5 = Some("s5".into());
    full.sub_id_6 = Some("s6".into());
    full.referrer = Some("https://blog.example/post".into());
    full.time += chrono::Duration::microseconds(123_456);
    store.record_click(&full)?;
    assert_eq!(store.click(&full.click_id)?, Some(full.clone()));
    let json = serde_json::to_value(&full).unwrap_or_default();
    for field in [
        "time",
        "offer_id",
        "source",
        "sub_id",
        "sub_id_2",
        "sub_id_3",
        "referrer",
        "destination",
        "click_id",
        "network",
        "merchant",
        "sub_id_6",
    ] {
        assert!(json.get(field).is_some(), "the NDJSON line has {field}");
    }
    Ok(())
}

pub(crate) fn a_click_id_is_stored_once(store: &impl Store) -> StoreResult<()> {
    let first = click("o1", day(0), None)?;
    store.record_click(&first)?;
    let mut again = click("o2", day(1), None)?;
    again.click_id = first.click_id.clone();
    assert!(
        store.record_click(&again).is_err(),
        "a second click under one id is refused"
    );
    assert_eq!(
        store.click(&first.click_id)?.map(|c| c.offer_id),
        Some("o1".into())
    );
    Ok(())
}

/// `submit_click` acknowledges each click once, after it is stored (or with the error
/// `record_click` would return); a store that gives the click back leaves it to the caller.
pub(crate) fn a_submitted_click_is_acknowledged_once_stored(store: &impl Store) -> StoreResult<()> {
    let submit = |click: Click| -> StoreResult<()> {
        let (sender, acked) = std::sync::mpsc::channel();
        let ack: ClickAck = Box::new(move |outcome| {
            let _ = sender.send(outcome);
        });
        match store.submit_click(click, ack) {
            Ok(()) => acked.recv().map_err(|_| StoreError::WriterStopped)?,
            Err(not_taken) => {
                (not_taken.ack)(store.record_click(&not_taken.click));
                acked.recv().map_err(|_| StoreError::WriterStopped)?
            }
        }
    };
    let first = click("o1", day(0), Some("nl"))?;
    submit(first.clone())?;
    assert_eq!(store.click(&first.click_id)?, Some(first.clone()));
    let mut again = click("o2", day(1), None)?;
    again.click_id = first.click_id.clone();
    // Refused at once, or (a journaling store) taken and kept out when stored: never two.
    let _ = submit(again);
    let late = click("o3", day(-2), None)?;
    submit(late.clone())?;
    let counted = store.count_clicks(TimeRange::between(day(-3), day(2)), GroupBy::Offer)?;
    assert_eq!(counted.iter().map(|c| c.num_clicks).sum::<u64>(), 2);
    assert_eq!(
        store.click(&first.click_id)?,
        Some(first),
        "the first click under an id is the one kept"
    );
    Ok(())
}

pub(crate) fn clicks_are_visited_in_time_order(store: &impl Store) -> StoreResult<()> {
    for (offer, when) in [("c", 3), ("a", 1), ("b", 2), ("d", 9)] {
        store.record_click(&click(offer, day(when), None)?)?;
    }
    let mut seen = Vec::new();
    let count = store.visit_clicks(TimeRange::between(day(1), day(9)), &mut |c| {
        seen.push(c.offer_id.clone());
        Ok(())
    })?;
    assert_eq!(count, 3);
    assert_eq!(
        seen,
        ["a", "b", "c"],
        "the range is half-open and oldest first"
    );
    Ok(())
}

pub(crate) fn clicks_are_counted_by_group_and_range(store: &impl Store) -> StoreResult<()> {
    store.record_click(&click("o1", day(0), Some("nl"))?)?;
    store.record_click(&click("o1", day(0), Some("nl"))?)?;
    store.record_click(&click("o2", day(1), None)?)?;
    store.record_click(&click("o3", day(5), Some("nl"))?)?;
    let by_sub_id = store.count_clicks(TimeRange::between(day(0), day(2)), GroupBy::SubId)?;
    let expected = vec![
        ClickCount {
            key: None,
            num_clicks: 1,
        },
        ClickCount {
            key: Some("nl".into()),
            num_clicks: 2,
        },
    ];
    assert_eq!(by_sub_id, expected);
    let by_day = store.count_clicks(TimeRange::all(), GroupBy::Day)?;
    let days: Vec<_> = by_day
        .iter()
        .map(|c| (c.key.clone().unwrap_or_default(), c.num_clicks))
        .collect();
    assert_eq!(
        days,
        [
            ("2026-01-01".into(), 2),
            ("2026-01-02".into(), 1),
            ("2026-01-06".to_string(), 1)
        ]
    );
    let by_offer = store.count_clicks(TimeRange::all(), GroupBy::Offer)?;
    assert_eq!(by_offer.len(), 3);
    Ok(())
}

const OLD_LOG: &str = concat!(
    r#"{"time":"2025-06-01T10:00:00Z","offer_id":"a","source":"shop","sub_id":"nl","destination":"https://t.example/a"}"#,
    "\n\n",
    r#"{"time":"2025-06-01T10:00:01Z","offer_id":"b","source":"shop","referrer":"https://blog.example/","destination":"https://t.example/b"}"#,
    "\n",
    r#"{"time":"2025-06-01T10:00:01Z","offer_id":"b","source":"shop","referrer":"https://blog.example/","destination":"https://t.example/b"}"#,
    "\n",
);

pub(crate) fn an_old_click_log_is_imported_once(store: &impl Store) -> StoreResult<()> {
    let report = store.import_click_log(&mut OLD_LOG.as_bytes())?;
    assert_eq!(
        (report.num_lines, report.num_imported, report.num_malformed),
        (4, 3, 0)
    );
    let again = store.import_click_log(&mut OLD_LOG.as_bytes())?;
    assert_eq!((again.num_imported, again.num_already_present), (0, 3));
    let mut offers = Vec::new();
    store.visit_clicks(TimeRange::all(), &mut |c| {
        offers.push((c.offer_id.clone(), c.sub_id.clone(), c.referrer.is_some()));
        Ok(())
    })?;
    assert_eq!(
        offers.len(),
        3,
        "two equal clicks on two lines stay two clicks"
    );
    assert_eq!(offers[0], ("a".into(), Some("nl".into()), false));
    assert!(offers[1].2 && offers[2].2);
    Ok(())
}

pub(crate) fn a_click_log_file_is_imported_if_there_is_one(store: &impl Store) -> StoreResult<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("clicks.ndjson");
    assert_eq!(store.import_click_log_file(&path)?, None);
    std::fs::write(&path, OLD_LOG)?;
    let report = store.import_click_log_file(&path)?.map(|r| r.num_imported);
    assert_eq!(report, Some(3));
    Ok(())
}

pub(crate) fn a_malformed_log_line_is_reported_with_its_number(
    store: &impl Store,
) -> StoreResult<()> {
    let log = format!("{OLD_LOG}{{\"time\":\"2025-06-0");
    let report = store.import_click_log(&mut log.as_bytes())?;
    assert_eq!(report.num_imported, 3);
    assert_eq!(report.num_malformed, 1);
    assert_eq!(report.malformed.first().map(|m| m.line_number), Some(5));
    Ok(())
}

pub(crate) fn the_schema_version_is_the_latest(store: &impl Store) -> StoreResult<()> {
    assert!(store.schema_version()? >= 1, "a new store is migrated");
    Ok(())
}
