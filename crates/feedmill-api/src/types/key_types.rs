//! The request and response bodies of `/keys` and `/keys/scoped`. A key's secret appears in
//! exactly one answer: the one that created it ([`CreatedKey`]).

use crate::auth::{ApiKey, KeyOrigin, ScopeParams};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The id of a run-time key (16 lowercase hex digits), the only keys `DELETE /keys/{id}` can
/// remove: keys of the config file (`config:<name>`) are removed from the file.
pub const RUN_TIME_KEY_ID_PATTERN: &str = "^[0-9a-f]{16}$";

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
    /// The key's own limit; none when absent. A whole number, also when written `60.0`.
    #[serde(default, deserialize_with = "whole_u32")]
    #[schema(minimum = 1)]
    pub requests_per_minute: Option<u32>,
}

/// An optional `u32` that JSON may write as `60` or `60.0` (both are the integer 60 to JSON
/// Schema); a fraction, a sign or a number past `u32::MAX` is refused.
fn whole_u32<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = match number.as_u64() {
        Some(n) => Some(n),
        None => number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u64),
    };
    let whole = whole.and_then(|n| u32::try_from(n).ok());
    whole.map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "expected a whole number from 0 to {}, got {number}",
            u32::MAX
        ))
    })
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
