//! [`ApiKey`]: one key the server accepts, from the config ([`KeySpec`]) or from the store
//! (`POST /keys`), with its secret reduced to a digest, its actions, its limits and its own
//! request-rate limiter.

use super::action::Action;
use super::secret::{self, SecretDigest};
use crate::rate_limit::ApiClock;
use chrono::{DateTime, Utc};
use feedmill_store::StoredApiKey;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::time::Duration;

/// A key of the `[[key]]` entries, its secret read from the environment.
#[derive(Clone, PartialEq, Eq)]
pub struct KeySpec {
    pub name: String,
    pub secret: String,
    pub actions: Vec<String>,
    pub sources: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub requests_per_minute: Option<u32>,
    pub allowed_origins: Vec<String>,
}

/// Never prints the secret.
impl std::fmt::Debug for KeySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySpec")
            .field("name", &self.name)
            .field("actions", &self.actions)
            .finish_non_exhaustive()
    }
}

/// Where a key was defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    Config,
    Store,
}

type DirectLimiter = RateLimiter<NotKeyed, InMemoryState, ApiClock, NoOpMiddleware<Duration>>;

/// One key the server accepts.
pub struct ApiKey {
    /// `config:<name>` for configured keys, the stored id for run-time keys.
    pub id: String,
    pub name: String,
    pub origin: KeyOrigin,
    pub(crate) digest: SecretDigest,
    pub prefix: String,
    pub actions: BTreeSet<Action>,
    pub sources: Option<String>,
    pub allowed_origins: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub requests_per_minute: Option<u32>,
    limiter: Option<(DirectLimiter, ApiClock)>,
}

impl ApiKey {
    /// A configured key; the error says what is wrong with it (not the secret).
    pub(crate) fn from_spec(spec: &KeySpec, clock: &ApiClock) -> Result<ApiKey, String> {
        secret::check_secret(&spec.secret).map_err(|reason| format!("its secret {reason}"))?;
        Ok(ApiKey {
            id: format!("config:{}", spec.name),
            name: spec.name.clone(),
            origin: KeyOrigin::Config,
            digest: secret::digest(&spec.secret),
            prefix: secret::prefix_of(&spec.secret),
            actions: parse_actions(&spec.actions)?,
            sources: spec.sources.clone(),
            allowed_origins: spec.allowed_origins.clone(),
            expires_at: spec.expires_at,
            requests_per_minute: spec.requests_per_minute,
            limiter: limiter(spec.requests_per_minute, clock),
        })
    }

    /// A run-time key as the store keeps it.
    pub(crate) fn from_stored(stored: &StoredApiKey, clock: &ApiClock) -> Result<ApiKey, String> {
        let digest = secret::from_hex(&stored.secret_sha256)
            .ok_or_else(|| format!("stored key {:?} has a corrupt digest", stored.key_id))?;
        Ok(ApiKey {
            id: stored.key_id.clone(),
            name: stored.name.clone(),
            origin: KeyOrigin::Store,
            digest,
            prefix: stored.prefix.clone(),
            actions: parse_actions(&stored.actions)?,
            sources: stored.sources.clone(),
            allowed_origins: stored.allowed_origins.clone(),
            expires_at: stored.expires_at,
            requests_per_minute: stored.requests_per_minute,
            limiter: limiter(stored.requests_per_minute, clock),
        })
    }

    pub fn may(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// `Ok` when the key may make one more request now, else the whole seconds to wait.
    pub(crate) fn check_rate(&self) -> Result<(), u64> {
        let Some((limiter, clock)) = &self.limiter else {
            return Ok(());
        };
        limiter.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(clock.now());
            wait.as_secs_f64().ceil().max(1.0) as u64
        })
    }

    /// Whether `origin` may call with this key: any origin when the key lists none.
    pub(crate) fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.is_empty() || self.allowed_origins.iter().any(|o| o == origin)
    }

    /// Whether the key may touch source `name` (every source without a pattern).
    pub(crate) fn allows_source(&self, name: &str) -> bool {
        self.sources
            .as_deref()
            .is_none_or(|pattern| pattern_matches(pattern, name))
    }
}

/// Never prints the digest.
impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("actions", &self.actions)
            .finish_non_exhaustive()
    }
}

pub(crate) fn parse_actions(names: &[String]) -> Result<BTreeSet<Action>, String> {
    if names.is_empty() {
        return Err("a key needs at least one action".into());
    }
    names.iter().map(|name| name.parse()).collect()
}

fn limiter(per_minute: Option<u32>, clock: &ApiClock) -> Option<(DirectLimiter, ApiClock)> {
    let burst = NonZeroU32::new(per_minute?)?;
    let limiter = RateLimiter::direct_with_clock(Quota::per_minute(burst), clock.clone());
    Some((limiter, clock.clone()))
}

/// A source-name pattern: `*` matches any run of characters, everything else itself.
pub(crate) fn pattern_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(per_minute: Option<u32>) -> KeySpec {
        KeySpec {
            name: "front".into(),
            secret: "a-long-enough-secret".into(),
            actions: vec!["search".into()],
            sources: Some("shop-*".into()),
            expires_at: None,
            requests_per_minute: per_minute,
            allowed_origins: vec!["https://shop.example".into()],
        }
    }

    #[test]
    fn source_patterns_match_like_globs() {
        assert!(pattern_matches("shop-*", "shop-se"));
        assert!(pattern_matches("shop-*", "shop-"));
        assert!(!pattern_matches("shop-*", "ashop-se"));
        assert!(pattern_matches("*-se", "shop-se"));
        assert!(pattern_matches("a*b*c", "a-x-b-y-c"));
        assert!(!pattern_matches("a*b*c", "a-c-b"));
        assert!(pattern_matches("exact", "exact") && !pattern_matches("exact", "exactly"));
        assert!(pattern_matches("*", "anything"));
    }

    #[test]
    fn a_key_limits_its_own_rate() -> Result<(), String> {
        let clock = ApiClock::manual();
        let key = ApiKey::from_spec(&spec(Some(2)), &clock)?;
        assert_eq!((key.check_rate(), key.check_rate()), (Ok(()), Ok(())));
        assert_eq!(key.check_rate(), Err(30), "one request back every 30 s");
        clock.advance(Duration::from_secs(30));
        assert_eq!(key.check_rate(), Ok(()));
        let unlimited = ApiKey::from_spec(&spec(None), &clock)?;
        assert!((0..1000).all(|_| unlimited.check_rate().is_ok()));
        Ok(())
    }

    #[test]
    fn a_key_checks_origin_source_and_actions() -> Result<(), String> {
        let key = ApiKey::from_spec(&spec(None), &ApiClock::manual())?;
        assert!(
            key.allows_origin("https://shop.example") && !key.allows_origin("https://x.example")
        );
        assert!(key.allows_source("shop-se") && !key.allows_source("other"));
        assert!(key.may(Action::Search) && !key.may(Action::Admin));
        assert!(!format!("{key:?}{:?}", spec(None)).contains("a-long-enough-secret"));
        let mut bad = spec(None);
        bad.actions = vec!["delete".into()];
        assert!(ApiKey::from_spec(&bad, &ApiClock::manual()).is_err());
        bad = spec(None);
        bad.secret = "short".into();
        let err = ApiKey::from_spec(&bad, &ApiClock::manual())
            .err()
            .unwrap_or_default();
        assert!(err.contains("shorter") && !err.contains("short\""), "{err}");
        Ok(())
    }
}
