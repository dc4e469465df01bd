//! API keys in SQLite: the `api_keys` table (its own migration, [`SCHEMA_API_KEYS`]) and the
//! [`KeyStore`] implementation. Lists (actions, origins) are stored as JSON arrays.

use super::SqliteStore;
use crate::api_key::{KeyStore, StoredApiKey};
use crate::error::{StoreError, StoreResult};
use crate::stored::{time_from_stored, time_to_stored};
use rusqlite::{Row, params};

/// The API keys table.
pub(crate) const SCHEMA_API_KEYS: &str = "
CREATE TABLE api_keys (
    key_id               TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    secret_sha256        TEXT NOT NULL UNIQUE,
    prefix               TEXT NOT NULL,
    actions              TEXT NOT NULL,
    sources              TEXT,
    allowed_origins      TEXT NOT NULL,
    expires_us           INTEGER,
    requests_per_minute  INTEGER,
    created_us           INTEGER NOT NULL
);
";

const KEY_COLUMNS: &str = "key_id, name, secret_sha256, prefix, actions, sources, \
     allowed_origins, expires_us, requests_per_minute, created_us";

impl KeyStore for SqliteStore {
    fn insert_api_key(&self, key: &StoredApiKey) -> StoreResult<()> {
        let key = key.clone();
        let actions = json_list(&key.actions)?;
        let origins = json_list(&key.allowed_origins)?;
        self.write(move |connection| {
            let sql = format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
            connection.execute(
                &sql,
                params![
                    key.key_id,
                    key.name,
                    key.secret_sha256,
                    key.prefix,
                    actions,
                    key.sources,
                    origins,
                    key.expires_at.map(time_to_stored),
                    key.requests_per_minute,
                    time_to_stored(key.created_at),
                ],
            )?;
            Ok(())
        })
    }

    fn api_keys(&self) -> StoreResult<Vec<StoredApiKey>> {
        self.read(|connection| {
            let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_us, key_id");
            let mut statement = connection.prepare_cached(&sql)?;
            let mut rows = statement.query([])?;
            let mut keys = Vec::new();
            while let Some(row) = rows.next()? {
                keys.push(key_from_row(row)?);
            }
            Ok(keys)
        })
    }

    fn delete_api_key(&self, key_id: &str) -> StoreResult<bool> {
        let key_id = key_id.to_string();
        self.write(move |connection| {
            let deleted = connection.execute("DELETE FROM api_keys WHERE key_id = ?1", [key_id])?;
            Ok(deleted > 0)
        })
    }
}

fn json_list(items: &[String]) -> StoreResult<String> {
    serde_json::to_string(items).map_err(|err| StoreError::Corrupt {
        column: "api_keys list",
        value: err.to_string(),
    })
}

fn list_from_json(column: &'static str, text: String) -> StoreResult<Vec<String>> {
    serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
        column,
        value: text,
    })
}

fn key_from_row(row: &Row<'_>) -> StoreResult<StoredApiKey> {
    let expires_us: Option<i64> = row.get(7)?;
    Ok(StoredApiKey {
        key_id: row.get(0)?,
        name: row.get(1)?,
        secret_sha256: row.get(2)?,
        prefix: row.get(3)?,
        actions: list_from_json("api_keys.actions", row.get(4)?)?,
        sources: row.get(5)?,
        allowed_origins: list_from_json("api_keys.allowed_origins", row.get(6)?)?,
        expires_at: expires_us
            .map(|us| time_from_stored("api_keys.expires_us", us))
            .transpose()?,
        requests_per_minute: row.get(8)?,
        created_at: time_from_stored("api_keys.created_us", row.get(9)?)?,
    })
}
