//! Which feed each source's price history has caught up to: the content hash of the last
//! ingest whose batch was written, in the same transaction as that batch.
//!
//! The index commits a replacement before its price batch is written; a process killed
//! between the two leaves the index a feed ahead of the history. The pipeline compares this
//! hash with the index's and ingests a feed again while they differ, so the batch that was lost
//! is observed once more (history records only changes, so an offer already recorded adds
//! nothing).
//!
//! Beside it, each source's state token: a random number written with every batch of the
//! source, so that a process holding the states its last batch left (`KnownOffers`) can tell
//! whether another batch was written since.

use crate::error::StoreResult;
use rusqlite::{Connection, OptionalExtension, params};

/// The table, a migration of its own. A source without a row (recorded before it, or only
/// ever ingested without history) has caught up to no feed.
pub(crate) const SCHEMA_PRICE_SOURCES: &str = "
CREATE TABLE price_history_sources (
    source        TEXT PRIMARY KEY,
    content_hash  TEXT NOT NULL
) WITHOUT ROWID;
";

/// The state tokens, a migration of their own.
pub(crate) const SCHEMA_PRICE_STATE_TOKENS: &str = "
CREATE TABLE price_state_tokens (
    source  TEXT PRIMARY KEY,
    token   INTEGER NOT NULL
) WITHOUT ROWID;
";

/// Writes a fresh token for `source`'s states; returns it.
pub(super) fn write_state_token(connection: &Connection, source: &str) -> StoreResult<i64> {
    let token = crate::price_batch::fresh_state_token()?;
    connection
        .prepare_cached(
            "INSERT INTO price_state_tokens (source, token) VALUES (?1, ?2) \
             ON CONFLICT (source) DO UPDATE SET token = excluded.token",
        )?
        .execute(params![source, token])?;
    Ok(token)
}

/// The token of `source`'s states, if a batch was written.
pub(super) fn read_state_token(connection: &Connection, source: &str) -> StoreResult<Option<i64>> {
    Ok(connection
        .prepare_cached("SELECT token FROM price_state_tokens WHERE source = ?1")?
        .query_row([source], |row| row.get(0))
        .optional()?)
}

/// Records that `source`'s history holds the ingest of the feed `content_hash`.
pub(super) fn write_caught_up(
    connection: &Connection,
    source: &str,
    content_hash: &str,
) -> StoreResult<()> {
    connection
        .prepare_cached(
            "INSERT INTO price_history_sources (source, content_hash) VALUES (?1, ?2) \
             ON CONFLICT (source) DO UPDATE SET content_hash = excluded.content_hash",
        )?
        .execute(params![source, content_hash])?;
    Ok(())
}

/// The feed `source`'s history has caught up to, if any.
pub(super) fn read_caught_up(connection: &Connection, source: &str) -> StoreResult<Option<String>> {
    Ok(connection
        .prepare_cached("SELECT content_hash FROM price_history_sources WHERE source = ?1")?
        .query_row([source], |row| row.get(0))
        .optional()?)
}
