//! Price alerts on Postgres: the `alerts` and `alert_deliveries` tables and [`AlertStore`] on
//! them, the SQLite store's compare-and-sets (`sqlite/alerts.rs`, `sqlite/alert_claims.rs`):
//! an evaluation inserts a delivery only when its update moved `is_below` to true, a claim
//! takes only a pending delivery no unexpired lease holds, an attempt is recorded only under
//! the claim that holds the delivery. Writes hold the store's write lock, so replicas see each
//! other's claims.

use super::{PostgresStore, rows};
use crate::alert::{
    Alert, AlertDelivery, AlertId, AlertTarget, AttemptOutcome, DeliveryClaim, DeliveryState,
    LowestPrice, NewAlert, random_delivery_id, random_secret,
};
use crate::alert_store::AlertStore;
use crate::error::{StoreError, StoreResult};
use crate::stored::{money_to_stored, time_to_stored};
use chrono::{DateTime, Utc};
use feedmill_model::Gtin;
use postgres::types::ToSql;
use postgres::{GenericClient, Row};

const ALERT_COLUMNS: &str = "alert_id, offer_id, gtin, below, currency, callback_url, secret, \
     created_us, is_below, evaluated_us";
const DELIVERY_COLUMNS: &str = "delivery_id, alert_id, created_us, price, currency, offer_id, \
     state, attempts, last_error, last_attempt_us, delivered_us";

impl AlertStore for PostgresStore {
    fn create_alert(&self, alert: &NewAlert, now: DateTime<Utc>) -> StoreResult<Alert> {
        let stored = Alert {
            alert_id: AlertId::random()?,
            target: normalized_target(&alert.target),
            below: alert.below,
            currency: alert.currency,
            callback_url: alert.callback_url.clone(),
            secret: random_secret()?,
            created_at: now,
            is_below: None,
            evaluated_at: None,
        };
        let below = money_to_stored("below", alert.below)?;
        let row = stored.clone();
        self.write(move |transaction| insert_alert(transaction, &row, below))?;
        Ok(stored)
    }

    fn alert(&self, alert_id: &AlertId) -> StoreResult<Option<Alert>> {
        let alert_id = alert_id.as_str().to_owned();
        self.read(move |transaction| {
            let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE alert_id = $1");
            let row = transaction.query_opt(&sql, &[&alert_id])?;
            row.as_ref().map(alert_from_row).transpose()
        })
    }

    fn delete_alert(&self, alert_id: &AlertId) -> StoreResult<bool> {
        let alert_id = alert_id.as_str().to_owned();
        self.write(move |transaction| {
            let deleted =
                transaction.execute("DELETE FROM alerts WHERE alert_id = $1", &[&alert_id])?;
            Ok(deleted > 0)
        })
    }

    fn alerts(&self) -> StoreResult<Vec<Alert>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {ALERT_COLUMNS} FROM alerts ORDER BY created_us, alert_id COLLATE \"C\""
            );
            transaction
                .query(&sql, &[])?
                .iter()
                .map(alert_from_row)
                .collect()
        })
    }

    fn record_evaluation(
        &self,
        alert_id: &AlertId,
        lowest: Option<&LowestPrice>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AlertDelivery>> {
        let lowest = lowest
            .map(|l| Ok::<_, StoreError>((money_to_stored("price", l.price)?, l.offer_id.clone())))
            .transpose()?;
        let alert_id = alert_id.as_str().to_owned();
        let delivery_id = random_delivery_id()?;
        let now_us = time_to_stored(now);
        self.write(move |transaction| {
            evaluate(transaction, &alert_id, lowest, now_us, &delivery_id)?;
            delivery(transaction, &delivery_id)
        })
    }

    fn pending_deliveries(&self) -> StoreResult<Vec<AlertDelivery>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM alert_deliveries WHERE state = 'pending' \
                 ORDER BY created_us, delivery_id COLLATE \"C\""
            );
            deliveries_of(transaction, &sql, &[])
        })
    }

    fn deliveries(&self, alert_id: &AlertId) -> StoreResult<Vec<AlertDelivery>> {
        let alert_id = alert_id.as_str().to_owned();
        self.read(move |transaction| {
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM alert_deliveries WHERE alert_id = $1 \
                 ORDER BY created_us, delivery_id COLLATE \"C\""
            );
            deliveries_of(transaction, &sql, &[&alert_id])
        })
    }

    fn claim_delivery(
        &self,
        delivery_id: &str,
        claim: &DeliveryClaim,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AlertDelivery>> {
        let (delivery_id, token) = (delivery_id.to_owned(), claim.token.clone());
        let (until_us, now_us) = (time_to_stored(claim.until), time_to_stored(now));
        self.write(move |transaction| {
            let claimed = transaction.execute(
                "UPDATE alert_deliveries SET claim_token = $2, claimed_until_us = $3 \
                 WHERE delivery_id = $1 AND state = 'pending' \
                 AND (claim_token IS NULL OR claim_token = $2 OR claimed_until_us <= $4)",
                &[&delivery_id, &token, &until_us, &now_us],
            )?;
            match claimed {
                0 => Ok(None),
                _ => delivery(transaction, &delivery_id),
            }
        })
    }

    fn release_delivery(&self, delivery_id: &str, token: &str) -> StoreResult<bool> {
        let (delivery_id, token) = (delivery_id.to_owned(), token.to_owned());
        self.write(move |transaction| {
            let released = transaction.execute(
                "UPDATE alert_deliveries SET claim_token = NULL, claimed_until_us = NULL \
                 WHERE delivery_id = $1 AND claim_token = $2 AND state = 'pending'",
                &[&delivery_id, &token],
            )?;
            Ok(released > 0)
        })
    }

    fn record_attempt(
        &self,
        delivery_id: &str,
        claim: &DeliveryClaim,
        outcome: &AttemptOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AlertDelivery>> {
        let (delivery_id, claim, outcome) =
            (delivery_id.to_owned(), claim.clone(), outcome.clone());
        let now_us = time_to_stored(now);
        self.write(move |transaction| {
            record_attempt(transaction, &delivery_id, &claim, &outcome, now_us)
        })
    }
}

fn record_attempt(
    client: &mut impl GenericClient,
    delivery_id: &str,
    claim: &DeliveryClaim,
    outcome: &AttemptOutcome,
    now_us: i64,
) -> StoreResult<Option<AlertDelivery>> {
    let (state, error) = match outcome {
        AttemptOutcome::Delivered => (DeliveryState::Delivered, None),
        AttemptOutcome::Retry { error } => (DeliveryState::Pending, Some(error.clone())),
        AttemptOutcome::Failed { error } => (DeliveryState::Failed, Some(error.clone())),
    };
    let delivered_us = (state == DeliveryState::Delivered).then_some(now_us);
    let (token, until_us) = match state {
        DeliveryState::Pending => (
            Some(claim.token.as_str()),
            Some(time_to_stored(claim.until)),
        ),
        _ => (None, None),
    };
    let updated = client.execute(
        "UPDATE alert_deliveries SET state = $2, attempts = attempts + 1, last_error = $3, \
         last_attempt_us = $4, delivered_us = $5, claim_token = $6, claimed_until_us = $7 \
         WHERE delivery_id = $1 AND state = 'pending' AND claim_token = $8",
        &[
            &delivery_id,
            &state.as_str(),
            &error,
            &now_us,
            &delivered_us,
            &token,
            &until_us,
            &claim.token,
        ],
    )?;
    match updated {
        0 => Ok(None),
        _ => delivery(client, delivery_id),
    }
}

fn normalized_target(target: &AlertTarget) -> AlertTarget {
    match target {
        AlertTarget::Gtin(gtin) => {
            AlertTarget::Gtin(Gtin::parse(&gtin.as_gtin14()).unwrap_or_else(|_| gtin.clone()))
        }
        offer => offer.clone(),
    }
}

fn insert_alert(client: &mut impl GenericClient, alert: &Alert, below: i64) -> StoreResult<()> {
    let (offer_id, gtin) = match &alert.target {
        AlertTarget::Offer(offer_id) => (Some(offer_id.clone()), None),
        AlertTarget::Gtin(gtin) => (None, Some(gtin.as_gtin14())),
    };
    client.execute(
        "INSERT INTO alerts (alert_id, offer_id, gtin, below, currency, callback_url, secret, \
         created_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &alert.alert_id.as_str(),
            &offer_id,
            &gtin,
            &below,
            &alert.currency.code(),
            &alert.callback_url,
            &alert.secret,
            &time_to_stored(alert.created_at),
        ],
    )?;
    Ok(())
}

fn evaluate(
    client: &mut impl GenericClient,
    alert_id: &str,
    lowest: Option<(i64, String)>,
    now_us: i64,
    delivery_id: &str,
) -> StoreResult<()> {
    let Some(row) = client.query_opt(
        "SELECT below, currency FROM alerts WHERE alert_id = $1",
        &[&alert_id],
    )?
    else {
        return Ok(());
    };
    let threshold: i64 = rows::get(&row, 0)?;
    let currency: String = rows::get(&row, 1)?;
    let is_below = lowest.as_ref().is_some_and(|(price, _)| *price < threshold);
    let changed = client.execute(
        "UPDATE alerts SET is_below = $2 \
         WHERE alert_id = $1 AND (is_below IS NULL OR is_below <> $2)",
        &[&alert_id, &is_below],
    )? > 0;
    client.execute(
        "UPDATE alerts SET evaluated_us = $2 WHERE alert_id = $1",
        &[&alert_id, &now_us],
    )?;
    if let (true, true, Some((price, offer_id))) = (changed, is_below, lowest) {
        client.execute(
            "INSERT INTO alert_deliveries (delivery_id, alert_id, created_us, price, currency, \
             offer_id, state, attempts) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0)",
            &[
                &delivery_id,
                &alert_id,
                &now_us,
                &price,
                &currency,
                &offer_id,
            ],
        )?;
    }
    Ok(())
}

fn delivery(
    client: &mut impl GenericClient,
    delivery_id: &str,
) -> StoreResult<Option<AlertDelivery>> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM alert_deliveries WHERE delivery_id = $1");
    Ok(deliveries_of(client, &sql, &[&delivery_id])?.pop())
}

fn deliveries_of(
    client: &mut impl GenericClient,
    sql: &str,
    arguments: &[&(dyn ToSql + Sync)],
) -> StoreResult<Vec<AlertDelivery>> {
    client
        .query(sql, arguments)?
        .iter()
        .map(delivery_from_row)
        .collect()
}

fn delivery_from_row(row: &Row) -> StoreResult<AlertDelivery> {
    let state: String = rows::get(row, "state")?;
    let state = DeliveryState::parse(&state).ok_or(StoreError::Corrupt {
        column: "state",
        value: state,
    })?;
    let attempts: i64 = rows::get(row, "attempts")?;
    Ok(AlertDelivery {
        delivery_id: rows::get(row, "delivery_id")?,
        alert_id: AlertId(rows::get(row, "alert_id")?),
        created_at: rows::time(row, "created_us")?,
        price: rows::money(row, "price")?,
        currency: rows::currency(row, "currency")?,
        offer_id: rows::get(row, "offer_id")?,
        state,
        attempts: u32::try_from(attempts).map_err(|_| rows::corrupt("attempts", attempts))?,
        last_error: rows::get(row, "last_error")?,
        last_attempt_at: rows::optional_time(row, "last_attempt_us")?,
        delivered_at: rows::optional_time(row, "delivered_us")?,
    })
}

fn alert_from_row(row: &Row) -> StoreResult<Alert> {
    let offer_id: Option<String> = rows::get(row, "offer_id")?;
    let gtin: Option<String> = rows::get(row, "gtin")?;
    let target = match (offer_id, gtin) {
        (Some(offer_id), None) => AlertTarget::Offer(offer_id),
        (None, Some(gtin)) => {
            AlertTarget::Gtin(Gtin::parse(&gtin).map_err(|_| StoreError::Corrupt {
                column: "gtin",
                value: gtin,
            })?)
        }
        _ => {
            return Err(StoreError::Corrupt {
                column: "offer_id",
                value: "an alert needs exactly one of offer_id and gtin".into(),
            });
        }
    };
    Ok(Alert {
        alert_id: AlertId(rows::get(row, "alert_id")?),
        target,
        below: rows::money(row, "below")?,
        currency: rows::currency(row, "currency")?,
        callback_url: rows::get(row, "callback_url")?,
        secret: rows::get(row, "secret")?,
        created_at: rows::time(row, "created_us")?,
        is_below: rows::get(row, "is_below")?,
        evaluated_at: rows::optional_time(row, "evaluated_us")?,
    })
}
