//! Suite: conversion postbacks.

use super::{currency, day, dec};
use crate::conversion::{ConversionInput, ConversionStatus};
use crate::error::{StoreError, StoreResult};
use crate::postback::validate_postback;
use crate::store::Store;

pub(crate) fn postback(fields: &[(&str, &str)]) -> ConversionInput {
    match validate_postback("prog-1", fields.iter().copied()) {
        Ok(valid) => valid.conversion,
        Err(err) => panic!("test postback is invalid: {err}"),
    }
}

pub(crate) fn a_postback_again_updates_the_same_conversion(store: &impl Store) -> StoreResult<()> {
    let pln = currency("PLN");
    let first = store.upsert_conversion(
        &postback(&[("order_id", "ORD-1"), ("amount", "99.99"), ("sub_id", "nl")]),
        pln,
        day(0),
    )?;
    assert!(first.created);
    assert_eq!(first.status, ConversionStatus::Pending);
    let again = store.upsert_conversion(
        &postback(&[("order_id", "ORD-1"), ("amount", "120.00")]),
        pln,
        day(1),
    )?;
    assert_eq!(
        again.conversion_id, first.conversion_id,
        "never a second conversion"
    );
    assert!(!again.created);
    let other_program = store.upsert_conversion(
        &ConversionInput {
            program_id: "prog-2".into(),
            ..postback(&[("order_id", "ORD-1"), ("amount", "1")])
        },
        pln,
        day(1),
    )?;
    assert_ne!(other_program.conversion_id, first.conversion_id);
    let stored = store
        .conversion("prog-1", "ORD-1")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(stored.amount, Some(dec("120.00")));
    assert_eq!(stored.sale_amount, dec("120.00"));
    assert_eq!(
        stored.sub_id.as_deref(),
        Some("nl"),
        "an identity left out is kept"
    );
    assert_eq!((stored.received_at, stored.updated_at), (day(0), day(1)));
    assert_eq!(store.conversion_history(&first.conversion_id)?.len(), 1);
    Ok(())
}

pub(crate) fn amounts_stay_exact_with_their_currency(store: &impl Store) -> StoreResult<()> {
    let fields = [
        ("order_id", "ORD-2"),
        ("gross_amount", "246.00"),
        ("net_amount", "200.00"),
        ("items_amount", "220.00"),
        ("shipping_amount", "20.00"),
        ("discount_amount", "10.00"),
        ("tax_amount", "46.00"),
        ("refunded_amount", "0.01"),
        ("currency", "SEK"),
        ("click_id", "not-ours"),
        ("customer_id_hash", "9f86d0"),
        ("order_status", "completed"),
        ("payment_status", "paid"),
        ("order_time", "2026-01-03T10:00:00+01:00"),
        ("quantity", "2"),
    ];
    store.upsert_conversion(&postback(&fields), currency("PLN"), day(5))?;
    let stored = store
        .conversion("prog-1", "ORD-2")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(stored.currency, currency("SEK"));
    assert_eq!(
        stored.gross_amount.map(|a| a.to_string()).as_deref(),
        Some("246.00")
    );
    assert_eq!(stored.sale_amount, dec("246.00"), "gross first");
    assert_eq!(stored.refunded_amount, Some(dec("0.01")));
    assert_eq!(stored.tax_amount, Some(dec("46.00")));
    assert_eq!(stored.order_status.as_deref(), Some("completed"));
    assert_eq!(stored.payment_status.as_deref(), Some("paid"));
    assert_eq!(stored.customer_id_hash.as_deref(), Some("9f86d0"));
    assert_eq!(stored.quantity, Some(2));
    assert_eq!(stored.time().to_rfc3339(), "2026-01-03T09:00:00+00:00");
    let defaulted = store.upsert_conversion(
        &postback(&[("order_id", "ORD-3"), ("amount", "5")]),
        currency("PLN"),
        day(5),
    )?;
    let stored = store
        .conversion("prog-1", "ORD-3")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        (stored.conversion_id, stored.currency),
        (defaulted.conversion_id, currency("PLN"))
    );
    Ok(())
}

pub(crate) fn order_status_moves_the_status_and_history_keeps_it(
    store: &impl Store,
) -> StoreResult<()> {
    let pln = currency("PLN");
    let order = |extra: (&'static str, &'static str)| {
        postback(&[("order_id", "ORD-9"), ("amount", "10"), extra])
    };
    let created = store.upsert_conversion(&order(("order_status", "processing")), pln, day(0))?;
    store.upsert_conversion(&order(("status", "approved")), pln, day(3))?;
    let kept = store.upsert_conversion(&order(("order_status", "completed")), pln, day(4))?;
    assert_eq!(
        kept.status,
        ConversionStatus::Approved,
        "an order state that says nothing keeps the status"
    );
    let refunded = store.upsert_conversion(&order(("order_status", "refunded")), pln, day(9))?;
    assert_eq!(refunded.status, ConversionStatus::Reversed);
    let history = store.conversion_history(&created.conversion_id)?;
    let statuses: Vec<_> = history.iter().map(|h| (h.status, h.time)).collect();
    assert_eq!(
        statuses,
        [
            (ConversionStatus::Pending, day(0)),
            (ConversionStatus::Approved, day(3)),
            (ConversionStatus::Reversed, day(9))
        ]
    );
    Ok(())
}

pub(crate) fn an_amount_the_store_cannot_hold_changes_nothing(
    store: &impl Store,
) -> StoreResult<()> {
    let pln = currency("PLN");
    let created = store.upsert_conversion(
        &postback(&[("order_id", "ORD-5"), ("amount", "10.00")]),
        pln,
        day(0),
    )?;
    let mut bad = postback(&[("order_id", "ORD-5"), ("amount", "10.00")]);
    bad.commission_amount = Some(dec("0.000001"));
    let err = store.upsert_conversion(&bad, pln, day(1));
    assert!(
        matches!(&err, Err(e @ StoreError::Amount { field: "commission_amount", .. }) if e.is_user_error())
    );
    let stored = store
        .conversion("prog-1", "ORD-5")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        (stored.conversion_id, stored.updated_at),
        (created.conversion_id, day(0))
    );
    Ok(())
}

pub(crate) fn the_integration_context_is_stored_and_kept_on_updates(
    store: &impl Store,
) -> StoreResult<()> {
    let pln = currency("PLN");
    let first = [
        ("order_id", "ORD-7"),
        ("amount", "50.00"),
        ("customer_id", "cust-881"),
        ("consent_mode", "merchant_consent_required"),
        ("integration_mode", "plugin"),
        ("source", "woocommerce"),
    ];
    let created = store.upsert_conversion(&postback(&first), pln, day(0))?;
    let context = |order: &str| -> StoreResult<[Option<String>; 4]> {
        let stored = store
            .conversion("prog-1", order)?
            .ok_or(StoreError::WriterStopped)?;
        Ok([
            stored.customer_id,
            stored.consent_mode,
            stored.integration_mode,
            stored.source,
        ])
    };
    let some = |values: [&str; 4]| values.map(|v| Some(v.to_owned()));
    let posted = some([
        "cust-881",
        "merchant_consent_required",
        "plugin",
        "woocommerce",
    ]);
    assert_eq!(context("ORD-7")?, posted);
    // The same order again without the context (a status webhook) keeps it ...
    let again = [
        ("order_id", "ORD-7"),
        ("amount", "50.00"),
        ("status", "approved"),
    ];
    let updated = store.upsert_conversion(&postback(&again), pln, day(1))?;
    assert_eq!(updated.conversion_id, created.conversion_id);
    assert_eq!(context("ORD-7")?, posted);
    // ... and with a new one takes it.
    let moved = [
        ("order_id", "ORD-7"),
        ("amount", "50.00"),
        ("consent_mode", "server_side_required"),
        ("integration_mode", "webhook"),
    ];
    store.upsert_conversion(&postback(&moved), pln, day(2))?;
    let expected = some(["cust-881", "server_side_required", "webhook", "woocommerce"]);
    assert_eq!(context("ORD-7")?, expected);
    Ok(())
}
