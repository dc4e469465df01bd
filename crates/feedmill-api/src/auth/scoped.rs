//! Scoped search keys, after Typesense's: a search key narrowed to embedded filters that its
//! holder cannot widen, signed so the server checks it without a lookup.
//!
//! A scoped key is `base64url(HMAC-SHA256(signing_key, params) ‖ parent_prefix ‖ params)`:
//! 32 bytes of signature, the parent key's first [`PREFIX_LEN`] characters (which find the
//! parent) and the parameters as JSON ([`ScopeParams`]). The signing key is the SHA-256 digest
//! of the parent's secret: the server keeps only digests, and whoever holds the secret can
//! compute it too, so a front-end's back-end can mint scoped keys offline. Changing one byte of
//! the parameters or of the signature makes the key invalid.

use super::secret::{PREFIX_LEN, SecretDigest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const SIGNATURE_LEN: usize = 32;

/// The search parameters a scoped key may fix: filters only (paging and sorting stay the
/// caller's).
pub const SCOPE_FILTERS: &[&str] = &[
    "brand",
    "category",
    "merchant",
    "network",
    "source",
    "min_price",
    "max_price",
    "currency",
    "in_stock",
    "gtin",
];

/// What a scoped key embeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeParams {
    /// Search filters by parameter name, e.g. `{"merchant": "Acme"}`; they replace the
    /// caller's values of the same parameters.
    pub filter: BTreeMap<String, String>,
    /// When the scoped key stops working (it stops with its parent in any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl ScopeParams {
    /// Why these parameters cannot be embedded, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.filter.is_empty() {
            return Err("filter must fix at least one search filter".into());
        }
        for name in self.filter.keys() {
            if !SCOPE_FILTERS.contains(&name.as_str()) {
                return Err(format!(
                    "filter {name:?} cannot be scoped; expected one of {}",
                    SCOPE_FILTERS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// A scoped key taken apart, not yet verified.
pub(crate) struct ScopedToken {
    signature: Vec<u8>,
    pub parent_prefix: String,
    params: Vec<u8>,
}

/// Signs `params` for the parent whose secret has `parent_digest` and starts with `prefix`.
pub(crate) fn mint(
    parent_digest: &SecretDigest,
    parent_prefix: &str,
    params: &ScopeParams,
) -> Result<String, serde_json::Error> {
    let json = serde_json::to_vec(params)?;
    let mut bytes = signature(parent_digest, &json);
    bytes.extend_from_slice(parent_prefix.as_bytes());
    bytes.extend_from_slice(&json);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Takes a presented key apart; `None` when it does not have a scoped key's shape.
pub(crate) fn open(presented: &str) -> Option<ScopedToken> {
    let bytes = URL_SAFE_NO_PAD.decode(presented).ok()?;
    if bytes.len() <= SIGNATURE_LEN + PREFIX_LEN {
        return None;
    }
    let (signature, rest) = bytes.split_at(SIGNATURE_LEN);
    let (prefix, params) = rest.split_at(PREFIX_LEN);
    Some(ScopedToken {
        signature: signature.to_vec(),
        parent_prefix: String::from_utf8(prefix.to_vec()).ok()?,
        params: params.to_vec(),
    })
}

impl ScopedToken {
    /// The embedded parameters, when the signature is the parent's (checked in constant
    /// time) and they parse.
    pub(crate) fn verify(&self, parent_digest: &SecretDigest) -> Option<ScopeParams> {
        let mut mac = HmacSha256::new_from_slice(parent_digest).ok()?;
        mac.update(&self.params);
        mac.verify_slice(&self.signature).ok()?;
        serde_json::from_slice(&self.params).ok()
    }
}

fn signature(key: &SecretDigest, message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; a 32-byte key cannot fail.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        unreachable!("hmac takes keys of any length")
    };
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::secret::digest;

    fn params() -> ScopeParams {
        ScopeParams {
            filter: BTreeMap::from([("merchant".to_string(), "Acme".to_string())]),
            expires_at: None,
        }
    }

    #[test]
    fn a_minted_key_opens_and_verifies_with_its_parent_only() -> Result<(), serde_json::Error> {
        let parent = digest("fmk_parent-secret-0123456789");
        let token = mint(&parent, "fmk_pare", &params())?;
        let opened = open(&token).ok_or_else(|| serde::de::Error::custom("no token"))?;
        assert_eq!(opened.parent_prefix, "fmk_pare");
        assert_eq!(opened.verify(&parent), Some(params()));
        assert_eq!(opened.verify(&digest("another secret")), None);
        Ok(())
    }

    #[test]
    fn a_changed_filter_or_signature_is_refused() -> Result<(), serde_json::Error> {
        let parent = digest("fmk_parent-secret-0123456789");
        let token = mint(&parent, "fmk_pare", &params())?;
        let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes[SIGNATURE_LEN + PREFIX_LEN..]).to_string();
        let widened = text.replace("Acme", "Evil");
        let mut forged = bytes[..SIGNATURE_LEN + PREFIX_LEN].to_vec();
        forged.extend_from_slice(widened.as_bytes());
        let forged = URL_SAFE_NO_PAD.encode(forged);
        assert!(open(&forged).and_then(|t| t.verify(&parent)).is_none());
        let mut flipped = bytes.clone();
        flipped[3] ^= 1;
        let flipped = URL_SAFE_NO_PAD.encode(flipped);
        assert!(open(&flipped).and_then(|t| t.verify(&parent)).is_none());
        assert!(open("not base64 at all!").is_none());
        assert!(
            open(&URL_SAFE_NO_PAD.encode([0u8; 40])).is_none(),
            "too short"
        );
        Ok(())
    }

    #[test]
    fn only_filters_can_be_scoped() {
        assert_eq!(params().check(), Ok(()));
        let mut paging = params();
        paging.filter.insert("per_page".into(), "100".into());
        assert!(paging.check().is_err_and(|e| e.contains("per_page")));
        let empty = ScopeParams {
            filter: BTreeMap::new(),
            expires_at: None,
        };
        assert!(empty.check().is_err());
    }
}
