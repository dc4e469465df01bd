//! [`StoredApiKey`] and [`KeyStore`]: API keys created at run time (`POST /keys`), kept by the
//! SHA-256 digest of their secret only, so a copy of the database cannot be used to call the
//! API. The secret itself is shown once, in the answer that created it.

use crate::error::StoreResult;
use chrono::{DateTime, Utc};

/// One API key as the store keeps it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    /// The key's public id (`DELETE /keys/{id}`); not a secret.
    pub key_id: String,
    /// What the operator calls it.
    pub name: String,
    /// SHA-256 of the secret, lowercase hex.
    pub secret_sha256: String,
    /// The secret's first characters, shown in listings so an operator can tell keys apart.
    pub prefix: String,
    /// The actions the key may perform (`search`, `links`, `admin`, ...).
    pub actions: Vec<String>,
    /// A source-name pattern (`shop-*`) the key is limited to; `None` for every source.
    pub sources: Option<String>,
    /// Browser origins allowed to call with this key; empty for any.
    pub allowed_origins: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The key's own request limit; `None` for none.
    pub requests_per_minute: Option<u32>,
    pub created_at: DateTime<Utc>,
}

/// Run-time API keys.
pub trait KeyStore {
    /// Stores a new key; returns once it is durable. Its id and digest must be new.
    fn insert_api_key(&self, key: &StoredApiKey) -> StoreResult<()>;
    /// Every stored key, oldest first.
    fn api_keys(&self) -> StoreResult<Vec<StoredApiKey>>;
    /// Deletes the key `key_id`; false when there was none.
    fn delete_api_key(&self, key_id: &str) -> StoreResult<bool>;
}
