//! Bounded retries with jittered exponential back-off.
//!
//! Whether to retry is the error's call ([`FetchErrorKind::is_retryable`]); how long to wait is
//! the server's when it said so (`Retry-After`, a rate-limit reset), else exponential back-off
//! with "equal jitter" (half fixed, half random) so parallel clients do not retry in lockstep.
//! The wait goes through the injected [`Clock`], so tests do not sleep.

use crate::clock::Clock;
use crate::error::FetchErrorKind;
use std::future::Future;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included (1 = never retry).
    pub max_attempts: u32,
    /// The back-off before the first retry; it doubles per retry.
    pub base_delay: Duration,
    /// The back-off never grows past this.
    pub max_delay: Duration,
    /// The longest a server may make us wait (rate-limit reset, `Retry-After`); beyond it the
    /// fetch fails instead of hanging a refresh cycle.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            // Adtraction's quota window is a minute; five allow a slow reset and some slack.
            max_wait: Duration::from_secs(5 * 60),
        }
    }
}

impl RetryPolicy {
    pub fn never() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1-based): between half and all of
    /// `base_delay * 2^(retry-1)`, capped at `max_delay`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let full = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let jitter_ms = fastrand::u64(0..=crate::clock::millis(full - half));
        half + Duration::from_millis(jitter_ms)
    }
}

/// Runs `op` until it succeeds, fails for good, or runs out of attempts.
pub(crate) async fn retry<T, F, Fut>(
    policy: &RetryPolicy,
    clock: &dyn Clock,
    what: &str,
    mut op: F,
) -> Result<T, FetchErrorKind>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, FetchErrorKind>>,
{
    let mut num_attempts = 0;
    loop {
        num_attempts += 1;
        let err = match op().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        if !err.is_retryable() {
            return Err(err);
        }
        if num_attempts >= policy.max_attempts {
            if num_attempts == 1 {
                return Err(err);
            }
            return Err(FetchErrorKind::Exhausted {
                num_attempts,
                last: Box::new(err),
            });
        }
        let wait = err
            .retry_after()
            .unwrap_or_else(|| policy.backoff(num_attempts));
        if wait > policy.max_wait {
            return Err(FetchErrorKind::RateLimitTooLong {
                wait,
                max_wait: policy.max_wait,
            });
        }
        tracing::warn!(
            what,
            attempt = num_attempts,
            wait_ms = crate::clock::millis(wait),
            error = %err,
            "retrying"
        );
        clock.sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn http(status: u16, retry_after: Option<Duration>) -> FetchErrorKind {
        FetchErrorKind::Status {
            status,
            message: String::new(),
            retry_after,
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let capped = policy.backoff(30);
            assert!(capped >= Duration::from_millis(250) && capped <= Duration::from_millis(500));
        }
    }

    #[tokio::test]
    async fn retries_until_success() {
        let clock = ManualClock::new();
        let calls = AtomicU32::new(0);
        let result = retry(&RetryPolicy::default(), &clock, "test", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(http(503, None)),
                _ => Ok("done"),
            }
        })
        .await;
        assert_eq!(result.ok(), Some("done"));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(clock.sleeps().len(), 2);
    }

    #[tokio::test]
    async fn never_retries_client_errors() {
        let clock = ManualClock::new();
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retry(&RetryPolicy::default(), &clock, "test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(http(403, None))
        })
        .await;
        assert!(matches!(
            result,
            Err(FetchErrorKind::Status { status: 403, .. })
        ));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(clock.sleeps().is_empty());
    }

    #[tokio::test]
    async fn gives_up_after_max_attempts() {
        let clock = ManualClock::new();
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retry(&RetryPolicy::default(), &clock, "test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(http(500, None))
        })
        .await;
        let err = result.expect_err("fails");
        assert_eq!(err.to_string(), "http 500 (gave up after 4 attempts)");
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn honours_retry_after_but_not_beyond_max_wait() {
        let clock = ManualClock::new();
        let calls = AtomicU32::new(0);
        let wait = Duration::from_secs(7);
        let result = retry(&RetryPolicy::default(), &clock, "test", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(http(429, Some(wait))),
                _ => Ok(()),
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(clock.sleeps(), vec![wait]);

        let too_long = Duration::from_secs(3600);
        let result: Result<(), _> = retry(&RetryPolicy::default(), &clock, "test", || async {
            Err(http(429, Some(too_long)))
        })
        .await;
        assert!(matches!(
            result,
            Err(FetchErrorKind::RateLimitTooLong { .. })
        ));
    }
}
