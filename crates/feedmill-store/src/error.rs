//! [`StoreError`]: everything the store can fail with, user mistakes apart from internal faults.

use std::path::PathBuf;

/// A store failure. [`StoreError::is_user_error`] tells what a caller sent wrong (an API maps
/// those to 4xx) from what went wrong inside (5xx).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("failed to open store \"{path}\": {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("store \"{path}\" cannot use write-ahead logging: journal mode is {mode}")]
    NotWal { path: PathBuf, mode: String },
    #[error("store \"{path}\" has schema version {found}, newer than this program's {supported}")]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("failed to apply migration {version}: {source}")]
    Migration {
        version: u32,
        source: rusqlite::Error,
    },
    /// A Postgres statement or connection failed (the server's SQLSTATE and message).
    #[error("postgres error: {0}")]
    Postgres(String),
    /// The Postgres store could not be reached; `url` is shown without its password.
    #[error("failed to open store {url}: {reason}")]
    PostgresOpen { url: String, reason: String },
    #[error("store {url} has schema version {found}, newer than this program's {supported}")]
    PostgresSchemaTooNew {
        url: String,
        found: u32,
        supported: u32,
    },
    #[error("failed to apply postgres migration {version}: {reason}")]
    PostgresMigration { version: u32, reason: String },
    #[error("the store's writer has stopped")]
    WriterStopped,
    #[error("amount {field} = {value} does not fit the store: {reason}")]
    Amount {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("corrupt value in column {column}: {value:?}")]
    Corrupt { column: &'static str, value: String },
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("no randomness for a click id: {0}")]
    Randomness(String),
    /// A report parameter (`from`, `to`, `group_by`) the caller typed wrong.
    #[error("invalid {parameter}: {reason}")]
    ReportParameter {
        parameter: &'static str,
        reason: String,
    },
    #[error("price batch for source \"{source_name}\": {reason}")]
    PriceBatch { source_name: String, reason: String },
}

impl StoreError {
    /// True for errors caused by what the caller passed in (bad amounts), false for faults of
    /// the database or the machine.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            StoreError::Amount { .. }
                | StoreError::PriceBatch { .. }
                | StoreError::ReportParameter { .. }
        )
    }
}

impl From<postgres::Error> for StoreError {
    fn from(err: postgres::Error) -> StoreError {
        StoreError::Postgres(describe_postgres(&err))
    }
}

/// A Postgres error with what the server said (its `Display` alone is often just "db error").
pub(crate) fn describe_postgres(err: &postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = err.to_string();
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                text = format!("{text}: {cause}");
                source = cause.source();
            }
            text
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
