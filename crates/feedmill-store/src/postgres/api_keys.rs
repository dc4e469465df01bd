//! API keys on Postgres: the `api_keys` table, lists (actions, origins) as JSON arrays, as in
//! the SQLite store.

use super::{PostgresStore, rows};
use crate::api_key::{KeyStore, StoredApiKey};
use crate::error::{StoreError, StoreResult};
use crate::stored::{time_from_stored, time_to_stored};
use postgres::Row;

const KEY_COLUMNS: &str = "key_id, name, secret_sha256, prefix, actions, sources, \
     allowed_origins, expires_us, requests_per_minute, created_us";

impl KeyStore for PostgresStore {
    fn insert_api_key(&self, key: &StoredApiKey) -> StoreResult<()> {
        let key = key.clone();
        let actions = json_list(&key.actions)?;
        let origins = json_list(&key.allowed_origins)?;
        self.write(move |transaction| {
            let sql = format!(
                "INSERT INTO api_keys ({KEY_COLUMNS}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            );
            transaction.execute(
                &sql,
                &[
                    &key.key_id,
                    &key.name,
                    &key.secret_sha256,
                    &key.prefix,
                    &actions,
                    &key.sources,
                    &origins,
                    &key.expires_at.map(time_to_stored),
                    &key.requests_per_minute.map(i64::from),
                    &time_to_stored(key.created_at),
                ],
            )?;
            Ok(())
        })
    }

    fn api_keys(&self) -> StoreResult<Vec<StoredApiKey>> {
        self.read(|transaction| {
            let sql = format!(
                "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_us, key_id COLLATE \"C\""
            );
            transaction
                .query(&sql, &[])?
                .iter()
                .map(key_from_row)
                .collect()
        })
    }

    fn delete_api_key(&self, key_id: &str) -> StoreResult<bool> {
        let key_id = key_id.to_string();
        self.write(move |transaction| {
            let deleted =
                transaction.execute("DELETE FROM api_keys WHERE key_id = $1", &[&key_id])?;
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

fn key_from_row(row: &Row) -> StoreResult<StoredApiKey> {
    let expires_us: Option<i64> = rows::get(row, 7)?;
    let per_minute: Option<i64> = rows::get(row, 8)?;
    Ok(StoredApiKey {
        key_id: rows::get(row, 0)?,
        name: rows::get(row, 1)?,
        secret_sha256: rows::get(row, 2)?,
        prefix: rows::get(row, 3)?,
        actions: list_from_json("api_keys.actions", rows::get(row, 4)?)?,
        sources: rows::get(row, 5)?,
        allowed_origins: list_from_json("api_keys.allowed_origins", rows::get(row, 6)?)?,
        expires_at: expires_us
            .map(|us| time_from_stored("api_keys.expires_us", us))
            .transpose()?,
        requests_per_minute: per_minute
            .map(|n| u32::try_from(n).map_err(|_| rows::corrupt("requests_per_minute", n)))
            .transpose()?,
        created_at: time_from_stored("api_keys.created_us", rows::get(row, 9)?)?,
    })
}
