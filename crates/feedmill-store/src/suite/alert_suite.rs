//! Suite: price alerts — storing, one delivery per drop, re-arming, attempts and deletion.

use super::{currency, day, dec};
use crate::alert::{
    AlertTarget, AttemptOutcome, DeliveryClaim, DeliveryState, LowestPrice, NewAlert,
};
use crate::error::{StoreError, StoreResult};
use crate::store::Store;
use feedmill_model::Gtin;

fn offer_alert(below: &str) -> NewAlert {
    NewAlert {
        target: AlertTarget::Offer("shop:a".into()),
        below: dec(below),
        currency: currency("EUR"),
        callback_url: "https://hooks.example/price".into(),
    }
}

fn gtin(text: &str) -> Gtin {
    Gtin::parse(text).unwrap_or_else(|_| panic!("bad test gtin {text}"))
}

fn lowest(price: &str) -> LowestPrice {
    LowestPrice {
        price: dec(price),
        offer_id: "shop:a".into(),
    }
}

pub(crate) fn an_alert_keeps_its_fields_and_a_secret_of_its_own(
    store: &impl Store,
) -> StoreResult<()> {
    let gtin = gtin("4006381333931");
    let by_gtin = NewAlert {
        target: AlertTarget::Gtin(gtin.clone()),
        ..offer_alert("79.00")
    };
    let first = store.create_alert(&by_gtin, day(0))?;
    let second = store.create_alert(&offer_alert("10.5"), day(1))?;
    assert_ne!(first.alert_id, second.alert_id);
    assert_ne!(first.secret, second.secret);
    assert_eq!(first.secret.len(), 64);
    let stored = store.alert(&first.alert_id)?;
    assert_eq!(stored.as_ref(), Some(&first));
    assert_eq!(
        stored.map(|a| a.target),
        Some(first.target.clone()),
        "a gtin is kept in its 14-digit form"
    );
    assert_eq!(
        first.target,
        AlertTarget::Gtin(self::gtin("04006381333931"))
    );
    assert_eq!(
        store.alert(&second.alert_id)?.map(|a| a.below),
        Some(dec("10.50"))
    );
    let all: Vec<_> = store.alerts()?.into_iter().map(|a| a.alert_id).collect();
    assert_eq!(all, [first.alert_id, second.alert_id]);
    Ok(())
}

pub(crate) fn a_drop_is_delivered_once_until_the_price_goes_back_above(
    store: &impl Store,
) -> StoreResult<()> {
    let alert = store.create_alert(&offer_alert("79.00"), day(0))?;
    let id = &alert.alert_id;
    assert_eq!(
        store.record_evaluation(id, Some(&lowest("85.00")), day(1))?,
        None
    );
    assert_eq!(
        store.record_evaluation(id, Some(&lowest("79.00")), day(2))?,
        None,
        "not below"
    );
    let drop = store.record_evaluation(id, Some(&lowest("78.99")), day(3))?;
    let drop = drop.ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        (drop.price, drop.state, drop.attempts),
        (dec("78.99"), DeliveryState::Pending, 0)
    );
    assert_eq!(drop.offer_id, "shop:a");
    assert_eq!(
        store.record_evaluation(id, Some(&lowest("70.00")), day(4))?,
        None,
        "same drop"
    );
    assert_eq!(
        store.record_evaluation(id, Some(&lowest("78.00")), day(5))?,
        None,
        "same drop"
    );
    assert_eq!(store.alert(id)?.and_then(|a| a.is_below), Some(true));
    assert_eq!(
        store.record_evaluation(id, None, day(6))?,
        None,
        "gone: re-armed"
    );
    let again = store.record_evaluation(id, Some(&lowest("75.00")), day(7))?;
    assert!(
        again.is_some(),
        "a new drop after the price went back above"
    );
    assert_eq!(store.deliveries(id)?.len(), 2);
    assert_eq!(store.pending_deliveries()?.len(), 2);
    assert_eq!(store.alert(id)?.and_then(|a| a.evaluated_at), Some(day(7)));
    Ok(())
}

pub(crate) fn an_alert_below_at_its_first_evaluation_fires(store: &impl Store) -> StoreResult<()> {
    let alert = store.create_alert(&offer_alert("79.00"), day(0))?;
    let first = store.record_evaluation(&alert.alert_id, Some(&lowest("50")), day(1))?;
    assert!(first.is_some());
    Ok(())
}

/// A new drop of a fresh alert, claimed until `day(10)`.
fn claimed_drop(store: &impl Store) -> StoreResult<(String, DeliveryClaim)> {
    let alert = store.create_alert(&offer_alert("79.00"), day(0))?;
    let drop = store.record_evaluation(&alert.alert_id, Some(&lowest("1")), day(1))?;
    let id = drop.ok_or(StoreError::WriterStopped)?.delivery_id;
    let claim = DeliveryClaim::random(day(10))?;
    store
        .claim_delivery(&id, &claim, day(1))?
        .ok_or(StoreError::WriterStopped)?;
    Ok((id, claim))
}

pub(crate) fn an_attempt_moves_only_a_pending_delivery(store: &impl Store) -> StoreResult<()> {
    let (id, claim) = claimed_drop(store)?;
    let retry = AttemptOutcome::Retry {
        error: "http 500".into(),
    };
    let tried = store.record_attempt(&id, &claim, &retry, day(2))?;
    let tried = tried.ok_or(StoreError::WriterStopped)?;
    assert_eq!((tried.state, tried.attempts), (DeliveryState::Pending, 1));
    assert_eq!(tried.last_error.as_deref(), Some("http 500"));
    let done = store.record_attempt(&id, &claim, &AttemptOutcome::Delivered, day(3))?;
    let done = done.ok_or(StoreError::WriterStopped)?;
    assert_eq!((done.state, done.attempts), (DeliveryState::Delivered, 2));
    assert_eq!(done.delivered_at, Some(day(3)));
    assert_eq!(
        store.record_attempt(&id, &claim, &AttemptOutcome::Delivered, day(4))?,
        None
    );
    assert!(store.pending_deliveries()?.is_empty());
    let (id, claim) = claimed_drop(store)?;
    let failed = AttemptOutcome::Failed {
        error: "refused".into(),
    };
    let failed = store.record_attempt(&id, &claim, &failed, day(2))?;
    assert_eq!(failed.map(|d| d.state), Some(DeliveryState::Failed));
    Ok(())
}

pub(crate) fn a_claimed_delivery_is_tried_by_its_claim_alone(
    store: &impl Store,
) -> StoreResult<()> {
    let (id, mine) = claimed_drop(store)?;
    let other = DeliveryClaim::random(day(20))?;
    assert_eq!(store.claim_delivery(&id, &other, day(2))?, None, "held");
    let retry = AttemptOutcome::Retry {
        error: "timeout".into(),
    };
    assert_eq!(store.record_attempt(&id, &other, &retry, day(2))?, None);
    let tried = store.record_attempt(&id, &mine.renewed(day(12)), &retry, day(2))?;
    assert_eq!(tried.map(|d| d.attempts), Some(1));
    assert_eq!(store.claim_delivery(&id, &other, day(11))?, None, "renewed");
    assert!(!store.release_delivery(&id, &other.token)?);
    assert!(store.release_delivery(&id, &mine.token)?);
    let taken = store.claim_delivery(&id, &other, day(3))?;
    assert_eq!(
        taken.map(|d| (d.state, d.attempts)),
        Some((DeliveryState::Pending, 1))
    );
    assert_eq!(
        store.record_attempt(&id, &mine, &retry, day(4))?,
        None,
        "lost"
    );
    let expired = DeliveryClaim::random(day(30))?;
    assert!(
        store.claim_delivery(&id, &expired, day(21))?.is_some(),
        "lease ran out"
    );
    assert_eq!(store.pending_deliveries()?.len(), 1);
    Ok(())
}

pub(crate) fn deleting_an_alert_deletes_its_deliveries(store: &impl Store) -> StoreResult<()> {
    let alert = store.create_alert(&offer_alert("79.00"), day(0))?;
    store.record_evaluation(&alert.alert_id, Some(&lowest("1")), day(1))?;
    assert!(store.delete_alert(&alert.alert_id)?);
    assert!(!store.delete_alert(&alert.alert_id)?);
    assert_eq!(store.alert(&alert.alert_id)?, None);
    assert!(store.pending_deliveries()?.is_empty());
    assert_eq!(
        store.record_evaluation(&alert.alert_id, Some(&lowest("1")), day(2))?,
        None
    );
    Ok(())
}

pub(crate) fn a_threshold_the_store_cannot_hold_is_refused(store: &impl Store) -> StoreResult<()> {
    let refused = store.create_alert(&offer_alert("1.00001"), day(0));
    assert!(matches!(
        refused,
        Err(StoreError::Amount { field: "below", .. })
    ));
    assert!(store.alerts()?.is_empty());
    Ok(())
}
