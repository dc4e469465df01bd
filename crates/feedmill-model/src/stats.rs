//! What an import run read, kept and rejected, and how long it took.

use crate::{DuplicateIds, RejectReason, Rejection};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Counters of one run over one feed. Every record read is either kept or rejected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    pub num_read: u64,
    pub num_kept: u64,
    pub num_rejected: u64,
    pub rejected_by_reason: BTreeMap<RejectReason, u64>,
    /// Problems repaired or fields dropped without losing the record, by kind.
    pub warnings_by_kind: BTreeMap<String, u64>,
    /// Offer ids that came more than once, with where (kept records are counted once each in
    /// `num_kept` all the same: an ingest keeps the last of each id).
    #[serde(default, skip_serializing_if = "DuplicateIds::is_empty")]
    pub duplicate_ids: DuplicateIds,
    #[serde(with = "duration_secs")]
    pub elapsed: Duration,
}

impl RunStats {
    pub fn record_kept(&mut self) {
        self.num_read += 1;
        self.num_kept += 1;
    }

    pub fn record_rejected(&mut self, rejection: &Rejection) {
        self.num_read += 1;
        self.num_rejected += 1;
        *self.rejected_by_reason.entry(rejection.reason).or_default() += 1;
    }

    pub fn record_warning(&mut self, kind: &str) {
        *self.warnings_by_kind.entry(kind.to_string()).or_default() += 1;
    }

    pub fn merge(&mut self, other: &RunStats) {
        self.num_read += other.num_read;
        self.num_kept += other.num_kept;
        self.num_rejected += other.num_rejected;
        for (reason, n) in &other.rejected_by_reason {
            *self.rejected_by_reason.entry(*reason).or_default() += n;
        }
        for (kind, n) in &other.warnings_by_kind {
            *self.warnings_by_kind.entry(kind.clone()).or_default() += n;
        }
        self.duplicate_ids.merge(&other.duplicate_ids);
    }

    /// Offers per second over the run's elapsed time.
    pub fn offers_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.num_read as f64 / secs
        } else {
            0.0
        }
    }
}

/// `read 10, kept 9, rejected 1 (missing_price 1)`: the closing line of every run.
impl fmt::Display for RunStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {}, kept {}, rejected {}",
            self.num_read, self.num_kept, self.num_rejected
        )?;
        if !self.rejected_by_reason.is_empty() {
            let reasons: Vec<String> = self
                .rejected_by_reason
                .iter()
                .map(|(reason, n)| format!("{reason} {n}"))
                .collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        Ok(())
    }
}

mod duration_secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Ok(Duration::try_from_secs_f64(secs).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_line_counts_by_reason() {
        let mut stats = RunStats::default();
        stats.record_kept();
        stats.record_rejected(&Rejection::new(
            2,
            "price",
            RejectReason::MissingPrice,
            "no price",
            "",
        ));
        assert_eq!(
            stats.to_string(),
            "read 2, kept 1, rejected 1 (missing_price 1)"
        );
    }
}
