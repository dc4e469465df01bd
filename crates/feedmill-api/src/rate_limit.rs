//! [`KeyedRateLimiter`]: at most N requests per key per minute, then `429` with `Retry-After`.
//! Click-outs are keyed by client IP ([`ClickRateLimiter`]; Linkolino's `/r/:code` limit is
//! 30/IP/min), postbacks by client IP and program ([`PostbackRateLimiter`]; Linkolino's
//! `/api/postback/:id` limit is 100/IP + program/min).
//!
//! The limiter is governor's keyed GCRA: a burst of N, refilled one request every 60/N
//! seconds, so a client that keeps within N a minute is never refused. Its clock is
//! [`ApiClock`], which tests can stop and advance by hand.

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Checks between sweeps of idle clients, so memory stays bounded by recent clients.
const SWEEP_EVERY: u64 = 4096;

/// The limiter's time source: the monotonic clock, or a manual one for tests.
#[derive(Debug, Clone)]
pub struct ApiClock {
    origin: Instant,
    manual: Option<Arc<AtomicU64>>,
}

impl ApiClock {
    /// Real time.
    pub fn system() -> ApiClock {
        ApiClock {
            origin: Instant::now(),
            manual: None,
        }
    }

    /// A clock that stands still until [`ApiClock::advance`] is called.
    pub fn manual() -> ApiClock {
        ApiClock {
            origin: Instant::now(),
            manual: Some(Arc::new(AtomicU64::new(0))),
        }
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance(&self, by: Duration) {
        if let Some(nanos) = &self.manual {
            let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
            nanos.fetch_add(by, Ordering::SeqCst);
        }
    }
}

impl Clock for ApiClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        match &self.manual {
            Some(nanos) => Duration::from_nanos(nanos.load(Ordering::SeqCst)),
            None => self.origin.elapsed(),
        }
    }
}

type GovernorLimiter<K> = RateLimiter<K, HashMapStateStore<K>, ApiClock, NoOpMiddleware<Duration>>;

/// Per-IP click limit.
pub type ClickRateLimiter = KeyedRateLimiter<IpAddr>;

/// Per-IP-and-program postback limit.
pub type PostbackRateLimiter = KeyedRateLimiter<(IpAddr, String)>;

/// A per-key limit of requests per minute.
pub struct KeyedRateLimiter<K: Hash + Eq + Clone> {
    limiter: GovernorLimiter<K>,
    clock: ApiClock,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> KeyedRateLimiter<K> {
    /// `per_minute` requests per key per minute; 0 is read as 1.
    pub fn new(per_minute: u32, clock: ApiClock) -> KeyedRateLimiter<K> {
        let burst = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_minute(burst);
        KeyedRateLimiter {
            limiter: RateLimiter::new(quota, HashMapStateStore::default(), clock.clone()),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    /// `Ok` when `key` may be served now, else the whole seconds to wait (at least 1).
    pub fn check(&self, key: K) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
        }
        match self.limiter.check_key(&key) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                Err(wait.as_secs_f64().ceil().max(1.0) as u64)
            }
        }
    }
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for KeyedRateLimiter<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedRateLimiter").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn allows_thirty_a_minute_per_ip_then_says_when_to_retry() {
        let clock = ApiClock::manual();
        let limiter = ClickRateLimiter::new(30, clock.clone());
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        for _ in 0..30 {
            assert_eq!(limiter.check(a), Ok(()));
        }
        assert_eq!(limiter.check(a), Err(2), "one click comes back every 2 s");
        assert_eq!(limiter.check(b), Ok(()), "other clients are not affected");
        clock.advance(Duration::from_secs(2));
        assert_eq!(limiter.check(a), Ok(()));
        assert!(limiter.check(a).is_err());
        clock.advance(Duration::from_secs(60));
        for _ in 0..30 {
            assert_eq!(limiter.check(a), Ok(()));
        }
    }

    #[test]
    fn postbacks_are_limited_per_ip_and_program() {
        let clock = ApiClock::manual();
        let limiter = PostbackRateLimiter::new(100, clock.clone());
        let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        for _ in 0..100 {
            assert_eq!(limiter.check((ip, "shop-a".to_owned())), Ok(()));
        }
        assert_eq!(limiter.check((ip, "shop-a".to_owned())), Err(1));
        assert_eq!(limiter.check((ip, "shop-b".to_owned())), Ok(()));
        clock.advance(Duration::from_secs(1));
        assert_eq!(limiter.check((ip, "shop-a".to_owned())), Ok(()));
    }
}
