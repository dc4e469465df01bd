//! [`AlertEvaluator`]: after the offers changed, finds the alerts whose condition became true
//! and delivers each drop once.
//!
//! A run evaluates every alert against the search backend — the lowest current price of its
//! offer (or of its GTIN's offers) in its currency; out-of-stock offers do not count, since
//! nobody can buy at their price — and records each evaluation in the store, which creates a
//! delivery only for a new drop (see `feedmill_store::AlertStore::record_evaluation`). It then
//! delivers every pending delivery, new or left over from an earlier run or process, at most
//! [`MAX_CONCURRENT_DELIVERIES`] at a time, each claimed first so that evaluators in other
//! processes on the same store (a `feedmill ingest` beside `feedmill serve`) skip it. Its
//! "now" is a [`WallClock`] (the app's; tests and replays fix it), and a [`DeliveryBudget`]
//! bounds a run's deliveries for a command that must not hang. [`AlertEvaluator::spawn`] runs this in the
//! background, once at start and again after each [`AlertTrigger::nudge`]; nudges that come
//! during a run coalesce into one more run, and runs never overlap, so one process never
//! delivers the same delivery twice at once.

use super::AlertError;
use super::callback_url::CallbackPolicy;
use super::delivery::{DeliveryBudget, DeliveryRun, RetryPolicy, deliver};
use crate::wall_clock::WallClock;
use chrono::{DateTime, Utc};
use feedmill_model::{Availability, Offer};
use feedmill_search::SearchBackend;
use feedmill_store::{
    Alert, AlertDelivery, AlertId, AlertTarget, DeliveryState, LowestPrice, Store,
};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Notify;
use tokio::time::Instant;
use tracing::{info, warn};

/// Deliveries in flight at once: a slow callback delays no more than its own slot.
pub const MAX_CONCURRENT_DELIVERIES: usize = 8;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlertRunStats {
    pub num_evaluated: u64,
    /// Alerts that could not be evaluated (logged); the others were.
    pub num_errors: u64,
    /// New drops, each a new delivery.
    pub num_dropped: u64,
    pub num_delivered: u64,
    pub num_failed: u64,
    /// Deliveries this run tried, or had no time left to try, that are still pending.
    pub num_pending: u64,
}

/// See the module doc.
pub struct AlertEvaluator {
    index: Arc<dyn SearchBackend>,
    store: Arc<dyn Store>,
    policy: CallbackPolicy,
    retry: RetryPolicy,
    budget: DeliveryBudget,
    clock: WallClock,
}

/// Asks a spawned evaluator for another run.
#[derive(Clone, Debug)]
pub struct AlertTrigger {
    notify: Arc<Notify>,
}

impl AlertTrigger {
    pub(crate) fn new() -> AlertTrigger {
        AlertTrigger {
            notify: Arc::new(Notify::new()),
        }
    }

    pub fn nudge(&self) {
        self.notify.notify_one();
    }

    /// Waits for the next nudge (or takes one that came before).
    pub(crate) async fn nudged(&self) {
        self.notify.notified().await;
    }
}

/// The lowest price of `offers` in the alert's currency, out-of-stock offers left out; ties
/// go to the smaller offer id, so runs agree.
fn lowest_of(alert: &Alert, offers: &[Offer]) -> Option<LowestPrice> {
    offers
        .iter()
        .filter(|o| o.currency == alert.currency && o.availability != Availability::OutOfStock)
        .min_by(|a, b| a.price.cmp(&b.price).then_with(|| a.id.cmp(&b.id)))
        .map(|offer| LowestPrice {
            price: offer.price,
            offer_id: offer.id.clone(),
        })
}

impl AlertEvaluator {
    pub fn new(
        index: Arc<dyn SearchBackend>,
        store: Arc<dyn Store>,
        policy: CallbackPolicy,
    ) -> AlertEvaluator {
        AlertEvaluator {
            index,
            store,
            policy,
            retry: RetryPolicy::default(),
            budget: DeliveryBudget::UNBOUNDED,
            clock: WallClock::system(),
        }
    }

    /// The same evaluator bounding each run's deliveries (a command that must not hang).
    pub fn with_budget(mut self, budget: DeliveryBudget) -> AlertEvaluator {
        self.budget = budget;
        self
    }

    /// The same evaluator dating evaluations and attempts by `clock` (the app's, or a fixed
    /// `--now`).
    pub fn with_clock(mut self, clock: WallClock) -> AlertEvaluator {
        self.clock = clock;
        self
    }

    /// The same evaluator with another retry policy (tests retry within milliseconds).
    pub fn with_retry(mut self, retry: RetryPolicy) -> AlertEvaluator {
        self.retry = retry;
        self
    }

    /// The lowest current price of the alert's target in its currency.
    pub fn current_lowest(&self, alert: &Alert) -> Result<Option<LowestPrice>, AlertError> {
        let offers = match &alert.target {
            AlertTarget::Offer(offer_id) => self.index.get_offer(offer_id)?.into_iter().collect(),
            AlertTarget::Gtin(gtin) => self.index.offers_by_gtin(gtin.as_str())?,
        };
        Ok(lowest_of(alert, &offers))
    }

    /// Evaluates every alert at `now` (blocking: store and index work); returns the new
    /// deliveries, and the stats with `num_evaluated`, `num_errors` and `num_dropped` set.
    pub fn evaluate(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(AlertRunStats, Vec<AlertDelivery>), AlertError> {
        let mut stats = AlertRunStats::default();
        let mut dropped = Vec::new();
        for alert in self.store.alerts()? {
            let evaluated = self.current_lowest(&alert).and_then(|lowest| {
                Ok(self
                    .store
                    .record_evaluation(&alert.alert_id, lowest.as_ref(), now)?)
            });
            match evaluated {
                Ok(new_drop) => {
                    stats.num_evaluated += 1;
                    dropped.extend(new_drop);
                }
                Err(err) => {
                    stats.num_errors += 1;
                    warn!(alert_id = %alert.alert_id, error = %err, "alert not evaluated");
                }
            }
        }
        stats.num_dropped = dropped.len() as u64;
        Ok((stats, dropped))
    }

    /// Delivers every pending delivery no other run holds, within the budget; returns the
    /// stats with `num_delivered`, `num_failed` and `num_pending` set.
    pub async fn deliver_pending(&self) -> Result<AlertRunStats, AlertError> {
        let store = self.store.clone();
        let (pending, alerts) = tokio::task::spawn_blocking(move || {
            let alerts: HashMap<AlertId, Alert> = store
                .alerts()?
                .into_iter()
                .map(|alert| (alert.alert_id.clone(), alert))
                .collect();
            Ok::<_, AlertError>((store.pending_deliveries()?, alerts))
        })
        .await
        .map_err(|err| AlertError::Task(err.to_string()))??;
        let run = Arc::new(self.delivery_run());
        let mut attempts = Vec::with_capacity(pending.len());
        for delivery in pending {
            let Some(alert) = alerts.get(&delivery.alert_id).cloned() else {
                continue;
            };
            let run = run.clone();
            attempts.push(async move { deliver(&run, &alert, &delivery).await });
        }
        let mut outcomes =
            futures_util::stream::iter(attempts).buffer_unordered(MAX_CONCURRENT_DELIVERIES);
        let mut stats = AlertRunStats::default();
        while let Some(outcome) = outcomes.next().await {
            match outcome {
                Ok(Some(DeliveryState::Delivered)) => stats.num_delivered += 1,
                Ok(Some(DeliveryState::Failed)) => stats.num_failed += 1,
                Ok(Some(DeliveryState::Pending)) => stats.num_pending += 1,
                Ok(None) => {}
                Err(err) => warn!(error = %err, "alert delivery not recorded"),
            }
        }
        Ok(stats)
    }

    fn delivery_run(&self) -> DeliveryRun {
        DeliveryRun {
            store: self.store.clone(),
            policy: self.policy,
            retry: self.retry,
            budget: self.budget,
            deadline: (self.budget.within).and_then(|within| Instant::now().checked_add(within)),
            clock: self.clock.clone(),
        }
    }

    /// One run: evaluate (on the blocking pool), then deliver.
    pub async fn run_once(self: &Arc<Self>) -> Result<AlertRunStats, AlertError> {
        let evaluator = self.clone();
        let now = self.clock.now();
        let (stats, _) = tokio::task::spawn_blocking(move || evaluator.evaluate(now))
            .await
            .map_err(|err| AlertError::Task(err.to_string()))??;
        let delivered = self.deliver_pending().await?;
        Ok(AlertRunStats {
            num_delivered: delivered.num_delivered,
            num_failed: delivered.num_failed,
            num_pending: delivered.num_pending,
            ..stats
        })
    }

    /// Runs in the background on the current tokio runtime: once now, then after each nudge.
    pub fn spawn(self: Arc<Self>) -> AlertTrigger {
        let trigger = AlertTrigger::new();
        let nudged = trigger.clone();
        tokio::spawn(async move {
            loop {
                match self.run_once().await {
                    Ok(stats) if stats == AlertRunStats::default() => {}
                    Ok(stats) => info!(
                        num_evaluated = stats.num_evaluated,
                        num_dropped = stats.num_dropped,
                        num_delivered = stats.num_delivered,
                        num_failed = stats.num_failed,
                        num_pending = stats.num_pending,
                        num_errors = stats.num_errors,
                        "price alerts evaluated"
                    ),
                    Err(err) => warn!(error = %err, "price alerts not evaluated"),
                }
                nudged.nudged().await;
            }
        });
        trigger
    }
}

impl std::fmt::Debug for AlertEvaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertEvaluator")
            .field("policy", &self.policy)
            .field("retry", &self.retry)
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}
