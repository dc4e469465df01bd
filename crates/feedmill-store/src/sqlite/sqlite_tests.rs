//! SQLite-only tests: pragmas, migrations, group commit under concurrency, and its throughput.

use super::SqliteStore;
use super::migrations::MIGRATIONS;
use crate::error::{StoreError, StoreResult};
use crate::store::{ClickStore, ConversionStore, Migrations};
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
