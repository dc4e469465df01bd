//! The query parameters of `GET /earnings` and `GET /earnings/unattributed`, in the same kind
//! of table as the search's (it validates requests and describes them in the OpenAPI document).

use crate::error::ApiError;
use crate::params::{ParamKind, ParamSpec, ParamValues, QueryParams, param};
use chrono::{DateTime, Utc};
use feedmill_store::{GroupBy, report_group_by, report_period};

const FROM: ParamSpec = param(
    "from",
    ParamKind::Text,
    "Start, inclusive: a UTC date (2026-01-31, from its midnight) or an RFC 3339 time; default 30 days before to",
)
.values(ParamValues::DateOrTime);
const TO: ParamSpec = param(
    "to",
    ParamKind::Text,
    "End: a UTC date (that day included) or an RFC 3339 time (exclusive); default now",
)
.values(ParamValues::DateOrTime);

pub(crate) const EARNINGS_PARAMS: &[ParamSpec] = &[
    FROM,
    TO,
    param(
        "group_by",
        ParamKind::Text,
        "day (default: the sale's UTC day), source, merchant, offer or sub_id (the first sub-id slot)",
    )
    .values(ParamValues::OneOf(group_by_names)),
];

/// The groupings a report knows (what `report_group_by` reads).
fn group_by_names() -> Vec<String> {
    ["day", "source", "merchant", "offer", "sub_id"]
        .map(String::from)
        .to_vec()
}

pub(crate) const UNATTRIBUTED_PARAMS: &[ParamSpec] = &[FROM, TO];

/// A report's period `[from, to)`.
pub(crate) type Period = (DateTime<Utc>, DateTime<Utc>);

/// The period and grouping of `GET /earnings`.
pub(crate) fn earnings_request(
    query: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Period, GroupBy), ApiError> {
    let params = QueryParams::parse(query, EARNINGS_PARAMS, true)?;
    let period = report_period(params.get("from"), params.get("to"), now)?;
    Ok((period, report_group_by(params.get("group_by"))?))
}

/// The period of `GET /earnings/unattributed`.
pub(crate) fn unattributed_request(
    query: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Period, ApiError> {
    let params = QueryParams::parse(query, UNATTRIBUTED_PARAMS, true)?;
    Ok(report_period(params.get("from"), params.get("to"), now)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn every_documented_grouping_is_read() {
        for name in group_by_names() {
            assert!(report_group_by(Some(&name)).is_ok(), "{name}");
        }
    }

    #[test]
    fn bad_values_are_400s_naming_the_parameter() {
        let now = Utc::now();
        for (query, named) in [
            ("from=last-week", "from"),
            ("to=2026-13-01", "to"),
            ("group_by=brand", "group_by"),
            ("from=2026-02-01&to=2026-01-01", "from"),
        ] {
            let err = earnings_request(Some(query), now).err();
            let err = err.unwrap_or_else(|| panic!("{query} was accepted"));
            assert_eq!(err.code, ErrorCode::InvalidParameter, "{query}");
            assert!(
                err.message.starts_with(&format!("invalid {named}:")),
                "{err:?}"
            );
        }
        let unknown = earnings_request(Some("currency=SEK"), now).err();
        assert_eq!(unknown.map(|e| e.code), Some(ErrorCode::UnknownParameter));
        let twice = unattributed_request(Some("from=2026-01-01&from=2026-01-02"), now).err();
        assert_eq!(twice.map(|e| e.code), Some(ErrorCode::DuplicateParameter));
    }

    #[test]
    fn defaults_are_the_last_30_days_by_day() -> Result<(), ApiError> {
        let now = Utc::now();
        let ((from, to), group_by) = earnings_request(None, now)?;
        assert_eq!((to, to - from), (now, chrono::Duration::days(30)));
        assert_eq!(group_by, GroupBy::Day);
        Ok(())
    }
}
