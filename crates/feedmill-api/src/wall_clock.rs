//! [`WallClock`]: the date and time of the API's dated answers and of price alerts — the start
//! of a history window (`GET /offers/{id}/history?days=N`), an alert's evaluation and its
//! delivery attempts. It reads the system clock unless set ([`WallClock::set`]): tests, and
//! the binary's hidden `--now` for replays of simulated days, fix it, the way
//! `OfferIndex::set_search_time` fixes the "now" of the history filters. Clones share one
//! setting. (The rate limiter's clock is another one, `ApiClock`: monotonic, not a date.)

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The stored setting when the clock reads the system clock.
const SYSTEM: i64 = i64::MIN;

/// See the module doc.
#[derive(Debug, Clone)]
pub struct WallClock {
    fixed_us: Arc<AtomicI64>,
}

impl Default for WallClock {
    fn default() -> WallClock {
        WallClock::system()
    }
}

impl WallClock {
    /// The system clock, until set.
    pub fn system() -> WallClock {
        WallClock {
            fixed_us: Arc::new(AtomicI64::new(SYSTEM)),
        }
    }

    /// A clock standing at `now`.
    pub fn fixed_at(now: DateTime<Utc>) -> WallClock {
        let clock = WallClock::system();
        clock.set(Some(now));
        clock
    }

    /// Fixes the clock at `now`; `None` returns it to the system clock.
    pub fn set(&self, now: Option<DateTime<Utc>>) {
        let micros = now.map_or(SYSTEM, |now| now.timestamp_micros());
        self.fixed_us.store(micros, Ordering::Relaxed);
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.fixed_us.load(Ordering::Relaxed) {
            SYSTEM => Utc::now(),
            micros => DateTime::from_timestamp_micros(micros).unwrap_or_else(Utc::now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_set_clock_stands_still_and_its_clones_follow_it() {
        let clock = WallClock::system();
        let copy = clock.clone();
        let then = Utc
            .with_ymd_and_hms(2025, 3, 1, 12, 0, 0)
            .single()
            .unwrap_or_default();
        clock.set(Some(then));
        assert_eq!((clock.now(), copy.now()), (then, then));
        clock.set(None);
        assert!(copy.now() > then);
        assert_eq!(WallClock::fixed_at(then).now(), then);
    }
}
