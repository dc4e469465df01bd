//! Price history in SQLite: change points, each offer's last known state, daily GTIN lows.
//!
//! `price_state` is the compact table a batch compares against (one row per offer ever seen);
//! `price_points` holds only changes; the daily GTIN lows (each merchant's lowest in-stock price
//! of a day, merged with `min` across the day's batches) are kept as runs by [`gtin_lows`]. The
//! market low of a day is the lowest of its merchants' lows.

use super::SqliteStore;
use super::gtin_lows;
use super::price_sources;
use super::rows;
use crate::error::{StoreError, StoreResult};
use crate::price_batch::{BatchParts, KnownOffers, KnownState, ObservedChange, PriceBatch};
use crate::price_history::{
    DailyLow, PointKind, PriceBatchStats, PricePoint, ThirtyDayLow, thirty_day_low,
};
use crate::price_summary::PriceSummary;
use crate::store::PriceHistoryStore;
use crate::stored::{day_of, money_from_stored, optional_money, time_from_stored, time_to_stored};
use chrono::{DateTime, Utc};
use feedmill_model::{Availability, Gtin};
use rusqlite::{Connection, Row, params};

impl PriceHistoryStore for SqliteStore {
    fn begin_price_batch(&self, source: &str, time: DateTime<Utc>) -> StoreResult<PriceBatch> {
        let mut batch = PriceBatch::new(source, time);
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT offer_id, price, old_price, currency, availability, listed, since_us, \
                 previous_price, history_days, lowest_30d, lowest_since_us \
                 FROM price_state WHERE source = ?1",
            )?;
            let mut found = statement.query([source])?;
            while let Some(row) = found.next()? {
                let offer_id = rows::borrowed_text(row, 0, "offer_id")?;
                batch.insert_known_with_summary(offer_id, known_state(row)?, summary(row)?);
            }
            Ok(())
        })?;
        Ok(batch)
    }

    fn finish_price_batch_keeping(
        &self,
        batch: PriceBatch,
    ) -> StoreResult<(PriceBatchStats, KnownOffers)> {
        self.write(move |connection| write_batch(connection, batch))
    }

    fn price_state_token(&self, source: &str) -> StoreResult<Option<i64>> {
        self.read(|connection| price_sources::read_state_token(connection, source))
    }

    fn price_history_content_hash(&self, source: &str) -> StoreResult<Option<String>> {
        self.read(|connection| price_sources::read_caught_up(connection, source))
    }

    fn price_points(
        &self,
        source: &str,
        offer_id: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<PricePoint>> {
        let since_us = time_to_stored(since);
        self.read(|connection| points_of(connection, source, offer_id, since_us))
    }

    /// All in one read transaction: one snapshot, and one lock of the database file, not one
    /// per offer.
    fn price_points_of_offers(
        &self,
        source: &str,
        offer_ids: &[&str],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<Vec<PricePoint>>> {
        let since_us = time_to_stored(since);
        self.read(|connection| {
            let snapshot = connection.unchecked_transaction()?;
            let points = offer_ids
                .iter()
                .map(|offer_id| points_of(&snapshot, source, offer_id, since_us))
                .collect();
            snapshot.finish()?;
            points
        })
    }

    fn thirty_day_low(&self, source: &str, offer_id: &str) -> StoreResult<Option<ThirtyDayLow>> {
        let points = self.price_points(source, offer_id, DateTime::<Utc>::MIN_UTC)?;
        Ok(thirty_day_low(&points))
    }

    fn gtin_daily_lows(&self, gtin: &Gtin, since: DateTime<Utc>) -> StoreResult<Vec<DailyLow>> {
        let first_day = day_of(time_to_stored(since));
        self.read(|connection| gtin_lows::read_daily_lows(connection, &gtin.as_gtin14(), first_day))
    }

    fn prune_price_history(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let cut_us = time_to_stored(before);
        self.write(move |connection| {
            let points = connection.execute(
                "DELETE FROM price_points WHERE time_us < ?1 AND EXISTS (SELECT 1 FROM \
                 price_points later WHERE later.source = price_points.source \
                 AND later.offer_id = price_points.offer_id \
                 AND later.time_us > price_points.time_us AND later.time_us <= ?1)",
                [cut_us],
            )?;
            let lows = gtin_lows::prune_lows(connection, day_of(cut_us))?;
            Ok(points as u64 + lows)
        })
    }
}

/// The change points of an offer from `since_us` on, with the point in effect then.
fn points_of(
    connection: &Connection,
    source: &str,
    offer_id: &str,
    since_us: i64,
) -> StoreResult<Vec<PricePoint>> {
    let mut statement = connection.prepare_cached(
        "SELECT * FROM price_points WHERE source = ?1 AND offer_id = ?2 AND time_us >= \
         coalesce((SELECT max(time_us) FROM price_points WHERE source = ?1 \
         AND offer_id = ?2 AND time_us <= ?3), ?3) ORDER BY time_us",
    )?;
    let mut found = statement.query(params![source, offer_id, since_us])?;
    let mut points = Vec::new();
    while let Some(row) = found.next()? {
        points.push(point_from_row(row)?);
    }
    Ok(points)
}

fn write_batch(
    connection: &Connection,
    batch: PriceBatch,
) -> StoreResult<(PriceBatchStats, KnownOffers)> {
    let time_us = time_to_stored(batch.time());
    let source = batch.source().to_owned();
    let content_hash = batch.content_hash().map(str::to_owned);
    let gone = gone_offers(connection, &batch)?;
    let BatchParts {
        changes,
        gtin_lows,
        summaries,
        mut stats,
        latest_lows,
        known,
    } = batch.into_parts();
    for change in &changes {
        write_change(connection, &source, time_us, change)?;
    }
    write_summaries(connection, &source, &summaries)?;
    let mut gap = connection.prepare_cached(
        "INSERT INTO price_points (source, offer_id, time_us, kind) VALUES (?1, ?2, ?3, 'gap') \
         ON CONFLICT (source, offer_id, time_us) DO UPDATE SET kind = 'gap', price = NULL, \
         old_price = NULL, currency = NULL, availability = NULL",
    )?;
    let mut unlist = connection
        .prepare_cached("UPDATE price_state SET listed = 0 WHERE source = ?1 AND offer_id = ?2")?;
    for offer_id in &gone {
        gap.execute(params![source, offer_id, time_us])?;
        unlist.execute(params![source, offer_id])?;
    }
    stats.num_disappeared = gone.len() as u64;
    let latest_lows =
        gtin_lows::write_lows(connection, &source, day_of(time_us), gtin_lows, latest_lows)?;
    if let Some(content_hash) = content_hash {
        price_sources::write_caught_up(connection, &source, &content_hash)?;
    }
    let token = price_sources::write_state_token(connection, &source)?;
    Ok((stats, known.written(token, latest_lows)))
}

/// Listed offers of the batch's source that the batch did not see.
fn gone_offers(connection: &Connection, batch: &PriceBatch) -> StoreResult<Vec<String>> {
    if !batch.has_gone() {
        return Ok(Vec::new());
    }
    let mut statement = connection
        .prepare_cached("SELECT offer_id FROM price_state WHERE source = ?1 AND listed = 1")?;
    let mut found = statement.query([batch.source()])?;
    let mut gone = Vec::new();
    while let Some(row) = found.next()? {
        let offer_id = rows::borrowed_text(row, 0, "offer_id")?;
        if batch.is_gone(offer_id) {
            gone.push(offer_id.to_owned());
        }
    }
    Ok(gone)
}

fn write_change(
    connection: &Connection,
    source: &str,
    time_us: i64,
    change: &ObservedChange,
) -> StoreResult<()> {
    let state = &change.state;
    let mut point = connection.prepare_cached(
        "INSERT INTO price_points \
         (source, offer_id, time_us, kind, price, old_price, currency, availability) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (source, offer_id, time_us) \
         DO UPDATE SET kind = excluded.kind, price = excluded.price, \
         old_price = excluded.old_price, currency = excluded.currency, \
         availability = excluded.availability",
    )?;
    point.execute(params![
        source,
        change.offer_id,
        time_us,
        change.kind.as_str(),
        state.price,
        state.old_price,
        state.currency.code(),
        state.availability.as_str(),
    ])?;
    let mut upsert = connection.prepare_cached(
        "INSERT INTO price_state (source, offer_id, price, old_price, currency, availability, listed) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT (source, offer_id) DO UPDATE SET \
         price = excluded.price, old_price = excluded.old_price, currency = excluded.currency, \
         availability = excluded.availability, listed = 1, since_us = NULL, \
         previous_price = NULL, history_days = NULL, lowest_30d = NULL, lowest_since_us = NULL",
    )?;
    upsert.execute(params![
        source,
        change.offer_id,
        state.price,
        state.old_price,
        state.currency.code(),
        state.availability.as_str(),
    ])?;
    Ok(())
}

/// Keeps each computed summary in its offer's state row (after the changes created the rows).
fn write_summaries(
    connection: &Connection,
    source: &str,
    summaries: &[(String, PriceSummary)],
) -> StoreResult<()> {
    let mut update = connection.prepare_cached(
        "UPDATE price_state SET since_us = ?3, previous_price = ?4, history_days = ?5, \
         lowest_30d = ?6, lowest_since_us = ?7 WHERE source = ?1 AND offer_id = ?2",
    )?;
    for (offer_id, summary) in summaries {
        update.execute(params![
            source,
            offer_id,
            time_to_stored(summary.current_since),
            optional_money("previous_price", summary.previous_price)?,
            summary.history_days,
            optional_money("lowest_30d", summary.lowest_30d)?,
            time_to_stored(summary.lowest_since),
        ])?;
    }
    Ok(())
}

/// The columns of a state row as `begin_price_batch` selects them, read by position: a batch
/// loads every row of its source, and looking columns up by name was most of that load.
mod state_column {
    pub const PRICE: usize = 1;
    pub const OLD_PRICE: usize = 2;
    pub const CURRENCY: usize = 3;
    pub const AVAILABILITY: usize = 4;
    pub const LISTED: usize = 5;
    pub const SINCE: usize = 6;
    pub const PREVIOUS_PRICE: usize = 7;
    pub const HISTORY_DAYS: usize = 8;
    pub const LOWEST_30D: usize = 9;
    pub const LOWEST_SINCE: usize = 10;
}

/// The summary kept in a state row; `None` until one was computed.
fn summary(row: &Row<'_>) -> StoreResult<Option<PriceSummary>> {
    use state_column::*;
    let time = |index: usize, column: &'static str| {
        row.get::<_, Option<i64>>(index)?
            .map(|micros| time_from_stored(column, micros))
            .transpose()
    };
    let (Some(current_since), Some(lowest_since)) = (
        time(SINCE, "since_us")?,
        time(LOWEST_SINCE, "lowest_since_us")?,
    ) else {
        return Ok(None);
    };
    let money = |index: usize| -> StoreResult<_> {
        Ok(row.get::<_, Option<i64>>(index)?.map(money_from_stored))
    };
    Ok(Some(PriceSummary {
        current_since,
        previous_price: money(PREVIOUS_PRICE)?,
        history_days: row.get::<_, Option<i64>>(HISTORY_DAYS)?.unwrap_or(0),
        lowest_30d: money(LOWEST_30D)?,
        lowest_since,
    }))
}

fn known_state(row: &Row<'_>) -> StoreResult<KnownState> {
    use state_column::*;
    Ok(KnownState {
        price: row.get(PRICE)?,
        old_price: row.get(OLD_PRICE)?,
        currency: rows::currency_at(row, CURRENCY, "currency")?,
        availability: availability(rows::borrowed_text(row, AVAILABILITY, "availability")?)?,
        listed: row.get(LISTED)?,
    })
}

fn point_from_row(row: &Row<'_>) -> StoreResult<PricePoint> {
    let kind: String = row.get("kind")?;
    let kind = PointKind::parse(&kind).ok_or(StoreError::Corrupt {
        column: "kind",
        value: kind,
    })?;
    let currency: Option<String> = row.get("currency")?;
    let availability_text: Option<String> = row.get("availability")?;
    Ok(PricePoint {
        time: rows::time(row, "time_us")?,
        kind,
        price: row.get::<_, Option<i64>>("price")?.map(money_from_stored),
        old_price: row
            .get::<_, Option<i64>>("old_price")?
            .map(money_from_stored),
        currency: currency
            .map(|code| {
                feedmill_model::Currency::parse(&code).map_err(|_| StoreError::Corrupt {
                    column: "currency",
                    value: code,
                })
            })
            .transpose()?,
        availability: availability_text.as_deref().map(availability).transpose()?,
    })
}

fn availability(text: &str) -> StoreResult<Availability> {
    [
        Availability::InStock,
        Availability::OutOfStock,
        Availability::Preorder,
        Availability::Backorder,
        Availability::Unknown,
    ]
    .into_iter()
    .find(|a| a.as_str() == text)
    .ok_or_else(|| StoreError::Corrupt {
        column: "availability",
        value: text.to_owned(),
    })
}
