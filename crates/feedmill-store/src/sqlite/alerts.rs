//! Price alerts in SQLite: the `alerts` and `alert_deliveries` tables (migration
//! [`SCHEMA_ALERTS`]) and [`AlertStore`] on them.
//!
//! The evaluation is one compare-and-set inside one write: `is_below` moves from "not below"
//! (0 or NULL) to 1 and the delivery row is inserted only when that update changed a row, so
//! two evaluations of the same drop — even from two processes — create one delivery between
//! them. An attempt updates a delivery only while it is `pending` and claimed by the run that
//! makes it (`alert_claims.rs`).

use super::SqliteStore;
use super::alert_claims;
use super::alert_rows::{DELIVERY_COLUMNS, deliveries_of, delivery};
use super::rows;
use crate::alert::{
    Alert, AlertDelivery, AlertId, AlertTarget, AttemptOutcome, DeliveryClaim, LowestPrice,
    NewAlert, random_delivery_id, random_secret,
};
use crate::alert_store::AlertStore;
use crate::error::{StoreError, StoreResult};
use crate::stored::{money_to_stored, time_to_stored};
use chrono::{DateTime, Utc};
use feedmill_model::Gtin;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Alerts and their deliveries.
pub(crate) const SCHEMA_ALERTS: &str = "
CREATE TABLE alerts (
    alert_id      TEXT PRIMARY KEY,
    offer_id      TEXT,
    gtin          TEXT,
    below         INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    callback_url  TEXT NOT NULL,
    secret        TEXT NOT NULL,
    created_us    INTEGER NOT NULL,
    is_below      INTEGER,
    evaluated_us  INTEGER,
    CHECK ((offer_id IS NULL) <> (gtin IS NULL))
);

CREATE TABLE alert_deliveries (
    delivery_id      TEXT PRIMARY KEY,
    alert_id         TEXT NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
    created_us       INTEGER NOT NULL,
    price            INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    offer_id         TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    last_error       TEXT,
    last_attempt_us  INTEGER,
    delivered_us     INTEGER
);
CREATE INDEX alert_deliveries_by_alert ON alert_deliveries (alert_id, created_us);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (created_us) WHERE state = 'pending';
";

const ALERT_COLUMNS: &str = "alert_id, offer_id, gtin, below, currency, callback_url, secret, \
     created_us, is_below, evaluated_us";

impl AlertStore for SqliteStore {
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
        self.write(move |connection| insert_alert(connection, &row, below))?;
        Ok(stored)
    }

    fn alert(&self, alert_id: &AlertId) -> StoreResult<Option<Alert>> {
        self.read(|connection| {
            let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE alert_id = ?1");
            let mut statement = connection.prepare_cached(&sql)?;
            let mut found = statement.query([alert_id.as_str()])?;
            found.next()?.map(alert_from_row).transpose()
        })
    }

    fn delete_alert(&self, alert_id: &AlertId) -> StoreResult<bool> {
        let alert_id = alert_id.as_str().to_owned();
        self.write(move |connection| {
            let deleted =
                connection.execute("DELETE FROM alerts WHERE alert_id = ?1", [alert_id])?;
            Ok(deleted > 0)
        })
    }

    fn alerts(&self) -> StoreResult<Vec<Alert>> {
        self.read(|connection| {
            let sql = format!("SELECT {ALERT_COLUMNS} FROM alerts ORDER BY created_us, alert_id");
            let mut statement = connection.prepare_cached(&sql)?;
            let mut found = statement.query([])?;
            let mut alerts = Vec::new();
            while let Some(row) = found.next()? {
                alerts.push(alert_from_row(row)?);
            }
            Ok(alerts)
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
        let alert_id = alert_id.clone();
        let delivery_id = random_delivery_id()?;
        let now_us = time_to_stored(now);
        self.write(move |connection| {
            evaluate(connection, &alert_id, lowest, now_us, &delivery_id)?;
            delivery(connection, &delivery_id)
        })
    }

    fn pending_deliveries(&self) -> StoreResult<Vec<AlertDelivery>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM alert_deliveries WHERE state = 'pending' \
                 ORDER BY created_us, delivery_id"
            );
            deliveries_of(connection, &sql, [])
        })
    }

    fn deliveries(&self, alert_id: &AlertId) -> StoreResult<Vec<AlertDelivery>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {DELIVERY_COLUMNS} FROM alert_deliveries WHERE alert_id = ?1 \
                 ORDER BY created_us, delivery_id"
            );
            deliveries_of(connection, &sql, [alert_id.as_str()])
        })
    }

    fn claim_delivery(
        &self,
        delivery_id: &str,
        claim: &DeliveryClaim,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AlertDelivery>> {
        let (delivery_id, claim) = (delivery_id.to_owned(), claim.clone());
        self.write(move |connection| alert_claims::claim(connection, &delivery_id, &claim, now))
    }

    fn release_delivery(&self, delivery_id: &str, token: &str) -> StoreResult<bool> {
        let (delivery_id, token) = (delivery_id.to_owned(), token.to_owned());
        self.write(move |connection| alert_claims::release(connection, &delivery_id, &token))
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
        self.write(move |connection| {
            alert_claims::record_attempt(connection, &delivery_id, &claim, &outcome, now)
        })
    }
}

/// A GTIN target in its 14-digit form, as it is stored and compared.
fn normalized_target(target: &AlertTarget) -> AlertTarget {
    match target {
        AlertTarget::Gtin(gtin) => {
            AlertTarget::Gtin(Gtin::parse(&gtin.as_gtin14()).unwrap_or_else(|_| gtin.clone()))
        }
        offer => offer.clone(),
    }
}

fn insert_alert(connection: &Connection, alert: &Alert, below: i64) -> StoreResult<()> {
    let (offer_id, gtin) = match &alert.target {
        AlertTarget::Offer(offer_id) => (Some(offer_id.clone()), None),
        AlertTarget::Gtin(gtin) => (None, Some(gtin.as_gtin14())),
    };
    connection.execute(
        "INSERT INTO alerts (alert_id, offer_id, gtin, below, currency, callback_url, secret, \
         created_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            alert.alert_id.as_str(),
            offer_id,
            gtin,
            below,
            alert.currency.code(),
            alert.callback_url,
            alert.secret,
            time_to_stored(alert.created_at),
        ],
    )?;
    Ok(())
}

/// The compare-and-set of the module doc; inserts the delivery `delivery_id` on a new drop.
fn evaluate(
    connection: &Connection,
    alert_id: &AlertId,
    lowest: Option<(i64, String)>,
    now_us: i64,
    delivery_id: &str,
) -> StoreResult<()> {
    let below: Option<(i64, String)> = connection
        .query_row(
            "SELECT below, currency FROM alerts WHERE alert_id = ?1",
            [alert_id.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((threshold, currency)) = below else {
        return Ok(());
    };
    let is_below = lowest.as_ref().is_some_and(|(price, _)| *price < threshold);
    let changed = connection.execute(
        "UPDATE alerts SET is_below = ?2 \
         WHERE alert_id = ?1 AND (is_below IS NULL OR is_below <> ?2)",
        params![alert_id.as_str(), is_below],
    )? > 0;
    let dropped = changed && is_below;
    connection.execute(
        "UPDATE alerts SET evaluated_us = ?2 WHERE alert_id = ?1",
        params![alert_id.as_str(), now_us],
    )?;
    if let (true, Some((price, offer_id))) = (dropped, lowest) {
        connection.execute(
            "INSERT INTO alert_deliveries (delivery_id, alert_id, created_us, price, currency, \
             offer_id, state, attempts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0)",
            params![
                delivery_id,
                alert_id.as_str(),
                now_us,
                price,
                currency,
                offer_id
            ],
        )?;
    }
    Ok(())
}

fn alert_from_row(row: &Row<'_>) -> StoreResult<Alert> {
    let offer_id: Option<String> = row.get("offer_id")?;
    let gtin: Option<String> = row.get("gtin")?;
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
        alert_id: AlertId(row.get("alert_id")?),
        target,
        below: rows::money(row, "below")?,
        currency: rows::currency(row, "currency")?,
        callback_url: row.get("callback_url")?,
        secret: row.get("secret")?,
        created_at: rows::time(row, "created_us")?,
        is_below: row.get("is_below")?,
        evaluated_at: rows::optional_time(row, "evaluated_us")?,
    })
}
