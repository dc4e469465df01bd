//! [`SqliteStore`]: the store in one SQLite file, WAL mode, durable on every acknowledgement.
//!
//! Connections: one write connection owned by the group-commit [`writer`] thread, and read
//! connections kept in a small pool (WAL lets them read while the writer writes; each sees the
//! last commit). Every connection runs with `journal_mode=WAL`, `synchronous=FULL` (a commit
//! is on disk before it returns: WAL's `NORMAL` could lose the last commits on power loss),
//! `foreign_keys=ON` and a busy timeout for the moments another process holds the file; the
//! writer cuts the `-wal` file back to 64 MiB after each checkpoint (`journal_size_limit`).
//! Click-outs submitted without waiting go through the click journal (`click_journal/`) and
//! reach the database in batches.

mod alert_claims;
mod alert_rows;
mod alerts;
mod api_keys;
mod attribution;
mod bulk;
mod click_insert;
mod click_journal;
mod click_open_day;
mod click_rollup;
mod click_week_rollup;
mod clicks;
mod commissions;
pub(crate) mod conversions;
mod earnings;
mod gtin_lows;
mod migrations;
mod price_sources;
mod price_summary_schema;
mod prices;
mod product_matches;
mod rows;
mod sale_rollup;
mod sale_rollup_schema;
mod sale_row;
mod transactions;
mod writer;

use crate::error::{StoreError, StoreResult};
use crate::store::Migrations;
use click_journal::ClickJournal;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use writer::Writer;
pub use writer::WriterStats;

/// How long a statement waits for a lock another process holds before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The size the `-wal` file is cut back to after a checkpoint (SQLite checkpoints on its own
/// past 1,000 pages; without a limit the file keeps the size of the largest transaction).
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;
/// The WAL pages after which a commit of the writer checkpoints (SQLite's default: 1,000). A
/// batch of journaled clicks dirties a page per click of the click id index (ids are random),
/// and a page written by several batches between two checkpoints is copied back once.
const WAL_CHECKPOINT_PAGES: i64 = 8192;
/// Each connection's page cache, in KiB (SQLite's default is 2 MiB, which a report over a
/// month of clicks outgrows and then re-reads its pages from the file, one `pread` each).
const PAGE_CACHE_KIB: i64 = 32 * 1024;
/// The part of the file connections read through a memory map instead of `pread` (address
/// space, not memory: the pages are the operating system's cache, shared by all connections).
const MMAP_BYTES: i64 = 1024 * 1024 * 1024;
/// How read connections open: read-only, and without SQLite's per-call mutex (a connection is
/// used by one thread at a time; the pool hands it over whole), as the write connection opens.
const READ_ONLY: OpenFlags = OpenFlags::SQLITE_OPEN_READ_ONLY
    .union(OpenFlags::SQLITE_OPEN_NO_MUTEX)
    .union(OpenFlags::SQLITE_OPEN_URI);
/// Idle read connections kept; more are opened under load and closed after.
const MAX_IDLE_READERS: usize = 4;

/// See the module doc.
pub struct SqliteStore {
    path: PathBuf,
    /// Declared before the writer: dropped first, it hands its last clicks to the writer.
    journal: Option<ClickJournal>,
    writer: Writer,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    /// Opens (or creates) the store at `path`, applying any migrations it lacks; refuses a
    /// database made by a newer feedmill.
    pub fn open(path: &Path) -> StoreResult<SqliteStore> {
        SqliteStore::open_with_journal_segments_of(path, click_journal::SEGMENT_BYTES)
    }

    /// [`SqliteStore::open`], its click journal sealing segments at `segment_bytes`.
    fn open_with_journal_segments_of(path: &Path, segment_bytes: u64) -> StoreResult<SqliteStore> {
        let mut connection = open_connection(path, OpenFlags::default())?;
        let mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|source| open_error(path, source))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NotWal {
                path: path.to_path_buf(),
                mode,
            });
        }
        connection
            .pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)
            .and_then(|()| {
                connection.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
            })
            .map_err(|source| open_error(path, source))?;
        migrations::migrate(&mut connection, path)?;
        let writer = Writer::start(connection)?;
        let journal = ClickJournal::open(path, writer.handle()?, segment_bytes)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            journal,
            writer,
            readers: Mutex::new(Vec::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes committed so far and the transactions they took (group commit at work).
    pub fn writer_stats(&self) -> WriterStats {
        self.writer.stats()
    }

    fn write<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        self.writer.write(work)
    }

    /// Waits until the clicks acknowledged so far are in the database (the click journal's
    /// [`ClickJournal::settle`]): called first by every read or write that depends on clicks.
    fn settle_clicks(&self) {
        if let Some(journal) = &self.journal {
            journal.settle();
        }
    }

    fn read<R>(&self, work: impl FnOnce(&Connection) -> StoreResult<R>) -> StoreResult<R> {
        let idle = self.readers.lock().ok().and_then(|mut idle| idle.pop());
        let connection = match idle {
            Some(connection) => connection,
            None => open_connection(&self.path, READ_ONLY)?,
        };
        let result = work(&connection);
        if let Ok(mut idle) = self.readers.lock()
            && idle.len() < MAX_IDLE_READERS
        {
            idle.push(connection);
        }
        result
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Migrations for SqliteStore {
    fn schema_version(&self) -> StoreResult<u32> {
        self.read(migrations::schema_version)
    }
}

fn open_connection(path: &Path, flags: OpenFlags) -> StoreResult<Connection> {
    let configure = |connection: &Connection| -> rusqlite::Result<()> {
        connection.busy_timeout(BUSY_TIMEOUT)?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        connection.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        Ok(())
    };
    let connection = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
    configure(&connection).map_err(|e| open_error(path, e))?;
    Ok(connection)
}

fn open_error(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Open {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod click_journal_tests;
#[cfg(test)]
mod kill_tests;
#[cfg(test)]
mod measurements;
#[cfg(test)]
mod sqlite_tests;
