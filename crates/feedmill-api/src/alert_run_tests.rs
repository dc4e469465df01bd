//! Alert runs beside each other and on a budget: a delivery another run holds is skipped,
//! one drop is POSTed once by two evaluators racing on one store, a run out of its budget
//! leaves the delivery pending for the next, and a run is dated by its clock.

use crate::alert_tests::{Callback, Fixture, create, fast_retry, fixture};
use crate::alerts::{AlertEvaluator, CallbackPolicy, DeliveryBudget};
use crate::history_tests::SHOE_GTIN;
use crate::wall_clock::WallClock;
use axum::http::StatusCode;
use chrono::{TimeZone, Utc};
use feedmill_store::{AlertStore, DeliveryClaim, DeliveryState};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn evaluator(f: &Fixture, max_attempts: u32) -> AlertEvaluator {
    let policy = CallbackPolicy {
        allow_private: true,
    };
    AlertEvaluator::new(f.index.clone(), f.store.clone(), policy)
        .with_retry(fast_retry(max_attempts))
}

async fn shoe_alert(f: &Fixture, url: &str) {
    let body = json!({"gtin": SHOE_GTIN, "below": "700", "currency": "SEK", "callback_url": url});
    let (status, created) = create(f, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}

fn only_delivery(f: &Fixture) -> feedmill_store::AlertDelivery {
    let alerts = f.store.alerts().unwrap_or_default();
    let mut deliveries = f.store.deliveries(&alerts[0].alert_id).unwrap_or_default();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    deliveries.remove(0)
}

#[tokio::test]
async fn a_delivery_another_run_holds_is_left_to_it() {
    let f = fixture(true);
    let (callback, url) = Callback::start(&[]).await;
    shoe_alert(&f, &url).await;
    let evaluator = Arc::new(evaluator(&f, 5));
    let (stats, dropped) = evaluator
        .evaluate(Utc::now())
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!((stats.num_dropped, dropped.len()), (1, 1));
    let held = DeliveryClaim::random(Utc::now() + chrono::Duration::minutes(5))
        .unwrap_or_else(|err| panic!("{err}"));
    let claimed = f
        .store
        .claim_delivery(&dropped[0].delivery_id, &held, Utc::now())
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(claimed.is_some());
    let stats = evaluator
        .deliver_pending()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        (stats.num_delivered, stats.num_pending),
        (0, 0),
        "{stats:?}"
    );
    assert!(callback.received().is_empty(), "held by the other run");
    let released = f
        .store
        .release_delivery(&dropped[0].delivery_id, &held.token);
    assert!(released.unwrap_or(false));
    let stats = evaluator
        .deliver_pending()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(stats.num_delivered, 1, "{stats:?}");
    assert_eq!(callback.received().len(), 1);
}

#[tokio::test]
async fn two_evaluators_on_one_store_post_a_drop_once() {
    let f = fixture(true);
    let (callback, url) = Callback::start(&[]).await;
    shoe_alert(&f, &url).await;
    let (a, b) = (Arc::new(evaluator(&f, 5)), Arc::new(evaluator(&f, 5)));
    let (ran_a, ran_b) = tokio::join!(a.run_once(), b.run_once());
    let (ran_a, ran_b) = (
        ran_a.unwrap_or_else(|err| panic!("{err}")),
        ran_b.unwrap_or_else(|err| panic!("{err}")),
    );
    assert_eq!(ran_a.num_dropped + ran_b.num_dropped, 1);
    assert_eq!(ran_a.num_delivered + ran_b.num_delivered, 1);
    assert_eq!(callback.received().len(), 1, "one POST for one drop");
}

#[tokio::test]
async fn a_run_out_of_budget_leaves_the_delivery_to_the_next() {
    let f = fixture(true);
    let (callback, url) = Callback::start(&[500, 500, 500]).await;
    shoe_alert(&f, &url).await;
    let budget = DeliveryBudget {
        attempts_per_run: 2,
        within: Some(Duration::from_secs(20)),
    };
    let bounded = Arc::new(evaluator(&f, 5).with_budget(budget));
    let stats = bounded
        .run_once()
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!((stats.num_dropped, stats.num_pending), (1, 1), "{stats:?}");
    let left = only_delivery(&f);
    assert_eq!((left.state, left.attempts), (DeliveryState::Pending, 2));
    let next = Arc::new(evaluator(&f, 5));
    let stats = next.run_once().await.unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(
        (stats.num_dropped, stats.num_delivered),
        (0, 1),
        "{stats:?}"
    );
    let done = only_delivery(&f);
    assert_eq!((done.state, done.attempts), (DeliveryState::Delivered, 4));
    assert_eq!(callback.received().len(), 4);
    let no_time = DeliveryBudget {
        attempts_per_run: 5,
        within: Some(Duration::ZERO),
    };
    let stats = evaluator(&f, 5)
        .with_budget(no_time)
        .deliver_pending()
        .await;
    assert_eq!(stats.map(|s| s.num_pending).ok(), Some(0), "nothing left");
}

#[tokio::test]
async fn a_run_is_dated_by_its_clock() {
    let f = fixture(true);
    let (callback, url) = Callback::start(&[]).await;
    shoe_alert(&f, &url).await;
    let then = Utc
        .with_ymd_and_hms(2025, 6, 1, 8, 0, 0)
        .single()
        .unwrap_or_default();
    let dated = Arc::new(evaluator(&f, 5).with_clock(WallClock::fixed_at(then)));
    let stats = dated.run_once().await.unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(stats.num_delivered, 1, "{stats:?}");
    let delivery = only_delivery(&f);
    assert_eq!(
        (delivery.created_at, delivery.delivered_at),
        (then, Some(then))
    );
    let alerts = f.store.alerts().unwrap_or_default();
    assert_eq!(alerts[0].evaluated_at, Some(then));
    let body: serde_json::Value =
        serde_json::from_slice(&callback.received()[0].body).unwrap_or_default();
    assert_eq!(body["dropped_at"], "2025-06-01T08:00:00Z");
}
