//! [`EarningsReport`]: the answer of `GET /earnings` and `feedmill earnings --json` (one type, so
//! the two cannot name a field differently), and the reading of their `from`, `to` and
//! `group_by` as a caller types them.
//!
//! # The period
//! `from` and `to` are each either a UTC date (`2026-01-31`) or an RFC 3339 instant
//! (`2026-01-31T12:00:00+01:00`). The period is `[from, to)`: a date as `from` starts at its
//! midnight, a date as `to` *includes* that day (the period ends at the next midnight), so
//! `from=2026-01-01&to=2026-01-31` is the whole of January. Without `to` the period ends now;
//! without `from` it starts [`DEFAULT_REPORT_DAYS`] days before its end.

use crate::attribution::UnattributedSale;
use crate::click::{GroupBy, TimeRange};
use crate::earnings::EarningsRow;
use crate::error::{StoreError, StoreResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

/// Days a report covers when the caller gives no `from`: a month, the window networks
/// settle most sales in.
pub const DEFAULT_REPORT_DAYS: i64 = 30;

/// Earnings of a period by one grouping.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarningsReport {
    /// Start of the period, inclusive (RFC 3339, UTC).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: DateTime<Utc>,
    /// End of the period, exclusive.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: DateTime<Utc>,
    pub group_by: GroupBy,
    /// One row per group and currency (see `EarningsRow`); sales credited to no click are in
    /// rows whose `key` is `null`.
    pub rows: Vec<EarningsRow>,
}

/// The sales of a period that no click could be credited with (`GET /earnings/unattributed`,
/// `feedmill earnings --unattributed`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = UnattributedSales))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnattributedReport {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub num_sales: usize,
    pub sales: Vec<UnattributedSale>,
}

/// A report's period `[from, to)` from the caller's texts (see the module doc); empty texts
/// count as absent. A bad value is a user error naming the parameter.
pub fn report_period(
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<(DateTime<Utc>, DateTime<Utc>)> {
    let end = match given(to) {
        Some(text) => parse_bound("to", text, true)?,
        None => now,
    };
    let start = match given(from) {
        Some(text) => parse_bound("from", text, false)?,
        None => end - Duration::days(DEFAULT_REPORT_DAYS),
    };
    if start >= end {
        return Err(period_error(
            "from",
            format!(
                "{} is not before to {}",
                start.to_rfc3339(),
                end.to_rfc3339()
            ),
        ));
    }
    Ok((start, end))
}

/// The period as the store's range.
pub fn period_range(period: (DateTime<Utc>, DateTime<Utc>)) -> TimeRange {
    TimeRange::between(period.0, period.1)
}

/// `group_by` as typed: `day`, `source`, `merchant`, `offer` or `sub_id`; absent is `day`.
pub fn report_group_by(text: Option<&str>) -> StoreResult<GroupBy> {
    let Some(text) = given(text) else {
        return Ok(GroupBy::Day);
    };
    GroupBy::ALL
        .into_iter()
        .find(|g| g.as_str().eq_ignore_ascii_case(text))
        .ok_or_else(|| {
            period_error(
                "group_by",
                format!("expected day, source, merchant, offer or sub_id, got {text:?}"),
            )
        })
}

fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn parse_bound(parameter: &'static str, text: &str, is_end: bool) -> StoreResult<DateTime<Utc>> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") else {
        return Err(period_error(
            parameter,
            format!("expected a date (2026-01-31) or an RFC 3339 time, got {text:?}"),
        ));
    };
    // A date as the end includes its day: the period ends at the next midnight.
    let day = if is_end { date.succ_opt() } else { Some(date) };
    day.and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
        .ok_or_else(|| period_error(parameter, format!("{text:?} is out of range")))
}

fn period_error(parameter: &'static str, reason: String) -> StoreError {
    StoreError::ReportParameter { parameter, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn dates_cover_whole_days_and_instants_are_exact() -> StoreResult<()> {
        let now = utc(2026, 3, 1, 12);
        let january = report_period(Some("2026-01-01"), Some("2026-01-31"), now)?;
        assert_eq!(january, (utc(2026, 1, 1, 0), utc(2026, 2, 1, 0)));
        let exact = report_period(Some("2026-01-01T10:00:00+01:00"), Some("2026-01-02"), now)?;
        assert_eq!(exact.0, utc(2026, 1, 1, 9));
        let default = report_period(None, Some(""), now)?;
        assert_eq!(default, (now - Duration::days(30), now));
        Ok(())
    }

    #[test]
    fn bad_bounds_name_their_parameter() {
        let now = utc(2026, 3, 1, 12);
        let cases = [
            (Some("yesterday"), None, "from"),
            (None, Some("2026-02-30"), "to"),
            (Some("2026-02-01"), Some("2026-01-01"), "from"),
            (Some("2026-01-01T00:00:00"), None, "from"),
        ];
        for (from, to, named) in cases {
            let err = report_period(from, to, now).err();
            assert!(
                matches!(err, Some(StoreError::ReportParameter { parameter, .. }) if parameter == named),
                "{from:?} {to:?}: {err:?}"
            );
        }
    }

    #[test]
    fn group_by_reads_every_grouping() -> StoreResult<()> {
        assert_eq!(report_group_by(None)?, GroupBy::Day);
        assert_eq!(report_group_by(Some("SUB_ID"))?, GroupBy::SubId);
        for group_by in GroupBy::ALL {
            assert_eq!(report_group_by(Some(group_by.as_str()))?, group_by);
        }
        assert!(report_group_by(Some("brand")).is_err());
        Ok(())
    }
}
