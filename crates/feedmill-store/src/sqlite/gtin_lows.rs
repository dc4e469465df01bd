//! Daily GTIN lows in SQLite, as runs ([`crate::gtin_low_runs`]).
//!
//! `gtin_low_runs` holds the rows, keyed for the reader: one GTIN's rows are one range of the
//! primary key. `gtin_low_latest` mirrors each key's latest row, keyed by source, so that a
//! batch loads its source's open keys in one range read. `price_batch_days` lists the days each
//! source was ingested, which the reader expands the rows over. A batch writes two rows per
//! key whose low changed and nothing for the others.

use super::rows;
use crate::error::StoreResult;
use crate::gtin_low_runs::{LatestRuns, LowKey, LowRun, RunKey, changed_runs, daily_lows, open_on};
use crate::price_batch::GtinLows;
use crate::price_history::DailyLow;
use rusqlite::{Connection, OptionalExtension, params};

/// The migration from the row-per-day `gtin_daily_lows` to runs. Old rows become runs of a
/// source of their own (`''`, no real source's id) that carry nothing past their day, so the
/// lows recorded before it read back unchanged.
pub(crate) const SCHEMA_GTIN_LOW_RUNS: &str = "
CREATE TABLE gtin_low_runs (
    gtin         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    merchant     TEXT NOT NULL,
    source       TEXT NOT NULL,
    day          INTEGER NOT NULL,
    low_price    INTEGER,
    carry_price  INTEGER,
    PRIMARY KEY (gtin, currency, merchant, source, day)
) WITHOUT ROWID;

CREATE TABLE gtin_low_latest (
    source       TEXT NOT NULL,
    gtin         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    merchant     TEXT NOT NULL,
    day          INTEGER NOT NULL,
    low_price    INTEGER,
    carry_price  INTEGER,
    PRIMARY KEY (source, gtin, currency, merchant)
) WITHOUT ROWID;

CREATE TABLE price_batch_days (
    source  TEXT NOT NULL,
    day     INTEGER NOT NULL,
    PRIMARY KEY (source, day)
) WITHOUT ROWID;

INSERT INTO gtin_low_runs (gtin, currency, merchant, source, day, low_price, carry_price)
    SELECT gtin, currency, merchant, '', day, low_price, NULL FROM gtin_daily_lows;
INSERT INTO price_batch_days (source, day) SELECT DISTINCT '', day FROM gtin_daily_lows;
DROP TABLE gtin_daily_lows;
";

/// Writes the lows of a batch of `source` on `day`: a row for each key whose low changed.
/// `latest` is the source's latest rows as the last batch left them, when the caller kept them
/// (else they are read). Returns the latest rows after the batch. A batch dated before the
/// source's last batch day changes no lows (lows are recorded in time order).
pub(super) fn write_lows(
    connection: &Connection,
    source: &str,
    day: i64,
    lows: GtinLows,
    latest: Option<LatestRuns>,
) -> StoreResult<LatestRuns> {
    let last_day: Option<i64> = connection
        .query_row(
            "SELECT max(day) FROM price_batch_days WHERE source = ?1",
            [source],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    let mut latest = match latest {
        Some(latest) => latest,
        None => open_keys(connection, source, day)?,
    };
    if last_day.is_some_and(|last| last > day) {
        return Ok(latest);
    }
    open_on(&mut latest, day);
    let earlier_batch_today = last_day == Some(day);
    connection
        .prepare_cached("INSERT OR IGNORE INTO price_batch_days (source, day) VALUES (?1, ?2)")?
        .execute(params![source, day])?;
    for (key, run) in &changed_runs(&mut latest, lows, day, earlier_batch_today) {
        write_run(connection, source, key, latest.merchant(key), run)?;
    }
    Ok(latest)
}

/// The latest rows of `source` that still matter on `day`: those carrying a price, and those
/// of `day` itself.
fn open_keys(connection: &Connection, source: &str, day: i64) -> StoreResult<LatestRuns> {
    let mut statement = connection.prepare_cached(
        "SELECT gtin, currency, merchant, day, low_price, carry_price FROM gtin_low_latest \
         WHERE source = ?1 AND (carry_price IS NOT NULL OR day = ?2)",
    )?;
    let mut found = statement.query(params![source, day])?;
    let mut latest = LatestRuns::default();
    while let Some(row) = found.next()? {
        latest.insert_row(
            rows::borrowed_text(row, 0, "gtin")?,
            rows::currency_at(row, 1, "currency")?,
            rows::borrowed_text(row, 2, "merchant")?,
            run_from_row(row)?,
        )?;
    }
    Ok(latest)
}

fn write_run(
    connection: &Connection,
    source: &str,
    key: &LowKey,
    merchant: &str,
    run: &LowRun,
) -> StoreResult<()> {
    let values = params![
        key.gtin14(),
        key.currency.code(),
        merchant,
        source,
        run.day,
        run.low,
        run.carry
    ];
    connection
        .prepare_cached(
            "INSERT INTO gtin_low_runs \
             (gtin, currency, merchant, source, day, low_price, carry_price) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (gtin, currency, merchant, source, day) DO UPDATE SET \
             low_price = excluded.low_price, carry_price = excluded.carry_price",
        )?
        .execute(values)?;
    connection
        .prepare_cached(
            "INSERT INTO gtin_low_latest \
             (gtin, currency, merchant, source, day, low_price, carry_price) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (source, gtin, currency, merchant) DO UPDATE SET \
             day = excluded.day, low_price = excluded.low_price, \
             carry_price = excluded.carry_price",
        )?
        .execute(values)?;
    Ok(())
}

/// A run from a row whose columns 3, 4 and 5 are `day, low_price, carry_price` (read by
/// position: a batch reads every open row of its source).
fn run_from_row(row: &rusqlite::Row<'_>) -> StoreResult<LowRun> {
    Ok(LowRun {
        day: row.get(3)?,
        low: row.get(4)?,
        carry: row.get(5)?,
    })
}

/// The daily lows of `gtin` (GTIN-14) from `first_day` on: per day and currency, each
/// merchant's low (the lowest over the sources that list the merchant), lowest first.
pub(super) fn read_daily_lows(
    connection: &Connection,
    gtin: &str,
    first_day: i64,
) -> StoreResult<Vec<DailyLow>> {
    let runs = runs_of(connection, gtin)?;
    daily_lows(&runs, first_day, |source| {
        days_of(connection, source, first_day)
    })
}

/// Every row of `gtin`, per (currency, merchant, source), in day order.
fn runs_of(connection: &Connection, gtin: &str) -> StoreResult<Vec<(RunKey, Vec<LowRun>)>> {
    let mut statement = connection.prepare_cached(
        "SELECT currency, merchant, source, day, low_price, carry_price FROM gtin_low_runs \
         WHERE gtin = ?1 ORDER BY currency, merchant, source, day",
    )?;
    let mut found = statement.query([gtin])?;
    let mut runs: Vec<(RunKey, Vec<LowRun>)> = Vec::new();
    while let Some(row) = found.next()? {
        let key = (
            rows::currency(row, "currency")?,
            row.get("merchant")?,
            row.get("source")?,
        );
        let run = run_from_row(row)?;
        match runs.last_mut() {
            Some((last, key_runs)) if *last == key => key_runs.push(run),
            _ => runs.push((key, vec![run])),
        }
    }
    Ok(runs)
}

fn days_of(connection: &Connection, source: &str, first_day: i64) -> StoreResult<Vec<i64>> {
    let mut statement = connection.prepare_cached(
        "SELECT day FROM price_batch_days WHERE source = ?1 AND day >= ?2 ORDER BY day",
    )?;
    let days = statement
        .query_map(params![source, first_day], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(days)
}

/// Deletes what no reader of days from `cut_day` on needs: the batch days before it, and each
/// key's rows before it but the one still in effect then (none when that one carries nothing).
/// Returns the rows of lows that went.
pub(super) fn prune_lows(connection: &Connection, cut_day: i64) -> StoreResult<u64> {
    let runs = connection.execute(
        "DELETE FROM gtin_low_runs WHERE day < ?1 AND (carry_price IS NULL OR EXISTS \
         (SELECT 1 FROM gtin_low_runs later WHERE later.gtin = gtin_low_runs.gtin \
         AND later.currency = gtin_low_runs.currency \
         AND later.merchant = gtin_low_runs.merchant AND later.source = gtin_low_runs.source \
         AND later.day > gtin_low_runs.day AND later.day <= ?1))",
        [cut_day],
    )?;
    connection.execute(
        "DELETE FROM gtin_low_latest WHERE day < ?1 AND carry_price IS NULL",
        [cut_day],
    )?;
    connection.execute("DELETE FROM price_batch_days WHERE day < ?1", [cut_day])?;
    Ok(runs as u64)
}
