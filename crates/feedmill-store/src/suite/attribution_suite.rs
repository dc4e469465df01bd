//! Suite: attribution by click id, by sub-id in the window, and unattributed sales.

use super::conversion_suite::postback;
use super::transaction_suite::transaction;
use super::{click, currency, day};
use crate::attribution::{AttributionMethod, UnattributedSale};
use crate::click::TimeRange;
use crate::conversion::ConversionStatus;
use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use chrono::Duration;
use feedmill_model::Network;

pub(crate) fn a_sale_is_attributed_by_click_id(store: &impl Store) -> StoreResult<()> {
    let clicked = click("o1", day(0), None)?;
    store.record_click(&clicked)?;
    let id = clicked.click_id.to_string();
    let fields = [
        ("order_id", "A1"),
        ("amount", "10"),
        ("click_id", id.as_str()),
        ("order_time", "2026-09-01T00:00:00Z"),
    ];
    store.upsert_conversion(&postback(&fields), currency("PLN"), day(1))?;
    let stored = store
        .conversion("prog-1", "A1")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        stored.attribution.click_id,
        Some(clicked.click_id.clone()),
        "a click id needs no window"
    );
    assert_eq!(stored.attribution.method, Some(AttributionMethod::ClickId));
    let by_visitor = [
        ("order_id", "A2"),
        ("amount", "10"),
        ("visitor_id", id.as_str()),
    ];
    store.upsert_conversion(&postback(&by_visitor), currency("PLN"), day(1))?;
    let stored = store
        .conversion("prog-1", "A2")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(stored.attribution.click_id, Some(clicked.click_id));
    Ok(())
}

pub(crate) fn a_sale_without_click_id_is_attributed_by_sub_id_in_the_window(
    store: &impl Store,
) -> StoreResult<()> {
    let old = click("o1", day(0), Some("nl"))?;
    let latest = click("o2", day(20), Some("nl"))?;
    let after_sale = click("o3", day(26), Some("nl"))?;
    for c in [&old, &latest, &after_sale] {
        store.record_click(c)?;
    }
    let unknown_id = "0".repeat(32);
    let fields = [
        ("order_id", "B1"),
        ("amount", "10"),
        ("sub_id", "nl"),
        ("click_id", unknown_id.as_str()),
    ];
    store.upsert_conversion(&postback(&fields), currency("PLN"), day(25))?;
    let stored = store
        .conversion("prog-1", "B1")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        stored.attribution.click_id,
        Some(latest.click_id),
        "the latest click before the sale"
    );
    assert_eq!(
        stored.attribution.method,
        Some(AttributionMethod::SubIdWindow)
    );
    let late = [("order_id", "B2"), ("amount", "10"), ("sub_id", "nl")];
    store.upsert_conversion(
        &postback(&late),
        currency("PLN"),
        day(26) + Duration::days(30) + Duration::seconds(1),
    )?;
    let stored = store
        .conversion("prog-1", "B2")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        stored.attribution.click_id, None,
        "30 days and a second after the last click is too late"
    );
    Ok(())
}

pub(crate) fn an_unattributable_sale_is_kept_and_listed(store: &impl Store) -> StoreResult<()> {
    store.record_click(&click("o1", day(0), Some("nl"))?)?;
    let receipt = store.upsert_conversion(
        &postback(&[("order_id", "C1"), ("amount", "10"), ("sub_id", "de")]),
        currency("PLN"),
        day(1),
    )?;
    let mut foreign = transaction("T9", ConversionStatus::Pending, "1.00");
    foreign.sub_ids[0] = Some("xx".into());
    store.upsert_transaction(&foreign, day(3))?;
    store.upsert_transaction(
        &transaction("T8", ConversionStatus::Pending, "1.00"),
        day(3),
    )?;
    let listed = store.unattributed(TimeRange::between(day(0), day(10)))?;
    let conversion = UnattributedSale::Conversion {
        conversion_id: receipt.conversion_id,
        program_id: "prog-1".into(),
        order_id: "C1".into(),
    };
    let transaction = UnattributedSale::Transaction {
        network: Network::Partnerboost,
        transaction_id: "T9".into(),
    };
    assert_eq!(
        listed,
        [conversion, transaction],
        "T8's sub-id nl was clicked in the window"
    );
    Ok(())
}

pub(crate) fn a_transaction_is_attributed_by_its_click_ref(store: &impl Store) -> StoreResult<()> {
    let clicked = click("o1", day(1), None)?;
    store.record_click(&clicked)?;
    let mut reported = transaction("T3", ConversionStatus::Approved, "2.00");
    reported.sub_ids[0] = None;
    reported.click_ref = Some(clicked.click_id.to_string());
    store.upsert_transaction(&reported, day(3))?;
    let stored = store
        .transaction(Network::Partnerboost, "T3")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(stored.attribution.click_id, Some(clicked.click_id));
    assert!(store.unattributed(TimeRange::all())?.is_empty());
    Ok(())
}
