//! A per-host limiter driven by the server's own quota headers.
//!
//! Adtraction sends `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` on every
//! response. The reset is documented as epoch seconds but real responses carry epoch
//! milliseconds, so the value's size decides: ≥ 10¹² is milliseconds, ≥ 10⁹ seconds, anything
//! smaller "seconds from now". Before each request the limiter says how long to wait: until the
//! reset when the quota is used up, and a share of the window when it runs low, so a long run
//! slows down instead of hitting 429. A host that documents a fixed rate and sends no headers
//! (Awin's 20 calls a minute) is given a minimum spacing with [`RateLimiter::pace`]; both
//! rules apply, the longer wait wins. (governor and tower's limiters pace by a configured rate;
//! here the rate is whatever the server reports, so this is written by hand.)

use reqwest::header::HeaderMap;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Waiting this much past the reset absorbs small clock differences with the server.
const RESET_MARGIN_MS: u64 = 250;

#[derive(Debug, Default)]
pub struct RateLimiter {
    hosts: Mutex<HashMap<String, Quota>>,
    paced: Mutex<HashMap<String, Pace>>,
}

/// A fixed minimum spacing between requests to one host.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pace {
    interval_ms: u64,
    /// When the next request may go; 0 before the first.
    next_at_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Quota {
    limit: Option<u64>,
    remaining: u64,
    reset_at_ms: u64,
}

impl RateLimiter {
    pub fn new() -> RateLimiter {
        RateLimiter::default()
    }

    /// Spaces requests to `host` at least `interval` apart from now on (kept when already set).
    pub fn pace(&self, host: &str, interval: Duration) {
        let mut paced = self.paced.lock().unwrap_or_else(PoisonError::into_inner);
        let interval_ms = crate::clock::millis(interval);
        let pace = paced.entry(host.to_string()).or_insert(Pace {
            interval_ms,
            next_at_ms: 0,
        });
        pace.interval_ms = interval_ms;
    }

    /// How long to wait before the next request to `host`; reserves one request of the quota
    /// (and the host's next paced slot).
    pub fn delay_before_request(&self, host: &str, now_ms: u64) -> Duration {
        let quota = self.quota_delay(host, now_ms);
        let mut paced = self.paced.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(pace) = paced.get_mut(host) else {
            return quota;
        };
        let go_at_ms = pace.next_at_ms.max(now_ms + crate::clock::millis(quota));
        pace.next_at_ms = go_at_ms + pace.interval_ms;
        Duration::from_millis(go_at_ms - now_ms)
    }

    fn quota_delay(&self, host: &str, now_ms: u64) -> Duration {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(quota) = hosts.get_mut(host) else {
            return Duration::ZERO;
        };
        if now_ms >= quota.reset_at_ms {
            hosts.remove(host);
            return Duration::ZERO;
        }
        let until_reset = quota.reset_at_ms - now_ms;
        let delay_ms = if quota.remaining == 0 {
            until_reset + RESET_MARGIN_MS
        } else if quota.remaining <= low_water(quota.limit) {
            // Spread what is left evenly over the rest of the window.
            until_reset / (quota.remaining + 1)
        } else {
            0
        };
        quota.remaining = quota.remaining.saturating_sub(1);
        Duration::from_millis(delay_ms)
    }

    /// Learns the quota from a response's headers.
    pub fn observe(&self, host: &str, headers: &HeaderMap, now_ms: u64) {
        let Some(remaining) = header_u64(headers, "x-ratelimit-remaining") else {
            return;
        };
        let Some(reset) = header_u64(headers, "x-ratelimit-reset") else {
            return;
        };
        let quota = Quota {
            limit: header_u64(headers, "x-ratelimit-limit"),
            remaining,
            reset_at_ms: reset_to_epoch_ms(reset, now_ms),
        };
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts.insert(host.to_string(), quota);
    }
}

/// Below this many remaining requests the limiter starts pacing: a tenth of the quota, at
/// least one.
fn low_water(limit: Option<u64>) -> u64 {
    limit.map_or(1, |limit| (limit / 10).max(1))
}

/// Reads a reset header value as epoch milliseconds (see the module doc for the rule).
pub(crate) fn reset_to_epoch_ms(value: u64, now_ms: u64) -> u64 {
    if value >= 1_000_000_000_000 {
        value
    } else if value >= 1_000_000_000 {
        value.saturating_mul(1000)
    } else {
        now_ms.saturating_add(value.saturating_mul(1000))
    }
}

/// How long a 429 / 503 asks us to wait: `Retry-After` (seconds or an HTTP date), else the
/// rate-limit reset.
pub(crate) fn server_wait(headers: &HeaderMap, now_ms: u64) -> Option<Duration> {
    if let Some(value) = headers.get(reqwest::header::RETRY_AFTER)
        && let Ok(text) = value.to_str()
    {
        let text = text.trim();
        if let Ok(secs) = text.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(when) = httpdate::parse_http_date(text) {
            let now = SystemTime::UNIX_EPOCH + Duration::from_millis(now_ms);
            return Some(when.duration_since(now).unwrap_or_default());
        }
    }
    let reset = header_u64(headers, "x-ratelimit-reset")?;
    let reset_at_ms = reset_to_epoch_ms(reset, now_ms);
    Some(Duration::from_millis(
        reset_at_ms.saturating_sub(now_ms) + RESET_MARGIN_MS,
    ))
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const NOW: u64 = 1_565_602_000_000;

    fn headers(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.insert(*name, value);
            }
        }
        map
    }

    fn quota(limit: u64, remaining: u64, reset: u64) -> HeaderMap {
        headers(&[
            ("x-ratelimit-limit", limit.to_string()),
            ("x-ratelimit-remaining", remaining.to_string()),
            ("x-ratelimit-reset", reset.to_string()),
        ])
    }

    #[test]
    fn reset_accepts_millis_seconds_and_deltas() {
        assert_eq!(reset_to_epoch_ms(1_565_602_012_124, NOW), 1_565_602_012_124);
        assert_eq!(reset_to_epoch_ms(1_565_602_012, NOW), 1_565_602_012_000);
        assert_eq!(reset_to_epoch_ms(30, NOW), NOW + 30_000);
    }

    #[test]
    fn no_wait_while_quota_is_plenty() {
        let limiter = RateLimiter::new();
        assert_eq!(limiter.delay_before_request("api", NOW), Duration::ZERO);
        limiter.observe("api", &quota(30, 29, NOW + 60_000), NOW);
        assert_eq!(limiter.delay_before_request("api", NOW), Duration::ZERO);
    }

    #[test]
    fn waits_until_reset_when_used_up() {
        let limiter = RateLimiter::new();
        limiter.observe("api", &quota(30, 0, NOW + 10_000), NOW);
        assert_eq!(
            limiter.delay_before_request("api", NOW),
            Duration::from_millis(10_000 + RESET_MARGIN_MS)
        );
        // Another host is not affected; after the reset the quota is forgotten.
        assert_eq!(limiter.delay_before_request("other", NOW), Duration::ZERO);
        assert_eq!(
            limiter.delay_before_request("api", NOW + 10_001),
            Duration::ZERO
        );
    }

    #[test]
    fn slows_down_when_quota_runs_low() {
        let limiter = RateLimiter::new();
        limiter.observe("api", &quota(30, 3, NOW + 40_000), NOW);
        assert_eq!(
            limiter.delay_before_request("api", NOW),
            Duration::from_secs(10)
        );
        // The reservation counts: the next caller sees two left.
        assert_eq!(
            limiter.delay_before_request("api", NOW),
            Duration::from_millis(40_000 / 3)
        );
    }

    #[test]
    fn a_paced_host_waits_its_interval_between_requests() {
        let limiter = RateLimiter::new();
        limiter.pace("awin", Duration::from_secs(3));
        assert_eq!(limiter.delay_before_request("awin", NOW), Duration::ZERO);
        assert_eq!(
            limiter.delay_before_request("awin", NOW + 1_000),
            Duration::from_secs(2)
        );
        // The reservation counts: a third request queues behind the second.
        assert_eq!(
            limiter.delay_before_request("awin", NOW + 1_000),
            Duration::from_secs(5)
        );
        assert_eq!(limiter.delay_before_request("other", NOW), Duration::ZERO);
        assert_eq!(
            limiter.delay_before_request("awin", NOW + 60_000),
            Duration::ZERO
        );
    }

    #[test]
    fn server_wait_prefers_retry_after() {
        let map = headers(&[("retry-after", "12".into())]);
        assert_eq!(server_wait(&map, NOW), Some(Duration::from_secs(12)));
        let date =
            httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_millis(NOW + 5_000));
        let map = headers(&[("retry-after", date)]);
        assert_eq!(server_wait(&map, NOW), Some(Duration::from_secs(5)));
        let map = quota(30, 0, NOW + 2_000);
        assert_eq!(
            server_wait(&map, NOW),
            Some(Duration::from_millis(2_000 + RESET_MARGIN_MS))
        );
        assert_eq!(server_wait(&HeaderMap::new(), NOW), None);
    }
}
