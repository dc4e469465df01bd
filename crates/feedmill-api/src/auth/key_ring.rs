//! [`KeyRing`]: the keys the server accepts right now — the configured ones (replaced as a
//! whole on reload, so a rotated secret stops working at once) and the run-time ones from the
//! store — and [`KeyRing::authenticate`], which turns a presented secret into a [`Caller`].
//!
//! Keys are found by the SHA-256 digest of the presented secret, never by the secret itself,
//! and the digest is compared once more in constant time; timing can reveal at most bits of a
//! digest, which do not help guessing a 256-bit secret. The set is copied on every change
//! (rare) and read under a lock held only to clone an `Arc`.

use super::api_key::{ApiKey, KeySpec};
use super::scoped::{self, ScopeParams};
use super::secret::{self, SecretDigest};
use crate::rate_limit::ApiClock;
use chrono::{DateTime, Utc};
use feedmill_store::StoredApiKey;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Whether keys are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// No key needed (the default).
    #[default]
    Open,
    /// Keys needed on every route that is not [`Access::Open`](super::Access::Open).
    Keys,
}

/// The keys part of the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthSettings {
    pub mode: AuthMode,
    pub keys: Vec<KeySpec>,
}

/// Who is calling: a key, perhaps narrowed by a scoped key.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: Arc<ApiKey>,
    /// The filters of a scoped key.
    pub scope: Option<ScopeParams>,
}

/// Why a presented key is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRefusal {
    Unknown,
    /// The key (or its scoped key) has expired; names the key.
    Expired(String),
}

#[derive(Default)]
struct KeySet {
    mode: AuthMode,
    configured: Vec<Arc<ApiKey>>,
    stored: Vec<Arc<ApiKey>>,
    by_digest: HashMap<SecretDigest, Arc<ApiKey>>,
    by_prefix: HashMap<String, Vec<Arc<ApiKey>>>,
}

impl KeySet {
    fn new(mode: AuthMode, configured: Vec<Arc<ApiKey>>, stored: Vec<Arc<ApiKey>>) -> KeySet {
        let mut set = KeySet {
            mode,
            ..KeySet::default()
        };
        for key in configured.iter().chain(&stored) {
            set.by_digest.insert(key.digest, key.clone());
            let same_prefix = set.by_prefix.entry(key.prefix.clone()).or_default();
            same_prefix.push(key.clone());
        }
        set.configured = configured;
        set.stored = stored;
        set
    }
}

/// See the module doc.
pub struct KeyRing {
    clock: ApiClock,
    set: RwLock<Arc<KeySet>>,
}

impl KeyRing {
    /// An open ring without keys.
    pub fn new(clock: ApiClock) -> KeyRing {
        KeyRing {
            clock,
            set: RwLock::new(Arc::new(KeySet::default())),
        }
    }

    fn current(&self) -> Arc<KeySet> {
        self.set.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn swap(&self, build: impl FnOnce(&KeySet) -> KeySet) {
        let mut set = self.set.write().unwrap_or_else(|p| p.into_inner());
        *set = Arc::new(build(&set));
    }

    pub fn mode(&self) -> AuthMode {
        self.current().mode
    }

    /// Replaces the mode and the configured keys (start-up and reload). On an error nothing
    /// changes; the error names the key.
    pub fn configure(&self, settings: &AuthSettings) -> Result<(), String> {
        let mut configured = Vec::with_capacity(settings.keys.len());
        for spec in &settings.keys {
            let key = ApiKey::from_spec(spec, &self.clock)
                .map_err(|reason| format!("key {:?}: {reason}", spec.name))?;
            configured.push(Arc::new(key));
        }
        self.swap(|old| KeySet::new(settings.mode, configured, old.stored.clone()));
        Ok(())
    }

    /// Replaces the run-time keys with those of the store.
    pub fn load_stored(&self, stored: &[StoredApiKey]) -> Result<(), String> {
        let keys = stored
            .iter()
            .map(|k| ApiKey::from_stored(k, &self.clock).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        self.swap(|old| KeySet::new(old.mode, old.configured.clone(), keys));
        Ok(())
    }

    /// Adds a key just stored.
    pub(crate) fn add_stored(&self, stored: &StoredApiKey) -> Result<Arc<ApiKey>, String> {
        let key = Arc::new(ApiKey::from_stored(stored, &self.clock)?);
        let added = key.clone();
        self.swap(|old| {
            let mut keys = old.stored.clone();
            keys.push(added);
            KeySet::new(old.mode, old.configured.clone(), keys)
        });
        Ok(key)
    }

    /// Forgets a run-time key just deleted from the store.
    pub(crate) fn remove_stored(&self, key_id: &str) {
        self.swap(|old| {
            let keys = old.stored.iter().filter(|k| k.id != key_id).cloned();
            KeySet::new(old.mode, old.configured.clone(), keys.collect())
        });
    }

    /// Every key, configured first.
    pub fn keys(&self) -> Vec<Arc<ApiKey>> {
        let set = self.current();
        set.configured.iter().chain(&set.stored).cloned().collect()
    }

    /// Whether any key lets `origin` call from a browser (answers CORS preflights).
    pub fn any_key_allows_origin(&self, origin: &str) -> bool {
        let set = self.current();
        let mut keys = set.configured.iter().chain(&set.stored);
        keys.any(|key| key.allowed_origins.iter().any(|o| o == origin))
    }

    /// The caller a presented secret or scoped key stands for at `now`.
    pub fn authenticate(&self, presented: &str, now: DateTime<Utc>) -> Result<Caller, KeyRefusal> {
        if presented.len() > secret::MAX_SECRET_LEN {
            return Err(KeyRefusal::Unknown);
        }
        let set = self.current();
        let digest = secret::digest(presented);
        let caller = match set.by_digest.get(&digest) {
            Some(key) if secret::digests_match(&key.digest, &digest) => Caller {
                key: key.clone(),
                scope: None,
            },
            _ => scoped_caller(&set, presented)?,
        };
        if caller.key.is_expired(now) {
            return Err(KeyRefusal::Expired(caller.key.name.clone()));
        }
        let scope_expiry = caller.scope.as_ref().and_then(|s| s.expires_at);
        if scope_expiry.is_some_and(|at| at <= now) {
            return Err(KeyRefusal::Expired(format!("scoped {}", caller.key.name)));
        }
        Ok(caller)
    }
}

/// The caller of a scoped key, when `presented` is one signed by a known key.
fn scoped_caller(set: &KeySet, presented: &str) -> Result<Caller, KeyRefusal> {
    let token = scoped::open(presented).ok_or(KeyRefusal::Unknown)?;
    let parents = set.by_prefix.get(&token.parent_prefix);
    for parent in parents.into_iter().flatten() {
        if let Some(scope) = token.verify(&parent.digest) {
            return Ok(Caller {
                key: parent.clone(),
                scope: Some(scope),
            });
        }
    }
    Err(KeyRefusal::Unknown)
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = self.current();
        f.debug_struct("KeyRing")
            .field("mode", &set.mode)
            .field("num_keys", &(set.configured.len() + set.stored.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::secret;

    fn spec(name: &str, secret: &str) -> KeySpec {
        KeySpec {
            name: name.into(),
            secret: secret.into(),
            actions: vec!["search".into()],
            sources: None,
            expires_at: None,
            requests_per_minute: None,
            allowed_origins: vec![format!("https://{name}.example")],
        }
    }

    fn ring(keys: Vec<KeySpec>) -> KeyRing {
        let ring = KeyRing::new(ApiClock::manual());
        let settings = AuthSettings {
            mode: AuthMode::Keys,
            keys,
        };
        ring.configure(&settings)
            .unwrap_or_else(|err| panic!("{err}"));
        ring
    }

    fn caller_name(ring: &KeyRing, presented: &str) -> Result<String, KeyRefusal> {
        ring.authenticate(presented, Utc::now())
            .map(|c| c.key.name.clone())
    }

    #[test]
    fn a_scoped_key_finds_its_parent_among_keys_of_the_same_prefix() -> Result<(), String> {
        let ring = ring(vec![
            spec("a", "fmk_same-prefix-aaaa"),
            spec("b", "fmk_same-prefix-bbbb"),
        ]);
        let parent_b = secret::digest("fmk_same-prefix-bbbb");
        let params = ScopeParams {
            filter: [("merchant".to_string(), "Acme".to_string())].into(),
            expires_at: None,
        };
        let token = scoped::mint(&parent_b, "fmk_same", &params).map_err(|e| e.to_string())?;
        let caller = ring
            .authenticate(&token, Utc::now())
            .map_err(|e| format!("{e:?}"))?;
        assert_eq!(caller.key.name, "b");
        assert_eq!(caller.scope, Some(params));
        Ok(())
    }

    #[test]
    fn configuring_replaces_config_keys_and_keeps_stored_ones() -> Result<(), String> {
        let ring = ring(vec![spec("a", "fmk_first-secret-0001")]);
        let stored = StoredApiKey {
            key_id: "k1".into(),
            name: "run-time".into(),
            secret_sha256: secret::to_hex(&secret::digest("fmk_stored-secret-001")),
            prefix: "fmk_stor".into(),
            actions: vec!["links".into()],
            sources: None,
            allowed_origins: Vec::new(),
            expires_at: None,
            requests_per_minute: None,
            created_at: Utc::now(),
        };
        ring.add_stored(&stored)?;
        ring.configure(&AuthSettings {
            mode: AuthMode::Keys,
            keys: vec![spec("a", "fmk_second-secret-001")],
        })?;
        assert_eq!(
            caller_name(&ring, "fmk_first-secret-0001"),
            Err(KeyRefusal::Unknown)
        );
        assert_eq!(
            caller_name(&ring, "fmk_second-secret-001").as_deref(),
            Ok("a")
        );
        assert_eq!(
            caller_name(&ring, "fmk_stored-secret-001").as_deref(),
            Ok("run-time")
        );
        assert!(ring.any_key_allows_origin("https://a.example"));
        assert!(!ring.any_key_allows_origin("https://b.example"));
        ring.remove_stored("k1");
        assert_eq!(
            caller_name(&ring, "fmk_stored-secret-001"),
            Err(KeyRefusal::Unknown)
        );
        assert_eq!(
            caller_name(&ring, &"x".repeat(5000)),
            Err(KeyRefusal::Unknown)
        );
        let mut corrupt = stored;
        corrupt.secret_sha256 = "not hex".into();
        assert!(
            ring.load_stored(&[corrupt])
                .is_err_and(|e| e.contains("k1"))
        );
        Ok(())
    }
}
