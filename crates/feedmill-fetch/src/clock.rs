//! Time, injectable: the wall clock rate-limit resets are compared with, and the sleep that
//! back-off and rate limits wait in.
//!
//! Production uses [`SystemClock`]. Tests use a [`ManualClock`], whose sleeps return at once and
//! move its time forward; share it with the `simulator` (feature `simulator`) and a rate-limit
//! reset "passes" the moment the client decides to wait for it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of "now" (Unix epoch milliseconds) and of waiting.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now_ms(&self) -> u64;
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// The real clock and `tokio::time::sleep`.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX)
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that only moves when someone sleeps on it; it records every sleep.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    now_ms: u64,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    /// Starts at the current wall-clock time, so epoch values look real.
    pub fn new() -> ManualClock {
        ManualClock::starting_at(SystemClock.now_ms())
    }

    pub fn starting_at(now_ms: u64) -> ManualClock {
        ManualClock {
            inner: Arc::new(Mutex::new(ManualState {
                now_ms,
                sleeps: Vec::new(),
            })),
        }
    }

    /// Moves time forward without recording a sleep.
    pub fn advance(&self, duration: Duration) {
        let mut state = self.lock();
        state.now_ms = state.now_ms.saturating_add(millis(duration));
    }

    /// Every sleep so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    pub fn total_slept(&self) -> Duration {
        self.lock().sleeps.iter().sum()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        // The state stays consistent even if a holder panicked: plain numbers, no invariants.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.lock().now_ms
    }

    fn sleep(&self, duration: Duration) -> SleepFuture {
        {
            let mut state = self.lock();
            state.now_ms = state.now_ms.saturating_add(millis(duration));
            state.sleeps.push(duration);
        }
        // Still yield, so a sleeping loop lets other tasks (the simulator) run.
        Box::pin(tokio::task::yield_now())
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_moves_only_when_slept_on() {
        let clock = ManualClock::starting_at(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        clock.sleep(Duration::from_millis(250)).await;
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now_ms(), 2_250);
        assert_eq!(clock.sleeps(), vec![Duration::from_millis(250)]);
        assert_eq!(clock.total_slept(), Duration::from_millis(250));
    }

    #[test]
    fn system_clock_is_epoch_milliseconds() {
        // 2020-01-01 in epoch ms: a sanity floor that catches seconds-vs-millis mistakes.
        assert!(SystemClock.now_ms() > 1_577_836_800_000);
    }
}
