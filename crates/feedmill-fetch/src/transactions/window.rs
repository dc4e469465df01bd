//! [`TransactionWindow`]: the span of sale times a sync re-pulls, and its split into the
//! spans a network accepts per call.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Sale times from `from` (inclusive) to `to` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl TransactionWindow {
    /// The `days` before `now`.
    pub fn trailing(days: u32, now: DateTime<Utc>) -> TransactionWindow {
        TransactionWindow {
            from: now - Duration::days(i64::from(days)),
            to: now,
        }
    }

    /// Consecutive windows of at most `max_days` each that cover this one exactly.
    pub fn split(self, max_days: i64) -> Vec<TransactionWindow> {
        let step = Duration::days(max_days.max(1));
        let mut parts = Vec::new();
        let mut from = self.from;
        while from < self.to {
            let to = (from + step).min(self.to);
            parts.push(TransactionWindow { from, to });
            from = to;
        }
        parts
    }

    /// Consecutive inclusive date ranges of at most `max_days` days each, from the first
    /// window day to the last, for APIs that take dates (`begin_date` / `end_date`).
    pub fn date_ranges(self, max_days: i64) -> Vec<(NaiveDate, NaiveDate)> {
        let last = self.to.date_naive();
        let span = Duration::days(max_days.max(1) - 1);
        let mut ranges = Vec::new();
        let mut first = self.from.date_naive();
        while first <= last {
            let end = (first + span).min(last);
            ranges.push((first, end));
            first = end + Duration::days(1);
        }
        ranges
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, 6, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn splits_into_consecutive_windows_of_at_most_the_span() {
        let window = TransactionWindow {
            from: at(1),
            to: at(1) + Duration::days(70),
        };
        let parts = window.split(31);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].from, window.from);
        assert_eq!(parts[0].to, parts[1].from);
        assert_eq!(parts[2].to, window.to);
        assert!(parts.iter().all(|p| p.to - p.from <= Duration::days(31)));
        assert!(
            TransactionWindow {
                from: at(2),
                to: at(2)
            }
            .split(31)
            .is_empty()
        );
    }

    #[test]
    fn date_ranges_cover_every_day_once() {
        let window = TransactionWindow::trailing(30, at(31));
        assert_eq!(
            window.date_ranges(62),
            [(at(1).date_naive(), at(31).date_naive())]
        );
        let ranges = window.date_ranges(10);
        assert_eq!(ranges.len(), 4);
        assert_eq!(ranges[1].0, ranges[0].1 + Duration::days(1));
        assert_eq!(ranges[3].1, at(31).date_naive());
    }
}
