//! The request and response bodies of `/keys` and `/keys/scoped`. A key's secret appears in
//! exactly one answer: the one that created it ([`CreatedKey`]).

use crate::auth::{ApiKey, KeyOrigin, ScopeParams};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /keys`: a run-time key.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyRequest {
    /// What the operator calls the key.
    pub name: String,
    /// Actions: search, links, clicks, postback, admin.
    pub actions: Vec<String>,
    /// A source-name pattern (`shop-*`) the key is limited to.
    #[serde(default)]
    pub sources: Option<String>,
    /// Browser origins that may use the key (CORS).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The key's own limit; none when absent.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub requests_per_minute: Option<u32>,
}

/// A key as listings show it: never its secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyView {
    /// `config:<name>` for keys of the config file, else the id `DELETE /keys/{id}` takes.
    pub id: String,
    pub name: String,
    /// `config` or `store`.
    pub origin: String,
    /// The secret's first characters.
    pub prefix: String,
    pub actions: Vec<String>,
    pub sources: Option<String>,
    pub allowed_origins: Vec<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
    pub requests_per_minute: Option<u32>,
}

impl KeyView {
    pub(crate) fn of(key: &ApiKey) -> KeyView {
        KeyView {
            id: key.id.clone(),
            name: key.name.clone(),
            origin: match key.origin {
                KeyOrigin::Config => "config".into(),
                KeyOrigin::Store => "store".into(),
            },
            prefix: key.prefix.clone(),
            actions: key.actions.iter().map(|a| a.as_str().to_string()).collect(),
            sources: key.sources.clone(),
            allowed_origins: key.allowed_origins.clone(),
            expires_at: key.expires_at,
            requests_per_minute: key.requests_per_minute,
        }
    }
}

/// `GET /keys`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
}

/// `POST /keys`'s answer: the key and, this once, its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    pub key: KeyView,
    /// The secret, shown only here: the server keeps its SHA-256 only.
    pub secret: String,
}

/// `POST /keys/scoped`: the filters to embed in a scoped key of the caller's search key.
pub type ScopedKeyRequest = ScopeParams;

/// `POST /keys/scoped`'s answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScopedKey {
    /// Send it as X-Api-Key; it can only search, within its filters.
    pub key: String,
    pub params: ScopeParams,
}
