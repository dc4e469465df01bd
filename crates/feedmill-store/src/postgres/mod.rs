//! [`PostgresStore`]: the store on a Postgres server, shared by every feedmill process that
//! points at it, durable on every acknowledgement.
//!
//! The schema is the SQLite store's (the same tables, money as `BIGINT` ten-thousandths and
//! times as `BIGINT` microseconds, so every query sums and compares exact integers) with its
//! own versioned migrations (`migrations.rs`). Every method runs in one transaction on a
//! connection of the [`pool`]: writes take a transaction-level advisory lock first, so the
//! writes of all processes on one database run one at a time, as SQLite's single writer runs
//! them (read-then-write upserts, compare-and-set claims and price batches keep their meaning
//! across replicas; a click's insert, which reads nothing, skips the lock and commits beside
//! others); reads run in `REPEATABLE READ` read-only transactions, one snapshot each.
//! Connections run with `synchronous_commit = on`: a commit has reached the server's WAL on
//! disk before a method returns. The daily click and sale rollups of SQLite are not kept:
//! Postgres counts a report's clicks and sales from the tables by their time indexes.

mod alerts;
mod api_keys;
mod clicks;
mod commissions;
mod connection;
mod conversions;
mod earnings;
mod gtin_lows;
mod lease;
mod migrations;
mod pool;
mod prices;
mod product_matches;
mod rows;
mod transactions;

use crate::error::{StoreError, StoreResult, describe_postgres};
use crate::store::Migrations;
use pool::Pool;
use postgres::{Client, Config, IsolationLevel, Transaction};
use std::time::Duration;

pub use connection::{PASSWORD_VARIABLES, is_postgres_url, password_from_env, redacted};
use connection::{config_of, connect};
pub use lease::RefreshLease;

/// Connections (and worker threads) a store keeps.
const POOL_SIZE: usize = 4;
/// The class of the transaction-level advisory lock every write takes; its other half is the
/// store's schema (`hashtext(current_schema())`), so stores in other schemas never wait on it.
const WRITE_LOCK: i32 = 0x6665_6564;
/// Locking `$1` for the store's schema.
pub(super) const LOCK_SQL: &str = "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))";

/// See the module doc.
pub struct PostgresStore {
    label: String,
    config: Config,
    pool: Pool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/db`), the password taken from
    /// [`PASSWORD_VARIABLES`] when the URL has none, and applies any migrations the database
    /// lacks; refuses a schema made by a newer feedmill.
    pub fn open(url: &str) -> StoreResult<PostgresStore> {
        PostgresStore::open_with_password(url, password_from_env().as_deref())
    }

    /// [`PostgresStore::open`] with the password given (`None`: the URL's, if any).
    pub fn open_with_password(url: &str, password: Option<&str>) -> StoreResult<PostgresStore> {
        let (config, label) = config_of(url, password)?;
        PostgresStore::open_config(config, label)
    }

    /// Opens with a ready `config`; `label` names the store in errors (no password in it).
    /// Safe to call from an async task: the connecting and migrating run on a thread of their
    /// own (the blocking client must not run inside a tokio runtime).
    pub fn open_config(config: Config, label: String) -> StoreResult<PostgresStore> {
        let client = std::thread::scope(|scope| {
            scope
                .spawn(|| -> StoreResult<Client> {
                    let mut client = connect(&config).map_err(|err| StoreError::PostgresOpen {
                        url: label.clone(),
                        reason: describe_postgres(&err),
                    })?;
                    migrations::migrate(&mut client, &label)?;
                    Ok(client)
                })
                .join()
                .map_err(|_| StoreError::Postgres("the connecting thread panicked".into()))
        })??;
        let pool = Pool::start(&config, client, POOL_SIZE)?;
        Ok(PostgresStore {
            label,
            config,
            pool,
        })
    }

    /// Starts competing for the refresh lease of this store, polling every `poll`.
    pub fn refresh_lease(&self, poll: Duration) -> StoreResult<RefreshLease> {
        RefreshLease::start(self.config.clone(), poll)
    }

    /// The URL the store was opened with, without its password.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Runs `work` in a write transaction (holding the store's write lock) and commits it.
    fn write<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Transaction<'_>) -> StoreResult<R> + Send + 'static,
    {
        self.pool
            .run(move |client| in_write(client, Lock::Take, work))
    }

    /// Runs `work` in a write transaction without the write lock: for writes that read nothing
    /// they depend on (a click's insert), so that they commit side by side and the server
    /// flushes their commits together.
    fn write_unlocked<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Transaction<'_>) -> StoreResult<R> + Send + 'static,
    {
        self.pool
            .run(move |client| in_write(client, Lock::Skip, work))
    }

    /// Runs `work` in a read-only transaction: one snapshot of the last commits.
    fn read<R, F>(&self, work: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Transaction<'_>) -> StoreResult<R> + Send + 'static,
    {
        self.pool.run(move |client| {
            let mut transaction = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let result = work(&mut transaction)?;
            transaction.commit()?;
            Ok(result)
        })
    }
}

/// Whether a write takes the store's write lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lock {
    Take,
    Skip,
}

/// Runs `work` in a transaction (holding the store's write lock unless `lock` says to skip
/// it); commits when it succeeds.
fn in_write<R>(
    client: &mut Client,
    lock: Lock,
    work: impl FnOnce(&mut Transaction<'_>) -> StoreResult<R>,
) -> StoreResult<R> {
    let mut transaction = client.transaction()?;
    if lock == Lock::Take {
        transaction.execute(LOCK_SQL, &[&WRITE_LOCK])?;
    }
    // Dropped without commit on error: rolled back.
    let result = work(&mut transaction)?;
    transaction.commit()?;
    Ok(result)
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.label)
            .finish_non_exhaustive()
    }
}

impl Migrations for PostgresStore {
    fn schema_version(&self) -> StoreResult<u32> {
        self.read(|transaction| migrations::schema_version(transaction))
    }
}

#[cfg(test)]
mod postgres_tests;
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_shows_in_the_label() {
        assert_eq!(
            redacted("postgres://feed:s3cret@db.example:5432/feedmill"),
            "postgres://feed:***@db.example:5432/feedmill"
        );
        assert_eq!(
            redacted("postgres://feed@127.0.0.1:5433/feedmill?password=s3cret&sslmode=disable"),
            "postgres://feed@127.0.0.1:5433/feedmill?password=***&sslmode=disable"
        );
        assert_eq!(redacted("postgres://h/db"), "postgres://h/db");
        assert!(is_postgres_url("postgresql://h/db") && !is_postgres_url("feedmill.db"));
    }

    #[test]
    fn an_unreachable_server_is_an_error_without_the_password() {
        // Port 1 on the loopback: nothing listens there.
        let opened = PostgresStore::open_with_password(
            "postgres://feed:s3cret@127.0.0.1:1/feedmill?connect_timeout=2",
            None,
        );
        let Err(err) = opened else {
            panic!("connected to port 1");
        };
        let text = err.to_string();
        assert!(text.contains("127.0.0.1:1"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}
