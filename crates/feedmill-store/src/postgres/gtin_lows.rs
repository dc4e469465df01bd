//! Daily GTIN lows on Postgres, as runs ([`crate::gtin_low_runs`]): the SQLite store's tables
//! and statements (`sqlite/gtin_lows.rs`): `gtin_low_runs` for the reader, `gtin_low_latest`
//! for a batch's open keys, `price_batch_days` for the days each source was ingested.

use super::rows;
use crate::error::StoreResult;
use crate::gtin_low_runs::{LatestRuns, LowRun, RunKey, changed_runs, daily_lows, open_on};
use crate::price_batch::GtinLows;
use crate::price_history::DailyLow;
use postgres::{GenericClient, Row};

/// Writes the lows of a batch of `source` on `day`: a row for each key whose low changed.
/// `latest` is the source's latest rows as the last batch left them, when the caller kept them
/// (else they are read). Returns the latest rows after the batch. A batch dated before the
/// source's last batch day changes no lows (lows are recorded in time order).
pub(super) fn write_lows(
    client: &mut impl GenericClient,
    source: &str,
    day: i64,
    lows: GtinLows,
    latest: Option<LatestRuns>,
) -> StoreResult<LatestRuns> {
    let last_day: Option<i64> = rows::get(
        &client.query_one(
            "SELECT max(day) FROM price_batch_days WHERE source = $1",
            &[&source],
        )?,
        0,
    )?;
    let mut latest = match latest {
        Some(latest) => latest,
        None => open_keys(client, source, day)?,
    };
    if last_day.is_some_and(|last| last > day) {
        return Ok(latest);
    }
    open_on(&mut latest, day);
    let earlier_batch_today = last_day == Some(day);
    client.execute(
        "INSERT INTO price_batch_days (source, day) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&source, &day],
    )?;
    let changed = changed_runs(&mut latest, lows, day, earlier_batch_today);
    let run_upsert = client.prepare(
        "INSERT INTO gtin_low_runs (gtin, currency, merchant, source, day, low_price, carry_price) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (gtin, currency, merchant, source, day) DO UPDATE SET \
         low_price = excluded.low_price, carry_price = excluded.carry_price",
    )?;
    let latest_upsert = client.prepare(
        "INSERT INTO gtin_low_latest (gtin, currency, merchant, source, day, low_price, carry_price) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (source, gtin, currency, merchant) DO UPDATE SET \
         day = excluded.day, low_price = excluded.low_price, carry_price = excluded.carry_price",
    )?;
    for (key, run) in &changed {
        let values: [&(dyn postgres::types::ToSql + Sync); 7] = [
            &key.gtin14(),
            &key.currency.code(),
            &latest.merchant(key),
            &source,
            &run.day,
            &run.low,
            &run.carry,
        ];
        client.execute(&run_upsert, &values)?;
        client.execute(&latest_upsert, &values)?;
    }
    Ok(latest)
}

/// The latest rows of `source` that still matter on `day`: those carrying a price, and those
/// of `day` itself.
fn open_keys(client: &mut impl GenericClient, source: &str, day: i64) -> StoreResult<LatestRuns> {
    let mut latest = LatestRuns::default();
    for row in client.query(
        "SELECT gtin, currency, merchant, day, low_price, carry_price FROM gtin_low_latest \
         WHERE source = $1 AND (carry_price IS NOT NULL OR day = $2)",
        &[&source, &day],
    )? {
        let gtin: &str = rows::get(&row, "gtin")?;
        let merchant: &str = rows::get(&row, "merchant")?;
        latest.insert_row(
            gtin,
            rows::currency(&row, "currency")?,
            merchant,
            run_from_row(&row)?,
        )?;
    }
    Ok(latest)
}

fn run_from_row(row: &Row) -> StoreResult<LowRun> {
    Ok(LowRun {
        day: rows::get(row, "day")?,
        low: rows::get(row, "low_price")?,
        carry: rows::get(row, "carry_price")?,
    })
}

/// The daily lows of `gtin` (GTIN-14) from `first_day` on: per day and currency, each
/// merchant's low (the lowest over the sources that list the merchant), lowest first.
pub(super) fn read_daily_lows(
    client: &mut impl GenericClient,
    gtin: &str,
    first_day: i64,
) -> StoreResult<Vec<DailyLow>> {
    let runs = runs_of(client, gtin)?;
    daily_lows(&runs, first_day, |source| {
        days_of(client, source, first_day)
    })
}

/// Every row of `gtin`, per (currency, merchant, source), in day order.
fn runs_of(client: &mut impl GenericClient, gtin: &str) -> StoreResult<Vec<(RunKey, Vec<LowRun>)>> {
    let mut runs: Vec<(RunKey, Vec<LowRun>)> = Vec::new();
    for row in client.query(
        "SELECT currency, merchant, source, day, low_price, carry_price FROM gtin_low_runs \
         WHERE gtin = $1 ORDER BY currency COLLATE \"C\", merchant COLLATE \"C\", \
         source COLLATE \"C\", day",
        &[&gtin],
    )? {
        let key = (
            rows::currency(&row, "currency")?,
            rows::get(&row, "merchant")?,
            rows::get(&row, "source")?,
        );
        let run = run_from_row(&row)?;
        match runs.last_mut() {
            Some((last, key_runs)) if *last == key => key_runs.push(run),
            _ => runs.push((key, vec![run])),
        }
    }
    Ok(runs)
}

fn days_of(client: &mut impl GenericClient, source: &str, first_day: i64) -> StoreResult<Vec<i64>> {
    client
        .query(
            "SELECT day FROM price_batch_days WHERE source = $1 AND day >= $2 ORDER BY day",
            &[&source, &first_day],
        )?
        .iter()
        .map(|row| rows::get(row, 0))
        .collect()
}

/// Deletes what no reader of days from `cut_day` on needs (as the SQLite store does); returns
/// the rows of lows that went.
pub(super) fn prune_lows(client: &mut impl GenericClient, cut_day: i64) -> StoreResult<u64> {
    let runs = client.execute(
        "DELETE FROM gtin_low_runs r WHERE r.day < $1 AND (r.carry_price IS NULL OR EXISTS \
         (SELECT 1 FROM gtin_low_runs later WHERE later.gtin = r.gtin \
         AND later.currency = r.currency AND later.merchant = r.merchant \
         AND later.source = r.source AND later.day > r.day AND later.day <= $1))",
        &[&cut_day],
    )?;
    client.execute(
        "DELETE FROM gtin_low_latest WHERE day < $1 AND carry_price IS NULL",
        &[&cut_day],
    )?;
    client.execute("DELETE FROM price_batch_days WHERE day < $1", &[&cut_day])?;
    Ok(runs)
}
