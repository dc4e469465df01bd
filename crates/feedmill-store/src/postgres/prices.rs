//! Price history on Postgres: change points, each offer's last known state (with its kept
//! [`PriceSummary`]), the feed each source caught up to, and the daily GTIN lows
//! ([`gtin_lows`](super::gtin_lows)); the SQLite store's statements (`sqlite/prices.rs`). A
//! batch is one write transaction, its statements prepared once and run per offer.

use super::{PostgresStore, gtin_lows, rows};
use crate::error::{StoreError, StoreResult};
use crate::price_batch::{BatchParts, KnownOffers, KnownState, ObservedChange, PriceBatch};
use crate::price_history::{
    DailyLow, PointKind, PriceBatchStats, PricePoint, ThirtyDayLow, thirty_day_low,
};
use crate::price_summary::PriceSummary;
use crate::store::PriceHistoryStore;
use crate::stored::{day_of, money_from_stored, optional_money, time_to_stored};
use chrono::{DateTime, Utc};
use feedmill_model::{Availability, Gtin};
use postgres::{GenericClient, Row};

impl PriceHistoryStore for PostgresStore {
    fn begin_price_batch(&self, source: &str, time: DateTime<Utc>) -> StoreResult<PriceBatch> {
        let source = source.to_owned();
        self.read(move |transaction| {
            let mut batch = PriceBatch::new(&source, time);
            for row in transaction.query(
                "SELECT offer_id, price, old_price, currency, availability, listed, since_us, \
                 previous_price, history_days, lowest_30d, lowest_since_us \
                 FROM price_state WHERE source = $1",
                &[&source],
            )? {
                let offer_id: String = rows::get(&row, 0)?;
                batch.insert_known_with_summary(&offer_id, known_state(&row)?, summary(&row)?);
            }
            Ok(batch)
        })
    }

    fn finish_price_batch_keeping(
        &self,
        batch: PriceBatch,
    ) -> StoreResult<(PriceBatchStats, KnownOffers)> {
        self.write(move |transaction| write_batch(transaction, batch))
    }

    fn price_state_token(&self, source: &str) -> StoreResult<Option<i64>> {
        let source = source.to_owned();
        self.read(move |transaction| {
            transaction
                .query_opt(
                    "SELECT token FROM price_state_tokens WHERE source = $1",
                    &[&source],
                )?
                .map(|row| rows::get(&row, 0))
                .transpose()
        })
    }

    fn price_history_content_hash(&self, source: &str) -> StoreResult<Option<String>> {
        let source = source.to_owned();
        self.read(move |transaction| {
            transaction
                .query_opt(
                    "SELECT content_hash FROM price_history_sources WHERE source = $1",
                    &[&source],
                )?
                .map(|row| rows::get(&row, 0))
                .transpose()
        })
    }

    fn price_points(
        &self,
        source: &str,
        offer_id: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<PricePoint>> {
        let (source, offer_id) = (source.to_owned(), offer_id.to_owned());
        let since_us = time_to_stored(since);
        self.read(move |transaction| {
            transaction
                .query(
                    "SELECT * FROM price_points WHERE source = $1 AND offer_id = $2 AND time_us >= \
                     coalesce((SELECT max(time_us) FROM price_points WHERE source = $1 \
                     AND offer_id = $2 AND time_us <= $3), $3) ORDER BY time_us",
                    &[&source, &offer_id, &since_us],
                )?
                .iter()
                .map(point_from_row)
                .collect()
        })
    }

    fn thirty_day_low(&self, source: &str, offer_id: &str) -> StoreResult<Option<ThirtyDayLow>> {
        let points = self.price_points(source, offer_id, DateTime::<Utc>::MIN_UTC)?;
        Ok(thirty_day_low(&points))
    }

    fn gtin_daily_lows(&self, gtin: &Gtin, since: DateTime<Utc>) -> StoreResult<Vec<DailyLow>> {
        let first_day = day_of(time_to_stored(since));
        let gtin14 = gtin.as_gtin14();
        self.read(move |transaction| gtin_lows::read_daily_lows(transaction, &gtin14, first_day))
    }

    fn prune_price_history(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let cut_us = time_to_stored(before);
        self.write(move |transaction| {
            let points = transaction.execute(
                "DELETE FROM price_points p WHERE p.time_us < $1 AND EXISTS (SELECT 1 FROM \
                 price_points later WHERE later.source = p.source \
                 AND later.offer_id = p.offer_id \
                 AND later.time_us > p.time_us AND later.time_us <= $1)",
                &[&cut_us],
            )?;
            let lows = gtin_lows::prune_lows(transaction, day_of(cut_us))?;
            Ok(points + lows)
        })
    }
}

fn write_batch(
    client: &mut impl GenericClient,
    batch: PriceBatch,
) -> StoreResult<(PriceBatchStats, KnownOffers)> {
    let time_us = time_to_stored(batch.time());
    let source = batch.source().to_owned();
    let content_hash = batch.content_hash().map(str::to_owned);
    let gone = gone_offers(client, &batch)?;
    let BatchParts {
        changes,
        gtin_lows,
        summaries,
        mut stats,
        latest_lows,
        known,
    } = batch.into_parts();
    write_changes(client, &source, time_us, &changes)?;
    write_summaries(client, &source, &summaries)?;
    let gap = client.prepare(
        "INSERT INTO price_points (source, offer_id, time_us, kind) VALUES ($1, $2, $3, 'gap') \
         ON CONFLICT (source, offer_id, time_us) DO UPDATE SET kind = 'gap', price = NULL, \
         old_price = NULL, currency = NULL, availability = NULL",
    )?;
    let unlist = client
        .prepare("UPDATE price_state SET listed = FALSE WHERE source = $1 AND offer_id = $2")?;
    for offer_id in &gone {
        client.execute(&gap, &[&source, offer_id, &time_us])?;
        client.execute(&unlist, &[&source, offer_id])?;
    }
    stats.num_disappeared = gone.len() as u64;
    let latest_lows =
        gtin_lows::write_lows(client, &source, day_of(time_us), gtin_lows, latest_lows)?;
    if let Some(content_hash) = content_hash {
        client.execute(
            "INSERT INTO price_history_sources (source, content_hash) VALUES ($1, $2) \
             ON CONFLICT (source) DO UPDATE SET content_hash = excluded.content_hash",
            &[&source, &content_hash],
        )?;
    }
    let token = crate::price_batch::fresh_state_token()?;
    client.execute(
        "INSERT INTO price_state_tokens (source, token) VALUES ($1, $2) \
         ON CONFLICT (source) DO UPDATE SET token = excluded.token",
        &[&source, &token],
    )?;
    Ok((stats, known.written(token, latest_lows)))
}

/// Listed offers of the batch's source that the batch did not see.
fn gone_offers(client: &mut impl GenericClient, batch: &PriceBatch) -> StoreResult<Vec<String>> {
    if !batch.has_gone() {
        return Ok(Vec::new());
    }
    let mut gone = Vec::new();
    for row in client.query(
        "SELECT offer_id FROM price_state WHERE source = $1 AND listed",
        &[&batch.source()],
    )? {
        let offer_id: String = rows::get(&row, 0)?;
        if batch.is_gone(&offer_id) {
            gone.push(offer_id);
        }
    }
    Ok(gone)
}

fn write_changes(
    client: &mut impl GenericClient,
    source: &str,
    time_us: i64,
    changes: &[ObservedChange],
) -> StoreResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let point = client.prepare(
        "INSERT INTO price_points \
         (source, offer_id, time_us, kind, price, old_price, currency, availability) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (source, offer_id, time_us) \
         DO UPDATE SET kind = excluded.kind, price = excluded.price, \
         old_price = excluded.old_price, currency = excluded.currency, \
         availability = excluded.availability",
    )?;
    let upsert = client.prepare(
        "INSERT INTO price_state (source, offer_id, price, old_price, currency, availability, listed) \
         VALUES ($1, $2, $3, $4, $5, $6, TRUE) ON CONFLICT (source, offer_id) DO UPDATE SET \
         price = excluded.price, old_price = excluded.old_price, currency = excluded.currency, \
         availability = excluded.availability, listed = TRUE, since_us = NULL, \
         previous_price = NULL, history_days = NULL, lowest_30d = NULL, lowest_since_us = NULL",
    )?;
    for change in changes {
        let state = &change.state;
        let (currency, availability) = (state.currency.code(), state.availability.as_str());
        client.execute(
            &point,
            &[
                &source,
                &change.offer_id,
                &time_us,
                &change.kind.as_str(),
                &state.price,
                &state.old_price,
                &currency,
                &availability,
            ],
        )?;
        client.execute(
            &upsert,
            &[
                &source,
                &change.offer_id,
                &state.price,
                &state.old_price,
                &currency,
                &availability,
            ],
        )?;
    }
    Ok(())
}

/// Keeps each computed summary in its offer's state row (after the changes created the rows).
fn write_summaries(
    client: &mut impl GenericClient,
    source: &str,
    summaries: &[(String, PriceSummary)],
) -> StoreResult<()> {
    if summaries.is_empty() {
        return Ok(());
    }
    let update = client.prepare(
        "UPDATE price_state SET since_us = $3, previous_price = $4, history_days = $5, \
         lowest_30d = $6, lowest_since_us = $7 WHERE source = $1 AND offer_id = $2",
    )?;
    for (offer_id, summary) in summaries {
        client.execute(
            &update,
            &[
                &source,
                offer_id,
                &time_to_stored(summary.current_since),
                &optional_money("previous_price", summary.previous_price)?,
                &summary.history_days,
                &optional_money("lowest_30d", summary.lowest_30d)?,
                &time_to_stored(summary.lowest_since),
            ],
        )?;
    }
    Ok(())
}

/// The summary kept in a state row; `None` until one was computed.
fn summary(row: &Row) -> StoreResult<Option<PriceSummary>> {
    let (Some(current_since), Some(lowest_since)) = (
        rows::optional_time(row, "since_us")?,
        rows::optional_time(row, "lowest_since_us")?,
    ) else {
        return Ok(None);
    };
    Ok(Some(PriceSummary {
        current_since,
        previous_price: rows::optional_money(row, "previous_price")?,
        history_days: rows::get::<Option<i64>>(row, "history_days")?.unwrap_or(0),
        lowest_30d: rows::optional_money(row, "lowest_30d")?,
        lowest_since,
    }))
}

fn known_state(row: &Row) -> StoreResult<KnownState> {
    Ok(KnownState {
        price: rows::get(row, "price")?,
        old_price: rows::get(row, "old_price")?,
        currency: rows::currency(row, "currency")?,
        availability: availability(rows::get(row, "availability")?)?,
        listed: rows::get(row, "listed")?,
    })
}

fn point_from_row(row: &Row) -> StoreResult<PricePoint> {
    let kind: String = rows::get(row, "kind")?;
    let kind = PointKind::parse(&kind).ok_or(StoreError::Corrupt {
        column: "kind",
        value: kind,
    })?;
    let currency: Option<String> = rows::get(row, "currency")?;
    let availability_text: Option<String> = rows::get(row, "availability")?;
    Ok(PricePoint {
        time: rows::time(row, "time_us")?,
        kind,
        price: rows::get::<Option<i64>>(row, "price")?.map(money_from_stored),
        old_price: rows::get::<Option<i64>>(row, "old_price")?.map(money_from_stored),
        currency: currency
            .map(|code| {
                feedmill_model::Currency::parse(&code).map_err(|_| StoreError::Corrupt {
                    column: "currency",
                    value: code,
                })
            })
            .transpose()?,
        availability: availability_text.map(availability).transpose()?,
    })
}

fn availability(text: String) -> StoreResult<Availability> {
    [
        Availability::InStock,
        Availability::OutOfStock,
        Availability::Preorder,
        Availability::Backorder,
        Availability::Unknown,
    ]
    .into_iter()
    .find(|a| a.as_str() == text)
    .ok_or(StoreError::Corrupt {
        column: "availability",
        value: text,
    })
}
