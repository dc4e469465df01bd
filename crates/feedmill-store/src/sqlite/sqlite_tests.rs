//! SQLite-only tests: pragmas, migrations, group commit under concurrency, and its throughput.

use super::SqliteStore;
use super::migrations::MIGRATIONS;
use crate::error::{StoreError, StoreResult};
use crate::store::{ClickStore, ConversionStore, Migrations, PriceHistoryStore};
use crate::suite::{click, currency, day};
use crate::{ConversionInput, validate_postback};
use std::path::Path;
use std::sync::Arc;

fn temp_dir() -> StoreResult<tempfile::TempDir> {
    Ok(tempfile::tempdir()?)
}

pub(super) fn order(order_id: &str) -> ConversionInput {
    let fields = [("order_id", order_id), ("amount", "19.99")];
    match validate_postback("prog", fields) {
        Ok(valid) => valid.conversion,
        Err(err) => panic!("test postback is invalid: {err}"),
    }
}

#[test]
fn connections_use_wal_full_sync_and_foreign_keys() -> StoreResult<()> {
    let dir = temp_dir()?;
    let store = SqliteStore::open(&dir.path().join("s.sqlite"))?;
    let (mode, synchronous, foreign_keys): (String, i64, i64) = store.read(|c| {
        Ok((
            c.pragma_query_value(None, "journal_mode", |r| r.get(0))?,
            c.pragma_query_value(None, "synchronous", |r| r.get(0))?,
            c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?,
        ))
    })?;
    assert_eq!((mode.as_str(), synchronous, foreign_keys), ("wal", 2, 1));
    Ok(())
}

#[test]
fn migrations_apply_once_and_data_survives_a_reopen() -> StoreResult<()> {
    let dir = temp_dir()?;
    let path = dir.path().join("s.sqlite");
    let clicked = click("o1", day(0), None)?;
    SqliteStore::open(&path)?.record_click(&clicked)?;
    let store = SqliteStore::open(&path)?;
    assert_eq!(store.schema_version()?, MIGRATIONS.len() as u32);
    assert_eq!(store.click(&clicked.click_id)?, Some(clicked));
    Ok(())
}

fn set_version(path: &Path, version: u32) -> StoreResult<()> {
    let raw = rusqlite::Connection::open(path)?;
    raw.pragma_update(None, "user_version", version)?;
    Ok(())
}

#[test]
fn a_database_newer_than_the_code_is_refused() -> StoreResult<()> {
    let dir = temp_dir()?;
    let path = dir.path().join("s.sqlite");
    drop(SqliteStore::open(&path)?);
    set_version(&path, MIGRATIONS.len() as u32 + 1)?;
    let refused = SqliteStore::open(&path);
    assert!(
        matches!(refused, Err(StoreError::SchemaTooNew { found, .. }) if found == MIGRATIONS.len() as u32 + 1)
    );
    Ok(())
}

/// A database whose daily lows were kept a row per day (the schema before the runs).
fn database_with_daily_low_rows(path: &Path) -> StoreResult<()> {
    let mut raw = rusqlite::Connection::open(path)?;
    let transaction = raw.transaction()?;
    let before_runs = MIGRATIONS
        .iter()
        .position(|sql| *sql == super::gtin_lows::SCHEMA_GTIN_LOW_RUNS)
        .unwrap_or(MIGRATIONS.len());
    for sql in &MIGRATIONS[..before_runs] {
        transaction.execute_batch(sql)?;
    }
    transaction.pragma_update(None, "user_version", before_runs as u32)?;
    transaction.execute_batch(
        "INSERT INTO gtin_daily_lows VALUES ('04006381333931', 20454, 'EUR', 'Acme', 100000);
         INSERT INTO gtin_daily_lows VALUES ('04006381333931', 20454, 'EUR', 'Bolt', 95000);
         INSERT INTO gtin_daily_lows VALUES ('04006381333931', 20456, 'EUR', 'Acme', 99000);",
    )?;
    transaction.commit()?;
    Ok(())
}

#[test]
fn daily_lows_kept_a_row_per_day_read_back_after_the_migration_to_runs() -> StoreResult<()> {
    let dir = temp_dir()?;
    let path = dir.path().join("s.sqlite");
    database_with_daily_low_rows(&path)?;
    let store = SqliteStore::open(&path)?;
    let gtin =
        feedmill_model::Gtin::parse("4006381333931").map_err(|_| StoreError::WriterStopped)?;
    let lows = store.gtin_daily_lows(&gtin, day(0))?;
    let found: Vec<_> = lows
        .iter()
        .flat_map(|low| {
            low.merchants.iter().map(move |m| {
                (
                    low.day.to_string(),
                    m.merchant.clone(),
                    m.low_price.to_string(),
                )
            })
        })
        .collect();
    let row =
        |date: &str, merchant: &str, price: &str| (date.into(), merchant.into(), price.into());
    assert_eq!(
        found,
        [
            row("2026-01-01", "Bolt", "9.50"),
            row("2026-01-01", "Acme", "10.00"),
            row("2026-01-03", "Acme", "9.90"),
        ],
        "each old row is its day's low, and nothing is carried to the days between"
    );
    Ok(())
}

#[test]
fn a_failed_migration_leaves_the_version_unchanged() -> StoreResult<()> {
    let dir = temp_dir()?;
    let path = dir.path().join("s.sqlite");
    // A table in the way of migration 1: it fails, and nothing of it stays.
    rusqlite::Connection::open(&path)?.execute_batch("CREATE TABLE clicks (x)")?;
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Migration { version: 1, .. })
    ));
    let raw = rusqlite::Connection::open(&path)?;
    let version: u32 = raw.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 = raw.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name = 'conversions'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!((version, tables), (0, 0));
    Ok(())
}

#[test]
fn concurrent_writers_are_each_committed_and_answered() -> StoreResult<()> {
    let dir = temp_dir()?;
    let store = Arc::new(SqliteStore::open(&dir.path().join("s.sqlite"))?);
    let taken = click("taken", day(0), None)?;
    store.record_click(&taken)?;
    let threads: Vec<_> = (0..32)
        .map(|thread| {
            let store = store.clone();
            let taken = taken.clone();
            std::thread::spawn(move || -> StoreResult<(Vec<String>, usize)> {
                let mut ids = Vec::new();
                let mut num_refused = 0;
                for i in 0..20 {
                    ids.push(
                        store
                            .upsert_conversion(
                                &order(&format!("t{thread}-{i}")),
                                currency("EUR"),
                                day(1),
                            )?
                            .conversion_id,
                    );
                    ids.push(
                        store
                            .upsert_conversion(&order("shared"), currency("EUR"), day(1))?
                            .conversion_id,
                    );
                    let mut duplicate = click("dup", day(1), None)?;
                    duplicate.click_id = taken.click_id.clone();
                    num_refused += usize::from(store.record_click(&duplicate).is_err());
                }
                Ok((ids, num_refused))
            })
        })
        .collect();
    let mut own = std::collections::HashSet::new();
    let mut shared = std::collections::HashSet::new();
    for thread in threads {
        let (ids, num_refused) = thread.join().map_err(|_| StoreError::WriterStopped)??;
        assert_eq!(num_refused, 20, "a failing write fails alone");
        for pair in ids.chunks(2) {
            own.insert(pair[0].clone());
            shared.insert(pair[1].clone());
        }
    }
    assert_eq!(
        (own.len(), shared.len()),
        (640, 1),
        "one conversion per order, however concurrent"
    );
    assert!(store.conversion("prog", "t31-19")?.is_some());
    let stats = store.writer_stats();
    assert_eq!(
        stats.num_writes,
        1 + 32 * 60,
        "refused writes roll back alone, in a committed group"
    );
    assert!(
        stats.num_commits < stats.num_writes,
        "writes are committed in groups: {stats:?}"
    );
    Ok(())
}

#[test]
fn conversions_stored_before_the_integration_context_read_back_without_one() -> StoreResult<()> {
    let dir = temp_dir()?;
    let path = dir.path().join("s.sqlite");
    let mut raw = rusqlite::Connection::open(&path)?;
    let transaction = raw.transaction()?;
    let before = MIGRATIONS
        .iter()
        .position(|sql| *sql == super::conversions::SCHEMA_CONVERSION_CONTEXT)
        .unwrap_or(MIGRATIONS.len());
    for sql in &MIGRATIONS[..before] {
        transaction.execute_batch(sql)?;
    }
    transaction.pragma_update(None, "user_version", before as u32)?;
    transaction.execute_batch(
        "INSERT INTO conversions (conversion_id, program_id, order_id, currency, sale_amount, \
         status, received_us, updated_us, sale_time_us) \
         VALUES ('c-1', 'prog', 'OLD-1', 'PLN', 1999, 'pending', 0, 0, 0);",
    )?;
    transaction.commit()?;
    drop(raw);
    let store = SqliteStore::open(&path)?;
    let old = store
        .conversion("prog", "OLD-1")?
        .ok_or(StoreError::WriterStopped)?;
    assert_eq!(
        (
            old.customer_id,
            old.consent_mode,
            old.integration_mode,
            old.source
        ),
        (None, None, None, None)
    );
    let mut again = order("OLD-1");
    again.consent_mode = Some("custom".into());
    let receipt = store.upsert_conversion(&again, currency("PLN"), day(1))?;
    assert_eq!(receipt.conversion_id, "c-1");
    let updated = store.conversion("prog", "OLD-1")?;
    assert_eq!(
        updated.and_then(|c| c.consent_mode).as_deref(),
        Some("custom")
    );
    Ok(())
}
